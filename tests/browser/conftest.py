"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser here, so the tests launch /usr/bin/chromium (the
`chromium` Debian package; `make browser` installs it). Without it the tests are skipped with
the reason, unless REQUIRE_BROWSER=1 (as in CI), where they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told that it is safe (here it is: one test thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def demo_site(transactional_db, live_server):
    """The demo loaded where the live server sees it, and a logged-in session for it."""
    from indicators.demo import load_demo

    load_demo()
    user = get_user_model().objects.create_superuser("leader", "leader@example.org", "pw-leader-1")
    client = Client()
    client.force_login(user)
    return {"url": live_server.url, "session": client.cookies[settings.SESSION_COOKIE_NAME].value}


class Visit:
    """One browser context: every request recorded, outside hosts refused, console errors kept."""

    def __init__(self, browser, site: dict, *, viewport: dict, permissions=(), touch=False):
        self.site = site
        self.host = urlsplit(site["url"]).netloc
        # touch: a phone (taps, the page's viewport meta honoured), not a narrow desktop window
        self.context = browser.new_context(
            viewport=viewport, locale="vi-VN", has_touch=touch, is_mobile=touch
        )
        if permissions:
            self.context.grant_permissions(list(permissions), origin=site["url"])
        self.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": site["session"], "url": site["url"]}]
        )
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.console_errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def _route(self, route):
        url = route.request.url
        self.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != self.host:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def open(self, path: str):
        self.page.goto(self.site["url"] + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def wait_for_charts(self) -> int:
        """Wait until every chart container has been drawn; returns how many there are."""
        count = self.page.locator("[data-figure]").count()
        self.page.wait_for_function(
            "n => document.querySelectorAll('[data-drawn]').length === n", arg=count
        )
        return count

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def visit(chromium, demo_site):
    """visit(viewport=…, permissions=…, touch=…) → a fresh :class:`Visit`, closed after the test."""
    opened: list[Visit] = []

    def make(*, viewport: dict = DESKTOP, permissions=(), touch=False) -> Visit:
        opened.append(
            Visit(chromium, demo_site, viewport=viewport, permissions=permissions, touch=touch)
        )
        return opened[-1]

    yield make
    for one in opened:
        one.close()
