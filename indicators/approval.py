"""Where a unit's months stand (open, submitted, approved) and what an approval locks.

An approved month of a unit locks that month's figures of the unit **and of every unit under
it**: once a ward's September is approved, the figures of its residential groups, which add up
into the ward's, cannot change either. A period's written sections (``PeriodReport``) are locked
when every month of the period is approved, i.e. when :func:`approval_state` says
``approved``.

The writes (submit, approve, reopen) are in ``services.py``; every write path asks
:func:`assert_open` or :func:`locked_months` first, inside its transaction, after
:func:`lock_units`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from indicators import tree
from indicators.core.lineage_rules import month_in_validity
from indicators.core.periods import Period
from indicators.models import Indicator, MonthApproval, Unit

Status = MonthApproval.Status  # one month of one unit: open, submitted or approved


class PeriodState(StrEnum):
    """Where a period's figures stand, from its months' :data:`Status` (see
    :func:`approval_states`). The API sends the value as is."""

    APPROVED = "approved"
    SUBMITTED = "submitted"
    PROVISIONAL = "provisional"


APPROVED = PeriodState.APPROVED
SUBMITTED = PeriodState.SUBMITTED
PROVISIONAL = PeriodState.PROVISIONAL

SUBMITTED_STATUSES = (Status.SUBMITTED, Status.APPROVED)  # the month has been reported
_RANK = {Status.OPEN: 0, Status.SUBMITTED: 1, Status.APPROVED: 2}
_STATE_OF_LOWEST_RANK = (PeriodState.PROVISIONAL, PeriodState.SUBMITTED, PeriodState.APPROVED)


class MonthLocked(ValidationError):
    """A write into a month that is approved for the unit or for a unit above it."""


def lock_units(unit: Unit) -> None:
    """Take the row locks that serialise every write to ``unit``'s months (PostgreSQL).

    The unit and each unit above it are locked in id order, so a save of a group's month and
    the approval of its ward's month wait for each other instead of interleaving. Call inside
    ``transaction.atomic``. (SQLite serialises writers by itself.)
    """
    lock_unit_ids([unit.pk])


def lock_unit_ids(unit_ids: Iterable[int]) -> None:
    """:func:`lock_units` for several units at once (an import): their chains, in id order.

    The chains are read afresh, and read again once their rows are locked: a unit moved
    between the read and the lock would otherwise leave its new parents unlocked.
    """
    wanted = set(unit_ids)
    locked: set[int] = set()
    while True:
        tree.forget()
        units = tree.current()
        chains = {holder for unit_id in wanted for holder in units.chain_ids(unit_id)}
        if chains <= locked:
            return
        rows = Unit.objects.select_for_update().filter(id__in=chains - locked).order_by("id")
        list(rows.values_list("id"))
        locked |= chains


def locked_months(unit_ids: Iterable[int], years: Iterable[int]) -> set[tuple[int, int, int]]:
    """The (unit id, year, month) of ``unit_ids`` × ``years`` that are locked by an approval.

    A month is locked for a unit when it is approved for that unit or for any unit above it.
    Two queries, whatever the number of units.
    """
    approved = MonthApproval.objects.filter(year__in=list(years), status=Status.APPROVED)
    by_unit: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit_id, year, month in approved.values_list("unit_id", "year", "month"):
        by_unit[unit_id].append((year, month))
    if not by_unit:
        return set()
    units = tree.current()
    locked = set()
    for unit_id in set(unit_ids):
        for holder in units.chain_ids(unit_id):
            locked.update((unit_id, year, month) for year, month in by_unit.get(holder, ()))
    return locked


def locking_approval(*, unit: Unit, year: int, month: int) -> MonthApproval | None:
    """The approval that locks ``unit``'s month (its own or a unit's above it), if any."""
    chain = tree.current().chain_ids(unit.pk)
    approvals = {
        a.unit_id: a
        for a in MonthApproval.objects.filter(
            unit_id__in=chain, year=year, month=month, status=Status.APPROVED
        ).select_related("unit", "changed_by")
    }
    return next((approvals[uid] for uid in chain if uid in approvals), None)


def locked_message(*, unit: Unit, year: int, month: int, approval: MonthApproval) -> str:
    return _(
        "Số liệu tháng %(month)d/%(year)d của %(unit)s đã được phê duyệt (%(approved_unit)s) "
        "nên đã khóa. Người phê duyệt phải mở lại, có ghi lý do, trước khi sửa."
    ) % {"month": month, "year": year, "unit": unit.name, "approved_unit": approval.unit.name}


def assert_open(*, unit: Unit, year: int, month: int) -> None:
    """Raise ``MonthLocked`` if ``unit``'s month may not be written to."""
    approval = locking_approval(unit=unit, year=year, month=month)
    if approval is not None:
        raise MonthLocked(locked_message(unit=unit, year=year, month=month, approval=approval))


def month_status(*, unit: Unit, year: int, month: int) -> MonthApproval:
    """The unit's own approval row for the month; an unsaved ``open`` row when there is none."""
    row = (
        MonthApproval.objects.filter(unit=unit, year=year, month=month)
        .select_related("changed_by")
        .first()
    )
    return row or MonthApproval(unit=unit, year=year, month=month, status=Status.OPEN)


def approval_states(*, units: Iterable[Unit], period: Period) -> dict[int, PeriodState]:
    """``approved``, ``submitted`` or ``provisional`` for each unit's figures of ``period``.

    Each month counts as the furthest state of the unit's own approval and its ancestors'
    (an approved ward month covers its groups). The period is ``approved`` when every month is
    approved, ``submitted`` when every month is at least submitted, otherwise ``provisional``.
    One query (and the tree).
    """
    units = list(units)
    unit_tree = tree.current()
    rows = MonthApproval.objects.filter(
        year=period.year, month__gte=period.first_month, month__lte=period.last_month
    ).values_list("unit_id", "month", "status")
    status_of = {(unit_id, month): status for unit_id, month, status in rows}
    result = {}
    for unit in units:
        chain = unit_tree.chain_ids(unit.pk)
        ranks = [
            max(_RANK[status_of.get((holder, month), Status.OPEN)] for holder in chain)
            for month in period.months
        ]
        lowest = min(ranks)
        result[unit.pk] = _STATE_OF_LOWEST_RANK[lowest]
    return result


def approval_state(unit: Unit, period: Period) -> PeriodState:
    """``approved``, ``submitted`` or ``provisional``: are the period's figures final?

    See :func:`approval_states`; pages and exports show :func:`approval_label` of it.
    """
    return approval_states(units=[unit], period=period)[unit.pk]


def approval_label(state: PeriodState) -> str:
    """What a page or a sheet writes for a state from :func:`approval_state`."""
    return {
        PeriodState.APPROVED: _("Số liệu đã phê duyệt"),
        PeriodState.SUBMITTED: _("Số liệu đã gửi duyệt, chờ phê duyệt"),
        PeriodState.PROVISIONAL: _("Số liệu tạm thời, chưa phê duyệt"),
    }[state]


# --- Who is expected to report ------------------------------------------------------------


def active_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True))


def entering_levels(indicators: Iterable[Indicator]) -> set[str]:
    """The unit levels that enter at least one of ``indicators``."""
    indicators = list(indicators)
    return {
        level
        for level in Unit.Level.values
        if any(indicator.is_entered_at(level) for indicator in indicators)
    }


def expected_units(unit_ids: Iterable[int], *, indicators: list[Indicator] | None = None):
    """The units among ``unit_ids`` expected to report each month: those whose level enters
    at least one active indicator (in the given order; one query for the catalogue)."""
    units = tree.current()
    levels = entering_levels(active_indicators() if indicators is None else indicators)
    return [units.get(uid) for uid in unit_ids if uid in units and units.get(uid).level in levels]


def unsubmitted_below(*, unit: Unit, year: int, month: int) -> list[Unit]:
    """The expected units under ``unit`` (not the unit itself), at any depth, that existed in
    the month and have not submitted it: what submitting or approving ``unit``'s month would
    leave out.
    Two queries, whatever the number of units."""
    unit_tree = tree.current()
    below = [
        member
        for member in expected_units(unit_tree.subtree_ids(unit.pk)[1:])
        if month_in_validity(year, month, *unit_tree.lifetime(member.id))
    ]
    if not below:
        return []
    submitted = set(
        MonthApproval.objects.filter(
            unit__in=below, year=year, month=month, status__in=SUBMITTED_STATUSES
        ).values_list("unit_id", flat=True)
    )
    return [member for member in below if member.id not in submitted]
