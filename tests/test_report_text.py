"""The generated report text: the seed's sentences from the demo, and each kind's form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from indicators.core.periods import parse_period
from indicators.models import Area, Indicator, Unit
from indicators.reporting.report_text import report_paragraphs, report_sections
from indicators.reporting.selectors import Aggregate, IndicatorRow, TargetResult, period_summary
from indicators.reporting.wording import format_points, months_words, points_words

SEED_BUDGET_SENTENCE = (
    "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng, "
    "bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08% "
    "chỉ tiêu HĐND phường giao."
)
NINE_MONTHS = parse_period("9m", 2023)

BUDGET = Area(id=1, code="ngan-sach", name="Thu ngân sách nhà nước", name_en="Budget revenue")
EGOV = Area(id=2, code="cqdt", name="Chính quyền điện tử", name_en="E-government")


def indicator(code: str, kind: str, area: Area = BUDGET, **fields) -> Indicator:
    fields.setdefault("unit", "%" if kind in ("ratio", "reported") else "đồng")
    return Indicator(code=code, kind=kind, area=area, name=code, **fields)


def target(
    code: str, phrase: str, value: str, percent: str | None, exceeded: bool | None = None
) -> TargetResult:
    return TargetResult(
        authority_code=code,
        authority_name=code,
        report_phrase=phrase,
        value=Decimal(value),
        basis="",
        percent=None if percent is None else Decimal(percent),
        exceeded=exceeded,
    )


def row(
    ind: Indicator,
    actual,
    *,
    estimate=False,
    previous=None,
    last=9,
    prev_last=9,
    targets=(),
    period=NINE_MONTHS,
):
    return IndicatorRow(
        indicator=ind,
        period=period,
        current=Aggregate(
            actual=None if actual is None else Decimal(actual),
            is_estimate=estimate,
            last_month=last if actual is not None else 0,
        ),
        previous=Aggregate(
            actual=None if previous is None else Decimal(previous),
            last_month=prev_last if previous is not None else 0,
        ),
        targets=list(targets),
    )


# --- From the demo, through the selectors ---------------------------------------------------


@pytest.fixture
def demo_nine_months(demo):
    return period_summary(unit=demo, period=NINE_MONTHS)


def test_demo_nine_months_opens_with_the_seed_budget_sentence(demo_nine_months):
    paragraphs = report_paragraphs(rows=demo_nine_months, period=NINE_MONTHS)

    assert paragraphs[0] == SEED_BUDGET_SENTENCE


def test_demo_nine_months_states_the_budget_change_over_last_year(demo_nine_months):
    # 2022 January–September: 5.489.900.000 đồng; 6.021.447.000 ÷ 5.489.900.000 = 1,09682…
    paragraphs = report_paragraphs(rows=demo_nine_months, period=NINE_MONTHS)

    assert paragraphs[1] == (
        "Tổng thu ngân sách nhà nước tăng 9,68% so với cùng kỳ 9 tháng năm 2022."
    )


def test_demo_nine_months_writes_the_e_government_rates_in_one_sentence(demo_nine_months):
    paragraphs = report_paragraphs(rows=demo_nine_months, period=NINE_MONTHS)

    assert paragraphs[2] == (
        "Dịch vụ công trực tuyến đạt 64,1%; Thanh toán trực tuyến đạt 13,66%; "
        "Số hóa hồ sơ đạt 58,5%; Công khai minh bạch đạt 89,9%; "
        "Đánh giá mức độ hài lòng đạt 100%."
    )
    # In points: 64,1 − 38,6 = 25,5; 13,66 − 3,2 = 10,46; 58,5 − 25; 89,9 − 78,4; 100 − 97,5.
    assert paragraphs[3] == (
        "So với cùng kỳ 9 tháng năm 2022: Dịch vụ công trực tuyến tăng 25,5 điểm phần trăm "
        "(38,6%); Thanh toán trực tuyến tăng 10,46 điểm phần trăm (3,2%); Số hóa hồ sơ tăng "
        "33,5 điểm phần trăm (25%); Công khai minh bạch tăng 11,5 điểm phần trăm (78,4%); "
        "Đánh giá mức độ hài lòng tăng 2,5 điểm phần trăm (97,5%)."
    )


def test_demo_sections_group_sentences_under_their_area(demo_nine_months):
    sections = report_sections(rows=demo_nine_months, period=NINE_MONTHS)

    assert sections[0].area_name == "Thu ngân sách nhà nước"
    assert sections[0].sentences[0] == SEED_BUDGET_SENTENCE
    assert [s.area_name for s in sections][:2] == [
        "Thu ngân sách nhà nước",
        "Cải cách hành chính, chính quyền điện tử (Chỉ số phục vụ người dân, doanh nghiệp "
        "theo Quyết định 766/QĐ-TTg)",
    ]


def test_english_text_uses_english_number_forms(demo):
    with translation.override("en"):
        rows = period_summary(unit=demo, period=NINE_MONTHS)
        first = report_paragraphs(rows=rows, period=NINE_MONTHS)[0]

    assert first == (
        "Total state budget revenue, first 9 months: estimated at 6,021,447,000 VND of "
        "6,945,000,000 VND, 86.7% of the city's target and 6,021,447,000 VND of "
        "6,995,000,000 VND, 86.08% of the ward People's Council's target."
    )


# --- Each kind's form, without the database -------------------------------------------------


def test_official_figures_read_dat_not_uoc_dat():
    revenue = indicator("thu", "sum", short_name="Tổng thu")
    rows = [row(revenue, "1500", targets=[target("a", "chỉ tiêu giao thành phố", "2000", "75")])]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Tổng thu 9 tháng đầu năm đạt 1.500 đồng/2.000 đồng, bằng 75% chỉ tiêu giao thành phố."
    ]


def test_a_fall_against_last_year_reads_giam():
    revenue = indicator("thu", "sum", short_name="Tổng thu")
    rows = [row(revenue, "900", previous="1200")]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Tổng thu 9 tháng đầu năm đạt 900 đồng.",
        "Tổng thu giảm 25% so với cùng kỳ 9 tháng năm 2022.",
    ]


def test_a_year_with_data_to_september_names_the_months_it_compares():
    # A whole year: 2023 has figures to September, so last year's are January–September too.
    revenue = indicator("thu", "sum", short_name="Tổng thu")
    year = parse_period("y", 2023)
    rows = [row(revenue, "900", previous="1200", last=9, period=year)]

    assert report_paragraphs(rows=rows, period=year) == [
        "Tổng thu năm 2023 đạt 900 đồng.",
        "Tổng thu giảm 25% so với cùng kỳ 9 tháng năm 2022.",
    ]


def test_a_complete_year_compares_with_last_year():
    revenue = indicator("thu", "sum", short_name="Tổng thu")
    year = parse_period("y", 2023)
    rows = [row(revenue, "1500", previous="1200", last=12, prev_last=12, period=year)]

    assert report_paragraphs(rows=rows, period=year)[1] == (
        "Tổng thu tăng 25% so với cùng kỳ năm 2022."
    )


@pytest.mark.parametrize(
    "months, words",
    [
        ((1, 9), "9 tháng năm 2022"),
        ((1, 12), "năm 2022"),
        ((9, 9), "tháng 9 năm 2022"),
        ((7, 9), "Quý III năm 2022"),
        ((7, 8), "tháng 7–8 năm 2022"),
        ((4, 5), "tháng 4–5 năm 2022"),
    ],
)
def test_months_words_name_the_months_compared(months, words):
    assert months_words(*months, 2022) == words


def test_a_ceiling_kept_is_said_so_not_as_a_share_of_the_target():
    cases = indicator("vu", "sum", short_name="Lấn chiếm vỉa hè", unit="vụ", direction="down")
    ceiling = target("h", "chỉ tiêu HĐND phường giao", "40", "80", exceeded=False)
    rows = [row(cases, "32", estimate=True, targets=[ceiling])]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Lấn chiếm vỉa hè 9 tháng đầu năm: ước 32 vụ, không vượt chỉ tiêu HĐND phường giao (40 vụ)."
    ]


def test_a_ceiling_exceeded_is_said_so():
    poor = indicator("ngheo", "level", short_name="Số hộ nghèo", unit="hộ", direction="down")
    ceiling = target("h", "chỉ tiêu HĐND phường giao", "40", "112.5", exceeded=True)
    rows = [row(poor, "45", targets=[ceiling])]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Số hộ nghèo đến tháng 9/2023 là 45 hộ, vượt chỉ tiêu HĐND phường giao (40 hộ)."
    ]


def test_a_ratio_falling_reads_giam_in_points():
    on_time = indicator("dung-han", "ratio", EGOV, short_name="Hồ sơ đúng hạn")
    rows = [row(on_time, "90", previous="93.25")]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Hồ sơ đúng hạn 9 tháng đầu năm đạt 90%, giảm 3,25 điểm phần trăm so với cùng kỳ "
        "9 tháng năm 2022 (93,25%)."
    ]


def test_a_flow_where_lower_is_better_is_stated_not_reached():
    cases = indicator("vu", "sum", short_name="Lấn chiếm vỉa hè", unit="vụ", direction="down")
    rows = [row(cases, "32", estimate=True)]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Lấn chiếm vỉa hè 9 tháng đầu năm: ước 32 vụ."
    ]


def test_a_level_is_stated_at_its_last_month_with_its_target():
    poor = indicator("ngheo", "level", short_name="Số hộ nghèo", unit="hộ", direction="down")
    rows = [
        row(
            poor,
            "38",
            estimate=True,
            previous="60",
            targets=[target("h", "chỉ tiêu HĐND phường giao", "40", "95", exceeded=False)],
        )
    ]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Số hộ nghèo đến tháng 9/2023 ước là 38 hộ, không vượt chỉ tiêu HĐND phường giao (40 hộ).",
        "Số hộ nghèo giảm 36,67% so với cùng kỳ 9 tháng năm 2022.",
    ]


def test_a_ratio_states_its_rate_target_and_last_year():
    on_time = indicator("dung-han", "ratio", EGOV, short_name="Hồ sơ đúng hạn")
    rows = [
        row(
            on_time,
            "97.3154",
            previous="93.3884",
            targets=[target("h", "chỉ tiêu HĐND phường giao", "95", "102.4")],
        )
    ]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Hồ sơ đúng hạn 9 tháng đầu năm đạt 97,32%, bằng 102,4% chỉ tiêu HĐND phường giao "
        "(95%), tăng 3,93 điểm phần trăm so với cùng kỳ 9 tháng năm 2022 (93,39%)."
    ]


def test_reported_rates_each_say_uoc_dat_when_estimated():
    online = indicator("dvc", "reported", EGOV, short_name="Dịch vụ công trực tuyến")
    payment = indicator("tt", "reported", EGOV, short_name="Thanh toán trực tuyến")
    rows = [row(online, "64.10", estimate=True), row(payment, "13.66")]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == [
        "Dịch vụ công trực tuyến ước đạt 64,1%; Thanh toán trực tuyến đạt 13,66%."
    ]


def test_rows_without_a_figure_are_left_out():
    revenue = indicator("thu", "sum", short_name="Tổng thu")
    online = indicator("dvc", "reported", EGOV, short_name="Dịch vụ công trực tuyến")
    rows = [
        row(revenue, None, targets=[target("a", "chỉ tiêu giao thành phố", "2000", None)]),
        row(online, None),
    ]

    assert report_paragraphs(rows=rows, period=NINE_MONTHS) == []
    assert report_sections(rows=rows, period=NINE_MONTHS) == []


def test_a_parent_without_its_own_reported_rate_writes_nothing_for_it(demo):
    city = Unit.objects.get(code="quang-ngai")
    rows = period_summary(unit=city, period=NINE_MONTHS)

    paragraphs = report_paragraphs(rows=rows, period=NINE_MONTHS)

    assert not any("Dịch vụ công trực tuyến" in p for p in paragraphs)
    assert (
        paragraphs[0] == "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng."
    )


@pytest.mark.parametrize(
    "points, words, signed",
    [
        ("25.5", "tăng 25,5 điểm phần trăm", "+25,5"),
        ("-3.254", "giảm 3,25 điểm phần trăm", "−3,25"),
        ("0", "không đổi", "0"),
    ],
)
def test_points_read_as_words_and_as_a_signed_number(points, words, signed):
    assert points_words(Decimal(points)) == words
    assert format_points(Decimal(points)) == signed
    assert points_words(None) == format_points(None) == ""


def test_the_demos_year_page_text_compares_the_same_nine_months(demo):
    year = parse_period("y", 2023)
    paragraphs = report_paragraphs(rows=period_summary(unit=demo, period=year), period=year)

    # 6.021.447.000 ÷ 5.489.900.000 (January–September 2022), not ÷ 7.781.250.000.
    assert paragraphs[1] == (
        "Tổng thu ngân sách nhà nước tăng 9,68% so với cùng kỳ 9 tháng năm 2022."
    )
    assert (
        "Số hộ nghèo đến tháng 9/2023 ước là 38 hộ, không vượt chỉ tiêu HĐND phường giao "
        "(40 hộ)." in paragraphs
    )
