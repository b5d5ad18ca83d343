"""Who has reported: expected units, each unit's month state, deadlines, reporting rates.

A unit's month is **expected** when the unit's level enters at least one active indicator
(``approval.expected_units``, which the submit and approve services ask too) and the unit
existed in that month (``valid_from``/``valid_until``: an old ward expects nothing after it
ended, a ward formed in the reform nothing before); a city above wards that enter everything
expects nothing of itself. An expected unit's month is, from the
furthest state it has reached:

- ``approved`` or ``submitted``: the unit's own ``MonthApproval`` row (an approval of the unit
  above locks the month's figures but is not this unit's report, so it does not count here);
- ``entering``: at least one figure of an indicator entered at the unit's level;
- ``not_started``: nothing yet.

**Deadline.** A unit's deadline is a day of the month (``Unit.reporting_deadline_day``), taken
from the nearest unit up its chain that sets one, else :data:`DEFAULT_DEADLINE_DAY` (the 20th).
Decree 09/2019/NĐ-CP leaves the deadline to whoever requires the report, and a month can only
be reported once it has ended, so the day falls in the month **after** the report month: with
the 20th, September 2023 is due by 20 October 2023 (inclusive) and December by 20 January of
the next year. A day past the end of that month (31 in November) means its last day. A month
submitted (``MonthApproval.submitted_at``, in the site's time zone) after the due date is late.

**Rates.** For one month over a set of expected units: the reporting rate is submitted ÷
expected × 100 and the on-time rate is submitted by the due date ÷ expected × 100 (DHIS2's
"reporting rate" and "reporting rate on time"); an approved month counts as submitted, a
submitted month without a recorded submission time (older rows) counts as not on time.

Every function here reads a fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from django.db.models import Count, Q
from django.utils import timezone

from indicators import freshness, tree
from indicators.approval import SUBMITTED_STATUSES, active_indicators, expected_units
from indicators.core.lineage_rules import month_days, month_in_validity
from indicators.models import Figure, MonthApproval, Unit
from indicators.reporting import selectors
from indicators.reporting.selectors import percent_of

DEFAULT_DEADLINE_DAY = 20
Status = MonthApproval.Status


class MonthState(StrEnum):
    """Where one expected unit's month stands, from least to most advanced."""

    NOT_STARTED = "not_started"
    ENTERING = "entering"
    SUBMITTED = "submitted"
    APPROVED = "approved"


# --- Pure rules ---------------------------------------------------------------------------


def due_date(*, year: int, month: int, day: int) -> date:
    """The last day (inclusive) to submit ``month`` of ``year``: ``day`` of the next month,
    or that month's last day when it is shorter (day 31 in November → 30 November)."""
    due_year, due_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(due_year, due_month, min(day, calendar.monthrange(due_year, due_month)[1]))


def is_late(submitted_at: datetime | None, due: date) -> bool:
    """Submitted after ``due`` (in the site's time zone). Not submitted is not "late" here."""
    return submitted_at is not None and timezone.localdate(submitted_at) > due


def deadline_day_of(unit_id: int, *, units: tree.UnitTree | None = None) -> int:
    """The deadline day that holds for ``unit_id``: its own, else the nearest above it."""
    units = units or tree.current()
    for holder in units.chain_ids(unit_id):
        day = units.get(holder).reporting_deadline_day
        if day:
            return day
    return DEFAULT_DEADLINE_DAY


# --- Reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitMonth:
    """One expected unit's month."""

    unit: Unit
    year: int
    month: int  # 1–12
    state: MonthState
    has_figures: bool  # at least one figure of an indicator entered at the unit's level
    submitted_at: datetime | None  # when it was (last) sent for approval
    due: date  # the last day to submit it, inclusive
    exists: bool = True  # False: the unit was not formed yet, or had ended (expects nothing)

    @property
    def is_submitted(self) -> bool:
        return self.state in (MonthState.SUBMITTED, MonthState.APPROVED)

    @property
    def is_late(self) -> bool:
        return self.is_submitted and is_late(self.submitted_at, self.due)

    @property
    def on_time(self) -> bool:
        return self.is_submitted and self.submitted_at is not None and not self.is_late


@dataclass(frozen=True)
class MonthCompleteness:
    """How complete one month is over a set of expected units (counts of units)."""

    month: int  # 1–12
    expected: int  # units expected to report the month
    entered: int  # of them, with at least one expected figure
    submitted: int  # of them, submitted or approved
    approved: int  # of them, approved
    on_time: int  # of them, submitted by their due date
    missing: list[Unit]  # the expected units not submitted, in the tree's order

    @property
    def reporting_rate(self) -> Decimal | None:
        """submitted ÷ expected × 100; None when nothing is expected."""
        return percent_of(Decimal(self.submitted), Decimal(self.expected))

    @property
    def on_time_rate(self) -> Decimal | None:
        """submitted on time ÷ expected × 100; None when nothing is expected."""
        return percent_of(Decimal(self.on_time), Decimal(self.expected))

    @property
    def is_complete(self) -> bool:
        return self.expected > 0 and self.submitted == self.expected


def unit_months(*, units: list[Unit], year: int, months: Iterable[int]) -> list[UnitMonth]:
    """Each of ``units`` × ``months`` of ``year`` (give expected units). Two queries."""
    units, months = list(units), list(months)
    if not units or not months:
        return []
    with_figures = {
        (unit_id, month)
        for unit_id, _year, month in months_with_figures(units=units, years=[year], months=months)
    }
    approvals = {
        (unit_id, month): (status, submitted_at)
        for unit_id, month, status, submitted_at in MonthApproval.objects.filter(
            unit__in=units, year=year, month__in=months
        ).values_list("unit_id", "month", "status", "submitted_at")
    }
    unit_tree = tree.current()
    lifetimes = {unit.id: unit_tree.lifetime(unit.id) for unit in units}
    found = []
    for unit in units:
        day = deadline_day_of(unit.id, units=unit_tree)
        for month in months:
            exists = month_in_validity(year, month, *lifetimes[unit.id])
            status, submitted_at = approvals.get((unit.id, month), (Status.OPEN, None))
            has_figures = (unit.id, month) in with_figures
            if status == Status.APPROVED:
                state = MonthState.APPROVED
            elif status == Status.SUBMITTED:
                state = MonthState.SUBMITTED
            else:
                state = MonthState.ENTERING if has_figures else MonthState.NOT_STARTED
                submitted_at = None
            found.append(
                UnitMonth(
                    unit=unit,
                    year=year,
                    month=month,
                    state=state,
                    has_figures=has_figures,
                    submitted_at=submitted_at,
                    due=due_date(year=year, month=month, day=day),
                    exists=exists,
                )
            )
    return found


def months_with_figures(
    *, units: list[Unit], years: Iterable[int], months: Iterable[int] = range(1, 13)
) -> set[tuple[int, int, int]]:
    """The (unit id, year, month) of ``units`` × ``years`` × ``months`` with at least one
    figure of an indicator entered at the unit's level. One query (and the catalogue's)."""
    indicators = active_indicators()
    entered_by_level = Q()
    for level in {unit.level for unit in units}:
        ids = [i.id for i in indicators if i.is_entered_at(level)]
        entered_by_level |= Q(unit__level=level, indicator_id__in=ids)
    return set(
        Figure.objects.filter(
            entered_by_level, unit__in=units, year__in=list(years), month__in=list(months)
        )
        .values_list("unit_id", "year", "month")
        .distinct()
    )


def summarise(cells: Iterable[UnitMonth], *, months: Iterable[int]) -> list[MonthCompleteness]:
    """Per month, the counts of :class:`MonthCompleteness` over ``cells`` (a unit's month
    outside its validity is not expected, so it is not counted)."""
    cells = [cell for cell in cells if cell.exists]
    result = []
    for month in months:
        of_month = [cell for cell in cells if cell.month == month]
        result.append(
            MonthCompleteness(
                month=month,
                expected=len(of_month),
                entered=sum(cell.has_figures for cell in of_month),
                submitted=sum(cell.is_submitted for cell in of_month),
                approved=sum(cell.state == MonthState.APPROVED for cell in of_month),
                on_time=sum(cell.on_time for cell in of_month),
                missing=[cell.unit for cell in of_month if not cell.is_submitted],
            )
        )
    return result


def completeness(*, unit: Unit, year: int, months: Iterable[int]) -> list[MonthCompleteness]:
    """For each month, how complete ``unit`` and every unit under it (at any depth) are.

    Kept in the cache under the versions of the unit's data (indicators.freshness): the
    submissions and approvals of the units under it and above it, the tree, the catalogue.
    """
    months = list(months)
    versions = freshness.versions(freshness.summary_scopes([unit.id]))
    return freshness.remember(
        freshness.key("completeness", unit.id, year, months, versions),
        lambda: compute_completeness(unit=unit, year=year, months=months),
    )


def compute_completeness(*, unit: Unit, year: int, months: list[int]) -> list[MonthCompleteness]:
    """:func:`completeness` from the counts kept per unit (:func:`_subtree_counts`)."""
    if not months:
        return []
    counts = _subtree_counts([unit.id], year=year, months=months)[unit.id]
    unit_tree = tree.current()
    return [
        MonthCompleteness(
            month=month,
            expected=expected,
            entered=entered,
            submitted=submitted,
            approved=approved,
            on_time=on_time,
            missing=[unit_tree.get(unit_id) for unit_id in missing],
        )
        for month, (expected, entered, submitted, approved, on_time, missing) in zip(
            months, counts, strict=True
        )
    ]


# A month's counts over a subtree: expected, entered, submitted, approved, on time, and the ids
# of the expected units not submitted, in the tree's order.
Counts = tuple[int, int, int, int, int, tuple[int, ...]]


def _subtree_counts(
    unit_ids: list[int], *, year: int, months: list[int]
) -> dict[int, list[Counts]]:
    """unit → the :data:`Counts` of each of ``months`` over the unit and every unit under it
    that existed then, kept per unit (indicators.freshness.kept_per_unit): a unit of more than
    ``selectors.SMALL_SUBTREE`` units adds its own month to its children's kept counts, so a
    submission in one ward recounts that ward's chain, not a province's every unit."""
    return freshness.kept_per_unit(
        "completeness-counts",
        unit_ids,
        (year, months),
        lambda missing: _count_subtrees(missing, year=year, months=months),
    )


def _count_subtrees(unit_ids: list[int], *, year: int, months: list[int]) -> dict[int, list]:
    unit_tree = tree.current()
    first_day, last_day = month_days(year, min(months))[0], month_days(year, max(months))[1]
    # unit whose months are read → its roots; child whose kept counts are added → its parent
    counted, parent_of = selectors.read_and_below(
        unit_ids, lambda unit_id: unit_tree.subtree_during(unit_id, first_day, last_day)
    )
    expected = in_tree_order(expected_units(counted))
    totals = {root_id: [[0, 0, 0, 0, 0, []] for _ in months] for root_id in unit_ids}
    for cell in unit_months(units=expected, year=year, months=months):
        if not cell.exists:
            continue
        index = months.index(cell.month)
        for root_id in counted[cell.unit.id]:
            found = totals[root_id][index]
            found[0] += 1
            found[1] += cell.has_figures
            found[2] += cell.is_submitted
            found[3] += cell.state == MonthState.APPROVED
            found[4] += cell.on_time
            if not cell.is_submitted:
                found[5].append(cell.unit.id)
    below = _subtree_counts(list(parent_of), year=year, months=months)
    for child_id, parent_id in parent_of.items():  # children in their order: the tree's order
        for found, child in zip(totals[parent_id], below[child_id], strict=True):
            for index in range(5):
                found[index] += child[index]
            found[5].extend(child[5])
    return {
        root_id: [(*found[:5], tuple(found[5])) for found in months_of]
        for root_id, months_of in totals.items()
    }


def latest_complete_month(*, unit: Unit) -> tuple[int, int] | None:
    """The latest (year, month) that every expected unit of ``unit``'s subtree has submitted
    (or had approved); None when there is none or nothing is expected. One query."""
    members = expected_units(tree.current().subtree_ids(unit.id))
    if not members:
        return None
    submitted = (
        MonthApproval.objects.filter(unit__in=members, status__in=SUBMITTED_STATUSES)
        .values_list("year", "month")
        .annotate(units=Count("unit_id", distinct=True))
        .order_by("-year", "-month")
    )
    unit_tree = tree.current()
    lifetimes = [unit_tree.lifetime(member.id) for member in members]
    for year, month, units in submitted:  # a unit is expected only in the months it existed
        expected = sum(month_in_validity(year, month, *span) for span in lifetimes)
        if expected and units >= expected:
            return year, month
    return None


def _existing_in(unit: Unit, year: int, months: list[int]) -> list[Unit]:
    """The expected units of ``unit``'s subtree that existed in some month of ``months``."""
    unit_tree = tree.current()
    if not months:
        return expected_units(unit_tree.subtree_ids(unit.id))
    first_day, last_day = month_days(year, min(months))[0], month_days(year, max(months))[1]
    return expected_units(unit_tree.subtree_during(unit.id, first_day, last_day))


def in_tree_order(units: list[Unit]) -> list[Unit]:
    """``units`` depth-first, in the units' order: each unit just above its own units."""
    order = tree.current().walk_order()
    return sorted(units, key=lambda unit: order.get(unit.id, 0))


# --- The reporting-status page ------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """One expected unit's line of the reporting-status page: its 12 months."""

    unit: Unit
    depth: int  # 0 for the page's unit, 1 for the units directly under it, …
    deadline_day: int  # the day of the following month each month is due
    cells: list[UnitMonth]


@dataclass(frozen=True)
class ReportingStatus:
    rows: list[StatusRow]
    months: list[MonthCompleteness]  # January to December, over the rows' units


def reporting_status(*, unit: Unit, year: int, visible_ids: frozenset[int] | None):
    """The expected units of ``unit``'s subtree that ``visible_ids`` allows (None: all),
    each with its 12 months of ``year``, and the per-month counts over them."""
    unit_tree = tree.current()
    months = list(range(1, 13))
    members = [
        member
        for member in _existing_in(unit, year, months)
        if visible_ids is None or member.id in visible_ids
    ]
    members = in_tree_order(members)
    cells = unit_months(units=members, year=year, months=months)
    by_unit: dict[int, list[UnitMonth]] = {}
    for cell in cells:
        by_unit.setdefault(cell.unit.id, []).append(cell)
    base = unit_tree.depth(unit.id)
    rows = [
        StatusRow(
            unit=member,
            depth=unit_tree.depth(member.id) - base,
            deadline_day=deadline_day_of(member.id, units=unit_tree),
            cells=by_unit[member.id],
        )
        for member in members
    ]
    return ReportingStatus(rows=rows, months=summarise(cells, months=months))
