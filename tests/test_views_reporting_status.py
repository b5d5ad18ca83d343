"""The reporting-status page, completeness on period pages and in the API, the home page,
and the confirmation asked when a parent's month is submitted or approved with units missing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators.entry.services import MissingUnits, approve_month, reopen_month, submit_month
from indicators.models import Figure, MonthApproval
from tests.test_completeness import make_reporting
from tests.test_views_period import text_of

STATUS_URL = "/units/city/2023/reporting/"


@pytest.fixture
def reporting(tree, make_indicator):
    """Two wards with different deadlines; see ``test_completeness.make_reporting``."""
    return make_reporting(make_indicator)


# --- The page -----------------------------------------------------------------------------


def test_the_reporting_page_shows_states_dates_late_marks_and_rates(reporting, staff_client):
    response = staff_client.get(STATUS_URL)
    assert response.status_code == 200
    page = response.content.decode()
    text = " ".join(text_of(response).split())
    assert reverse("reporting-status", args=["city", 2023]) == STATUS_URL
    # September's rates: 3 of 4 submitted, 2 of 4 on time; ward-b is not submitted.
    assert "75%" in text and "3/4" in text
    assert "50%" in text and "2/4" in text
    september = page.split('id="not-submitted-9"')[1].split("</li>")[0]
    assert "Phường B" in september and "Phường A" not in september
    group_a2 = page.split('id="status-group-a2"')[1].split("</tr>")[0]
    assert "12/10" in group_a2 and "trễ hạn" in group_a2
    ward_a = page.split('id="status-ward-a"')[1].split("</tr>")[0]
    assert "25/10" in ward_a and "trễ hạn" not in ward_a
    assert "?unit=ward-a&amp;year=2023&amp;month=9" in ward_a  # a superuser may enter


def test_cells_link_to_the_grid_only_where_the_user_may_enter(reporting, client, grant):
    viewer = grant("viewer", "viewer", reporting["ward-a"])
    grant("viewer", "data_entry", reporting["group-a1"])
    client.force_login(viewer)
    page = client.get("/units/ward-a/2023/reporting/").content.decode()
    group_a1 = page.split('id="status-group-a1"')[1].split("</tr>")[0]
    group_a2 = page.split('id="status-group-a2"')[1].split("</tr>")[0]
    assert "?unit=group-a1&amp;year=2023&amp;month=9" in group_a1
    assert "figure/enter" not in group_a2
    assert 'id="status-ward-b"' not in page


def test_another_units_reporting_page_is_not_found(reporting, client, grant):
    client.force_login(grant("viewer", "viewer", reporting["ward-a"]))
    assert client.get(STATUS_URL).status_code == 404
    assert client.get("/units/nowhere/2023/reporting/").status_code == 404


def test_every_period_page_links_to_the_reporting_page_and_says_how_complete(
    reporting, staff_client
):
    response = staff_client.get("/units/city/2023/m9/")
    page = response.content.decode()
    assert 'href="/units/city/2023/reporting/"' in page
    row = page.split('id="completeness-9"')[1].split("</tr>")[0]
    cells = [part.split("</td>")[0].strip() for part in row.split("<td")[1:]]
    assert [c.split(">", 1)[1] for c in cells] == ["4", "3", "3", "1", "Phường B"]
    households = page.split('href="/units/city/2023/m9/indicators/households/"')[1]
    assert "1/2 đơn vị" in households.split("</td>")[0]  # one of the two groups entered it


# --- The API ------------------------------------------------------------------------------


def test_the_api_says_how_complete_each_month_of_the_period_is(reporting, staff_client):
    data = staff_client.get("/api/units/city/2023/q3/").json()
    assert data["completeness"] == [
        {"month": 7, "expected": 4, "entered": 0, "submitted": 0, "approved": 0,
         "missing": ["ward-a", "group-a1", "group-a2", "ward-b"]},
        {"month": 8, "expected": 4, "entered": 0, "submitted": 0, "approved": 0,
         "missing": ["ward-a", "group-a1", "group-a2", "ward-b"]},
        {"month": 9, "expected": 4, "entered": 3, "submitted": 3, "approved": 1,
         "missing": ["ward-b"]},
    ]  # fmt: skip
    ward = staff_client.get("/api/units/ward-a/2023/m9/").json()["completeness"]
    assert ward == [
        {"month": 9, "expected": 3, "entered": 2, "submitted": 3, "approved": 1, "missing": []}
    ]


# --- The home page ------------------------------------------------------------------------


@pytest.fixture
def half_entered(tree, make_indicator, grant):
    """ward-a and its two groups submitted September; one group typed one October figure."""
    revenue = make_indicator("revenue", "sum")
    for code in ("ward-a", "group-a1", "group-a2"):
        unit = tree[code]
        Figure.objects.create(unit=unit, indicator=revenue, year=2023, month=9, value=1)
        MonthApproval.objects.create(unit=unit, year=2023, month=9, status="submitted")
    Figure.objects.create(unit=tree["group-a1"], indicator=revenue, year=2023, month=10, value=1)
    return grant("officer", "viewer", tree["ward-a"])


def test_the_home_page_skips_a_half_entered_month(half_entered, client):
    client.force_login(half_entered)
    assert client.get("/")["Location"] == "/units/ward-a/2023/9m/"  # not "lũy kế 10 tháng"


def test_the_home_page_falls_back_to_the_latest_month_with_data(half_entered, client):
    MonthApproval.objects.filter(unit__code="group-a2").delete()  # September incomplete now
    client.force_login(half_entered)
    assert client.get("/")["Location"] == "/units/ward-a/2023/ytd10/"


def test_the_demo_home_page_still_opens_on_the_seeds_nine_months(demo, staff_client):
    assert staff_client.get("/")["Location"] == "/units/chanh-lo/2023/9m/"
    [september] = staff_client.get("/api/units/chanh-lo/2023/m9/").json()["completeness"]
    assert (september["expected"], september["submitted"], september["missing"]) == (9, 9, [])


# --- Submitting or approving with units missing -------------------------------------------


@pytest.fixture
def ward_month(tree, make_indicator, grant):
    """ward-a's September: group-a1 submitted, group-a2 not; a clerk and a chief."""
    make_indicator("revenue", "sum")
    MonthApproval.objects.create(unit=tree["group-a1"], year=2023, month=9, status="submitted")
    return {
        "ward": tree["ward-a"],
        "clerk": grant("clerk", "data_entry", tree["ward-a"]),
        "chief": grant("chief", "approver", tree["ward-a"]),
    }


def test_submitting_a_parent_with_units_missing_needs_a_confirmation(ward_month):
    ward, clerk = ward_month["ward"], ward_month["clerk"]
    with pytest.raises(MissingUnits) as refused:
        submit_month(unit=ward, year=2023, month=9, user=clerk)
    assert [unit.code for unit in refused.value.units] == ["group-a2"]
    assert (
        "Còn 1 đơn vị trực thuộc Phường A chưa gửi duyệt tháng 9/2023: Tổ 2."
        in (refused.value.messages[0])
    )
    assert not MonthApproval.objects.filter(unit=ward).exists()  # nothing written

    row = submit_month(unit=ward, year=2023, month=9, user=clerk, confirm_missing=True)
    assert (row.status, row.confirmed_missing) == ("submitted", "group-a2")
    assert row.submitted_at is not None
    assert row.history.latest().confirmed_missing == "group-a2"  # in the audit trail


def test_approving_a_parent_with_units_missing_needs_a_confirmation(ward_month):
    ward = ward_month["ward"]
    submit_month(unit=ward, year=2023, month=9, user=ward_month["clerk"], confirm_missing=True)
    with pytest.raises(ValidationError):
        approve_month(unit=ward, year=2023, month=9, user=ward_month["chief"])
    assert MonthApproval.objects.get(unit=ward).status == "submitted"
    row = approve_month(
        unit=ward, year=2023, month=9, user=ward_month["chief"], confirm_missing=True
    )
    assert (row.status, row.confirmed_missing) == ("approved", "group-a2")
    assert [h.status for h in row.history.order_by("history_id")] == ["submitted", "approved"]


def test_a_parent_with_every_unit_submitted_needs_no_confirmation(ward_month, tree):
    MonthApproval.objects.create(unit=tree["group-a2"], year=2023, month=9, status="approved")
    row = submit_month(unit=ward_month["ward"], year=2023, month=9, user=ward_month["clerk"])
    assert (row.status, row.confirmed_missing) == ("submitted", "")


def test_the_grid_button_shows_the_missing_units_then_goes_on_when_confirmed(ward_month, client):
    client.force_login(ward_month["clerk"])
    url = reverse("admin:indicators_monthapproval_move")
    form = {"unit": "ward-a", "year": 2023, "month": 9, "action": "submit"}
    response = client.post(url, form)
    assert response.status_code == 200
    text = text_of(response)
    assert "Tổ 2 (group-a2)" in text and "Vẫn gửi duyệt" in text
    assert 'name="confirm_missing"' in response.content.decode()
    assert not MonthApproval.objects.filter(unit=ward_month["ward"]).exists()

    response = client.post(url, {**form, "confirm_missing": "1"})
    assert response.status_code == 302
    row = MonthApproval.objects.get(unit=ward_month["ward"])
    assert (row.status, row.confirmed_missing) == ("submitted", "group-a2")


def test_reopening_clears_the_submission_time(ward_month, tree):
    group = tree["group-a1"]
    submitted = submit_month(unit=group, year=2023, month=10, user=ward_month["clerk"])
    assert submitted.submitted_at is not None
    reopened = reopen_month(
        unit=group, year=2023, month=10, user=ward_month["chief"], reason="Sai số"
    )
    assert (reopened.status, reopened.submitted_at, reopened.reason) == ("open", None, "Sai số")


def test_the_demo_reporting_page_shows_its_four_late_months(demo, staff_client):
    page = staff_client.get("/units/chanh-lo/2023/reporting/").content.decode()
    assert page.count("trễ hạn") == 4  # groups 3 (February), 7 (May), 5 (August), the ward (July)

    def rates(row_id: str) -> list[str]:
        row = page.split(f'id="{row_id}"')[1].split("</tr>")[0]
        return [cell.split(">", 1)[1].split("<br>")[0] for cell in row.split("<td")[1:]]

    late = "88,89%"  # 8 of 9 on time
    assert rates("reporting-rate") == ["100%"] * 9 + ["0%"] * 3
    assert rates("on-time-rate") == [
        "100%", late, "100%", "100%", late, "100%", late, late, "100%", "0%", "0%", "0%"
    ]  # fmt: skip


def test_a_reporting_page_of_a_year_out_of_range_is_not_found(reporting, staff_client):
    response = staff_client.get("/units/city/1800/reporting/")
    assert response.status_code == 404
    assert "1800" in response.content.decode()
