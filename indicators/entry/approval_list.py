"""The admin's approval list (``/admin/indicators/monthapproval/``): every month each expected
unit of the user's grants owes, where it stands, and the bulk submit and approve actions.

The rows come from ``reporting.approval_list``; a bulk action moves each selected month with
the service the month grid's buttons call (``submit_month``, ``approve_month``), one month at a
time, so the rights, the locks, the four-eyes rule, the check of units still missing and the
audit trail are the same; each month gets its own message (moved, or why not).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from indicators import access
from indicators import tree as unit_tree
from indicators.access import Action
from indicators.entry.forms import MONTH_MOVED
from indicators.entry.services import approve_month, grid_unit_ids, submit_month
from indicators.models import MonthApproval, Unit
from indicators.reporting.approval_list import (
    ListState,
    approval_rows,
    listed_years,
    parse_key,
)

TEMPLATE = "admin/indicators/monthapproval/approval_list.html"
ROWS_PER_PAGE = 100
MOVES = {
    "submit_selected": (submit_month, "submit"),
    "approve_selected": (approve_month, "approve"),
}


def approval_list(request, extra_context=None):
    """GET: the list, filtered by unit, year, month and state. POST: a bulk action."""
    if request.method == "POST":
        return _move_selected(request)
    visible = access.unit_ids_for(request.user, Action.VIEW)
    units = unit_tree.current()
    chosen = _filters(request, visible, units)
    years = listed_years()
    rows = approval_rows(
        unit_ids=chosen["unit_ids"],
        years=[chosen["year"]] if chosen["year"] else years,
        months=[chosen["month"]] if chosen["month"] else range(1, 13),
    )
    if chosen["state"]:
        rows = [row for row in rows if row.state == chosen["state"]]
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("p"))
    grid_ids = grid_unit_ids(request.user)
    ctx = {
        **admin.site.each_context(request),
        **(extra_context or {}),
        "title": _("Phê duyệt số liệu tháng"),
        "opts": MonthApproval._meta,
        "page": page,
        "rows": [(row, row.unit.pk in grid_ids) for row in page.object_list],
        "count": len(rows),
        **_moves_offered(request.user),
        "filters": _filter_links(request, chosen, years, visible, units),
        "query": request.GET.urlencode(),
        "figures_url": reverse("admin:indicators_figure_changelist"),
        "grid_url": reverse("admin:indicators_figure_enter"),
    }
    return TemplateResponse(request, TEMPLATE, ctx)


def _moves_offered(user) -> dict[str, bool]:
    """Which bulk actions to offer (the service still checks each month's unit)."""
    may_submit = access.has_role_anywhere(user, Action.SUBMIT)
    may_approve = access.has_role_anywhere(user, Action.APPROVE)
    return {
        "may_submit": may_submit,
        "may_approve": may_approve,
        "may_move": may_submit or may_approve,
    }


def _int(value: str | None, low: int, high: int) -> int | None:
    if value and value.isascii() and value.isdigit() and low <= int(value) <= high:
        return int(value)
    return None


def _filters(request, visible, units) -> dict:
    """What the query string asks for, within the user's grants (an invisible unit's code
    is ignored like an unknown one)."""
    ids = list(units.units) if visible is None else [uid for uid in units.units if uid in visible]
    unit = access.visible_unit(request.user, request.GET.get("unit", ""))
    if unit is not None:
        below = set(units.subtree_ids(unit.pk))
        ids = [uid for uid in ids if uid in below]
    state = request.GET.get("state", "")
    return {
        "unit": unit,
        "unit_ids": ids,
        "year": _int(request.GET.get("year"), 1900, 2100),
        "month": _int(request.GET.get("month"), 1, 12),
        "state": ListState(state) if state in set(ListState) else None,
    }


def _filter_links(request, chosen, years, visible, units) -> list[dict]:
    """The sidebar: for each filter, its choices with the address that picks each one."""

    def link(name: str, value) -> str:
        query = {k: v for k, v in request.GET.items() if k not in (name, "p")}
        if value not in (None, ""):
            query[name] = value
        return f"?{urlencode(query)}"

    def choices(name, current, options):
        return [
            {"label": _("Tất cả"), "url": link(name, None), "selected": current in (None, "")},
            *[
                {"label": label, "url": link(name, value), "selected": value == current}
                for value, label in options
            ],
        ]

    unit_options = [  # the units with units under them, in the tree's order
        (unit.code, unit.name)
        for unit, _depth in units.walk()
        if (visible is None or unit.pk in visible) and units.children_of.get(unit.pk)
    ]
    current_unit = chosen["unit"].code if chosen["unit"] else None
    return [
        {
            "title": _("Theo trạng thái"),
            "choices": choices("state", chosen["state"], [(s.value, s.label) for s in ListState]),
        },
        {
            "title": _("Theo năm"),
            "choices": choices("year", chosen["year"], [(y, y) for y in years]),
        },
        {
            "title": _("Theo tháng"),
            "choices": choices("month", chosen["month"], [(m, m) for m in range(1, 13)]),
        },
        {"title": _("Theo đơn vị"), "choices": choices("unit", current_unit, unit_options)},
    ]


def _selected_months(request) -> list[tuple[Unit, int, int]]:
    """The posted months within the user's grants, deepest unit first (a ward selected with
    its groups finds them moved). A key naming a unit outside the grants is dropped like one
    naming no unit. Older posts name ``MonthApproval`` rows by id; those are read too."""
    visible = access.unit_ids_for(request.user, Action.VIEW)
    units = unit_tree.current()
    keys, row_ids = [], []
    for value in request.POST.getlist("_selected_action"):
        if value.isascii() and value.isdigit():
            row_ids.append(int(value))
        elif parse_key(value):
            keys.append(parse_key(value))
    rows = MonthApproval.objects.filter(pk__in=row_ids).values_list("unit_id", "year", "month")
    wanted = list(dict.fromkeys([*keys, *rows]))
    found = [
        (units.get(unit_id), year, month)
        for unit_id, year, month in wanted
        if unit_id in units and (visible is None or unit_id in visible)
    ]
    return sorted(found, key=lambda picked: -units.depth(picked[0].pk))


def _move_selected(request):
    back = f"{reverse('admin:indicators_monthapproval_changelist')}"
    if request.GET:
        back += f"?{request.GET.urlencode()}"
    move, action = MOVES.get(request.POST.get("action", ""), (None, None))
    picked = _selected_months(request)
    if move is None or not picked:
        messages.warning(request, _("Chưa chọn tháng nào, hoặc chưa chọn thao tác."))
        return redirect(back)
    for unit, year, month in picked:
        try:
            move(unit=unit, year=year, month=month, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            moved = {"month": month, "year": year, "unit": unit.name}
            messages.success(request, MONTH_MOVED[action] % moved)
    return redirect(back)
