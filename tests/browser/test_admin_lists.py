"""The admin's lists in a real browser: at 1366 px every column of the figure list, the
approval list and the figure history is in view without a sideways scroll; on a phone the
approval list reads as one card per month."""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

LISTS = {
    "admin-index": "/admin/",
    "approval-list": "/admin/indicators/monthapproval/?year=2023",
    "figure-list": "/admin/indicators/figure/",
    "figure-history": "/admin/indicators/historicalfigure/",
}


def results_overflow(page) -> int:
    """How many pixels the list's table is wider than its box (0: it fits)."""
    return page.evaluate(
        "(() => { const box = document.querySelector('.results');"
        " return box ? box.scrollWidth - box.clientWidth : 0 })()"
    )


def test_at_1366_px_every_list_column_is_in_view(visit):
    browser = visit(viewport=DESKTOP)
    for name, path in LISTS.items():
        page = browser.open(path)
        browser.screenshot(f"{name}-desktop")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], name
        assert results_overflow(page) == 0, name
    page = browser.open(LISTS["figure-list"])
    for column in ("value_shown", "status", "entered_by", "updated_at"):
        header = page.locator(f"#result_list thead th.column-{column}")
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= DESKTOP["width"], column
    assert browser.console_errors == []


def test_on_a_phone_the_approval_list_is_a_card_per_month(visit):
    browser = visit(viewport=PHONE)
    for name, path in LISTS.items():
        page = browser.open(path)
        browser.screenshot(f"{name}-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    page = browser.open(LISTS["approval-list"])
    assert results_overflow(page) == 0
    # each value stands under its label ("Hạn gửi: 20/01/2024"), the header row is hidden
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('#result_list tbody tr:first-child td[data-label]'))"
        ".map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"Hạn gửi: "' in labels
    assert page.locator("#result_list thead").is_hidden()
