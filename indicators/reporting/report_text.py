"""The generated report text: the sentences an official pastes into the written report.

Sentences follow the seed report's own form (Chánh Lộ, 9 months of 2023), for example::

    Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng,
    bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08%
    chỉ tiêu HĐND phường giao.

    Dịch vụ công trực tuyến đạt 64,1%; Thanh toán trực tuyến đạt 13,66%; …

Every number comes already computed from :mod:`indicators.reporting.selectors` and is only formatted
here, in the active language's form. "ước đạt" is written when an estimate contributes to the
figure, "đạt" otherwise. The comparison with the same period last year is the change
("tăng/giảm X% so với cùng kỳ"), never mixed with the ratio ("bằng X% so với cùng kỳ").

How each kind of indicator is written:

- ``sum`` (a flow): "<name> <period> [ước] đạt <actual>/<target>, bằng X% <authority> và …",
  then its own sentence "<name> tăng/giảm X% so với cùng kỳ năm <year - 1>." A flow where lower
  is better (cases of encroachment) reads "<name> <period>: [ước] <actual>.";
- ``level`` (a count at a date): "<name> đến tháng M/YYYY [ước] là <actual>, bằng X%
  <authority> (<target>)", then the change over last year as its own sentence;
- ``reported`` rates of one area: one sentence "A đạt x%; B đạt y%; …" as the seed writes them,
  then "Cùng kỳ năm <year - 1>: A x%; B y%." when last year is known;
- ``ratio`` rates: "<name> <period> [ước] đạt x%, bằng X% <authority> (y%), cùng kỳ năm
  <year - 1> đạt z%."

Rows without a figure for the period (or a parent's reported rate that cannot be computed from
its children) are left out: the text states only what is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.utils.translation import gettext as _

from indicators.core.numbers import format_number, format_percent
from indicators.core.periods import Period
from indicators.models import Indicator
from indicators.reporting.selectors import IndicatorRow


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


def with_unit(value: Decimal | None, indicator: Indicator, *, places: int | None = None) -> str:
    """6021447000 → "6.021.447.000 đồng"; a percentage → "64,1%".

    ``places`` rounds an amount half-up to at most that many decimals (a computed share of a
    target, say); None shows every decimal a figure has.
    """
    if indicator.is_percentage:
        return format_percent(value)
    return f"{format_number(value, places=places)} {indicator.display_unit}"


def change_words(change: Decimal | None) -> str:
    """A change in percent as words: 9,68 → "tăng 9,68%", -25 → "giảm 25%", 0 → "không đổi"."""
    if change is None:
        return ""
    if change > 0:
        return _("tăng %(percent)s") % {"percent": format_percent(change)}
    if change < 0:
        return _("giảm %(percent)s") % {"percent": format_percent(-change)}
    return _("không đổi")


def _name(row: IndicatorRow) -> str:
    return row.indicator.display_short_name


def _reached(row: IndicatorRow) -> str:
    return _("ước đạt") if row.is_estimate else _("đạt")


def _period_words(period: Period) -> str:
    """ "9 tháng đầu năm", "Quý III"; a whole year names itself: "năm 2023"."""
    return period.label() if period.kind == "year" else period.phrase()


def _change_sentence(row: IndicatorRow, period: Period) -> list[str]:
    """The change, not the ratio: "<name> tăng 8,31% so với cùng kỳ năm 2022."

    Left out when this year's figures stop at an earlier month than last year's (a year still
    running against a complete one): the two would not cover the same months.
    """
    change = row.change_percent
    if change is None or row.current.last_month < row.previous.last_month:
        return []
    values = {"name": _name(row), "percent": format_percent(abs(change)), "year": period.year - 1}
    if change > 0:
        return [_("%(name)s tăng %(percent)s so với cùng kỳ năm %(year)d.") % values]
    if change < 0:
        return [_("%(name)s giảm %(percent)s so với cùng kỳ năm %(year)d.") % values]
    return [_("%(name)s bằng cùng kỳ năm %(year)d.") % values]


def _flow_sentences(row: IndicatorRow, period: Period) -> list[str]:
    indicator = row.indicator
    actual = with_unit(row.actual, indicator)
    values = {"name": _name(row), "period": _period_words(period), "actual": actual}
    if indicator.direction == Indicator.Direction.DOWN and not row.targets:
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

    A target of zero has no percentage and is left out.
    """
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
    if row.previous.actual is not None:
        previous = _(", cùng kỳ năm %(year)d đạt %(previous)s") % {
            "year": period.year - 1,
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
    known = [row for row in rows if row.previous.actual is not None]
    if known:
        earlier = "; ".join(
            _("%(name)s %(previous)s")
            % {"name": _name(row), "previous": format_percent(row.previous.actual)}
            for row in known
        )
        sentences.append(
            _("Cùng kỳ năm %(year)d: %(values)s.") % {"year": period.year - 1, "values": earlier}
        )
    return sentences
