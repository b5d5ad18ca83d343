"""The ward's report as a Word document in the state's format (Decree 30/2020/NĐ-CP).

:func:`period_document` writes, from an already gathered :class:`~.export_rows.PeriodExport`
(no queries, no arithmetic):

- the head: issuing body and national motto side by side, then the number and the place and
  date (:mod:`.report_details`);
- "BÁO CÁO" and the title naming the period and the one after it;
- part I, results: per area the dashboard's own generated sentences
  (:func:`.report_text.report_sections`, estimates as "ước đạt"), then the written results;
  part II, shortcomings; part III, tasks ahead (the written sections);
- "Nơi nhận:" and the signature block;
- an annex on a landscape page: the Excel summary sheet's columns and numbers
  (:func:`.columns.summary_columns`), in the active language's number forms.

Page and type as the decree sets them: A4, Times New Roman 14 pt for the body, margins top
and bottom 20 mm, left 30 mm, right 15 mm. Every user-typed text is added as a run's text:
python-docx writes it as XML character data, never as markup or a field.
"""

from __future__ import annotations

from itertools import groupby

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from indicators.core.numbers import format_percent, format_value
from indicators.reporting.columns import authorities_of, summary_columns
from indicators.reporting.export_rows import PeriodExport
from indicators.reporting.report_details import (
    ReportDetails,
    annex_reference,
    next_period_words,
    report_details,
    report_title,
)
from indicators.reporting.report_text import report_sections

FONT_NAME = "Times New Roman"
BODY_SIZE = Pt(14)
HEAD_SIZE = Pt(13)
SMALL_SIZE = Pt(12)
TABLE_SIZE = Pt(10.5)
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def period_document(export: PeriodExport):
    """The report of ``export``'s unit and period, as a ``docx.Document`` to save."""
    details = report_details(unit=export.unit, report=export.report, today=export.made_on)
    document = Document()
    _set_up(document)
    _head(document, details)
    _title(document, export)
    _results(document, export)
    written = export.report
    _part(document, _("II. TỒN TẠI, HẠN CHẾ"), written.shortcomings if written else "")
    _part(
        document,
        _("III. PHƯƠNG HƯỚNG, NHIỆM VỤ %(next)s") % {"next": next_period_words(export.period)},
        written.tasks if written else "",
        upper=True,
    )
    _foot(document, details)
    _annex(document, export, details)
    return document


# --- Page and type --------------------------------------------------------------------------


def _set_up(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    _margins(section)
    normal = document.styles["Normal"]
    normal.font.name = FONT_NAME
    normal.font.size = BODY_SIZE
    # Word picks a typeface per script; name Times New Roman for each of them.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), FONT_NAME)
    spacing = normal.paragraph_format
    spacing.space_before, spacing.space_after = Pt(0), Pt(6)
    spacing.line_spacing = 1.1
    _page_numbers(section)
    core = document.core_properties
    core.author = core.last_modified_by = ""  # the generator, not the signer


def _page_numbers(section) -> None:
    """The page number centred at the top from the second page on, as the decree sets it."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _margins(section) -> None:
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)


def _paragraph(
    container,
    text: str = "",
    *,
    bold: bool = False,
    italic: bool = False,
    size=None,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    after: int | None = None,
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _run(paragraph, text: str, *, bold=False, italic=False, size=None):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size is not None:
        run.font.size = size
    return run


def _cell_paragraph(cell, text: str = "", **kwargs):
    """The cell's first (empty) paragraph for its first line, a new one after that."""
    kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.CENTER)
    kwargs.setdefault("after", 0)
    first = cell.paragraphs[0]
    if len(cell.paragraphs) == 1 and not first.text and not first.runs:
        first.alignment = kwargs.pop("align")
        first.paragraph_format.space_after = Pt(kwargs.pop("after"))
        if text:
            _run(first, text, **kwargs)
        return first
    return _paragraph(cell, text, **kwargs)


def _rule(cell, width_mm: float, cell_mm: float) -> None:
    """The short line under the issuing body and under the motto: a bottom border on an
    empty paragraph indented to ``width_mm`` in the middle of its cell."""
    paragraph = _cell_paragraph(cell, after=2)
    side = Mm(max((cell_mm - width_mm) / 2, 0))
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.line_spacing = Pt(4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _plain_table(document, rows: int, widths_mm: list[float]):
    """A table without borders, for the head and the foot, columns of fixed widths."""
    table = document.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _widths(table, widths_mm)
    return table


def _widths(table, widths_mm: list[float]) -> None:
    """Column widths on the grid (what LibreOffice reads) and on every cell (what Word reads)."""
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        column = 0
        for tc in row._tr.tc_lst:  # a merged cell spans several grid columns
            span = tc.grid_span
            tc.width = Mm(sum(widths_mm[column : column + span]))
            column += span


# --- The head -------------------------------------------------------------------------------

LEFT_MM, RIGHT_MM = 57.0, 108.0  # 165 mm of text width: 210 − 30 − 15
ANNEX_WIDTH_MM = 252.0  # a landscape page: 297 − 30 − 15


def _head(document, details: ReportDetails) -> None:
    table = _plain_table(document, 2, [LEFT_MM, RIGHT_MM])
    body, motto = table.cell(0, 0), table.cell(0, 1)
    # "ỦY BAN NHÂN DÂN PHƯỜNG CHÁNH LỘ" is one name, the issuing body's: all of it in bold.
    _cell_paragraph(body, details.body, bold=True, size=HEAD_SIZE)
    _cell_paragraph(body, details.unit_line, bold=True, size=HEAD_SIZE)
    _rule(body, 22, LEFT_MM)
    _cell_paragraph(motto, _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold=True, size=HEAD_SIZE)
    _cell_paragraph(motto, _("Độc lập - Tự do - Hạnh phúc"), bold=True, size=BODY_SIZE)
    _rule(motto, 58, RIGHT_MM)
    _cell_paragraph(table.cell(1, 0), details.number, size=HEAD_SIZE)
    _cell_paragraph(table.cell(1, 1), details.place_and_date, italic=True, size=BODY_SIZE)


def _title(document, export: PeriodExport) -> None:
    _paragraph(document, "", after=6)
    _paragraph(document, _("BÁO CÁO"), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _paragraph(
        document,
        report_title(export.period),
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=2,
    )
    rule_table = _plain_table(document, 1, [LEFT_MM + RIGHT_MM])
    _rule(rule_table.cell(0, 0), 40, LEFT_MM + RIGHT_MM)
    _paragraph(document, "", after=0)


# --- The body -------------------------------------------------------------------------------


def _heading(document, text: str) -> None:
    paragraph = _paragraph(document, text, bold=True, indent=True, after=6)
    paragraph.paragraph_format.keep_with_next = True


def _written(document, text: str) -> None:
    """A written section, one paragraph per line typed; a note when nothing was written."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        _paragraph(document, _("(Chưa có nội dung.)"), italic=True, indent=True)
    for line in lines:
        _paragraph(document, line, indent=True)


def _results(document, export: PeriodExport) -> None:
    _heading(document, _("I. KẾT QUẢ ĐẠT ĐƯỢC"))
    sections = report_sections(rows=export.rows, period=export.period)
    number = 0
    for number, section in enumerate(sections, start=1):
        _heading(document, f"{number}. {section.area_name}")
        _paragraph(document, " ".join(section.sentences), indent=True)
    written = export.report.results if export.report else ""
    _heading(document, f"{number + 1}. " + _("Đánh giá chung"))
    _written(document, written)


def _part(document, title: str, text: str, *, upper: bool = False) -> None:
    _heading(document, title.upper() if upper else title)
    _written(document, text)


# --- The foot -------------------------------------------------------------------------------


def _foot(document, details: ReportDetails) -> None:
    _paragraph(document, "", after=0)
    table = _plain_table(document, 1, [80.0, 85.0])
    # The signature never stands alone at the top of a page: the row is not split.
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    recipients, signer = table.cell(0, 0), table.cell(0, 1)
    _cell_paragraph(
        recipients, _("Nơi nhận:"), bold=True, italic=True, size=SMALL_SIZE,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )  # fmt: skip
    for line in details.recipients:
        _cell_paragraph(recipients, f"- {line}", size=Pt(11), align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in details.signer_lines:
        _cell_paragraph(signer, line, bold=True, size=BODY_SIZE)
    for _blank in range(4):  # room for the signature and the seal
        _cell_paragraph(signer, "", size=BODY_SIZE)
    _cell_paragraph(signer, details.signer_name, bold=True, size=BODY_SIZE)


# --- The annex ------------------------------------------------------------------------------


def _annex(document, export: PeriodExport, details: ReportDetails) -> None:
    """The summary table on landscape pages: the Excel summary sheet's columns and numbers."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    _margins(section)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(document, _("Phụ lục"), bold=True, align=center, after=0)
    _paragraph(
        document,
        _("KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU KINH TẾ - XÃ HỘI %(period)s")
        % {"period": export.period.label().upper()},
        bold=True,
        align=center,
        after=0,
    )
    reference = annex_reference(details, export.unit)
    _paragraph(document, reference, italic=True, align=center, after=6)
    rows = export.rows
    columns = summary_columns(authorities_of(rows))
    if not rows:
        _paragraph(document, _("Chưa có số liệu cho kỳ này."), italic=True, align=center)
        return
    table = document.add_table(rows=1, cols=len(columns) + 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    headers = [_("STT"), *[str(column.header) for column in columns]]
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_paragraph(cell, text, bold=True, size=TABLE_SIZE)
    _repeat_as_header(table.rows[0])
    for area_number, (_area, area_rows) in enumerate(
        groupby(rows, key=lambda row: row.indicator.area_id)
    ):
        area_rows = list(area_rows)
        cells = table.add_row().cells
        roman = ROMAN[area_number] if area_number < len(ROMAN) else str(area_number + 1)
        _cell_paragraph(cells[0], roman, bold=True, size=TABLE_SIZE)
        merged = cells[1].merge(cells[-1])
        _cell_paragraph(
            merged, area_rows[0].indicator.area.display_name, bold=True, size=TABLE_SIZE,
            align=WD_ALIGN_PARAGRAPH.LEFT,
        )  # fmt: skip
        for number, row in enumerate(area_rows, start=1):
            cells = table.add_row().cells
            _cell_paragraph(cells[0], str(number), size=TABLE_SIZE)
            for cell, column in zip(cells[1:], columns, strict=True):
                text, align = annex_cell(column, row)
                _cell_paragraph(cell, text, size=TABLE_SIZE, align=align)
    numbers = len(columns) - 2
    _widths(table, [11.0, 54.0, 15.0] + [(ANNEX_WIDTH_MM - 80.0) / numbers] * numbers)
    _narrow_cell_margins(table)
    if any(row.is_estimate for row in rows):
        _paragraph(
            document,
            _("Ghi chú: kỳ báo cáo có tháng là số ước thực hiện; số chính thức sẽ được cập nhật."),
            italic=True,
            size=SMALL_SIZE,
        )


def annex_cell(column, row) -> tuple[str, int]:
    """A summary cell as the annex prints it: text left, numbers right in Vietnamese form."""
    value = column.value(row)
    if column.format == "text":
        align = WD_ALIGN_PARAGRAPH.LEFT if column.key == "indicator" else WD_ALIGN_PARAGRAPH.CENTER
        return str(value or ""), align
    if column.format == "percent":
        return format_percent(value, sign=False), WD_ALIGN_PARAGRAPH.RIGHT
    return format_value(value, is_percentage=row.indicator.is_percentage), WD_ALIGN_PARAGRAPH.RIGHT


def _narrow_cell_margins(table, mm: float = 1.0) -> None:
    """Cells padded ``mm`` left and right (Word's default is 1.9 mm), so that a number as long
    as 6.021.447.000 stays on one line in its column."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(mm * 1440 / 25.4)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)


def _repeat_as_header(row) -> None:
    """The column headers again at the top of every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
