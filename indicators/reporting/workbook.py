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
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
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


# --- The workbook -------------------------------------------------------------------------


def period_workbook(export: PeriodExport) -> Workbook:
    workbook = Workbook()
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
    _merged(sheet, 1, 1, left, details.body, _font(bold=True))
    _merged(sheet, 2, 1, left, details.unit_line, _font(bold=True))
    _merged(sheet, 1, right_start, width, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), _font(bold=True))
    _merged(sheet, 2, right_start, width, _("Độc lập - Tự do - Hạnh phúc"), _font(bold=True))
    _merged(sheet, 3, 1, left, details.number, _font())
    _merged(sheet, 3, right_start, width, details.place_and_date, _font(italic=True))
    _merged(sheet, 4, 1, left, approval_label(export.approval), _font(italic=True, size=10))
    _merged(sheet, 5, 1, width, _("Phụ lục"), _font(bold=True, size=12))
    _merged(sheet, 6, 1, width, title, _font(bold=True, size=13))
    period = export.period.label().upper()
    if unit.pk != export.unit.pk:
        period = f"{unit.name.upper()} — {period}"
    _merged(sheet, 7, 1, width, period, _font(bold=True))
    _merged(sheet, 8, 1, width, annex_reference(details, export.unit), _font(italic=True))
    return 9


def annex_details(export: PeriodExport) -> ReportDetails:
    """The report's number, place, date and signer, as the Word report prints them."""
    return report_details(unit=export.unit, report=export.report, today=export.made_on)


def _merged(sheet: Worksheet, row: int, first: int, last: int, value, font, align="center"):
    cell = sheet.cell(row=row, column=first)
    put_text(cell, value)
    cell.font = font
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    return cell


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
        put_text(cell, str(text))
        cell.font = _font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        width = sheet.column_dimensions[get_column_letter(index)].width or NUMBER_WIDTH
        longest = max(longest, math.ceil(len(str(text)) / max(width - 2, 1)))
    sheet.row_dimensions[row].height = 15 * longest + 4


def _number_cell(cell, value: Decimal | None, fmt: str, *, is_rate: bool = False) -> None:
    """``fmt`` is the column's ("amount" or "percent"); ``is_rate`` marks an amount column
    holding a percentage indicator's rate, shown with two decimals like every percentage."""
    cell.border = BOX
    cell.font = _font()
    if value is None:
        return
    value = strip_zeros(Decimal(value))
    if fmt == "percent":
        cell.value, cell.number_format = value, PERCENT_FORMAT
    elif fmt == "points":
        cell.value, cell.number_format = value, POINTS_FORMAT
    elif is_rate:
        cell.value, cell.number_format = value, RATE_FORMAT
    elif value == value.to_integral_value():
        cell.value, cell.number_format = int(value), AMOUNT_FORMAT
    else:
        cell.value, cell.number_format = value, FRACTION_FORMAT
    cell.alignment = Alignment(horizontal="right", vertical="center")


def _text_cell(cell, value: str, *, bold=False, indent=0, wrap=True) -> None:
    put_text(cell, value)
    cell.border = BOX
    cell.font = _font(bold=bold)
    cell.alignment = Alignment(vertical="center", wrap_text=wrap, indent=indent)


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
    unit_note = sheet.cell(
        row=row_number,
        column=width,
        value=_("Đơn vị tính: ghi theo từng chỉ tiêu; tỷ lệ tính bằng %"),
    )
    unit_note.font = _font(italic=True, size=10)
    unit_note.alignment = Alignment(horizontal="right")
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
        _merged(sheet, current, 1, width, _("Chưa có số liệu cho kỳ này."), _font(italic=True))
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
    cell = _merged(sheet, row, 1, width, f"{roman}. {name}", _font(bold=True), align="left")
    for column in range(1, width + 1):
        sheet.cell(row=row, column=column).fill = AREA_FILL
        sheet.cell(row=row, column=column).border = BOX
    cell.alignment = Alignment(horizontal="left", vertical="center")
    sheet.row_dimensions[row].height = 20


def _write_row(sheet: Worksheet, row_number: int, columns: list[Column], row: IndicatorRow):
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row_number, column=index)
        value = column.value(row)
        words = column.text(row) if column.text else ""
        if words:  # "Chưa có số liệu", "Không vượt chỉ tiêu": a text cell, as on the page
            _text_cell(cell, words)
            cell.alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
        elif column.format == "text":
            _text_cell(cell, str(value or ""), indent=1 if index == 1 else 0)
            if index == 2:
                cell.alignment = Alignment(horizontal="center", vertical="center")
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
    title = sheet.cell(row=row, column=1, value=_("Ghi chú:"))
    title.font = _font(bold=True, italic=True)
    for offset, line in enumerate(lines, start=1):
        _merged(sheet, row + offset, 1, width, line, _font(italic=True, size=10), align="left")
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
            _text_cell(sheet.cell(row=current, column=1), indicator.display_name, bold=True)
            _text_cell(sheet.cell(row=current, column=2), indicator.display_unit)
            sheet.cell(row=current, column=2).alignment = Alignment(horizontal="center")
            for column in range(3, width + 1):
                sheet.cell(row=current, column=column).border = BOX
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
        _font(italic=True, size=10),
        align="left",
    )
    sheet.row_dimensions[current + 1].height = 32


def _unit_row(sheet, row_number, columns, label, row: IndicatorRow | None, *, bold=False):
    _text_cell(sheet.cell(row=row_number, column=1), label, bold=bold, indent=2)
    _text_cell(sheet.cell(row=row_number, column=2), "")
    for index, column in enumerate(columns[2:], start=3):
        cell = sheet.cell(row=row_number, column=index)
        words = column.text(row) if row is not None and column.text else ""
        if words:
            _text_cell(cell, words)
        elif column.format == "text":
            _text_cell(cell, str(column.value(row) or "") if row else "")
        else:
            _number_cell(
                cell,
                column.value(row) if row else None,
                column.format,
                is_rate=row is not None and row.indicator.is_percentage,
            )
        if bold:
            cell.font = _font(bold=True)
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
    _text_cell(sheet.cell(row=row_number, column=1), indicator.display_name, indent=1)
    _text_cell(sheet.cell(row=row_number, column=2), indicator.display_unit)
    sheet.cell(row=row_number, column=2).alignment = Alignment(horizontal="center")
    column = 3
    for _month, aggregate in monthly.months:
        _number_cell(
            sheet.cell(row=row_number, column=column), aggregate.actual, fmt, is_rate=is_rate
        )
        column += 1
    _number_cell(
        sheet.cell(row=row_number, column=column), monthly.total.actual, fmt, is_rate=is_rate
    )
    sheet.cell(row=row_number, column=column).font = _font(bold=True)
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
    _merged(sheet, 1, 1, 1, annex_details(export).unit_line, _font(bold=True))
    _merged(sheet, 2, 1, 1, _("BÁO CÁO TÌNH HÌNH KINH TẾ - XÃ HỘI"), _font(bold=True, size=13))
    _merged(sheet, 3, 1, 1, export.period.label().upper(), _font(bold=True))
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
        cell = sheet.cell(row=current, column=1, value=title)
        cell.font = _font(bold=True)
        current += 1
        if not paragraphs:
            paragraphs = [_("(Chưa có nội dung.)")]
        for paragraph in paragraphs:
            for line in paragraph.splitlines() or [""]:
                cell = sheet.cell(row=current, column=1)
                put_text(cell, line)
                cell.font = _font()
                cell.alignment = Alignment(wrap_text=True, vertical="top", indent=1)
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
