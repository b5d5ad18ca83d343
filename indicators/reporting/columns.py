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


@dataclass(frozen=True)
class Column:
    key: str  # stable identifier, used as the table column name and in tests
    header: str  # what the reader sees (lazily translated)
    value: Callable[[IndicatorRow], Decimal | str | None]
    format: str  # "text", "amount" (in the indicator's unit), "percent" (0–100, shown with %)


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


def summary_columns(authorities: list[AuthorityHeader]) -> list[Column]:
    """Indicator, unit, actual, then target and completion per authority, then last year."""
    columns = [
        Column("indicator", _("Chỉ tiêu"), lambda r: r.indicator.display_name, "text"),
        Column("unit", _("Đơn vị tính"), lambda r: r.indicator.display_unit, "text"),
        Column("actual", _("Thực hiện"), lambda r: r.current.actual, "amount"),
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
            ),
        ]
    columns += [
        Column("previous", _("Cùng kỳ năm trước"), lambda r: r.previous.actual, "amount"),
        Column("yoy_percent", _("So với cùng kỳ (%)"), lambda r: r.yoy_percent, "percent"),
    ]
    return columns
