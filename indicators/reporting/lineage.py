"""A unit's figure over its own territory for months before it existed ("theo địa giới mới").

A ward formed on 1 July 2025 from three wards has no figures of its own for January–June
2025. Over its territory, those months are its predecessors' figures, each predecessor (with
the units under it) counting with the share of it that went to the new ward:

- ``sum`` (flows): Σ share × the predecessor's flow;
- ``ratio``: Σ share × numerators ÷ Σ share × denominators (counts summed, never percentages
  averaged);
- ``level``: the level at the end of the months asked, Σ share × each predecessor's level when
  those months end before the unit existed;
- ``reported`` (a percentage without counts): a predecessor's own value only when the unit has
  exactly one predecessor, wholly (a rename); otherwise it is not computable
  (``not_aggregable``) and the row says so.

Months from the one holding ``valid_from`` are the unit's own. A predecessor formed itself
from older units is followed in the same way (a rename of a merger, say).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators import tree
from indicators.core.lineage_rules import own_months
from indicators.core.periods import Period
from indicators.models import Figure, Indicator, Unit
from indicators.reporting import selectors

MAX_REMOVES = 10  # lineage is checked loop-free; this only bounds a stored loop


def lineage_note() -> str:
    return _("số liệu cùng kỳ tính theo địa giới mới")


@dataclass(frozen=True)
class Piece:
    """A unit (with the units under it) counted over some months with a share."""

    unit_id: int
    months: range
    share: Decimal  # the product of the shares along the lineage, 0 < share ≤ 1
    whole: bool  # one predecessor at each remove, wholly: a reported rate may be taken
    own: bool  # the asked unit itself (not a predecessor)


def formed_after_start(unit: Unit, year: int, months: range) -> bool:
    """Do some of ``months`` of ``year`` lie before ``unit`` existed?"""
    return bool(own_months(year, months, unit.valid_from)[0])


def territory_totals(
    *, unit: Unit, indicators: Iterable[Indicator], year: int, months: range
) -> dict[int, selectors.Aggregate]:
    """``unit``'s figure of each indicator over ``months`` of ``year`` on its territory, keyed
    by indicator id: its own figures from the month it was formed, its predecessors' before.

    The aggregates say ``over_new_territory`` when a predecessor's months are in them.
    """
    return _territories({unit.id: (unit, months)}, list(indicators), year)[unit.id]


def _territories(
    asked: Mapping[object, tuple[Unit, range]], indicators: list[Indicator], year: int
) -> dict[object, dict[int, selectors.Aggregate]]:
    """:func:`territory_totals` of many (unit, months) at once, keyed as ``asked``: one query
    for each remove of lineage, then two for each first month the pieces start at (a reform
    date, the period's start), whatever the number of units."""
    pieces = _pieces_of(asked, year)
    totals = _piece_totals([p for found in pieces.values() for p in found], year)
    units_tree = tree.current()
    result = {}
    for key, (unit, _months) in asked.items():
        found = [piece for piece in pieces[key] if piece.months]
        borrowed = any(not piece.own for piece in found)
        result[key] = {}
        for indicator in indicators:
            parts = [
                (
                    piece,
                    [
                        total
                        for member in units_tree.subtree_ids(piece.unit_id)
                        if (total := totals.get((indicator.id, member, *_span(piece))))
                    ],
                )
                for piece in found
            ]
            aggregate = _combine(indicator.kind, parts, own_unit_id=unit.id)
            result[key][indicator.id] = replace(aggregate, over_new_territory=borrowed)
    return result


def _span(piece: Piece) -> tuple[int, int]:
    """A piece's first and last month."""
    return piece.months.start, piece.months.stop - 1


def _piece_totals(pieces: list[Piece], year: int) -> dict[tuple[int, int, int, int], object]:
    """(indicator, unit, first month, last month) → the unit's own totals, for every unit of
    every piece's subtree over the piece's months (two queries per distinct first month)."""
    units_tree = tree.current()
    by_start: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for piece in pieces:
        if not piece.months:
            continue
        unit_ids, cutoffs = by_start[piece.months.start]
        unit_ids.update(units_tree.subtree_ids(piece.unit_id))
        cutoffs.add(piece.months.stop - 1)
    found = {}
    for start, (unit_ids, cutoffs) in by_start.items():
        months = range(start, max(cutoffs) + 1)
        grouped = selectors._grouped_totals(
            unit_ids=unit_ids,
            year=year,
            first_month=start,
            cutoffs=cutoffs,
            points=selectors._point_values(unit_ids=unit_ids, years=[year], months=months),
        )
        for (indicator_id, unit_id, cutoff), total in grouped.items():
            found[(indicator_id, unit_id, start, cutoff)] = total
    return found


def _pieces(unit: Unit, year: int, months: range) -> list[Piece]:
    """The units and months that make up ``unit``'s territory over ``months``."""
    return _pieces_of({unit.id: (unit, months)}, year)[unit.id]


def _pieces_of(asked: Mapping[object, tuple[Unit, range]], year: int) -> dict[object, list[Piece]]:
    """:func:`_pieces` of many (unit, months), keyed as ``asked`` (from the tree: no query)."""
    units_tree = tree.current()
    found: dict[object, list[Piece]] = {key: [] for key in asked}
    frontier = [
        (key, unit, months, Decimal(1), True, True) for key, (unit, months) in asked.items()
    ]
    for _remove in range(MAX_REMOVES):
        waiting = []
        for key, current, wanted, share, whole, own in frontier:
            before, mine = own_months(year, wanted, current.valid_from)
            if mine:
                found[key].append(Piece(current.id, mine, share, whole, own))
            if before:
                waiting.append((key, current, before, share, whole))
        if not waiting:
            break
        links = units_tree.predecessors_of  # the tree holds the lineage: no query
        frontier = [
            (
                key,
                units_tree.get(predecessor_id),
                before,
                share * link_share,
                whole and len(links.get(current.id, [])) == 1 and link_share == 1,
                False,
            )
            for key, current, before, share, whole in waiting
            for predecessor_id, link_share in links.get(current.id, [])
        ]
    return found


def _scaled(total: selectors.UnitTotals, share: Decimal) -> selectors.UnitTotals:
    if share == 1:
        return total

    def times(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * share

    return replace(
        total,
        total=times(total.total),
        numerator=times(total.numerator),
        denominator=times(total.denominator),
        last_value=times(total.last_value),
    )


def _combine(kind: str, parts, *, own_unit_id: int) -> selectors.Aggregate:
    """Add up the pieces' totals the way ``kind`` requires (see the module's docstring)."""
    if kind in (Indicator.Kind.SUM, Indicator.Kind.RATIO):
        totals = [_scaled(t, piece.share) for piece, found in parts for t in found]
        return selectors.combine(kind, totals, own_unit_id=own_unit_id)
    # A state at a date: the latest months with data decide (the unit's own, else the
    # predecessors' of the months before it existed).
    with_data = [(piece, found) for piece, found in parts if any(t.last_month for t in found)]
    if not with_data:
        return selectors.Aggregate()
    latest = max(piece.months.stop for piece, _found in with_data)
    latest_parts = [(p, f) for p, f in with_data if p.months.stop == latest]
    if kind == Indicator.Kind.LEVEL:
        totals = [_scaled(t, piece.share) for piece, found in latest_parts for t in found]
        return selectors.combine(kind, totals, own_unit_id=own_unit_id)
    if len(latest_parts) == 1 and (latest_parts[0][0].own or latest_parts[0][0].whole):
        piece, found = latest_parts[0]
        return selectors.combine(kind, found, own_unit_id=piece.unit_id)
    return selectors.Aggregate(not_aggregable=True, last_month=latest - 1)


def reformed_aggregates(
    *,
    unit: Unit,
    indicators: Iterable[Indicator],
    period: Period,
    compared_last_month: Mapping[int, int] | None = None,
) -> dict[int, dict[int, selectors.Aggregate]]:
    """For the period's year and the year before: year → indicator id → the aggregate over
    the unit's territory, for the years in which some of the period's months lie before the
    unit existed (other years are left out: the plain roll-up is right there).

    Last year covers the same months as this year (``compared_last_month``: indicator id →
    the last month compared, :func:`selectors.compared_months`; the whole period if absent).
    """
    compared = {unit.id: compared_last_month or {}}
    return reformed_aggregates_of(
        units=[unit], indicators=indicators, period=period, compared_last_month=compared
    )[unit.id]


def reformed_aggregates_of(
    *,
    units: Iterable[Unit],
    indicators: Iterable[Indicator],
    period: Period,
    compared_last_month: Mapping[int, Mapping[int, int]],
) -> dict[int, dict[int, dict[int, selectors.Aggregate]]]:
    """:func:`reformed_aggregates` of each unit, keyed by unit id, in a number of queries
    that does not grow with the number of units (``compared_last_month``: unit id →
    indicator id → last month compared)."""
    units, indicators = list(units), list(indicators)
    result: dict[int, dict[int, dict[int, selectors.Aggregate]]] = {u.id: {} for u in units}
    this_year = {
        unit.id: (unit, period.months)
        for unit in units
        if formed_after_start(unit, period.year, period.months)
    }
    if this_year:
        for unit_id, found in _territories(this_year, indicators, period.year).items():
            result[unit_id][period.year] = found
    last_year = period.year - 1
    asked: dict[tuple[int, int], tuple[Unit, range]] = {}
    groups: dict[tuple[int, int], list[Indicator]] = defaultdict(list)
    for unit in units:
        if not formed_after_start(unit, last_year, period.months):
            continue
        result[unit.id][last_year] = {}
        for indicator in indicators:
            cutoff = compared_last_month.get(unit.id, {}).get(indicator.id, period.last_month)
            asked[(unit.id, cutoff)] = (unit, range(period.first_month, cutoff + 1))
            groups[(unit.id, cutoff)].append(indicator)
    if asked:
        for (unit_id, cutoff), found in _territories(asked, indicators, last_year).items():
            for indicator in groups[(unit_id, cutoff)]:
                result[unit_id][last_year][indicator.id] = found[indicator.id]
    return result


def any_data(reformed: dict[int, dict[int, selectors.Aggregate]], indicator: Indicator) -> bool:
    """Does :func:`reformed_aggregates` hold a figure (or a "not computable") of ``indicator``?"""
    found = [by_indicator.get(indicator.id) for by_indicator in reformed.values()]
    return any(a is not None and (a.has_data or a.not_aggregable) for a in found)


YEAR = range(1, 13)


def territory_series_of(
    *, unit: Unit, indicators: Iterable[Indicator], years: Iterable[int]
) -> dict[tuple[int, int], list[selectors.MonthPoint]]:
    """:func:`selectors.monthly_series_of` over ``unit``'s territory: in a year that starts
    before the unit existed, each month before it is its predecessors' (with their shares),
    as :func:`territory_totals` adds them, so a chart of 2025 runs on across the merger.

    Other years are the plain series. One query more for each year across the reform.
    """
    indicators, years = list(indicators), list(years)
    series = selectors.monthly_series_of(unit=unit, indicators=indicators, years=years)
    for year in years:
        if formed_after_start(unit, year, YEAR):
            for indicator_id, points in _territory_points(unit, indicators, year).items():
                series[(indicator_id, year)] = points
    return series


def _territory_points(
    unit: Unit, indicators: list[Indicator], year: int
) -> dict[int, list[selectors.MonthPoint]]:
    pieces = [piece for piece in _pieces(unit, year, YEAR) if piece.months]
    units_tree = tree.current()
    members = [set(units_tree.subtree_ids(piece.unit_id)) for piece in pieces]
    figures: dict[int, list[Figure]] = defaultdict(list)
    for figure in Figure.objects.filter(
        unit_id__in=set().union(*members), indicator__in=indicators, year=year
    ):
        figures[figure.indicator_id].append(figure)

    def aggregate(indicator: Indicator, months: range) -> selectors.Aggregate:
        parts = []
        for piece, ids in zip(pieces, members, strict=True):
            wanted = range(
                max(piece.months.start, months.start), min(piece.months.stop, months.stop)
            )
            if not wanted:
                continue
            found = [f for f in figures[indicator.id] if f.unit_id in ids and f.month in wanted]
            parts.append((replace(piece, months=wanted), selectors.unit_totals(found)))
        combined = _combine(indicator.kind, parts, own_unit_id=unit.id)
        borrowed = any(not piece.own for piece, _found in parts)
        return replace(combined, over_new_territory=borrowed)

    return {
        indicator.id: [
            selectors.MonthPoint(
                month=month,
                month_value=aggregate(indicator, range(month, month + 1)),
                cumulative=aggregate(indicator, range(1, month + 1)),
            )
            for month in YEAR
        ]
        for indicator in indicators
    }
