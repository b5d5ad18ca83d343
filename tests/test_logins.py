"""Failed logins behind a proxy (django-axes with indicators.logins), and the purge of login
records and ended sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from indicators.logins import client_address

PASSWORD = "dung-mat-khau-1"
PROXY = "10.0.0.254"  # the reverse proxy, the only address the app sees


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.BEHIND_PROXY = False
    assert client_address(request_from("192.0.2.5", "203.0.113.7")) == "192.0.2.5"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # The client wrote the left entry itself; the proxy appended the real address.
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7, 10.1.1.1", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Not what the configured proxies write: the connection's own address.
        (2, "203.0.113.7", PROXY),
        (1, "", PROXY),
        (1, "198.51.100.1, not-an-address", PROXY),
    ],
)
def test_behind_proxies_the_client_is_that_many_entries_from_the_right(
    settings, proxies, forwarded, expected
):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = proxies
    assert client_address(request_from(PROXY, forwarded)) == expected


@pytest.fixture
def users(db):
    make = get_user_model().objects.create_user
    return [make(f"canbo{n}", password=PASSWORD, is_staff=True) for n in range(12)]


def attempt(client, username: str, password: str, client_ip: str):
    """A login through the proxy: the app sees PROXY, the proxy appends the client's address."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=PROXY,
        headers={"x-forwarded-for": client_ip},
    )


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_USERNAME_LIMIT = 5
    return settings


def test_behind_the_proxy_a_lockout_holds_for_the_user_at_that_address_only(
    client, users, behind_proxy
):
    for _ in range(2):
        assert attempt(client, "canbo0", "sai", "203.0.113.7").status_code == 200
    assert attempt(client, "canbo0", "sai", "203.0.113.7").status_code == 429  # the third
    assert attempt(client, "canbo0", PASSWORD, "203.0.113.7").status_code == 429
    # The same user from another office, and another user from the same office, log in.
    assert attempt(client, "canbo0", PASSWORD, "203.0.113.8").status_code == 302
    client.logout()
    assert attempt(client, "canbo1", PASSWORD, "203.0.113.7").status_code == 302
    assert AccessAttempt.objects.get(username="canbo0").ip_address == "203.0.113.7"


def test_a_client_written_forwarded_entry_does_not_escape_a_lockout(client, users, behind_proxy):
    for n in range(3):
        attempt(client, "canbo0", "sai", f"198.51.100.{n}, 203.0.113.7")
    response = attempt(client, "canbo0", PASSWORD, "198.51.100.99, 203.0.113.7")
    assert response.status_code == 429


def test_an_address_failing_for_many_usernames_is_refused_for_every_username(
    client, users, behind_proxy
):
    # One wrong password each for five accounts: no account reaches its own limit of three,
    # but the fifth username reaches the address's limit.
    for n in range(4):
        assert attempt(client, f"canbo{n}", "mat-khau-pho-bien", "203.0.113.9").status_code == 200
    assert attempt(client, "canbo4", "mat-khau-pho-bien", "203.0.113.9").status_code == 429
    response = attempt(client, "canbo10", PASSWORD, "203.0.113.9")
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in response.content.decode()
    # Another address is not affected.
    assert attempt(client, "canbo10", PASSWORD, "203.0.113.10").status_code == 302


def test_fewer_usernames_than_the_address_limit_are_not_throttled(client, users, behind_proxy):
    for n in range(4):
        attempt(client, f"canbo{n}", "mat-khau-pho-bien", "203.0.113.9")
    assert attempt(client, "canbo10", PASSWORD, "203.0.113.9").status_code == 302


def test_the_address_throttle_forgets_failures_older_than_the_cool_off(client, users, behind_proxy):
    for n in range(5):
        attempt(client, f"canbo{n}", "mat-khau-pho-bien", "203.0.113.9")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "canbo10", PASSWORD, "203.0.113.9").status_code == 302


def test_purge_deletes_login_records_past_retention_and_ended_sessions(db, settings):
    settings.LOGIN_RECORDS_RETENTION_DAYS = 90
    now = timezone.now()
    old, recent = (
        AccessLog.objects.create(username=name, ip_address="203.0.113.7", user_agent="x")
        for name in ("cu", "moi")
    )
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=now - timedelta(days=91))
    AccessLog.objects.filter(pk=recent.pk).update(attempt_time=now - timedelta(days=89))
    Session.objects.create(session_key="het-han", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="con-han", session_data="", expire_date=now + timedelta(1))

    call_command("purge_expired", stdout=open("/dev/null", "w"))

    assert list(AccessLog.objects.values_list("username", flat=True)) == ["moi"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["con-han"]


def test_a_session_ends_after_the_idle_time_and_a_request_extends_it(
    staff_client, settings, monkeypatch
):
    import time

    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    settings.WARD_REPORT_SESSION_REFRESH_SECONDS = 60
    staff_client.get(reverse("admin:index"))
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < remaining <= timedelta(hours=8)
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.update(expire_date=soon)
    # Within the minute: no write, the session keeps its expiry.
    staff_client.get(reverse("admin:index"))
    assert Session.objects.get().expire_date == soon
    # A minute later the next request extends it to the whole idle time again.
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    staff_client.get(reverse("admin:index"))
    assert Session.objects.get().expire_date - timezone.now() > timedelta(hours=7, minutes=59)


def test_a_signed_in_page_view_within_the_minute_writes_no_session_row(staff_client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.WARD_REPORT_SESSION_REFRESH_SECONDS = 60
    staff_client.get(reverse("admin:index"))  # the first request stamps the session
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(reverse("admin:index"))
    sql = [q["sql"] for q in queries if "django_session" in q["sql"]]
    assert sql and all(statement.startswith("SELECT") for statement in sql)
