"""Template filters of the dashboard: one-line wrappers over tested formatting functions."""

from __future__ import annotations

import unicodedata

from django import template
from django.utils.translation import get_language_info

from indicators.core.numbers import format_number, format_percent
from indicators.reporting.report_text import ceiling_words, comparison_words
from indicators.reporting.selectors import HUNDRED, pro_rata
from indicators.reporting.tables import STATUS_LABELS
from indicators.reporting.wording import change_words, compared_words, with_unit

register = template.Library()


@register.filter
def amount(value, indicator):
    """6021447000 → "6.021.447.000 đồng" (a percentage → "64,1%")."""
    return with_unit(value, indicator)


@register.filter
def amount_plain(value):
    """A count without its unit: 1234 → "1.234"."""
    return format_number(value)


@register.filter
def percent(value):
    return format_percent(value)


@register.filter
def change(value):
    """A change over last year in words: "tăng 9,68%", "giảm 25%"."""
    return change_words(value)


@register.filter
def comparison(row):
    """A row against last year: "tăng 9,68% so với cùng kỳ 9 tháng năm 2022", a rate in points."""
    return comparison_words(row)


@register.filter
def compared(row):
    """The months last year's figure covers: "cùng kỳ 9 tháng năm 2022"."""
    return compared_words(row)


@register.filter
def ceiling(target):
    """A ceiling kept or exceeded: "không vượt chỉ tiêu HĐND phường giao"; "" otherwise."""
    return ceiling_words(target)


@register.filter
def expected_share(period):
    """Where an annual flow should stand at the period's end, in percent: 9 months → "75%"."""
    return format_percent(pro_rata(HUNDRED, period))


@register.filter
def status_label(status):
    return STATUS_LABELS.get(status, "")


@register.filter
def local_language_name(code):
    """A language's own name, "Tiếng Việt", in composed Unicode (Django's is decomposed)."""
    return unicodedata.normalize("NFC", get_language_info(code)["name_local"])
