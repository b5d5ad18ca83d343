"""Reading a workbook's cells: python-calamine reads what openpyxl reads, and openpyxl reads
what calamine cannot (percentage formats, error cells)."""

from __future__ import annotations

import io
from datetime import date, datetime, time

import pytest
from django.utils import translation
from openpyxl import Workbook

from indicators.core.numbers import NumberFormatError, parse_number
from indicators.exchange import WorkbookRejected, plan_import, reader
from tests.test_workbook_import import CITY, FIGURE_HEADER, xlsx


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def odd_workbook(*, first_row: int = 1) -> io.BytesIO:
    """Every kind of cell the import meets, in a sheet whose table starts in column B, with
    blank rows, text that looks like markup, a formula or a number, and a cell past column
    30."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    for column, header in enumerate(FIGURE_HEADER, start=2):
        sheet.cell(row=first_row, column=column, value=header)
    rows = [
        ["  phuong-a ", "thu", 2023, 9, 6021447000, None, None, "ước"],
        ["phuong-a", "dvc", 2023.0, 10, 0.1, None, None, "official"],
        ["<b>x</b>", "=1+1", "2023", " 9 ", "6.021.447.000", 1e-5, 123456789012345, None],
        [True, False, date(2025, 7, 1), datetime(2025, 7, 1, 10, 5), time(10, 30), -3.25, 0, ""],
    ]
    for number, values in enumerate(rows, start=first_row + 1):
        for column, value in enumerate(values, start=2):
            cell = sheet.cell(row=number + (number > first_row + 2) * 3, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text that starts with "=", not a formula
    sheet.cell(row=first_row + 9, column=31, value="past the last column read")
    sheet.cell(row=first_row + 11, column=3, value="   ")
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def read_with(file: io.BytesIO, monkeypatch, *, calamine: bool) -> reader.RawWorkbook:
    monkeypatch.setattr(reader, "_calamine_reads_alike", lambda file: calamine)
    file.seek(0)
    return reader.read_workbook(file, file_name="x.xlsx")


def test_calamine_reads_every_kind_of_cell_as_openpyxl_does(monkeypatch):
    file = odd_workbook()
    assert reader._calamine_reads_alike(file)
    fast = read_with(file, monkeypatch, calamine=True)
    slow = read_with(file, monkeypatch, calamine=False)
    assert fast == slow
    rows = fast.sheets["figures"]
    assert [row.number for row in rows] == [2, 3, 7, 8]
    assert rows[0].letters["unit"] == "B"
    assert rows[0].cells["unit"] == "  phuong-a "
    assert rows[0].cells["value"] == 6021447000 and isinstance(rows[0].cells["value"], int)
    assert rows[2].cells["indicator"] == "=1+1"
    assert rows[3].cells["year"] == datetime(2025, 7, 1)
    assert rows[3].cells["month"] == datetime(2025, 7, 1, 10, 5)
    assert rows[3].cells["value"] == time(10, 30)


def test_calamine_refuses_a_table_below_the_first_row_as_openpyxl_does(monkeypatch):
    """The header is row 1: the rows above a table are not skipped, by either reader."""
    file = odd_workbook(first_row=3)
    refusals = []
    for calamine in (True, False):
        with pytest.raises(WorkbookRejected) as caught:
            read_with(file, monkeypatch, calamine=calamine)
        refusals.append(caught.value.errors)
    assert refusals[0] == refusals[1]
    assert {(e.row, e.message) for e in refusals[0]} == {(1, "Thiếu cột bắt buộc.")}


def test_calamine_reads_a_whole_city_as_openpyxl_does(monkeypatch):
    file = xlsx(CITY)
    assert reader._calamine_reads_alike(file)
    assert read_with(file, monkeypatch, calamine=True) == read_with(
        file, monkeypatch, calamine=False
    )


def one_figure(value, *, number_format: str = "General", error: bool = False) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    sheet.append(FIGURE_HEADER)
    sheet.append(["phuong-a", "thu", 2023, 9, value, None, None, None])
    sheet["E2"].number_format = number_format
    if error:
        sheet["E2"].data_type = "e"  # a formula's error ("#DIV/0!"), which calamine reads blank
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_workbook_calamine_would_read_otherwise_is_read_by_openpyxl():
    assert reader._calamine_reads_alike(one_figure(0.867))
    assert not reader._calamine_reads_alike(one_figure(0.867, number_format="0.0%"))
    assert not reader._calamine_reads_alike(one_figure(0.867, number_format="0%"))  # built in
    # A quoted "%" is only a sign: read by calamine.
    assert reader._calamine_reads_alike(one_figure(64.1, number_format='#,##0.00"%"'))
    assert not reader._calamine_reads_alike(one_figure("#DIV/0!", error=True))


def test_an_error_cell_is_named_as_the_cell_shows_it(db):
    buffer = one_figure("#DIV/0!", error=True)
    with pytest.raises(NumberFormatError) as expected:
        parse_number("#DIV/0!", dots_group_thousands=False)
    with pytest.raises(WorkbookRejected) as caught:
        plan_import(reader.read_workbook(buffer, file_name="x.xlsx"))
    [error] = [e for e in caught.value.errors if e.column == "value"]
    assert (error.row, error.letter, error.message) == (2, "E", str(expected.value))
