"""A first visit to a period page: the bytes a ward's connection carries (issue 12: under 1 MB)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from whitenoise.compress import Compressor

from indicators.templatetags.vendor import PLOTLY_JS

NINE_MONTHS_URL = "/units/chanh-lo/2023/9m/"
FIRST_VISIT_LIMIT = 1_000_000  # bytes


def linked_static_files(html: str) -> list[str]:
    """Every file under /static/ the page makes the browser fetch: scripts, styles, the icon."""
    return re.findall(r'<(?:script|link)\b[^>]*?(?:src|href)="/static/([^"]+)"', html)


def served_size(name: str) -> int:
    """The bytes WhiteNoise sends for a static file to a browser that accepts gzip."""
    data = Path(finders.find(name)).read_bytes()
    return min(len(data), len(Compressor.compress_gzip(data)))


def test_the_links_are_read_from_the_page():
    html = (
        '<link rel="stylesheet" href="/static/css/site.css">'
        '<script src="/static/vendor/plotly-basic-4.1.1.min.js" defer></script>'
        '<script id="x" type="application/json">{"a": "/static/not-a-link"}</script>'
    )
    assert linked_static_files(html) == ["css/site.css", "vendor/plotly-basic-4.1.1.min.js"]


@pytest.mark.django_db
def test_a_first_visit_to_the_period_page_is_under_one_megabyte(demo, staff_client):
    response = staff_client.get(NINE_MONTHS_URL)
    assert response.status_code == 200
    html = response.content.decode()
    files = linked_static_files(html)
    assert PLOTLY_JS in files
    assert "js/dashboard.js" in files and "css/site.css" in files

    # The page itself goes as Django writes it (no GZipMiddleware); static files compressed.
    sizes = {"page": len(response.content)} | {name: served_size(name) for name in files}
    total = sum(sizes.values())
    assert total < FIRST_VISIT_LIMIT, sizes
    # The chart library is most of it: the partial bundle, not the full 4.8 MB one.
    assert 300_000 < sizes[PLOTLY_JS] < 500_000, sizes
