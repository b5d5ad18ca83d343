"""Shared fixtures: the Chánh Lộ demo, a logged-in staff member, small hand-made trees."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import SimpleTestCase
from django.test.utils import override_settings
from django.utils import translation

from indicators import freshness
from indicators import tree as unit_tree
from indicators.demo import load_catalogue, load_demo
from indicators.models import Area, Authority, Indicator, Unit


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """A login made in a test need not resist cracking: PBKDF2's million rounds cost about a
    second per user created on this machine, MD5 nothing. Production keeps Django's hashers
    (tests/test_production.py runs gunicorn with the real settings)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Vietnamese: a request that switched language must not leak into
    the next test's plain function calls (Django keeps the active language per thread)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def forget_caches() -> None:
    """Empty the cache and this process's kept tree: the next request starts cold (query
    counts of two requests compare like with like)."""
    cache.clear()
    freshness.recent.clear()
    unit_tree.forget_kept()


@pytest.fixture(autouse=True)
def fresh_unit_tree():
    """A tree kept by one test (rolled back since) must not answer for the next, and each test
    starts with an empty cache: a test that writes around the models (a raw ``update()``
    setting up a parent loop) must not find what an earlier test kept under the same
    versions (tokens rolled back with that test come back for the next one)."""
    cache.clear()
    freshness.recent.clear()
    unit_tree.forget_kept()
    yield
    unit_tree.forget_kept()


class DemoDatabase:
    """The demo loaded once and kept in an open transaction that the tests run inside.

    Like Django's ``TestCase.setUpClass`` + ``setUpTestData``: the outer ``atomic`` holds the
    demo, each test's own ``TestCase`` atomic is a savepoint inside it and rolls back what the
    test wrote. A test that needs a database without the demo, or real transactions
    (``transactional_db``, ``live_server``, ``django_db(transaction=True)``: the live server's
    thread and a second connection cannot see uncommitted rows), gets the outer block rolled
    back first; the next test that asks for the demo loads it again.
    """

    def __init__(self) -> None:
        self.blocker = None  # pytest-django's django_db_blocker, once the test database exists
        self.wanted = False  # the test being set up asks for the demo in a savepoint
        self.loads = 0
        self.tests = 0  # tests that read it
        self._outer: transaction.Atomic | None = None

    @property
    def loaded(self) -> bool:
        return self._outer is not None

    def load(self) -> None:
        with self.blocker.unblock():
            self._outer = transaction.atomic()
            self._outer.__enter__()
            try:
                load_demo()
            except BaseException:
                self.drop()
                raise
        unit_tree.forget()
        self.loads += 1

    def drop(self) -> None:
        if self._outer is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self._outer.__exit__(None, None, None)
        self._outer = None
        unit_tree.forget()


DEMO = DemoDatabase()


def _uses_database(item) -> bool:
    database_fixtures = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}
    django_test_case = isinstance(getattr(item, "cls", None), type) and issubclass(
        item.cls, SimpleTestCase
    )
    return (
        django_test_case
        or bool(item.get_closest_marker("django_db"))
        or bool(database_fixtures & set(item.fixturenames))
    )


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"} & set(item.fixturenames)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of the test: keep, drop or reload the shared demo."""
    uses_demo = "demo" in item.fixturenames
    transactional = _is_transactional(item)
    if _uses_database(item) and (transactional or not uses_demo):
        DEMO.drop()
    DEMO.wanted = uses_demo and not transactional
    DEMO.tests += uses_demo
    if DEMO.wanted and not DEMO.loaded and DEMO.blocker is not None:
        DEMO.load()


@pytest.fixture(scope="session")
def demo_database(django_db_setup, django_db_blocker):
    DEMO.blocker = django_db_blocker
    if DEMO.wanted:
        DEMO.load()
    yield DEMO
    DEMO.drop()


@pytest.fixture
def demo(demo_database, db):
    """The whole demo: Quảng Ngãi → Chánh Lộ → 8 groups, catalogue, 2022–2023 figures."""
    if not demo_database.loaded:
        # A transactional test: its own copy, committed and flushed after it.
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


def pytest_terminal_summary(terminalreporter):
    if DEMO.loads:
        terminalreporter.write_line(
            f"demo loaded {DEMO.loads} time(s) for {DEMO.tests} tests that read it"
        )
