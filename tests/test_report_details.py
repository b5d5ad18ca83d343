"""The document's head and foot (Decree 30/2020): dates, place, number, titles, signer."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from indicators.core.periods import parse_period
from indicators.models import PeriodReport, SignerCapacity, Unit
from indicators.reporting.report_details import (
    annex_reference,
    decree_date,
    next_period_words,
    place_name,
    report_details,
    report_title,
)

TODAY = date(2023, 9, 20)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def ward(name="Phường Chánh Lộ", parent=None) -> Unit:
    return Unit(code="w", name=name, level=Unit.Level.WARD, parent=parent)


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (date(2024, 2, 5), "ngày 05 tháng 02 năm 2024"),
        (date(2024, 9, 5), "ngày 05 tháng 9 năm 2024"),
        (date(2023, 9, 20), "ngày 20 tháng 9 năm 2023"),
        (date(2023, 1, 31), "ngày 31 tháng 01 năm 2023"),
        (date(2023, 3, 9), "ngày 09 tháng 3 năm 2023"),
        (date(2023, 12, 10), "ngày 10 tháng 12 năm 2023"),
    ],
)
def test_a_date_takes_a_leading_zero_below_day_10_and_in_months_1_and_2(day, written):
    assert decree_date(day) == written


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Phường Chánh Lộ", "Chánh Lộ"),
        ("Xã Tịnh Ấn Tây", "Tịnh Ấn Tây"),
        ("Thị trấn Sơn Tịnh", "Sơn Tịnh"),
        ("Thành phố Quảng Ngãi", "Quảng Ngãi"),
        ("Đặc khu Lý Sơn", "Lý Sơn"),
        ("Xã", "Xã"),  # nothing but the level word: kept whole
        ("Xuân Phú", "Xuân Phú"),  # "Xuân" starts with "Xu", not with the word "Xã"
    ],
)
def test_the_place_is_the_units_name_without_its_level_word(name, place):
    assert place_name(ward(name)) == place


@pytest.mark.parametrize(
    ("key", "year", "title"),
    [
        ("9m", 2023, "9 tháng đầu năm và phương hướng, nhiệm vụ 3 tháng cuối năm 2023"),
        ("6m", 2023, "6 tháng đầu năm và phương hướng, nhiệm vụ 6 tháng cuối năm 2023"),
        ("y", 2023, "năm 2023 và phương hướng, nhiệm vụ năm 2024"),
        ("ytd12", 2023, "năm 2023 và phương hướng, nhiệm vụ năm 2024"),
        ("q3", 2023, "quý III và phương hướng, nhiệm vụ quý IV năm 2023"),
        ("q4", 2023, "quý IV năm 2023 và phương hướng, nhiệm vụ quý I năm 2024"),
        ("m9", 2023, "tháng 9 và phương hướng, nhiệm vụ tháng 10 năm 2023"),
        ("m12", 2023, "tháng 12 năm 2023 và phương hướng, nhiệm vụ tháng 1 năm 2024"),
        ("ytd10", 2023, "10 tháng đầu năm và phương hướng, nhiệm vụ 2 tháng cuối năm 2023"),
    ],
)
def test_the_title_names_the_period_and_the_one_after_it(key, year, title):
    expected = "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội " + title
    assert report_title(parse_period(key, year)) == expected


def test_part_three_names_the_months_left():
    assert next_period_words(parse_period("9m", 2023)) == "3 tháng cuối năm 2023"


def test_blank_details_take_the_units_defaults():
    city = Unit(code="c", name="Thành phố Quảng Ngãi", level=Unit.Level.CITY)
    details = report_details(unit=ward(parent=city), report=None, today=TODAY)

    assert (details.body, details.unit_line) == ("ỦY BAN NHÂN DÂN", "PHƯỜNG CHÁNH LỘ")
    assert details.number == "Số:       /BC-UBND"
    assert details.place_and_date == "Chánh Lộ, ngày 20 tháng 9 năm 2023"
    assert details.signer_lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert details.signer_name == ""
    assert details.recipients == ["UBND thành phố Quảng Ngãi;", "Lưu: VT."]


def test_typed_details_win_and_a_deputy_signs_for_the_chair():
    report = PeriodReport(
        document_number="125",
        place="Quảng Ngãi",
        issued_on=date(2024, 2, 5),
        signer_name="Đoàn Thị Hoa Kiều",
        signer_capacity=SignerCapacity.DEPUTY,
        recipients="- Thường trực Đảng ủy phường;\nUBND thành phố\n\n- Lưu: VT, VP.",
    )
    details = report_details(unit=ward(), report=report, today=TODAY)

    assert details.number == "Số: 125/BC-UBND"
    assert details.place_and_date == "Quảng Ngãi, ngày 05 tháng 02 năm 2024"
    assert details.signer_lines == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert details.signer_name == "Đoàn Thị Hoa Kiều"
    assert details.recipients == [
        "Thường trực Đảng ủy phường;",
        "UBND thành phố;",
        "Lưu: VT, VP.",
    ]
    assert annex_reference(details, ward()) == (
        "(Kèm theo Báo cáo số 125/BC-UBND ngày 05 tháng 02 năm 2024 của UBND phường Chánh Lộ)"
    )


def test_a_typed_title_is_printed_in_capitals():
    report = PeriodReport(signer_title="Phó Chủ tịch thường trực", signer_capacity="kt")
    details = report_details(unit=ward(), report=report, today=TODAY)
    assert details.signer_lines[-1] == "PHÓ CHỦ TỊCH THƯỜNG TRỰC"


def test_a_top_unit_sends_only_to_its_archive():
    details = report_details(unit=ward(), report=None, today=TODAY)
    assert details.recipients == ["Lưu: VT."]
