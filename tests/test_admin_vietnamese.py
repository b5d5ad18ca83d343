"""Every admin page a staff member reaches reads in Vietnamese, third-party apps' included.

The walk visits the index, each app's index, and for every registered model its list, its
add form, the change form and the history page of one row, as a superuser and as an approver
(whose lists hold only the units of the grant), and reads each page's visible text (and the
titles and placeholders a user sees) for words that Django, django-axes or
django-simple-history would have left in English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.entry.services import grant_role

# Words and phrases of the English admin: none may appear on a page served in Vietnamese.
ENGLISH = [
    "Access",
    "attempts",
    "failures",
    "AXES",
    "Show counts",
    "Hide counts",
    "Select ",
    "to change",
    "to view",
    "Add ",
    "Change ",
    "History",
    "Filter",
    "Search",
    "Delete",
    "Save",
    "Action",
    "Go",
    "Users",
    "Groups",
    "Authentication",
    "Authorization",
    "Home",
    "View site",
    "Log out",
    "Welcome",
    "Recent actions",
    "Date/time",
    "Today",
    "Yes",
    "No",
    "Any date",
    "Past 7 days",
    "This month",
    "This year",
    "All",
    "selected",
    "Clear",
    "Close",
    "Please",
    "Historical",
    "historical",
    "Change reason",
    "history",
    "Username",
    "Password",
    "Permissions",
    "Staff",
    "Active",
    "Superuser",
    "Email",
    "First name",
    "Last name",
    "Last login",
    "Date joined",
    "IP Address",
    "User Agent",
    "Attempt",
    "Failures",
    "Path",
    "Logout",
    "Login",
]
ENGLISH_WORD = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(word.strip()) for word in ENGLISH) + r")(?![\w-])"
)


class VisibleText(HTMLParser):
    """The text a user reads: element text outside scripts and styles, and the titles,
    placeholders, button values and image texts."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        attrs = dict(attrs)
        for name in self.SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def english_on(html: str) -> list[str]:
    reader = VisibleText()
    reader.feed(html)
    found = []
    for part in reader.parts:
        found += [f"{match.group(0)!r} in {part[:80]!r}" for match in ENGLISH_WORD.finditer(part)]
    return found


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.found.append(href)


NOT_PAGES = ("/admin/logout/", "/admin/jsi18n/", "/admin/r/")


def page_kind(url: str) -> str:
    """Pages of one kind (the change form of any figure) are read once: ids become N and
    only the query's ``_facets`` counts."""
    parts = urlsplit(url)
    query = "?_facets" if "_facets" in parts.query else ""
    return re.sub(r"/[^/]*\d[^/]*/", "/N/", parts.path) + query


def walk(client) -> dict[str, list[str]]:
    """page → the English found on it, for every admin page reached by following links
    from the index (one page of each kind), and each list's counts."""
    found, seen = {}, set()
    queue = [reverse("admin:index")]
    visited = 0
    while queue:
        url = queue.pop(0)
        if page_kind(url) in seen:
            continue
        seen.add(page_kind(url))
        response = client.get(url)
        if response.status_code in (301, 302):
            queue.append(response.url)
            continue
        assert response.status_code == 200, url
        if "html" not in response.headers.get("Content-Type", ""):
            continue
        visited += 1
        html = response.content.decode()
        english = english_on(html)
        if english:
            found[url] = english
        links = Links()
        links.feed(html)
        for href in links.found:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/admin/"):
                continue
            if parts.path.startswith(NOT_PAGES):
                continue
            queue.append(target)
            if parts.path.endswith("/") and parts.path.count("/") == 4 and not parts.query:
                queue.append(f"{parts.path}?_facets=True")  # the list with its counts
    assert visited > 20
    return found


@pytest.fixture
def axes_rows(db):
    """One row in each of django-axes' lists, so their change forms are walked too."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    fields = {"ip_address": "10.0.0.1", "username": "someone", "user_agent": "Firefox"}
    AccessAttempt.objects.create(**fields, failures_since_start=1, get_data="", post_data="")
    AccessLog.objects.create(**fields)
    AccessFailureLog.objects.create(**fields, locked_out=False)


def test_every_admin_page_a_superuser_opens_reads_in_vietnamese(demo, axes_rows, client):
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-boss-1")
    client.force_login(boss)
    assert walk(client) == {}


@pytest.mark.parametrize("role", ["approver", "data_entry", "city_admin"])
def test_every_admin_page_a_role_holder_opens_reads_in_vietnamese(demo, client, role):
    holder = get_user_model().objects.create_user("holder", password="pw-holder-1")
    grant_role(user=holder, unit=demo, role=role)
    holder.refresh_from_db()
    client.force_login(holder)
    assert walk(client) == {}


def test_a_list_is_titled_by_what_it_lists(demo, staff_client):
    page = staff_client.get("/admin/indicators/figure/").content.decode()
    assert "<h1>Danh sách số liệu tháng</h1>" in page
    assert "Chọn số liệu tháng để thay đổi" not in page
    index = staff_client.get("/admin/").content.decode()
    assert "Theo dõi đăng nhập" in index and "Hiện số lượng" not in index
    counts = staff_client.get("/admin/indicators/figure/").content.decode()
    assert "Hiện số lượng" in counts
