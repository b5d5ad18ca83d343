"""The generated report text: the sentences an official pastes into the written report.

Sentences follow the seed report's own form (Chánh Lộ, 9 months of 2023), for example::

    Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng,
    bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08%
    chỉ tiêu HĐND phường giao.

    Dịch vụ công trực tuyến đạt 64,1%; Thanh toán trực tuyến đạt 13,66%; …

Every number comes already computed from :mod:`indicators.reporting.selectors` and is only formatted
here, in the active language's form. "ước đạt" is written when an estimate contributes to the
figure, "đạt" otherwise. The comparison with the same period last year is the change
("tăng/giảm X% so với cùng kỳ"), never mixed with the ratio ("bằng X% so với cùng kỳ"); a rate
changes in percentage points ("tăng 25,5 điểm phần trăm"). Every comparison names the months
it covers, last year's months up to this year's last month ("so với cùng kỳ 9 tháng năm
2022"). A target of an indicator where lower is better is a ceiling, kept or exceeded ("38 hộ,
không vượt chỉ tiêu HĐND phường giao (40 hộ)"), never "bằng 95% chỉ tiêu".

How each kind of indicator is written:

- ``sum`` (a flow): "<name> <period> [ước] đạt <actual>/<target>, bằng X% <authority> và …",
  then its own sentence "<name> tăng/giảm X% so với cùng kỳ <months>." A flow where lower
  is better (cases of encroachment) reads "<name> <period>: [ước] <actual>[, không vượt
  <authority> (<target>)].";
- ``level`` (a count at a date): "<name> đến tháng M/YYYY [ước] là <actual>, bằng X%
  <authority> (<target>)", then the change over last year as its own sentence;
- ``reported`` rates of one area: one sentence "A đạt x%; B đạt y%; …" as the seed writes them,
  then "So với cùng kỳ <months>: A tăng p điểm phần trăm (x%); …" when last year is known;
- ``ratio`` rates: "<name> <period> [ước] đạt x%, bằng X% <authority> (y%), tăng p điểm phần
  trăm so với cùng kỳ <months> (z%)."

Rows without a figure for the period (or a parent's reported rate that cannot be computed from
its children) are left out: the text states only what is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.utils.translation import gettext as _

from indicators.core.numbers import format_percent
from indicators.core.periods import Period
from indicators.models import Indicator
from indicators.reporting.selectors import IndicatorRow, TargetResult
from indicators.reporting.wording import (
    change_words,
    compared_words,
    points_words,
    with_unit,
)


@dataclass(frozen=True)
class ReportSection:
    """The sentences of one area (budget revenue, e-government, …), in catalogue order."""

    area_name: str
    sentences: list[str]


def report_paragraphs(*, rows: list[IndicatorRow], period: Period) -> list[str]:
    """The report's sentences in catalogue order, one self-contained sentence per item.

    ``rows`` are the summary rows of one unit and period (``selectors.period_summary``).
    """
    return [
        sentence
        for section in report_sections(rows=rows, period=period)
        for sentence in section.sentences
    ]


def report_sections(*, rows: list[IndicatorRow], period: Period) -> list[ReportSection]:
    """The same sentences grouped by area, for a page that shows the area's name."""
    known = [row for row in rows if row.current.actual is not None]
    sections = []
    for _area_id, area_rows in groupby(known, key=lambda row: row.indicator.area_id):
        area_rows = list(area_rows)
        sentences: list[str] = []
        # Consecutive reported rates of an area make one sentence, as the seed writes them.
        for is_reported, run in groupby(
            area_rows, key=lambda row: row.indicator.kind == Indicator.Kind.REPORTED
        ):
            if is_reported:
                sentences += _reported_sentences(list(run), period)
                continue
            for row in run:
                sentences += _sentences(row, period)
        sections.append(
            ReportSection(area_name=area_rows[0].indicator.area.display_name, sentences=sentences)
        )
    return sections


def _sentences(row: IndicatorRow, period: Period) -> list[str]:
    sentences = _kind_sentences(row, period)
    if row.lineage_note and sentences:  # said once, after the row's last sentence
        sentences[-1] = sentences[-1].removesuffix(".") + f" ({row.lineage_note})."
    return sentences


def _kind_sentences(row: IndicatorRow, period: Period) -> list[str]:
    if row.indicator.kind == Indicator.Kind.SUM:
        return _flow_sentences(row, period)
    if row.indicator.kind == Indicator.Kind.LEVEL:
        return _level_sentences(row, period)
    return [_ratio_sentence(row, period)]


# --- Pieces ---------------------------------------------------------------------------------


def comparison_words(row: IndicatorRow) -> str:
    """The row's comparison with last year as the page states it: "tăng 9,68% so với cùng kỳ
    9 tháng năm 2022"; a rate in points; "" without both figures."""
    if row.indicator.is_percentage:
        change = points_words(row.change_points)
    else:
        change = change_words(row.change_percent)
    if not change:
        return ""
    return _("%(change)s so với %(compared)s") % {"change": change, "compared": compared_words(row)}


def ceiling_words(target: TargetResult) -> str:
    """A ceiling's target kept or exceeded: "không vượt chỉ tiêu HĐND phường giao"; "" for a
    target that is not a ceiling, or without an actual."""
    if target.exceeded is None:
        return ""
    if target.exceeded:
        return _("vượt %(phrase)s") % {"phrase": target.report_phrase}
    return _("không vượt %(phrase)s") % {"phrase": target.report_phrase}


def _name(row: IndicatorRow) -> str:
    return row.indicator.display_short_name


def _reached(row: IndicatorRow) -> str:
    return _("ước đạt") if row.is_estimate else _("đạt")


def _period_words(period: Period) -> str:
    """ "9 tháng đầu năm", "Quý III"; a whole year names itself: "năm 2023"."""
    return period.label() if period.kind == "year" else period.phrase()


def _change_sentence(row: IndicatorRow, period: Period) -> list[str]:
    """The change, not the ratio: "<name> tăng 8,31% so với cùng kỳ 9 tháng năm 2022."

    Last year's figure covers the same months as this year's (``row.previous_months``), so a
    year still running is compared with the same months of a complete one.
    """
    change = row.change_percent
    if change is None:
        return []
    values = {
        "name": _name(row),
        "percent": format_percent(abs(change)),
        "compared": compared_words(row),
    }
    if change > 0:
        return [_("%(name)s tăng %(percent)s so với %(compared)s.") % values]
    if change < 0:
        return [_("%(name)s giảm %(percent)s so với %(compared)s.") % values]
    return [_("%(name)s bằng %(compared)s.") % values]


def _flow_sentences(row: IndicatorRow, period: Period) -> list[str]:
    indicator = row.indicator
    actual = with_unit(row.actual, indicator)
    values = {"name": _name(row), "period": _period_words(period), "actual": actual}
    if row.is_ceiling:
        # A ceiling is kept or exceeded, not "reached": "… 9 tháng đầu năm: ước 32 vụ, không
        # vượt chỉ tiêu HĐND phường giao (40 vụ)."
        values["actual"] += _target_values(row)
        if row.is_estimate:
            sentence = _("%(name)s %(period)s: ước %(actual)s.") % values
        else:
            sentence = _("%(name)s %(period)s: %(actual)s.") % values
        return [sentence, *_change_sentence(row, period)]
    if not row.targets:
        sentence = _("%(name)s %(period)s %(reached)s %(actual)s.") % {
            **values,
            "reached": _reached(row),
        }
        return [sentence, *_change_sentence(row, period)]
    clauses = []
    for position, target in enumerate(row.targets):
        clause_values = {
            "actual": actual,
            "target": with_unit(target.value, indicator),
            "percent": format_percent(target.percent),
            "phrase": target.report_phrase,
        }
        if position == 0:
            # The seed's own punctuation: a comma before the first "bằng", none after "và".
            clauses.append(_("%(actual)s/%(target)s, bằng %(percent)s %(phrase)s") % clause_values)
        else:
            clauses.append(
                _("và %(actual)s/%(target)s bằng %(percent)s %(phrase)s") % clause_values
            )
    sentence = _("%(name)s %(period)s %(reached)s %(comparisons)s.") % {
        "name": _name(row),
        "period": _period_words(period),
        "reached": _reached(row),
        "comparisons": " ".join(clauses),
    }
    return [sentence, *_change_sentence(row, period)]


def _target_values(row: IndicatorRow) -> str:
    """ ", bằng 95% chỉ tiêu HĐND phường giao (40 hộ)" for each target, or "".

    A ceiling's target reads ", không vượt chỉ tiêu HĐND phường giao (40 hộ)" (or "vượt"). A
    target of zero has no percentage and is left out (a ceiling's is kept, or exceeded).
    """
    if row.is_ceiling:
        return "".join(
            _(", %(words)s (%(target)s)")
            % {"words": ceiling_words(target), "target": with_unit(target.value, row.indicator)}
            for target in row.targets
            if target.exceeded is not None
        )
    return "".join(
        _(", bằng %(percent)s %(phrase)s (%(target)s)")
        % {
            "percent": format_percent(target.percent),
            "phrase": target.report_phrase,
            "target": with_unit(target.value, row.indicator),
        }
        for target in row.targets
        if target.percent is not None
    )


def _level_sentences(row: IndicatorRow, period: Period) -> list[str]:
    values = {
        "name": _name(row),
        "month": row.current.last_month,
        "year": period.year,
        "actual": with_unit(row.actual, row.indicator),
        "targets": _target_values(row),
    }
    if row.is_estimate:
        sentence = _("%(name)s đến tháng %(month)d/%(year)d ước là %(actual)s%(targets)s.") % values
    else:
        sentence = _("%(name)s đến tháng %(month)d/%(year)d là %(actual)s%(targets)s.") % values
    return [sentence, *_change_sentence(row, period)]


def _ratio_sentence(row: IndicatorRow, period: Period) -> str:
    previous = ""
    if row.change_points is not None:
        previous = _(", %(comparison)s (%(previous)s)") % {
            "comparison": comparison_words(row),
            "previous": format_percent(row.previous.actual),
        }
    return _("%(name)s %(period)s %(reached)s %(actual)s%(targets)s%(previous)s.") % {
        "name": _name(row),
        "period": _period_words(period),
        "reached": _reached(row),
        "actual": format_percent(row.actual),
        "targets": _target_values(row),
        "previous": previous,
    }


def _reported_sentences(rows: list[IndicatorRow], period: Period) -> list[str]:
    """The seed's e-government sentence, "Dịch vụ công trực tuyến đạt 64,1%; …"."""
    parts = [
        _("%(name)s %(reached)s %(actual)s")
        % {"name": _name(row), "reached": _reached(row), "actual": format_percent(row.actual)}
        for row in rows
    ]
    sentences = ["; ".join(parts) + "."]
    known = [row for row in rows if row.change_points is not None]
    # One sentence per run of rates compared over the same months (usually all of them).
    for _months, run in groupby(known, key=lambda row: row.previous_months):
        run = list(run)
        changes = "; ".join(
            _("%(name)s %(change)s (%(previous)s)")
            % {
                "name": _name(row),
                "change": points_words(row.change_points),
                "previous": format_percent(row.previous.actual),
            }
            for row in run
        )
        sentences.append(
            _("So với %(compared)s: %(changes)s.")
            % {"compared": compared_words(run[0]), "changes": changes}
        )
    return sentences
