"""The import in the users' words: Vietnamese sheet names and headers (written, or as ASCII
keys) beside the English keys, status words, catalogue rows by name, names in the preview."""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from indicators.exchange import import_workbook, reader
from indicators.exchange.schema import SHEETS, ascii_key, headers_table, sheet_key
from indicators.exchange.template import import_workbook_file
from indicators.models import Area, Authority, Figure, Indicator, RoleGrant, Target, Unit
from tests.test_roundtrip import empty_the_database
from tests.test_workbook_import import (
    CITY,
    FIGURE_HEADER,
    TARGET_HEADER,
    nothing_written,
    rejected,
    run,
    upload,
    xlsx,
)

D = Decimal
README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def in_words(sheets: dict[str, list[list]], form: str) -> dict[str, list[list]]:
    """``sheets`` (English keys) with every sheet name and header as ``form`` spells it:
    "title" ("Số liệu", "Đơn vị") or "ascii" ("so_lieu", "don_vi")."""
    spelled = {}
    for key, rows in sheets.items():
        sheet = SHEETS[key]
        header = [getattr(sheet.by_name[name], form) for name in rows[0]]
        spelled[getattr(sheet, form)] = [header, *rows[1:]]
    return spelled


def stored() -> dict[str, set[tuple]]:
    """Every row the import can write, field by field, by codes."""
    return {
        "areas": set(Area.objects.values_list("code", "name", "order")),
        "authorities": set(Authority.objects.values_list("code", "name")),
        "units": set(Unit.objects.values_list("code", "name", "level", "parent__code")),
        "indicators": set(Indicator.objects.values_list("code", "name", "kind", "area__code")),
        "targets": set(
            Target.objects.values_list(
                "unit__code", "indicator__code", "year", "authority__code", "value", "basis"
            )
        ),
        "figures": set(
            Figure.objects.values_list(
                "unit__code",
                "indicator__code",
                "year",
                "month",
                "value",
                "numerator",
                "denominator",
                "status",
            )
        ),
    }


# --- headers and sheet names --------------------------------------------------------------


@pytest.mark.parametrize("form", ["title", "ascii"])
def test_a_workbook_in_vietnamese_imports_the_same_as_one_with_english_keys(db, form):
    run(CITY)
    english = stored()
    empty_the_database()
    assert nothing_written()

    counts = run(in_words(CITY, form))

    assert counts["figures"].created == 4 and counts["units"].created == 4
    assert stored() == english
    # …and each form reads as the other: the English file changes nothing over it.
    assert all(c.created == c.updated == 0 for c in run(CITY).values())


def test_headers_match_whatever_the_case_the_spacing_and_the_unicode_form(db):
    run(CITY)
    nfd = unicodedata.normalize("NFD", "Tháng")  # as some keyboards and Macs type it
    assert nfd != "Tháng"
    header = ["DON_VI", " chi tieu ", "NĂM", nfd, "Giá Trị", "tu_so", "MAU SO", "Trạng  thái"]
    sheets = {"  SỐ LIỆU ": [header, ["phuong-a", "thu", 2023, 10, 250, None, None, "ước"]]}

    assert run(sheets)["figures"].created == 1

    figure = Figure.objects.get(unit__code="phuong-a", indicator__code="thu", month=10)
    assert (figure.value, figure.status) == (D(250), Figure.Status.ESTIMATE)


def test_every_sheet_name_and_header_is_read_under_each_of_its_three_names():
    for sheet in SHEETS.values():
        for alias in (sheet.title, sheet.ascii, sheet.key, sheet.title.upper()):
            assert sheet_key(alias) == sheet.key
        for column in sheet.columns:
            for alias in (column.title, column.ascii, column.name, column.title.upper()):
                assert sheet.column_for(alias) is column
            assert column.ascii == ascii_key(column.title)
            assert column.ascii.isascii()
        assert len(sheet.title) <= 31  # Excel's limit for a sheet name


def test_a_column_given_twice_under_two_names_is_refused_naming_both(db):
    header = ["unit", "chi_tieu", "Năm", "Tháng", "Giá trị", "Tử số", "Mẫu số", "Đơn vị"]
    sheets = {"figures": [header, ["phuong-a", "thu", 2023, 9, 1, None, None, "xa-b"]]}

    errors = rejected(sheets)

    assert errors == [
        (
            "figures",
            1,
            "unit",
            "Cột “Đơn vị” trùng với cột “unit” (cột A): cả hai là cột Đơn vị (unit); hãy giữ "
            "một cột.",
        ),
        ("figures", 1, "status", "Thiếu cột bắt buộc."),
    ]
    assert nothing_written()


def test_one_sheet_under_two_names_is_refused_naming_both(db):
    sheets = {"figures": [FIGURE_HEADER], "Số liệu": [FIGURE_HEADER]}
    assert rejected(sheets) == [
        (
            "figures",
            0,
            "",
            "Trang “figures” và trang “Số liệu” cùng là trang Số liệu (figures); hãy giữ một "
            "trang (gộp các dòng vào đó) rồi tải lên lại.",
        )
    ]


def test_an_unknown_header_is_still_refused_and_lists_the_vietnamese_headers(db):
    sheets = {"Lĩnh vực": [["Mã", "Tên", "Ghi chú"], ["ngan-sach", "Thu ngân sách"]]}
    assert rejected(sheets) == [
        (
            "areas",
            1,
            "Ghi chú",
            "Cột không được biết; các cột của trang này là: Mã (code), Tên (name), Thứ tự "
            "(order), Tên tiếng Anh (name_en).",
        )
    ]
    assert nothing_written()


def test_sheets_named_in_vietnamese_are_counted_before_reading_and_sized_for_a_job(db):
    """The quick count from the sheets' XML (row limits, the background-job threshold) finds
    the sheets under their Vietnamese names too, NFD or not, as the reading does."""
    nfd = unicodedata.normalize("NFD", "Số liệu")
    rows = [FIGURE_HEADER] + [
        ["phuong-a", "thu", 2023, m, 1, None, None, None] for m in range(1, 8)
    ]
    for name in ("Số liệu", nfd, "SO_LIEU", "figures"):
        data = xlsx({name: rows, "Ghi chép": [["x"]] * 50})
        assert reader.count_rows(data) == (7, 0)
        assert reader.import_sheet_bytes(data) > 0


# --- statuses -----------------------------------------------------------------------------


def test_statuses_are_read_in_vietnamese_in_any_case_and_unicode_form(db):
    run(CITY)
    words = ["ước", "Ước thực hiện", "CHÍNH THỨC", unicodedata.normalize("NFD", "ước"), "Official"]
    rows = [["phuong-a", "thu", 2024, month, 1, None, None, w] for month, w in enumerate(words, 1)]

    run({"figures": [FIGURE_HEADER, *rows]})

    statuses = dict(
        Figure.objects.filter(year=2024).order_by("month").values_list("month", "status")
    )
    assert statuses == {1: "estimate", 2: "estimate", 3: "official", 4: "estimate", 5: "official"}


def test_an_unknown_status_word_lists_the_words_it_could_be(db):
    run(CITY)
    sheets = {"figures": [FIGURE_HEADER, ["phuong-a", "thu", 2024, 1, 1, None, None, "tạm tính"]]}
    assert rejected(sheets) == [
        (
            "figures",
            2,
            "status",
            "“tạm tính” không hợp lệ; chỉ nhận: ước thực hiện, ước, chính thức, estimate, "
            "official.",
        )
    ]


# --- catalogue rows by name ---------------------------------------------------------------


def test_an_area_an_authority_and_an_indicator_may_be_given_by_their_exact_name(db):
    run({key: CITY[key] for key in ("areas", "authorities", "units")})
    sheets = {
        # Areas by name: one of this workbook's, one stored (other case, decomposed).
        "indicators": [
            ["code", "name", "unit", "kind", "direction", "area"],
            ["thu", "Tổng thu ngân sách", "đồng", "sum", "up", "Thu ngân sách nhà nước"],
            ["dvc", "Dịch vụ công trực tuyến", "%", "reported", "up", "chính quyền SỐ"],
        ],
        "targets": [
            TARGET_HEADER,
            ["phuong-a", "Tổng thu ngân sách", 2023, "UBND thành phố", 6945000000, None],
        ],
        "figures": [
            FIGURE_HEADER,
            ["phuong-a", "tổng thu ngân sách", 2023, 9, 100, None, None, None],
            ["phuong-a", "dvc", 2023, 9, 64, None, None, None],
        ],
    }
    sheets["indicators"][2][5] = unicodedata.normalize("NFD", "chính quyền SỐ")

    counts = run(sheets)

    assert (counts["indicators"].created, counts["targets"].created) == (2, 1)
    assert dict(Indicator.objects.values_list("code", "area__code")) == {
        "thu": "ngan-sach",
        "dvc": "ccdt",
    }
    target = Target.objects.get()
    assert (target.indicator.code, target.authority.code) == ("thu", "ubnd-tp")
    assert set(Figure.objects.values_list("indicator__code", flat=True)) == {"thu", "dvc"}
    # Read again by code, the same rows change nothing.
    by_code = ["phuong-a", "thu", 2023, "ubnd-tp", 6945000000, None]
    again = run({"targets": [TARGET_HEADER, by_code]})
    assert again["targets"].unchanged == 1


def test_a_name_two_rows_share_is_refused_naming_their_codes_and_nothing_is_written(db):
    Area.objects.create(code="ngan-sach-cu", name="Thu ngân sách nhà nước")
    sheets = {
        "areas": CITY["areas"],  # another "Thu ngân sách nhà nước", code ngan-sach
        "indicators": [
            ["code", "name", "unit", "kind", "direction", "area"],
            ["thu", "Tổng thu", "đồng", "sum", "up", "thu ngân sách nhà nước"],
        ],
    }

    assert rejected(sheets) == [
        (
            "indicators",
            2,
            "area",
            "Có 2 dòng trang Lĩnh vực (areas) cùng tên “thu ngân sách nhà nước” (mã ngan-sach, "
            "ngan-sach-cu); hãy ghi mã thay cho tên.",
        )
    ]
    assert not Indicator.objects.exists()
    assert list(Area.objects.values_list("code", flat=True)) == ["ngan-sach-cu"]


def test_a_name_that_names_nothing_is_refused_as_neither_code_nor_name(db):
    run(CITY)
    sheets = {
        "targets": [TARGET_HEADER, ["phuong-a", "thu", 2023, "Ngân sách", 1, None]],
        "figures": [FIGURE_HEADER, ["phuong-a", "Thu ngân", 2023, 9, 1, None, None, None]],
    }
    assert rejected(sheets) == [
        ("targets", 2, "authority", "Không có cơ quan giao chỉ tiêu có mã hoặc tên “Ngân sách”."),
        ("figures", 2, "indicator", "Không có chỉ tiêu có mã hoặc tên “Thu ngân”."),
    ]


def test_units_stay_codes_and_a_unit_outside_the_grant_is_told_what_an_unknown_one_is(db):
    """Units are not looked up by name: the name of a unit outside a clerk's grant must not
    tell them it exists."""
    run(CITY)
    clerk = get_user_model().objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    RoleGrant.objects.create(user=clerk, unit=Unit.objects.get(code="phuong-a"), role="data_entry")
    header = ["Đơn vị", "Chỉ tiêu", "Năm", "Tháng", "Giá trị", "Tử số", "Mẫu số", "Trạng thái"]
    hidden = {"Số liệu": [header, ["xa-b", "thu", 2023, 10, 1, None, None, None]]}
    unknown = {"Số liệu": [header, ["khong-co", "thu", 2023, 10, 1, None, None, None]]}
    by_name = {"Số liệu": [header, ["Xã B", "thu", 2023, 10, 1, None, None, None]]}

    assert rejected(hidden, user=clerk) == [("figures", 2, "unit", "Không có đơn vị có mã “xa-b”.")]
    assert rejected(unknown, user=clerk) == [
        ("figures", 2, "unit", "Không có đơn vị có mã “khong-co”.")
    ]
    [(sheet, row, column, message)] = rejected(by_name, user=clerk)
    assert (sheet, row, column) == ("figures", 2, "unit")
    assert message.startswith("Mã “Xã B” không hợp lệ")


# --- the pages, the command, the files ----------------------------------------------------


def test_the_preview_names_every_planned_change_beside_its_codes(staff_client):
    run({key: CITY[key] for key in ("areas", "authorities", "units")})
    sheets = in_words(
        {
            "indicators": [
                ["code", "name", "unit", "kind", "direction", "area"],
                ["thu", "Tổng thu ngân sách", "đồng", "sum", "up", "Thu ngân sách nhà nước"],
            ],
            "targets": [TARGET_HEADER, ["to-1", "thu", 2023, "HĐND phường", 5, None]],
            "figures": [FIGURE_HEADER, ["xa-b", "thu", 2023, 9, 7, None, None, "ước"]],
        },
        "title",
    )

    response = upload(staff_client, sheets)

    page = " ".join(response.content.decode().split())
    assert "<h2>Chỉ tiêu (indicators)</h2>" in page
    assert (
        "Tổng thu ngân sách <code>thu</code> (lĩnh vực: Thu ngân sách nhà nước "
        "<code>ngan-sach</code>)"
    ) in page
    assert (
        "Tổ dân phố 1 <code>to-1</code> · Tổng thu ngân sách <code>thu</code> · năm 2023 · "
        "HĐND phường <code>hdnd-p</code>: <strong>5</strong>"
    ) in page
    assert (
        "Xã B <code>xa-b</code> · Tổng thu ngân sách <code>thu</code> · tháng 9/2023: "
        "<strong>7 (ước)</strong>"
    ) in page
    assert "<td>Số liệu (figures)</td><td>1</td>" in page


def test_the_preview_escapes_the_names_it_shows(staff_client):
    run({key: CITY[key] for key in ("areas", "authorities", "units")})
    Unit.objects.filter(code="xa-b").update(name="<b>Xã B</b>")
    sheets = {"figures": [FIGURE_HEADER, ["xa-b", "thu", 2023, 9, 7, None, None, None]]}
    sheets["indicators"] = [
        ["code", "name", "unit", "kind", "direction", "area"],
        ["thu", "Thu <script>", "đồng", "sum", "up", "ngan-sach"],
    ]
    page = upload(staff_client, sheets).content.decode()
    assert "&lt;b&gt;Xã B&lt;/b&gt; <code>xa-b</code>" in page
    assert "Thu &lt;script&gt;" in page
    assert "Thu <script>" not in page


def test_the_upload_page_lists_the_vietnamese_sheet_and_column_names(staff_client):
    page = staff_client.get("/admin/indicators/import/").content.decode()
    assert "<strong>Số liệu</strong> <code>figures</code>: Đơn vị, Chỉ tiêu, Năm, Tháng" in page
    assert "[Thứ tự]" in page


def test_the_command_reads_a_workbook_in_vietnamese(db, tmp_path, capsys):
    path = tmp_path / "thanh-pho.xlsx"
    path.write_bytes(xlsx(in_words(CITY, "ascii")).getvalue())
    call_command("import_workbook", str(path))
    assert "Số liệu (figures): 4 mới, 0 sửa, 0 không đổi" in capsys.readouterr().out


def test_the_data_file_keeps_the_english_keys_and_reads_back(staff_client, demo):
    data = staff_client.get("/units/chanh-lo/2023/9m/data.xlsx").content
    book = load_workbook(io.BytesIO(data))
    figures = book["figures"]
    header = [c.value for c in figures[1]]
    assert header[:3] == ["unit", "indicator", "year"]
    assert "Cũng nhận tên cột: Đơn vị, don_vi." in figures["A1"].comment.text
    status = header.index("status")
    written = {row[status] for row in figures.iter_rows(min_row=2, values_only=True)}
    assert written == {"estimate", "official"}

    counts = import_workbook(io.BytesIO(data), file_name="chanh-lo.xlsx")

    assert counts["figures"].total > 0
    assert all(c.created == c.updated == 0 for c in counts.values())


def test_the_template_writes_the_vietnamese_headers_and_explains_the_other_names():
    workbook = import_workbook_file()
    for sheet in SHEETS.values():
        cells = workbook[sheet.title][1]
        assert [c.value for c in cells] == [c.title for c in sheet.columns]
        for cell, column in zip(cells, sheet.columns, strict=True):
            assert f"Cũng nhận tên cột: {column.ascii}, {column.name}." in cell.comment.text
    guide = {tuple(row[:4]) for row in workbook["Hướng dẫn"].iter_rows(values_only=True)}
    for sheet in SHEETS.values():
        for column in sheet.columns:
            assert (sheet.title, column.title, column.ascii, column.name) in guide


def test_the_readme_lists_every_sheet_and_column_as_the_schema_declares_them():
    readme = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- import-headers:start -->\n(.*?)<!-- import-headers:end -->", readme, re.S
    )
    assert found, "README.md lacks the import-headers section"
    assert found.group(1) == headers_table(), (
        "README.md's table of headers differs from exchange/schema.py; paste in "
        "indicators.exchange.schema.headers_table()"
    )
