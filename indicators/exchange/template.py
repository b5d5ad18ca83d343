"""The import workbook: the empty template offered in the admin, and the same layout filled
with a period's data (the export's machine-readable companion).

One layout for both means an officer learns one thing: download, fill in or correct, import.
Sheet names and header keys are the ones :mod:`indicators.exchange.workbook_import` reads; the
Vietnamese explanations live in a first sheet "Hướng dẫn" (ignored by the import) and in a
comment on every header cell, so the template imports as is once filled in.
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
from indicators.exchange.workbook_import import SHEETS
from indicators.models import Figure, Indicator, Unit

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TEMPLATE_ROWS = 2000  # rows that get the drop-down lists in an empty template


def _explanations() -> dict[str, dict[str, str]]:
    """What each column means, in Vietnamese (translated like every interface string)."""
    order_help = _("Không bắt buộc. Thứ tự sắp xếp trong báo cáo (số nguyên, nhỏ đứng trước).")
    levels = ", ".join(Unit.Level.values)
    kinds = ", ".join(Indicator.Kind.values)
    return {
        "areas": {
            "code": _("Mã lĩnh vực, không dấu, không khoảng trắng (ví dụ ngan-sach)."),
            "name": _("Tên lĩnh vực (ví dụ Thu ngân sách nhà nước)."),
            "order": order_help,
        },
        "authorities": {
            "code": _("Mã cơ quan giao chỉ tiêu (ví dụ hdnd-phuong)."),
            "name": _("Tên cơ quan (ví dụ HĐND phường Chánh Lộ)."),
            "report_phrase": _(
                "Không bắt buộc. Cách gọi trong câu báo cáo (ví dụ chỉ tiêu HĐND phường giao)."
            ),
            "order": order_help,
        },
        "units": {
            "code": _("Mã đơn vị, không dấu (ví dụ chanh-lo)."),
            "name": _("Tên đơn vị (ví dụ Phường Chánh Lộ)."),
            "level": _("Cấp đơn vị, một trong: %(levels)s.") % {"levels": levels},
            "parent": _("Mã đơn vị cấp trên; để trống nếu là cấp cao nhất."),
            "order": order_help,
        },
        "indicators": {
            "code": _("Mã chỉ tiêu, không dấu (ví dụ thu-ngan-sach)."),
            "name": _("Tên chỉ tiêu."),
            "unit": _("Đơn vị tính (ví dụ đồng, hộ, %)."),
            "kind": _(
                "Loại chỉ tiêu, một trong: %(kinds)s. sum: cộng dồn các tháng; ratio: tỷ lệ "
                "từ tử số/mẫu số; level: số tại thời điểm; reported: tỷ lệ %% do hệ thống "
                "khác công bố."
            )
            % {"kinds": kinds},
            "direction": _("up: càng cao càng tốt; down: càng thấp càng tốt."),
            "area": _("Mã lĩnh vực (trang areas hoặc đã có trong hệ thống)."),
            "short_name": _("Không bắt buộc. Tên ngắn dùng trong câu báo cáo."),
            "numerator_label": _("Không bắt buộc. Tên tử số (chỉ tiêu ratio)."),
            "denominator_label": _("Không bắt buộc. Tên mẫu số (chỉ tiêu ratio)."),
            "order": order_help,
        },
        "targets": {
            "unit": _("Mã đơn vị được giao chỉ tiêu."),
            "indicator": _("Mã chỉ tiêu."),
            "year": _("Năm (ví dụ 2023)."),
            "authority": _("Mã cơ quan giao chỉ tiêu."),
            "value": _(
                "Chỉ tiêu năm. Số có thể gõ kiểu Việt Nam: 6.021.447.000 hoặc 86,7. "
                "Số như 1.500 không rõ nghĩa sẽ bị từ chối: hãy gõ 1500 hoặc 1,5."
            ),
            "basis": _("Không bắt buộc. Số, ngày nghị quyết/quyết định giao chỉ tiêu."),
        },
        "figures": {
            "unit": _("Mã đơn vị."),
            "indicator": _("Mã chỉ tiêu."),
            "year": _("Năm."),
            "month": _("Tháng, từ 1 đến 12."),
            "value": _(
                "Số liệu tháng (mọi loại trừ ratio). Tỷ lệ reported gõ 0–100, ví dụ 64,1. "
                "Với chỉ tiêu sum, đây là số của riêng tháng đó, không phải lũy kế."
            ),
            "numerator": _("Tử số (chỉ cho chỉ tiêu ratio), không lớn hơn mẫu số."),
            "denominator": _("Mẫu số (chỉ cho chỉ tiêu ratio), lớn hơn 0."),
            "status": _("estimate: ước thực hiện; official: chính thức (để trống = official)."),
        },
    }


_CHOICES = {
    ("units", "level"): Unit.Level.values,
    ("indicators", "kind"): Indicator.Kind.values,
    ("indicators", "direction"): Indicator.Direction.values,
    ("figures", "status"): Figure.Status.values,
}

_WIDTHS = {"name": 40, "basis": 40, "report_phrase": 32, "short_name": 30}


def _cell_value(value):
    if isinstance(value, Decimal):
        # Plain Decimals, no trailing zeros; money stays exact up to Excel's 15 digits.
        value = strip_zeros(value)
        return int(value) if value == value.to_integral_value() else value
    return value


def import_workbook_file(data: dict[str, list[dict]] | None = None) -> Workbook:
    """The import layout: a "Hướng dẫn" sheet, then one sheet per import key.

    Without ``data`` it is the empty template; with it (``DataExport.sheets``), each sheet is
    filled with those rows, in the column order of :data:`workbook_import.SHEETS`.
    """
    explanations = _explanations()
    workbook = Workbook()
    guide = workbook.active
    guide.title = _("Hướng dẫn")
    _write_guide(guide, explanations)
    for key, spec in SHEETS.items():
        sheet = workbook.create_sheet(key)
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column)
            cell.font, cell.fill = BOLD, HEADER_FILL
            comment = Comment(explanations[key][column], "ward-report")
            comment.width, comment.height = 300, 110
            cell.comment = comment
            sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 16)
        sheet.freeze_panes = "A2"
        for record in (data or {}).get(key, []):
            sheet.append([_cell_value(record.get(column)) for column in spec.columns])
        for (sheet_key, column), values in _CHOICES.items():
            if sheet_key != key:
                continue
            letter = get_column_letter(spec.columns.index(column) + 1)
            validation = DataValidation(
                type="list", formula1=f'"{",".join(values)}"', allow_blank=True
            )
            validation.error = _("Chỉ nhận: %(values)s") % {"values": ", ".join(values)}
            validation.showErrorMessage = True
            last_row = max(TEMPLATE_ROWS, sheet.max_row)
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    return workbook


def _write_guide(sheet, explanations: dict[str, dict[str, str]]) -> None:
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
            lines.append((key, column, explanations[key][column]))
    for number, line in enumerate(lines, start=1):
        sheet.append(list(line))
        if number in (1, 5):
            for cell in sheet[number]:
                cell.font = BOLD
        if number in (2, 3):
            sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=3)
            sheet.row_dimensions[number].height = 32
        for cell in sheet[number]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
