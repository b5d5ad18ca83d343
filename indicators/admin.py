from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import MonthGrid, MonthPickerForm
from .models import Area, Authority, Figure, Indicator, PeriodReport, Target, Unit
from .services import save_month

admin.site.site_header = gettext_lazy("Báo cáo kinh tế - xã hội phường")
admin.site.site_title = gettext_lazy("Báo cáo phường")
admin.site.index_title = gettext_lazy("Quản trị và nhập số liệu")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "order"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "report_phrase", "order"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name", "code"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "area", "unit", "kind", "direction", "is_main", "is_active"]
    list_filter = ["area", "kind", "direction", "is_main", "is_active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "unit", "year", "authority", "value", "basis"]
    list_filter = ["year", "authority", "indicator__area"]
    search_fields = ["indicator__name", "unit__name", "basis"]
    autocomplete_fields = ["unit", "indicator"]


@admin.register(PeriodReport)
class PeriodReportAdmin(admin.ModelAdmin):
    list_display = ["unit", "year", "period", "updated_by", "updated_at"]
    list_filter = ["year", "period"]
    search_fields = ["unit__name", "results", "shortcomings", "tasks"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["updated_by", "updated_at"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    """Figures are entered a month at a time on the grid; the list is for finding them."""

    list_display = [
        "indicator",
        "unit",
        "year",
        "month",
        "value",
        "numerator",
        "denominator",
        "status",
        "entered_by",
        "updated_at",
    ]
    list_filter = ["year", "month", "status", "indicator__area", "unit"]
    search_fields = ["indicator__name", "unit__name"]
    readonly_fields = ["entered_by", "source", "created_at", "updated_at"]
    autocomplete_fields = ["unit", "indicator"]
    change_list_template = "admin/indicators/figure/change_list.html"

    def get_urls(self):
        urls = [
            path(
                "enter/",
                self.admin_site.admin_view(self.enter_month_view),
                name="indicators_figure_enter",
            ),
        ]
        return urls + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        # A figure is always entered with the rest of its month.
        return redirect("admin:indicators_figure_enter")

    def enter_month_view(self, request):
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        picker = MonthPickerForm(source or None, initial=_default_month(), prefix=None)
        ctx = {
            **self.admin_site.each_context(request),
            "title": _("Nhập số liệu tháng"),
            "opts": self.model._meta,
            "picker": picker,
            "grid": None,
        }
        if not source or not picker.is_valid():
            return TemplateResponse(request, "admin/indicators/figure/enter_month.html", ctx)

        unit, year, month = (picker.cleaned_data[k] for k in ("unit", "year", "month"))
        indicators = Indicator.objects.filter(is_active=True).select_related("area")
        existing = {
            f.indicator_id: f for f in Figure.objects.filter(unit=unit, year=year, month=month)
        }
        grid = MonthGrid(
            indicators=indicators,
            existing=existing,
            data=request.POST if request.method == "POST" else None,
        )
        ctx.update(grid=grid, unit=unit, year=year, month=month)
        if request.method == "POST":
            if grid.is_valid():
                try:
                    result = save_month(
                        unit=unit,
                        year=year,
                        month=month,
                        entries=grid.entries(),
                        user=request.user,
                        source="form",
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request,
                        _(
                            "Đã lưu số liệu tháng %(month)d/%(year)d của %(unit)s: "
                            "%(created)d mới, %(updated)d sửa, %(deleted)d xóa."
                        )
                        % {
                            "month": month,
                            "year": year,
                            "unit": unit.name,
                            "created": result.created,
                            "updated": result.updated,
                            "deleted": result.deleted,
                        },
                    )
                    query = urlencode({"unit": unit.code, "year": year, "month": month})
                    return redirect(f"{reverse('admin:indicators_figure_enter')}?{query}")
            else:
                messages.error(
                    request,
                    _("Chưa lưu: %(count)d dòng có lỗi, xem các ô đánh dấu đỏ bên dưới.")
                    % {"count": grid.error_count},
                )
        return TemplateResponse(request, "admin/indicators/figure/enter_month.html", ctx)


def _default_month() -> dict:
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}
