"""The admin's custom entry pages: the month grid and the month's approval buttons.

Thin views: they parse what was posted, call a service in ``entry.services`` (which locks,
checks and writes) and turn its refusal into a message. The admin registers them under its own
addresses (``/admin/indicators/figure/enter/``, ``/admin/indicators/monthapproval/move/``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from indicators import access, approval
from indicators.access import Action
from indicators.entry.comparisons import earlier_figures
from indicators.entry.forms import (
    MONTH_MOVED,
    MonthActionForm,
    MonthGrid,
    MonthPickerForm,
    copy_last_month,
    picker_units,
    refresh_versions,
)
from indicators.entry.services import (
    ConcurrentEdit,
    ImplausibleFigures,
    MissingUnits,
    approve_month,
    grid_unit_ids,
    reopen_month,
    save_month,
    submit_month,
)
from indicators.models import Figure, Indicator, MonthApproval, Unit
from indicators.reporting.entered_below import totals_below

GRID_TEMPLATE = "admin/indicators/figure/enter_month.html"
CONFIRM_TEMPLATE = "admin/indicators/monthapproval/confirm_missing.html"


def enter_month(request):
    """The month grid: every active indicator the unit's level enters, saved at once, and the
    read-only totals of those the units under it enter. Without a unit: the unit picker (a
    user with one unit goes straight to its grid)."""
    unit_ids = grid_unit_ids(request.user)
    if not unit_ids:
        raise PermissionDenied(_("Bạn chưa được phân quyền nhập hoặc duyệt số liệu."))
    if request.method != "POST" and "unit" not in request.GET:
        return _pick_unit(request, unit_ids)
    source = request.POST if request.method == "POST" else request.GET
    picker = MonthPickerForm(source, initial=_default_month(), prefix=None)
    picker.limit_units(picker_units(unit_ids))
    ctx = {**_page(request), "picker": picker, "grid": None}
    if not picker.is_valid():
        return TemplateResponse(request, GRID_TEMPLATE, ctx)
    unit, year, month = (picker.cleaned_data[k] for k in ("unit", "year", "month"))
    may_enter = access.can(request.user, Action.ENTER, unit)
    if request.method == "POST" and not may_enter:
        raise PermissionDenied(access.refusal(Action.ENTER, unit))
    lock = approval.locking_approval(unit=unit, year=year, month=month)
    indicators = list(Indicator.objects.filter(is_active=True).select_related("area"))
    earlier = earlier_figures(
        unit=unit,
        year=year,
        month=month,
        indicators=[i for i in indicators if i.is_entered_at(unit.level)],
    )
    posted = request.POST if request.method == "POST" else None
    copying = posted is not None and "copy_last_month" in posted and lock is None
    if copying:
        posted, filled = copy_last_month(posted, earlier, indicators)
    grid = MonthGrid(
        unit=unit,
        indicators=indicators,
        existing=_month_figures(unit, year, month),
        data=posted,
        locked=posted is None and (lock is not None or not may_enter),
        below=totals_below(unit=unit, year=year, month=month, indicators=indicators),
        earlier=earlier,
    )
    ctx.update(
        grid=grid,
        unit=unit,
        year=year,
        month=month,
        lock=lock,
        may_enter=may_enter,
        status=approval.month_status(unit=unit, year=year, month=month),
        month_actions=[a for a in MonthActionForm.ACTIONS if access.can(request.user, a, unit)],
    )
    if posted is None:
        return TemplateResponse(request, GRID_TEMPLATE, ctx)
    if lock is not None:  # said at once; save_month checks again under the row locks
        messages.error(
            request, approval.locked_message(unit=unit, year=year, month=month, approval=lock)
        )
        return TemplateResponse(request, GRID_TEMPLATE, ctx)
    if copying:  # nothing is saved: the person looks at the copied boxes, then saves
        messages.info(
            request,
            _(
                "Đã điền %(count)d ô trống bằng số tháng trước; chưa lưu. Xem lại rồi bấm "
                "“Lưu cả tháng”."
            )
            % {"count": filled},
        )
        return TemplateResponse(request, GRID_TEMPLATE, ctx)
    if not grid.is_valid():
        messages.error(
            request,
            _("Chưa lưu: %(count)d dòng có lỗi, xem các ô đánh dấu đỏ bên dưới.")
            % {"count": grid.error_count},
        )
        return TemplateResponse(request, GRID_TEMPLATE, ctx)
    return _save_grid(request, ctx, grid=grid, indicators=indicators)


def _page(request) -> dict:
    return {
        **admin.site.each_context(request),
        "title": _("Nhập số liệu tháng"),
        "opts": Figure._meta,
    }


def _pick_unit(request, unit_ids: set[int]):
    """The units whose grid the user may open, as a tree with a search box (``q``); the
    links open the month of the query string, by default the current one."""
    year_month = _month_of_query(request.GET)
    everyone = picker_units(unit_ids)
    if len(everyone) == 1:
        return redirect(grid_url(everyone[0].unit, **year_month))
    query = request.GET.get("q", "").strip()[:100]
    shown = picker_units(unit_ids, query=query) if query else everyone
    ctx = {
        **_page(request),
        "grid": None,
        "query": query,
        "choices": [{"unit": p, "url": grid_url(p.unit, **year_month)} for p in shown],
        "unit_count": len(everyone),
    }
    return TemplateResponse(request, GRID_TEMPLATE, ctx)


def _month_of_query(query) -> dict:
    """The year and month a picker link opens: the query string's, else the current month."""
    default = _default_month()
    try:
        year, month = (
            int(query.get("year", default["year"])),
            int(query.get("month", default["month"])),
        )
    except ValueError:
        return default
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        return default
    return {"year": year, "month": month}


def _save_grid(request, ctx: dict, *, grid: MonthGrid, indicators: list[Indicator]):
    unit, year, month = ctx["unit"], ctx["year"], ctx["month"]
    try:
        result = save_month(
            unit=unit,
            year=year,
            month=month,
            entries=grid.entries(),
            user=request.user,
            source="form",
            expected_versions=grid.expected_versions(),
            check_plausibility=True,
        )
    except ImplausibleFigures as implausible:
        messages.warning(request, implausible.messages[0])
        grid.warn(implausible.warnings)
    except ConcurrentEdit as conflict:
        messages.error(request, conflict.message)
        current = _month_figures(unit, year, month)
        ctx["grid"] = MonthGrid(
            unit=unit,
            indicators=indicators,
            existing=current,
            data=refresh_versions(request.POST, current, indicators),
            below=grid.below,
            earlier={row.indicator.id: row.earlier for row in grid.rows if row.earlier},
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
        return redirect(grid_url(unit, year, month))
    return TemplateResponse(request, GRID_TEMPLATE, ctx)


def move_month(request):
    """The grid's buttons: submit, approve or reopen (with a reason) one unit's month."""
    if request.method != "POST":
        return redirect("admin:indicators_monthapproval_changelist")
    form = MonthActionForm(request.POST)
    # A unit whose grid the user may not open is refused like a code that does not exist.
    form.fields["unit"].queryset = Unit.objects.filter(id__in=grid_unit_ids(request.user))
    if not form.is_valid():
        messages.error(request, _("Yêu cầu không hợp lệ: chưa đổi trạng thái tháng."))
        return redirect("admin:indicators_monthapproval_changelist")
    unit, year, month, action = (form.cleaned_data[k] for k in ("unit", "year", "month", "action"))
    month_of = {"unit": unit, "year": year, "month": month, "user": request.user}
    confirmed = request.POST.get("confirm_missing") == "1"
    try:
        if action == "submit":
            submit_month(**month_of, confirm_missing=confirmed)
        elif action == "approve":
            approve_month(**month_of, confirm_missing=confirmed)
        else:
            reopen_month(**month_of, reason=form.cleaned_data["reason"])
    except MissingUnits as missing:
        return _confirm_missing(request, missing, unit=unit, year=year, month=month, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        moved = {"month": month, "year": year, "unit": unit.name}
        messages.success(request, MONTH_MOVED[action] % moved)
    return redirect(grid_url(unit, year, month))


def _confirm_missing(request, missing: MissingUnits, *, unit, year, month, action: str):
    """The units under ``unit`` that have not submitted, and the button that goes on anyway."""
    ctx = {
        **admin.site.each_context(request),
        "title": _("Xác nhận: còn đơn vị chưa gửi duyệt"),
        "opts": MonthApproval._meta,
        "message": missing.messages[0],
        "missing": missing.units,
        "unit": unit,
        "year": year,
        "month": month,
        "action": action,
        "back_url": grid_url(unit, year, month),
        "reporting_url": reverse("reporting-status", args=[unit.code, year]),
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, ctx)


def _month_figures(unit: Unit, year: int, month: int) -> dict[int, Figure]:
    figures = Figure.objects.filter(unit=unit, year=year, month=month).select_related("entered_by")
    return {f.indicator_id: f for f in figures}


def grid_url(unit: Unit, year: int, month: int) -> str:
    """The month grid's address for one unit's month (its query string is public)."""
    query = urlencode({"unit": unit.code, "year": year, "month": month})
    return f"{reverse('admin:indicators_figure_enter')}?{query}"


def _default_month() -> dict:
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}
