"""Users' text in the workbooks: always a text cell (never a formula), read back as the same
text; control characters refused on input and never failing an export."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from indicators.core.text import (
    cell_text,
    control_characters,
    put_text,
    refuse_control_characters,
    refuse_control_characters_multiline,
)
from indicators.models import Indicator, PeriodReport, Unit

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2",
    "@SUM(A1)",
    "cmd|' /C calc'!A0",
]
GROUPS = [f"chanh-lo-to-{n}" for n in range(1, 6)]


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


# --- the pure rules -----------------------------------------------------------------------


def test_control_characters_are_found_once_each_and_line_breaks_only_in_multiline_text():
    assert control_characters("Tổ\x08 1\x01\x08") == ["\x08", "\x01"]
    assert control_characters("a\tb\nc\r\x7f") == ["\t", "\n", "\r", "\x7f"]
    assert control_characters("a\tb\nc\r\x7f", multiline=True) == ["\x7f"]
    assert control_characters("Phường Chánh Lộ – “số 1”") == []


def test_the_validator_names_the_invisible_characters_in_vietnamese():
    with pytest.raises(ValidationError) as refused:
        refuse_control_characters("Tổ\x08 1\x01")
    assert "ký tự điều khiển" in refused.value.messages[0]
    assert "U+0008, U+0001" in refused.value.messages[0]
    refuse_control_characters_multiline("dòng 1\ndòng 2\r\n\tthụt lề")  # allowed
    with pytest.raises(ValidationError):
        refuse_control_characters("dòng 1\ndòng 2")


def test_put_text_writes_a_string_cell_whatever_the_text_starts_with():
    sheet = Workbook().active
    for row, text in enumerate([*HOSTILE, "\tTab", "\rCR", "="], start=1):
        put_text(sheet.cell(row=row, column=1), text)
        assert sheet.cell(row=row, column=1).data_type == "s"
        assert sheet.cell(row=row, column=1).value == text
    put_text(sheet.cell(row=20, column=1), 12)
    assert sheet.cell(row=20, column=1).data_type == "n"


def test_characters_an_xlsx_cannot_hold_are_dropped_and_line_breaks_kept():
    assert cell_text("Tổ\x08 1\x01\x00") == "Tổ 1"
    assert cell_text("a\tb\nc\r") == "a\tb\nc\r"


# --- the files ----------------------------------------------------------------------------


@pytest.fixture
def hostile_names(demo):
    """Five groups, an indicator and a written section that look like formulas."""
    for code, name in zip(GROUPS, HOSTILE, strict=True):
        Unit.objects.filter(code=code).update(name=name)
    Indicator.objects.filter(code="thu-ngan-sach").update(name="=1+1")
    PeriodReport.objects.filter(unit=demo, year=2023, period="9m").update(
        results='=HYPERLINK("http://x","y")'
    )
    return demo


def download(client, name: str) -> bytes:
    response = client.get(reverse(name, args=["chanh-lo", 2023, "9m"]))
    assert response.status_code == 200
    return response.content


def all_cells(content: bytes):
    book = load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


@pytest.mark.parametrize("name", ["period-export", "period-data"])
def test_no_cell_of_either_workbook_is_a_formula(staff_client, hostile_names, name):
    cells = list(all_cells(download(staff_client, name)))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert set(HOSTILE) <= texts
    assert "=1+1" in texts


def test_the_written_section_and_the_indicator_name_stay_text_in_the_report(
    staff_client, hostile_names
):
    book = load_workbook(io.BytesIO(download(staff_client, "period-export")))
    lines = [c.value for c in book["Nội dung báo cáo"]["A"] if c.value]
    assert lines[lines.index("I. KẾT QUẢ ĐẠT ĐƯỢC") + 1] == '=HYPERLINK("http://x","y")'
    revenue = [c for c in book["Tổng hợp"]["A"] if c.value == "=1+1"]
    assert [c.data_type for c in revenue] == ["s"]


def test_names_that_look_like_formulas_survive_the_round_trip(staff_client, hostile_names):
    from tests.test_roundtrip import empty_the_database, import_through_the_admin

    content = download(staff_client, "period-data")
    empty_the_database()
    import_through_the_admin(staff_client, content, "chanh-lo.xlsx")
    names = dict(Unit.objects.filter(code__in=GROUPS).values_list("code", "name"))
    assert names == dict(zip(GROUPS, HOSTILE, strict=True))
    assert Indicator.objects.get(code="thu-ngan-sach").name == "=1+1"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is not installed")
def test_libreoffice_shows_the_text_and_evaluates_no_formula(staff_client, hostile_names, tmp_path):
    book = load_workbook(io.BytesIO(download(staff_client, "period-data")))
    for title in book.sheetnames:
        if title != "units":
            del book[title]
    source = tmp_path / "units.xlsx"
    book.save(source)
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, double quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    with (tmp_path / "units.csv").open(encoding="utf-8") as shown:
        names = {row[1] for row in csv.reader(shown)}
    assert set(HOSTILE) <= names  # "y" would mean that HYPERLINK was evaluated
    assert "y" not in names


# --- control characters -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["period-export", "period-data"])
def test_a_control_character_stored_before_the_rule_never_fails_an_export(staff_client, demo, name):
    Unit.objects.filter(code="chanh-lo-to-1").update(name="Tổ\x08 dân phố\x01 1")
    PeriodReport.objects.filter(unit=demo, year=2023, period="9m").update(results="Kết\x08 quả")
    texts = {c.value for c in all_cells(download(staff_client, name)) if c.value}
    assert "Tổ dân phố 1" in texts


def test_forms_refuse_a_control_character_in_a_name_and_a_written_section(demo):
    unit = Unit.objects.get(code="chanh-lo-to-1")
    form = modelform_factory(Unit, fields=["name"])({"name": "Tổ\x08 1"}, instance=unit)
    assert not form.is_valid()
    assert "ký tự điều khiển (ký tự vô hình" in form.errors["name"][0]
    report = PeriodReport.objects.get(unit=demo, year=2023, period="9m")
    sections = modelform_factory(PeriodReport, fields=["results"])
    assert sections({"results": "dòng 1\r\ndòng 2"}, instance=report).is_valid()
    refused = sections({"results": "dòng\x01 1"}, instance=report)
    assert not refused.is_valid() and "U+0001" in refused.errors["results"][0]


def test_the_admin_refuses_a_control_character_in_a_unit_name(staff_client, demo):
    unit = Unit.objects.get(code="chanh-lo-to-1")
    response = staff_client.get(reverse("admin:indicators_unit_change", args=[unit.pk]))
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update({"name": "Tổ\x08 1", "parent": unit.parent_id})
    response = staff_client.post(reverse("admin:indicators_unit_change", args=[unit.pk]), data)
    assert response.status_code == 200
    assert "ký tự điều khiển" in str(response.context["adminform"].form.errors["name"])
    unit.refresh_from_db()
    assert unit.name != "Tổ\x08 1"


def test_the_import_refuses_a_control_character_with_its_sheet_row_and_column(staff_client, demo):
    book = load_workbook(io.BytesIO(download(staff_client, "period-data")))
    units = book["units"]
    # An .xlsx (XML) cannot hold U+0001; it can hold U+007F and a tab.
    units.cell(row=3, column=2).value = "Phường\x7f Chánh Lộ"
    units.cell(row=4, column=2).value = "Tổ\t1"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "chanh-lo.xlsx"
    response = staff_client.post(reverse("indicators-import"), {"file": buffer})
    errors = [str(e) for e in response.context["errors"]]
    message = (
        "Không được chứa ký tự điều khiển (ký tự vô hình, thường do sao chép từ phần mềm "
        "khác): %s. Hãy xóa và gõ lại đoạn này."
    )
    assert errors == [
        "trang Đơn vị (units), dòng 3, cột B (Tên/name): " + message % "U+007F",
        "trang Đơn vị (units), dòng 4, cột B (Tên/name): " + message % "U+0009",
    ]
    assert Unit.objects.get(code="chanh-lo").name == "Phường Chánh Lộ"
