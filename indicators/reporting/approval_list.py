"""The approval list: every month each expected unit owes, and where it stands.

A row is one (unit, year, month) that the unit is **expected** to report
(``approval.expected_units``: its level enters at least one active indicator), for every month
from the first year with any figure or approval up to the current month, and only for months
the unit existed in with every unit above it (``UnitTree.lifetime``: ``valid_from`` /
``valid_until``, inclusive, any day of the month), as the reporting-status page counts them.
A month without a ``MonthApproval`` row is not submitted; a row moved back to ``open`` is
reopened (it carries the reason). Who submitted an approved month comes from the month's
history (the row itself names the last person who moved it: the approver).

Every function here reads a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators import tree
from indicators.approval import expected_units
from indicators.core.lineage_rules import month_in_validity
from indicators.models import Figure, MonthApproval, Unit
from indicators.reporting.completeness import (
    deadline_day_of,
    due_date,
    in_tree_order,
    is_late,
    months_with_figures,
)

Status = MonthApproval.Status


class ListState(StrEnum):
    """Where one expected unit's month stands on the approval list."""

    NOT_SUBMITTED = "not_submitted"
    REOPENED = "reopened"
    SUBMITTED = "submitted"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    ListState.NOT_SUBMITTED: _("Chưa gửi duyệt"),
    ListState.REOPENED: _("Đã mở lại"),
    ListState.SUBMITTED: _("Chờ phê duyệt"),
    ListState.APPROVED: _("Đã phê duyệt"),
}


@dataclass(frozen=True)
class ApprovalRow:
    """One expected unit's month."""

    unit: Unit
    year: int
    month: int  # 1–12
    state: ListState
    has_figures: bool  # at least one figure of an indicator entered at the unit's level
    submitted_by: AbstractBaseUser | None  # who last sent it for approval
    submitted_at: datetime | None  # when (kept once approved, cleared when reopened)
    approved_by: AbstractBaseUser | None
    approved_at: datetime | None
    reopened_by: AbstractBaseUser | None
    reopened_at: datetime | None
    reason: str  # why it was reopened ("" otherwise)
    due: date  # the last day to submit it, inclusive

    @property
    def key(self) -> str:
        """What the list's checkbox posts for this month: "<unit id>-<year>-<month>"."""
        return f"{self.unit.pk}-{self.year}-{self.month}"

    @property
    def is_late(self) -> bool:
        return self.submitted_at is not None and is_late(self.submitted_at, self.due)


def parse_key(key: str) -> tuple[int, int, int] | None:
    """(unit id, year, month) of a :attr:`ApprovalRow.key`; None for anything else."""
    parts = key.split("-")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    unit_id, year, month = (int(part) for part in parts)
    return (unit_id, year, month) if 1 <= month <= 12 else None


def current_day() -> date:
    """Today in the site's time zone (a test freezes it here)."""
    return timezone.localdate()


def listed_years(*, today: date | None = None) -> list[int]:
    """The years the list covers, newest first: from the first year with any figure or
    approval (the current year when there is none) to the current year. Two queries."""
    today = today or current_day()
    firsts = [
        Figure.objects.aggregate(first=Min("year"))["first"],
        MonthApproval.objects.aggregate(first=Min("year"))["first"],
    ]
    first = min([year for year in firsts if year is not None] or [today.year])
    return list(range(today.year, min(first, today.year) - 1, -1))


def approval_rows(
    *,
    unit_ids: Iterable[int],
    years: Iterable[int],
    months: Iterable[int] = range(1, 13),
    today: date | None = None,
) -> list[ApprovalRow]:
    """The expected units among ``unit_ids`` × the ``months`` of ``years`` up to ``today``'s
    month, each unit only in months it existed; newest month first, then in the tree's order.

    Four queries (the catalogue, the approvals, the figures, the history), whatever the
    number of units and months.
    """
    today = today or current_day()
    units_tree = tree.current()
    units = in_tree_order(expected_units(list(unit_ids)))
    wanted = sorted(
        {
            (year, month)
            for year in years
            for month in months
            if (year, month) <= (today.year, today.month)
        },
        reverse=True,
    )
    if not units or not wanted:
        return []
    year_list = sorted({year for year, _month in wanted})
    approvals = {
        (row.unit_id, row.year, row.month): row
        for row in MonthApproval.objects.filter(unit__in=units, year__in=year_list).select_related(
            "changed_by"
        )
    }
    with_figures = months_with_figures(units=units, years=year_list)
    submitters = _last_submitters(units=units, years=year_list)
    deadline_days = {unit.pk: deadline_day_of(unit.pk, units=units_tree) for unit in units}
    lifetimes = {unit.pk: units_tree.lifetime(unit.pk) for unit in units}
    rows = []
    for year, month in wanted:
        for unit in units:
            if not month_in_validity(year, month, *lifetimes[unit.pk]):
                continue
            key = (unit.pk, year, month)
            rows.append(
                _row(
                    unit,
                    year,
                    month,
                    approvals.get(key),
                    has_figures=key in with_figures,
                    submitter=submitters.get(key),
                    due=due_date(year=year, month=month, day=deadline_days[unit.pk]),
                )
            )
    return rows


def _last_submitters(*, units: list[Unit], years: list[int]) -> dict[tuple[int, int, int], object]:
    """(unit id, year, month) → the user who last sent the month for approval. One query."""
    history = MonthApproval.history.model.objects.filter(
        unit__in=units, year__in=years, status=Status.SUBMITTED
    )
    found = {}
    for entry in history.select_related("history_user").order_by("history_date", "history_id"):
        found[(entry.unit_id, entry.year, entry.month)] = entry.history_user
    return found


def _row(unit, year, month, approval, *, has_figures, submitter, due) -> ApprovalRow:
    none = {"approved_by": None, "approved_at": None, "reopened_by": None, "reopened_at": None}
    if approval is None:
        state, moved, submitted_at, reason = ListState.NOT_SUBMITTED, {}, None, ""
    elif approval.status == Status.APPROVED:
        state, submitted_at, reason = ListState.APPROVED, approval.submitted_at, ""
        moved = {"approved_by": approval.changed_by, "approved_at": approval.changed_at}
    elif approval.status == Status.SUBMITTED:
        state, moved, submitted_at, reason = ListState.SUBMITTED, {}, approval.submitted_at, ""
        submitter = approval.changed_by
    elif approval.reason:
        state, submitted_at, reason = ListState.REOPENED, None, approval.reason
        moved = {"reopened_by": approval.changed_by, "reopened_at": approval.changed_at}
    else:  # an open row without a reason: never submitted
        state, moved, submitted_at, reason = ListState.NOT_SUBMITTED, {}, None, ""
    return ApprovalRow(
        unit=unit,
        year=year,
        month=month,
        state=state,
        has_figures=has_figures,
        submitted_by=submitter if submitted_at is not None else None,
        submitted_at=submitted_at,
        reason=reason,
        due=due,
        **{**none, **moved},
    )
