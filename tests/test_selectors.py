"""Hand-computed checks of every kind's period and parent roll-up."""

from decimal import Decimal

import pytest

from indicators.core.periods import parse_period
from indicators.models import Figure, Indicator, Target
from indicators.reporting.selectors import (
    UnitTotals,
    combine,
    completion_status,
    monthly_series,
    percent_of,
    period_summary,
    pro_rata,
    subtree_ids,
    summaries,
)

D = Decimal


def row_for(rows, code):
    return next(r for r in rows if r.indicator.code == code)


def add(
    unit, indicator, year, month, value=None, numerator=None, denominator=None, status="official"
):
    return Figure.objects.create(
        unit=unit,
        indicator=indicator,
        year=year,
        month=month,
        value=None if value is None else D(value),
        numerator=None if numerator is None else D(numerator),
        denominator=None if denominator is None else D(denominator),
        status=status,
    )


# --- pure -----------------------------------------------------------------------------------


def test_percent_of_is_full_precision_and_none_for_a_zero_or_missing_whole():
    assert percent_of(D(6021447000), D(6945000000)) == D("86.70190064794816414686825054")
    assert percent_of(D(1), D(0)) is None
    assert percent_of(None, D(5)) is None
    assert percent_of(D(5), None) is None


def test_combine_with_no_figures_has_no_actual():
    for kind in ("sum", "ratio", "level", "reported"):
        aggregate = combine(kind, [], own_unit_id=1)
        assert aggregate.actual is None
        assert not aggregate.not_aggregable


def test_combine_ratio_weights_by_counts_not_by_averaging_percentages():
    big = UnitTotals(unit_id=2, numerator=D(900), denominator=D(1000), last_month=3)
    small = UnitTotals(unit_id=3, numerator=D(1), denominator=D(10), last_month=3)
    aggregate = combine("ratio", [big, small], own_unit_id=1)
    assert aggregate.actual == D(901) / D(1010) * 100  # 89,21%; the mean of 90% and 10% is 50%
    assert (aggregate.numerator, aggregate.denominator) == (D(901), D(1010))


def test_combine_reported_percentage_of_a_parent_without_its_own_figure_is_not_aggregable():
    child = UnitTotals(unit_id=2, last_month=9, last_value=D("64.1"))
    aggregate = combine("reported", [child], own_unit_id=1)
    assert aggregate.actual is None
    assert aggregate.not_aggregable


def test_combine_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        combine("average", [UnitTotals(unit_id=1, last_month=1)], own_unit_id=1)


# --- the seed -----------------------------------------------------------------------------


def test_seed_budget_revenue_nine_months_against_both_authorities(demo):
    rows = period_summary(unit=demo, period=parse_period("9m", 2023))
    revenue = row_for(rows, "thu-ngan-sach")
    assert revenue.actual == D("6021447000")
    assert revenue.is_estimate  # September is an estimate
    city, council = revenue.targets
    assert (city.authority_code, city.value) == ("ubnd-thanh-pho", D("6945000000"))
    assert (council.authority_code, council.value) == ("hdnd-phuong", D("6995000000"))
    assert str(city.percent).startswith("86.70190")
    assert str(council.percent).startswith("86.08215")
    assert city.percent == D(6021447000) / D(6945000000) * 100


def test_seed_e_government_rates_are_septembers_reported_values(demo):
    rows = period_summary(unit=demo, period=parse_period("9m", 2023))
    rates = {
        code: row_for(rows, code).actual
        for code in (
            "dvc-truc-tuyen",
            "thanh-toan-truc-tuyen",
            "so-hoa-ho-so",
            "cong-khai-minh-bach",
            "muc-do-hai-long",
        )
    }
    assert rates == {
        "dvc-truc-tuyen": D("64.10"),
        "thanh-toan-truc-tuyen": D("13.66"),
        "so-hoa-ho-so": D("58.5"),
        "cong-khai-minh-bach": D("89.9"),
        "muc-do-hai-long": D("100"),
    }


def test_eight_months_of_the_demo_are_official(demo):
    revenue = row_for(period_summary(unit=demo, period=parse_period("ytd8", 2023)), "thu-ngan-sach")
    assert not revenue.is_estimate
    assert revenue.actual == D(6021447000 - 787000000)


# --- kinds over periods -------------------------------------------------------------------


@pytest.fixture
def ward(tree):
    return tree["ward-a"]


def test_sum_adds_the_periods_months_and_nothing_outside_it(ward, make_indicator):
    revenue = make_indicator("rev", "sum")
    for month, value in [(3, 100), (4, 10), (6, 1), (7, 1000)]:
        add(ward, revenue, 2023, month, value)
    actual = {
        key: row_for(period_summary(unit=ward, period=parse_period(key, 2023)), "rev").actual
        for key in ("q2", "6m", "m4", "ytd3", "q3", "y")
    }
    assert actual == {"q2": 11, "6m": 111, "m4": 10, "ytd3": 100, "q3": 1000, "y": 1111}


def test_an_empty_period_has_no_actual_but_keeps_its_targets(ward, make_indicator, authority):
    revenue = make_indicator("rev", "sum")
    Target.objects.create(unit=ward, indicator=revenue, year=2023, authority=authority, value=500)
    add(ward, revenue, 2023, 1, 50)
    row = row_for(period_summary(unit=ward, period=parse_period("q4", 2023)), "rev")
    assert row.actual is None
    assert row.targets[0].value == 500
    assert row.targets[0].percent is None
    assert row.status == "none"


def test_an_indicator_without_figures_keeps_its_row_with_no_actual(ward, make_indicator):
    make_indicator("unreported", "sum")
    make_indicator("retired", "sum", is_active=False)
    rows = period_summary(unit=ward, period=parse_period("y", 2023))
    assert [r.indicator.code for r in rows] == ["unreported"]  # inactive ones stay out
    row = rows[0]
    assert (row.actual, row.previous.actual, row.previous_months, row.status) == (
        None,
        None,
        None,
        "none",
    )


def test_a_year_with_missing_months_sums_what_exists_and_reports_its_last_month(
    ward, make_indicator
):
    revenue = make_indicator("rev", "sum")
    poor = make_indicator("poor", "level", unit="hộ")
    add(ward, revenue, 2023, 2, 20)
    add(ward, revenue, 2023, 5, 50)
    add(ward, poor, 2023, 2, 12)
    add(ward, poor, 2023, 5, 9)
    rows = period_summary(unit=ward, period=parse_period("9m", 2023))
    assert row_for(rows, "rev").actual == 70
    assert row_for(rows, "rev").current.last_month == 5
    assert row_for(rows, "poor").actual == 9  # the last month with data, May


def test_level_takes_the_last_month_with_data_in_the_period(ward, make_indicator):
    poor = make_indicator("poor", "level", unit="hộ")
    add(ward, poor, 2023, 1, 40)
    add(ward, poor, 2023, 3, 38, status="estimate")
    add(ward, poor, 2023, 4, 35)
    q1 = row_for(period_summary(unit=ward, period=parse_period("q1", 2023)), "poor")
    assert (q1.actual, q1.is_estimate) == (38, True)
    six = row_for(period_summary(unit=ward, period=parse_period("6m", 2023)), "poor")
    assert (six.actual, six.is_estimate) == (35, False)


def test_ratio_over_months_divides_summed_counts(ward, make_indicator):
    online = make_indicator("online", "ratio")
    add(ward, online, 2023, 1, numerator=1, denominator=4)
    add(ward, online, 2023, 2, numerator=90, denominator=100)
    row = row_for(period_summary(unit=ward, period=parse_period("q1", 2023)), "online")
    assert row.actual == D(91) / D(104) * 100  # 87,5%; averaging 25% and 90% would give 57,5%
    assert (row.current.numerator, row.current.denominator) == (91, 104)


def test_reported_percentage_takes_the_last_month_value(ward, make_indicator):
    rate = make_indicator("rate", "reported")
    add(ward, rate, 2023, 7, "50.5")
    add(ward, rate, 2023, 9, "64.10", status="estimate")
    row = row_for(period_summary(unit=ward, period=parse_period("q3", 2023)), "rate")
    assert (row.actual, row.is_estimate) == (D("64.10"), True)


# --- parents ------------------------------------------------------------------------------


def test_subtree_reaches_every_depth(tree):
    assert set(subtree_ids(tree["city"])) == {u.id for u in tree.values()}
    assert set(subtree_ids(tree["ward-a"])) == {
        tree[c].id for c in ("ward-a", "group-a1", "group-a2")
    }


def test_sum_parent_counts_its_own_figures_with_all_descendants(tree, make_indicator):
    revenue = make_indicator("rev", "sum")
    add(tree["city"], revenue, 2023, 1, 1000)  # collected at city level
    add(tree["ward-b"], revenue, 2023, 1, 200)
    add(tree["group-a1"], revenue, 2023, 1, 30)
    add(tree["group-a2"], revenue, 2023, 2, 4)
    city = row_for(period_summary(unit=tree["city"], period=parse_period("q1", 2023)), "rev")
    ward_a = row_for(period_summary(unit=tree["ward-a"], period=parse_period("q1", 2023)), "rev")
    assert city.actual == 1234
    assert ward_a.actual == 34


def test_ratio_across_units_with_very_different_denominators(tree, make_indicator):
    online = make_indicator("online", "ratio")
    add(tree["ward-a"], online, 2023, 3, numerator=950, denominator=1000)  # 95%
    add(tree["ward-b"], online, 2023, 3, numerator=1, denominator=20)  # 5%
    city = row_for(period_summary(unit=tree["city"], period=parse_period("m3", 2023)), "online")
    assert city.actual == D(951) / D(1020) * 100
    assert round(city.actual, 2) == D("93.24")
    assert city.actual != (D(95) + D(5)) / 2  # not the 50% an average of percentages gives


def test_level_parent_sums_each_units_latest_value(tree, make_indicator):
    poor = make_indicator("poor", "level", unit="hộ")
    add(tree["group-a1"], poor, 2023, 1, 10)
    add(tree["group-a1"], poor, 2023, 3, 8)
    add(tree["group-a2"], poor, 2023, 2, 5, status="estimate")
    ward = row_for(period_summary(unit=tree["ward-a"], period=parse_period("q1", 2023)), "poor")
    assert ward.actual == 13
    assert ward.is_estimate


def test_reported_percentage_parent_says_it_cannot_be_computed(tree, make_indicator):
    rate = make_indicator("rate", "reported")
    add(tree["ward-a"], rate, 2023, 9, "64.10")
    add(tree["ward-b"], rate, 2023, 9, "30")
    city = row_for(period_summary(unit=tree["city"], period=parse_period("9m", 2023)), "rate")
    assert city.actual is None
    assert city.current.not_aggregable
    ward = row_for(period_summary(unit=tree["ward-a"], period=parse_period("9m", 2023)), "rate")
    assert ward.actual == D("64.10")


def test_reported_percentage_parent_with_its_own_figure_uses_it(tree, make_indicator):
    rate = make_indicator("rate", "reported")
    add(tree["city"], rate, 2023, 9, "70")
    add(tree["ward-a"], rate, 2023, 9, "64.10")
    city = row_for(period_summary(unit=tree["city"], period=parse_period("9m", 2023)), "rate")
    assert city.actual == 70
    assert not city.current.not_aggregable


def test_summaries_of_children_match_their_own_summaries(
    tree, make_indicator, django_assert_max_num_queries
):
    revenue = make_indicator("rev", "sum")
    online = make_indicator("online", "ratio")
    add(tree["group-a1"], revenue, 2023, 1, 7)
    add(tree["ward-b"], revenue, 2023, 1, 5)
    add(tree["group-a2"], online, 2023, 1, numerator=1, denominator=3)
    period = parse_period("q1", 2023)
    children = [tree["ward-a"], tree["ward-b"]]
    # A fixed number: catalogue, approval states, then per year the versions of the subtree
    # totals, the levels' values and the grouped figures (+ the targets).
    with django_assert_max_num_queries(10):
        together = summaries(units=children, period=period)
    for child in children:
        alone = period_summary(unit=child, period=period)
        assert [(r.indicator.code, r.actual) for r in together[child.id]] == [
            (r.indicator.code, r.actual) for r in alone
        ]


# --- last year and status -----------------------------------------------------------------


def test_previous_year_and_yoy_percent(ward, make_indicator):
    revenue = make_indicator("rev", "sum")
    add(ward, revenue, 2022, 1, 80)
    add(ward, revenue, 2023, 1, 100)
    row = row_for(period_summary(unit=ward, period=parse_period("m1", 2023)), "rev")
    assert row.previous.actual == 80
    assert row.yoy_percent == D(125)
    assert row.change_percent == D(25)


def test_a_year_with_data_to_september_compares_with_january_to_september_of_last_year(
    ward, make_indicator
):
    revenue = make_indicator("rev", "sum")
    for month in range(1, 13):
        add(ward, revenue, 2022, month, 10)  # 2022 complete: 120 over the year, 90 to September
    for month in range(1, 10):
        add(ward, revenue, 2023, month, 12)  # 2023 to September: 108
    row = row_for(period_summary(unit=ward, period=parse_period("y", 2023)), "rev")
    assert row.actual == 108
    assert row.previous.actual == 90  # January–September 2022, not the whole year's 120
    assert row.previous_months == (1, 9)
    assert row.yoy_percent == D(120)  # 108 ÷ 90
    assert row.change_percent == D(20)


def test_a_quarter_with_one_month_compares_with_that_month_of_last_year(ward, make_indicator):
    level = make_indicator("households", "level", unit="hộ")
    add(ward, level, 2022, 7, 50)
    add(ward, level, 2022, 9, 44)  # September 2022 is after this year's last month: not compared
    add(ward, level, 2023, 7, 47)
    row = row_for(period_summary(unit=ward, period=parse_period("q3", 2023)), "households")
    assert (row.actual, row.previous.actual, row.previous_months) == (47, 50, (7, 7))


def test_a_period_without_figures_this_year_keeps_last_years_whole_period(ward, make_indicator):
    revenue = make_indicator("rev", "sum")
    add(ward, revenue, 2022, 3, 5)
    add(ward, revenue, 2022, 12, 7)
    row = row_for(period_summary(unit=ward, period=parse_period("y", 2023)), "rev")
    assert (row.actual, row.previous.actual, row.previous_months) == (None, 12, (1, 12))


def test_a_ratio_compares_with_last_year_in_percentage_points(ward, make_indicator):
    on_time = make_indicator("on-time", "ratio")
    add(ward, on_time, 2022, 1, numerator=3, denominator=4)  # 75 %
    add(ward, on_time, 2023, 1, numerator=9, denominator=10)  # 90 %
    add(ward, on_time, 2023, 2, numerator=7, denominator=10)  # with January: 16 ÷ 20 = 80 %
    row = row_for(period_summary(unit=ward, period=parse_period("q1", 2023)), "on-time")
    assert row.actual == D(80)
    assert row.previous.actual == D(75)
    assert row.change_points == D(5)
    assert row.previous_months == (1, 2)


def test_a_reported_rate_compares_in_points_at_full_precision(ward, make_indicator):
    online = make_indicator("online", "reported")
    add(ward, online, 2022, 9, "38.6")
    add(ward, online, 2023, 9, "64.10")
    row = row_for(period_summary(unit=ward, period=parse_period("9m", 2023)), "online")
    assert row.change_points == D("25.5")


def test_points_are_none_for_flows_and_without_last_year(ward, make_indicator):
    revenue = make_indicator("rev", "sum")
    online = make_indicator("online", "reported")
    add(ward, revenue, 2022, 1, 80)
    add(ward, revenue, 2023, 1, 100)
    add(ward, online, 2023, 1, "50")
    rows = period_summary(unit=ward, period=parse_period("m1", 2023))
    assert row_for(rows, "rev").change_points is None
    assert row_for(rows, "online").change_points is None


def test_a_ceiling_is_kept_at_or_below_its_target_and_exceeded_above_it(
    tree, make_indicator, authority
):
    poor = make_indicator("poor", "level", unit="hộ", direction="down")
    revenue = make_indicator("rev", "sum")
    for unit_code, households in (("ward-a", 40), ("ward-b", 41)):
        add(tree[unit_code], poor, 2023, 9, households)
        Target.objects.create(
            unit=tree[unit_code], indicator=poor, year=2023, authority=authority, value=40
        )
    add(tree["ward-a"], revenue, 2023, 9, 5)
    Target.objects.create(
        unit=tree["ward-a"], indicator=revenue, year=2023, authority=authority, value=10
    )
    period = parse_period("9m", 2023)
    kept = row_for(period_summary(unit=tree["ward-a"], period=period), "poor").targets[0]
    broken = row_for(period_summary(unit=tree["ward-b"], period=period), "poor").targets[0]
    flow = row_for(period_summary(unit=tree["ward-a"], period=period), "rev").targets[0]
    assert (kept.exceeded, kept.percent) == (False, D(100))  # 40 of at most 40: kept
    assert (broken.exceeded, broken.percent) == (True, D("102.5"))
    assert flow.exceeded is None  # not a ceiling


def test_yoy_is_none_without_last_year(ward, make_indicator):
    revenue = make_indicator("rev", "sum")
    add(ward, revenue, 2023, 1, 100)
    row = row_for(period_summary(unit=ward, period=parse_period("m1", 2023)), "rev")
    assert row.previous.actual is None
    assert row.yoy_percent is None
    assert row.change_percent is None


def test_pro_rata_is_the_annual_figure_times_the_months_over_twelve():
    assert pro_rata(D(12000), parse_period("9m", 2023)) == D(9000)
    assert pro_rata(D(100), parse_period("q3", 2023)) == D(25)
    assert pro_rata(D(100), parse_period("9m", 2023)) == D(75)
    assert pro_rata(D(7), parse_period("m1", 2023)) == D(7) / D(12)
    assert pro_rata(D(7), parse_period("y", 2023)) == D(7)


def test_status_compares_a_flow_with_the_pro_rata_mark(make_indicator):
    revenue = make_indicator("rev", "sum")
    nine = parse_period("9m", 2023)
    # 9 months → 75% of 1000 = 750 expected; 90% of that is 675
    assert (
        completion_status(indicator=revenue, actual=D(750), target=D(1000), period=nine) == "good"
    )
    assert (
        completion_status(indicator=revenue, actual=D(675), target=D(1000), period=nine) == "watch"
    )
    assert (
        completion_status(indicator=revenue, actual=D(674), target=D(1000), period=nine) == "behind"
    )


def test_status_reverses_for_lower_is_better(make_indicator):
    poor = make_indicator("poor", "level", direction="down", unit="hộ")
    nine = parse_period("9m", 2023)
    assert completion_status(indicator=poor, actual=D(38), target=D(40), period=nine) == "good"
    assert completion_status(indicator=poor, actual=D(44), target=D(40), period=nine) == "watch"
    assert completion_status(indicator=poor, actual=D(45), target=D(40), period=nine) == "behind"


def test_monthly_series_gives_month_and_cumulative_values(ward, make_indicator):
    online = make_indicator("online", "ratio")
    add(ward, online, 2023, 1, numerator=1, denominator=2)
    add(ward, online, 2023, 3, numerator=3, denominator=6)
    add(tree_unit := ward, online, 2023, 4, numerator=0, denominator=2)
    points = monthly_series(unit=tree_unit, indicator=online, year=2023)
    assert len(points) == 12
    assert points[1].month_value.actual is None
    assert points[1].cumulative.actual == 50
    assert points[3].month_value.actual == 0
    assert points[3].cumulative.actual == D(4) / D(10) * 100


def test_an_indicator_taken_out_of_use_leaves_open_periods_but_not_approved_ones(
    tree, make_indicator
):
    from indicators.models import MonthApproval

    old = make_indicator("old-count", "sum", name="Chỉ tiêu cũ")
    ward = tree["ward-a"]
    for month in (7, 8, 9, 10):
        Figure.objects.create(unit=ward, indicator=old, year=2023, month=month, value=5)
    for month in (7, 8, 9):
        MonthApproval.objects.create(unit=ward, year=2023, month=month, status="approved")
    Indicator.objects.filter(pk=old.pk).update(is_active=False)

    def codes(key):
        return [r.indicator.code for r in period_summary(unit=ward, period=parse_period(key, 2023))]

    q3 = next(
        r
        for r in period_summary(unit=ward, period=parse_period("q3", 2023))
        if r.indicator.code == "old-count"
    )
    assert "old-count" in codes("q3") and q3.current.actual == 15  # approved: kept, 3 × 5
    assert "old-count" not in codes("m10")  # still open: hidden
    assert "old-count" not in codes("y")  # not every month approved: hidden


@pytest.mark.parametrize("kind", ["sum", "ratio", "level", "reported"])
def test_carried_monthly_totals_equal_adding_every_month_up_again(kind):
    """The monthly series carries each unit's totals from month to month; the result is what
    combining all figures from January to each month gives, for every kind."""
    import random
    from types import SimpleNamespace

    from indicators.reporting.selectors import _month_points, _MonthFigure, combine, unit_totals

    rng = random.Random(kind)
    figures = []
    for unit_id in (1, 2, 3):
        for month in sorted(rng.sample(range(1, 13), 7)):
            value = None if rng.random() < 0.2 else Decimal(rng.randint(0, 900))
            denominator = Decimal(rng.randint(1, 50))
            numerator = Decimal(rng.randint(0, int(denominator)))
            status = rng.choice([Figure.Status.OFFICIAL, Figure.Status.ESTIMATE])
            figures.append(_MonthFigure(unit_id, month, value, numerator, denominator, status))
    unit, indicator = SimpleNamespace(id=1), SimpleNamespace(kind=kind)

    points = _month_points(unit, indicator, figures)

    for point in points:
        upto = [f for f in figures if f.month <= point.month]
        alone = [f for f in figures if f.month == point.month]
        assert point.cumulative == combine(kind, unit_totals(upto), own_unit_id=1)
        assert point.month_value == combine(kind, unit_totals(alone), own_unit_id=1)
