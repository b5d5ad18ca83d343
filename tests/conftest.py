"""Shared fixtures: the Chánh Lộ demo, a logged-in staff member, small hand-made trees."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from indicators import tree as unit_tree
from indicators.demo import load_catalogue, load_demo
from indicators.models import Area, Authority, Indicator, Unit


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Vietnamese: a request that switched language must not leak into
    the next test's plain function calls (Django keeps the active language per thread)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture(autouse=True)
def fresh_unit_tree():
    """A tree kept by one test (rolled back since) must not answer for the next."""
    unit_tree.forget()
    yield
    unit_tree.forget()


@pytest.fixture(autouse=True)
def private_upload_dir(settings, tmp_path):
    """Uploads wait in the test's own folder, never in the project's var/uploads."""
    settings.WARD_REPORT_UPLOAD_DIR = tmp_path / "uploads"


@pytest.fixture
def demo(db):
    """The whole demo: Quảng Ngãi → Chánh Lộ → 8 groups, catalogue, 2022–2023 figures."""
    load_demo()
    return Unit.objects.get(code="chanh-lo")


@pytest.fixture
def catalogue(db):
    load_catalogue()
    return {i.code: i for i in Indicator.objects.all()}


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_superuser("staff", "staff@example.org", "pw-staff-1")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def area(db):
    return Area.objects.create(code="test-area", name="Lĩnh vực thử")


@pytest.fixture
def make_indicator(area):
    def make(code: str, kind: str, **fields) -> Indicator:
        fields.setdefault("name", code)
        fields.setdefault("unit", "%" if kind in ("ratio", "reported") else "đồng")
        return Indicator.objects.create(code=code, kind=kind, area=area, **fields)

    return make


@pytest.fixture
def tree(db):
    """city → ward-a (→ group-a1, group-a2), ward-b: a three-level tree for roll-ups."""
    city = Unit.objects.create(code="city", name="Thành phố", level="city")
    ward_a = Unit.objects.create(code="ward-a", name="Phường A", level="ward", parent=city)
    ward_b = Unit.objects.create(code="ward-b", name="Phường B", level="ward", parent=city)
    group_a1 = Unit.objects.create(code="group-a1", name="Tổ 1", level="group", parent=ward_a)
    group_a2 = Unit.objects.create(code="group-a2", name="Tổ 2", level="group", parent=ward_a)
    return {u.code: u for u in (city, ward_a, ward_b, group_a1, group_a2)}


@pytest.fixture
def authority(db):
    return Authority.objects.create(code="city-pc", name="UBND thành phố", order=1)


@pytest.fixture
def grant(db):
    """grant(username, role, unit) → a staff user holding that role on that unit."""
    from indicators.entry.services import grant_role

    def make(username: str, role: str, unit: Unit):
        user, _ = get_user_model().objects.get_or_create(username=username)
        grant_role(user=user, unit=unit, role=role)
        user.refresh_from_db()
        return user

    return make
