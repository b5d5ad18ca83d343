"""The period summary page: what a ward leader reads before the meeting."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Authority, Figure, Indicator, PeriodReport, Target, Unit
from indicators.reporting.views import latest_period
from tests.conftest import forget_caches

SEED_BUDGET_SENTENCE = (
    "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng, "
    "bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08% "
    "chỉ tiêu HĐND phường giao."
)
NINE_MONTHS_URL = "/units/chanh-lo/2023/9m/"


def text_of(response) -> str:
    return response.content.decode()


def switch_to_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture(scope="module")
def rendered_pages() -> dict[str, str]:
    return {}


@pytest.fixture
def summary_page(demo, staff_client, rendered_pages):
    """The demo's 9-month page as staff see it, rendered once for the tests that only read it
    (each test starts from the same demo, so the page is the same but for its CSRF token)."""
    if NINE_MONTHS_URL not in rendered_pages:
        response = staff_client.get(NINE_MONTHS_URL)
        assert response.status_code == 200
        rendered_pages[NINE_MONTHS_URL] = text_of(response)
    return rendered_pages[NINE_MONTHS_URL]


def test_url_names_give_the_bookmarkable_addresses():
    assert reverse("period-summary", args=["chanh-lo", 2023, "9m"]) == NINE_MONTHS_URL
    assert (
        reverse("indicator-detail", args=["chanh-lo", 2023, "9m", "thu-ngan-sach"])
        == "/units/chanh-lo/2023/9m/indicators/thu-ngan-sach/"
    )


def test_seed_nine_months_page_shows_the_seed_figures(summary_page):
    assert "6.021.447.000" in summary_page
    assert "86,7%" in summary_page
    assert "86,08%" in summary_page
    assert "6.945.000.000" in summary_page
    assert "6.995.000.000" in summary_page


def test_generated_text_on_the_page_is_the_seed_sentence(summary_page):
    assert f"<p>{SEED_BUDGET_SENTENCE}</p>" in summary_page
    assert 'data-copy="report-text-body"' in summary_page


def test_english_page_shows_english_number_forms_and_words(demo, staff_client):
    switch_to_english(staff_client)

    page = text_of(staff_client.get(NINE_MONTHS_URL))

    assert "6,021,447,000" in page
    assert "86.7%" in page
    assert "86.08%" in page
    assert "6.021.447.000" not in page
    assert "Total state budget revenue" in page
    assert 'lang="en"' in page
    assert "Report text (generated)" in page
    assert "Progress against the annual targets" in page
    assert "On track" in page and "Behind" in page
    assert "Nội dung báo cáo" not in page


def test_written_sections_of_the_period_are_shown(summary_page):
    assert "Tồn tại, hạn chế" in summary_page
    assert "tái lấn chiếm vỉa hè, lòng lề đường làm nơi buôn bán" in summary_page
    assert "Nhiệm vụ trọng tâm kỳ tới" in summary_page


def test_a_period_without_written_sections_shows_none(demo, staff_client):
    assert not PeriodReport.objects.filter(unit=demo, year=2023, period="q3").exists()

    page = text_of(staff_client.get("/units/chanh-lo/2023/q3/"))

    assert "Tồn tại, hạn chế" not in page
    assert "Quý III/2023" in page


def row_class(page: str, indicator_code: str) -> str:
    """The class of the summary table row that links to ``indicator_code``."""
    row = r'<tr class="(status-row-\w+)[^"]*">(?:(?!</tr>).)*?'
    pattern = row + f'/indicators/{indicator_code}/"'
    return re.search(pattern, page, re.S).group(1)


def test_rows_carry_their_status_and_the_legend_explains_it(summary_page):
    # Online payment 13,66% against a target of 30%: behind; digitisation 58,5% against 60%:
    # within 10%, watch; online services 64,1% against 60%: good; no target: none.
    assert row_class(summary_page, "thanh-toan-truc-tuyen") == "status-row-behind"
    assert row_class(summary_page, "so-hoa-ho-so") == "status-row-watch"
    assert row_class(summary_page, "dvc-truc-tuyen") == "status-row-good"
    assert row_class(summary_page, "lan-chiem-via-he") == "status-row-none"
    for label in ("Đạt tiến độ", "Cần theo dõi", "Chậm tiến độ", "Chưa đánh giá"):
        assert label in summary_page


def test_a_summary_table_sorts_by_a_column(demo, staff_client):
    page = text_of(staff_client.get(NINE_MONTHS_URL + "?chinh-quyen-dien-tu-sort=actual"))

    egov = page[page.index('id="area-chinh-quyen-dien-tu"') :]
    egov = egov[: egov.index("</table>")]
    names = re.findall(r'/indicators/([a-z-]+)/"', egov)
    # Ascending by the rate: 13,66 · 58,5 · 64,1 · 89,9 · 97,32 · 100.
    assert names == [
        "thanh-toan-truc-tuyen",
        "so-hoa-ho-so",
        "dvc-truc-tuyen",
        "cong-khai-minh-bach",
        "ho-so-dung-han",
        "muc-do-hai-long",
    ]


def test_summary_table_headers_are_the_shared_columns(summary_page):
    assert "Chỉ tiêu năm — UBND thành phố Quảng Ngãi" in summary_page
    assert "% thực hiện — HĐND phường Chánh Lộ" in summary_page
    assert "Cùng kỳ năm trước" in summary_page


def test_the_page_links_parent_and_children(summary_page):
    assert 'href="/units/quang-ngai/2023/9m/"' in summary_page
    for number in range(1, 9):
        assert f'href="/units/chanh-lo-to-{number}/2023/9m/"' in summary_page


def test_children_are_compared_with_their_main_indicators(summary_page):
    children = summary_page[summary_page.index('id="children"') :]
    # Tổ dân phố 3 has 7 poor households in September 2023; petitions 27/40 = 67,5%.
    row = re.search(r"Tổ dân phố 3</a></td>(.*?)</tr>", children, re.S).group(1)
    assert re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', row) == ["7", "67,5"]


def test_the_city_page_compares_its_wards_with_completion(demo, staff_client):
    page = text_of(staff_client.get("/units/quang-ngai/2023/9m/"))

    children = page[page.index('id="children"') :]
    row = re.search(r"Phường Chánh Lộ</a></td>(.*?)</tr>", children, re.S).group(1)
    assert "6.021.447.000" in row
    assert "86,7%" in row


def test_child_comparison_takes_the_same_queries_for_more_children(demo, staff_client):
    revenue = Indicator.objects.get(code="thu-ngan-sach")

    with CaptureQueriesContext(connection) as few:
        staff_client.get(NINE_MONTHS_URL)
    for number in range(9, 14):
        group = Unit.objects.create(
            code=f"chanh-lo-to-{number}", name=f"Tổ dân phố {number}", level="group", parent=demo
        )
        Figure.objects.create(
            unit=group, indicator=revenue, year=2023, month=3, value=Decimal(1000)
        )
    forget_caches()  # the saves above kept the new tree already: read it in the request
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(NINE_MONTHS_URL)

    assert "Tổ dân phố 13" in text_of(response)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_flow_charts_take_the_same_queries_for_more_flow_indicators(demo, staff_client):
    """Each flow with a target gets its charts; their monthly series are read all at once."""
    with CaptureQueriesContext(connection) as few:
        before = text_of(staff_client.get(NINE_MONTHS_URL))
    assert 'id="chart-cumulative-lan-chiem-via-he-data"' not in before
    encroachment = Indicator.objects.get(code="lan-chiem-via-he")
    Target.objects.create(
        unit=demo, indicator=encroachment, year=2023, authority=Authority.objects.first(), value=40
    )
    forget_caches()
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(NINE_MONTHS_URL)

    assert 'id="chart-cumulative-lan-chiem-via-he-data"' in text_of(response)
    assert 'id="chart-cumulative-thu-ngan-sach-data"' in text_of(response)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_charts_are_handed_over_as_json_with_vietnamese_separators(summary_page):
    data = re.search(
        r'<script id="chart-cumulative-thu-ngan-sach-data" type="application/json">(.*?)</script>',
        summary_page,
        re.S,
    ).group(1)
    figure = json.loads(data)

    assert figure["layout"]["separators"] == ",."
    assert figure["data"][0]["y"][-1] == pytest.approx(6021.447)


def test_english_charts_use_english_separators(demo, staff_client):
    switch_to_english(staff_client)
    page = text_of(staff_client.get(NINE_MONTHS_URL))

    data = re.search(
        r'<script id="chart-completion-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert json.loads(data.group(1))["layout"]["separators"] == ".,"
    cumulative = re.search(
        r'<script id="chart-cumulative-thu-ngan-sach-data" type="application/json">(.*?)</script>',
        page,
        re.S,
    )
    assert json.loads(cumulative.group(1))["data"][0]["x"][-1] == "Sep"


def test_the_page_has_no_inline_script_and_no_outside_address(summary_page):
    for tag in re.findall(r"<script[^>]*>", summary_page):
        assert 'type="application/json"' in tag or "src=" in tag, tag
    plotly = r'<script src="/static/vendor/plotly-basic-\d+\.\d+\.\d+\.min\.js"'
    assert re.search(plotly, summary_page)
    assert "http://" not in summary_page and "https://" not in summary_page


def test_period_switcher_lists_every_period_and_the_years(summary_page):
    assert '<option value="9m" selected>9 tháng đầu năm 2023</option>' in summary_page
    assert '<option value="q3">Quý III/2023</option>' in summary_page
    assert '<option value="ytd4">Lũy kế 4 tháng năm 2023</option>' in summary_page
    assert 'href="/units/chanh-lo/2022/9m/"' in summary_page
    assert 'href="/units/chanh-lo/2024/9m/"' in summary_page


def test_the_switcher_form_redirects_to_the_chosen_period(demo, staff_client):
    response = staff_client.get(NINE_MONTHS_URL, {"period": "q2", "year": "2022"})

    assert response.status_code == 302
    assert response["Location"] == "/units/chanh-lo/2022/q2/"


def test_the_switcher_form_refuses_a_bad_year_with_the_friendly_page(demo, staff_client):
    response = staff_client.get(NINE_MONTHS_URL, {"period": "q2", "year": "hai nghìn"})

    assert response.status_code == 404
    assert "Năm không hợp lệ" in text_of(response)


def test_the_language_switcher_posts_to_set_language(summary_page):
    assert 'action="/i18n/setlang/"' in summary_page
    assert 'name="language" value="en"' in summary_page
    assert f'name="next" value="{NINE_MONTHS_URL}"' in summary_page


def test_language_switch_returns_to_the_same_page_in_english(demo, staff_client):
    response = staff_client.post("/i18n/setlang/", {"language": "en", "next": NINE_MONTHS_URL})

    assert response.status_code == 302
    assert response["Location"] == NINE_MONTHS_URL
    assert "Total state budget revenue" in text_of(staff_client.get(NINE_MONTHS_URL))


@pytest.mark.parametrize(
    "url, message",
    [
        ("/units/khong-co/2023/9m/", "Không có đơn vị với mã trong địa chỉ này."),
        ("/units/chanh-lo/2023/q5/", "Kỳ báo cáo không hợp lệ."),
        ("/units/chanh-lo/2023/m13/", "Kỳ báo cáo không hợp lệ."),
        ("/units/chanh-lo/1800/9m/", "Năm không hợp lệ: năm phải từ 1900 đến 2100."),
    ],
)
def test_unknown_unit_or_period_gives_a_friendly_404(demo, staff_client, url, message):
    response = staff_client.get(url)

    assert response.status_code == 404
    page = text_of(response)
    assert "Không tìm thấy trang bạn cần" in page
    assert message in page
    assert 'href="/"' in page


def test_an_address_outside_the_dashboard_gives_the_same_404_page(demo, staff_client):
    response = staff_client.get("/units/chanh-lo/hai-nghin/9m/")

    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần" in text_of(response)


def test_anonymous_visitor_is_sent_to_the_login_page(demo, client):
    response = client.get(NINE_MONTHS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_home_opens_the_ward_on_its_latest_period(demo, staff_client):
    response = staff_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == NINE_MONTHS_URL


def test_home_without_any_unit_says_so(db, staff_client):
    response = staff_client.get("/")

    assert response.status_code == 404
    assert "Chưa có đơn vị hành chính nào" in text_of(response)


@pytest.mark.parametrize(
    "last_month, key", [(4, "ytd4"), (6, "6m"), (9, "9m"), (12, "y"), (1, "ytd1")]
)
def test_latest_period_names_the_last_month_with_data(tree, make_indicator, last_month, key):
    revenue = make_indicator("thu", "sum")
    for month in (1, last_month):
        Figure.objects.update_or_create(
            unit=tree["group-a2"],
            indicator=revenue,
            year=2024,
            month=month,
            defaults={"value": Decimal(5)},
        )
    Figure.objects.create(unit=tree["ward-b"], indicator=revenue, year=2023, month=12, value=1)

    period = latest_period(tree["ward-a"])

    assert (period.year, period.key) == (2024, key)


def test_a_period_without_data_says_so(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2021/9m/"))

    assert "Chưa có số liệu cho kỳ này" in page


def test_the_page_links_to_its_report_workbook_and_its_data_workbook(summary_page):
    assert 'href="/units/chanh-lo/2023/9m/export.xlsx" data-export' in summary_page
    assert 'href="/units/chanh-lo/2023/9m/data.xlsx" data-export-data' in summary_page


def test_a_ward_viewer_gets_no_link_to_the_city_above(demo, client, grant):
    viewer = grant("lanh-dao", "viewer", demo)
    client.force_login(viewer)

    page = text_of(client.get(NINE_MONTHS_URL))

    assert 'href="/units/quang-ngai/2023/9m/"' not in page
    assert 'href="/units/chanh-lo-to-1/2023/9m/"' in page
    assert client.get("/units/quang-ngai/2023/9m/").status_code == 404


def test_children_chart_ranks_the_groups_by_the_most_reported_main_indicator(summary_page):
    data = re.search(
        r'<script id="chart-children-data" type="application/json">(.*?)</script>',
        summary_page,
        re.S,
    ).group(1)
    (bars,) = json.loads(data)["data"]

    # Poor households in September 2023, largest first (ties keep the groups' order).
    assert bars["x"] == [7, 7, 6, 5, 4, 4, 3, 2]
    assert bars["y"] == [f"Tổ dân phố {n}" for n in (3, 7, 5, 1, 2, 6, 4, 8)]


def test_the_city_table_says_why_a_reported_rate_is_missing(demo, staff_client):
    page = text_of(staff_client.get("/units/quang-ngai/2023/9m/"))

    row = re.search(r"/indicators/dvc-truc-tuyen/.*?</tr>", page, re.S).group(0)
    assert "không cộng được từ đơn vị cấp dưới" in row
    assert "không cộng được" not in re.search(
        r"/indicators/ho-so-dung-han/.*?</tr>", page, re.S
    ).group(0)


def test_a_year_page_with_data_to_september_compares_the_same_months(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/y/"))

    # 6.021.447.000 against January–September 2022's 5.489.900.000: up 9,68 %, not the
    # 22,62 % fall that the whole of 2022 (7.781.250.000) would give.
    assert "tăng 9,68% so với cùng kỳ 9 tháng năm 2022" in page
    assert "22,62" not in page
    assert "5.489.900.000" in page and "7.781.250.000" not in page


def test_rates_compare_in_points_and_a_ceiling_is_kept(summary_page):
    assert "Dịch vụ công trực tuyến tăng 25,5 điểm phần trăm (38,6%)" in summary_page
    assert "+25,5" in summary_page  # the table's points column
    assert "66,06" not in summary_page  # 64,1 ÷ 38,6 as if a rate grew like a flow
    assert (
        "Số hộ nghèo đến tháng 9/2023 ước là 38 hộ, không vượt chỉ tiêu HĐND phường giao (40 hộ)."
        in summary_page
    )
    assert "Không vượt chỉ tiêu" in summary_page
    assert "bằng 95%" not in summary_page


def test_an_indicator_without_figures_has_its_own_row_saying_so(summary_page):
    row = re.search(r"Tỷ lệ dân số tham gia bảo hiểm y tế.*?</tr>", summary_page, re.S).group(0)
    assert "Chưa có số liệu" in row


def test_the_legend_names_the_pages_own_period(demo, staff_client):
    nine_months = text_of(staff_client.get(NINE_MONTHS_URL))
    quarter = text_of(staff_client.get("/units/chanh-lo/2023/q3/"))

    assert "(9 tháng đầu năm 2023: 75%)" in nine_months
    assert "(Quý III/2023: 25%)" in quarter


def test_a_nine_month_pages_charts_stop_at_september_after_october_is_entered(demo, staff_client):
    revenue = Indicator.objects.get(code="thu-ngan-sach")
    Figure.objects.create(
        unit=demo, indicator=revenue, year=2023, month=10, value=Decimal(900000000)
    )
    page = text_of(staff_client.get(NINE_MONTHS_URL))

    chart = json.loads(
        re.search(
            r'id="chart-cumulative-thu-ngan-sach-data"[^>]*>(.*?)</script>', page, re.S
        ).group(1)
    )
    assert chart["data"][0]["x"][-1] == "T9"
    assert chart["layout"]["xaxis"]["categoryarray"][-1] == "T9"
