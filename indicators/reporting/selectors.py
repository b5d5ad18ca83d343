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
from collections.abc import Iterable
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
    """:func:`summaries` computed from the figures, without the cache.

    Rows cover every active indicator, in catalogue order, whether or not it has a figure: an
    indicator the unit (or a unit under it) enters and has not reported still has its row, with
    no actual ("chưa có số liệu"). An indicator that no unit here enters (its entry levels)
    and that has no figure or target here has no row.

    Last year's figure ("cùng kỳ") covers the same months as this year's
    (:func:`compared_months`). A fixed number of queries, whatever the number of units,
    indicators or months.
    """
    trees = subtrees(units)
    owner_of: dict[int, list[int]] = defaultdict(list)  # unit id → the requested units above it
    for root_id, members in trees.items():
        for member_id in members:
            owner_of[member_id].append(root_id)
    points = _point_values(
        unit_ids=owner_of, years=[period.year, period.year - 1], months=period.months
    )
    # An indicator taken out of use leaves the periods still open, never an approved one:
    # what was approved keeps every row it had.
    indicators = list(Indicator.objects.select_related("area"))
    approved = {
        unit_id
        for unit_id, state in approval.approval_states(units=units, period=period).items()
        if state == approval.PeriodState.APPROVED
    }

    def per_root(totals, cutoff_of) -> dict[tuple[int, int], list[UnitTotals]]:
        """(root, indicator) → the units' totals up to that row's cutoff month."""
        found: dict[tuple[int, int], list[UnitTotals]] = defaultdict(list)
        for (indicator_id, unit_id, cutoff), unit_total in totals.items():
            for root_id in owner_of[unit_id]:
                if cutoff_of(root_id, indicator_id) == cutoff:
                    found[(root_id, indicator_id)].append(unit_total)
        return found

    this_year = per_root(
        _grouped_totals(
            unit_ids=owner_of,
            year=period.year,
            first_month=period.first_month,
            cutoffs=[period.last_month],
            points=points,
        ),
        lambda _root, _indicator: period.last_month,
    )
    current: dict[tuple[int, int], Aggregate] = {}
    compared: dict[tuple[int, int], int] = {}  # (root, indicator) → last year's last month
    for unit in units:
        for indicator in indicators:
            key = (unit.id, indicator.id)
            current[key] = combine(indicator.kind, this_year.get(key, []), own_unit_id=unit.id)
            compared[key] = compared_months(period, current[key])[1]
    last_year = per_root(
        _grouped_totals(
            unit_ids=owner_of,
            year=period.year - 1,
            first_month=period.first_month,
            cutoffs=compared.values(),
            points=points,
        ),
        lambda root, indicator: compared.get((root, indicator)),
    )

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
            row_previous = reformed.get(period.year - 1, {}).get(indicator.id) or combine(
                indicator.kind, last_year.get(key, []), own_unit_id=unit.id
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
                    units_reported=sum(
                        1
                        for t in this_year.get(key, [])
                        if t.last_month and indicator.is_entered_at(unit_tree.get(t.unit_id).level)
                    ),
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


def _monthly_series_of(
    *, unit: Unit, indicators: list[Indicator], years: list[int]
) -> dict[tuple[int, int], list[MonthPoint]]:
    members = subtree_ids(unit)
    figures: dict[tuple[int, int], list[_MonthFigure]] = defaultdict(list)
    rows = Figure.objects.filter(
        unit_id__in=list(members), indicator__in=indicators, year__in=years
    ).values_list("indicator_id", "year", *_MonthFigure._fields)
    for indicator_id, year, *fields in rows:  # plain rows: a province has ~10⁵ of them
        figures[(indicator_id, year)].append(_MonthFigure(*fields))
    return {
        (indicator.id, year): _month_points(unit, indicator, figures[(indicator.id, year)])
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

    def add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
        return None if a is None and b is None else (a or Decimal(0)) + (b or Decimal(0))

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
