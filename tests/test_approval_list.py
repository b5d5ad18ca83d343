"""The admin's approval list: every expected unit's month, its state, dates and links, and
approving several months at once through the same service as the month grid."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.entry.services import approve_month, reopen_month, submit_month
from indicators.models import Figure, MonthApproval, Unit
from indicators.reporting import approval_list
from indicators.reporting.approval_list import ListState, approval_rows

URL = "/admin/indicators/monthapproval/"


@pytest.fixture(autouse=True)
def october_2023(monkeypatch):
    monkeypatch.setattr(approval_list, "current_day", lambda: date(2023, 10, 5))


@pytest.fixture
def setup(tree, make_indicator, grant):
    # Groups enter the indicator; wards add it up, and enter nothing themselves.
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách", entry_levels=["group"])
    Figure.objects.create(
        unit=tree["group-a1"], indicator=revenue, year=2023, month=9, value=Decimal(100)
    )
    return {
        "units": tree,
        "clerk": grant("clerk", "data_entry", tree["ward-a"]),
        "chief": grant("chief", "approver", tree["ward-a"]),
        "deputy": grant("deputy", "approver", tree["ward-a"]),
    }


def status(unit, month=9) -> str:
    row = MonthApproval.objects.filter(unit=unit, year=2023, month=month).first()
    return row.status if row else "open"


def listed(response) -> list[str]:
    """The data-key of each row shown, in order."""
    import re

    return re.findall(r'data-key="([^"]+)"', response.content.decode())


def key(unit, month, year=2023) -> str:
    return f"{unit.pk}-{year}-{month}"


def test_every_expected_month_up_to_now_is_listed_not_only_submitted_ones(setup):
    units = setup["units"]
    submit_month(unit=units["group-a1"], year=2023, month=9, user=setup["clerk"])
    rows = approval_rows(unit_ids=[u.pk for u in units.values()], years=[2023])
    # Only the groups enter something: 2 groups × January–October (today is 5 October).
    assert len(rows) == 2 * 10
    assert (rows[0].year, rows[0].month) == (2023, 10)
    by_key = {row.key: row for row in rows}
    september = by_key[key(units["group-a1"], 9)]
    assert september.state == ListState.SUBMITTED
    assert september.submitted_by == setup["clerk"]
    assert september.has_figures
    assert september.due == date(2023, 10, 20)
    other = by_key[key(units["group-a2"], 9)]
    assert (other.state, other.has_figures, other.submitted_at) == (
        ListState.NOT_SUBMITTED,
        False,
        None,
    )


def test_a_unit_is_listed_only_in_the_months_it_existed(setup):
    units = setup["units"]
    group = units["group-a2"]
    group.valid_from, group.valid_until = date(2023, 7, 15), date(2023, 8, 31)
    group.save()  # the unit tree is read again
    rows = approval_rows(unit_ids=[units["group-a2"].pk], years=[2023])
    assert [row.month for row in rows] == [8, 7]


def test_approved_and_reopened_months_show_who_and_when(setup):
    group = setup["units"]["group-a1"]
    submit_month(unit=group, year=2023, month=9, user=setup["clerk"])
    approve_month(unit=group, year=2023, month=9, user=setup["chief"])
    submit_month(unit=group, year=2023, month=8, user=setup["clerk"])
    reopen_month(unit=group, year=2023, month=8, user=setup["chief"], reason="Sai số tổ 1")
    rows = {row.month: row for row in approval_rows(unit_ids=[group.pk], years=[2023])}
    approved = rows[9]
    assert approved.state == ListState.APPROVED
    assert (approved.submitted_by, approved.approved_by) == (setup["clerk"], setup["chief"])
    assert approved.submitted_at is not None and approved.approved_at is not None
    reopened = rows[8]
    assert (reopened.state, reopened.reopened_by, reopened.reason) == (
        ListState.REOPENED,
        setup["chief"],
        "Sai số tổ 1",
    )
    assert reopened.submitted_at is None


def test_the_page_lists_the_months_with_state_dates_and_links(client, setup):
    units = setup["units"]
    group = units["group-a1"]
    submit_month(unit=group, year=2023, month=9, user=setup["clerk"])
    client.force_login(setup["chief"])
    response = client.get(URL, {"year": 2023, "month": 9})
    page = response.content.decode()
    assert listed(response) == [key(group, 9), key(units["group-a2"], 9)]
    assert "Chờ phê duyệt" in page and "Chưa gửi duyệt" in page
    row = MonthApproval.objects.get(unit=group, year=2023, month=9)
    from django.utils import formats, timezone

    assert formats.date_format(timezone.localtime(row.submitted_at), "DATETIME_FORMAT") in page
    assert " ngày " in formats.date_format(timezone.localtime(row.submitted_at), "DATETIME_FORMAT")
    assert "20/10/2023" in page  # the due date
    grid = reverse("admin:indicators_figure_enter") + "?unit=group-a1&amp;year=2023&amp;month=9"
    assert grid in page
    figures = f"/admin/indicators/figure/?unit__id__exact={group.pk}&amp;year__exact=2023"
    assert figures in page


def test_the_filters_pick_a_state_and_a_unit(client, setup):
    units = setup["units"]
    submit_month(unit=units["group-a1"], year=2023, month=9, user=setup["clerk"])
    client.force_login(setup["chief"])
    assert listed(client.get(URL, {"state": "submitted"})) == [key(units["group-a1"], 9)]
    assert len(listed(client.get(URL, {"state": "not_submitted", "year": 2023}))) == 19
    # A unit outside the grant is left out of the list like a code that does not exist.
    outside = client.get(URL, {"unit": "ward-b", "year": 2023})
    assert len(listed(outside)) == 20
    assert "Phường B" not in outside.content.decode()


def test_a_unit_outside_the_grant_is_never_listed(client, setup, grant, make_indicator):
    units = setup["units"]
    units["ward-b"].level = "group"  # ward B now enters the indicator too
    units["ward-b"].save()
    client.force_login(setup["chief"])
    keys = listed(client.get(URL, {"year": 2023}))
    assert not [k for k in keys if k.startswith(f"{units['ward-b'].pk}-")]


def test_several_months_are_approved_at_once_through_the_service(client, setup):
    units = setup["units"]
    for month in (8, 9):
        for group in ("group-a1", "group-a2"):
            submit_month(unit=units[group], year=2023, month=month, user=setup["clerk"])
    client.force_login(setup["chief"])
    chosen = [key(units[g], m) for g in ("group-a1", "group-a2") for m in (8, 9)]
    response = client.post(
        f"{URL}?year=2023",
        {"action": "approve_selected", "_selected_action": chosen},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{URL}?year=2023"
    assert [status(units[g], m) for g in ("group-a1", "group-a2") for m in (8, 9)] == [
        "approved"
    ] * 4
    page = response.content.decode()
    assert "Đã phê duyệt tháng 8/2023 của Tổ 1; số liệu đã khóa." in page
    history = MonthApproval.objects.get(unit=units["group-a1"], year=2023, month=8).history
    assert history.order_by("-history_date").first().history_user == setup["chief"]


def test_bulk_approval_refuses_each_month_on_its_own_with_the_reason(client, setup):
    units = setup["units"]
    g1, g2 = units["group-a1"], units["group-a2"]
    submit_month(unit=g1, year=2023, month=9, user=setup["clerk"])
    submit_month(unit=g2, year=2023, month=9, user=setup["chief"])  # four eyes
    client.force_login(setup["chief"])
    response = client.post(
        URL,
        {
            "action": "approve_selected",
            "_selected_action": [key(g1, 9), key(g2, 9), key(g1, 7)],
        },
        follow=True,
    )
    page = response.content.decode()
    assert (status(g1), status(g2), status(g1, 7)) == ("approved", "submitted", "open")
    assert "Tháng 9/2023 của Tổ 2 do chính bạn gửi duyệt" in page
    assert "Tháng 7/2023 của Tổ 1 chưa được gửi duyệt" in page


def test_a_ward_with_groups_missing_is_refused_by_the_bulk_approval(client, setup, grant):
    units = setup["units"]
    ward = units["ward-a"]
    MonthApproval.objects.create(unit=ward, year=2023, month=9, status="submitted")
    client.force_login(setup["chief"])
    response = client.post(
        URL, {"action": "approve_selected", "_selected_action": [key(ward, 9)]}, follow=True
    )
    assert status(ward) == "submitted"
    assert "chưa gửi duyệt tháng 9/2023" in response.content.decode()


def test_a_clerk_cannot_approve_from_the_list(client, setup):
    group = setup["units"]["group-a1"]
    submit_month(unit=group, year=2023, month=9, user=setup["deputy"])
    client.force_login(setup["clerk"])
    response = client.post(
        URL, {"action": "approve_selected", "_selected_action": [key(group, 9)]}, follow=True
    )
    assert status(group) == "submitted"
    assert "Bạn không có quyền phê duyệt số liệu của Tổ 1." in response.content.decode()


def test_a_month_of_a_unit_outside_the_grant_is_not_moved(client, setup, grant):
    ward_b = setup["units"]["ward-b"]
    other = grant("other", "data_entry", ward_b)
    submit_month(unit=ward_b, year=2023, month=9, user=other, confirm_missing=True)
    client.force_login(setup["chief"])
    response = client.post(
        URL, {"action": "approve_selected", "_selected_action": [key(ward_b, 9)]}, follow=True
    )
    assert status(ward_b) == "submitted"
    page = response.content.decode()
    assert "Phường B" not in page
    assert "Chưa chọn tháng nào" in page


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_rows(client, setup, tree):
    client.force_login(setup["chief"])

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert response.status_code == 200
        return len(listed(response)), len(queries)

    few_rows, few_queries = count()
    ward = tree["ward-a"]
    for number in range(3, 9):
        group = Unit.objects.create(
            code=f"group-a{number}", name=f"Tổ {number}", level="group", parent=ward
        )
        for status_now in ("submitted", "approved"):  # each with its history row
            MonthApproval.objects.update_or_create(
                unit=group,
                year=2023,
                month=9,
                defaults={"status": status_now, "changed_by": setup["clerk"]},
            )
    many_rows, many_queries = count()
    assert many_rows > few_rows
    assert many_queries == few_queries


def test_each_user_is_offered_only_the_bulk_actions_of_their_role(client, setup, grant):
    client.force_login(setup["clerk"])
    clerk_page = client.get(URL).content.decode()
    assert 'value="submit_selected"' in clerk_page
    assert 'value="approve_selected"' not in clerk_page
    client.force_login(setup["chief"])
    assert 'value="approve_selected"' in client.get(URL).content.decode()
    client.force_login(grant("reader", "viewer", setup["units"]["ward-a"]))
    reader_page = client.get(URL).content.decode()
    assert 'name="_selected_action"' not in reader_page
    assert len(listed(client.get(URL, {"year": 2023}))) == 20  # the viewer still reads it all
