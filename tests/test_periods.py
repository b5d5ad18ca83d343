from fractions import Fraction

import pytest
from django.utils import translation

from indicators.core.periods import InvalidPeriod, all_period_keys, parse_period


@pytest.mark.parametrize(
    ("key", "first", "last"),
    [
        *[(f"m{m}", m, m) for m in range(1, 13)],
        ("q1", 1, 3),
        ("q2", 4, 6),
        ("q3", 7, 9),
        ("q4", 10, 12),
        ("6m", 1, 6),
        ("9m", 1, 9),
        ("y", 1, 12),
        *[(f"ytd{m}", 1, m) for m in range(1, 13)],
    ],
)
def test_every_period_key_covers_its_months(key, first, last):
    period = parse_period(key, 2023)
    assert (period.first_month, period.last_month) == (first, last)
    assert list(period.months) == list(range(first, last + 1))
    assert period.key == key
    assert period.year == 2023


def test_all_period_keys_lists_31_distinct_parseable_keys():
    keys = all_period_keys()
    assert len(keys) == len(set(keys)) == 12 + 4 + 3 + 12
    assert all(parse_period(k, 2023).key == k for k in keys)


@pytest.mark.parametrize(
    "key", ["m0", "m13", "m09", "q0", "q5", "3m", "12m", "ytd0", "ytd13", "Y", "", "m", "9m "]
)
def test_keys_that_name_no_period_are_refused(key):
    with pytest.raises(InvalidPeriod):
        parse_period(key, 2023)


@pytest.mark.parametrize("year", ["abc", 1899, 2101, None])
def test_impossible_years_are_refused(year):
    with pytest.raises(InvalidPeriod):
        parse_period("9m", year)


def test_expected_share_is_months_over_twelve():
    assert parse_period("9m", 2023).expected_share == Fraction(3, 4)
    assert parse_period("q3", 2023).expected_share == Fraction(1, 4)
    assert parse_period("m2", 2023).expected_share == Fraction(1, 12)
    assert parse_period("y", 2023).expected_share == 1


def test_cumulative_periods_start_in_january():
    assert parse_period("ytd5", 2023).is_cumulative
    assert parse_period("6m", 2023).is_cumulative
    assert not parse_period("q2", 2023).is_cumulative
    assert not parse_period("m5", 2023).is_cumulative
    assert parse_period("m1", 2023).is_cumulative


def test_previous_year_is_the_same_period_one_year_earlier():
    previous = parse_period("q3", 2023).previous_year()
    assert (previous.year, previous.first_month, previous.last_month) == (2022, 7, 9)


@pytest.mark.parametrize(
    ("key", "vietnamese", "english"),
    [
        ("9m", "9 tháng đầu năm 2023", "first 9 months of 2023"),
        ("6m", "6 tháng đầu năm 2023", "first 6 months of 2023"),
        ("q3", "Quý III/2023", "Quarter III/2023"),
        ("m9", "tháng 9/2023", "month 9/2023"),
        ("y", "năm 2023", "year 2023"),
        ("ytd8", "lũy kế 8 tháng năm 2023", "8 months to date, 2023"),
    ],
)
def test_period_names_follow_report_usage(key, vietnamese, english):
    period = parse_period(key, 2023)
    with translation.override("vi"):
        assert period.label() == vietnamese
    with translation.override("en"):
        assert period.label() == english


@pytest.mark.parametrize(
    "key", ["9m\n", "9m\r", "\n9m", "q\u0663", "m\u0669", "ytd\uff11", "y\x00"]
)
def test_a_key_is_ascii_and_matched_whole(key):
    with pytest.raises(InvalidPeriod):
        parse_period(key, 2023)


@pytest.mark.parametrize("year", ["2023\n", "\u0662\u0660\u0662\u0663", " 2023", "+2023", True])
def test_a_year_is_four_ascii_digits_or_an_int(year):
    with pytest.raises(InvalidPeriod):
        parse_period("9m", year)


def test_a_year_given_as_ascii_text_is_read():
    assert parse_period("q3", "2023").year == 2023


@pytest.mark.parametrize(("key", "year"), [("Gửi mật khẩu tới 0912", 2023), ("9m", "Gửi mật khẩu")])
def test_the_error_never_repeats_the_key_or_the_year(key, year):
    with pytest.raises(InvalidPeriod) as error:
        parse_period(key, year)
    assert "Gửi" not in str(error.value)
    assert str(error.value).startswith(("Kỳ báo cáo không hợp lệ.", "Năm không hợp lệ"))
