"""The reporting-status page: which units under a unit have reported each month of a year."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from indicators import access
from indicators.access import Action
from indicators.entry.views import grid_url
from indicators.reporting.completeness import (
    MonthCompleteness,
    MonthState,
    UnitMonth,
    reporting_status,
)
from indicators.reporting.views import LANDING_KEYS, unit_and_period

STATE_LABELS = {
    MonthState.NOT_STARTED: gettext_lazy("Chưa nhập"),
    MonthState.ENTERING: gettext_lazy("Đang nhập"),
    MonthState.SUBMITTED: gettext_lazy("Đã gửi"),
    MonthState.APPROVED: gettext_lazy("Đã duyệt"),
}
GRID_ACTIONS = (Action.ENTER, Action.SUBMIT, Action.APPROVE)


@dataclass(frozen=True)
class Cell:
    """One month of one unit as the page shows it."""

    month: UnitMonth
    label: str
    url: str | None  # the month grid, when the user may enter, submit or approve there
    note: str = ""  # why a month expects nothing of the unit


@login_required
def reporting_status_page(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    unit, _period, missing = unit_and_period(request, unit_code, year, LANDING_KEYS[12])
    if missing:  # an unknown or invisible unit, or a year out of range
        return missing
    status = reporting_status(
        unit=unit, year=year, visible_ids=access.unit_ids_for(request.user, Action.VIEW)
    )
    rows = [
        {"row": row, "cells": [_cell(request.user, cell) for cell in row.cells]}
        for row in status.rows
    ]
    ctx = {
        "unit": unit,
        "year": year,
        "rows": rows,
        "months": status.months,
        "has_absent": any(not cell.exists for row in status.rows for cell in row.cells),
        "missing_months": [m for m in status.months if _lists_missing(m, year)],
        "summary_url": reverse("period-summary", args=[unit.code, year, LANDING_KEYS[12]]),
        "previous_year_url": reverse("reporting-status", args=[unit.code, year - 1]),
        "next_year_url": reverse("reporting-status", args=[unit.code, year + 1]),
    }
    return render(request, "indicators/reporting_status.html", ctx)


def _outside_validity(unit, month: UnitMonth) -> str:
    """A month before the unit was formed, or after it ended."""
    formed = unit.valid_from
    if formed and (month.year, month.month) < (formed.year, formed.month):
        return gettext_lazy("Chưa thành lập")
    return gettext_lazy("Đã sắp xếp")


def _lists_missing(month: MonthCompleteness, year: int) -> bool:
    """Name the units not submitted of a month already under way or ended (not of months
    still to come, where every unit is missing)."""
    today = timezone.localdate()
    under_way = month.entered or month.submitted or (year, month.month) < (today.year, today.month)
    return bool(month.missing) and bool(under_way)


def _cell(user, month: UnitMonth) -> Cell:
    unit = month.unit
    if not month.exists:
        return Cell(month=month, label="—", url=None, note=str(_outside_validity(unit, month)))
    may_open = any(access.can(user, action, unit) for action in GRID_ACTIONS)
    url = grid_url(unit, month.year, month.month) if may_open else None
    return Cell(month=month, label=str(STATE_LABELS[month.state]), url=url)
