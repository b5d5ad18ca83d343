"""Loaded by pytest before Django is set up (``-p tests.environment`` in pyproject.toml).

DEBUG is off unless DJANGO_DEBUG says otherwise, and then the settings want a secret key. The
suite imports the settings as a developer runs them (DJANGO_DEBUG=1: static files from the
source folders, no collectstatic), and pytest-django turns DEBUG off for each test anyway.
Tests of the production settings run them in subprocesses with an environment of their own.
"""

import os
import secrets

os.environ.setdefault("DJANGO_DEBUG", "1")
# For the subprocesses that start from this environment with DJANGO_DEBUG removed.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
# Each request refreshes the session, as before the once-a-minute refresh, so that two requests
# measured for their queries do the same work; tests/test_logins.py sets the real minute.
os.environ.setdefault("WARD_REPORT_SESSION_REFRESH_SECONDS", "0")
