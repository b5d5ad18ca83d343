"""The plausibility rule on its own: factor 3 for amounts, 30 points for rates, every comparison."""

from decimal import Decimal as D

import pytest

from indicators.core.plausibility import differs, is_implausible, rate_of


def test_a_dropped_zero_is_implausible_next_to_last_month_and_last_year():
    assert is_implausible(D("78700000"), [D("787000000"), D("750000000")], is_rate=False)


def test_a_figure_close_to_one_comparison_is_not_flagged_even_if_far_from_the_other():
    # Last month was itself odd (a slow month); last year's figure is close: no warning.
    assert not is_implausible(D("700000000"), [D("78700000"), D("750000000")], is_rate=False)


@pytest.mark.parametrize(
    ("value", "earlier", "flagged"),
    [
        (D(300), D(100), False),  # exactly three times: not more than a factor of 3
        (D("300.01"), D(100), True),
        (D(100), D(300), False),
        (D("99.99"), D(300), True),  # a third, a little less
        (D(0), D(5), True),  # zero next to a figure: an infinite factor
        (D(5), D(0), True),
        (D(0), D(0), False),
        (D(7), D(7), False),
    ],
)
def test_amounts_differ_by_more_than_a_factor_of_three(value, earlier, flagged):
    assert differs(value, earlier, is_rate=False) is flagged


@pytest.mark.parametrize(
    ("value", "earlier", "flagged"),
    [
        (D("94.1"), D("64.1"), False),  # exactly 30 points
        (D("94.11"), D("64.1"), True),
        (D("34.09"), D("64.1"), True),
        (D(10), D(4), False),  # a factor of 2,5 but only 6 points: a rate moves in points
        (D(13), D(4), False),  # more than 3 times, 9 points: still fine for a rate
    ],
)
def test_rates_differ_by_more_than_thirty_points(value, earlier, flagged):
    assert differs(value, earlier, is_rate=True) is flagged


def test_nothing_to_compare_with_means_no_warning():
    assert not is_implausible(D(1_000_000), [], is_rate=False)
    assert not is_implausible(D(1_000_000), [None, None], is_rate=False)
    assert not is_implausible(None, [D(5)], is_rate=False)


def test_only_the_comparison_that_exists_is_asked():
    assert is_implausible(D(10), [None, D(100)], is_rate=False)
    assert not is_implausible(D(40), [None, D(100)], is_rate=False)


def test_a_ratio_is_compared_as_the_percentage_its_counts_make():
    assert rate_of(D(564), D(880)) == D(564) * 100 / D(880)
    assert rate_of(D(1), D(4)) == D(25)
    assert rate_of(None, D(4)) is None
    assert rate_of(D(1), D(0)) is None
