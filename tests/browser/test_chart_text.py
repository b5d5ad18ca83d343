"""User text in the charts, in a real browser: shown as typed, never as plotly's markup."""

from __future__ import annotations

import pytest

from indicators import freshness
from indicators.models import Indicator, Unit

pytestmark = pytest.mark.browser

LINK = '<a href="https://example.org">x</a>'
NINE_MONTHS = "/units/chanh-lo/2023/9m/"


def test_a_name_written_as_a_link_shows_literally_and_makes_no_link(visit):
    # The budget's name labels the completion chart's bars (one per authority); the group's
    # name a bar of the groups compared.
    Indicator.objects.filter(code="thu-ngan-sach").update(short_name=LINK)
    Unit.objects.filter(code="chanh-lo-to-1").update(name=LINK)
    freshness.bump([freshness.EVERYTHING])  # update() sends no signal: the caches must know
    browser = visit()
    page = browser.open(NINE_MONTHS)
    browser.wait_for_charts()

    # plotly turns <a href> in a label into an SVG link; none may exist.
    assert page.locator("[data-drawn] a").count() == 0
    assert page.locator("[data-drawn] [href*='example.org']").count() == 0
    shown = " ".join(page.locator("[data-drawn] svg").all_text_contents())
    assert shown.count(LINK) == 3
    assert browser.outside == []
    assert browser.console_errors == []
