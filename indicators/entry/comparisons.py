"""The figures a month's entries are compared with: the unit's last month and the same month
last year, read in one query; and the warning for an entry that differs from all of them
(:mod:`indicators.core.plausibility` holds the rule).

The grid shows both figures beside each box; :func:`services.save_month` asks
:func:`warnings_for` under its locks and refuses to write an unconfirmed warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from indicators.core.numbers import format_number
from indicators.core.plausibility import FACTOR, RATE_POINTS, is_implausible, rate_of
from indicators.models import Figure, Indicator, Unit
from indicators.reporting.wording import with_unit


def previous_month(year: int, month: int) -> tuple[int, int]:
    """(year, month) of the month before: January's is December of the year before."""
    return (year, month - 1) if month > 1 else (year - 1, 12)


def comparable(indicator: Indicator, *, value, numerator, denominator) -> Decimal | None:
    """The number a figure is compared by: a ratio's rate (percent), any other kind's value."""
    if indicator.kind == Indicator.Kind.RATIO:
        return rate_of(numerator, denominator)
    return value


@dataclass(frozen=True)
class Earlier:
    """One indicator's figures of the unit's last month and same month last year (None: none)."""

    indicator: Indicator
    last_month: Figure | None
    last_year: Figure | None

    def number(self, figure: Figure | None) -> Decimal | None:
        if figure is None:
            return None
        return comparable(
            self.indicator,
            value=figure.value,
            numerator=figure.numerator,
            denominator=figure.denominator,
        )

    def text(self, figure: Figure | None) -> str:
        """ "787.000.000 đồng", "64,1% (564/880)" for a ratio, "… (ước)" for an estimate, "—"
        when there is no figure."""
        if figure is None:
            return "—"
        shown = with_unit(self.number(figure), self.indicator)
        if self.indicator.kind == Indicator.Kind.RATIO:
            counts = f"{format_number(figure.numerator)}/{format_number(figure.denominator)}"
            shown = f"{shown} ({counts})"
        if figure.status == Figure.Status.ESTIMATE:
            shown = _("%(number)s (ước)") % {"number": shown}
        return shown

    @property
    def last_month_text(self) -> str:
        return self.text(self.last_month)

    @property
    def last_year_text(self) -> str:
        return self.text(self.last_year)

    def warning(self, *, value, numerator, denominator) -> str:
        """Why the typed figure looks wrong next to both earlier figures, or "" if it does not."""
        typed = comparable(
            self.indicator, value=value, numerator=numerator, denominator=denominator
        )
        is_rate = self.indicator.is_percentage
        earlier = [self.number(self.last_month), self.number(self.last_year)]
        if not is_implausible(typed, earlier, is_rate=is_rate):
            return ""
        names = {
            "name": self.indicator.display_name,
            "typed": with_unit(typed, self.indicator),
            "compared": "; ".join(
                f"{label} {figure}"
                for label, figure, number in (
                    (_("tháng trước"), self.last_month_text, earlier[0]),
                    (_("cùng kỳ năm trước"), self.last_year_text, earlier[1]),
                )
                if number is not None
            ),
        }
        if is_rate:
            names["points"] = RATE_POINTS
            return (
                _(
                    "“%(name)s”: %(typed)s chênh hơn %(points)s điểm phần trăm so với "
                    "%(compared)s. Kiểm tra lại; nếu đúng, đánh dấu xác nhận rồi lưu."
                )
                % names
            )
        names["factor"] = FACTOR
        return (
            _(
                "“%(name)s”: %(typed)s khác hơn %(factor)s lần so với %(compared)s "
                "(thừa hoặc thiếu một chữ số 0?). Kiểm tra lại; nếu đúng, đánh dấu xác nhận "
                "rồi lưu."
            )
            % names
        )


def earlier_figures(
    *, unit: Unit, year: int, month: int, indicators: Iterable[Indicator]
) -> dict[int, Earlier]:
    """Indicator id → its :class:`Earlier` figures for ``unit``'s month, for each of
    ``indicators``. One query, whatever the number of indicators."""
    indicators = list(indicators)
    last = previous_month(year, month)
    figures = Figure.objects.filter(
        Q(year=last[0], month=last[1]) | Q(year=year - 1, month=month),
        unit=unit,
        indicator__in=[i.id for i in indicators],
    )
    by_month: dict[tuple[int, int, int], Figure] = {
        (f.indicator_id, f.year, f.month): f for f in figures
    }
    return {
        i.id: Earlier(
            indicator=i,
            last_month=by_month.get((i.id, *last)),
            last_year=by_month.get((i.id, year - 1, month)),
        )
        for i in indicators
    }
