"""Past one machine: which reads may go to the read replica, and — on PostgreSQL with Redis —
two gunicorn processes sharing one database and one Redis, as two replicas behind a proxy.

The router's decisions are checked without a replica. With ``DATABASE_REPLICA_URL`` set (CI
sets it to the test database's own URL: the alias is a TEST MIRROR of the default), the
dashboard's queries are seen on the replica's connection and everything else's on the
primary's. The two-server test starts the image's entrypoint twice against a throw-away
PostgreSQL database and a flushed Redis database.
"""

from __future__ import annotations

import io
import json
import secrets
import time
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from openpyxl import load_workbook

from indicators import replica
from indicators.models import Figure
from indicators.replica import PINNED_UNTIL, ReplicaReadsMiddleware, ReplicaRouter
from tests.test_production import (
    gunicorn,
    log_in,
    needs_postgres,
    post_form,
    post_upload,
    prepare_demo_database,
    revenue,
    served_env,
    throwaway_database,
)

ROUTER = ReplicaRouter()
HAS_REPLICA = "replica" in settings.DATABASES


@pytest.fixture
def replica_on(settings):
    """The middleware acts as with a replica configured (the router is asked directly)."""
    settings.DATABASE_REPLICA_URL = "postgres://ward@replica.invalid:5432/ward"


def routed_during(request, *, session: SessionStore | None = None) -> dict[str, str]:
    """Where the router sends each kind of query while ``request`` is in its view."""
    seen: dict[str, str] = {}

    def view(request):
        seen["figure read"] = ROUTER.db_for_read(Figure)
        seen["session read"] = ROUTER.db_for_read(Session)
        seen["figure write"] = ROUTER.db_for_write(Figure)
        return HttpResponse()

    def handler(request):  # what Django's handler does: process_view, then the view
        return middleware.process_view(request, view, (), {}) or view(request)

    middleware = ReplicaReadsMiddleware(handler)
    request.session = session if session is not None else SessionStore()
    request.resolver_match = resolve(request.path_info)
    middleware(request)
    return seen


PERIOD = "/units/chanh-lo/2023/9m/"
API = "/api/units/chanh-lo/2023/9m/"


@pytest.mark.parametrize("path", [PERIOD, API, "/", "/units/chanh-lo/2023/9m/export.xlsx"])
def test_a_dashboard_read_of_the_apps_tables_goes_to_the_replica(replica_on, path):
    seen = routed_during(RequestFactory().get(path))
    assert seen == {
        "figure read": "replica",
        "session read": "default",  # logins and sessions: always the primary
        "figure write": "default",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/admin/indicators/figure/enter/",  # the month grid
        "/admin/indicators/import/",
        "/admin/",
        "/units/chanh-lo/2023/9m/report/edit/",
    ],
)
def test_the_admin_the_grid_the_import_and_the_report_editor_read_the_primary(replica_on, path):
    assert routed_during(RequestFactory().get(path))["figure read"] == "default"


def test_a_post_to_a_dashboard_address_reads_the_primary(replica_on):
    assert routed_during(RequestFactory().post(PERIOD))["figure read"] == "default"


def test_a_write_request_pins_its_session_to_the_primary_for_the_pin_time(replica_on, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 30
    session = SessionStore()
    before = time.time()
    routed_during(RequestFactory().post("/admin/indicators/figure/enter/"), session=session)
    assert before + 30 <= session[PINNED_UNTIL] <= time.time() + 30
    # The same user's next dashboard page reads what they just saved, from the primary …
    assert routed_during(RequestFactory().get(PERIOD), session=session)["figure read"] == (
        "default"
    )
    # … and once the pin has passed, from the replica again.
    session[PINNED_UNTIL] = time.time() - 1
    assert routed_during(RequestFactory().get(PERIOD), session=session)["figure read"] == (
        "replica"
    )


def test_without_a_replica_nothing_is_routed_or_pinned(settings):
    settings.DATABASE_REPLICA_URL = ""
    session = SessionStore()
    assert routed_during(RequestFactory().get(PERIOD))["figure read"] == "default"
    routed_during(RequestFactory().post(PERIOD), session=session)
    assert PINNED_UNTIL not in session


def test_outside_a_request_every_read_goes_to_the_primary():
    assert ROUTER.db_for_read(Figure) == "default"  # commands, the import worker


def test_a_read_inside_a_transaction_goes_to_the_primary(replica_on, db):
    """A read in a transaction may be about to write, or hold a lock: never the replica."""
    seen = {}

    def view(request):
        with transaction.atomic():
            seen["in transaction"] = ROUTER.db_for_read(Figure)
        return HttpResponse()

    middleware = ReplicaReadsMiddleware(
        lambda request: middleware.process_view(request, view, (), {}) or view(request)
    )
    request = RequestFactory().get(PERIOD)
    request.session, request.resolver_match = SessionStore(), resolve(PERIOD)
    middleware(request)
    assert seen == {"in transaction": "default"}


def test_only_the_primary_is_migrated():
    assert ROUTER.allow_migrate("default", "indicators") is True
    assert ROUTER.allow_migrate("replica", "indicators") is False


# --- PostgreSQL with a replica alias (a TEST MIRROR of the default database) ---------------


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


needs_replica = pytest.mark.skipif(
    not HAS_REPLICA, reason="needs DATABASE_REPLICA_URL (CI: the test database's own URL)"
)


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_period_page_reads_the_replica_and_the_writer_reads_the_primary(
    demo, staff_client, settings
):
    from tests.test_month_entry import form_data

    def period_page(path="/units/chanh-lo/2023/m10/"):
        cache.clear()  # the page's figures are read, not served from the page cache
        with (
            CaptureQueriesContext(connections["replica"]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            response = staff_client.get(path)
        assert response.status_code == 200
        return response, sql_of(on_replica), sql_of(on_primary)

    _, on_replica, on_primary = period_page()
    assert any("indicators_figure" in sql for sql in on_replica)
    assert not any("indicators_figure" in sql for sql in on_primary)
    assert any("django_session" in sql for sql in on_primary)  # the session: the primary's

    # The month grid reads and writes the primary only.
    grid = reverse("admin:indicators_figure_enter")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        page = staff_client.get(grid, {"unit": "chanh-lo", "year": "2023", "month": "10"})
        data = form_data(page)
        data["fig-thu-ngan-sach-value"] = "654.321.000"
        data["fig-thu-ngan-sach-status"] = "estimate"
        saved = staff_client.post(grid + "?unit=chanh-lo&year=2023&month=10", data)
    assert saved.status_code == 302
    assert on_replica.captured_queries == []

    # Just after saving, the writer's pages read the primary: the new figure at once.
    response, on_replica, on_primary = period_page()
    assert on_replica == []
    assert "654.321.000" in response.content.decode()

    # Once the pin has passed, the replica again (here the same database: the same figure).
    session = staff_client.session
    session[PINNED_UNTIL] = time.time() - 1
    session.save()
    response, on_replica, _ = period_page()
    assert any("indicators_figure" in sql for sql in on_replica)
    assert "654.321.000" in response.content.decode()


# --- PostgreSQL and Redis: two gunicorn processes as two replicas ---------------------------

REDIS_DB = 11  # of the Redis on this machine; flushed before and after the test


def redis_client():
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)


def redis_answers() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:
        return False


class PostForms(HTMLParser):
    """The fields each ``<form method="post">`` of a page sends as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._form: list[tuple[str, str]] | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = [] if a.get("method", "").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": None}
        elif tag == "option" and self._select is not None:
            if self._select["first"] is None:
                self._select["first"] = a.get("value", "")
            if "selected" in a:
                self._select["chosen"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["chosen"]
            value = chosen if chosen is not None else self._select["first"]
            self._form.append((self._select["name"], value or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def post_form_with(page: bytes, field: str) -> dict[str, str]:
    parser = PostForms()
    parser.feed(page.decode())
    return dict(next(form for form in parser.forms if any(name == field for name, _ in form)))


def summary(server) -> dict:
    response, body = server.get(API.replace("9m", "m10"))
    assert response.status == 200, body
    return json.loads(body)


@needs_postgres
@pytest.mark.skipif(not redis_answers(), reason="needs Redis at 127.0.0.1:6379")
def test_two_gunicorn_replicas_share_the_database_and_redis(tmp_path):
    redis_client().flushdb()
    password = secrets.token_urlsafe(16)
    grid = "/admin/indicators/figure/enter/?unit=chanh-lo&year=2023&month=10"
    try:
        with throwaway_database("replicas") as url:
            env = served_env(prepare_demo_database(url, password=password), tmp_path)
            env |= {
                "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
                "WARD_REPORT_IMPORT_RUNNER": "worker",
                "DJANGO_MIGRATE_ON_START": "false",  # migrated once, above
            }
            with (
                gunicorn(env, tmp_path / "a.log") as a,
                gunicorn(env, tmp_path / "b.log") as b,
            ):
                for server in (a, b):
                    _, login_page = server.get("/admin/login/?next=/")
                    log_in(server, login_page, password)
                assert revenue(summary(b))["actual"] is None  # nothing entered for October

                # A figure saved through A …
                _, page = a.get(grid)
                fields = post_form_with(page, "fig-thu-ngan-sach-value")
                fields["fig-thu-ngan-sach-value"] = "654.321.000"
                fields["fig-thu-ngan-sach-status"] = "estimate"
                response, _ = post_form(a, grid, fields)
                assert response.status == 302, (tmp_path / "a.log").read_text()
                # … is read through B at once, by the API and on the period page.
                assert revenue(summary(b))["actual"] == "654321000"
                response, body = b.get("/units/chanh-lo/2023/m10/")
                assert "654.321.000" in body.decode()

                # An upload previewed through A and confirmed through B: one browser whose
                # requests the proxy sends to either replica (one cookie jar for both ports).
                _, data = a.get("/units/chanh-lo/2023/m10/data.xlsx")
                book = load_workbook(io.BytesIO(data))
                sheet = book["figures"]
                header = [cell.value for cell in sheet[1]]
                for row in sheet.iter_rows(min_row=2):
                    values = dict(zip(header, (cell.value for cell in row), strict=False))
                    if values["unit"] == "chanh-lo" and values["indicator"] == "thu-ngan-sach":
                        row[header.index("value")].value = 700_000_000
                changed = io.BytesIO()
                book.save(changed)
                response, preview = post_upload(a, changed.getvalue(), "thang-10.xlsx")
                assert response.status == 200, (tmp_path / "a.log").read_text()
                token = post_form_with(preview, "token")
                b_same_browser = type(b)(b.port)
                b_same_browser.cookies = a.cookies
                response, _ = post_form(b_same_browser, "/admin/indicators/import/confirm/", token)
                assert response.status == 302, (tmp_path / "b.log").read_text()
                assert response.headers["Location"] == "/admin/indicators/import/"
                assert revenue(summary(a))["actual"] == "700000000"
                assert revenue(summary(b))["actual"] == "700000000"
            # The sessions went through Redis (cached_db), the one cache both replicas share.
            assert any(b"session" in key for key in redis_client().keys("*"))
    finally:
        redis_client().flushdb()


def test_replica_module_names_only_views_that_exist():
    """A renamed URL would silently send its reads to the primary: every name must resolve."""
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    assert replica.REPLICA_VIEWS - names == set()
