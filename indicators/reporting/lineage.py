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
from indicators.models import Indicator, Unit
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
    indicators = list(indicators)
    pieces = _pieces(unit, year, months)
    units_tree = tree.current()
    per_piece: list[tuple[Piece, dict]] = []
    for piece in pieces:
        if not piece.months:
            continue
        unit_ids = units_tree.subtree_ids(piece.unit_id)
        months = range(min(piece.months), max(piece.months) + 1)
        grouped = selectors._grouped_totals(
            unit_ids=unit_ids,
            year=year,
            first_month=months.start,
            cutoffs=[months.stop - 1],
            points=selectors._point_values(unit_ids=unit_ids, years=[year], months=months),
        )
        per_piece.append((piece, grouped))
    borrowed = any(not piece.own for piece, _grouped in per_piece)
    result = {}
    for indicator in indicators:
        parts = [
            (piece, [t for (i, _u, _cutoff), t in grouped.items() if i == indicator.id])
            for piece, grouped in per_piece
        ]
        aggregate = _combine(indicator.kind, parts, own_unit_id=unit.id)
        result[indicator.id] = replace(aggregate, over_new_territory=borrowed)
    return result


def _pieces(unit: Unit, year: int, months: range) -> list[Piece]:
    """The units and months that make up ``unit``'s territory over ``months``."""
    units_tree = tree.current()
    found: list[Piece] = []
    frontier = [(unit, months, Decimal(1), True, True)]
    for _remove in range(MAX_REMOVES):
        following = []
        for current, wanted, share, whole, own in frontier:
            before, mine = own_months(year, wanted, current.valid_from)
            if mine:
                found.append(Piece(current.id, mine, share, whole, own))
            if not before:
                continue
            links = units_tree.predecessors_of.get(current.id, [])
            for predecessor_id, link_share in links:
                following.append(
                    (
                        units_tree.get(predecessor_id),
                        before,
                        share * link_share,
                        whole and len(links) == 1 and link_share == 1,
                        False,
                    )
                )
        if not following:
            break
        frontier = following
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
    indicators = list(indicators)
    result: dict[int, dict[int, selectors.Aggregate]] = {}
    if formed_after_start(unit, period.year, period.months):
        result[period.year] = territory_totals(
            unit=unit, indicators=indicators, year=period.year, months=period.months
        )
    last_year = period.year - 1
    if formed_after_start(unit, last_year, period.months):
        by_cutoff: dict[int, list[Indicator]] = defaultdict(list)
        for indicator in indicators:
            cutoff = (compared_last_month or {}).get(indicator.id, period.last_month)
            by_cutoff[cutoff].append(indicator)
        result[last_year] = {}
        for cutoff, group in by_cutoff.items():
            months = range(period.first_month, cutoff + 1)
            result[last_year] |= territory_totals(
                unit=unit, indicators=group, year=last_year, months=months
            )
    return result


def any_data(reformed: dict[int, dict[int, selectors.Aggregate]], indicator: Indicator) -> bool:
    """Does :func:`reformed_aggregates` hold a figure (or a "not computable") of ``indicator``?"""
    found = [by_indicator.get(indicator.id) for by_indicator in reformed.values()]
    return any(a is not None and (a.has_data or a.not_aggregable) for a in found)
