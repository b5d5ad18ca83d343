"""The data file (``data.xlsx``): a unit's period in the import layout, built from the schema.

Every column of :data:`~indicators.exchange.schema.SHEETS` is written, so importing the file
into an empty database rebuilds every row it holds, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators import tree
from indicators.core.periods import Period
from indicators.exchange.schema import SHEETS
from indicators.models import Area, Authority, Figure, Indicator, Target, Unit


@dataclass(frozen=True)
class DataExport:
    """Rows of each import sheet (see ``schema.SHEETS``), as plain values by column name."""

    sheets: dict[str, list[dict[str, object]]]


def period_data(*, unit: Unit, period: Period) -> DataExport:
    """Everything needed to rebuild ``unit``'s period summary elsewhere, in the import format.

    Holds the unit with its ancestors and every unit under it, their figures for the period's
    months in the period's year and the year before (for "cùng kỳ"), the targets of the period's
    year, and the whole catalogue (areas, authorities, indicators, inactive ones included: the
    catalogue is shared by every unit, and an inactive indicator keeps its figures).
    """
    units_tree = tree.current()
    members = units_tree.subtree_ids(unit.id)
    wanted = [*units_tree.ancestor_ids(unit.id), *members]
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
            Unit.objects.filter(id__in=wanted).select_related("parent"), wanted
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


def _parents_first(units, order: list[int]) -> list[Unit]:
    """``units`` in ``order``, each parent before its children (as people read a tree)."""
    units = list(units)
    by_id = {u.id: u for u in units}
    return [by_id[unit_id] for unit_id in tree.UnitTree.of(units).parents_first(order)]
