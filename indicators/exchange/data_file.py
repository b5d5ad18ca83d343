"""The data file (``data.xlsx``): a unit's period in the import layout, built from the schema.

Every column of :data:`~indicators.exchange.schema.SHEETS` is written, so importing the file
into an empty database rebuilds every row it holds, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators import tree
from indicators.core.periods import Period
from indicators.exchange.schema import SHEETS
from indicators.models import Area, Authority, Figure, Indicator, Predecessor, Target, Unit


@dataclass(frozen=True)
class DataExport:
    """Rows of each import sheet (see ``schema.SHEETS``), as plain values by column name."""

    sheets: dict[str, list[dict[str, object]]]


def period_data(*, unit: Unit, period: Period) -> DataExport:
    """Everything needed to rebuild ``unit``'s period summary elsewhere, in the import format.

    Holds the unit with its ancestors and every unit under it, their figures for the period's
    months in the period's year and the year before (for "cùng kỳ"), the targets of the period's
    year, and the whole catalogue (areas, authorities, indicators, inactive ones included: the
    catalogue is shared by every unit, and an inactive indicator keeps its figures). The units
    ``unit`` and those under it were formed from come too, with their figures, so that the
    lineage and "cùng kỳ" over the new territory survive a round trip.
    """
    units_tree = tree.current()
    members = units_tree.subtree_ids(unit.id)
    wanted = [*units_tree.ancestor_ids(unit.id), *members]
    # The units it was formed from (and theirs), with their figures: "cùng kỳ" over the new
    # territory is computed from them, and a round trip keeps the lineage.
    for former in _formed_from(members):
        wanted += [*units_tree.ancestor_ids(former), *units_tree.subtree_ids(former)]
        members += units_tree.subtree_ids(former)
    wanted, members = list(dict.fromkeys(wanted)), list(dict.fromkeys(members))
    figures = (
        Figure.objects.filter(
            unit_id__in=members,
            year__in=(period.year - 1, period.year),
            month__gte=period.first_month,
            month__lte=period.last_month,
        )
        .select_related("unit", "indicator")
        .order_by("year", "month", "unit__code", "indicator__code")
    )
    targets = (
        Target.objects.filter(unit_id__in=members, year=period.year)
        .select_related("unit", "indicator", "authority")
        .order_by("unit__code", "indicator__code", "authority__code")
    )
    rows = {
        "areas": Area.objects.order_by("order", "code"),
        "authorities": Authority.objects.order_by("order", "code"),
        "units": _parents_first(
            Unit.objects.filter(id__in=wanted)
            .select_related("parent")
            .prefetch_related("predecessor_links__predecessor"),
            wanted,
        ),
        "indicators": Indicator.objects.select_related("area").order_by(
            "area__order", "area__code", "order", "code"
        ),
        "targets": targets,
        "figures": figures,
    }
    return DataExport(
        sheets={key: [SHEETS[key].export(row) for row in rows[key]] for key in SHEETS}
    )


def _formed_from(unit_ids: list[int]) -> list[int]:
    """Every unit that ``unit_ids`` were formed from, at any remove (one query per remove)."""
    found: list[int] = []
    frontier = set(unit_ids)
    while frontier:
        frontier = (
            set(
                Predecessor.objects.filter(unit_id__in=frontier).values_list(
                    "predecessor_id", flat=True
                )
            )
            - set(found)
            - set(unit_ids)
        )
        found += sorted(frontier)
    return found


def _parents_first(units, order: list[int]) -> list[Unit]:
    """``units`` in ``order``, each parent before its children (as people read a tree)."""
    units = list(units)
    by_id = {u.id: u for u in units}
    return [by_id[unit_id] for unit_id in tree.UnitTree.of(units).parents_first(order)]
