"""Reporting completeness across the 2025 reform: a unit is expected only in the months it
existed. Two wards end on 30 June 2025 and a ward formed on 1 July 2025 takes their place."""

from __future__ import annotations

from datetime import date

import pytest

from indicators import tree
from indicators.approval import unsubmitted_below
from indicators.models import MonthApproval, Unit
from indicators.reporting.completeness import (
    completeness,
    latest_complete_month,
    reporting_status,
)


@pytest.fixture
def merger(make_indicator, staff_user):
    make_indicator("revenue", "sum", entry_levels=["ward"])
    province = Unit.objects.create(code="province", name="Tỉnh", level="province")
    old = {"valid_until": date(2025, 6, 30), "parent": province, "level": "ward"}
    ward_a = Unit.objects.create(code="old-a", name="Phường A cũ", **old)
    ward_b = Unit.objects.create(code="old-b", name="Phường B cũ", **old)
    new = Unit.objects.create(
        code="new", name="Phường mới", level="ward", parent=province, valid_from=date(2025, 7, 1)
    )
    tree.forget()
    return {"province": province, "old-a": ward_a, "old-b": ward_b, "new": new}


def submit(unit, month, year=2025):
    MonthApproval.objects.create(
        unit=unit, year=year, month=month, status=MonthApproval.Status.SUBMITTED
    )


def test_each_month_expects_only_the_units_that_existed_in_it(merger):
    months = completeness(unit=merger["province"], year=2025, months=range(1, 13))
    assert [m.expected for m in months] == [2] * 6 + [1] * 6
    assert [u.code for u in months[5].missing] == ["old-a", "old-b"]
    assert [u.code for u in months[6].missing] == ["new"]


def test_a_year_before_the_reform_expects_only_the_old_wards(merger):
    rows = reporting_status(unit=merger["province"], year=2024, visible_ids=None).rows
    assert [row.unit.code for row in rows] == ["old-a", "old-b"]
    rows = reporting_status(unit=merger["province"], year=2026, visible_ids=None).rows
    assert [row.unit.code for row in rows] == ["new"]


def test_the_reform_year_shows_every_unit_with_the_months_it_did_not_exist(merger):
    status = reporting_status(unit=merger["province"], year=2025, visible_ids=None)
    cells = {row.unit.code: [c.exists for c in row.cells] for row in status.rows}
    assert cells == {
        "old-a": [True] * 6 + [False] * 6,
        "old-b": [True] * 6 + [False] * 6,
        "new": [False] * 6 + [True] * 6,
    }
    assert [m.expected for m in status.months] == [2] * 6 + [1] * 6


def test_submitting_the_province_month_misses_only_units_of_that_month(merger):
    assert [u.code for u in unsubmitted_below(unit=merger["province"], year=2025, month=6)] == [
        "old-a",
        "old-b",
    ]
    assert [u.code for u in unsubmitted_below(unit=merger["province"], year=2025, month=8)] == [
        "new"
    ]


def test_the_latest_complete_month_counts_the_units_of_that_month(merger):
    submit(merger["old-a"], 6)
    assert latest_complete_month(unit=merger["province"]) is None  # old-b is missing June
    submit(merger["old-b"], 6)
    assert latest_complete_month(unit=merger["province"]) == (2025, 6)
    submit(merger["new"], 7)  # the new ward alone is all July expects
    assert latest_complete_month(unit=merger["province"]) == (2025, 7)


def test_the_page_marks_the_months_before_and_after_a_unit_existed(merger, staff_client):
    page = staff_client.get("/units/province/2025/reporting/").content.decode()
    assert page.count("month-state--absent") == 18
    assert page.count('title="Chưa thành lập"') == 6
    assert page.count('title="Đã sắp xếp"') == 12
    assert "—: đơn vị chưa thành lập hoặc đã sắp xếp" in page


def test_a_group_of_a_ward_that_ended_is_expected_no_longer_than_its_ward(merger):
    from indicators.models import Indicator

    Indicator.objects.filter(code="revenue").update(entry_levels=["ward", "group"])
    Unit.objects.create(code="old-a-1", name="Tổ 1", level="group", parent=merger["old-a"])
    tree.forget()
    months = completeness(unit=merger["province"], year=2025, months=range(1, 13))
    assert [m.expected for m in months] == [3] * 6 + [1] * 6
    rows = reporting_status(unit=merger["province"], year=2026, visible_ids=None).rows
    assert [row.unit.code for row in rows] == ["new"]
    below = unsubmitted_below(unit=merger["province"], year=2025, month=9)
    assert [u.code for u in below] == ["new"]
