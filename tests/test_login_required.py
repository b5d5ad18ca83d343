"""Login is required everywhere except the login page, /health/ and static files.

The URL names are read from the project's resolver, so a page added later is covered without
touching this file. Failed logins are throttled by django-axes on the real login page.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, URLPattern, URLResolver, converters, get_resolver, reverse

# Values tried for each URL argument, by converter; the first that reverses is used.
SAMPLES = {
    converters.IntConverter: ["2023"],
    converters.SlugConverter: ["chanh-lo"],
    converters.UUIDConverter: [str(uuid.UUID(int=1))],
    converters.PathConverter: ["1"],
    converters.StringConverter: ["9m"],
}
# Arguments of regular-expression routes (the admin's app index): a few plausible values.
REGEX_SAMPLES = ["indicators", "auth", "1", "9m"]

# Views that answer an anonymous visitor themselves.
LOGIN_PAGES = {"admin:login", "login"}
OPEN = {"health"}
OWN_401 = {"api-period-summary", "api-openapi"}


def pattern_arguments(pattern) -> dict[str, list[str]]:
    route_converters = getattr(pattern.pattern, "converters", {})
    names = pattern.pattern.regex.groupindex
    return {
        name: SAMPLES.get(type(route_converters[name]), ["1"])
        if name in route_converters
        else REGEX_SAMPLES
        for name in names
    }


def walk(resolver: URLResolver, namespace: str = "", inherited: dict | None = None):
    """(full name, {argument: candidate values}) for every named URL pattern."""
    inherited = inherited or {}
    for entry in resolver.url_patterns:
        arguments = {**inherited, **pattern_arguments(entry)}
        if isinstance(entry, URLResolver):
            prefix = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix, arguments)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", arguments


def sample_path(name: str, arguments: dict[str, list[str]]) -> str:
    keys = list(arguments)
    for values in itertools.product(*(arguments[key] for key in keys)):
        try:
            return reverse(name, kwargs=dict(zip(keys, values, strict=True)))
        except NoReverseMatch:
            continue
    raise AssertionError(f"no sample arguments reverse {name} ({keys})")


def all_url_names() -> list[tuple[str, str]]:
    seen = {}
    for name, arguments in walk(get_resolver()):
        seen.setdefault(name, sample_path(name, arguments))
    return sorted(seen.items())


URLS = all_url_names()


def login_path() -> str:
    return resolve_url(settings.LOGIN_URL)


def test_the_walk_finds_the_pages_the_admin_and_the_api():
    names = {name for name, _ in URLS}
    assert {"health", "admin:login", "admin:index", "api-period-summary"} <= names
    assert len(names) > 20  # the admin alone has dozens


@pytest.mark.parametrize(
    ("name", "path"),
    [pair for pair in URLS if pair[0] not in LOGIN_PAGES | OPEN | OWN_401],
    ids=[name for name, _ in URLS if name not in LOGIN_PAGES | OPEN | OWN_401],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db, name, path):
    response = client.get(path)
    assert response.status_code == 302, name
    assert response["Location"].startswith(f"{login_path()}?next=")


@pytest.mark.parametrize("name", sorted((LOGIN_PAGES | OPEN) & dict(URLS).keys()))
def test_the_login_page_and_health_are_open(client, db, name):
    assert client.get(dict(URLS)[name]).status_code == 200


@pytest.mark.parametrize("name", sorted(OWN_401))
def test_the_api_answers_an_anonymous_caller_with_401_json_not_a_redirect(client, db, name):
    response = client.get(dict(URLS)[name])
    assert response.status_code == 401
    assert response.json() == {"error": "Cần đăng nhập để xem số liệu."}


def test_a_logged_in_staff_member_gets_past_the_middleware(staff_client):
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_an_unknown_address_is_not_found_rather_than_a_login_redirect(client, db):
    assert client.get("/khong-co-trang-nay/").status_code == 404


@pytest.mark.parametrize("path", ["/static/admin/css/base.css", "/static/css/month-entry.css"])
def test_static_files_need_no_login(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


# --- failed logins ----------------------------------------------------------------------------

PASSWORD = "dung-mat-khau-1"


@pytest.fixture
def officer(db):
    return get_user_model().objects.create_user(
        "canbo", password=PASSWORD, is_staff=True, is_superuser=True
    )


def attempt(client, password: str, address: str = "10.0.0.1", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": "canbo", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        headers=headers,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_right_password_after_fewer_failures_than_the_limit_logs_in(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert attempt(client, "sai").status_code == 200  # the form again, with its error
    response = attempt(client, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_the_limit_of_failures_locks_out_even_the_right_password(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        attempt(client, "sai")
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    assert not logged_in(client)


def test_a_lockout_holds_for_that_user_at_that_address_only(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        attempt(client, "sai", address="10.0.0.1")
    response = attempt(client, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302
    assert logged_in(client)


def test_a_forged_forwarded_for_header_does_not_escape_a_lockout(client, officer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for n in range(3):
        attempt(client, "sai", x_forwarded_for=f"198.51.100.{n}")
    response = attempt(client, PASSWORD, x_forwarded_for="198.51.100.99")
    assert response.status_code == 429
    assert not logged_in(client)
