"""Reads for the Excel exports: everything a period workbook shows, gathered in a few queries.

The numbers come from :mod:`.selectors` (``summaries`` for the rows, ``unit_totals``
and ``combine`` for the months), so a workbook, the period page and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from indicators.approval import approval_state
from indicators.core.periods import Period
from indicators.models import Area, Authority, Figure, Indicator, PeriodReport, Target, Unit
from indicators.reporting.selectors import (
    Aggregate,
    IndicatorRow,
    ancestors,
    child_units,
    monthly_series_of,
    subtree_ids,
    summaries,
)


@dataclass(frozen=True)
class MonthlyRow:
    """One indicator month by month over a period, for ``unit`` with everything under it."""

    indicator: Indicator
    months: list[tuple[int, Aggregate]]  # (month 1–12, that month alone), in the period's order
    total: Aggregate  # the whole period, as the summary row computes it


@dataclass(frozen=True)
class ChildSummary:
    unit: Unit
    rows: list[IndicatorRow]


@dataclass(frozen=True)
class PeriodExport:
    """What a period workbook holds. ``children`` is empty unless ``unit`` has child units."""

    unit: Unit
    period: Period
    rows: list[IndicatorRow]  # the unit's own period summary (everything under it included)
    monthly: list[MonthlyRow]
    report: PeriodReport | None  # the written sections, when someone wrote them
    paragraphs: list[str]  # the generated report text
    made_on: date
    parent: Unit | None = None
    approval: str = "provisional"  # approved, submitted or provisional: approval.approval_state
    children: list[ChildSummary] = field(default_factory=list)

    @property
    def is_consolidated(self) -> bool:
        return bool(self.children)


def monthly_rows(*, unit: Unit, period: Period, rows: list[IndicatorRow]) -> list[MonthlyRow]:
    """Each summary row's indicator month by month, from ``selectors.monthly_series_of`` (the
    same month figures the pages chart), with the row's own period total."""
    series = monthly_series_of(
        unit=unit, indicators=[row.indicator for row in rows], years=[period.year]
    )
    return [
        MonthlyRow(
            indicator=row.indicator,
            months=[
                (point.month, point.month_value)
                for point in series[(row.indicator.id, period.year)]
                if point.month in period.months
            ],
            total=row.current,
        )
        for row in rows
    ]


def period_export(*, unit: Unit, period: Period, made_on: date | None = None) -> PeriodExport:
    """Gather a unit's period workbook; with child units, their summaries too (same queries)."""
    from indicators.reporting.report_text import report_paragraphs

    children = child_units(unit)
    by_unit = summaries(units=[unit, *children], period=period)
    rows = by_unit[unit.id]
    report = PeriodReport.objects.filter(unit=unit, year=period.year, period=period.key).first()
    return PeriodExport(
        unit=unit,
        period=period,
        rows=rows,
        monthly=monthly_rows(unit=unit, period=period, rows=rows),
        report=report,
        paragraphs=report_paragraphs(rows=rows, period=period),
        made_on=made_on or timezone.localdate(),
        parent=unit.parent,
        approval=approval_state(unit, period),
        children=[ChildSummary(unit=child, rows=by_unit[child.id]) for child in children],
    )


# --- The machine-readable companion: the import format -----------------------------------


@dataclass(frozen=True)
class DataExport:
    """Rows of each import sheet (see ``workbook_import.SHEETS``), as plain values."""

    sheets: dict[str, list[dict[str, object]]]


def period_data(*, unit: Unit, period: Period) -> DataExport:
    """Everything needed to rebuild ``unit``'s period summary elsewhere, in the import format.

    Holds the unit with its ancestors and every unit under it, their figures for the period's
    months in the period's year and the year before (for "cùng kỳ"), the targets of the period's
    year, the catalogue rows those refer to and every active one, and the authorities.
    """
    members = subtree_ids(unit)
    chain = ancestors(unit)
    units = chain + list(
        Unit.objects.filter(id__in=list(members)).select_related("parent").order_by("id")
    )
    units = _parents_first(units)
    figures = list(
        Figure.objects.filter(
            unit_id__in=list(members),
            year__in=(period.year - 1, period.year),
            month__gte=period.first_month,
            month__lte=period.last_month,
        )
        .select_related("unit", "indicator")
        .order_by("year", "month", "unit__code", "indicator__code")
    )
    targets = list(
        Target.objects.filter(unit_id__in=list(members), year=period.year)
        .select_related("unit", "indicator", "authority")
        .order_by("unit__code", "indicator__code", "authority__code")
    )
    indicator_ids = {f.indicator_id for f in figures} | {t.indicator_id for t in targets}
    # Every active indicator has its row in the summary, reported or not ("chưa có số liệu"),
    # so the catalogue rows travel too and the summary reads the same after an import.
    indicators = list(
        Indicator.objects.filter(Q(id__in=indicator_ids) | Q(is_active=True)).select_related("area")
    )
    areas = Area.objects.filter(id__in={i.area_id for i in indicators})
    authorities = Authority.objects.filter(id__in={t.authority_id for t in targets})
    return DataExport(
        sheets={
            "areas": [{"code": a.code, "name": a.name, "order": a.order} for a in areas],
            "authorities": [
                {
                    "code": a.code,
                    "name": a.name,
                    "report_phrase": a.report_phrase,
                    "order": a.order,
                }
                for a in authorities
            ],
            "units": [
                {
                    "code": u.code,
                    "name": u.name,
                    "level": u.level,
                    "parent": u.parent.code if u.parent else "",
                    "order": u.order,
                }
                for u in units
            ],
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "unit": i.unit,
                    "kind": i.kind,
                    "direction": i.direction,
                    "area": i.area.code,
                    "short_name": i.short_name,
                    "numerator_label": i.numerator_label,
                    "denominator_label": i.denominator_label,
                    "order": i.order,
                }
                for i in indicators
            ],
            "targets": [
                {
                    "unit": t.unit.code,
                    "indicator": t.indicator.code,
                    "year": t.year,
                    "authority": t.authority.code,
                    "value": t.value,
                    "basis": t.basis,
                }
                for t in targets
            ],
            "figures": [
                {
                    "unit": f.unit.code,
                    "indicator": f.indicator.code,
                    "year": f.year,
                    "month": f.month,
                    "value": f.value,
                    "numerator": f.numerator,
                    "denominator": f.denominator,
                    "status": f.status,
                }
                for f in figures
            ],
        }
    )


def _parents_first(units: list[Unit]) -> list[Unit]:
    """Units ordered so that each parent comes before its children (as people read a tree)."""
    by_id = {u.id: u for u in units}
    ordered, seen = [], set()

    def place(unit: Unit) -> None:
        if unit.id in seen:
            return
        if unit.parent_id in by_id:
            place(by_id[unit.parent_id])
        seen.add(unit.id)
        ordered.append(unit)

    for unit in units:
        place(unit)
    return ordered
