"""Month approval: open → submitted → approved, reopen with a reason, and what an approval locks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from indicators import approval
from indicators.core.periods import parse_period
from indicators.entry import services
from indicators.entry.services import (
    FigureEntry,
    approve_month,
    delete_figures,
    reopen_month,
    save_month,
    save_unit,
    submit_month,
    update_figure,
)
from indicators.models import Figure, Indicator, MonthApproval, PeriodReport


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
    submit_month(unit=unit, year=2023, month=month, user=setup["clerk"], confirm_missing=True)
    approve_month(unit=unit, year=2023, month=month, user=setup["chief"], confirm_missing=True)


def status(unit, month=9) -> str:
    row = MonthApproval.objects.filter(unit=unit, year=2023, month=month).first()
    return row.status if row else "open"


# --- Transitions ---------------------------------------------------------------------------


def test_a_month_moves_open_submitted_approved_and_back_with_a_reason(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    assert status(ward) == "submitted"
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
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
        approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    assert refused.value.messages == [
        "Tháng 9/2023 của Phường A chưa được gửi duyệt; phải gửi duyệt trước khi phê duyệt."
    ]
    assert status(ward) == "open"


def test_submitting_twice_and_reopening_an_open_month_are_refused(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    with pytest.raises(ValidationError) as twice:
        submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
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
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    with pytest.raises(PermissionDenied):
        approve_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
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
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    assert approval.approval_state(ward, q3) == "submitted"
    assert approval.approval_state(ward, parse_period("m8", 2023)) == "approved"
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
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
    submit_month(
        unit=setup["units"]["ward-a"], year=2023, month=9, user=setup["clerk"], confirm_missing=True
    )
    assert head() == "Số liệu đã gửi duyệt, chờ phê duyệt"
    approve_month(
        unit=setup["units"]["ward-a"], year=2023, month=9, user=setup["chief"], confirm_missing=True
    )
    assert head() == "Số liệu đã phê duyệt"


def test_the_approval_list_submits_and_approves_the_selected_months(client, setup):
    ward, group = setup["units"]["ward-a"], setup["units"]["group-a1"]
    # The whole ward is selected: its groups move before it, so nothing under it is missing.
    for unit in (ward, group, setup["units"]["group-a2"]):
        MonthApproval.objects.create(unit=unit, year=2023, month=9, status="open")
    client.force_login(setup["clerk"])
    url = reverse("admin:indicators_monthapproval_changelist")
    ids = list(MonthApproval.objects.values_list("pk", flat=True))
    client.post(url, {"action": "submit_selected", "_selected_action": ids})
    assert sorted(MonthApproval.objects.values_list("status", flat=True)) == ["submitted"] * 3
    client.force_login(setup["chief"])
    response = client.post(
        url, {"action": "approve_selected", "_selected_action": ids}, follow=True
    )
    assert sorted(MonthApproval.objects.values_list("status", flat=True)) == ["approved"] * 3
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


# --- Four eyes ------------------------------------------------------------------------------


def test_the_person_who_submitted_a_month_cannot_approve_it(client, setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    with pytest.raises(ValidationError) as refused:
        approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    assert refused.value.messages == [
        "Tháng 9/2023 của Phường A do chính bạn gửi duyệt; phải do một người phê duyệt khác "
        "phê duyệt."
    ]
    client.force_login(setup["chief"])  # the grid's button says the same
    response = client.post(
        reverse("admin:indicators_monthapproval_move"),
        {"unit": "ward-a", "year": 2023, "month": 9, "action": "approve", "confirm_missing": "1"},
        follow=True,
    )
    assert "do chính bạn gửi duyệt" in response.content.decode()
    assert status(ward) == "submitted"


def test_the_approval_list_refuses_approving_ones_own_submission(client, setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    client.force_login(setup["chief"])
    response = client.post(
        reverse("admin:indicators_monthapproval_changelist"),
        {"action": "approve_selected", "_selected_action": [MonthApproval.objects.get().pk]},
        follow=True,
    )
    assert "do chính bạn gửi duyệt" in response.content.decode()
    assert status(ward) == "submitted"


def test_a_one_person_office_may_approve_its_own_submission(settings, setup):
    settings.WARD_REPORT_SINGLE_PERSON_APPROVAL = True
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    assert status(ward) == "approved"


# --- Deleting figures -----------------------------------------------------------------------


def test_a_bulk_delete_touching_an_approved_month_deletes_nothing(setup):
    approved(setup, "ward-a", 9)
    open_figure = Figure.objects.create(
        unit=setup["units"]["group-a1"],
        indicator=setup["revenue"],
        year=2023,
        month=10,
        value=Decimal(7),
    )
    locked_figure = Figure.objects.get(unit=setup["units"]["group-a1"], month=9)
    with pytest.raises(approval.MonthLocked) as refused:
        delete_figures(figure_ids=[open_figure.pk, locked_figure.pk], user=setup["clerk"])
    assert refused.value.messages == [
        "Số liệu tháng 9/2023 của Tổ 1 đã được phê duyệt (Phường A) nên đã khóa. "
        "Người phê duyệt phải mở lại, có ghi lý do, trước khi sửa."
    ]
    assert Figure.objects.filter(pk__in=[open_figure.pk, locked_figure.pk]).count() == 2


def test_a_bulk_delete_in_the_admin_keeps_the_user_and_source_of_each_deletion(client, setup):
    figures = list(Figure.objects.filter(month=9).order_by("pk"))
    client.force_login(setup["clerk"])
    client.post(
        reverse("admin:indicators_figure_changelist"),
        {"action": "delete_selected", "_selected_action": [f.pk for f in figures], "post": "yes"},
    )
    assert not Figure.objects.exists()
    deletions = Figure.history.filter(history_type="-").order_by("id")
    assert [(d.id, d.history_user, d.history_change_reason) for d in deletions] == [
        (f.pk, setup["clerk"], "admin") for f in figures
    ]


def test_the_single_figure_service_refuses_an_approved_month(setup):
    approved(setup, "ward-a", 9)
    figure = Figure.objects.get(unit=setup["units"]["group-a1"], month=9)
    with pytest.raises(approval.MonthLocked):
        update_figure(
            figure_id=figure.pk,
            numbers={"value": Decimal(1), "status": "official"},
            user=setup["clerk"],
        )
    figure.refresh_from_db()
    assert figure.value == Decimal(100)


# --- Units and indicators under approved months ---------------------------------------------


def unit_form(unit, parent) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "name_en": "",
        "level": unit.level,
        "parent": parent.pk if parent else "",
        "order": 0,
    }


@pytest.fixture
def admin_user(setup, grant):
    """A city administrator granted on the city: manages every unit."""
    return grant("admin", "city_admin", setup["units"]["city"])


def test_a_unit_form_refuses_a_parent_that_makes_a_loop_and_writes_nothing(
    client, setup, admin_user
):
    ward, group = setup["units"]["ward-a"], setup["units"]["group-a1"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:indicators_unit_change", args=[ward.pk]), unit_form(ward, group)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        "Không đặt được Tổ 1 làm đơn vị cấp trên của Phường A: Tổ 1 là Phường A hoặc nằm "
        "dưới Phường A (các đơn vị sẽ thành một vòng)."
    ]
    ward.refresh_from_db()
    assert ward.parent == setup["units"]["city"]
    assert [h.history_type for h in ward.history.all()] == ["+"]  # its creation only


def test_the_unit_service_refuses_a_loop_even_past_the_form(setup):
    ward, group = setup["units"]["ward-a"], setup["units"]["group-a1"]
    data = {**unit_form(ward, None), "parent_id": group.pk}
    with pytest.raises(ValidationError) as refused:
        save_unit(unit_id=ward.pk, data=data, user=None)
    assert "các đơn vị sẽ thành một vòng" in refused.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        save_unit(unit_id=ward.pk, data={**data, "parent_id": ward.pk}, user=None)
    ward.refresh_from_db()
    assert ward.parent_id == setup["units"]["city"].pk


MOVE_REFUSED = (
    "Không chuyển được Tổ 1: số liệu của đơn vị này thuộc tháng 9/2023 của {approved}, đã "
    "được phê duyệt. Người phê duyệt phải mở lại tháng đó trước khi chuyển."
)


@pytest.mark.parametrize("approved_unit", ["ward-a", "ward-b", "city"])
def test_moving_a_unit_is_refused_while_a_month_it_contributes_to_is_approved(
    client, setup, admin_user, grant, approved_unit
):
    """Tổ 1 has a September figure; moving it from Phường A to Phường B would change the
    approved September of the old parent, the new one, or (above both) the city."""
    units = setup["units"]
    approver = grant("approver-b", "approver", units[approved_unit])
    MonthApproval.objects.create(unit=units[approved_unit], year=2023, month=9, status="submitted")
    approve_month(
        unit=units[approved_unit], year=2023, month=9, user=approver, confirm_missing=True
    )
    group = units["group-a1"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:indicators_unit_change", args=[group.pk]), unit_form(group, units["ward-b"])
    )
    assert response.context["adminform"].form.errors["parent"] == [
        MOVE_REFUSED.format(approved=units[approved_unit].name)
    ]
    with pytest.raises(ValidationError):  # and the service, for every other path
        save_unit(
            unit_id=group.pk,
            data={**unit_form(group, None), "parent_id": units["ward-b"].pk},
            user=admin_user,
        )
    group.refresh_from_db()
    assert group.parent == units["ward-a"]


def test_a_unit_moves_when_no_approved_month_holds_its_figures(client, setup, admin_user):
    units = setup["units"]
    approved(setup, "ward-a", 10)  # October is approved, but Tổ 1 has no October figure
    group = units["group-a1"]
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:indicators_unit_change", args=[group.pk]), unit_form(group, units["ward-b"])
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.parent == units["ward-b"]
    moved = group.history.order_by("-history_id").first()
    assert (moved.parent_id, moved.history_user, moved.history_change_reason) == (
        units["ward-b"].pk,
        admin_user,
        "admin",
    )


def test_moving_a_unit_needs_the_manage_right_on_the_new_parent(client, setup, grant):
    units = setup["units"]
    ward_admin = grant("ward-admin", "city_admin", units["ward-a"])
    group = units["group-a1"]
    refusal = services.unit_refusal(unit=group, parent_id=units["ward-b"].pk, user=ward_admin)
    assert refusal == {"parent": "Bạn không có quyền quản trị đơn vị, chỉ tiêu của Phường B."}
    with pytest.raises(ValidationError):
        save_unit(
            unit_id=group.pk,
            data={**unit_form(group, None), "parent_id": units["ward-b"].pk},
            user=ward_admin,
        )
    client.force_login(ward_admin)  # the form does not even offer Phường B
    response = client.post(
        reverse("admin:indicators_unit_change", args=[group.pk]), unit_form(group, units["ward-b"])
    )
    assert "parent" in response.context["adminform"].form.errors
    group.refresh_from_db()
    assert group.parent == units["ward-a"]


def indicator_form(indicator, **changes) -> dict:
    data = {
        "code": indicator.code,
        "name": indicator.name,
        "area": indicator.area_id,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "direction": indicator.direction,
        "order": 0,
        "is_active": "on",
    }
    return {k: v for k, v in {**data, **changes}.items() if v is not None}


def test_an_indicators_kind_cannot_change_once_it_has_figures(client, setup, admin_user):
    revenue = setup["revenue"]
    client.force_login(admin_user)
    url = reverse("admin:indicators_indicator_change", args=[revenue.pk])
    response = client.post(url, indicator_form(revenue, kind="level"))
    assert response.context["adminform"].form.errors["kind"] == [
        "Không đổi được loại của chỉ tiêu “Thu ngân sách”: chỉ tiêu đã có số liệu, đổi loại "
        "sẽ làm sai cách cộng số liệu đã nhập (kể cả các tháng đã phê duyệt)."
    ]
    data = {name: getattr(revenue, name) for name in services.CATALOGUE_FIELDS[Indicator]}
    with pytest.raises(ValidationError):
        services.save_catalogue_row(
            model=Indicator, row_id=revenue.pk, data={**data, "kind": "level"}, user=admin_user
        )
    revenue.refresh_from_db()
    assert revenue.kind == "sum"


def test_an_indicator_without_figures_changes_kind_and_any_may_be_deactivated(
    client, setup, admin_user, make_indicator
):
    fresh = make_indicator("fresh", "sum", name="Chỉ tiêu mới")
    client.force_login(admin_user)
    client.post(
        reverse("admin:indicators_indicator_change", args=[fresh.pk]),
        indicator_form(fresh, kind="level"),
    )
    revenue = setup["revenue"]
    client.post(
        reverse("admin:indicators_indicator_change", args=[revenue.pk]),
        indicator_form(revenue, is_active=None),  # unticked
    )
    fresh.refresh_from_db()
    revenue.refresh_from_db()
    assert (fresh.kind, revenue.is_active) == ("level", False)
    last = revenue.history.order_by("-history_id").first()
    assert (last.is_active, last.history_user, last.history_change_reason) == (
        False,
        admin_user,
        "admin",
    )
