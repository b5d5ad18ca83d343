"""The import workbook: the empty template offered in the admin, and the same layout filled
with a period's data (the export's machine-readable companion).

One layout for both means an officer learns one thing: download, fill in or correct, import.
Sheets, header keys, explanations, drop-down lists and widths all come from
:data:`indicators.exchange.schema.SHEETS`, the declaration the import reads with. The Vietnamese
explanations live in a first sheet "Hướng dẫn" (ignored by the import) and in a comment on every
header cell, so the template imports as is once filled in.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.core.numbers import strip_zeros
from indicators.core.text import put_text
from indicators.exchange.schema import SHEETS, ColumnType

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TEMPLATE_ROWS = 2000  # rows that get the drop-down lists in an empty template


def _cell_value(value):
    if isinstance(value, Decimal):
        # Plain Decimals, no trailing zeros; money stays exact up to Excel's 15 digits.
        value = strip_zeros(value)
        return int(value) if value == value.to_integral_value() else value
    return value


def import_workbook_file(data: dict[str, list[dict]] | None = None) -> Workbook:
    """The import layout: a "Hướng dẫn" sheet, then one sheet per import key.

    Without ``data`` it is the empty template; with it (``DataExport.sheets``), each sheet is
    filled with those rows, in the column order of :data:`schema.SHEETS`.
    """
    workbook = Workbook()
    guide = workbook.active
    guide.title = _("Hướng dẫn")
    _write_guide(guide)
    for key, spec in SHEETS.items():
        sheet = workbook.create_sheet(key)
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.name)
            cell.font, cell.fill = BOLD, HEADER_FILL
            comment = Comment(str(column.help), "ward-report")
            comment.width, comment.height = 300, 110
            cell.comment = comment
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        for row, record in enumerate((data or {}).get(key, []), start=2):
            for index, column in enumerate(spec.names, start=1):
                put_text(sheet.cell(row=row, column=index), _cell_value(record.get(column)))
        for index, column in enumerate(spec.columns, start=1):
            if column.type != ColumnType.CHOICE:
                continue
            values = list(column.choices.values)
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1=f'"{",".join(values)}"', allow_blank=True
            )
            validation.error = _("Chỉ nhận: %(values)s") % {"values": ", ".join(values)}
            validation.showErrorMessage = True
            last_row = max(TEMPLATE_ROWS, sheet.max_row)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    return workbook


def _write_guide(sheet) -> None:
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["C"].width = 110
    lines = [
        (_("MẪU NHẬP SỐ LIỆU TỪ EXCEL"), "", ""),
        (
            _(
                "Mỗi trang (areas, authorities, units, indicators, targets, figures) có dòng "
                "tiêu đề ở dòng 1; không đổi tên trang và tên cột. Có thể bỏ trống hoặc xóa "
                "trang không dùng. Mã ở các trang dưới có thể là mã ở trang trên hoặc mã đã có "
                "trong hệ thống."
            ),
            "",
            "",
        ),
        (
            _(
                "Tệp được nhập toàn bộ hoặc không nhập gì: nếu có lỗi, hệ thống liệt kê mọi "
                "lỗi (trang, dòng, cột) và không ghi gì. Nhập lại cùng một tệp không làm thay "
                "đổi gì; số liệu đã sửa trong tệp sẽ được cập nhật."
            ),
            "",
            "",
        ),
        ("", "", ""),
        (_("Trang"), _("Cột"), _("Ý nghĩa")),
    ]
    for key, spec in SHEETS.items():
        for column in spec.columns:
            lines.append((key, column.name, str(column.help)))
    for number, line in enumerate(lines, start=1):
        for index, text in enumerate(line, start=1):
            put_text(sheet.cell(row=number, column=index), text)
        if number in (1, 5):
            for cell in sheet[number]:
                cell.font = BOLD
        if number in (2, 3):
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=3)
            sheet.row_dimensions[number].height = 32
        for cell in sheet[number]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
