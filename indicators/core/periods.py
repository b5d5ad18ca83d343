"""Reporting periods: the keys used in URLs and their arithmetic. No database here.

A period is a run of months inside one calendar (= budget) year:

- ``m1`` … ``m12``: one month;
- ``q1`` … ``q4``: a quarter;
- ``6m`` and ``9m``: the first 6 or 9 months, cumulative;
- ``y``: the whole year;
- ``ytd1`` … ``ytd12``: cumulative from January to month N ("lũy kế N tháng").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

MONTHS_IN_YEAR = 12
ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}

# Matched whole (fullmatch: "9m\n" is refused, where "$" would let the newline through) and
# ASCII only ("q٣", Arabic-Indic three, is not q3): a key goes into file names and headers.
_KEY_PATTERN = re.compile(
    r"m(?P<month>[1-9][0-9]?)|q(?P<quarter>[0-9])|(?P<firstn>[69])m|(?P<year>y)|ytd(?P<ytd>[1-9][0-9]?)",
    re.ASCII,
)
_YEAR_PATTERN = re.compile(r"[0-9]{4}", re.ASCII)
FIRST_YEAR, LAST_YEAR = 1900, 2100


class InvalidPeriod(ValueError):
    """A period key or year that does not name a real period."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    last_month: int
    key: str

    @property
    def months(self) -> range:
        """The months of the period, both ends inclusive."""
        return range(self.first_month, self.last_month + 1)

    @property
    def month_count(self) -> int:
        return self.last_month - self.first_month + 1

    @property
    def is_cumulative(self) -> bool:
        """True when the period starts in January, so its total is a year-to-date figure."""
        return self.first_month == 1

    @property
    def expected_share(self) -> Fraction:
        """The share of an annual flow target that should be reached by the end of the period.

        A flow spread evenly over the year reaches ``month_count / 12`` of its annual total in
        the period: 9 months → 3/4, a quarter → 1/4.
        """
        return Fraction(self.month_count, MONTHS_IN_YEAR)

    @property
    def kind(self) -> str:
        """One of ``month``, ``quarter``, ``first_months``, ``year``, ``ytd``."""
        return period_kind(self.key)

    def previous_year(self) -> Period:
        """The same period one year earlier ("cùng kỳ")."""
        return parse_period(self.key, self.year - 1)

    def label(self) -> str:
        """The period's name as a report writes it: "9 tháng đầu năm 2023", "Quý III/2023"."""
        kind = self.kind
        if kind == "month":
            return _("tháng %(month)d/%(year)d") % {"month": self.last_month, "year": self.year}
        if kind == "quarter":
            quarter = ROMAN_QUARTERS[self.last_month // 3]
            return _("Quý %(quarter)s/%(year)d") % {"quarter": quarter, "year": self.year}
        if kind == "first_months":
            return _("%(months)d tháng đầu năm %(year)d") % {
                "months": self.last_month,
                "year": self.year,
            }
        if kind == "year":
            return _("năm %(year)d") % {"year": self.year}
        return _("lũy kế %(months)d tháng năm %(year)d") % {
            "months": self.last_month,
            "year": self.year,
        }

    def phrase(self) -> str:
        """The period as it opens a report sentence: "9 tháng đầu năm", "tháng 9", "Quý III"."""
        kind = self.kind
        if kind == "month":
            return _("tháng %(month)d") % {"month": self.last_month}
        if kind == "quarter":
            return _("Quý %(quarter)s") % {"quarter": ROMAN_QUARTERS[self.last_month // 3]}
        if kind == "first_months":
            return _("%(months)d tháng đầu năm") % {"months": self.last_month}
        if kind == "year":
            return pgettext("whole year", "năm")
        return _("lũy kế %(months)d tháng") % {"months": self.last_month}

    def __str__(self) -> str:
        return f"{self.year}/{self.key}"


def period_kind(key: str) -> str:
    if key.startswith("ytd"):
        return "ytd"
    if key.startswith("m"):
        return "month"
    if key.startswith("q"):
        return "quarter"
    if key == "y":
        return "year"
    return "first_months"


def parse_period(key: str, year: int | str) -> Period:
    """Turn a URL's year and period key into a :class:`Period`, or raise :class:`InvalidPeriod`.

    The error's message never repeats the key or the year: it is shown on the 404 page, and a
    page must not say whatever a crafted link puts in the address.
    """
    if isinstance(year, str) and _YEAR_PATTERN.fullmatch(year):
        year = int(year)
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidPeriod(
            _("Năm không hợp lệ: năm phải từ %(first)d đến %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    match = _KEY_PATTERN.fullmatch(key) if isinstance(key, str) else None
    if match is None:
        raise _invalid_key()
    if match["month"]:
        month = _check_month(int(match["month"]))
        return Period(year=year, first_month=month, last_month=month, key=f"m{month}")
    if match["quarter"]:
        quarter = int(match["quarter"])
        if not 1 <= quarter <= 4:
            raise _invalid_key()
        return Period(year=year, first_month=3 * quarter - 2, last_month=3 * quarter, key=key)
    if match["firstn"]:
        return Period(year=year, first_month=1, last_month=int(match["firstn"]), key=key)
    if match["year"]:
        return Period(year=year, first_month=1, last_month=12, key="y")
    month = _check_month(int(match["ytd"]))
    return Period(year=year, first_month=1, last_month=month, key=f"ytd{month}")


def _invalid_key() -> InvalidPeriod:
    return InvalidPeriod(
        _(
            "Kỳ báo cáo không hợp lệ. Các kỳ có: m1…m12 (tháng), q1…q4 (quý), 6m, 9m "
            "(6, 9 tháng đầu năm), y (cả năm), ytd1…ytd12 (lũy kế đến tháng)."
        )
    )


def _check_month(month: int) -> int:
    if not 1 <= month <= MONTHS_IN_YEAR:
        raise _invalid_key()
    return month


def all_period_keys() -> list[str]:
    """Every key, in the order a period switcher lists them."""
    return (
        [f"m{m}" for m in range(1, 13)]
        + [f"q{q}" for q in range(1, 5)]
        + ["6m", "9m", "y"]
        + [f"ytd{m}" for m in range(1, 13)]
    )
