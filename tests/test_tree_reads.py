"""Pages and the API read the unit table once, and a parent loop in stored rows hangs none of
them: every reader asks :mod:`indicators.tree` instead of walking ``Unit.parent`` itself."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import access, tree
from indicators.access import Action
from indicators.models import Figure, RoleGrant, Target, Unit

PAGES = {
    "period page": "/units/{unit}/2023/9m/",
    "indicator page": "/units/{unit}/2023/9m/indicators/{indicator}/",
    "API": "/api/units/{unit}/2023/9m/",
}
READS_UNIT_TABLE = re.compile(r'\bFROM "indicators_unit"')


def unit_table_reads(queries) -> list[str]:
    """The captured SQL that reads the unit table itself (a join through it does not count)."""
    return [q["sql"] for q in queries.captured_queries if READS_UNIT_TABLE.search(q["sql"])]


def reads_whole_table(sql: str) -> bool:
    return "WHERE" not in sql.split('FROM "indicators_unit"', 1)[1]


@pytest.fixture(params=["superuser", "ward viewer"])
def reader(request, demo, staff_client, client, grant):
    """A client of a superuser, or of a viewer whose only grant is the ward Chánh Lộ."""
    if request.param == "superuser":
        return staff_client
    client.force_login(grant("ward-viewer", RoleGrant.Role.VIEWER, demo))
    return client


def _cold() -> None:
    """Forget every kept tree: this process's and the cache's."""
    cache.clear()
    tree.forget_kept()


@pytest.mark.parametrize("page", PAGES)
def test_a_page_reads_the_whole_unit_table_exactly_once(reader, page):
    url = PAGES[page].format(unit="chanh-lo", indicator="thu-ngan-sach")
    _cold()
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url)

    assert response.status_code == 200
    reads = unit_table_reads(queries)
    assert len(reads) == 1, reads
    assert reads_whole_table(reads[0])


@pytest.mark.parametrize("page", PAGES)
def test_the_next_request_reads_no_unit_row_while_the_tree_is_unchanged(reader, page, demo):
    url = PAGES[page].format(unit="chanh-lo", indicator="thu-ngan-sach")
    reader.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(url).status_code == 200
    assert unit_table_reads(queries) == []

    renamed = Unit.objects.get(pk=demo.pk)
    renamed.name = "Phường Chánh Lộ mới"
    renamed.save()  # a new version of the tree: the next request reads it again
    with CaptureQueriesContext(connection) as queries:
        response = reader.get(url)
    assert len(unit_table_reads(queries)) == 1
    assert "Phường Chánh Lộ mới" in response.content.decode()


def test_the_home_page_reads_the_unit_table_once(reader):
    _cold()
    with CaptureQueriesContext(connection) as queries:
        response = reader.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/units/chanh-lo/2023/9m/"
    assert len(unit_table_reads(queries)) == 1


def test_breadcrumbs_come_from_the_tree_and_name_only_units_the_reader_may_open(reader, demo):
    response = reader.get("/units/chanh-lo-to-1/2023/9m/")

    assert response.status_code == 200
    crumbs = [unit.code for unit in response.context["ancestors"]]
    if response.wsgi_request.user.is_superuser:
        assert crumbs == ["tinh-quang-ngai", "quang-ngai", "chanh-lo"]
    else:
        assert crumbs == ["chanh-lo"]
    assert response.context["children"] == []


# --- Query counts do not grow with the number of child units --------------------------------


def _ward_with_groups(code: str, groups: int, *, city: Unit, revenue, authority) -> Unit:
    ward = Unit.objects.create(code=code, name=f"Phường {code}", level="ward", parent=city)
    Target.objects.create(
        unit=ward, indicator=revenue, year=2023, authority=authority, value=Decimal(90_000)
    )
    for number in range(1, groups + 1):
        group = Unit.objects.create(
            code=f"{code}-to-{number}", name=f"Tổ {number}", level="group", parent=ward
        )
        Target.objects.create(
            unit=group, indicator=revenue, year=2023, authority=authority, value=Decimal(3_000)
        )
        for month in (3, 9):
            Figure.objects.create(
                unit=group, indicator=revenue, year=2023, month=month, value=Decimal(1_000)
            )
    return ward


@pytest.fixture
def small_and_large_wards(db, make_indicator, authority):
    city = Unit.objects.create(code="city", name="Thành phố", level="city")
    revenue = make_indicator("revenue", "sum", is_main=True)
    small = _ward_with_groups("ward-3", 3, city=city, revenue=revenue, authority=authority)
    large = _ward_with_groups("ward-30", 30, city=city, revenue=revenue, authority=authority)
    return small, large


def _count(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["superuser", "viewer of both wards"])
def test_queries_stay_the_same_for_3_or_30_groups(
    small_and_large_wards, page, role, staff_client, client, grant
):
    small, large = small_and_large_wards
    if role == "superuser":
        reader = staff_client
    else:
        viewer = grant("viewer", RoleGrant.Role.VIEWER, small)
        grant("viewer", RoleGrant.Role.VIEWER, large)
        client.force_login(viewer)
        reader = client

    few, small_text = _count(reader, PAGES[page].format(unit="ward-3", indicator="revenue"))
    many, large_text = _count(reader, PAGES[page].format(unit="ward-30", indicator="revenue"))

    assert many == few
    if page == "period page":  # the child comparison lists every group
        assert "Tổ 30" in large_text and "Tổ 30" not in small_text
    if page == "API":  # 30 groups × 2 months × 1.000 đồng
        assert '"actual": "60000"' in large_text and '"actual": "6000"' in small_text


# --- A parent loop in stored rows ends every walk -------------------------------------------


class Hung(Exception):
    pass


@contextmanager
def answers_within(seconds: int):
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``."""

    def give_up(signum, frame):
        raise Hung(f"no answer within {seconds} s: a walk of the unit tree did not end")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def looped(demo):
    """The city put under its own ward, behind the admin's back: city → ward → city."""
    Unit.objects.filter(code="quang-ngai").update(parent=demo)
    return demo


@pytest.mark.parametrize(
    "url",
    [
        "/units/chanh-lo/2023/9m/",
        "/units/quang-ngai/2023/9m/",
        "/units/chanh-lo-to-1/2023/9m/",
        "/units/chanh-lo/2023/9m/indicators/thu-ngan-sach/",
        "/api/units/chanh-lo/2023/9m/",
        "/api/units/quang-ngai/2023/9m/",
    ],
)
def test_a_parent_loop_hangs_no_page_for_a_superuser(looped, staff_client, url):
    with answers_within(20):
        response = staff_client.get(url)

    assert response.status_code == 200


def test_a_parent_loop_hangs_neither_the_home_page_nor_a_ward_viewer(looped, client, grant):
    viewer = grant("ward-viewer", RoleGrant.Role.VIEWER, looped)
    client.force_login(viewer)
    with answers_within(20):
        home = client.get("/")
        page = client.get("/units/chanh-lo/2023/9m/")
        api = client.get("/api/units/chanh-lo/2023/9m/")
        elsewhere = client.get("/api/units/no-such-unit/2023/9m/")

    assert home.status_code == 302
    assert (page.status_code, api.status_code, elsewhere.status_code) == (200, 200, 404)
    # Both page and API still give the ward's own figures, the seed's 9-month revenue.
    assert '"actual": "6021447000"' in api.content.decode()


def test_a_parent_loop_hangs_no_access_check(looped, grant):
    viewer = grant("ward-viewer", RoleGrant.Role.VIEWER, looped)
    city = Unit.objects.get(code="quang-ngai")
    group = Unit.objects.get(code="chanh-lo-to-1")
    with answers_within(10):
        # The loop puts the city inside the ward's subtree; the grant covers what the tree says.
        assert access.can(viewer, Action.VIEW, city)
        assert access.can(viewer, Action.VIEW, group)
        assert not access.can(viewer, Action.ENTER, group)
        # every unit reachable through the loop, each once: the demo's whole city
        reachable = tree.UnitTree.load().subtree_ids(city.id)
        assert access.visible_units(viewer).count() == len(reachable) == len(set(reachable))


# --- Named vocabularies keep today's words (the API and stored rows use them) ----------------


def test_vocabularies_keep_the_words_the_api_and_pages_use():
    from indicators.approval import PeriodState
    from indicators.audit import ChangeKind
    from indicators.reporting.selectors import Completion

    assert list(Action) == ["view", "enter", "submit", "approve", "reopen", "manage"]
    assert list(PeriodState) == ["approved", "submitted", "provisional"]
    assert list(Completion) == ["good", "watch", "behind", "none"]
    assert list(ChangeKind) == ["created", "changed", "deleted"]
    assert f"status-{Completion.WATCH}" == "status-watch"  # the CSS classes of the status dots


def test_the_api_sends_the_approval_state_as_its_word(demo, staff_client):
    data = staff_client.get("/api/units/chanh-lo/2023/9m/").json()
    assert data["approval"] == "submitted"  # the demo marks months 1-9 submitted
