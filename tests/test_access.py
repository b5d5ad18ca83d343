"""Who may do what: the rule over grants, and its reads from the database."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from indicators import access
from indicators.models import RoleGrant, Unit

# A hand-written tree: 1 → (2 → (4, 5), 3)
MEMBERS = {1: {1, 2, 3, 4, 5}, 2: {2, 4, 5}, 3: {3}, 4: {4}, 5: {5}}


def test_a_grant_covers_its_unit_and_everything_under_it():
    assert access.allowed_units([(2, "viewer")], MEMBERS, "view") == {2, 4, 5}


def test_a_grant_gives_nothing_above_or_beside_its_unit():
    allowed = access.allowed_units([(4, "data_entry")], MEMBERS, "enter")
    assert allowed == {4}


def test_roles_allow_only_their_own_actions():
    grants = [(2, "viewer"), (3, "data_entry")]
    assert access.allowed_units(grants, MEMBERS, "view") == {2, 3, 4, 5}
    assert access.allowed_units(grants, MEMBERS, "enter") == {3}
    assert access.allowed_units(grants, MEMBERS, "approve") == frozenset()
    assert access.allowed_units(grants, MEMBERS, "manage") == frozenset()


def test_approver_submits_approves_and_reopens_but_does_not_enter():
    grants = [(2, "approver")]
    for action in ("submit", "approve", "reopen", "view"):
        assert access.allowed_units(grants, MEMBERS, action) == {2, 4, 5}
    assert access.allowed_units(grants, MEMBERS, "enter") == frozenset()


def test_data_entry_may_submit_but_not_approve():
    grants = [(5, "data_entry")]
    assert access.allowed_units(grants, MEMBERS, "submit") == {5}
    assert access.allowed_units(grants, MEMBERS, "approve") == frozenset()


def test_an_unknown_action_is_a_programming_error(db):
    with pytest.raises(KeyError):
        access.allowed_units([], MEMBERS, "delete-everything")
    with pytest.raises(ValueError):
        access.unit_ids_for(AnonymousUser(), "delete-everything")


@pytest.fixture
def users(tree, grant):
    return {
        "entry_a": grant("entry-a", "data_entry", tree["ward-a"]),
        "viewer_city": grant("viewer-city", "viewer", tree["city"]),
        "admin_b": grant("admin-b", "city_admin", tree["ward-b"]),
    }


def test_visible_units_follow_the_tree(tree, users):
    codes = lambda qs: sorted(qs.values_list("code", flat=True))  # noqa: E731
    assert codes(access.visible_units(users["entry_a"])) == ["group-a1", "group-a2", "ward-a"]
    assert codes(access.visible_units(users["viewer_city"])) == [
        "city",
        "group-a1",
        "group-a2",
        "ward-a",
        "ward-b",
    ]
    assert codes(access.units_for(users["viewer_city"], "enter")) == []


def test_several_grants_of_one_user_add_up(tree, grant):
    user = grant("two-hats", "data_entry", tree["group-a1"])
    grant("two-hats", "approver", tree["ward-b"])
    assert access.can(user, "enter", tree["group-a1"])
    assert not access.can(user, "enter", tree["ward-b"])
    assert access.can(user, "approve", tree["ward-b"])
    assert not access.can(user, "approve", tree["group-a1"])
    assert sorted(access.visible_units(user).values_list("code", flat=True)) == [
        "group-a1",
        "ward-b",
    ]


def test_superuser_may_do_everything_everywhere(tree):
    boss = get_user_model().objects.create_superuser("boss", "b@example.org", "pw-boss-1")
    assert access.unit_ids_for(boss, "manage") is None
    assert all(access.can(boss, action, tree["ward-b"]) for action in access.ACTIONS)
    assert access.visible_units(boss).count() == Unit.objects.count() == 5


def test_anonymous_and_inactive_users_may_do_nothing(tree, grant):
    assert not access.can(AnonymousUser(), "view", tree["city"])
    user = grant("left-office", "viewer", tree["city"])
    user.is_active = False
    user.save()
    assert not access.can(user, "view", tree["city"])
    assert access.visible_units(user).count() == 0


def test_require_refuses_in_vietnamese(tree, users):
    access.require(users["entry_a"], "enter", tree["group-a2"])  # allowed: no exception
    with pytest.raises(PermissionDenied) as refused:
        access.require(users["entry_a"], "enter", tree["ward-b"])
    assert str(refused.value) == "Bạn không có quyền nhập, sửa số liệu của Phường B."


def test_restrict_filters_a_queryset_by_its_unit(tree, users):
    rows = RoleGrant.objects.all()
    assert list(
        access.restrict(rows, users["admin_b"], "view").values_list("unit__code", flat=True)
    ) == ["ward-b"]
    assert access.restrict(Unit.objects.all(), users["entry_a"], "manage", "id").count() == 0


def test_granting_a_role_lets_the_user_into_the_admin(tree, grant):
    user = get_user_model().objects.create_user("new-clerk", password="pw-clerk-1")
    assert not user.is_staff
    grant("new-clerk", "viewer", tree["ward-a"])
    user.refresh_from_db()
    assert user.is_staff
    assert not user.is_superuser


def test_the_demo_creates_one_login_per_role(db, client):
    from django.core.management import call_command

    call_command("load_demo", "--demo-user", "--force", stdout=io.StringIO())
    grants = sorted(RoleGrant.objects.values_list("user__username", "role", "unit__code"))
    assert grants == [
        ("lanh-dao-phuong", "viewer", "chanh-lo"),
        ("phe-duyet", "approver", "chanh-lo"),
        ("quan-tri-thanh-pho", "city_admin", "quang-ngai"),
        ("to-truong", "data_entry", "chanh-lo-to-1"),
        ("van-thu", "data_entry", "chanh-lo"),
    ]
    clerk = get_user_model().objects.get(username="to-truong")
    assert clerk.check_password("chanhlo-2023") and clerk.is_staff and not clerk.is_superuser
    client.force_login(clerk)
    assert client.get("/api/units/chanh-lo-to-1/2023/9m/").status_code == 200
    assert client.get("/api/units/chanh-lo/2023/9m/").status_code == 404
    demo = get_user_model().objects.get(username="demo")
    assert demo.is_superuser and not demo.role_grants.exists()


def test_a_role_granted_in_the_admin_makes_the_user_staff(client, tree):
    from django.urls import reverse

    boss = get_user_model().objects.create_superuser("boss", "b@example.org", "pw-boss-1")
    clerk = get_user_model().objects.create_user("clerk-2", password="pw-clerk-2")
    client.force_login(boss)
    client.post(
        reverse("admin:indicators_rolegrant_add"),
        {"user": clerk.pk, "unit": tree["ward-b"].pk, "role": "data_entry"},
    )
    clerk.refresh_from_db()
    assert clerk.is_staff
    assert list(clerk.role_grants.values_list("unit__code", "role")) == [("ward-b", "data_entry")]
