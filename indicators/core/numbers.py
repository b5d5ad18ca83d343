"""Numbers as officials write and read them: display rounding, formatting and parsing.

Formatting follows the active language through Django's own locale formats (Vietnamese:
"6.021.447.000", "86,7"; English: "6,021,447,000", "86.7"). Percentages are shown with at
most two decimals, rounded half-up, trailing zeros dropped, which reproduces the seed report's
"86,7%" and "86,08%".
"""

from __future__ import annotations

import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

PERCENT_PLACES = Decimal("0.01")


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Round to ``places`` decimals, halves away from zero, and drop trailing zeros."""
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return strip_zeros(rounded)


def strip_zeros(value: Decimal) -> Decimal:
    """6021447000.0000 → 6021447000, 64.10 → 64.1, without switching to exponent form."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def format_number(value: Decimal | int | None, *, places: int | None = None) -> str:
    """A number in the active language's form with thousands grouped.

    ``places`` rounds half-up to at most that many decimals (trailing zeros dropped); None keeps
    every significant decimal.
    """
    if value is None:
        return ""
    value = Decimal(value)
    value = round_half_up(value, places) if places is not None else strip_zeros(value)
    decimal_separator, thousand_separator = _separators(get_language())
    return numberformat.format(
        value, decimal_separator, grouping=3, thousand_sep=thousand_separator, force_grouping=True
    )


@functools.cache
def _separators(language: str | None) -> tuple[str, str]:
    """The language's decimal and thousands separators, looked up once (a table of a province
    formats thousands of numbers)."""
    return get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")


def format_percent(value: Decimal | None, *, sign: bool = True) -> str:
    """86.70190… → "86,7%" (Vietnamese) or "86.7%" (English)."""
    if value is None:
        return ""
    text = format_number(value, places=2)
    return f"{text}%" if sign else text


def format_value(value: Decimal | None, *, is_percentage: bool) -> str:
    """A figure as shown in a table: percentages rounded to two decimals, amounts in full."""
    if is_percentage:
        return format_number(value, places=2)
    return format_number(value)


class NumberFormatError(ValueError):
    """Text that is not a number, or that could be read as two different numbers."""


_PLAIN = re.compile(r"^-?\d+$")
_DOT_GROUPED = re.compile(r"^-?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")  # 6.021.447.000 or 1.536,246
_COMMA_GROUPED = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")  # 6,021,447,000 or 1,536.246
_COMMA_DECIMAL = re.compile(r"^-?\d+,\d+$")  # 86,7
_DOT_DECIMAL = re.compile(r"^-?\d+\.\d+$")  # 86.7
_ONE_GROUP = re.compile(r"^-?\d{1,3}[.,]\d{3}$")  # 1.500 or 1,500: thousands or decimals?


def parse_number(
    text: str, *, dots_group_thousands: bool = False, commas_group_thousands: bool = False
) -> Decimal:
    """Read a number typed by a person, in Vietnamese or English form.

    Accepted: "6021447000", "6.021.447.000", "6.021.447.000,5", "86,7", "86.7",
    "6,021,447,000". A single separator followed by exactly three digits ("1.500", "1,500") is
    ambiguous — a thousands group in one language, decimals in the other — and is refused unless
    the caller knows the writer's convention: ``dots_group_thousands=True`` (a form shown in
    Vietnamese) reads "1.500" as 1500 and "1,500" as 1,5; ``commas_group_thousands=True`` (a
    form shown in English, which writes 1234 as "1,234") reads "1,500" as 1500 and "1.500" as
    1.5.

    Raises :class:`NumberFormatError` with a message for the user.
    """
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if not cleaned:
        raise NumberFormatError(_("Chưa nhập số."))
    if _ONE_GROUP.match(cleaned) and commas_group_thousands and not dots_group_thousands:
        canonical = cleaned.replace(",", "")
    elif _ONE_GROUP.match(cleaned):
        if not dots_group_thousands:
            raise NumberFormatError(
                _(
                    '"%(text)s" không rõ là số nghìn hay số thập phân; hãy viết không có dấu '
                    "ngăn cách (ví dụ 1500) hoặc có đủ phần thập phân (ví dụ 1,5)."
                )
                % {"text": text.strip()}
            )
        canonical = cleaned.replace(".", "").replace(",", ".")
    elif _PLAIN.match(cleaned):
        canonical = cleaned
    elif _DOT_GROUPED.match(cleaned):
        canonical = cleaned.replace(".", "").replace(",", ".")
    elif _COMMA_GROUPED.match(cleaned):
        canonical = cleaned.replace(",", "")
    elif _COMMA_DECIMAL.match(cleaned):
        canonical = cleaned.replace(",", ".")
    elif _DOT_DECIMAL.match(cleaned):
        canonical = cleaned
    else:
        raise NumberFormatError(_('"%(text)s" không phải là số.') % {"text": text.strip()})
    try:
        return Decimal(canonical)
    except InvalidOperation:  # pragma: no cover - the patterns admit only digits
        raise NumberFormatError(
            _('"%(text)s" không phải là số.') % {"text": text.strip()}
        ) from None
