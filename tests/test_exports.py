"""The period workbook, reopened with openpyxl: values, formats, sheets, totals, print set-up."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from indicators.core.periods import parse_period
from indicators.models import Figure, PeriodReport, Target, Unit
from indicators.reporting.export_rows import period_export
from indicators.reporting.workbook import (
    AMOUNT_FORMAT,
    PERCENT_FORMAT,
    RATE_FORMAT,
    period_workbook,
)

D = Decimal
NINE_MONTHS = parse_period("9m", 2023)
MADE_ON = date(2023, 9, 20)


@pytest.fixture(autouse=True)
def vietnamese():
    """Files, sheets and messages are checked in Vietnamese, whatever an earlier test left on."""
    with translation.override("vi"):
        yield


def reopened(unit, period=NINE_MONTHS):
    buffer = io.BytesIO()
    period_workbook(period_export(unit=unit, period=period, made_on=MADE_ON)).save(buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def row_of(sheet, label, *, start=1):
    """The row number whose first cell is ``label``, searching from ``start``."""
    for number in range(start, sheet.max_row + 1):
        if sheet.cell(row=number, column=1).value == label:
            return number
    raise AssertionError(f"{label!r} not in {sheet.title}")


def values(sheet, number):
    return [c.value for c in sheet[number]]


def header(sheet):
    return values(sheet, row_of(sheet, "Chỉ tiêu"))


# --- the ward's workbook ------------------------------------------------------------------


@pytest.fixture
def ward_book(demo):
    return reopened(demo)


def test_sheets_are_named_in_vietnamese_with_one_per_residential_group(ward_book):
    assert ward_book.sheetnames == [
        "Tổng hợp",
        "Tổng hợp đơn vị",
        "Theo tháng",
        "Nội dung báo cáo",
        *[f"Tổ dân phố {n}" for n in range(1, 9)],
    ]


def test_summary_sheet_has_the_header_block_of_an_official_report(ward_book):
    sheet = ward_book["Tổng hợp"]
    assert sheet["A1"].value == "ỦY BAN NHÂN DÂN"
    assert sheet["A2"].value == "PHƯỜNG CHÁNH LỘ"
    assert sheet["F1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert sheet["F2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert sheet["A3"].value == "Số:       /BC-UBND"
    assert sheet["F3"].value == "Chánh Lộ, ngày 20 tháng 9 năm 2023"
    assert sheet["A5"].value == "Phụ lục"
    assert sheet["A6"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI"
    assert sheet["A7"].value == "9 THÁNG ĐẦU NĂM 2023"
    assert sheet["A8"].value == (
        "(Kèm theo Báo cáo số …/BC-UBND ngày 20 tháng 9 năm 2023 của UBND phường Chánh Lộ)"
    )


def test_the_annex_header_carries_the_reports_own_number_place_and_date(demo):
    report = PeriodReport.objects.get(unit=demo, year=2023, period="9m")
    report.document_number, report.place = "125", "Quảng Ngãi"
    report.issued_on = date(2024, 2, 5)
    report.save()
    sheet = reopened(demo)["Tổng hợp"]
    assert sheet["A3"].value == "Số: 125/BC-UBND"
    assert sheet["F3"].value == "Quảng Ngãi, ngày 05 tháng 02 năm 2024"
    assert sheet["A8"].value == (
        "(Kèm theo Báo cáo số 125/BC-UBND ngày 05 tháng 02 năm 2024 của UBND phường Chánh Lộ)"
    )


def test_a_residential_groups_sheet_keeps_the_wards_issuing_body_and_names_the_group(ward_book):
    sheet = ward_book["Tổ dân phố 3"]
    assert (sheet["A1"].value, sheet["A2"].value) == ("ỦY BAN NHÂN DÂN", "PHƯỜNG CHÁNH LỘ")
    assert sheet["A7"].value == "TỔ DÂN PHỐ 3 — 9 THÁNG ĐẦU NĂM 2023"


def test_summary_columns_are_the_dashboard_table_columns(ward_book):
    assert header(ward_book["Tổng hợp"]) == [
        "Chỉ tiêu",
        "Đơn vị tính",
        "Thực hiện",
        "Chỉ tiêu năm — UBND thành phố Quảng Ngãi",
        "% thực hiện — UBND thành phố Quảng Ngãi",
        "Chỉ tiêu năm — HĐND phường Chánh Lộ",
        "% thực hiện — HĐND phường Chánh Lộ",
        "Cùng kỳ năm trước",
        "Kỳ so sánh",
        "So với cùng kỳ (%)",
        "So với cùng kỳ (điểm %)",
        "Ghi chú",
    ]


def test_revenue_row_holds_real_numbers_with_grouped_and_percent_formats(ward_book):
    sheet = ward_book["Tổng hợp"]
    row = sheet[row_of(sheet, "Tổng thu ngân sách nhà nước")]
    actual, city_target, city_percent, ward_target, ward_percent = (c for c in row[2:7])
    assert actual.value == 6021447000
    assert actual.number_format == AMOUNT_FORMAT == "#,##0"
    assert (city_target.value, ward_target.value) == (6945000000, 6995000000)
    # 6 021 447 000 ÷ 6 945 000 000 × 100 and ÷ 6 995 000 000 × 100: the seed's 86,7% and 86,08%.
    assert city_percent.value == pytest.approx(86.70190064794816, rel=1e-14)
    assert ward_percent.value == pytest.approx(86.08215868477484, rel=1e-14)
    assert city_percent.number_format == PERCENT_FORMAT == '#,##0.00"%"'
    assert row[1].value == "đồng"
    assert row[11].value == "Ước thực hiện; Căn cứ: (1), (2)"


def test_last_year_covers_the_same_months_and_says_which(demo):
    # The year page of 2023 (data to September) against January–September 2022:
    # 6.021.447.000 ÷ 5.489.900.000, not against the whole of 2022 (7.781.250.000).
    sheet = reopened(demo, parse_period("y", 2023))["Tổng hợp"]
    row = sheet[row_of(sheet, "Tổng thu ngân sách nhà nước")]
    previous, months, ratio, points = (c.value for c in row[7:11])
    assert previous == 5489900000
    assert months == "9 tháng năm 2022"
    assert ratio == pytest.approx(6021447000 / 5489900000 * 100, rel=1e-14)
    assert points is None  # a flow is compared as a ratio, not in points


def test_a_rate_is_compared_in_signed_points_not_as_a_ratio(ward_book):
    sheet = ward_book["Tổng hợp"]
    online = sheet[row_of(sheet, "Tỷ lệ hồ sơ dịch vụ công trực tuyến")]
    assert online[9].value is None  # no "So với cùng kỳ (%)" for a rate
    assert online[10].value == pytest.approx(25.5)  # 64,1% − 38,6%
    assert online[10].number_format == "+#,##0.00;-#,##0.00;0"


def test_a_ceiling_is_kept_not_achieved_and_a_missing_indicator_has_its_row(ward_book):
    sheet = ward_book["Tổng hợp"]
    poor = sheet[row_of(sheet, "Số hộ nghèo")]
    assert poor[2].value == 38
    assert poor[6].value == "Không vượt chỉ tiêu"  # 38 of at most 40 (HĐND phường)
    insured = sheet[row_of(sheet, "Tỷ lệ dân số tham gia bảo hiểm y tế")]
    assert insured[2].value == "Chưa có số liệu"


def test_a_rate_is_shown_with_two_decimals_and_a_ratio_comes_from_summed_counts(ward_book):
    sheet = ward_book["Tổng hợp"]
    online = sheet[row_of(sheet, "Tỷ lệ hồ sơ dịch vụ công trực tuyến")]
    assert online[2].value == 64.1
    assert online[2].number_format == RATE_FORMAT == "#,##0.00"
    on_time = sheet[row_of(sheet, "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn")]
    # Σ handled on time ÷ Σ handled, January–September: 1164 ÷ 1196 × 100.
    assert on_time[2].value == pytest.approx(1164 / 1196 * 100, rel=1e-14)


def test_footnotes_give_the_estimate_and_each_target_basis(ward_book):
    sheet = ward_book["Tổng hợp"]
    notes = sheet.cell(row=row_of(sheet, "Ghi chú:") + 1, column=1).value
    assert notes.startswith("Ước thực hiện: kỳ báo cáo có tháng là số ước tính")
    basis = values(sheet, row_of(sheet, "Ghi chú:") + 3)[0]
    assert basis == (
        "(1) UBND thành phố Quảng Ngãi: Chỉ tiêu kinh tế - xã hội năm 2023 UBND thành phố giao "
        "(theo báo cáo 9 tháng 2023 của phường)"
    )


def test_every_sheet_prints_on_a4_landscape_fit_to_width_with_repeated_headers(ward_book):
    for title in ("Tổng hợp", "Tổng hợp đơn vị", "Theo tháng", "Tổ dân phố 1"):
        sheet = ward_book[title]
        header_row = row_of(sheet, "Chỉ tiêu") if title != "Tổng hợp đơn vị" else 10
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4 in the OOXML paper size list
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == f"${header_row}:${header_row}"
        assert sheet.freeze_panes.endswith(str(header_row + 1))
    text = ward_book["Nội dung báo cáo"]
    assert text.page_setup.orientation == "portrait"
    assert text.column_dimensions["A"].width == 72


def test_columns_are_sized_for_reading(ward_book):
    sheet = ward_book["Tổng hợp"]
    assert sheet.column_dimensions["A"].width == 46
    assert sheet.column_dimensions["C"].width == 15
    assert sheet.column_dimensions["L"].width == 24


def test_monthly_sheet_has_each_month_and_the_period_total(ward_book):
    sheet = ward_book["Theo tháng"]
    assert header(sheet) == [
        "Chỉ tiêu",
        "Đơn vị tính",
        *[f"Tháng {m}" for m in range(1, 10)],
        "Cả kỳ",
        "Ghi chú",
    ]
    revenue = values(sheet, row_of(sheet, "Tổng thu ngân sách nhà nước"))
    months = [812350000, 498720000, 603115000, 655400000, 590260000, 702880000, 640118000,
              731604000, 787000000]  # fmt: skip
    assert revenue[2:11] == months
    assert revenue[11] == sum(months) == 6021447000
    assert revenue[12] == "Ước: tháng 9"
    on_time = values(sheet, row_of(sheet, "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn"))
    assert on_time[2] == pytest.approx(118 / 121 * 100, rel=1e-14)  # January alone
    assert on_time[10] == pytest.approx(142 / 147 * 100, rel=1e-14)  # September alone
    assert on_time[11] == pytest.approx(1164 / 1196 * 100, rel=1e-14)  # not a mean of months


def test_text_sheet_has_the_written_sections_and_the_generated_report(ward_book):
    lines = [c.value for c in ward_book["Nội dung báo cáo"]["A"] if c.value]
    assert lines[:3] == [
        "PHƯỜNG CHÁNH LỘ",
        "BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI",
        "9 THÁNG ĐẦU NĂM 2023",
    ]
    report = PeriodReport.objects.get(unit__code="chanh-lo", year=2023, period="9m")
    assert lines[lines.index("I. KẾT QUẢ ĐẠT ĐƯỢC") + 1] == report.results
    assert lines[lines.index("II. TỒN TẠI, HẠN CHẾ") + 1] == report.shortcomings
    generated = lines[lines.index("Các chỉ tiêu chủ yếu") + 1]
    assert generated.startswith(
        "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 "
        "đồng, bằng 86,7% chỉ tiêu giao thành phố"
    )


def test_a_period_without_written_sections_says_so(demo):
    book = reopened(demo, parse_period("q1", 2023))
    lines = [c.value for c in book["Nội dung báo cáo"]["A"] if c.value]
    assert lines[lines.index("I. KẾT QUẢ ĐẠT ĐƯỢC") + 1] == "(Chưa có nội dung.)"


def test_a_unit_without_children_gets_no_consolidated_sheet(demo):
    book = reopened(Unit.objects.get(code="chanh-lo-to-1"))
    assert book.sheetnames == ["Tổng hợp", "Theo tháng", "Nội dung báo cáo"]
    sheet = book["Tổng hợp"]
    poor = values(sheet, row_of(sheet, "Số hộ nghèo"))
    assert poor[2] == 5


# --- the consolidated workbook ------------------------------------------------------------


@pytest.fixture
def city_book(tree, make_indicator, authority):
    """A city whose ratio total (91 of 110) is far from the mean of its wards' rates."""
    on_time = make_indicator("on-time", "ratio", name="Hồ sơ đúng hạn")
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    online = make_indicator("online", "reported", name="Dịch vụ công trực tuyến")

    def add(unit, indicator, **numbers):
        Figure.objects.create(unit=tree[unit], indicator=indicator, year=2023, month=9, **numbers)

    add("group-a1", on_time, numerator=D(90), denominator=D(100))  # ward A: 90 %
    add("ward-b", on_time, numerator=D(1), denominator=D(10))  # ward B: 10 %
    add("group-a1", revenue, value=D(100))
    add("ward-b", revenue, value=D(200))
    add("city", revenue, value=D(50))  # collected at city level
    add("ward-a", online, value=D(80))
    add("ward-b", online, value=D(40))
    Target.objects.create(
        unit=tree["city"], indicator=revenue, year=2023, authority=authority, value=D(1000)
    )
    return reopened(tree["city"])


def block(sheet, indicator_name):
    """The rows of one indicator in the consolidated sheet: {label: row values}."""
    start = row_of(sheet, indicator_name) + 1
    rows = {}
    for number in range(start, start + 3):
        cells = values(sheet, number)
        rows[cells[0]] = cells
    return rows


def test_consolidated_sheet_lists_each_child_then_the_total_computed_by_kind(city_book):
    sheet = city_book["Tổng hợp đơn vị"]
    assert values(sheet, 10)[:4] == [
        "Chỉ tiêu / đơn vị",
        "Đơn vị tính",
        "Thực hiện",
        "Chỉ tiêu năm — UBND thành phố",
    ]
    on_time = block(sheet, "Hồ sơ đúng hạn")
    assert on_time["Phường A"][2] == pytest.approx(90.0)
    assert on_time["Phường B"][2] == pytest.approx(10.0)
    total = on_time["Cộng Thành phố"][2]
    assert total == pytest.approx(91 / 110 * 100, rel=1e-14)  # 82,73 %
    assert total != pytest.approx((90 + 10) / 2)  # not the mean of the wards' rates
    assert sheet.cell(row=row_of(sheet, "Cộng Thành phố"), column=1).font.bold

    revenue = block(sheet, "Thu ngân sách")
    assert (revenue["Phường A"][2], revenue["Phường B"][2]) == (100, 200)
    assert revenue["Cộng Thành phố"][2] == 350  # the city's own 50 counts too
    assert revenue["Cộng Thành phố"][3:5] == [1000, pytest.approx(35.0)]

    online = block(sheet, "Dịch vụ công trực tuyến")
    assert (online["Phường A"][2], online["Phường B"][2]) == (80, 40)
    assert online["Cộng Thành phố"][2] is None  # a reported rate is not averaged
    assert online["Cộng Thành phố"][-1] == "Không tổng hợp được"


def test_consolidated_total_matches_the_parent_summary_sheet(city_book):
    summary = city_book["Tổng hợp"]
    consolidated = city_book["Tổng hợp đơn vị"]
    on_time_total = block(consolidated, "Hồ sơ đúng hạn")["Cộng Thành phố"][2]
    assert values(summary, row_of(summary, "Hồ sơ đúng hạn"))[2] == on_time_total


def test_consolidated_workbook_has_one_sheet_per_child_unit(city_book):
    assert city_book.sheetnames[-2:] == ["Phường A", "Phường B"]
    ward_a = city_book["Phường A"]
    assert ward_a["A2"].value == "THÀNH PHỐ"  # the issuing body is the report's
    assert ward_a["A7"].value == "PHƯỜNG A — 9 THÁNG ĐẦU NĂM 2023"
    assert values(ward_a, row_of(ward_a, "Hồ sơ đúng hạn"))[2] == pytest.approx(90.0)


def test_sheet_titles_are_made_valid_and_unique(tree):
    from indicators.reporting.workbook import sheet_title

    assert sheet_title("Tổ 1/2: [cũ]?", taken=[]) == "Tổ 1-2- -cũ--"
    assert sheet_title("Tổng hợp", taken=["Tổng hợp"]) == "Tổng hợp (2)"
    assert len(sheet_title("x" * 40, taken=[])) == 31


# --- the download and the command ---------------------------------------------------------


def test_the_download_is_an_xlsx_named_after_unit_and_period(staff_client, demo):
    response = staff_client.get(reverse("period-export", args=["chanh-lo", 2023, "9m"]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-chanh-lo-2023-9m.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Tổng hợp"]
    assert values(sheet, row_of(sheet, "Tổng thu ngân sách nhà nước"))[2] == 6021447000


def test_unknown_unit_or_period_is_a_404_with_a_vietnamese_message(staff_client, demo):
    response = staff_client.get(reverse("period-export", args=["khong-co", 2023, "9m"]))
    assert response.status_code == 404
    assert "Không có đơn vị với mã trong địa chỉ này." in response.content.decode()
    response = staff_client.get(reverse("period-export", args=["chanh-lo", 2023, "q7"]))
    assert response.status_code == 404
    assert "Kỳ báo cáo không hợp lệ." in response.content.decode()


def test_the_download_needs_a_login(client, demo):
    response = client.get(reverse("period-export", args=["chanh-lo", 2023, "9m"]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_command_writes_the_workbook_for_scheduled_runs(demo, tmp_path):
    target = tmp_path / "chanh-lo.xlsx"
    call_command("export_period", "chanh-lo", "2023", "9m", "-o", str(target))
    book = load_workbook(target)
    assert book.sheetnames[0] == "Tổng hợp"
    with pytest.raises(CommandError, match="Không có đơn vị có mã “khong-co”."):
        call_command("export_period", "khong-co", "2023", "9m", "-o", str(target))
    with pytest.raises(CommandError, match="Kỳ báo cáo không hợp lệ"):
        call_command("export_period", "chanh-lo", "2023", "13m", "-o", str(target))


# --- what a printed copy looks like -------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_prints_the_workbook_on_a4_landscape_pages(demo, tmp_path):
    source = tmp_path / "chanh-lo.xlsx"
    period_workbook(period_export(unit=demo, period=NINE_MONTHS, made_on=MADE_ON)).save(source)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "chanh-lo.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI" in first_page
    # Fit to width: the last column of the table is on the first page, not on a page of its own.
    assert "So với cùng kỳ (%)" in first_page
    assert "6,021,447,000" in first_page or "6.021.447.000" in first_page
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.3" in info  # A4 landscape, in points


def test_a_period_without_any_figure_says_so_instead_of_an_empty_table(tree):
    book = reopened(tree["ward-b"])
    sheet = book["Tổng hợp"]
    assert sheet.cell(row=11, column=1).value == "Chưa có số liệu cho kỳ này."
    assert book["Theo tháng"].max_row == 10  # the header block and the column headers only
