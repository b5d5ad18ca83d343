"""Reads for the Excel exports: everything a period workbook shows, gathered in a few queries.

The numbers come from :mod:`.selectors` (``summaries`` for the rows, ``unit_totals``
and ``combine`` for the months), so a workbook, the period page and the API never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from indicators.approval import approval_state
from indicators.core.periods import Period
from indicators.models import Indicator, PeriodReport, Unit
from indicators.reporting.lineage import territory_series_of
from indicators.reporting.selectors import (
    Aggregate,
    IndicatorRow,
    children_during,
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
    """Each summary row's indicator month by month, from ``lineage.territory_series_of`` (the
    same month figures the pages chart: a ward's months before the reform are its
    predecessors'), with the row's own period total."""
    series = territory_series_of(
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

    children = children_during(unit, period)
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
