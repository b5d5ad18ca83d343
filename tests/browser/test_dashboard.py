"""The dashboard in a real browser: charts drawn, switchers, language, copying, no outside host."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS, DESKTOP, PHONE

pytestmark = pytest.mark.browser

NINE_MONTHS = "/units/chanh-lo/2023/9m/"
BUDGET = NINE_MONTHS + "indicators/thu-ngan-sach/"
SEED_BUDGET_SENTENCE = (
    "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng, "
    "bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08% "
    "chỉ tiêu HĐND phường giao."
)


def test_summary_page_draws_every_chart_with_plotly_and_nothing_else_is_fetched(visit):
    browser = visit()
    page = browser.open(NINE_MONTHS)

    drawn = browser.wait_for_charts()

    # Completion, the budget's cumulative and monthly charts, the e-government rates, the
    # residential groups compared.
    assert drawn == 5
    assert page.locator("[data-drawn] svg.main-svg").count() >= drawn
    assert page.locator("#chart-cumulative-thu-ngan-sach .scatterlayer .trace").count() == 4
    assert page.locator("#chart-rates-chinh-quyen-dien-tu .barlayer .point").count() == 12
    # Vietnamese number form on an axis: thousands with a dot.
    ticks = page.locator("#chart-cumulative-thu-ngan-sach .ytick text").all_text_contents()
    assert "6.000" in ticks
    assert browser.outside == []
    assert any("/static/vendor/plotly-" in url for url in browser.requests)
    assert browser.console_errors == []


def test_hovering_a_chart_point_shows_the_exact_amount_in_vietnamese_form(visit):
    browser = visit()
    page = browser.open(NINE_MONTHS)
    browser.wait_for_charts()

    page.evaluate(
        "Plotly.Fx.hover('chart-cumulative-thu-ngan-sach', [{curveNumber: 0, pointNumber: 8}])"
    )

    hover = page.locator("#chart-cumulative-thu-ngan-sach .hoverlayer").text_content()
    assert "T9: 6.021.447.000 đồng (ước)" in hover


def test_switching_period_with_a_pill_and_with_the_selects(visit):
    browser = visit()
    page = browser.open(NINE_MONTHS)

    page.get_by_role("link", name="Quý III", exact=True).click()
    page.wait_for_url("**/units/chanh-lo/2023/q3/")
    assert "Quý III/2023" in page.locator("h1").inner_text()

    page.select_option("#period-select", "6m")
    page.wait_for_url("**/units/chanh-lo/2023/6m/")
    page.select_option("#year-select", "2022")
    page.wait_for_url("**/units/chanh-lo/2022/6m/")
    assert "6 tháng đầu năm 2022" in page.locator("h1").inner_text()

    page.locator("[data-year-link=next]").click()
    page.wait_for_url("**/units/chanh-lo/2023/6m/")
    browser.wait_for_charts()
    assert browser.console_errors == []
    assert browser.outside == []


def test_switching_language_keeps_the_page_and_changes_words_and_numbers(visit):
    browser = visit()
    page = browser.open(NINE_MONTHS)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(NINE_MONTHS)
    assert page.locator("html").get_attribute("lang") == "en"
    body = page.locator("body").inner_text()
    assert "Total state budget revenue" in body
    assert "6,021,447,000" in body
    browser.wait_for_charts()
    ticks = page.locator("#chart-cumulative-thu-ngan-sach .ytick text").all_text_contents()
    assert "6,000" in ticks

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "6.021.447.000" in page.locator("body").inner_text()
    assert browser.console_errors == []


def test_copy_button_puts_the_report_text_on_the_clipboard(visit):
    browser = visit(permissions=["clipboard-read", "clipboard-write"])
    page = browser.open(NINE_MONTHS)

    page.locator("[data-copy]").click()
    page.wait_for_function("document.querySelector('[data-copy]').classList.contains('is-done')")

    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.splitlines()[0] == SEED_BUDGET_SENTENCE
    assert "Dịch vụ công trực tuyến đạt 64,1%" in copied
    assert page.locator("[data-copy]").inner_text() == "Đã sao chép"
    assert browser.console_errors == []


@pytest.mark.parametrize("viewport, name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_screenshots_of_the_main_pages(visit, viewport, name):
    browser = visit(viewport=viewport)
    for path, page_name in (
        (NINE_MONTHS, "period-summary"),
        (BUDGET, "indicator-budget"),
        (NINE_MONTHS + "indicators/dvc-truc-tuyen/", "indicator-online-services"),
        ("/units/quang-ngai/2023/9m/", "city-summary"),
    ):
        page = browser.open(path)
        browser.wait_for_charts()
        shot = browser.screenshot(f"{page_name}-{name}")
        assert shot.stat().st_size > 10_000
        # Nothing wider than the screen except inside the tables' own scrolling boxes.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (path, width)
    page = browser.open("/units/khong-co/2023/9m/")
    browser.screenshot(f"not-found-{name}")
    assert "Không tìm thấy trang bạn cần" in page.locator("h1").inner_text()
    assert browser.outside == []


def test_print_layout_hides_navigation(visit):
    browser = visit()
    page = browser.open(NINE_MONTHS)
    browser.wait_for_charts()

    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    page.wait_for_timeout(500)
    widths = page.eval_on_selector_all(
        "[data-drawn] svg.main-svg", "s => s.map(e => e.width.baseVal.value)"
    )
    assert widths and max(widths) <= 700

    assert not page.locator(".switcher").is_visible()
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("[data-copy]").is_visible()
    assert page.locator(".summary-table").first.is_visible()
    browser.screenshot("period-summary-print")
    page.pdf(path=str(ARTIFACTS / "period-summary-a4.pdf"), format="A4")
