"""Where an indicator is entered and how many decimals its figures may have (pure rules).

``entry_levels`` lists the unit levels (``Unit.Level`` values) whose units enter an
indicator's figures; every unit above adds them up. An empty list means every level, which is
what an indicator imported without the column gets.

``decimal_places`` is the number of decimals a figure may have; None on the indicator means
"the default of its unit": 0 for counts (households, cases, works, dossiers, …), otherwise the
storage's own 4.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

STORED_DECIMAL_PLACES = 4  # what Figure and Target keep (DecimalField decimal_places=4)

# Units of measure whose figures are whole things: nobody has 1,5 households.
COUNT_UNITS = frozenset(
    {
        "hộ",
        "vụ",
        "công trình",
        "hồ sơ",
        "tổ",
        "người",
        "lượt",
        "trường hợp",
        "đơn",
        "cơ sở",
        "doanh nghiệp",
        "con",
        "cái",
        "chiếc",
        "mô hình",
    }
)


def enters(entry_levels: Sequence[str], level: str) -> bool:
    """Does a unit at ``level`` enter an indicator with these ``entry_levels``?"""
    return not entry_levels or level in entry_levels


def parse_levels(text: str, *, known: Iterable[str]) -> list[str]:
    """``"ward, commune"`` → ``["ward", "commune"]``; raises ValueError naming an unknown level."""
    known = list(known)
    levels = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [level for level in levels if level not in known]
    if unknown:
        raise ValueError(unknown[0])
    return list(dict.fromkeys(levels))


def default_decimal_places(unit: str) -> int:
    """0 for a count (its unit of measure is one of :data:`COUNT_UNITS`), otherwise 4."""
    return 0 if unit.strip().lower() in COUNT_UNITS else STORED_DECIMAL_PLACES


def decimals_of(value: Decimal) -> int:
    """How many decimals ``value`` really has: 1,50 has one, 2 and 2,000 none."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
