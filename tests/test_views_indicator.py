"""One indicator's page: its months, its targets, and who entered each figure."""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from indicators.models import Figure, Unit

BUDGET_URL = "/units/chanh-lo/2023/9m/indicators/thu-ngan-sach/"


def text_of(response) -> str:
    return response.content.decode()


def test_budget_page_shows_the_period_its_targets_and_last_year(demo, staff_client):
    response = staff_client.get(BUDGET_URL)

    assert response.status_code == 200
    page = text_of(response)
    assert "6.021.447.000 đồng" in page
    assert "Đã thực hiện <strong>86,7%</strong> chỉ tiêu" in page
    assert "Đã thực hiện <strong>86,08%</strong> chỉ tiêu" in page
    # January–September 2022: 5.489.900.000 đồng; 6.021.447.000 ÷ 5.489.900.000 = 109,68 %.
    assert "5.489.900.000 đồng" in page
    assert "Năm nay bằng <strong>109,68%</strong> cùng kỳ" in page
    assert "tăng 9,68% so với cùng kỳ" in page


def test_month_table_gives_each_month_and_the_running_total(demo, staff_client):
    page = text_of(staff_client.get(BUDGET_URL))

    september = re.search(r"<td >Tháng 9/2023.*?</tr>", page, re.S).group(0)
    cells = re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', september)
    assert cells == ["787.000.000", "6.021.447.000", "705.150.000", "5.489.900.000"]
    assert "ước" in september
    october = re.search(r"<td >Tháng 10/2023.*?</tr>", page, re.S).group(0)
    # No figure yet for October 2023: no running total either, last year's months still shown.
    assert re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', october) == [
        "—",
        "—",
        "690.300.000",
        "6.180.200.000",
    ]


def test_figures_table_says_who_entered_each_figure_and_when(demo, staff_client, staff_user):
    figure = Figure.objects.get(unit=demo, indicator__code="thu-ngan-sach", year=2023, month=9)
    figure.entered_by = staff_user
    figure.save()
    staff_user.first_name, staff_user.last_name = "Lan", "Nguyễn Thị"
    staff_user.save()

    page = text_of(staff_client.get(BUDGET_URL))

    row = re.search(r"<td >9/2023</td>.*?</tr>", page, re.S).group(0)
    assert "Phường Chánh Lộ" in row
    assert "787.000.000" in row
    assert "Ước thực hiện" in row
    assert "Lan Nguyễn Thị" in row
    local = figure.updated_at.astimezone(ZoneInfo(settings.TIME_ZONE))
    assert local.strftime("%H:%M ngày %d/%m/%Y") in row  # the one form (indicators/formats/vi)


def test_a_ratio_figure_shows_its_counts_and_rate(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/9m/indicators/ho-so-dung-han/"))

    # September 2023: 142 of 147 dossiers on time = 96,598… %.
    assert "142/147 (96,6%)" in page


def test_the_figures_of_every_unit_below_are_listed(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/9m/indicators/ho-ngheo/"))

    for number in range(1, 9):
        assert f"Tổ dân phố {number}" in page
    assert "38 hộ" in page


def test_a_reported_rate_of_a_parent_without_its_own_says_it_cannot_be_added_up(demo, staff_client):
    page = text_of(staff_client.get("/units/quang-ngai/2023/9m/indicators/dvc-truc-tuyen/"))

    assert "không cộng được từ các đơn vị cấp dưới" in page


def test_rate_page_draws_the_months_against_the_target(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/9m/indicators/dvc-truc-tuyen/"))

    assert 'id="chart-rate-months-dvc-truc-tuyen"' in page
    assert 'id="chart-rate-months-dvc-truc-tuyen-data"' in page


def test_switchers_on_an_indicator_page_stay_on_the_indicator(demo, staff_client):
    page = text_of(staff_client.get(BUDGET_URL))

    assert 'href="/units/chanh-lo/2023/q3/indicators/thu-ngan-sach/"' in page
    assert 'href="/units/chanh-lo/2022/9m/indicators/thu-ngan-sach/"' in page
    response = staff_client.get(BUDGET_URL, {"period": "m3", "year": "2023"})
    assert response["Location"] == "/units/chanh-lo/2023/m3/indicators/thu-ngan-sach/"


def test_english_indicator_page(demo, staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = text_of(staff_client.get(BUDGET_URL))

    assert "6,021,447,000 VND" in page
    assert "Total state budget revenue" in page


@pytest.mark.parametrize(
    "url, message",
    [
        (
            "/units/chanh-lo/2023/9m/indicators/khong-co/",
            "Không có chỉ tiêu với mã trong địa chỉ này.",
        ),
        (
            "/units/khong-co/2023/9m/indicators/thu-ngan-sach/",
            "Không có đơn vị với mã trong địa chỉ này.",
        ),
        ("/units/chanh-lo/2023/q9/indicators/thu-ngan-sach/", "Kỳ báo cáo không hợp lệ."),
    ],
)
def test_unknown_indicator_unit_or_period_gives_the_friendly_404(demo, staff_client, url, message):
    response = staff_client.get(url)

    assert response.status_code == 404
    assert message in text_of(response)
    assert "Không tìm thấy trang bạn cần" in text_of(response)


def test_an_indicator_without_figures_in_the_period_says_so(demo, staff_client):
    group = Unit.objects.get(code="chanh-lo-to-1")

    page = text_of(staff_client.get(f"/units/{group.code}/2023/9m/indicators/thu-ngan-sach/"))

    assert "Chưa có số liệu của chỉ tiêu này trong kỳ." in page


def test_figure_table_uses_exact_decimals(demo, staff_client):
    Figure.objects.filter(unit=demo, indicator__code="thu-ngan-sach", year=2023, month=1).update(
        value=Decimal("812350000.5")
    )

    page = text_of(staff_client.get(BUDGET_URL))

    assert "812.350.000,5" in page


def test_a_rates_page_compares_in_points_over_the_months_named(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/9m/indicators/dvc-truc-tuyen/"))

    assert "Cùng kỳ 9 tháng năm 2022" in page
    assert "tăng 25,5 điểm phần trăm so với cùng kỳ 9 tháng năm 2022" in page
    assert "Năm nay bằng" not in page  # 64,1 ÷ 38,6 is no comparison of two rates


def test_a_ceilings_page_says_it_is_kept(demo, staff_client):
    page = text_of(staff_client.get("/units/chanh-lo/2023/9m/indicators/ho-ngheo/"))

    assert "Không vượt chỉ tiêu HĐND phường giao" in page
    assert "Đã thực hiện" not in page
