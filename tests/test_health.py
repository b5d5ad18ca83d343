"""/health/: open to anyone, says whether the database answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter, so that the settings can point at a database that is down.
CALL_HEALTH = """
import json, django
django.setup()
from django.test import Client
response = Client().get("/health/")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


def test_health_is_at_health(db):
    assert reverse("health") == "/health/"


def test_health_says_ok_to_an_anonymous_caller_when_the_database_answers(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_answers_head_but_refuses_post(client, db):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


def test_health_says_503_with_a_message_when_the_database_is_down():
    # Port 1 on the loopback: nothing listens there, the connection is refused at once.
    env = dict(
        os.environ,
        DATABASE_URL="postgres://ward@127.0.0.1:1/ward?connect_timeout=3",
        DJANGO_SETTINGS_MODULE="ward_report.settings",
        DJANGO_ALLOWED_HOSTS="testserver",
    )
    env.pop("DJANGO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", CALL_HEALTH],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer == {
        "status_code": 503,
        "body": {"status": "error", "message": "Không kết nối được cơ sở dữ liệu."},
    }
    # The cause goes to the log for the operator, not to the anonymous caller.
    assert "Health check: the database did not answer" in result.stderr
