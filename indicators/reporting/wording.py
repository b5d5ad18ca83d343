"""Numbers and comparisons in words, shared by the report text, the tables and the charts.

"6.021.447.000 đồng", "tăng 9,68%", "tăng 25,5 điểm phần trăm", "cùng kỳ 9 tháng năm 2022":
one wording everywhere, so the page, the sentence and a chart's hover never say it two ways.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from indicators.core.numbers import format_number, format_percent
from indicators.core.periods import ROMAN_QUARTERS
from indicators.models import Indicator
from indicators.reporting.selectors import IndicatorRow


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


def points_words(points: Decimal | None) -> str:
    """A rate's change in percentage points: 25,5 → "tăng 25,5 điểm phần trăm", 0 → "không đổi"."""
    if points is None:
        return ""
    if points > 0:
        return _("tăng %(points)s điểm phần trăm") % {"points": format_number(points, places=2)}
    if points < 0:
        return _("giảm %(points)s điểm phần trăm") % {"points": format_number(-points, places=2)}
    return _("không đổi")


def format_points(points: Decimal | None) -> str:
    """Points with their sign, as a table shows them: 25,5 → "+25,5", -3,25 → "−3,25"."""
    if points is None:
        return ""
    text = format_number(abs(points), places=2)
    if points > 0:
        return f"+{text}"
    return f"−{text}" if points < 0 else text


def months_words(first: int, last: int, year: int) -> str:
    """Months of one year, as a comparison names them: (1, 9, 2022) → "9 tháng năm 2022";
    (1, 12) → "năm 2022"; (9, 9) → "tháng 9 năm 2022"; (7, 9) → "Quý III năm 2022";
    (7, 8) → "tháng 7–8 năm 2022". Both ends inclusive."""
    values = {"first": first, "last": last, "year": year}
    if (first, last) == (1, 12):
        return _("năm %(year)d") % values
    if first == last:
        return _("tháng %(first)d năm %(year)d") % values
    if first == 1:
        return _("%(last)d tháng năm %(year)d") % values
    if first % 3 == 1 and last == first + 2:
        quarter = ROMAN_QUARTERS[last // 3]
        return _("Quý %(quarter)s năm %(year)d") % {**values, "quarter": quarter}
    return _("tháng %(first)d–%(last)d năm %(year)d") % values


def compared_words(row: IndicatorRow) -> str:
    """The same period last year, with the months it covers: "cùng kỳ 9 tháng năm 2022"; the
    whole period when last year has no figure."""
    months = row.previous_months or (row.period.first_month, row.period.last_month)
    return _("cùng kỳ %(months)s") % {"months": months_words(*months, row.period.year - 1)}
