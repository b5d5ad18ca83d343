from decimal import Decimal

import pytest
from django.utils import translation

from indicators.core.numbers import (
    NumberFormatError,
    format_number,
    format_percent,
    parse_number,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("86.70190064794816", "86.7"),
        ("86.08215868477484", "86.08"),
        ("64.10", "64.1"),
        ("100", "100"),
        ("40.000", "40"),
        ("13.665", "13.67"),  # half-up, not banker's rounding
        ("13.675", "13.68"),
        ("0.005", "0.01"),
        ("58.5", "58.5"),
    ],
)
def test_percentages_round_half_up_to_two_decimals_without_trailing_zeros(value, shown):
    assert str(round_half_up(Decimal(value))) == shown


def test_vietnamese_form_groups_thousands_with_dots_and_uses_a_decimal_comma():
    with translation.override("vi"):
        assert format_number(Decimal("6021447000.0000")) == "6.021.447.000"
        assert format_percent(Decimal("86.70190064794816")) == "86,7%"
        assert format_percent(Decimal("86.08215868477484")) == "86,08%"
        assert format_number(Decimal("1536.246")) == "1.536,246"


def test_english_form_groups_thousands_with_commas():
    with translation.override("en"):
        assert format_number(Decimal("6021447000")) == "6,021,447,000"
        assert format_percent(Decimal("86.70190064794816")) == "86.7%"


def test_missing_numbers_format_as_empty_text():
    assert format_number(None) == ""
    assert format_percent(None) == ""


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("6021447000", "6021447000"),
        ("6.021.447.000", "6021447000"),
        ("6.021.447.000,5", "6021447000.5"),
        ("86,7", "86.7"),
        ("86.7", "86.7"),
        ("86,7%", "86.7"),
        ("6,021,447,000", "6021447000"),
        (" 1 500 ", "1500"),
        ("0", "0"),
        ("-5", "-5"),
    ],
)
def test_numbers_typed_either_way_are_read(text, number):
    assert parse_number(text) == Decimal(number)


@pytest.mark.parametrize("text", ["1.500", "1,500", "-2.000"])
def test_a_lone_three_digit_group_is_ambiguous_and_refused(text):
    with pytest.raises(NumberFormatError, match="không rõ"):
        parse_number(text)


def test_a_vietnamese_form_reads_dots_as_thousands():
    assert parse_number("150.000", dots_group_thousands=True) == Decimal("150000")
    assert parse_number("1,500", dots_group_thousands=True) == Decimal("1.5")


def test_an_english_form_reads_commas_as_thousands_as_it_writes_them():
    assert parse_number("1,234", commas_group_thousands=True) == Decimal("1234")
    assert parse_number("1.500", commas_group_thousands=True) == Decimal("1.5")
    assert parse_number("6,021,447,000", commas_group_thousands=True) == Decimal("6021447000")


@pytest.mark.parametrize("text", ["abc", "12a", "1.2.3", "6.02.447", "1,2,3", "--1", "", "   "])
def test_text_that_is_not_a_number_is_refused_with_a_message(text):
    with pytest.raises(NumberFormatError) as error:
        parse_number(text)
    assert str(error.value)
