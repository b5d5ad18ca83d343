"""The session store and the authentication backend read their rows with one plain SELECT each
(indicators/sessions.py, indicators/backends.py) and decide exactly as Django's own: an
expired or deleted session is no session, an inactive user or an id that is no user is nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators.backends import ModelBackend
from indicators.sessions import SessionStore

PAGE = "/admin/"  # any page that needs a signed-in staff member


@pytest.fixture
def signed_in(client, db):
    user = get_user_model().objects.create_user(
        "lan", password="pw-lan-12345", first_name="Lan", is_staff=True
    )
    client.force_login(user)
    return client, user


def session_of(client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_the_settings_use_them():
    assert settings.SESSION_ENGINE == "indicators.sessions"
    assert "indicators.backends.ModelBackend" in settings.AUTHENTICATION_BACKENDS


def test_a_signed_in_reader_is_read_in_two_queries_and_is_the_same_user(signed_in):
    client, user = signed_in
    store = SessionStore(session_of(client).session_key)
    with CaptureQueriesContext(connection) as queries:
        data = store.load()
        found = ModelBackend().get_user(data["_auth_user_id"])
    assert len(queries) == 2
    assert (found.pk, found.username, found.first_name, found.password) == (
        user.pk,
        user.username,
        user.first_name,
        user.password,
    )
    assert client.get(PAGE).status_code == 200


def test_an_expired_session_is_no_session(signed_in):
    client, _user = signed_in
    Session.objects.filter(pk=session_of(client).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert store.load() == {}
    assert store.session_key is None
    assert client.get(PAGE).status_code == 302  # to the login page


def test_a_deleted_session_is_no_session(signed_in):
    client, _user = signed_in
    Session.objects.all().delete()
    assert client.get(PAGE).status_code == 302


def test_an_inactive_user_or_an_unknown_id_is_nobody(signed_in):
    client, user = signed_in
    backend = ModelBackend()
    assert backend.get_user(user.pk) == user
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("not an id") is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
    assert client.get(PAGE).status_code == 302
