"""Who has reported: deadlines, month states, reporting and on-time rates, completeness."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Figure, MonthApproval, Unit
from indicators.reporting.completeness import (
    DEFAULT_DEADLINE_DAY,
    MonthState,
    completeness,
    deadline_day_of,
    due_date,
    is_late,
    latest_complete_month,
    reporting_status,
)
from tests.conftest import forget_caches

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, time: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=HANOI)


# --- Pure rules ---------------------------------------------------------------------------


def test_a_month_is_due_on_the_deadline_day_of_the_next_month():
    assert due_date(year=2023, month=9, day=20) == date(2023, 10, 20)
    assert due_date(year=2023, month=12, day=20) == date(2024, 1, 20)  # December: next year


def test_a_deadline_day_past_the_end_of_the_month_means_its_last_day():
    assert due_date(year=2023, month=10, day=31) == date(2023, 11, 30)
    assert due_date(year=2024, month=1, day=31) == date(2024, 2, 29)  # a leap year


def test_the_deadline_day_is_inclusive_in_the_site_time_zone():
    due = date(2023, 10, 20)
    assert not is_late(at("2023-10-20", "23:59"), due)
    assert is_late(at("2023-10-21", "00:01"), due)
    # 20 October 23:30 in Hà Nội is 16:30 UTC: still on time.
    assert not is_late(datetime(2023, 10, 20, 16, 30, tzinfo=ZoneInfo("UTC")), due)
    assert not is_late(None, due)


# --- A city with two wards, different deadlines -------------------------------------------


@pytest.fixture
def reporting(tree, make_indicator):
    return make_reporting(make_indicator)


def make_reporting(make_indicator) -> dict[str, Unit]:
    """On the ``tree`` fixture: city → ward-a (deadline 25) → group-a1 (inherits 25),
    group-a2 (deadline 10); ward-b (inherits nothing: the 20th). Revenue is entered by
    wards, households by groups, so the city itself is not expected: 4 units are expected
    each month.

    September 2023: ward-a submitted 25/10 (on time), group-a1 submitted 22/10 and then
    approved (on time), group-a2 submitted 12/10 without a figure (late: due 10/10), ward-b
    has a revenue figure but has not submitted. A households figure at ward-b (a level that
    does not enter it) does not make ward-b's August "being entered".
    """
    revenue = make_indicator("revenue", "sum", entry_levels=["ward"])
    households = make_indicator("households", "level", unit="hộ", entry_levels=["group"])
    Unit.objects.filter(code="ward-a").update(reporting_deadline_day=25)
    Unit.objects.filter(code="group-a2").update(reporting_deadline_day=10)
    units = {u.code: u for u in Unit.objects.all()}

    def figure(unit, indicator, month):
        Figure.objects.create(
            unit=units[unit], indicator=indicator, year=2023, month=month, value=Decimal(5)
        )

    figure("ward-a", revenue, 9)
    figure("group-a1", households, 9)
    figure("ward-b", revenue, 9)
    figure("ward-b", households, 8)

    def report(unit, status, when):
        MonthApproval.objects.create(
            unit=units[unit], year=2023, month=9, status=status, submitted_at=at(when)
        )

    report("ward-a", "submitted", "2023-10-25")
    report("group-a1", "approved", "2023-10-22")
    report("group-a2", "submitted", "2023-10-12")
    return units


def test_deadlines_are_inherited_from_the_nearest_unit_that_sets_one(reporting):
    assert deadline_day_of(reporting["ward-a"].id) == 25
    assert deadline_day_of(reporting["group-a1"].id) == 25
    assert deadline_day_of(reporting["group-a2"].id) == 10
    assert deadline_day_of(reporting["ward-b"].id) == DEFAULT_DEADLINE_DAY == 20


def test_reporting_and_on_time_rates_over_units_with_different_deadlines(reporting):
    [september] = completeness(unit=reporting["city"], year=2023, months=[9])
    assert (september.expected, september.entered) == (4, 3)  # group-a2 has no figure
    assert (september.submitted, september.approved, september.on_time) == (3, 1, 2)
    assert september.reporting_rate == Decimal(75)  # 3 of 4
    assert september.on_time_rate == Decimal(50)  # ward-a and group-a1; group-a2 is late
    assert [unit.code for unit in september.missing] == ["ward-b"]
    assert not september.is_complete


def test_a_ward_alone_is_complete_when_it_and_its_groups_submitted(reporting):
    [september] = completeness(unit=reporting["ward-a"], year=2023, months=[9])
    assert (september.expected, september.submitted, september.missing) == (3, 3, [])
    assert september.is_complete


def test_a_month_with_nothing_expected_has_no_rate(reporting):
    [month] = completeness(unit=reporting["city"], year=2023, months=[3])
    assert (month.expected, month.submitted) == (4, 0)
    assert month.reporting_rate == Decimal(0)
    lone_city = Unit.objects.create(code="empty", name="Trống", level="city")
    [nothing] = completeness(unit=lone_city, year=2023, months=[9])
    assert nothing.expected == 0 and nothing.reporting_rate is None


def test_each_unit_month_has_its_state_date_and_late_mark(reporting):
    status = reporting_status(unit=reporting["city"], year=2023, visible_ids=None)
    codes = [row.unit.code for row in status.rows]
    assert codes == ["ward-a", "group-a1", "group-a2", "ward-b"]  # each ward above its groups
    cells = {row.unit.code: row.cells for row in status.rows}
    assert [cells[c][8].state for c in codes] == [
        MonthState.SUBMITTED,
        MonthState.APPROVED,
        MonthState.SUBMITTED,
        MonthState.ENTERING,
    ]
    assert [cells[c][8].is_late for c in codes] == [False, False, True, False]
    assert cells["ward-b"][7].state == MonthState.NOT_STARTED  # only a group-level figure
    assert cells["group-a2"][8].due == date(2023, 10, 10)
    assert status.months[8].reporting_rate == Decimal(75)


def test_the_reporting_status_shows_only_the_visible_units(reporting):
    ward_a_only = frozenset({reporting["ward-a"].id, reporting["group-a1"].id})
    status = reporting_status(unit=reporting["city"], year=2023, visible_ids=ward_a_only)
    assert [row.unit.code for row in status.rows] == ["ward-a", "group-a1"]
    assert status.months[8].expected == 2


def test_the_latest_complete_month_needs_every_expected_unit(reporting):
    assert latest_complete_month(unit=reporting["ward-a"]) == (2023, 9)
    assert latest_complete_month(unit=reporting["city"]) is None  # ward-b is missing


def test_reading_the_reporting_status_takes_as_many_queries_for_many_units(reporting):
    def queries() -> int:
        forget_caches()  # both counts with the tree read cold
        with CaptureQueriesContext(connection) as captured:
            reporting_status(unit=reporting["city"], year=2023, visible_ids=None)
        return len(captured)

    few = queries()
    for number in range(10):
        Unit.objects.create(
            code=f"more-{number}", name=f"Tổ {number}", level="group", parent=reporting["ward-b"]
        )
    assert queries() == few


def test_a_summary_row_says_how_many_of_its_units_it_is_built_from(reporting):
    from indicators.core.periods import parse_period
    from indicators.reporting.selectors import period_summary

    rows = {
        r.indicator.code: r
        for r in period_summary(unit=reporting["city"], period=parse_period("q3", 2023))
    }
    # Households are entered by the two groups; only group-a1 has a figure (ward-b's
    # August figure is at a level that does not enter it and is not counted).
    households = rows["households"]
    assert (households.units_reported, households.units_expected) == (1, 2)
    assert households.is_partial
    revenue = rows["revenue"]  # both wards entered September
    assert (revenue.units_reported, revenue.units_expected, revenue.is_partial) == (2, 2, False)
