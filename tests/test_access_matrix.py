"""The permission matrix: every role × a unit inside or outside the grant × every URL and action.

Each role is granted on ward-a, which covers ward-a and group-a1 (under it) but not ward-b
(beside it) nor the city (above it). "none" is a staff member without any grant. What each
role may do is written out here by hand, independently of ``access.ROLES_FOR_ACTION``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.models import Figure, MonthApproval, PeriodReport, Target, Unit

ROLES = ["viewer", "data_entry", "approver", "city_admin", "none"]
INSIDE = ["ward-a", "group-a1"]
OUTSIDE = ["ward-b", "city"]
UNITS = INSIDE + OUTSIDE
IN_GRANT = {"ward-a", "group-a1", "group-a2"}  # every unit the grant covers
MAY = {
    "view": {"viewer", "data_entry", "approver", "city_admin"},
    "enter": {"data_entry"},
    "submit": {"data_entry", "approver"},
    "approve": {"approver"},
    "manage": {"city_admin"},
    "open_grid": {"data_entry", "approver"},
}
ORIGINAL = Decimal("1000")


def allowed(action: str, role: str, unit: str) -> bool:
    return role in MAY[action] and unit in INSIDE


@pytest.fixture
def world(tree, authority, make_indicator, grant):
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    for unit in tree.values():
        Figure.objects.create(unit=unit, indicator=revenue, year=2023, month=9, value=ORIGINAL)
        Target.objects.create(
            unit=unit, indicator=revenue, year=2023, authority=authority, value=Decimal(9000)
        )
        PeriodReport.objects.create(unit=unit, year=2023, period="9m", results="Kết quả")
    users = {role: grant(role, role, tree["ward-a"]) for role in ROLES if role != "none"}
    users["none"] = get_user_model().objects.create_user("none", is_staff=True)
    return {"units": tree, "indicator": revenue, "users": users, "authority": authority}


def login(client, world, role):
    client.force_login(world["users"][role])
    return client


def figure_of(world, code) -> Figure:
    return Figure.objects.get(unit=world["units"][code], year=2023, month=9)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_api_shows_a_unit_in_the_grant_and_hides_the_rest_as_not_found(client, world, role, unit):
    response = login(client, world, role).get(f"/api/units/{unit}/2023/9m/")
    if allowed("view", role, unit):
        assert response.status_code == 200
        assert response.json()["unit"]["code"] == unit
    else:
        assert response.status_code == 404
        assert response.json() == {"error": "Không có đơn vị với mã trong địa chỉ này."}


@pytest.mark.parametrize(
    "model", ["figure", "target", "periodreport", "historicalfigure", "historicaltarget"]
)
@pytest.mark.parametrize("role", ROLES)
def test_admin_lists_hold_only_the_units_of_the_grant(client, world, role, model):
    response = login(client, world, role).get(reverse(f"admin:indicators_{model}_changelist"))
    if role == "none":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    listed = {row.unit.code for row in response.context["cl"].result_list}
    assert listed == IN_GRANT


@pytest.mark.parametrize("role", ROLES)
def test_admin_unit_list_and_its_filter_hold_only_the_grant(client, world, role):
    response = login(client, world, role).get(
        reverse("admin:indicators_figure_changelist"), {"q": "Thu"}
    )
    if role == "none":
        assert response.status_code == 403
        return
    unit_filter = next(f for f in response.context["cl"].filter_specs if f.field_path == "unit")
    assert {label for _pk, label in unit_filter.lookup_choices} == {"Phường A", "Tổ 1", "Tổ 2"}
    units = login(client, world, role).get(reverse("admin:indicators_unit_changelist"))
    assert {u.code for u in units.context["cl"].result_list} == IN_GRANT


@pytest.mark.parametrize("source", ["figure", "target"])
@pytest.mark.parametrize("role", ROLES)
def test_unit_autocomplete_offers_only_units_the_role_may_write(client, world, role, source):
    response = login(client, world, role).get(
        reverse("admin:autocomplete"),
        {"app_label": "indicators", "model_name": source, "field_name": "unit", "term": ""},
    )
    if role == "none":
        assert response.status_code == 403
        return
    offered = {item["text"] for item in response.json()["results"]}
    action = "enter" if source == "figure" else "manage"
    expected = {"Phường A", "Tổ 1", "Tổ 2"} if role in MAY[action] else set()
    assert offered == expected


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_figure_change_form_opens_only_inside_the_grant(client, world, role, unit):
    figure = figure_of(world, unit)
    url = reverse("admin:indicators_figure_change", args=[figure.pk])
    response = login(client, world, role).get(url)
    if role == "none":
        assert response.status_code == 403
    elif unit in INSIDE:
        assert response.status_code == 200
        # Only data entry gets a form that saves; other roles read it.
        assert response.context["has_change_permission"] is (role == "data_entry")
    else:
        assert response.status_code == 302  # "does not exist", like a missing row


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_figure_change_and_delete_are_saved_only_by_data_entry_inside_the_grant(
    client, world, role, unit
):
    figure = figure_of(world, unit)
    client = login(client, world, role)
    client.post(
        reverse("admin:indicators_figure_change", args=[figure.pk]),
        {"value": "2500", "numerator": "", "denominator": "", "status": "official"},
    )
    figure.refresh_from_db()
    assert figure.value == (Decimal(2500) if allowed("enter", role, unit) else ORIGINAL)
    client.post(reverse("admin:indicators_figure_delete", args=[figure.pk]), {"post": "yes"})
    assert Figure.objects.filter(pk=figure.pk).exists() is not allowed("enter", role, unit)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_month_grid_opens_for_data_entry_and_approvers_inside_the_grant(client, world, role, unit):
    response = login(client, world, role).get(
        reverse("admin:indicators_figure_enter"), {"unit": unit, "year": 2023, "month": 9}
    )
    if role not in MAY["open_grid"]:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    if unit in INSIDE:
        assert response.context["grid"] is not None
        assert response.context["may_enter"] is (role == "data_entry")
    else:
        assert response.context["grid"] is None
        assert response.context["picker"].errors["unit"] == ["Không có đơn vị này."]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_month_grid_saves_only_for_data_entry_inside_the_grant(client, world, role, unit):
    login(client, world, role).post(
        reverse("admin:indicators_figure_enter"),
        {
            "unit": unit,
            "year": 2023,
            "month": 10,
            "fig-revenue-value": "777",
            "fig-revenue-status": "official",
        },
    )
    written = Figure.objects.filter(unit__code=unit, month=10)
    assert written.exists() is allowed("enter", role, unit)


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_submitting_and_approving_a_month_follow_the_role(client, world, role, unit):
    client = login(client, world, role)
    url = reverse("admin:indicators_monthapproval_move")
    confirmed = {"confirm_missing": "1"}  # a ward's groups have not submitted: go on anyway
    client.post(url, {"unit": unit, "year": 2023, "month": 9, "action": "submit", **confirmed})
    state = MonthApproval.objects.filter(unit__code=unit, year=2023, month=9).first()
    if allowed("submit", role, unit):
        assert state.status == "submitted"
    else:
        assert state is None
    # A colleague's submission: nobody approves a month they submitted themselves.
    MonthApproval.objects.update_or_create(
        unit=world["units"][unit],
        year=2023,
        month=9,
        defaults={"status": "submitted", "changed_by": world["users"]["data_entry"]},
    )
    client.post(url, {"unit": unit, "year": 2023, "month": 9, "action": "approve", **confirmed})
    state = MonthApproval.objects.get(unit__code=unit, year=2023, month=9)
    assert state.status == ("approved" if allowed("approve", role, unit) else "submitted")
    client.post(url, {"unit": unit, "year": 2023, "month": 9, "action": "reopen", "reason": "Sai"})
    state.refresh_from_db()
    assert state.status == ("open" if allowed("approve", role, unit) else "submitted")


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_targets_and_units_are_changed_only_by_a_city_admin_inside_the_grant(
    client, world, role, unit
):
    client = login(client, world, role)
    target = Target.objects.get(unit__code=unit)
    the_unit = world["units"][unit]
    client.post(
        reverse("admin:indicators_target_change", args=[target.pk]),
        {
            "unit": the_unit.pk,
            "indicator": world["indicator"].pk,
            "year": 2023,
            "authority": world["authority"].pk,
            "value": "12345",
            "basis": "NQ 01",
        },
    )
    target.refresh_from_db()
    assert target.value == (Decimal(12345) if allowed("manage", role, unit) else Decimal(9000))
    client.post(
        reverse("admin:indicators_unit_change", args=[the_unit.pk]),
        {
            "code": the_unit.code,
            "name": "Tên mới",
            "name_en": "",
            "level": the_unit.level,
            "parent": the_unit.parent_id or "",
            "order": 0,
        },
    )
    the_unit.refresh_from_db()
    assert (the_unit.name == "Tên mới") is allowed("manage", role, unit)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("root_grant", [False, True])
def test_the_catalogue_is_read_by_every_role_and_changed_only_by_a_city_admin_at_the_root(
    client, world, grant, role, root_grant
):
    if root_grant:  # the same role granted on the city, the root of the tree, too
        user = world["users"].get(role)
        if user is not None:
            grant(user.username, role, world["units"]["city"])
    client = login(client, world, role)
    indicator = world["indicator"]
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    assert client.get(url).status_code == (403 if role == "none" else 200)
    data = {
        "code": "revenue",
        "name": "Tên chỉ tiêu mới",
        "area": indicator.area_id,
        "unit": "đồng",
        "kind": "sum",
        "direction": "up",
        "order": 0,
        "is_active": "on",
    }
    client.post(url, data)
    indicator.refresh_from_db()
    assert (indicator.name == "Tên chỉ tiêu mới") is (role == "city_admin" and root_grant)


@pytest.mark.parametrize("role", ROLES)
def test_only_a_superuser_grants_roles(client, world, role):
    response = login(client, world, role).get(reverse("admin:indicators_rolegrant_changelist"))
    assert response.status_code == 403


def test_a_city_admin_cannot_create_a_unit_at_the_top_of_the_tree(client, world):
    client = login(client, world, "city_admin")
    response = client.post(
        reverse("admin:indicators_unit_add"),
        {"code": "rogue", "name": "Tỉnh mới", "name_en": "", "level": "province", "order": 0},
    )
    assert not Unit.objects.filter(code="rogue").exists()
    assert "Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất" in response.content.decode()
    client.post(
        reverse("admin:indicators_unit_add"),
        {
            "code": "group-a3",
            "name": "Tổ 3",
            "name_en": "",
            "level": "group",
            "parent": world["units"]["ward-a"].pk,
            "order": 3,
        },
    )
    assert Unit.objects.get(code="group-a3").parent.code == "ward-a"


@pytest.mark.parametrize(
    "page", ["period-summary", "indicator-detail", "period-export", "period-data"]
)
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_pages_and_exports_show_a_unit_in_the_grant_and_hide_the_rest(
    client, world, role, unit, page
):
    args = [unit, 2023, "9m"] + (["revenue"] if page == "indicator-detail" else [])
    response = login(client, world, role).get(reverse(page, args=args))
    if allowed("view", role, unit):
        assert response.status_code == 200
        if page.startswith("period-") and page != "period-summary":
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        else:
            assert response.context["unit"].code == unit
    else:
        assert response.status_code == 404
        assert "Không có đơn vị với mã trong địa chỉ này." in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_opens_on_the_top_of_the_users_grant(client, world, role):
    response = login(client, world, role).get(reverse("home"))
    if role == "none":
        assert response.status_code == 404
        assert "Bạn chưa được phân quyền xem số liệu của đơn vị nào." in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/units/ward-a/")


@pytest.mark.parametrize("role", ["viewer", "data_entry"])
def test_breadcrumbs_link_only_to_units_the_user_may_open(client, world, role):
    page = login(client, world, role).get(reverse("period-summary", args=["group-a1", 2023, "9m"]))
    assert [a.code for a in page.context["ancestors"]] == ["ward-a"]
    assert "Thành phố" not in page.content.decode()


@pytest.mark.parametrize("role", ["viewer", "data_entry", "approver", "city_admin"])
def test_the_figure_list_links_to_the_month_grid_only_for_roles_that_may_open_it(
    client, world, role
):
    page = login(client, world, role).get(reverse("admin:indicators_figure_changelist"))
    assert (reverse("admin:indicators_figure_enter") in page.content.decode()) is (
        role in MAY["open_grid"]
    )


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("role", ROLES)
def test_written_sections_are_changed_only_by_data_entry_inside_the_grant(
    client, world, role, unit
):
    report = PeriodReport.objects.get(unit__code=unit)
    login(client, world, role).post(
        reverse("admin:indicators_periodreport_change", args=[report.pk]),
        {"unit": report.unit_id, "year": 2023, "period": "9m", "results": "Viết lại"},
    )
    report.refresh_from_db()
    assert (report.results == "Viết lại") is allowed("enter", role, unit)


@pytest.mark.parametrize("role", ["data_entry", "approver"])
def test_a_month_action_on_another_wards_unit_answers_like_an_unknown_code(client, world, role):
    client = login(client, world, role)
    url = reverse("admin:indicators_monthapproval_move")
    answers = [
        client.post(url, {"unit": code, "year": 2023, "month": 9, "action": "submit"})
        for code in ("ward-b", "khong-co-don-vi-nay")
    ]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert not MonthApproval.objects.filter(unit__code="ward-b").exists()
