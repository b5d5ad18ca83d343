"""Reads and computations: the summary rows that pages, exports and the API all use.

Every number a user sees is computed here, once, in Decimal at full precision; pages, sheets
and the API only format it.

How a period and a parent unit add up depends on the indicator's kind:

- ``sum`` (flows): Σ of the period's months over the unit and every unit under it;
- ``ratio``: Σ numerators ÷ Σ denominators × 100 over months and units (never an average of
  percentages);
- ``level`` (a state at a date): each unit's value in the last month of the period for which it
  has data, summed over the unit and the units under it;
- ``reported`` (a percentage published by another system, no counts): the unit's own value in
  the last month with data. A parent that has no figure of its own cannot compute it from its
  children's percentages, so the row says ``not_aggregable`` instead of inventing a number.

A unit's own figures (revenue collected at city level, say) always count together with its
children's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from django.db.models import Count, Max, Q, Sum

from indicators import approval, freshness, tree
from indicators.core.lineage_rules import month_days
from indicators.core.periods import Period
from indicators.models import Figure, Indicator, Target, Unit
from indicators.reporting import lineage

HUNDRED = Decimal(100)


# --- Pure computation ---------------------------------------------------------------------


@dataclass(frozen=True)
class UnitTotals:
    """One unit's own figures of one indicator over the months of one period."""

    unit_id: int
    total: Decimal | None = None  # Σ value over the months (sum kinds), in the indicator's unit
    numerator: Decimal | None = None  # Σ numerators (ratio kinds), a count
    denominator: Decimal | None = None  # Σ denominators (ratio kinds), a count
    last_month: int = 0  # the last month, 1–12, with a figure
    any_estimate: bool = False  # some month of the period is an estimate
    last_value: Decimal | None = None  # the value in ``last_month`` (level and reported kinds)
    last_is_estimate: bool = False  # the figure of ``last_month`` is an estimate


@dataclass(frozen=True)
class Aggregate:
    """An indicator's computed figure for one unit (with the units under it) and one period."""

    actual: Decimal | None = None  # in the indicator's unit; a rate in percent (0–100)
    numerator: Decimal | None = None  # ratio kinds: Σ numerators
    denominator: Decimal | None = None  # ratio kinds: Σ denominators
    is_estimate: bool = False  # an estimate contributes to ``actual``
    not_aggregable: bool = False  # reported percentages known only for the child units
    last_month: int = 0  # the last month with data, 0 when there is none
    over_new_territory: bool = False  # months before the unit existed, from its predecessors

    @property
    def has_data(self) -> bool:
        return self.actual is not None


def percent_of(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole × 100 at full precision; None when either is missing or whole is zero."""
    if part is None or whole is None or whole == 0:
        return None
    return part / whole * HUNDRED


def combine(kind: str, totals: Iterable[UnitTotals], *, own_unit_id: int) -> Aggregate:
    """Add up the per-unit totals of one indicator the way its ``kind`` requires.

    ``totals`` holds the unit ``own_unit_id`` and the units under it, each with its own
    figures only; units without figures may be left out.
    """
    totals = [t for t in totals if t.last_month]
    if not totals:
        return Aggregate()
    last_month = max(t.last_month for t in totals)
    if kind == Indicator.Kind.SUM:
        return Aggregate(
            actual=sum((t.total or Decimal(0) for t in totals), Decimal(0)),
            is_estimate=any(t.any_estimate for t in totals),
            last_month=last_month,
        )
    if kind == Indicator.Kind.RATIO:
        numerator = sum((t.numerator or Decimal(0) for t in totals), Decimal(0))
        denominator = sum((t.denominator or Decimal(0) for t in totals), Decimal(0))
        return Aggregate(
            actual=percent_of(numerator, denominator),
            numerator=numerator,
            denominator=denominator,
            is_estimate=any(t.any_estimate for t in totals),
            last_month=last_month,
        )
    if kind == Indicator.Kind.LEVEL:
        return Aggregate(
            actual=sum((t.last_value or Decimal(0) for t in totals), Decimal(0)),
            is_estimate=any(t.last_is_estimate for t in totals),
            last_month=last_month,
        )
    if kind == Indicator.Kind.REPORTED:
        own = next((t for t in totals if t.unit_id == own_unit_id), None)
        if own is None:
            return Aggregate(not_aggregable=True, last_month=last_month)
        return Aggregate(
            actual=own.last_value, is_estimate=own.last_is_estimate, last_month=own.last_month
        )
    raise ValueError(f"unknown indicator kind {kind!r}")


def unit_totals(figures: Iterable[Figure]) -> list[UnitTotals]:
    """Per-unit totals from individual monthly figures (all of one indicator and period)."""
    by_unit: dict[int, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_unit[figure.unit_id].append(figure)
    result = []
    for unit_id, unit_figures in by_unit.items():
        last = max(unit_figures, key=lambda f: f.month)
        result.append(
            UnitTotals(
                unit_id=unit_id,
                total=_sum_or_none(f.value for f in unit_figures),
                numerator=_sum_or_none(f.numerator for f in unit_figures),
                denominator=_sum_or_none(f.denominator for f in unit_figures),
                last_month=last.month,
                any_estimate=any(f.is_estimate for f in unit_figures),
                last_value=last.value,
                last_is_estimate=last.is_estimate,
            )
        )
    return result


def _add_or_none(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """a + b, a missing one counting as 0; None when both are missing."""
    return None if a is None and b is None else (a or Decimal(0)) + (b or Decimal(0))


def _sum_or_none(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


# --- Rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetResult:
    """How an actual compares with one authority's annual target."""

    authority_code: str
    authority_name: str
    report_phrase: str  # how a report sentence names the target: "chỉ tiêu HĐND phường giao"
    value: Decimal  # the annual target, in the indicator's unit
    basis: str  # resolution or decision that set it; may be empty
    percent: Decimal | None  # actual ÷ annual target × 100, full precision
    # A ceiling (lower is better): True when the actual is above the target, False when it
    # stays at or below it (inclusive: 40 of at most 40 is kept); None for any other indicator
    # or without an actual.
    exceeded: bool | None = None
    # When the target was changed after a month of its year was approved (the approver's
    # adjustment, entry.services.save_target); None for a target never adjusted so.
    adjusted_at: datetime | None = None


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of one unit over one period, with its targets and last year's figure."""

    indicator: Indicator
    period: Period
    current: Aggregate
    previous: Aggregate  # the same period one year earlier ("cùng kỳ")
    targets: list[TargetResult] = field(default_factory=list)
    # Units of the subtree whose level enters the indicator, and how many of them have a
    # figure in the period: a parent's figure built from 7 of its 8 groups says "7/8 đơn vị".
    units_expected: int = 0
    units_reported: int = 0

    @property
    def is_partial(self) -> bool:
        """Built from only some of the several units that enter it (or from none of them)."""
        return self.units_expected > 1 and self.units_reported < self.units_expected

    @property
    def actual(self) -> Decimal | None:
        return self.current.actual

    @property
    def is_estimate(self) -> bool:
        return self.current.is_estimate

    @property
    def yoy_percent(self) -> Decimal | None:
        """This period ÷ the same period last year × 100 ("bằng X% so với cùng kỳ")."""
        return percent_of(self.current.actual, self.previous.actual)

    @property
    def change_percent(self) -> Decimal | None:
        """Growth over the same period last year, in percent ("tăng/giảm X% so với cùng kỳ")."""
        yoy = self.yoy_percent
        return None if yoy is None else yoy - HUNDRED

    @property
    def change_points(self) -> Decimal | None:
        """A rate's change over the same period last year, in percentage points (this year's
        rate − last year's, full precision: 64,1% against 38,6% → 25,5); None for flows and
        levels, or when either rate is missing."""
        if not self.indicator.is_percentage:
            return None
        if self.current.actual is None or self.previous.actual is None:
            return None
        return self.current.actual - self.previous.actual

    @property
    def previous_months(self) -> tuple[int, int] | None:
        """The months of last year that ``previous`` covers, (first, last), both inclusive;
        None when last year has no figure. See :func:`compared_months`."""
        if not self.previous.has_data:
            return None
        return compared_months(self.period, self.current)

    @property
    def is_ceiling(self) -> bool:
        """Lower is better: the targets are ceilings, kept or exceeded, not achieved."""
        return self.indicator.direction == Indicator.Direction.DOWN

    @property
    def lineage_note(self) -> str:
        """ "số liệu cùng kỳ tính theo địa giới mới" when a figure of this row comes from the
        units this one was formed from; "" otherwise."""
        if self.current.over_new_territory or self.previous.over_new_territory:
            return lineage.lineage_note()
        return ""

    @property
    def status(self) -> Completion:
        """How the row stands against its first target; see :func:`completion_status`."""
        if not self.targets:
            return Completion.NONE
        return completion_status(
            indicator=self.indicator,
            actual=self.current.actual,
            target=self.targets[0].value,
            period=self.period,
        )


def compared_months(period: Period, current: Aggregate) -> tuple[int, int]:
    """The months, (first, last) both inclusive, that "the same period last year" covers.

    Like for like: when this year's figures of the period stop at month N (a year page in
    September), last year's figure is taken over the period's months up to N only, never over
    months this year has not reached. Without any figure this year, the whole period.
    """
    last = current.last_month or period.last_month
    return (period.first_month, min(last, period.last_month))


def pro_rata(annual: Decimal, period: Period) -> Decimal:
    """Where an annual flow should stand at the end of ``period`` if it accrued evenly:
    ``annual`` × ``period.expected_share`` (9 months of 12 000 → 9 000; of 100 % → 75 %)."""
    share = period.expected_share
    return annual * Decimal(share.numerator) / share.denominator


WATCH_MARGIN = Decimal("0.9")  # within 90 % of where it should be: keep an eye on it


class Completion(StrEnum):
    """A row's progress against its annual target: the status dot, its colour and label."""

    GOOD = "good"  # at or past where the target says it should stand
    WATCH = "watch"  # short of it, by less than 10 %
    BEHIND = "behind"  # short of it by 10 % or more
    NONE = "none"  # no data, or no target to compare with


def completion_status(
    *, indicator: Indicator, actual: Decimal | None, target: Decimal, period: Period
) -> Completion:
    """Compare an actual with where an annual target says it should stand by the period's end.

    A flow (``sum``) should have reached ``month_count / 12`` of its annual target (9 months →
    75 %); a rate or a level is compared with the target itself. For an indicator where lower
    is better the comparison is reversed. Returns ``good``, ``watch`` (within 10 % of the
    mark), ``behind`` or ``none`` (no data or no usable target).
    """
    if actual is None:
        return Completion.NONE
    expected = target
    if indicator.kind == Indicator.Kind.SUM:
        expected = pro_rata(target, period)
    if indicator.direction == Indicator.Direction.DOWN:
        if actual <= expected:
            return Completion.GOOD
        return Completion.WATCH if actual * WATCH_MARGIN <= expected else Completion.BEHIND
    if expected == 0 or actual >= expected:
        return Completion.GOOD
    return Completion.WATCH if actual >= expected * WATCH_MARGIN else Completion.BEHIND


# --- Queries ------------------------------------------------------------------------------


def subtree_ids(unit: Unit) -> list[int]:
    """The ids of ``unit`` and every unit under it, parents first (from the request's tree)."""
    return tree.current().subtree_ids(unit.id)


def subtrees(units: Iterable[Unit]) -> dict[int, list[int]]:
    """:func:`subtree_ids` of each unit, keyed by its id."""
    unit_tree = tree.current()
    return {unit.id: unit_tree.subtree_ids(unit.id) for unit in units}


PointValues = dict[tuple[int, int, int], list[tuple[int, Decimal | None, bool]]]


def _point_values(*, unit_ids: Iterable[int], years: Iterable[int], months: range) -> PointValues:
    """(indicator, year, unit) → [(month, value, is estimate)] in month order, for the kinds
    that take the value of a unit's last month with data (levels, reported rates). One query."""
    found: PointValues = defaultdict(list)
    point_kinds = [Indicator.Kind.LEVEL, Indicator.Kind.REPORTED]
    for indicator_id, year, unit_id, month, value, status in (
        Figure.objects.filter(
            unit_id__in=list(unit_ids),
            year__in=list(years),
            month__gte=months.start,
            month__lte=months.stop - 1,
            indicator__kind__in=point_kinds,
        )
        .order_by("month")
        .values_list("indicator_id", "year", "unit_id", "month", "value", "status")
    ):
        found[(indicator_id, year, unit_id)].append(
            (month, value, status == Figure.Status.ESTIMATE)
        )
    return found


def _grouped_totals(
    *,
    unit_ids: Iterable[int],
    year: int,
    first_month: int,
    cutoffs: Iterable[int],
    points: PointValues,
) -> dict[tuple[int, int, int], UnitTotals]:
    """Per (indicator, unit, cutoff) totals of ``year`` from ``first_month`` to each cutoff
    month (both inclusive), in one query whatever the number of cutoffs: last year's figure
    of a row is taken up to the month this year's figures reach (:func:`compared_months`)."""
    cutoffs = sorted(set(cutoffs))
    if not cutoffs:
        return {}
    aggregates = {}
    for cutoff in cutoffs:
        upto = Q(month__lte=cutoff)
        aggregates |= {
            f"total_{cutoff}": Sum("value", filter=upto),
            f"numerator_{cutoff}": Sum("numerator", filter=upto),
            f"denominator_{cutoff}": Sum("denominator", filter=upto),
            f"last_{cutoff}": Max("month", filter=upto),
            f"estimates_{cutoff}": Count("id", filter=upto & Q(status=Figure.Status.ESTIMATE)),
        }
    grouped = (
        Figure.objects.filter(
            unit_id__in=list(unit_ids),
            year=year,
            month__gte=first_month,
            month__lte=cutoffs[-1],
        )
        .order_by()
        .values("indicator_id", "unit_id")
        .annotate(**aggregates)
    )
    result = {}
    for row in grouped:
        indicator_id, unit_id = row["indicator_id"], row["unit_id"]
        unit_points = points.get((indicator_id, year, unit_id), [])
        for cutoff in cutoffs:
            if row[f"last_{cutoff}"] is None:
                continue  # no figure up to this cutoff
            last = next((p for p in reversed(unit_points) if p[0] <= cutoff), None)
            result[(indicator_id, unit_id, cutoff)] = UnitTotals(
                unit_id=unit_id,
                total=row[f"total_{cutoff}"],
                numerator=row[f"numerator_{cutoff}"],
                denominator=row[f"denominator_{cutoff}"],
                last_month=row[f"last_{cutoff}"],
                any_estimate=row[f"estimates_{cutoff}"] > 0,
                last_value=last[1] if last else None,
                last_is_estimate=last[2] if last else False,
            )
    return result


# --- Subtree totals, kept per unit ----------------------------------------------------------

# A subtree of at most this many units is read in one query; a larger one is its own figures
# plus each child's subtree totals, each kept in the cache under that child's own version. After
# a figure is saved in one ward, a province's totals are its 149 other wards' kept totals and
# the one ward read again, not every figure of the province.
SMALL_SUBTREE = 64


@dataclass(frozen=True)
class SubtreeTotals:
    """One indicator of one unit and everything under it, up to one cutoff month."""

    own: UnitTotals | None  # the unit's own figures
    subtree: UnitTotals | None  # the unit's and every unit's under it, merged (merge_totals)
    reported: int = 0  # units of the subtree that enter the indicator and have a figure


def merge_totals(unit_id: int, parts: Iterable[UnitTotals | None]) -> UnitTotals | None:
    """Several units' totals as one, for every kind but ``reported``: the sums add up, the
    last month is the latest, a level's value is the sum of each unit's last value (what
    :func:`combine` makes of the parts). None when no part has a figure."""
    parts = [p for p in parts if p is not None and p.last_month]
    if not parts:
        return None
    return UnitTotals(
        unit_id=unit_id,
        total=_sum_or_none(p.total for p in parts),
        numerator=_sum_or_none(p.numerator for p in parts),
        denominator=_sum_or_none(p.denominator for p in parts),
        last_month=max(p.last_month for p in parts),
        any_estimate=any(p.any_estimate for p in parts),
        last_value=_sum_or_none(p.last_value for p in parts),
        last_is_estimate=any(p.last_is_estimate for p in parts),
    )


def combine_subtree(kind: str, totals: SubtreeTotals | None, *, unit_id: int) -> Aggregate:
    """:func:`combine` of a unit and everything under it, from its :class:`SubtreeTotals`."""
    if totals is None or totals.subtree is None:
        return Aggregate()
    if kind == Indicator.Kind.REPORTED:
        if totals.own is None or not totals.own.last_month:
            return Aggregate(not_aggregable=True, last_month=totals.subtree.last_month)
        return combine(kind, [totals.own], own_unit_id=unit_id)
    return combine(kind, [totals.subtree], own_unit_id=unit_id)


SubtreeKey = tuple[int, int, int]  # (indicator, unit, cutoff month)


def read_and_below(
    unit_ids: list[int], members_of: Callable[[int], list[int]] | None = None
) -> tuple[dict[int, list[int]], dict[int, int]]:
    """How the kept entries of ``unit_ids`` are made: (unit to read → the asked units it
    counts for, child → its asked parent). A small subtree is read whole; a large one reads
    its own unit and takes each child's entry. ``members_of``: a unit's subtree (default: all
    of it; the reporting counts take the units that existed in the months counted)."""
    units_tree = tree.current()
    members = {unit_id: (members_of or units_tree.subtree_ids)(unit_id) for unit_id in unit_ids}
    large = {unit_id for unit_id in unit_ids if len(members[unit_id]) > SMALL_SUBTREE}
    roots_of: dict[int, list[int]] = defaultdict(list)
    for unit_id in unit_ids:
        for member in [unit_id] if unit_id in large else members[unit_id]:
            roots_of[member].append(unit_id)
    parent_of = {}
    for unit_id in large:
        kept = units_tree.subtree_set(unit_id) if members_of is None else set(members[unit_id])
        for child in units_tree.children_of.get(unit_id, []):
            # a unit above is never counted again under itself (a loop in stored rows)
            if child in kept and child not in units_tree.chain_ids(unit_id):
                parent_of[child] = unit_id
    return roots_of, parent_of


def subtree_totals(
    *,
    unit_ids: Iterable[int],
    indicators: dict[int, Indicator],
    year: int,
    first_month: int,
    cutoffs: Iterable[int],
) -> dict[SubtreeKey, SubtreeTotals]:
    """(indicator, unit, cutoff) → the unit's :class:`SubtreeTotals` of ``year`` from
    ``first_month`` to each cutoff month (both inclusive).

    Each unit's entry is kept per unit (:func:`indicators.freshness.kept_per_unit`): only the
    units whose data changed are computed again, from their figures when their subtree is
    small and from their children's entries otherwise. A few queries per level of the tree,
    whatever the number of units, indicators or months.
    """
    cutoffs = sorted(set(cutoffs))
    if not cutoffs:
        return {}
    # One entry per unit and cutoff: a province's last-year cutoff is not its communes' (each
    # row compares up to the month its own figures reach), and a later call with another set
    # of units must still find the entries kept before.
    entries = freshness.kept_per_unit(
        "subtree",
        unit_ids,
        (year, first_month),
        lambda missing: _compute_subtree_totals(
            missing, indicators=indicators, year=year, first_month=first_month, cutoffs=cutoffs
        ),
        variants=cutoffs,
        sums_only=True,  # sums: which unit is under which, not what they are called
    )
    return {
        (indicator_id, unit_id, cutoff): totals
        for unit_id, by_cutoff in entries.items()
        for cutoff, entry in by_cutoff.items()
        for indicator_id, totals in entry.items()
    }


def _compute_subtree_totals(
    unit_ids: list[int],
    *,
    indicators: dict[int, Indicator],
    year: int,
    first_month: int,
    cutoffs: list[int],
) -> dict[int, dict[int, dict[int, SubtreeTotals]]]:
    """:func:`subtree_totals` of ``unit_ids``, without their own cache entries: unit → {cutoff
    → {indicator → totals}}."""
    units_tree = tree.current()
    roots_of, parent_of = read_and_below(unit_ids)
    points = _point_values(
        unit_ids=roots_of, years=[year], months=range(first_month, cutoffs[-1] + 1)
    )
    own = _grouped_totals(
        unit_ids=roots_of, year=year, first_month=first_month, cutoffs=cutoffs, points=points
    )
    # Children asked for in this same call (a province with its communes) are made here, the
    # deepest first, and not read a second time through their cache entries.
    asked = set(unit_ids)
    below = subtree_totals(
        unit_ids=[child for child in parent_of if child not in asked],
        indicators=indicators,
        year=year,
        first_month=first_month,
        cutoffs=cutoffs,
    )
    # (unit, cutoff) → indicator → the parts its totals merge, and the units that reported
    parts: dict[tuple[int, int], dict[int, list[UnitTotals]]] = defaultdict(
        lambda: defaultdict(list)
    )
    reported: Counter[tuple[int, int, int]] = Counter()  # (unit, cutoff, indicator)
    for (indicator_id, unit_id, cutoff), totals in own.items():
        indicator = indicators.get(indicator_id)
        enters = indicator is not None and indicator.is_entered_at(units_tree.get(unit_id).level)
        for root_id in roots_of[unit_id]:
            parts[(root_id, cutoff)][indicator_id].append(totals)
            reported[(root_id, cutoff, indicator_id)] += enters

    def add_child(parent_id: int, cutoff: int, indicator_id: int, child: SubtreeTotals) -> None:
        if child.subtree is not None:
            parts[(parent_id, cutoff)][indicator_id].append(child.subtree)
            reported[(parent_id, cutoff, indicator_id)] += child.reported

    for (indicator_id, child_id, cutoff), child in below.items():
        add_child(parent_of[child_id], cutoff, indicator_id, child)
    result: dict[int, dict[int, dict[int, SubtreeTotals]]] = {
        unit_id: {cutoff: {} for cutoff in cutoffs} for unit_id in unit_ids
    }
    parents = set(parent_of.values())
    for root_id in sorted(unit_ids, key=units_tree.depth, reverse=True):
        if root_id in parents:  # its children asked in this call are made by now
            for child_id in units_tree.children_of.get(root_id, []):
                if child_id in asked and parent_of.get(child_id) == root_id:
                    for cutoff, entry in result[child_id].items():
                        for indicator_id, child in entry.items():
                            add_child(root_id, cutoff, indicator_id, child)
        for cutoff in cutoffs:
            for indicator_id, found in parts[(root_id, cutoff)].items():
                result[root_id][cutoff][indicator_id] = SubtreeTotals(
                    own=own.get((indicator_id, root_id, cutoff)),
                    subtree=merge_totals(root_id, found),
                    reported=reported[(root_id, cutoff, indicator_id)],
                )
    return result


# A month of a flow or a ratio over a subtree: (Σ values, Σ numerators, Σ denominators, how many
# of its figures are estimates); None for a month without a figure.
MonthSum = tuple[Decimal | None, Decimal | None, Decimal | None, int]


def _add_month(a: MonthSum | None, b: MonthSum | None) -> MonthSum | None:
    if a is None or b is None:
        return a if b is None else b
    add = _add_or_none
    return (add(a[0], b[0]), add(a[1], b[1]), add(a[2], b[2]), a[3] + b[3])


def subtree_month_sums(
    *, unit_ids: Iterable[int], indicator_ids: Iterable[int], year: int
) -> dict[tuple[int, int], list[MonthSum | None]]:
    """(indicator, unit) → the twelve :data:`MonthSum` of the unit and everything under it, for
    flows and ratios (they add up over units month by month). Kept per unit like
    :func:`subtree_totals`: after a save in one ward, a province's series is its own figures
    and its communes' kept months, not every figure below it."""
    return _kept_months("month-sums", _compute_month_sums, unit_ids, indicator_ids, year)


def _kept_months(name: str, compute, unit_ids, indicator_ids, year: int) -> dict:
    """(indicator, unit) → twelve months of ``compute``'s, kept per unit (sums over subtrees)."""
    indicator_ids = sorted(set(indicator_ids))
    if not indicator_ids:
        return {}
    entries = freshness.kept_per_unit(
        name,
        unit_ids,
        (year, indicator_ids),
        lambda missing: compute(missing, indicator_ids=indicator_ids, year=year),
        sums_only=True,
    )
    return {
        (indicator_id, unit_id): months
        for unit_id, entry in entries.items()
        for indicator_id, months in entry.items()
    }


def _compute_month_sums(
    unit_ids: list[int], *, indicator_ids: list[int], year: int
) -> dict[int, dict[int, list[MonthSum | None]]]:
    roots_of, parent_of = read_and_below(unit_ids)
    result: dict[int, dict[int, list]] = {u: {} for u in unit_ids}

    def add(root_id: int, indicator_id: int, month: int, value: MonthSum | None) -> None:
        months = result[root_id].setdefault(indicator_id, [None] * 12)
        months[month - 1] = _add_month(months[month - 1], value)

    estimate = Q(status=Figure.Status.ESTIMATE)
    rows = (
        Figure.objects.filter(unit_id__in=list(roots_of), indicator_id__in=indicator_ids, year=year)
        .order_by()
        .values_list("indicator_id", "unit_id", "month")
        .annotate(
            total=Sum("value"),
            numerators=Sum("numerator"),
            denominators=Sum("denominator"),
            estimates=Count("id", filter=estimate),
        )
    )
    for indicator_id, unit_id, month, *sums in rows:
        for root_id in roots_of[unit_id]:
            add(root_id, indicator_id, month, tuple(sums))
    below = subtree_month_sums(unit_ids=parent_of, indicator_ids=indicator_ids, year=year)
    for (indicator_id, child_id), months in below.items():
        for month, value in enumerate(months, start=1):
            if value is not None:
                add(parent_of[child_id], indicator_id, month, value)
    return result


def summaries(*, units: list[Unit], period: Period) -> dict[int, list[IndicatorRow]]:
    """The period summary of each unit (with everything under it), keyed by unit id.

    Each unit's rows are kept in the cache under the versions of the data they depend on
    (:func:`indicators.freshness.summary_scopes`, read in one query): a unit whose data did
    not change since is not computed again, the others are computed together
    (:func:`compute_summaries`).
    """
    units = list(units)
    scopes_of = {unit.id: freshness.summary_scopes([unit.id]) for unit in units}
    found = freshness.tokens(set().union(*scopes_of.values()))
    keys = {
        unit.id: freshness.key(
            "summary", unit.id, period.year, period.key, freshness.versions(scopes, found)
        )
        for unit, scopes in zip(units, scopes_of.values(), strict=True)
    }
    kept = freshness.get_many(keys.values())
    missing = [unit for unit in units if keys[unit.id] not in kept]
    computed = compute_summaries(units=missing, period=period) if missing else {}
    freshness.set_many({keys[unit_id]: rows for unit_id, rows in computed.items()})
    return {
        unit.id: computed[unit.id] if unit.id in computed else kept[keys[unit.id]] for unit in units
    }


def compute_summaries(*, units: list[Unit], period: Period) -> dict[int, list[IndicatorRow]]:
    """:func:`summaries` computed again, from the subtree totals of each unit
    (:func:`subtree_totals`, kept per unit).

    Rows cover every active indicator, in catalogue order, whether or not it has a figure: an
    indicator the unit (or a unit under it) enters and has not reported still has its row, with
    no actual ("chưa có số liệu"). An indicator that no unit here enters (its entry levels)
    and that has no figure or target here has no row.

    Last year's figure ("cùng kỳ") covers the same months as this year's
    (:func:`compared_months`). A fixed number of queries, whatever the number of units,
    indicators or months.
    """
    # An indicator taken out of use leaves the periods still open, never an approved one:
    # what was approved keeps every row it had.
    indicators = list(Indicator.objects.select_related("area"))
    by_id = {indicator.id: indicator for indicator in indicators}
    approved = {
        unit_id
        for unit_id, state in approval.approval_states(units=units, period=period).items()
        if state == approval.PeriodState.APPROVED
    }
    unit_ids = [unit.id for unit in units]
    this_year = subtree_totals(
        unit_ids=unit_ids,
        indicators=by_id,
        year=period.year,
        first_month=period.first_month,
        cutoffs=[period.last_month],
    )
    current: dict[tuple[int, int], Aggregate] = {}
    compared: dict[tuple[int, int], int] = {}  # (root, indicator) → last year's last month
    for unit in units:
        for indicator in indicators:
            key = (unit.id, indicator.id)
            current[key] = combine_subtree(
                indicator.kind,
                this_year.get((indicator.id, unit.id, period.last_month)),
                unit_id=unit.id,
            )
            compared[key] = compared_months(period, current[key])[1]
    last_year_totals = subtree_totals(
        unit_ids=unit_ids,
        indicators=by_id,
        year=period.year - 1,
        first_month=period.first_month,
        cutoffs=compared.values(),
    )
    this_year = {
        (unit_id, indicator_id): totals
        for (indicator_id, unit_id, _cutoff), totals in this_year.items()
        if totals.subtree is not None
    }
    last_year = {
        (unit_id, indicator_id): totals
        for (indicator_id, unit_id, cutoff), totals in last_year_totals.items()
        if totals.subtree is not None and compared.get((unit_id, indicator_id)) == cutoff
    }

    targets: dict[tuple[int, int], list[Target]] = defaultdict(list)
    for target in Target.objects.filter(unit__in=units, year=period.year).select_related(
        "authority"
    ):
        targets[(target.unit_id, target.indicator_id)].append(target)

    unit_tree = tree.current()
    reformed_of = lineage.reformed_aggregates_of(
        units=units,
        indicators=indicators,
        period=period,
        compared_last_month={
            unit.id: {i.id: compared[(unit.id, i.id)] for i in indicators} for unit in units
        },
    )
    result: dict[int, list[IndicatorRow]] = {}
    for unit in units:
        # Units expected to enter: those of the subtree that existed in the period.
        existing = unit_tree.subtree_during(unit.id, *period_days(period))
        levels = Counter(unit_tree.get(member).level for member in existing)
        rows = []
        reformed = reformed_of[unit.id]
        for indicator in indicators:
            if not indicator.is_active and unit.id not in approved:
                continue
            key = (unit.id, indicator.id)
            unit_targets = sorted(
                targets.get(key, []), key=lambda t: (t.authority.order, t.authority.code)
            )
            units_expected = indicator.is_active and sum(
                count for level, count in levels.items() if indicator.is_entered_at(level)
            )
            if not (
                units_expected
                or unit_targets
                or this_year.get(key)
                or last_year.get(key)
                or lineage.any_data(reformed, indicator)
            ):
                continue  # entered nowhere in this unit's tree, and nothing to show
            # Over the unit's territory (its predecessors' months) when it was formed later.
            row_current = reformed.get(period.year, {}).get(indicator.id) or current[key]
            row_previous = reformed.get(period.year - 1, {}).get(indicator.id) or combine_subtree(
                indicator.kind, last_year.get(key), unit_id=unit.id
            )
            rows.append(
                IndicatorRow(
                    indicator=indicator,
                    period=period,
                    current=row_current,
                    previous=row_previous,
                    targets=[
                        _target_result(t, indicator, row_current.actual) for t in unit_targets
                    ],
                    units_expected=units_expected,
                    units_reported=this_year[key].reported if key in this_year else 0,
                )
            )
        result[unit.id] = rows
    return result


def period_summary(*, unit: Unit, period: Period) -> list[IndicatorRow]:
    """The summary rows of one unit (with everything under it) for one period."""
    return summaries(units=[unit], period=period)[unit.id]


def has_figures(rows: Iterable[IndicatorRow]) -> bool:
    """Whether a summary has anything to show: a figure this year or last, or a target. A
    period without any says so once instead of a table of rows without data."""
    return any(
        row.current.has_data or row.current.not_aggregable or row.previous.has_data or row.targets
        for row in rows
    )


def _target_result(target: Target, indicator: Indicator, actual: Decimal | None) -> TargetResult:
    exceeded = None
    if indicator.direction == Indicator.Direction.DOWN and actual is not None:
        exceeded = actual > target.value
    return TargetResult(
        authority_code=target.authority.code,
        authority_name=target.authority.display_name,
        report_phrase=target.authority.display_phrase,
        value=target.value,
        basis=target.basis,
        percent=percent_of(actual, target.value),
        exceeded=exceeded,
        adjusted_at=target.adjusted_after_approval_at,
    )


@dataclass(frozen=True)
class MonthPoint:
    """One month of an indicator's year: the month alone and cumulative from January."""

    month: int  # 1–12
    month_value: Aggregate  # the month on its own
    cumulative: Aggregate  # January to ``month``, combined by the indicator's kind


def monthly_series(*, unit: Unit, indicator: Indicator, year: int) -> list[MonthPoint]:
    """Twelve points of ``indicator`` for ``unit`` (with everything under it) in ``year``."""
    return monthly_series_of(unit=unit, indicators=[indicator], years=[year])[(indicator.id, year)]


def monthly_series_of(
    *, unit: Unit, indicators: Iterable[Indicator], years: Iterable[int]
) -> dict[tuple[int, int], list[MonthPoint]]:
    """:func:`monthly_series` of each indicator in each year, keyed by (indicator id, year).

    Two queries, whatever the number of indicators and years; kept in the cache under the
    versions of the unit's data (indicators.freshness).
    """
    indicators, years = list(indicators), list(years)
    versions = freshness.versions(freshness.summary_scopes([unit.id]))
    return freshness.remember(
        freshness.key("series", unit.id, [i.id for i in indicators], years, versions),
        lambda: _monthly_series_of(unit=unit, indicators=indicators, years=years),
    )


# A month of a level or a reported rate over a subtree: the units' figures of the month alone
# (Σ values, any estimate, how many units), each unit's latest figure up to the month (Σ values,
# any estimate, the latest month any unit reached) and the unit's own figure of the month
# (value, estimate) or None. None for a month without any figure up to it.
PointMonth = tuple[Decimal, bool, int, Decimal, bool, int, tuple[Decimal | None, bool] | None]


def _add_point_months(a: PointMonth | None, b: PointMonth | None) -> PointMonth | None:
    """Two parts' months as one; the own figure is the one part that holds it (the unit's
    own figures: every other part comes without)."""
    if a is None or b is None:
        return a if b is None else b
    return (
        a[0] + b[0],
        a[1] or b[1],
        a[2] + b[2],
        a[3] + b[3],
        a[4] or b[4],
        max(a[5], b[5]),
        a[6] if a[6] is not None else b[6],
    )


def subtree_point_months(
    *, unit_ids: Iterable[int], indicator_ids: Iterable[int], year: int
) -> dict[tuple[int, int], list[PointMonth | None]]:
    """(indicator, unit) → the twelve :data:`PointMonth` of a level or reported indicator over
    the unit and everything under it, kept per unit like :func:`subtree_month_sums` (a level
    adds up each unit's latest figure, so each unit's latest figures are carried before they
    are added)."""
    return _kept_months("point-months", _compute_point_months, unit_ids, indicator_ids, year)


def _compute_point_months(
    unit_ids: list[int], *, indicator_ids: list[int], year: int
) -> dict[int, dict[int, list[PointMonth | None]]]:
    roots_of, parent_of = read_and_below(unit_ids)
    by_unit: dict[tuple[int, int], dict[int, tuple]] = defaultdict(dict)  # (indicator, unit)
    for indicator_id, unit_id, month, value, status in Figure.objects.filter(
        unit_id__in=list(roots_of), indicator_id__in=indicator_ids, year=year
    ).values_list("indicator_id", "unit_id", "month", "value", "status"):
        by_unit[(indicator_id, unit_id)][month] = (value, status == Figure.Status.ESTIMATE)
    result: dict[int, dict[int, list]] = {unit_id: {} for unit_id in unit_ids}

    def add(root_id: int, indicator_id: int, months: list[PointMonth | None]) -> None:
        found = result[root_id].setdefault(indicator_id, [None] * 12)
        for index, month in enumerate(months):
            found[index] = _add_point_months(found[index], month)

    for (indicator_id, unit_id), figures in by_unit.items():
        months: list[PointMonth | None] = []
        carried = None  # (value, estimate, month) of the unit's latest figure so far
        for month in range(1, 13):
            alone = figures.get(month)
            if alone is not None:
                carried = (alone[0], alone[1], month)
            if carried is None:
                months.append(None)
                continue
            months.append(
                (
                    (alone[0] or Decimal(0)) if alone else Decimal(0),
                    bool(alone and alone[1]),
                    1 if alone else 0,
                    carried[0] or Decimal(0),
                    carried[1],
                    carried[2],
                    alone,
                )
            )
        for root_id in roots_of[unit_id]:
            own = root_id == unit_id
            add(root_id, indicator_id, [m if own or m is None else (*m[:6], None) for m in months])
    below = subtree_point_months(unit_ids=parent_of, indicator_ids=indicator_ids, year=year)
    for (indicator_id, child_id), months in below.items():
        add(parent_of[child_id], indicator_id, [m if m is None else (*m[:6], None) for m in months])
    return result


def _point_series(unit: Unit, indicator: Indicator, months: list[PointMonth | None]):
    """The twelve :class:`MonthPoint` of a level or reported indicator from its months (what
    :func:`_month_points` makes of every unit's figures)."""
    points = []
    own_latest = None  # (value, estimate, month): the unit's own latest figure so far
    for number, found in enumerate(months, start=1):
        own = found[6] if found else None
        if own is not None:
            own_latest = (*own, number)
        if found is None:
            alone = cumulative = Aggregate()
        elif indicator.kind == Indicator.Kind.LEVEL:
            alone = (
                Aggregate(actual=found[0], is_estimate=found[1], last_month=number)
                if found[2]
                else Aggregate()
            )
            cumulative = Aggregate(actual=found[3], is_estimate=found[4], last_month=found[5])
        else:  # reported: the unit's own figure, or "not computable" from the units under it
            if own is not None:
                alone = Aggregate(actual=own[0], is_estimate=own[1], last_month=number)
            elif found[2]:
                alone = Aggregate(not_aggregable=True, last_month=number)
            else:
                alone = Aggregate()
            if own_latest is not None:
                cumulative = Aggregate(
                    actual=own_latest[0], is_estimate=own_latest[1], last_month=own_latest[2]
                )
            else:
                cumulative = Aggregate(not_aggregable=True, last_month=found[5])
        points.append(MonthPoint(month=number, month_value=alone, cumulative=cumulative))
    return points


def _monthly_series_of(
    *, unit: Unit, indicators: list[Indicator], years: list[int]
) -> dict[tuple[int, int], list[MonthPoint]]:
    figures: dict[tuple[int, int], list[_MonthFigure]] = defaultdict(list)
    # Flows and ratios add up over units month by month: each month of the subtree is one
    # sum (subtree_month_sums), read as if one unit had entered it (what combine() makes).
    additive = [i for i in indicators if i.kind in (Indicator.Kind.SUM, Indicator.Kind.RATIO)]
    for year in years if additive else []:
        sums = subtree_month_sums(
            unit_ids=[unit.id], indicator_ids=[i.id for i in additive], year=year
        )
        for indicator in additive:
            for month, found in enumerate(sums.get((indicator.id, unit.id), []), start=1):
                if found is not None:
                    value, numerator, denominator, estimates = found
                    status = Figure.Status.ESTIMATE if estimates else Figure.Status.OFFICIAL
                    figures[(indicator.id, year)].append(
                        _MonthFigure(unit.id, month, value, numerator, denominator, status)
                    )
    found = {
        (indicator.id, year): _month_points(unit, indicator, figures[(indicator.id, year)])
        for indicator in additive
        for year in years
    }
    # Levels and reported rates take each unit's latest figure: carried unit by unit, then
    # added up (subtree_point_months).
    point = [i for i in indicators if i not in additive]
    for year in years if point else []:
        months = subtree_point_months(
            unit_ids=[unit.id], indicator_ids=[i.id for i in point], year=year
        )
        for indicator in point:
            found[(indicator.id, year)] = _point_series(
                unit, indicator, months.get((indicator.id, unit.id), [None] * 12)
            )
    return {
        (indicator.id, year): found[(indicator.id, year)]
        for indicator in indicators
        for year in years
    }


class _MonthFigure(NamedTuple):
    """What :func:`unit_totals` reads of a figure, without building the model instance."""

    unit_id: int
    month: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    status: str

    @property
    def is_estimate(self) -> bool:
        return self.status == Figure.Status.ESTIMATE


def _month_points(unit: Unit, indicator: Indicator, figures: list) -> list[MonthPoint]:
    """Each month alone and January to it; the cumulative totals of each unit are carried
    from month to month (one pass over the figures, not twelve)."""
    by_month: dict[int, list] = defaultdict(list)
    for figure in figures:
        by_month[figure.month].append(figure)
    running: dict[int, UnitTotals] = {}
    points = []
    for month in range(1, 13):
        in_month = unit_totals(by_month.get(month, []))
        for totals in in_month:
            before = running.get(totals.unit_id)
            running[totals.unit_id] = totals if before is None else _carried(before, totals)
        points.append(
            MonthPoint(
                month=month,
                month_value=combine(indicator.kind, in_month, own_unit_id=unit.id),
                cumulative=combine(indicator.kind, running.values(), own_unit_id=unit.id),
            )
        )
    return points


def _carried(before: UnitTotals, later: UnitTotals) -> UnitTotals:
    """A unit's totals up to some month, then a later month added: what :func:`unit_totals`
    gives for both months' figures together."""
    add = _add_or_none
    return UnitTotals(
        unit_id=before.unit_id,
        total=add(before.total, later.total),
        numerator=add(before.numerator, later.numerator),
        denominator=add(before.denominator, later.denominator),
        last_month=later.last_month,
        any_estimate=before.any_estimate or later.any_estimate,
        last_value=later.last_value,
        last_is_estimate=later.last_is_estimate,
    )


def child_units(unit: Unit) -> list[Unit]:
    """The units directly under ``unit``, in their order (from the request's tree)."""
    return tree.current().children(unit.id)


def children_during(unit: Unit, period: Period) -> list[Unit]:
    """The units directly under ``unit`` that existed during ``period`` (old wards until June
    2025, the merged ones from July)."""
    units_tree = tree.current()
    ids = [child.id for child in units_tree.children(unit.id)]
    first_day, last_day = period_days(period)
    return [units_tree.get(i) for i in units_tree.existing(ids, first_day, last_day)]


def period_days(period: Period) -> tuple[date, date]:
    """The first and the last day of ``period``, inclusive."""
    return (
        month_days(period.year, period.first_month)[0],
        month_days(period.year, period.last_month)[1],
    )


def ancestors(unit: Unit) -> list[Unit]:
    """The units above ``unit``, from the root down (from the request's tree)."""
    return tree.current().ancestors(unit.id)
