"""Excel workbooks of a period, written from already-computed rows (no queries, no arithmetic).

:func:`period_workbook` writes what a city finance or home-affairs officer files:

- "Tổng hợp": the official report table — header block, then per area the indicators with the
  actual, each authority's annual target and completion %, the same period last year and the
  comparison; footnotes for estimates and for the legal basis of each target;
- "Theo tháng": every indicator month by month with the period's total;
- "Nội dung báo cáo": the written sections and the generated report text;
- for a unit with child units, "Tổng hợp đơn vị" (each indicator: one row per child unit, then
  the unit's own total, as the selectors computed it) and one sheet per child unit.

The summary columns are :func:`.columns.summary_columns`, the dashboard table's own.
Cells hold real numbers (percentages in percent, 0–100, the same numbers as the API) with
display formats: thousands grouped, percentages with two decimals and a % sign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import groupby

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from indicators.approval import approval_label
from indicators.core.numbers import strip_zeros
from indicators.core.text import cell_text, put_text
from indicators.reporting.columns import Column, authorities_of, summary_columns
from indicators.reporting.export_rows import MonthlyRow, PeriodExport
from indicators.reporting.report_details import (
    ReportDetails,
    annex_reference,
    decree_date,
    report_details,
)
from indicators.reporting.selectors import IndicatorRow, has_figures

AMOUNT_FORMAT = "#,##0"  # grouped thousands; Excel shows the reader's own separators
FRACTION_FORMAT = "#,##0.0###"  # an amount with decimals (1.536,246 tỷ đồng)
PERCENT_FORMAT = '#,##0.00"%"'  # the cell holds 86.7019…, shown as 86,70%
RATE_FORMAT = "#,##0.00"  # a rate in a column whose unit says % already (actual, target)
POINTS_FORMAT = "+#,##0.00;-#,##0.00;0"  # a rate's change in percentage points, signed
FONT_NAME = "Times New Roman"  # the typeface of Vietnamese administrative documents

THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
AREA_FILL = PatternFill("solid", fgColor="F2F2F2")
TEXT_WIDTH = 46  # the indicator column, in characters
NUMBER_WIDTH = 15
NOTE_WIDTH = 24
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII"]


def _font(**kwargs) -> Font:
    return Font(name=FONT_NAME, size=kwargs.pop("size", 11), **kwargs)


# --- Looks: each cell style made once per workbook ----------------------------------------


@dataclass(frozen=True, eq=False)
class Look:
    """Everything a cell shows but its value. Compared by identity: each look is one object,
    a constant below or the cached answer of a ``_…_look`` function."""

    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    number_format: str | None = None


class ReportWorkbook(Workbook):
    """A workbook that styles each :class:`Look` through openpyxl once, on the first cell that
    has it, and gives every later cell a copy of that cell's style numbers.

    openpyxl finds a style's number by hashing the whole style object on every assignment (a
    font hashes its name, size, colour… field by field): styling a province's 163,000 cells
    one attribute at a time cost about 6.5 of the 9 seconds of writing its workbook. The copy
    is of ``cell._style``, the array of those numbers, as openpyxl's own ``WorksheetCopy``
    copies it; ``tests/test_workbook_styles.py`` reads every cell's style back against a
    reference.
    """

    def __init__(self) -> None:
        super().__init__()
        self.styles_made: dict[Look, StyleArray] = {}


def _styled(cell, look: Look) -> None:
    """Give ``cell`` (of a :class:`ReportWorkbook`) exactly ``look``, replacing its style."""
    made = cell.parent.parent.styles_made
    style = made.get(look)
    if style is None:
        cell._style = StyleArray()
        for name in ("font", "fill", "border", "alignment", "number_format"):
            if getattr(look, name) is not None:
                setattr(cell, name, getattr(look, name))
        style = made[look] = copy(cell._style)
    cell._style = copy(style)


CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEADER_LOOK = Look(font=_font(bold=True), fill=HEADER_FILL, border=BOX, alignment=CENTRED)
AREA_LOOK = Look(
    font=_font(bold=True),
    fill=AREA_FILL,
    border=BOX,
    alignment=Alignment(horizontal="left", vertical="center"),
)
AREA_REST_LOOK = Look(fill=AREA_FILL, border=BOX)  # the area row's merged cells
BOX_LOOK = Look(border=BOX)
# Boxed text cells like _text_look() but aligned otherwise: words in a number column ("Chưa
# có số liệu"), an indicator's unit on the summary sheets, and on the other sheets.
WORDS_LOOK = Look(
    font=_font(bold=False),
    border=BOX,
    alignment=Alignment(horizontal="right", vertical="center", wrap_text=True),
)
UNIT_LOOK = Look(
    font=_font(bold=False), border=BOX, alignment=Alignment(horizontal="center", vertical="center")
)
UNIT_OF_ROW_LOOK = Look(
    font=_font(bold=False), border=BOX, alignment=Alignment(horizontal="center")
)
UNIT_NOTE_LOOK = Look(font=_font(italic=True, size=10), alignment=Alignment(horizontal="right"))
NOTES_TITLE_LOOK = Look(font=_font(bold=True, italic=True))
SECTION_LOOK = Look(font=_font(bold=True))
PARAGRAPH_LOOK = Look(font=_font(), alignment=Alignment(wrap_text=True, vertical="top", indent=1))


@cache
def _line_look(align: str = "center", **font) -> Look:
    """A line of the header block or a footnote: ``_font(**font)``, wrapped, on merged cells."""
    alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    return Look(font=_font(**font), alignment=alignment)


@cache
def _text_look(*, bold: bool = False, indent: int = 0) -> Look:
    alignment = Alignment(vertical="center", wrap_text=True, indent=indent)
    return Look(font=_font(bold=bold), border=BOX, alignment=alignment)


@cache
def _number_look(number_format: str | None, *, bold: bool = False) -> Look:
    """A boxed number cell; an empty one (``number_format`` None) has no alignment."""
    font = _font(bold=True) if bold else _font()
    if number_format is None:
        return Look(font=font, border=BOX)
    alignment = Alignment(horizontal="right", vertical="center")
    return Look(font=font, border=BOX, alignment=alignment, number_format=number_format)


# --- The workbook -------------------------------------------------------------------------


def period_workbook(export: PeriodExport) -> Workbook:
    workbook = ReportWorkbook()
    summary = workbook.active
    summary.title = _("Tổng hợp")
    write_summary_sheet(summary, export=export, unit=export.unit, rows=export.rows)
    if export.is_consolidated:
        write_consolidated_sheet(workbook.create_sheet(_("Tổng hợp đơn vị")), export=export)
    write_monthly_sheet(workbook.create_sheet(_("Theo tháng")), export=export)
    write_text_sheet(workbook.create_sheet(_("Nội dung báo cáo")), export=export)
    names = set(workbook.sheetnames)
    for child in export.children:
        sheet = workbook.create_sheet(sheet_title(child.unit.name, taken=names))
        names.add(sheet.title)
        write_summary_sheet(sheet, export=export, unit=child.unit, rows=child.rows)
    return workbook


_FORBIDDEN_IN_TITLES = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, *, taken: Iterable[str]) -> str:
    """A valid, unused sheet name: at most 31 characters, none of []:*?/\\ ."""
    base = _FORBIDDEN_IN_TITLES.sub("-", cell_text(name)).strip("'") or "-"
    taken = {t.lower() for t in taken}
    title, number = base[:31], 2
    while title.lower() in taken:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    return title


# --- The header block and the page set-up -------------------------------------------------


def _header_block(sheet: Worksheet, *, export: PeriodExport, unit, title: str, width: int) -> int:
    """The annex's head, as Decree 30/2020 heads a document; returns the next free row.

    The issuing body is the report's (``export.unit``'s People's Committee) on every sheet;
    a child unit's sheet names that unit in its period line. Then "Phụ lục", the sheet's
    title and the line that ties the annex to its report: "(Kèm theo Báo cáo số …/BC-UBND
    ngày … của UBND phường …)".
    """
    details = annex_details(export)
    left = max(2, width // 2 - 1)
    right_start = left + 1
    bold = _line_look(bold=True)
    _merged(sheet, 1, 1, left, details.body, bold)
    _merged(sheet, 2, 1, left, details.unit_line, bold)
    _merged(sheet, 1, right_start, width, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold)
    _merged(sheet, 2, right_start, width, _("Độc lập - Tự do - Hạnh phúc"), bold)
    _merged(sheet, 3, 1, left, details.number, _line_look())
    _merged(sheet, 3, right_start, width, details.place_and_date, _line_look(italic=True))
    _merged(sheet, 4, 1, left, approval_label(export.approval), _line_look(italic=True, size=10))
    _merged(sheet, 5, 1, width, _("Phụ lục"), _line_look(bold=True, size=12))
    _merged(sheet, 6, 1, width, title, _line_look(bold=True, size=13))
    period = export.period.label().upper()
    if unit.pk != export.unit.pk:
        period = f"{unit.name.upper()} — {period}"
    _merged(sheet, 7, 1, width, period, bold)
    _merged(sheet, 8, 1, width, annex_reference(details, export.unit), _line_look(italic=True))
    return 9


def annex_details(export: PeriodExport) -> ReportDetails:
    """The report's number, place, date and signer, as the Word report prints them."""
    return report_details(unit=export.unit, report=export.report, today=export.made_on)


def _merged(sheet: Worksheet, row: int, first: int, last: int, value, look: Look) -> None:
    if last > first:
        # The range alone. openpyxl's merge_cells also replaces the other cells by MergedCells
        # and copies the first cell's borders and protection onto them, one style lookup per
        # cell, which the file does not need: a cell without a style or value is not written,
        # and the area rows style theirs.
        sheet.merged_cells.add(CellRange(min_col=first, min_row=row, max_col=last, max_row=row))
    cell = sheet.cell(row=row, column=first)
    _styled(cell, look)
    put_text(cell, value)


def _page_setup(sheet: Worksheet, *, header_row: int, freeze_column: int = 1) -> None:
    """A4 landscape, as wide as the paper, the column headers repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as needed
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    _margins(sheet)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = _("Trang &P/&N")
    sheet.oddFooter.center.size = 9
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=freeze_column)


def _margins(sheet: Worksheet) -> None:
    """Room below the table for the page-number footer (inches), so that it prints whole."""
    sheet.page_margins.top, sheet.page_margins.bottom = 0.6, 0.8
    sheet.page_margins.header, sheet.page_margins.footer = 0.3, 0.3


def _header_row(sheet: Worksheet, row: int, headers: list[str]) -> None:
    longest = 1
    for index, text in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=index)
        _styled(cell, HEADER_LOOK)
        put_text(cell, str(text))
        width = sheet.column_dimensions[get_column_letter(index)].width or NUMBER_WIDTH
        longest = max(longest, math.ceil(len(str(text)) / max(width - 2, 1)))
    sheet.row_dimensions[row].height = 15 * longest + 4


def _number_cell(
    cell, value: Decimal | None, fmt: str, *, is_rate: bool = False, bold: bool = False
) -> None:
    """``fmt`` is the column's ("amount" or "percent"); ``is_rate`` marks an amount column
    holding a percentage indicator's rate, shown with two decimals like every percentage."""
    if value is None:
        _styled(cell, _number_look(None, bold=bold))
        return
    value = strip_zeros(Decimal(value))
    if fmt == "percent":
        number_format = PERCENT_FORMAT
    elif fmt == "points":
        number_format = POINTS_FORMAT
    elif is_rate:
        number_format = RATE_FORMAT
    elif value == value.to_integral_value():
        value, number_format = int(value), AMOUNT_FORMAT
    else:
        number_format = FRACTION_FORMAT
    _styled(cell, _number_look(number_format, bold=bold))
    cell.value = value


def _text_cell(cell, value: str, look: Look | None = None) -> None:
    """A boxed text cell, ``_text_look()`` unless told otherwise."""
    _styled(cell, look or _text_look())
    put_text(cell, value)


def _fit_height(sheet: Worksheet, row: int, texts: list[tuple[str, float]]) -> None:
    """Set a row's height from its longest wrapped text, so that print shows all of it.

    LibreOffice and Excel do not grow a row for wrapped text written by a program. A column
    ``w`` characters wide (in the default font) holds about 1.1 × w characters of 11-point
    Times New Roman.
    """
    lines = max((math.ceil(len(t) / max(w * 1.1 - 3, 1)) for t, w in texts if t), default=1)
    sheet.row_dimensions[row].height = max(18, 15 * lines + 3)


# --- Summary sheet ------------------------------------------------------------------------


def _notes_for(row: IndicatorRow, basis_numbers: dict[tuple[str, str], int]) -> str:
    notes = []
    if row.is_estimate:
        notes.append(_("Ước thực hiện"))
    if row.current.not_aggregable:
        notes.append(_("Không tổng hợp được từ tỷ lệ của đơn vị cấp dưới"))
    if row.lineage_note:
        notes.append(row.lineage_note)
    refs = [
        f"({basis_numbers[(t.authority_name, t.basis)]})"
        for t in row.targets
        if t.basis and (t.authority_name, t.basis) in basis_numbers
    ]
    if refs:
        notes.append(_("Căn cứ: %(refs)s") % {"refs": ", ".join(refs)})
    return "; ".join(notes)


def write_summary_sheet(sheet: Worksheet, *, export: PeriodExport, unit, rows) -> None:
    columns = summary_columns(authorities_of(rows))
    headers = [c.header for c in columns] + [_("Ghi chú")]
    width = len(headers)
    _size_columns(sheet, columns)
    row_number = _header_block(
        sheet,
        export=export,
        unit=unit,
        title=_("BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI"),
        width=width,
    )
    unit_note = sheet.cell(row=row_number, column=width)
    _styled(unit_note, UNIT_NOTE_LOOK)
    unit_note.value = _("Đơn vị tính: ghi theo từng chỉ tiêu; tỷ lệ tính bằng %")
    header = row_number + 1
    _header_row(sheet, header, headers)
    _page_setup(sheet, header_row=header, freeze_column=3)

    bases: dict[tuple[str, str], int] = {}
    for row in rows:
        for target in row.targets:
            if target.basis:
                bases.setdefault((target.authority_name, target.basis), len(bases) + 1)
    current = header + 1
    if not has_figures(rows):
        _merged(sheet, current, 1, width, _("Chưa có số liệu cho kỳ này."), _line_look(italic=True))
        current += 1
        rows = []
    for number, (_area, area_rows) in enumerate(groupby(rows, key=lambda r: r.indicator.area_id)):
        area_rows = list(area_rows)
        _area_row(sheet, current, width, number, area_rows[0].indicator.area.display_name)
        current += 1
        for row in area_rows:
            _write_row(sheet, current, columns, row)
            note = _notes_for(row, bases)
            _text_cell(sheet.cell(row=current, column=width), note)
            _fit_height(
                sheet,
                current,
                [(row.indicator.display_name, TEXT_WIDTH), (note, NOTE_WIDTH)],
            )
            current += 1
    _footnotes(sheet, current + 1, width, rows, bases)


def _size_columns(sheet: Worksheet, columns: list[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        if column.key == "indicator":
            sheet.column_dimensions[letter].width = TEXT_WIDTH
        elif column.key == "unit":
            sheet.column_dimensions[letter].width = 11
        else:
            sheet.column_dimensions[letter].width = NUMBER_WIDTH
    sheet.column_dimensions[get_column_letter(len(columns) + 1)].width = NOTE_WIDTH


def _area_row(sheet: Worksheet, row: int, width: int, number: int, name: str) -> None:
    roman = ROMAN[number] if number < len(ROMAN) else str(number + 1)
    _merged(sheet, row, 1, width, f"{roman}. {name}", AREA_LOOK)
    for column in range(2, width + 1):
        _styled(sheet.cell(row=row, column=column), AREA_REST_LOOK)
    sheet.row_dimensions[row].height = 20


def _write_row(sheet: Worksheet, row_number: int, columns: list[Column], row: IndicatorRow):
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row_number, column=index)
        value = column.value(row)
        words = column.text(row) if column.text else ""
        if words:  # "Chưa có số liệu", "Không vượt chỉ tiêu": a text cell, as on the page
            _text_cell(cell, words, WORDS_LOOK)
        elif column.format == "text":
            look = _text_look(indent=1) if index == 1 else UNIT_LOOK if index == 2 else None
            _text_cell(cell, str(value or ""), look)
        else:
            _number_cell(cell, value, column.format, is_rate=row.indicator.is_percentage)


def _footnotes(sheet, row: int, width: int, rows: list[IndicatorRow], bases) -> int:
    lines = []
    if any(r.is_estimate for r in rows):
        lines.append(
            _(
                "Ước thực hiện: kỳ báo cáo có tháng là số ước tính; số chính thức sẽ được cập "
                "nhật sau."
            )
        )
    lines.append(
        _(
            "% thực hiện = thực hiện ÷ chỉ tiêu năm × 100. So với cùng kỳ = kỳ này ÷ cùng kỳ "
            "năm trước × 100. Tỷ lệ tổng hợp tính từ tổng tử số và tổng mẫu số. Cùng kỳ "
            "năm trước tính trên cùng các tháng đã có số liệu năm nay (cột Kỳ so sánh); tỷ lệ "
            "so với cùng kỳ tính bằng điểm phần trăm (tỷ lệ kỳ này − tỷ lệ cùng kỳ). Chỉ tiêu "
            "càng thấp càng tốt là mức trần: không vượt hoặc vượt chỉ tiêu."
        )
    )
    for (authority, basis), number in bases.items():
        lines.append(f"({number}) {authority}: {basis}")
    title = sheet.cell(row=row, column=1)
    _styled(title, NOTES_TITLE_LOOK)
    title.value = _("Ghi chú:")
    for offset, line in enumerate(lines, start=1):
        look = _line_look("left", italic=True, size=10)
        _merged(sheet, row + offset, 1, width, line, look)
        total_width = sum(
            sheet.column_dimensions[get_column_letter(c)].width or NUMBER_WIDTH
            for c in range(1, width + 1)
        )
        _fit_height(sheet, row + offset, [(line, total_width)])
    return row + len(lines) + 1


# --- Consolidated sheet -------------------------------------------------------------------


def write_consolidated_sheet(sheet: Worksheet, *, export: PeriodExport) -> None:
    """Per indicator: one row per child unit, then the unit's total from its own summary.

    The total row is the parent's own summary row: sums summed, ratios from summed counts,
    levels summed, a reported rate only where the unit has its own — never an average of the
    children's percentages.
    """
    all_rows = export.rows + [r for child in export.children for r in child.rows]
    columns = summary_columns(authorities_of(all_rows))
    headers = [_("Chỉ tiêu / đơn vị"), *[c.header for c in columns[1:]], _("Ghi chú")]
    width = len(headers)
    _size_columns(sheet, columns)
    header = 1 + _header_block(
        sheet,
        export=export,
        unit=export.unit,
        title=_("TỔNG HỢP KẾT QUẢ THỰC HIỆN CHỈ TIÊU THEO ĐƠN VỊ"),
        width=width,
    )
    _header_row(sheet, header, headers)
    _page_setup(sheet, header_row=header, freeze_column=2)
    children = [(child.unit, {r.indicator.id: r for r in child.rows}) for child in export.children]
    # An indicator no child unit reports on has nothing to compare; it stays on "Tổng hợp".
    compared = [
        row
        for row in export.rows
        if any(
            by_indicator.get(row.indicator.id) is not None
            and by_indicator[row.indicator.id].current.has_data
            for _unit, by_indicator in children
        )
    ]
    current = header + 1
    for number, (_area, area_rows) in enumerate(
        groupby(compared, key=lambda r: r.indicator.area_id)
    ):
        area_rows = list(area_rows)
        _area_row(sheet, current, width, number, area_rows[0].indicator.area.display_name)
        current += 1
        for total in area_rows:
            indicator = total.indicator
            name, unit_of = sheet.cell(row=current, column=1), sheet.cell(row=current, column=2)
            _text_cell(name, indicator.display_name, _text_look(bold=True))
            _text_cell(unit_of, indicator.display_unit, UNIT_OF_ROW_LOOK)
            for column in range(3, width + 1):
                _styled(sheet.cell(row=current, column=column), BOX_LOOK)
            _fit_height(sheet, current, [(indicator.display_name, TEXT_WIDTH)])
            current += 1
            for unit, by_indicator in children:
                _unit_row(sheet, current, columns, unit.name, by_indicator.get(indicator.id))
                current += 1
            label = _("Cộng %(unit)s") % {"unit": export.unit.name}
            _unit_row(sheet, current, columns, label, total, bold=True)
            current += 1
    _merged(
        sheet,
        current + 1,
        1,
        width,
        _(
            "Dòng “Cộng” là số của %(unit)s tính theo loại chỉ tiêu: số cộng dồn được cộng; tỷ "
            "lệ tính từ tổng tử số và tổng mẫu số, không lấy trung bình tỷ lệ các đơn vị; số "
            "của chính %(unit)s (nếu có) cũng được tính. Chỉ tiêu không có số liệu của đơn vị "
            "cấp dưới chỉ có ở trang Tổng hợp."
        )
        % {"unit": export.unit.name},
        _line_look("left", italic=True, size=10),
    )
    sheet.row_dimensions[current + 1].height = 32


def _unit_row(sheet, row_number, columns, label, row: IndicatorRow | None, *, bold=False):
    _text_cell(sheet.cell(row=row_number, column=1), label, _text_look(bold=bold, indent=2))
    _text_cell(sheet.cell(row=row_number, column=2), "")
    text_look = _text_look(bold=bold)
    for index, column in enumerate(columns[2:], start=3):
        cell = sheet.cell(row=row_number, column=index)
        words = column.text(row) if row is not None and column.text else ""
        if words:
            _text_cell(cell, words, text_look)
        elif column.format == "text":
            _text_cell(cell, str(column.value(row) or "") if row else "", text_look)
        else:
            _number_cell(
                cell,
                column.value(row) if row else None,
                column.format,
                is_rate=row is not None and row.indicator.is_percentage,
                bold=bold,
            )
    notes = []
    if row is not None and row.is_estimate:
        notes.append(_("Ước thực hiện"))
    if row is not None and row.current.not_aggregable:
        notes.append(_("Không tổng hợp được"))
    _text_cell(sheet.cell(row=row_number, column=len(columns) + 1), "; ".join(notes))


# --- Monthly sheet ------------------------------------------------------------------------


def write_monthly_sheet(sheet: Worksheet, *, export: PeriodExport) -> None:
    months = list(export.period.months)
    headers = (
        [_("Chỉ tiêu"), _("Đơn vị tính")]
        + [_("Tháng %(month)d") % {"month": m} for m in months]
        + [_("Cả kỳ"), _("Ghi chú")]
    )
    width = len(headers)
    sheet.column_dimensions["A"].width = TEXT_WIDTH
    sheet.column_dimensions["B"].width = 11
    for index in range(3, width):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.column_dimensions[get_column_letter(width)].width = NOTE_WIDTH
    header = 1 + _header_block(
        sheet,
        export=export,
        unit=export.unit,
        title=_("SỐ LIỆU CÁC CHỈ TIÊU THEO THÁNG"),
        width=width,
    )
    _header_row(sheet, header, headers)
    _page_setup(sheet, header_row=header, freeze_column=3)
    current = header + 1
    by_area = groupby(export.monthly, key=lambda m: m.indicator.area_id)
    for number, (_area, area_rows) in enumerate(by_area):
        area_rows = list(area_rows)
        _area_row(sheet, current, width, number, area_rows[0].indicator.area.display_name)
        current += 1
        for monthly in area_rows:
            _monthly_row(sheet, current, monthly)
            current += 1


def _monthly_row(sheet: Worksheet, row_number: int, monthly: MonthlyRow) -> None:
    indicator = monthly.indicator
    fmt, is_rate = "amount", indicator.is_percentage
    _text_cell(sheet.cell(row=row_number, column=1), indicator.display_name, _text_look(indent=1))
    _text_cell(sheet.cell(row=row_number, column=2), indicator.display_unit, UNIT_OF_ROW_LOOK)
    column = 3
    for _month, aggregate in monthly.months:
        _number_cell(
            sheet.cell(row=row_number, column=column), aggregate.actual, fmt, is_rate=is_rate
        )
        column += 1
    _number_cell(
        sheet.cell(row=row_number, column=column),
        monthly.total.actual,
        fmt,
        is_rate=is_rate,
        bold=True,
    )
    estimated = [str(m) for m, a in monthly.months if a.has_data and a.is_estimate]
    note = _("Ước: tháng %(months)s") % {"months": ", ".join(estimated)} if estimated else ""
    if monthly.total.not_aggregable:
        note = "; ".join(filter(None, [note, _("Không tổng hợp được")]))
    _text_cell(sheet.cell(row=row_number, column=column + 1), note)
    _fit_height(sheet, row_number, [(indicator.display_name, TEXT_WIDTH)])


# --- Written sections and generated text --------------------------------------------------


def write_text_sheet(sheet: Worksheet, *, export: PeriodExport) -> None:
    """The written sections and the generated sentences, one paragraph per row, wrapped."""
    # An A4 portrait page holds about 74 characters of column width between its margins as
    # LibreOffice prints it (85 ran past the right margin and cut every long line).
    width_chars = 72
    sheet.column_dimensions["A"].width = width_chars
    _merged(sheet, 1, 1, 1, annex_details(export).unit_line, _line_look(bold=True))
    title = _("BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI")
    _merged(sheet, 2, 1, 1, title, _line_look(bold=True, size=13))
    _merged(sheet, 3, 1, 1, export.period.label().upper(), _line_look(bold=True))
    report = export.report
    sections = [
        (_("I. KẾT QUẢ ĐẠT ĐƯỢC"), [report.results] if report and report.results else []),
        (_("Các chỉ tiêu chủ yếu"), export.paragraphs),
        (
            _("II. TỒN TẠI, HẠN CHẾ"),
            [report.shortcomings] if report and report.shortcomings else [],
        ),
        (_("III. NHIỆM VỤ TRỌNG TÂM KỲ TỚI"), [report.tasks] if report and report.tasks else []),
    ]
    current = 5
    for title, paragraphs in sections:
        cell = sheet.cell(row=current, column=1)
        _styled(cell, SECTION_LOOK)
        cell.value = title
        current += 1
        if not paragraphs:
            paragraphs = [_("(Chưa có nội dung.)")]
        for paragraph in paragraphs:
            for line in paragraph.splitlines() or [""]:
                cell = sheet.cell(row=current, column=1)
                _styled(cell, PARAGRAPH_LOOK)
                put_text(cell, line)
                _fit_height(sheet, current, [(line, width_chars - 4)])
                current += 1
        current += 1
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    _margins(sheet)
    sheet.page_margins.left, sheet.page_margins.right = 0.8, 0.6
    sheet.oddFooter.center.text = _("Trang &P/&N")


def made_on_label(day: date) -> str:
    """ "ngày 05 tháng 02 năm 2024", the Decree 30/2020 form (``report_details.decree_date``)."""
    return decree_date(day)
