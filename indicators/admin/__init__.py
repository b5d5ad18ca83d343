"""The admin: entry and approval of months, the catalogue, targets, roles and the audit trail.

Who sees and changes what comes from the user's role grants (``access.py``), never from
Django's model permissions: lists, filters, search and autocomplete hold only the units of the
user's grants; figures and written sections need data entry on their unit; units and targets
need a city administrator's grant; the catalogue and authorities any city administrator; role
grants a superuser. Approved months are read-only (``approval.py``). The audit trail is listed
read-only: nobody can add, change or delete a historical row from the app.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import access, approval
from indicators.core.periods import InvalidPeriod, parse_period
from indicators.entry.forms import (
    MonthActionForm,
    MonthGrid,
    MonthPickerForm,
    add_figure_errors,
    refresh_versions,
)
from indicators.entry.reports import FIELDS as REPORT_FIELDS
from indicators.entry.reports import (
    ReportEntry,
    locked_report_message,
    report_has_content,
    save_period_report,
    validate_report,
)
from indicators.entry.reports import is_locked as is_report_locked
from indicators.entry.services import (
    ConcurrentEdit,
    approve_month,
    grant_role,
    reopen_month,
    save_month,
    stamp_history,
    submit_month,
    validate_target,
)
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    PeriodReport,
    RoleGrant,
    SignerCapacity,
    Target,
    Unit,
)

admin.site.site_header = gettext_lazy("Báo cáo kinh tế - xã hội phường")
admin.site.site_title = gettext_lazy("Báo cáo phường")
admin.site.index_title = gettext_lazy("Quản trị và nhập số liệu")

UNIT_FILTER = ("unit", admin.RelatedOnlyFieldListFilter)  # only units in the user's lists
GRID_ACTIONS = ("enter", "submit", "approve", "reopen")  # roles that open the month grid


class GrantScopedAdmin(admin.ModelAdmin):
    """Rows that belong to a unit: listed within the user's grants, written with ``write_action``.

    Subclasses name the path to the unit (``unit_field``) and may lock rows (``is_locked``).
    """

    unit_field = "unit"
    write_action = "enter"

    def unit_id_of(self, obj) -> int:
        return getattr(obj, f"{self.unit_field}_id")

    def is_locked(self, obj) -> bool:
        return False

    def get_queryset(self, request):
        return access.restrict(super().get_queryset(request), request.user, "view", self.unit_field)

    def has_module_permission(self, request):
        return access.has_role_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.has_role_anywhere(request.user)
        return access.can(request.user, "view", self.unit_id_of(obj))

    def has_add_permission(self, request):
        return access.has_role_anywhere(request.user, self.write_action)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return access.has_role_anywhere(request.user, self.write_action)
        return access.can(request.user, self.write_action, self.unit_id_of(obj)) and not (
            self.is_locked(obj)
        )

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = access.units_for(request.user, self.write_action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        stamp_history(obj, request.user, "admin")
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        stamp_history(obj, request.user, "admin")
        super().delete_model(request, obj)


class CatalogueAdmin(admin.ModelAdmin):
    """Shared lists (areas, indicators, authorities): read by every role, kept by city admins."""

    def has_module_permission(self, request):
        return access.has_role_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return access.has_role_anywhere(request.user)

    def has_add_permission(self, request):
        return access.has_role_anywhere(request.user, "manage")

    def has_change_permission(self, request, obj=None):
        return access.has_role_anywhere(request.user, "manage")

    def has_delete_permission(self, request, obj=None):
        return access.has_role_anywhere(request.user, "manage")


# Which action a unit picked in another model's autocomplete is for.
AUTOCOMPLETE_ACTION = {
    "figure": "enter",
    "periodreport": "enter",
    "target": "manage",
    "unit": "manage",
}


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "name_en", "level", "parent", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields.get("parent")
        if parent is not None and self.instance.parent_id:
            # A unit may stay under its current parent even if that lies above the grant.
            parent.queryset = parent.queryset | Unit.objects.filter(pk=self.instance.parent_id)

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        was_top = self.instance.pk is not None and self.instance.parent_id is None
        if parent is None and not was_top and not self.current_user.is_superuser:
            raise forms.ValidationError(
                _("Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất; hãy chọn đơn vị cấp trên.")
            )
        return parent


@admin.register(Unit)
class UnitAdmin(GrantScopedAdmin):
    form = UnitAdminForm
    write_action = "manage"
    list_display = ["name", "code", "level", "parent", "order"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    unit_field = "id"  # a unit belongs to itself

    def unit_id_of(self, obj) -> int:
        return obj.pk

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.current_user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = access.units_for(request.user, "manage")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        action = AUTOCOMPLETE_ACTION.get(request.GET.get("model_name", ""))
        if action and request.GET.get("app_label") == "indicators":
            queryset = access.restrict(queryset, request.user, action, "id")
        return queryset, may_have_duplicates


@admin.register(Authority)
class AuthorityAdmin(CatalogueAdmin):
    list_display = ["name", "code", "report_phrase", "order"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(CatalogueAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name", "code"]


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    list_display = ["name", "code", "area", "unit", "kind", "direction", "is_main", "is_active"]
    list_filter = ["area", "kind", "direction", "is_main", "is_active"]
    search_fields = ["name", "name_en", "code"]


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["unit", "indicator", "year", "authority", "value", "basis"]

    def clean(self):
        data = super().clean()
        indicator, value = data.get("indicator"), data.get("value")
        if indicator is not None and value is not None:
            message = validate_target(indicator, value=value)
            if message:
                self.add_error("value", message)
        return data


@admin.register(Target)
class TargetAdmin(GrantScopedAdmin):
    write_action = "manage"
    form = TargetForm
    list_display = ["indicator", "unit", "year", "authority", "value", "basis"]
    list_filter = ["year", "authority", "indicator__area", UNIT_FILTER]
    search_fields = ["indicator__name", "unit__name", "basis"]
    autocomplete_fields = ["unit", "indicator"]


class PeriodReportForm(forms.ModelForm):
    """The admin's form over ``entry.reports``: the same checks as the dashboard's form, and
    the same write (``save_period_report``, called from ``PeriodReportAdmin.save_model``)."""

    class Meta:
        model = PeriodReport
        fields = ["unit", "year", "period", *REPORT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "signer_capacity" in self.fields:
            self.fields["signer_capacity"].required = False  # blank: the chair signs

    def clean_signer_capacity(self):
        return self.cleaned_data.get("signer_capacity") or SignerCapacity.ON_BEHALF

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None:  # unit and period are read-only on a change
            unit, year, key = self.instance.unit, self.instance.year, self.instance.period
        else:
            unit, year, key = data.get("unit"), data.get("year"), data.get("period")
        if unit is None or year is None or not key:
            return data
        try:
            self.report_period = parse_period(key, year)
        except InvalidPeriod as error:
            self.add_error("period", str(error))
            return data
        if is_report_locked(unit=unit, period=self.report_period):
            raise forms.ValidationError(locked_report_message(unit=unit, period=self.report_period))
        if self.errors:
            return data
        self.entry = ReportEntry(**{name: data.get(name) for name in REPORT_FIELDS})
        for name, message in validate_report(self.entry).items():
            self.add_error(name, message)
        if self.instance.pk is None and not report_has_content(self.entry):
            raise forms.ValidationError(_("Chưa nhập nội dung nào cho báo cáo kỳ này."))
        return data


@admin.register(PeriodReport)
class PeriodReportAdmin(GrantScopedAdmin):
    """Written sections and report details: locked once every month of their period is
    approved; written through ``entry.reports.save_period_report``, like the dashboard."""

    form = PeriodReportForm
    list_display = ["unit", "year", "period", "updated_by", "updated_at"]
    list_filter = ["year", "period", UNIT_FILTER]
    search_fields = ["unit__name", "results", "shortcomings", "tasks"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["updated_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # The service writes a report by its unit and period: those stay as they were.
        if obj is not None:
            return ["unit", "year", "period", *self.readonly_fields]
        return self.readonly_fields

    def is_locked(self, obj) -> bool:
        try:
            period = parse_period(obj.period, obj.year)
        except InvalidPeriod:
            return False
        return is_report_locked(unit=obj.unit, period=period)

    def save_model(self, request, obj, form, change):
        report, _changed = save_period_report(
            unit=obj.unit,
            period=form.report_period,
            entry=form.entry,
            user=request.user,
            source="admin",
        )
        obj.pk = report.pk
        obj.updated_by, obj.updated_at = report.updated_by, report.updated_at


class FigureAdminForm(forms.ModelForm):
    class Meta:
        model = Figure
        fields = [
            "unit",
            "indicator",
            "year",
            "month",
            "value",
            "numerator",
            "denominator",
            "status",
        ]

    def clean(self):
        data = super().clean()
        indicator = data.get("indicator") or getattr(self.instance, "indicator", None)
        if indicator is None or self.errors:
            return data
        add_figure_errors(
            self,
            indicator,
            value=data.get("value"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
        )
        return data


@admin.register(Figure)
class FigureAdmin(GrantScopedAdmin):
    """Figures are entered a month at a time on the grid; the list is for finding them."""

    form = FigureAdminForm
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
    list_filter = ["year", "month", "status", "indicator__area", UNIT_FILTER]
    search_fields = ["indicator__name", "unit__name"]
    readonly_fields = ["entered_by", "source", "created_at", "updated_at"]
    autocomplete_fields = ["unit", "indicator"]
    change_list_template = "admin/indicators/figure/change_list.html"

    def is_locked(self, obj) -> bool:
        return bool(
            approval.locked_months([obj.unit_id], [obj.year]) & {(obj.unit_id, obj.year, obj.month)}
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # A figure stays in its unit and month; move it by deleting and entering it again.
        return ["unit", "indicator", "year", "month", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        approval.assert_open(unit=obj.unit, year=obj.year, month=obj.month)
        obj.entered_by = request.user
        obj.source = "admin"
        super().save_model(request, obj, form, change)

    def get_urls(self):
        urls = [
            path(
                "enter/",
                self.admin_site.admin_view(self.enter_month_view),
                name="indicators_figure_enter",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        may_open_grid = bool(_unit_ids_for_any(request.user, GRID_ACTIONS))
        return super().changelist_view(
            request, {**(extra_context or {}), "may_open_grid": may_open_grid}
        )

    def add_view(self, request, form_url="", extra_context=None):
        # A figure is always entered with the rest of its month.
        return redirect("admin:indicators_figure_enter")

    def enter_month_view(self, request):
        grid_units = Unit.objects.filter(id__in=_unit_ids_for_any(request.user, GRID_ACTIONS))
        if not grid_units.exists():
            raise PermissionDenied(_("Bạn chưa được phân quyền nhập hoặc duyệt số liệu."))
        source = request.POST if request.method == "POST" else request.GET
        picker = MonthPickerForm(source or None, initial=_default_month(), prefix=None)
        picker.fields["unit"].queryset = grid_units
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
        may_enter = access.can(request.user, "enter", unit)
        if request.method == "POST" and not may_enter:
            raise PermissionDenied(access.refusal("enter", unit))
        lock = approval.locking_approval(unit=unit, year=year, month=month)
        indicators = list(Indicator.objects.filter(is_active=True).select_related("area"))
        existing = _month_figures(unit, year, month)
        posted = request.POST if request.method == "POST" else None
        grid = MonthGrid(
            indicators=indicators,
            existing=existing,
            data=posted,
            locked=posted is None and (lock is not None or not may_enter),
        )
        ctx.update(
            grid=grid,
            unit=unit,
            year=year,
            month=month,
            lock=lock,
            may_enter=may_enter,
            status=approval.month_status(unit=unit, year=year, month=month),
            month_actions=[
                a for a in ("submit", "approve", "reopen") if access.can(request.user, a, unit)
            ],
        )
        if posted is None:
            return TemplateResponse(request, "admin/indicators/figure/enter_month.html", ctx)
        if lock is not None:
            messages.error(
                request,
                approval.locked_message(unit=unit, year=year, month=month, approval=lock),
            )
        elif not grid.is_valid():
            messages.error(
                request,
                _("Chưa lưu: %(count)d dòng có lỗi, xem các ô đánh dấu đỏ bên dưới.")
                % {"count": grid.error_count},
            )
        else:
            try:
                result = save_month(
                    unit=unit,
                    year=year,
                    month=month,
                    entries=grid.entries(),
                    user=request.user,
                    source="form",
                    expected_versions=grid.expected_versions(),
                )
            except ConcurrentEdit as conflict:
                messages.error(request, conflict.message)
                current = _month_figures(unit, year, month)
                ctx["grid"] = MonthGrid(
                    indicators=indicators,
                    existing=current,
                    data=refresh_versions(request.POST, current, indicators),
                )
                ctx["other_edits"] = conflict.edits
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
                return redirect(_grid_url(unit, year, month))
        return TemplateResponse(request, "admin/indicators/figure/enter_month.html", ctx)


def _unit_ids_for_any(user, actions) -> set[int]:
    found: set[int] = set()
    for action in actions:
        ids = access.unit_ids_for(user, action)
        if ids is None:
            return set(Unit.objects.values_list("id", flat=True))
        found |= ids
    return found


def _month_figures(unit: Unit, year: int, month: int) -> dict[int, Figure]:
    figures = Figure.objects.filter(unit=unit, year=year, month=month).select_related("entered_by")
    return {f.indicator_id: f for f in figures}


def _grid_url(unit: Unit, year: int, month: int) -> str:
    query = urlencode({"unit": unit.code, "year": year, "month": month})
    return f"{reverse('admin:indicators_figure_enter')}?{query}"


def _default_month() -> dict:
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}


@admin.register(MonthApproval)
class MonthApprovalAdmin(GrantScopedAdmin):
    """Where each month stands. Moved only by the buttons on the month grid or the actions
    here, which check the approver's role and keep the history; never edited by hand."""

    list_display = ["unit", "year", "month", "status", "changed_by", "changed_at", "reason"]
    list_filter = ["status", "year", UNIT_FILTER]
    search_fields = ["unit__name", "reason"]
    actions = ["submit_selected", "approve_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        urls = [
            path(
                "move/",
                self.admin_site.admin_view(self.move_month_view),
                name="indicators_monthapproval_move",
            ),
        ]
        return urls + super().get_urls()

    def move_month_view(self, request):
        if request.method != "POST":
            return redirect("admin:indicators_monthapproval_changelist")
        form = MonthActionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Yêu cầu không hợp lệ: chưa đổi trạng thái tháng."))
            return redirect("admin:indicators_monthapproval_changelist")
        unit, year, month, action = (
            form.cleaned_data[k] for k in ("unit", "year", "month", "action")
        )
        try:
            if action == "submit":
                submit_month(unit=unit, year=year, month=month, user=request.user)
            elif action == "approve":
                approve_month(unit=unit, year=year, month=month, user=request.user)
            else:
                reopen_month(
                    unit=unit,
                    year=year,
                    month=month,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _MOVED[action] % {"month": month, "year": year, "unit": unit.name}
            )
        return redirect(_grid_url(unit, year, month))

    def _move_selected(self, request, queryset, move, action: str):
        for row in queryset.select_related("unit"):
            try:
                move(unit=row.unit, year=row.year, month=row.month, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = (
                    " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                )
                messages.error(request, text)
            else:
                messages.success(
                    request,
                    _MOVED[action] % {"month": row.month, "year": row.year, "unit": row.unit.name},
                )

    @admin.action(description=gettext_lazy("Gửi duyệt các tháng đã chọn"))
    def submit_selected(self, request, queryset):
        self._move_selected(request, queryset, submit_month, "submit")

    @admin.action(description=gettext_lazy("Phê duyệt các tháng đã chọn"))
    def approve_selected(self, request, queryset):
        self._move_selected(request, queryset, approve_month, "approve")


_MOVED = {
    "submit": gettext_lazy("Đã gửi duyệt tháng %(month)d/%(year)d của %(unit)s."),
    "approve": gettext_lazy("Đã phê duyệt tháng %(month)d/%(year)d của %(unit)s; số liệu đã khóa."),
    "reopen": gettext_lazy("Đã mở lại tháng %(month)d/%(year)d của %(unit)s."),
}


class RoleGrantAdminForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "unit", "role"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """Only superusers grant roles (Django's own permissions; nobody else holds them)."""

    form = RoleGrantAdminForm
    list_display = ["user", "role", "unit", "granted_at"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        grant_role(user=obj.user, unit=obj.unit, role=obj.role)  # makes the user staff


HISTORY_TYPES = {"+": gettext_lazy("Nhập mới"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xóa")}


class HistoryAdmin(GrantScopedAdmin):
    """A read-only list of the changes to one audited model, within the user's units."""

    list_filter = [UNIT_FILTER, ("history_user", admin.RelatedOnlyFieldListFilter), "history_date"]
    date_hierarchy = "history_date"
    list_select_related = ["unit", "history_user"]
    search_fields = ["unit__name", "history_user__username", "history_change_reason"]

    @admin.display(description=gettext_lazy("thay đổi"), ordering="history_type")
    def change_kind(self, obj) -> str:
        return HISTORY_TYPES.get(obj.history_type, obj.history_type)

    @admin.display(description=gettext_lazy("nguồn"), ordering="history_change_reason")
    def change_source(self, obj) -> str:
        return obj.history_change_reason or getattr(obj, "source", "") or ""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Figure.history.model)
class FigureHistoryAdmin(HistoryAdmin):
    list_display = [
        "history_date",
        "history_user",
        "change_kind",
        "unit",
        "indicator",
        "year",
        "month",
        "value",
        "numerator",
        "denominator",
        "status",
        "change_source",
    ]
    list_filter = [*HistoryAdmin.list_filter, "year", "month"]
    list_select_related = [*HistoryAdmin.list_select_related, "indicator"]
    search_fields = [*HistoryAdmin.search_fields, "indicator__name"]


@admin.register(Target.history.model)
class TargetHistoryAdmin(HistoryAdmin):
    list_display = [
        "history_date",
        "history_user",
        "change_kind",
        "unit",
        "indicator",
        "year",
        "authority",
        "value",
        "change_source",
    ]
    list_select_related = [*HistoryAdmin.list_select_related, "indicator", "authority"]


@admin.register(PeriodReport.history.model)
class PeriodReportHistoryAdmin(HistoryAdmin):
    list_display = [
        "history_date",
        "history_user",
        "change_kind",
        "unit",
        "year",
        "period",
        "change_source",
    ]


@admin.register(MonthApproval.history.model)
class MonthApprovalHistoryAdmin(HistoryAdmin):
    list_display = ["history_date", "history_user", "unit", "year", "month", "status", "reason"]
