"""The import workbook: the empty template offered in the admin, and the same layout filled
with a period's data (the export's machine-readable companion).

One layout for both means an officer learns one thing: download, fill in or correct, import.
Sheets, headers, explanations, drop-down lists and widths all come from
:data:`indicators.exchange.schema.SHEETS`, the declaration the import reads with. Sheets and
headers are written in Vietnamese ("Số liệu", "Đơn vị"); the first sheet "Hướng dẫn" (ignored by
the import) lists every column with the other names the import reads (the ASCII key "don_vi",
the English key "unit") and what it holds, and a comment on every header cell says the same, so
the template imports as is once filled in.
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


def import_workbook_file(
    data: dict[str, list[dict]] | None = None, *, keys: bool = False
) -> Workbook:
    """The import layout: a "Hướng dẫn" sheet, then one sheet per import key, named and headed
    by the Vietnamese titles, choice cells in Vietnamese words ("ước thực hiện").

    Without ``data`` it is the empty template; with it (``DataExport.sheets``), each sheet is
    filled with those rows, in the column order of :data:`schema.SHEETS`. With ``keys`` (the
    period's ``data.xlsx``, which other programs read) sheets, headers and choice cells keep
    the stable English keys ("figures", "unit", "estimate"), and each header's comment gives
    its Vietnamese name; the import reads both forms.
    """
    workbook = Workbook()
    guide = workbook.active
    guide.title = _("Hướng dẫn")
    _write_guide(guide)
    for key, spec in SHEETS.items():
        sheet = workbook.create_sheet(key if keys else spec.title)
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.name if keys else column.title)
            cell.font, cell.fill = BOLD, HEADER_FILL
            comment = Comment(f"{column.help}\n{_also_read(column, keys)}", "ward-report")
            comment.width, comment.height = 300, 130
            cell.comment = comment
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        for row, record in enumerate((data or {}).get(key, []), start=2):
            for index, column in enumerate(spec.columns, start=1):
                value = record.get(column.name)
                if column.type == ColumnType.CHOICE and not keys:
                    value = column.word_for(value)
                put_text(sheet.cell(row=row, column=index), _cell_value(value))
        for index, column in enumerate(spec.columns, start=1):
            if column.type != ColumnType.CHOICE:
                continue
            values = list(column.choices.values if keys else column.written)
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


def _also_read(column, keys: bool = False) -> str:
    others = [name for name in column.aliases if name != (column.name if keys else column.title)]
    return _("Cũng nhận tên cột: %(names)s.") % {"names": ", ".join(others)}


GUIDE_COLUMNS = 5


def _write_guide(sheet) -> None:
    for letter, width in zip("ABCDE", (16, 22, 24, 22, 110), strict=True):
        sheet.column_dimensions[letter].width = width
    # Printed, the guide is as wide as the page (landscape A4), as long as it needs.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    blank = ("",) * (GUIDE_COLUMNS - 1)
    sheets = "; ".join(f"{spec.title} ({', '.join(spec.aliases[1:])})" for spec in SHEETS.values())
    lines = [
        (_("MẪU NHẬP SỐ LIỆU TỪ EXCEL"), *blank),
        (
            _(
                "Mỗi trang có dòng tiêu đề ở dòng 1. Tên trang và tên cột ghi có dấu, không "
                "dấu hoặc theo tên tiếng Anh đều được, chữ hoa hay thường như nhau (các tên "
                "được nhận ở bảng dưới); mỗi cột chỉ ghi một lần. Trang: %(sheets)s. Có thể bỏ "
                "trống hoặc xóa trang không dùng."
            )
            % {"sheets": sheets},
            *blank,
        ),
        (
            _(
                "Đơn vị ghi bằng mã (ví dụ chanh-lo). Lĩnh vực, chỉ tiêu và cơ quan giao ghi "
                "bằng mã hoặc đúng tên (ví dụ UBND thành phố Quảng Ngãi); mã hay tên có thể là "
                "của dòng ở trang trên hoặc đã có trong hệ thống. Trạng thái: ước thực hiện "
                "(hoặc ước, estimate), chính thức (hoặc official); để trống là chính thức."
            ),
            *blank,
        ),
        (
            _(
                "Tệp được nhập toàn bộ hoặc không nhập gì: nếu có lỗi, hệ thống liệt kê mọi "
                "lỗi (trang, dòng, cột) và không ghi gì. Nhập lại cùng một tệp không làm thay "
                "đổi gì; số liệu đã sửa trong tệp sẽ được cập nhật."
            ),
            *blank,
        ),
        ("",) * GUIDE_COLUMNS,
        (_("Trang"), _("Cột"), _("Không dấu"), _("Tiếng Anh"), _("Ý nghĩa")),
    ]
    heading = len(lines)
    for spec in SHEETS.values():
        for column in spec.columns:
            lines.append((spec.title, column.title, column.ascii, column.name, str(column.help)))
    for number, line in enumerate(lines, start=1):
        for index, text in enumerate(line, start=1):
            put_text(sheet.cell(row=number, column=index), text)
        if number in (1, heading):
            for cell in sheet[number]:
                cell.font = BOLD
        if number < heading - 1:  # the title and the paragraphs span the table's width
            sheet.merge_cells(
                start_row=number, start_column=1, end_row=number, end_column=GUIDE_COLUMNS
            )
        if 1 < number < heading - 1:
            sheet.row_dimensions[number].height = 48
        for cell in sheet[number]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
