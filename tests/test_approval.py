"""Month approval: open → submitted → approved, reopen with a reason, and what an approval locks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from indicators import approval
from indicators.core.periods import parse_period
from indicators.entry.services import (
    FigureEntry,
    approve_month,
    reopen_month,
    save_month,
    submit_month,
)
from indicators.models import Figure, MonthApproval, PeriodReport


@pytest.fixture
def setup(tree, make_indicator, grant):
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    for unit in ("ward-a", "group-a1"):
        Figure.objects.create(
            unit=tree[unit], indicator=revenue, year=2023, month=9, value=Decimal(100)
        )
    return {
        "units": tree,
        "revenue": revenue,
        "clerk": grant("clerk", "data_entry", tree["ward-a"]),
        "chief": grant("chief", "approver", tree["ward-a"]),
    }


def approved(setup, unit="ward-a", month=9):
    unit = setup["units"][unit]
    submit_month(unit=unit, year=2023, month=month, user=setup["chief"])
    approve_month(unit=unit, year=2023, month=month, user=setup["chief"])


def status(unit, month=9) -> str:
    row = MonthApproval.objects.filter(unit=unit, year=2023, month=month).first()
    return row.status if row else "open"


# --- Transitions ---------------------------------------------------------------------------


def test_a_month_moves_open_submitted_approved_and_back_with_a_reason(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    assert status(ward) == "submitted"
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"])
    assert status(ward) == "approved"
    reopen_month(unit=ward, year=2023, month=9, user=setup["chief"], reason="Sai số thu tổ 1")
    row = MonthApproval.objects.get(unit=ward, year=2023, month=9)
    assert (row.status, row.reason, row.changed_by) == ("open", "Sai số thu tổ 1", setup["chief"])
    history = [
        (h.status, h.history_user.username, h.reason)
        for h in row.history.order_by("history_date", "history_id")
    ]
    assert history == [
        ("submitted", "clerk", ""),
        ("approved", "chief", ""),
        ("open", "chief", "Sai số thu tổ 1"),
    ]


def test_approving_an_open_month_is_refused_with_a_message(setup):
    ward = setup["units"]["ward-a"]
    with pytest.raises(ValidationError) as refused:
        approve_month(unit=ward, year=2023, month=9, user=setup["chief"])
    assert refused.value.messages == [
        "Tháng 9/2023 của Phường A chưa được gửi duyệt; phải gửi duyệt trước khi phê duyệt."
    ]
    assert status(ward) == "open"


def test_submitting_twice_and_reopening_an_open_month_are_refused(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    with pytest.raises(ValidationError) as twice:
        submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    assert twice.value.messages == ["Tháng 9/2023 của Phường A đã được gửi duyệt."]
    with pytest.raises(ValidationError) as already_open:
        reopen_month(unit=ward, year=2023, month=10, user=setup["chief"], reason="x")
    assert already_open.value.messages == ["Tháng 10/2023 của Phường A đang mở, không cần mở lại."]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reopening_needs_a_reason(setup, reason):
    approved(setup)
    with pytest.raises(ValidationError) as refused:
        reopen_month(
            unit=setup["units"]["ward-a"], year=2023, month=9, user=setup["chief"], reason=reason
        )
    assert refused.value.messages == [
        "Phải ghi lý do mở lại số liệu đã gửi duyệt hoặc đã phê duyệt."
    ]
    assert status(setup["units"]["ward-a"]) == "approved"


def test_data_entry_cannot_approve_or_reopen(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    with pytest.raises(PermissionDenied):
        approve_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    with pytest.raises(PermissionDenied):
        reopen_month(unit=ward, year=2023, month=9, user=setup["clerk"], reason="x")
    assert status(ward) == "submitted"


def test_reopen_with_a_reason_through_the_grid_buttons(client, setup):
    approved(setup)
    client.force_login(setup["chief"])
    url = reverse("admin:indicators_monthapproval_move")
    form = {"unit": "ward-a", "year": 2023, "month": 9, "action": "reopen"}
    response = client.post(url, {**form, "reason": ""}, follow=True)
    assert "Phải ghi lý do mở lại" in response.content.decode()
    assert status(setup["units"]["ward-a"]) == "approved"
    response = client.post(url, {**form, "reason": "Tổ 1 báo lại"}, follow=True)
    assert "Đã mở lại tháng 9/2023 của Phường A." in response.content.decode()
    assert status(setup["units"]["ward-a"]) == "open"


# --- What an approval locks ----------------------------------------------------------------


def test_locked_months_cover_the_approved_unit_and_everything_under_it(setup):
    approved(setup, "ward-a", 9)
    approved(setup, "group-a1", 3)
    units = setup["units"]
    ids = [u.id for u in units.values()]
    assert approval.locked_months(ids, [2023]) == {
        (units["ward-a"].id, 2023, 9),
        (units["group-a1"].id, 2023, 9),
        (units["group-a2"].id, 2023, 9),
        (units["group-a1"].id, 2023, 3),
    }
    assert approval.locked_months(ids, [2022]) == set()


def test_an_approved_month_refuses_the_service_and_writes_nothing(setup):
    approved(setup, "ward-a")
    group = setup["units"]["group-a1"]
    entry = FigureEntry(indicator=setup["revenue"], value=Decimal(999))
    with pytest.raises(approval.MonthLocked) as locked:
        save_month(unit=group, year=2023, month=9, entries=[entry], user=setup["clerk"])
    assert locked.value.messages == [
        "Số liệu tháng 9/2023 của Tổ 1 đã được phê duyệt (Phường A) nên đã khóa. "
        "Người phê duyệt phải mở lại, có ghi lý do, trước khi sửa."
    ]
    assert Figure.objects.get(unit=group, month=9).value == Decimal(100)
    # Another month of the same unit is still open.
    save_month(unit=group, year=2023, month=10, entries=[entry], user=setup["clerk"])
    assert Figure.objects.get(unit=group, month=10).value == Decimal(999)


def test_an_approved_month_refuses_the_grid_and_keeps_the_figures(client, setup):
    approved(setup, "ward-a")
    client.force_login(setup["clerk"])
    url = reverse("admin:indicators_figure_enter")
    page = client.get(url, {"unit": "ward-a", "year": 2023, "month": 9})
    assert "Lưu cả tháng" not in page.content.decode()
    assert page.context["grid"].rows[0].fields["value"].disabled
    response = client.post(
        url,
        {
            "unit": "ward-a",
            "year": 2023,
            "month": 9,
            "fig-revenue-value": "555",
            "fig-revenue-status": "official",
        },
    )
    assert "đã được phê duyệt (Phường A) nên đã khóa" in response.content.decode()
    assert Figure.objects.get(unit=setup["units"]["ward-a"], month=9).value == Decimal(100)


def test_an_approved_month_refuses_the_figure_admin_change_and_delete(client, setup):
    approved(setup, "ward-a")
    client.force_login(setup["clerk"])
    figure = Figure.objects.get(unit=setup["units"]["group-a1"], month=9)
    change = client.post(
        reverse("admin:indicators_figure_change", args=[figure.pk]),
        {"value": "1", "status": "official"},
    )
    assert change.status_code == 403
    delete = client.post(
        reverse("admin:indicators_figure_delete", args=[figure.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    bulk = client.post(
        reverse("admin:indicators_figure_changelist"),
        {"action": "delete_selected", "_selected_action": [figure.pk], "post": "yes"},
    )
    assert bulk.status_code == 403
    figure.refresh_from_db()
    assert figure.value == Decimal(100)


def test_reopening_unlocks_the_month(setup):
    approved(setup, "ward-a")
    ward = setup["units"]["ward-a"]
    reopen_month(unit=ward, year=2023, month=9, user=setup["chief"], reason="Sửa số tổ 2")
    entry = FigureEntry(indicator=setup["revenue"], value=Decimal(120))
    result = save_month(unit=ward, year=2023, month=9, entries=[entry], user=setup["clerk"])
    assert result.updated == 1


def test_written_sections_lock_when_every_month_of_their_period_is_approved(client, setup):
    ward = setup["units"]["ward-a"]
    report = PeriodReport.objects.create(unit=ward, year=2023, period="q3", results="Cũ")
    client.force_login(setup["clerk"])
    url = reverse("admin:indicators_periodreport_change", args=[report.pk])
    form = {"unit": ward.pk, "year": 2023, "period": "q3", "results": "Mới 1"}
    approved(setup, "ward-a", 7)
    approved(setup, "ward-a", 8)
    client.post(url, form)  # September still open: the quarter's text can change
    report.refresh_from_db()
    assert report.results == "Mới 1"
    approved(setup, "ward-a", 9)
    response = client.post(url, {**form, "results": "Mới 2"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.results == "Mới 1"


def test_a_written_section_cannot_be_moved_into_an_approved_period(client, setup):
    ward = setup["units"]["ward-a"]
    for month in (7, 8, 9):
        approved(setup, "ward-a", month)
    client.force_login(setup["clerk"])
    response = client.post(
        reverse("admin:indicators_periodreport_add"),
        {"unit": ward.pk, "year": 2023, "period": "q3", "results": "Chen vào"},
    )
    assert PeriodReport.objects.count() == 0
    assert "Số liệu Quý III/2023 của Phường A đã được phê duyệt" in response.content.decode()


# --- Approval state of a period ------------------------------------------------------------


def test_approval_state_of_a_period(setup):
    ward, group = setup["units"]["ward-a"], setup["units"]["group-a1"]
    q3 = parse_period("q3", 2023)
    assert approval.approval_state(ward, q3) == "provisional"
    for month in (7, 8):
        approved(setup, "ward-a", month)
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    assert approval.approval_state(ward, q3) == "submitted"
    assert approval.approval_state(ward, parse_period("m8", 2023)) == "approved"
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"])
    assert approval.approval_state(ward, q3) == "approved"
    # The ward's approval covers the groups under it; not the city above it.
    assert approval.approval_state(group, q3) == "approved"
    assert approval.approval_state(setup["units"]["city"], q3) == "provisional"
    assert approval.approval_state(ward, parse_period("9m", 2023)) == "provisional"


def test_the_api_and_the_page_say_whether_figures_are_approved(client, setup):
    boss = get_user_model().objects.create_superuser("boss", "b@example.org", "pw-boss-1")
    client.force_login(boss)
    assert client.get("/api/units/ward-a/2023/m9/").json()["approval"] == "provisional"
    page = client.get(reverse("period-summary", args=["ward-a", 2023, "m9"]))
    assert "Số liệu tạm thời, chưa phê duyệt" in page.content.decode()
    approved(setup, "ward-a")
    assert client.get("/api/units/ward-a/2023/m9/").json()["approval"] == "approved"
    page = client.get(reverse("period-summary", args=["ward-a", 2023, "m9"]))
    assert "Số liệu đã phê duyệt" in page.content.decode()


def test_the_export_says_whether_figures_are_approved(client, setup):
    from io import BytesIO

    from openpyxl import load_workbook

    boss = get_user_model().objects.create_superuser("boss", "b@example.org", "pw-boss-1")
    client.force_login(boss)

    def head():
        response = client.get(reverse("period-export", args=["ward-a", 2023, "m9"]))
        return load_workbook(BytesIO(response.content)).worksheets[0]["A4"].value

    assert head() == "Số liệu tạm thời, chưa phê duyệt"
    submit_month(unit=setup["units"]["ward-a"], year=2023, month=9, user=setup["clerk"])
    assert head() == "Số liệu đã gửi duyệt, chờ phê duyệt"
    approve_month(unit=setup["units"]["ward-a"], year=2023, month=9, user=setup["chief"])
    assert head() == "Số liệu đã phê duyệt"


def test_the_approval_list_submits_and_approves_the_selected_months(client, setup):
    ward, group = setup["units"]["ward-a"], setup["units"]["group-a1"]
    for unit in (ward, group):
        MonthApproval.objects.create(unit=unit, year=2023, month=9, status="open")
    client.force_login(setup["chief"])
    url = reverse("admin:indicators_monthapproval_changelist")
    ids = list(MonthApproval.objects.values_list("pk", flat=True))
    client.post(url, {"action": "submit_selected", "_selected_action": ids})
    assert sorted(MonthApproval.objects.values_list("status", flat=True)) == ["submitted"] * 2
    response = client.post(
        url, {"action": "approve_selected", "_selected_action": ids}, follow=True
    )
    assert sorted(MonthApproval.objects.values_list("status", flat=True)) == ["approved"] * 2
    assert "Đã phê duyệt tháng 9/2023 của Tổ 1; số liệu đã khóa." in response.content.decode()


def test_the_approval_list_refuses_a_clerk_the_approval(client, setup):
    row = MonthApproval.objects.create(
        unit=setup["units"]["ward-a"], year=2023, month=9, status="submitted"
    )
    client.force_login(setup["clerk"])
    response = client.post(
        reverse("admin:indicators_monthapproval_changelist"),
        {"action": "approve_selected", "_selected_action": [row.pk]},
        follow=True,
    )
    row.refresh_from_db()
    assert row.status == "submitted"
    assert "Bạn không có quyền phê duyệt số liệu của Phường A." in response.content.decode()
