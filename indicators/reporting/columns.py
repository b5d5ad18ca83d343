"""The columns of a period summary, shared by the page's table and the Excel export.

A page and its export must never disagree, so both build their columns from this one list;
each column reads an already-computed value from an :class:`~.selectors.IndicatorRow`
and says how it is formatted. Nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from indicators.reporting.selectors import IndicatorRow
from indicators.reporting.wording import months_words


@dataclass(frozen=True)
class Column:
    key: str  # stable identifier, used as the table column name and in tests
    header: str  # what the reader sees (lazily translated)
    value: Callable[[IndicatorRow], Decimal | str | None]
    # "text", "amount" (in the indicator's unit), "percent" (0–100, shown with %), "points"
    # (a rate's change in percentage points, signed)
    format: str
    # Words shown in the cell instead of the number where they are not empty: "Chưa có số
    # liệu" for a missing actual, "Không vượt chỉ tiêu" for a ceiling's completion.
    text: Callable[[IndicatorRow], str] | None = None


@dataclass(frozen=True)
class AuthorityHeader:
    code: str
    name: str


def authorities_of(rows: list[IndicatorRow]) -> list[AuthorityHeader]:
    """The authorities that set a target for any row, in their catalogue order."""
    seen: dict[str, AuthorityHeader] = {}
    for row in rows:
        for target in row.targets:
            seen.setdefault(
                target.authority_code, AuthorityHeader(target.authority_code, target.authority_name)
            )
    return list(seen.values())


def _target_value(code: str):
    def read(row: IndicatorRow) -> Decimal | None:
        return next((t.value for t in row.targets if t.authority_code == code), None)

    return read


def _target_percent(code: str):
    def read(row: IndicatorRow) -> Decimal | None:
        return next((t.percent for t in row.targets if t.authority_code == code), None)

    return read


def _ceiling_text(code: str):
    """A ceiling is kept or exceeded; its completion is not an achievement."""

    def read(row: IndicatorRow) -> str:
        target = next((t for t in row.targets if t.authority_code == code), None)
        if target is None or target.exceeded is None:
            return ""
        return str(_("Vượt chỉ tiêu") if target.exceeded else _("Không vượt chỉ tiêu"))

    return read


def _missing_text(row: IndicatorRow) -> str:
    if row.current.has_data or row.current.not_aggregable:
        return ""
    return str(_("Chưa có số liệu"))


def _compared_months(row: IndicatorRow) -> str:
    if row.previous_months is None:
        return ""
    return months_words(*row.previous_months, row.period.year - 1)


def _relative_change(row: IndicatorRow) -> Decimal | None:
    # A rate is compared in points (the next column), never as a ratio of two rates.
    return None if row.indicator.is_percentage else row.yoy_percent


def summary_columns(authorities: list[AuthorityHeader]) -> list[Column]:
    """Indicator, unit, actual, then target and completion per authority, then last year: its
    figure, the months it covers, the ratio (flows and levels) and the points (rates)."""
    columns = [
        Column("indicator", _("Chỉ tiêu"), lambda r: r.indicator.display_name, "text"),
        Column("unit", _("Đơn vị tính"), lambda r: r.indicator.display_unit, "text"),
        Column("actual", _("Thực hiện"), lambda r: r.current.actual, "amount", _missing_text),
    ]
    for authority in authorities:
        columns += [
            Column(
                f"target_{authority.code}",
                _("Chỉ tiêu năm — %(authority)s") % {"authority": authority.name},
                _target_value(authority.code),
                "amount",
            ),
            Column(
                f"percent_{authority.code}",
                _("%% thực hiện — %(authority)s") % {"authority": authority.name},
                _target_percent(authority.code),
                "percent",
                _ceiling_text(authority.code),
            ),
        ]
    columns += [
        Column("previous", _("Cùng kỳ năm trước"), lambda r: r.previous.actual, "amount"),
        Column("previous_months", _("Kỳ so sánh"), _compared_months, "text"),
        Column("yoy_percent", _("So với cùng kỳ (%)"), _relative_change, "percent"),
        Column("change_points", _("So với cùng kỳ (điểm %)"), lambda r: r.change_points, "points"),
    ]
    return columns
