"""The month grid in a real browser, on a 390 px phone and a 1366 px desk: tap, fill, save; the
plausibility warning confirmed; the unit picker's search. Nothing is wider than the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Figure

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

GRID = "/admin/indicators/figure/enter/?unit=chanh-lo&year=2023&month=10"
PICKER = "/admin/indicators/figure/enter/?year=2023&month=10"

# Every visible element whose box sticks out of the viewport, sideways.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  return Array.from(document.querySelectorAll("body *"))
    .filter((el) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
        && (box.right > width + 0.5 || box.left < -0.5);
    })
    .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className} ${
      Math.round(el.getBoundingClientRect().left)}–${Math.round(el.getBoundingClientRect().right)}`);
}"""

# Is the element's centre the element itself (or inside it), not something drawn over it?
ON_TOP = """(el) => {
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit === el || el.contains(hit);
}"""


def assert_fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(TOO_WIDE) == []


def october(code: str) -> Figure | None:
    return Figure.objects.filter(
        unit__code="chanh-lo", indicator__code=code, year=2023, month=10
    ).first()


def test_on_a_phone_a_month_is_filled_and_saved_by_tapping(visit):
    browser = visit(viewport=PHONE, touch=True)
    page = browser.open(GRID)
    assert_fits(page, PHONE["width"])
    revenue = page.locator("#id_fig-thu-ngan-sach-value")
    assert revenue.get_attribute("inputmode") == "decimal"
    assert page.locator("#id_fig-lan-chiem-via-he-value").get_attribute("inputmode") == "numeric"
    # beside the box: its unit and the earlier figures
    row = page.locator("#row-thu-ngan-sach")
    assert row.locator(".box-unit").is_visible()
    assert "787.000.000 đồng (ước)" in row.locator(".last-month").inner_text()

    revenue.tap()
    page.keyboard.type("800.000.000")
    cases = page.locator("#id_fig-lan-chiem-via-he-value")
    cases.scroll_into_view_if_needed()
    cases.tap()
    page.keyboard.type("4")
    page.locator("#row-lan-chiem-via-he").get_by_label("Ước thực hiện").tap()
    save = page.get_by_role("button", name="Lưu cả tháng")
    assert save.evaluate(ON_TOP)  # sticky at the bottom, never under a table cell
    box = save.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]
    browser.screenshot("month-grid-phone")
    with page.expect_navigation():
        save.tap()

    assert "Đã lưu số liệu tháng 10/2023 của Phường Chánh Lộ" in page.inner_text("body")
    assert october("thu-ngan-sach").value == Decimal("800000000")
    assert (october("lan-chiem-via-he").value, october("lan-chiem-via-he").status) == (
        4,
        "estimate",
    )
    assert_fits(page, PHONE["width"])
    assert browser.console_errors == []


def test_on_a_phone_a_far_off_figure_is_confirmed_once_then_saved(visit):
    browser = visit(viewport=PHONE, touch=True)
    page = browser.open(GRID)
    page.locator("#id_fig-thu-ngan-sach-value").tap()
    page.keyboard.type("78.700.000")  # one zero short of September's 787.000.000
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu cả tháng").tap()

    warning = page.locator("#row-thu-ngan-sach .plausibility-warning")
    assert "khác hơn 3 lần" in warning.inner_text()
    assert page.locator("#id_fig-thu-ngan-sach-value").input_value() == "78.700.000"
    assert october("thu-ngan-sach") is None  # nothing saved yet
    assert_fits(page, PHONE["width"])
    browser.screenshot("month-grid-phone-warning")

    confirm = page.get_by_label("Tôi đã kiểm tra: số này đúng")
    confirm.scroll_into_view_if_needed()
    confirm.tap()
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu cả tháng").tap()
    assert "Đã lưu số liệu tháng 10/2023" in page.inner_text("body")
    saved = october("thu-ngan-sach")
    assert saved.value == Decimal("78700000")
    assert "đã xác nhận cảnh báo" in saved.history.latest().history_change_reason


def test_on_a_phone_the_picker_finds_a_group_as_one_types(visit):
    browser = visit(viewport=PHONE, touch=True)
    page = browser.open(PICKER)
    assert_fits(page, PHONE["width"])
    items = page.locator("[data-unit-list] li")
    search = page.locator("#unit-search")
    search.tap()
    page.keyboard.type("to dan pho 3")  # without marks, as typed on a phone in a hurry
    visible = [t.strip() for t in items.locator("visible=true").all_inner_texts()]
    assert visible == ["Phường Chánh Lộ › Tổ dân phố 3"]
    search.fill("")
    page.keyboard.type("Tổ dân phố")
    assert items.locator("visible=true").count() == 8
    browser.screenshot("unit-picker-phone")
    with page.expect_navigation():
        page.get_by_role("link", name="Phường Chánh Lộ › Tổ dân phố 3").tap()
    assert "unit=chanh-lo-to-3&year=2023&month=10" in page.url
    assert "Tổ dân phố 3 — tháng 10/2023" in page.inner_text("h2 >> nth=-1")
    assert_fits(page, PHONE["width"])
    assert browser.console_errors == []


def test_on_a_desk_the_grid_is_a_table_with_its_header(visit):
    browser = visit(viewport=DESKTOP)
    page = browser.open(GRID)
    assert page.locator(".entry-grid thead").is_visible()
    assert page.locator("#row-thu-ngan-sach td.unit").is_visible()
    assert_fits(page, DESKTOP["width"])
    browser.screenshot("month-grid-desktop")
    browser.open(PICKER)
    assert_fits(page, DESKTOP["width"])
    browser.screenshot("unit-picker-desktop")
    assert browser.console_errors == []


def test_on_the_narrowest_phone_the_grid_and_the_picker_still_fit(visit):
    narrow = {"width": 360, "height": 740}
    browser = visit(viewport=narrow, touch=True)
    for path in (
        GRID,
        PICKER,
        "/admin/indicators/figure/enter/?unit=chanh-lo-to-1&year=2023&month=10",
    ):
        page = browser.open(path)
        assert_fits(page, narrow["width"])
    save = page.get_by_role("button", name="Lưu cả tháng")
    copy = page.get_by_role("button", name="Sao chép tháng trước")
    assert save.evaluate(ON_TOP) and copy.evaluate(ON_TOP)
    browser.screenshot("month-grid-360")
