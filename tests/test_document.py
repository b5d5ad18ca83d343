"""The Word report, reopened with python-docx: head, title, body, foot, annex, print set-up."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT

from indicators.core.periods import parse_period
from indicators.models import PeriodReport, RoleGrant, SignerCapacity
from indicators.reporting.document import DOCX, period_document
from indicators.reporting.export_rows import period_export

NINE_MONTHS = parse_period("9m", 2023)
MADE_ON = date(2023, 9, 20)
SEED_BUDGET_SENTENCE = (
    "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng/6.945.000.000 đồng, "
    "bằng 86,7% chỉ tiêu giao thành phố và 6.021.447.000 đồng/6.995.000.000 đồng bằng 86,08% "
    "chỉ tiêu HĐND phường giao."
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def reopened(unit, period=NINE_MONTHS):
    buffer = io.BytesIO()
    period_document(period_export(unit=unit, period=period, made_on=MADE_ON)).save(buffer)
    buffer.seek(0)
    return Document(buffer)


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def body(document) -> list[str]:
    """The text paragraphs outside tables, blank ones left out."""
    return [p.text for p in document.paragraphs if p.text]


def after(lines: list[str], heading: str) -> str:
    return lines[lines.index(heading) + 1]


@pytest.fixture
def report(demo):
    return reopened(demo)


def test_the_head_has_the_issuing_body_motto_number_place_and_date(report):
    head = report.tables[0]
    assert cell_lines(head.cell(0, 0)) == ["ỦY BAN NHÂN DÂN", "PHƯỜNG CHÁNH LỘ"]
    assert cell_lines(head.cell(0, 1)) == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert cell_lines(head.cell(1, 0)) == ["Số:       /BC-UBND"]
    assert cell_lines(head.cell(1, 1)) == ["Chánh Lộ, ngày 20 tháng 9 năm 2023"]
    unit_line = head.cell(0, 0).paragraphs[1].runs[0]
    place = head.cell(1, 1).paragraphs[0].runs[0]
    assert unit_line.bold and place.italic


def test_the_title_names_nine_months_as_the_seed_does(report):
    lines = body(report)
    assert after(lines, "BÁO CÁO") == (
        "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội 9 tháng đầu năm và phương "
        "hướng, nhiệm vụ 3 tháng cuối năm 2023"
    )


def test_a_quarters_report_is_titled_with_the_next_quarter(demo):
    lines = body(reopened(demo, parse_period("q3", 2023)))
    assert after(lines, "BÁO CÁO").endswith("quý III và phương hướng, nhiệm vụ quý IV năm 2023")


def test_part_one_opens_with_the_seeds_first_sentence_word_for_word(report):
    lines = body(report)
    assert lines.index("I. KẾT QUẢ ĐẠT ĐƯỢC") < lines.index("1. Thu ngân sách nhà nước")
    revenue = after(lines, "1. Thu ngân sách nhà nước")
    assert revenue == (
        SEED_BUDGET_SENTENCE
        + " Tổng thu ngân sách nhà nước tăng 9,68% so với cùng kỳ 9 tháng năm 2022."
    )


def test_part_one_holds_every_area_of_the_dashboards_text_then_the_written_results(demo, report):
    from indicators.reporting.report_text import report_sections
    from indicators.reporting.selectors import period_summary

    sections = report_sections(
        rows=period_summary(unit=demo, period=NINE_MONTHS), period=NINE_MONTHS
    )
    lines = body(report)
    for number, section in enumerate(sections, start=1):
        assert after(lines, f"{number}. {section.area_name}") == " ".join(section.sentences)
    written = PeriodReport.objects.get(unit=demo, year=2023, period="9m")
    assert after(lines, f"{len(sections) + 1}. Đánh giá chung") == written.results
    assert after(lines, "II. TỒN TẠI, HẠN CHẾ") == written.shortcomings
    assert after(lines, "III. PHƯƠNG HƯỚNG, NHIỆM VỤ 3 THÁNG CUỐI NĂM 2023") == written.tasks


def test_empty_written_sections_say_so(tree):
    lines = body(reopened(tree["ward-b"]))
    assert after(lines, "1. Đánh giá chung") == "(Chưa có nội dung.)"
    assert after(lines, "II. TỒN TẠI, HẠN CHẾ") == "(Chưa có nội dung.)"


def test_the_foot_has_recipients_and_the_signature_block(demo):
    PeriodReport.objects.filter(unit=demo, year=2023, period="9m").update(
        signer_name="Đoàn Thị Hoa Kiều", signer_capacity=SignerCapacity.DEPUTY
    )
    foot = reopened(demo).tables[2]
    assert cell_lines(foot.cell(0, 0)) == [
        "Nơi nhận:",
        "- UBND thành phố Quảng Ngãi;",
        "- Lưu: VT.",
    ]
    assert cell_lines(foot.cell(0, 1)) == [
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Đoàn Thị Hoa Kiều",
    ]
    # Room for the signature and seal: four empty lines between the title and the name.
    signer = [p.text for p in foot.cell(0, 1).paragraphs]
    assert signer[3:7] == ["", "", "", ""]


def test_the_annex_has_the_summary_sheets_columns_and_vietnamese_numbers(report):
    annex = report.tables[3]
    assert [c.text for c in annex.rows[0].cells] == [
        "STT",
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
    ]
    assert [c.text for c in annex.rows[1].cells][:2] == ["I", "Thu ngân sách nhà nước"]
    # 6 021 447 000 ÷ 6 945 000 000 = 86,70%; ÷ 6 995 000 000 = 86,08%;
    # ÷ 5 489 900 000 (January–September 2022) = 109,68%.
    assert [c.text for c in annex.rows[2].cells] == [
        "1",
        "Tổng thu ngân sách nhà nước",
        "đồng",
        "6.021.447.000",
        "6.945.000.000",
        "86,7",
        "6.995.000.000",
        "86,08",
        "5.489.900.000",
        "9 tháng năm 2022",
        "109,68",
        "",  # points are for rates only
    ]
    rates = next(r for r in annex.rows if r.cells[1].text == "Tỷ lệ hồ sơ dịch vụ công trực tuyến")
    assert [c.text for c in rates.cells][2:4] == ["%", "64,1"]
    lines = body(report)
    assert (
        after(lines, "Phụ lục")
        == "KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI 9 THÁNG ĐẦU NĂM 2023"
    )
    assert (
        "(Kèm theo Báo cáo số …/BC-UBND ngày 20 tháng 9 năm 2023 của UBND phường Chánh Lộ)" in lines
    )


def test_pages_are_a4_in_times_new_roman_with_the_decrees_margins(report):
    text, annex = report.sections
    assert (round(text.page_width.mm), round(text.page_height.mm)) == (210, 297)
    assert text.orientation == WD_ORIENT.PORTRAIT
    margins = [text.top_margin, text.bottom_margin, text.left_margin, text.right_margin]
    assert [round(m.mm) for m in margins] == [20, 20, 30, 15]
    assert annex.orientation == WD_ORIENT.LANDSCAPE
    assert (round(annex.page_width.mm), round(annex.page_height.mm)) == (297, 210)
    normal = report.styles["Normal"].font
    assert (normal.name, normal.size.pt) == ("Times New Roman", 14)


def test_typed_text_stays_text_in_the_document(demo):
    PeriodReport.objects.filter(unit=demo, year=2023, period="9m").update(
        results="<b>Đậm</b> & =1+1",
        signer_name='=HYPERLINK("http://x") <i>',
        recipients="<w:t>chen</w:t>\n{{ unit }}",
    )
    buffer = io.BytesIO()
    period_document(period_export(unit=demo, period=NINE_MONTHS, made_on=MADE_ON)).save(buffer)
    document = Document(io.BytesIO(buffer.getvalue()))
    lines = body(document)
    assert "<b>Đậm</b> & =1+1" in lines
    foot = document.tables[2]
    assert cell_lines(foot.cell(0, 1))[-1] == '=HYPERLINK("http://x") <i>'
    assert cell_lines(foot.cell(0, 0))[1:3] == ["- <w:t>chen</w:t>;", "- {{ unit }}."]
    xml = document.element.xml
    assert "&lt;b&gt;Đậm&lt;/b&gt; &amp; =1+1" in xml
    assert "instrText" not in xml and "fldSimple" not in xml  # no field, no formula


def test_the_command_writes_the_word_report(demo, tmp_path):
    target = tmp_path / "bao-cao.docx"
    call_command("export_period", "chanh-lo", "2023", "9m", "--docx", "-o", str(target))
    assert "1. Thu ngân sách nhà nước" in body(Document(str(target)))


# --- through the dashboard --------------------------------------------------------------


def test_the_download_is_a_word_file_named_with_codes(staff_client, demo):
    response = staff_client.get(reverse("period-report-docx", args=["chanh-lo", 2023, "9m"]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-chanh-lo-2023-9m.docx"'
    assert after(body(Document(io.BytesIO(response.content))), "1. Thu ngân sách nhà nước") == (
        after(body(reopened(demo)), "1. Thu ngân sách nhà nước")
    )


def test_another_units_report_is_not_found_like_the_excel_export(client, tree, grant):
    viewer = grant("viewer-b", RoleGrant.Role.VIEWER, tree["ward-b"])
    client.force_login(viewer)
    own = client.get(reverse("period-report-docx", args=["ward-b", 2023, "9m"]))
    other = client.get(reverse("period-report-docx", args=["ward-a", 2023, "9m"]))
    missing = client.get(reverse("period-report-docx", args=["khong-co", 2023, "9m"]))
    excel = client.get(reverse("period-export", args=["ward-a", 2023, "9m"]))
    assert own.status_code == 200
    assert other.status_code == missing.status_code == excel.status_code == 404
    assert "Không có đơn vị với mã trong địa chỉ này." in other.content.decode()


def test_the_period_page_links_the_word_report(staff_client, demo):
    response = staff_client.get(reverse("period-summary", args=["chanh-lo", 2023, "9m"]))
    assert 'href="/units/chanh-lo/2023/9m/report.docx"' in response.content.decode()


# --- what a printed copy looks like -------------------------------------------------------


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=180).stdout


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_prints_the_nine_month_report_with_its_vietnamese_letters(demo, tmp_path):
    source = tmp_path / "bao-cao.docx"
    period_document(period_export(unit=demo, period=NINE_MONTHS, made_on=MADE_ON)).save(source)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "bao-cao.pdf"
    assert pdf.exists()
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed")
    text = " ".join(_run("pdftotext", str(pdf), "-").split())
    for line in (
        "ỦY BAN NHÂN DÂN PHƯỜNG CHÁNH LỘ",
        "Độc lập - Tự do - Hạnh phúc",
        "Chánh Lộ, ngày 20 tháng 9 năm 2023",
        SEED_BUDGET_SENTENCE,
        "TM. ỦY BAN NHÂN DÂN",
        "Nơi nhận:",
    ):
        assert line in text
    pages = _run("pdfinfo", "-f", "1", "-l", "99", str(pdf))
    sizes = re.findall(r"Page +\d+ size: +([\d.]+ x [\d.]+)", pages)
    assert sizes[0] == "595.304 x 841.89"  # A4 portrait, in points
    assert sizes[-1] == "841.89 x 595.304"  # the annex, landscape
    # Every letter in the document's typeface (or its metric twin): no glyph borrowed from a
    # fallback font, which is how a missing Vietnamese letter shows.
    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    families = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts}
    assert families <= {"LiberationSerif", "TimesNewRoman", "TimesNewRomanPSMT"}, (
        "install fonts-liberation2 (scripts/ensure-libreoffice)"
    )
