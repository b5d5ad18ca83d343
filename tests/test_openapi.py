"""The API's OpenAPI document: served at /api/openapi.json, true of real answers for every
period key, and fuzzed by schemathesis through the WSGI application with a logged-in session."""

from __future__ import annotations

import jsonschema
import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import ignored_auth

from indicators.core.periods import all_period_keys
from indicators.reporting.api import openapi_document

DOCUMENT = openapi_document()
SUMMARY_PATH = "/api/units/{unit_code}/{year}/{period_key}/"


def answer_schema(path: str, status: int) -> dict:
    """The JSON Schema of one documented answer, with the document's components reachable."""
    answers = DOCUMENT["paths"][path]["get"]["responses"]
    schema = answers[str(status)]["content"]["application/json"]["schema"]
    return {**schema, "components": DOCUMENT["components"]}


def assert_conforms(data, path: str, status: int) -> None:
    jsonschema.validate(data, answer_schema(path, status), cls=jsonschema.Draft202012Validator)


def test_the_document_is_served_to_a_logged_in_user(staff_client):
    response = staff_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json() == DOCUMENT
    assert response.json()["openapi"] == "3.1.0"


def test_each_answer_schema_is_valid_json_schema():
    for path, item in DOCUMENT["paths"].items():
        for status in item["get"]["responses"]:
            jsonschema.Draft202012Validator.check_schema(answer_schema(path, int(status)))


@pytest.mark.parametrize("period", all_period_keys())
def test_the_answer_for_every_period_key_conforms_to_the_document(demo, staff_client, period):
    response = staff_client.get(f"/api/units/chanh-lo/2023/{period}/")
    assert response.status_code == 200
    data = response.json()
    assert_conforms(data, SUMMARY_PATH, 200)
    assert data["period"] == period
    assert data["months"][1] == {"y": 12, "6m": 6, "9m": 9, "q1": 3}.get(period, data["months"][1])
    assert "thu-ngan-sach" in {row["code"] for row in data["indicators"]}


def test_ratio_rows_carry_counts_and_the_document_says_so(demo, staff_client):
    data = staff_client.get("/api/units/chanh-lo/2023/9m/").json()
    petitions = next(i for i in data["indicators"] if i["code"] == "don-thu-giai-quyet")
    assert (petitions["numerator"], petitions["denominator"]) == ("49", "69")
    # A made-up field is refused by the document: it describes the answer exactly.
    data["indicators"][0]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        assert_conforms(data, SUMMARY_PATH, 200)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/units/khong-co/2023/9m/", 404),
        ("/api/units/chanh-lo/2023/m13/", 404),
        ("/api/units/chanh-lo/1800/9m/", 404),
    ],
)
def test_error_answers_conform_to_the_document(demo, staff_client, path, status):
    response = staff_client.get(path)
    assert response.status_code == status
    assert_conforms(response.json(), SUMMARY_PATH, status)


def test_the_anonymous_answer_conforms_to_the_document(client, db):
    response = client.get("/api/units/chanh-lo/2023/9m/")
    assert response.status_code == 401
    assert_conforms(response.json(), SUMMARY_PATH, 401)


# --- schemathesis ---------------------------------------------------------------------------

schema = schemathesis.openapi.from_dict(DOCUMENT)
# The session cookie comes from a real login (the test's staff member), not from generated
# values; the answer without it (401) is checked by the tests above.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def wsgi_app():
    """Django's WSGI application on the test's own database connection.

    As Django's test client does: a request must not close the connection, which holds the
    test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def session_cookie(demo, staff_client) -> dict[str, str]:
    return {settings.SESSION_COOKIE_NAME: staff_client.cookies[settings.SESSION_COOKIE_NAME].value}


@schema.parametrize()
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_under_fuzzing_never_fails_and_always_conforms(case, wsgi_app, session_cookie):
    # Every check schemathesis has (no 5xx, status codes, content types, schemas, invalid
    # input refused) except "ignored auth", which needs schemathesis to hold the credentials.
    response = case.call_and_validate(
        app=wsgi_app, cookies=session_cookie, excluded_checks=[ignored_auth]
    )
    assert response.status_code < 500
