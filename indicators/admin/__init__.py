"""The admin: registration of the models, their lists and forms.

Who sees and changes what comes from the user's role grants (``access.py``), never from
Django's model permissions: lists, filters, search and autocomplete hold only the units of the
user's grants; figures and written sections need data entry on their unit; units and targets
need a city administrator's grant; the catalogue (areas, indicators, authorities) a city
administrator granted at a root of the tree; role grants a superuser. Approved months are
read-only (``approval.py``). The audit trail is listed read-only.

Every save and delete here, bulk deletes included, calls a service of ``entry.services``
(lock, then check, then write); a refusal found there (a month approved or a figure changed
meanwhile) comes back as a message on the page. The custom pages (the month grid, the month's
approval buttons) are views in ``entry.views``; the admin only gives them their addresses.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import access, approval
from indicators.access import Action
from indicators.core import lineage_rules
from indicators.core.numbers import format_number, format_percent, format_value
from indicators.core.periods import InvalidPeriod, parse_period
from indicators.entry import approval_list, services
from indicators.entry import views as entry_views
from indicators.entry.forms import add_figure_errors
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
    figure_version,
    stamp_history,
    validate_target,
)
from indicators.exchange.admin_views import may_import
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    PeriodReport,
    Predecessor,
    RoleGrant,
    SignerCapacity,
    Target,
    Unit,
)

admin.site.site_header = gettext_lazy("Báo cáo kinh tế - xã hội phường")
admin.site.site_title = gettext_lazy("Báo cáo phường")
admin.site.index_title = gettext_lazy("Quản trị và nhập số liệu")

UNIT_FILTER = ("unit", admin.RelatedOnlyFieldListFilter)  # only units in the user's lists


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ConcurrentEdit):
        return error.figure_message
    return " ".join(error.messages)


class ServiceWrites:
    """A refusal raised by a service while the admin saves or deletes (nothing was written:
    the view's transaction is rolled back) is shown as a message on the same page again."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, ConcurrentEdit) as error:
            messages.error(request, _refusal_text(error))
            return redirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ValidationError, ConcurrentEdit) as error:
            messages.error(request, _refusal_text(error))
            return redirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        try:
            return super().changelist_view(request, extra_context)
        except (ValidationError, ConcurrentEdit) as error:  # a bulk action refused
            messages.error(request, _refusal_text(error))
            return redirect(request.get_full_path())


def _values(obj, fields) -> dict:
    return {name: getattr(obj, name) for name in fields}


class GrantScopedAdmin(ServiceWrites, admin.ModelAdmin):
    """Rows that belong to a unit: listed within the user's grants, written with ``write_action``.

    Subclasses name the path to the unit (``unit_field``) and may lock rows (``is_locked``).
    """

    unit_field = "unit"
    write_action = Action.ENTER

    def unit_id_of(self, obj) -> int:
        return getattr(obj, f"{self.unit_field}_id")

    def is_locked(self, obj) -> bool:
        return False

    def get_queryset(self, request):
        return access.restrict(
            super().get_queryset(request), request.user, Action.VIEW, self.unit_field
        )

    def has_module_permission(self, request):
        return access.has_role_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return access.has_role_anywhere(request.user)
        return access.can(request.user, Action.VIEW, self.unit_id_of(obj))

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.current_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        stamp_history(obj, request.user, "admin")
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        stamp_history(obj, request.user, "admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:  # one by one, so each history row names the user and the source
            self.delete_model(request, obj)


class CatalogueForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        if not services.may_edit_catalogue(self.current_user):
            raise forms.ValidationError(
                _("Chỉ quản trị cấp cao nhất được sửa danh mục chỉ tiêu, lĩnh vực và cơ quan giao.")
            )
        return data


class CatalogueAdmin(ServiceWrites, admin.ModelAdmin):
    """Shared lists (areas, indicators, authorities): read by every role, kept by a city
    administrator granted at a root of the tree (``services.may_edit_catalogue``)."""

    form = CatalogueForm

    def has_module_permission(self, request):
        return access.has_role_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return access.has_role_anywhere(request.user)

    def has_add_permission(self, request):
        return services.may_edit_catalogue(request.user)

    def has_change_permission(self, request, obj=None):
        return services.may_edit_catalogue(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.may_edit_catalogue(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.current_user = request.user
        return form

    def save_model(self, request, obj, form, change):
        saved = services.save_catalogue_row(
            model=self.model,
            row_id=obj.pk,
            data=_values(obj, services.CATALOGUE_FIELDS[self.model]),
            user=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_catalogue_rows(model=self.model, row_ids=[obj.pk], user=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_catalogue_rows(
            model=self.model, row_ids=list(queryset.values_list("pk", flat=True)), user=request.user
        )


# Which action a unit picked in another model's autocomplete is for.
AUTOCOMPLETE_ACTION = {
    "figure": "enter",
    "periodreport": "enter",
    "target": "manage",
    "unit": "manage",
    "predecessor": "view",
}


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = [
            "code",
            "name",
            "name_en",
            "level",
            "parent",
            "order",
            "reporting_deadline_day",
            "valid_from",
            "valid_until",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent = self.fields.get("parent")
        if parent is not None and self.instance.parent_id:
            # A unit may stay under its current parent even if that lies above the grant.
            parent.queryset = parent.queryset | Unit.objects.filter(pk=self.instance.parent_id)

    def clean(self):
        data = super().clean()
        if "parent" in self.errors:
            return data
        parent = data.get("parent")
        stored = self.instance if self.instance.pk else None
        for field, message in services.unit_refusal(
            unit=stored, parent_id=parent.pk if parent else None, user=self.current_user
        ).items():
            self.add_error(field, message)
        return data


class PredecessorFormSet(forms.BaseInlineFormSet):
    """The units a unit was formed from: checked as a whole (shares, loops) by the service.

    A post without this list (a script, a page from before lineage existed) leaves the
    lineage as it is instead of failing on the missing management form.
    """

    def __init__(self, *args, **kwargs):
        data = kwargs.get("data")
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        self.absent = data is not None and f"{prefix}-TOTAL_FORMS" not in data
        if self.absent:
            kwargs["data"] = data.copy()
            kwargs["data"].update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.absent or any(self.errors) or self.instance.pk is None:
            return
        problem = services.lineage_refusal(unit=self.instance, links=self.links())
        if problem:
            raise ValidationError(problem)

    def links(self) -> dict[int, object]:
        """predecessor id → share of the rows kept on the page."""
        return {
            form.cleaned_data["predecessor"].pk: form.cleaned_data["share"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("predecessor")
        }


class PredecessorInline(admin.TabularInline):
    """ "Hình thành từ": the units this one was formed from, wholly or in part."""

    model = Predecessor
    fk_name = "unit"
    formset = PredecessorFormSet
    extra = 0
    autocomplete_fields = ["predecessor"]
    verbose_name = gettext_lazy("hình thành từ")
    verbose_name_plural = gettext_lazy("hình thành từ (sáp nhập, chia tách, đổi tên)")


@admin.register(Unit)
class UnitAdmin(GrantScopedAdmin):
    form = UnitAdminForm
    inlines = [PredecessorInline]
    readonly_fields = ["successors"]
    write_action = Action.MANAGE
    list_display = [
        "name",
        "code",
        "level",
        "parent",
        "valid_from",
        "valid_until",
        "order",
        "reporting_deadline_day",
    ]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]

    unit_field = "id"  # a unit belongs to itself

    def unit_id_of(self, obj) -> int:
        return obj.pk

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = access.units_for(request.user, Action.MANAGE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        action = AUTOCOMPLETE_ACTION.get(request.GET.get("model_name", ""))
        if action and request.GET.get("app_label") == "indicators":
            queryset = access.restrict(queryset, request.user, action, "id")
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        saved = services.save_unit(
            unit_id=obj.pk, data=_values(obj, services.UNIT_FIELDS), user=request.user
        )
        obj.pk = saved.pk

    @admin.display(description=gettext_lazy("trở thành"))
    def successors(self, obj) -> str:
        """The units formed from this one, with the share each received."""
        links = obj.successor_links.select_related("unit") if obj.pk else []
        return (
            ", ".join(
                f"{link.unit.name} ({lineage_rules.format_share(link.share)})" for link in links
            )
            or "—"
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Predecessor:
            return super().save_formset(request, form, formset, change)
        # the admin's change message reads these; the service keeps its own history
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.absent:
            return None
        services.save_predecessors(unit=form.instance, links=formset.links(), user=request.user)

    def delete_model(self, request, obj):
        services.delete_units(unit_ids=[obj.pk], user=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_units(
            unit_ids=list(queryset.values_list("pk", flat=True)), user=request.user
        )


@admin.register(Authority)
class AuthorityAdmin(CatalogueAdmin):
    list_display = ["name", "code", "report_phrase", "order"]
    search_fields = ["name", "code"]


@admin.register(Area)
class AreaAdmin(CatalogueAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name", "code"]


class IndicatorForm(CatalogueForm):
    # A box per level instead of the JSON list the model stores.
    entry_levels = forms.MultipleChoiceField(
        label=Indicator._meta.get_field("entry_levels").verbose_name,
        help_text=Indicator._meta.get_field("entry_levels").help_text,
        choices=Unit.Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Indicator
        fields = [name.removesuffix("_id") for name in services.CATALOGUE_FIELDS[Indicator]]

    def clean_entry_levels(self) -> list[str]:
        chosen = set(self.cleaned_data.get("entry_levels") or [])
        return [level for level in Unit.Level.values if level in chosen]  # in the tree's order

    def clean_kind(self):
        kind = self.cleaned_data.get("kind")
        refusal = services.kind_refusal(indicator=self.instance, kind=kind)
        if refusal:
            raise forms.ValidationError(refusal)
        return kind


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    form = IndicatorForm
    list_display = ["name", "code", "area", "unit", "kind", "direction", "is_main", "is_active"]
    list_filter = ["area", "kind", "direction", "is_main", "is_active"]
    search_fields = ["name", "name_en", "code"]


class TargetForm(forms.ModelForm):
    reason = forms.CharField(
        label=gettext_lazy("Lý do điều chỉnh sau phê duyệt"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Bắt buộc khi năm của chỉ tiêu đã có tháng được phê duyệt; chỉ người phê duyệt "
            "được điều chỉnh."
        ),
    )

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
        unit, year = data.get("unit"), data.get("year")
        if unit is not None and year is not None and not self.errors and self.has_changed():
            refusal = services.target_refusal(
                target=self.instance if self.instance.pk else None,
                unit=unit,
                year=year,
                user=self.current_user,
                reason=data.get("reason", ""),
            )
            if refusal:
                self.add_error(None, refusal)
        return data


@admin.register(Target)
class TargetAdmin(GrantScopedAdmin):
    write_action = Action.MANAGE
    form = TargetForm
    list_display = ["indicator", "unit", "year", "authority", "value", "basis"]
    list_filter = ["year", "authority", "indicator__area", UNIT_FILTER]
    search_fields = ["indicator__name", "unit__name", "basis"]
    autocomplete_fields = ["unit", "indicator"]
    readonly_fields = ["adjusted_after_approval_at", "adjustment_reason"]

    def save_model(self, request, obj, form, change):
        saved = services.save_target(
            target_id=obj.pk,
            data=_values(obj, services.TARGET_FIELDS),
            user=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_targets(target_ids=[obj.pk], user=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_targets(
            target_ids=list(queryset.values_list("pk", flat=True)), user=request.user
        )


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


# The figure lists' short columns (the figures and their audit trail).


@admin.display(description=gettext_lazy("tháng"), ordering="year")
def month_shown(obj) -> str:
    return f"{obj.month}/{obj.year}"


@admin.display(description=gettext_lazy("giá trị"), ordering="value")
def value_shown(obj) -> str:
    """The value as reports write it, with its unit; a ratio's counts beside its rate."""
    if obj.numerator is not None and obj.denominator is not None:
        counts = f"{format_number(obj.numerator)}/{format_number(obj.denominator)}"
        if obj.value is None:
            return counts
        return f"{format_percent(obj.value)} ({counts})"
    if obj.value is None:
        return "—"
    indicator = obj.indicator
    if indicator.is_percentage:
        return format_percent(obj.value)
    return f"{format_value(obj.value, is_percentage=False)} {indicator.display_unit}"


class FigureAdminForm(forms.ModelForm):
    # The figure as it was when the form was opened (``services.figure_version``), as on the
    # month grid: a save is refused if someone changed the figure in between.
    version = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = figure_version(self.instance)

    def clean(self):
        data = super().clean()
        indicator = data.get("indicator") or getattr(self.instance, "indicator", None)
        unit = data.get("unit") or getattr(self.instance, "unit", None)
        if indicator is None or unit is None or self.errors:
            return data
        add_figure_errors(
            self,
            indicator,
            level=unit.level,
            value=data.get("value"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
        )
        return data

    def expected_version(self) -> str | None:
        """The posted version token; None when a script posted none (not checked)."""
        if self.add_prefix("version") not in self.data:
            return None
        return self.cleaned_data.get("version") or ""


@admin.register(Figure)
class FigureAdmin(GrantScopedAdmin):
    """Figures are entered a month at a time on the grid; the list is for finding them."""

    form = FigureAdminForm
    # Seven short columns: value, status, who and when stay in view at 1366 px.
    list_display = [
        "indicator",
        "unit",
        "month_shown",
        "value_shown",
        "status",
        "entered_by",
        "updated_at",
    ]
    list_select_related = ["indicator", "unit", "entered_by"]
    list_filter = ["year", "month", "status", "indicator__area", UNIT_FILTER]
    search_fields = ["indicator__name", "unit__name"]
    readonly_fields = ["entered_by", "source", "created_at", "updated_at"]
    autocomplete_fields = ["unit", "indicator"]
    change_list_template = "admin/indicators/figure/change_list.html"

    month_shown = staticmethod(month_shown)
    value_shown = staticmethod(value_shown)

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
        services.update_figure(
            figure_id=obj.pk,
            numbers=_values(obj, services.FIGURE_NUMBERS),
            user=request.user,
            source="admin",
            expected_version=form.expected_version(),
        )

    def delete_model(self, request, obj):
        services.delete_figures(figure_ids=[obj.pk], user=request.user, source="admin")

    def delete_queryset(self, request, queryset):
        services.delete_figures(
            figure_ids=list(queryset.values_list("pk", flat=True)),
            user=request.user,
            source="admin",
        )

    def get_urls(self):
        urls = [
            path(
                "enter/",
                self.admin_site.admin_view(entry_views.enter_month),
                name="indicators_figure_enter",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        may_open_grid = bool(services.grid_unit_ids(request.user))
        extra = {"may_open_grid": may_open_grid, "may_import": may_import(request.user)}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def add_view(self, request, form_url="", extra_context=None):
        # A figure is always entered with the rest of its month.
        return redirect("admin:indicators_figure_enter")


@admin.register(MonthApproval)
class MonthApprovalAdmin(GrantScopedAdmin):
    """Where each month stands: the list is ``entry.approval_list`` (every month each expected
    unit owes, with the bulk submit and approve). Moved only by its actions or the buttons on
    the month grid, which check the approver's role and keep the history; never edited by hand."""

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
                self.admin_site.admin_view(entry_views.move_month),
                name="indicators_monthapproval_move",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return approval_list.approval_list(request, extra_context)


class RoleGrantAdminForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ["user", "unit", "role"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ServiceWrites, admin.ModelAdmin):
    """Only superusers grant roles (Django's own permissions; nobody else holds them)."""

    form = RoleGrantAdminForm
    list_display = ["user", "role", "unit", "granted_at"]
    list_filter = ["role", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def save_model(self, request, obj, form, change):
        saved = services.save_grant(
            grant_id=obj.pk, data=_values(obj, ("user_id", "unit_id", "role")), by=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_grants(grant_ids=[obj.pk], by=request.user)

    def delete_queryset(self, request, queryset):
        grant_ids = list(queryset.values_list("pk", flat=True))
        services.delete_grants(grant_ids=grant_ids, by=request.user)


# --- The audit trail ----------------------------------------------------------------------

HISTORY_TYPES = {"+": gettext_lazy("Nhập mới"), "~": gettext_lazy("Sửa"), "-": gettext_lazy("Xóa")}


class ReadOnlyHistory:
    """A list of the changes to one audited model: nobody adds, changes or deletes a row."""

    date_hierarchy = "history_date"

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


class HistoryAdmin(ReadOnlyHistory, GrantScopedAdmin):
    """The changes to rows of one unit, within the user's units."""

    list_filter = [UNIT_FILTER, ("history_user", admin.RelatedOnlyFieldListFilter), "history_date"]
    list_select_related = ["unit", "history_user"]
    search_fields = ["unit__name", "history_user__username", "history_change_reason"]


class CatalogueHistoryAdmin(ReadOnlyHistory, admin.ModelAdmin):
    """The changes to the shared catalogue: read by every role, like the catalogue."""

    list_filter = [("history_user", admin.RelatedOnlyFieldListFilter), "history_date"]
    list_select_related = ["history_user"]
    search_fields = ["code", "name", "history_user__username", "history_change_reason"]

    def has_module_permission(self, request):
        return access.has_role_anywhere(request.user)

    def has_view_permission(self, request, obj=None):
        return access.has_role_anywhere(request.user)


CHANGE_COLUMNS = ["history_date", "history_user", "change_kind"]


@admin.register(Figure.history.model)
class FigureHistoryAdmin(HistoryAdmin):
    list_display = [
        *CHANGE_COLUMNS,
        "indicator",
        "unit",
        "month_shown",
        "value_shown",
        "status",
        "change_source",
    ]
    month_shown = staticmethod(month_shown)
    value_shown = staticmethod(value_shown)
    list_filter = [*HistoryAdmin.list_filter, "year", "month"]
    list_select_related = [*HistoryAdmin.list_select_related, "indicator"]
    search_fields = [*HistoryAdmin.search_fields, "indicator__name"]


@admin.register(Target.history.model)
class TargetHistoryAdmin(HistoryAdmin):
    list_display = [
        *CHANGE_COLUMNS,
        "unit",
        "indicator",
        "year",
        "authority",
        "value",
        "adjustment_reason",
        "change_source",
    ]
    list_select_related = [*HistoryAdmin.list_select_related, "indicator", "authority"]


@admin.register(PeriodReport.history.model)
class PeriodReportHistoryAdmin(HistoryAdmin):
    list_display = [*CHANGE_COLUMNS, "unit", "year", "period", "change_source"]


@admin.register(MonthApproval.history.model)
class MonthApprovalHistoryAdmin(HistoryAdmin):
    list_display = ["history_date", "history_user", "unit", "year", "month", "status", "reason"]


@admin.register(Unit.history.model)
class UnitHistoryAdmin(HistoryAdmin):
    unit_field = "id"  # a unit's history belongs to the unit
    list_display = [*CHANGE_COLUMNS, "name", "code", "level", "parent", "change_source"]
    list_filter = [("history_user", admin.RelatedOnlyFieldListFilter), "history_date"]
    list_select_related = ["history_user", "parent"]
    search_fields = ["name", "code", "history_user__username", "history_change_reason"]

    def unit_id_of(self, obj) -> int:
        return obj.id


@admin.register(Indicator.history.model)
class IndicatorHistoryAdmin(CatalogueHistoryAdmin):
    list_display = [*CHANGE_COLUMNS, "name", "code", "kind", "is_active", "change_source"]


@admin.register(Area.history.model)
class AreaHistoryAdmin(CatalogueHistoryAdmin):
    list_display = [*CHANGE_COLUMNS, "name", "code", "change_source"]


@admin.register(Authority.history.model)
class AuthorityHistoryAdmin(CatalogueHistoryAdmin):
    list_display = [*CHANGE_COLUMNS, "name", "code", "report_phrase", "change_source"]


@admin.register(RoleGrant.history.model)
class RoleGrantHistoryAdmin(ReadOnlyHistory, admin.ModelAdmin):
    """Who was given or lost which role: superusers only, like the grants."""

    list_display = [*CHANGE_COLUMNS, "user", "role", "unit", "change_source"]
    list_filter = ["role", ("history_user", admin.RelatedOnlyFieldListFilter), "history_date"]
    list_select_related = ["history_user", "user", "unit"]
    search_fields = ["user__username", "unit__name", "history_user__username"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
