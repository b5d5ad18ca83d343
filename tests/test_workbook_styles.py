"""The period workbook looks, cell by cell, as the reference says: values, fonts, fills,
borders, alignment, number formats, merged cells, widths, heights and print set-up.

The references in ``tests/reference/`` were written by the workbook writer as it was before
it was made faster, so that a faster writer is checked against what readers already had. A
deliberate change of the look is written into them with
``UPDATE_WORKBOOK_REFERENCE=1 pytest tests/test_workbook_styles.py``; read the diff.
"""

from __future__ import annotations

import io
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.utils import translation
from openpyxl import load_workbook
from openpyxl.xml.functions import tostring

from indicators.core.periods import parse_period
from indicators.models import Figure, Target
from indicators.reporting.export_rows import period_export
from indicators.reporting.workbook import period_workbook

REFERENCE = Path(__file__).parent / "reference"
MADE_ON = date(2023, 9, 20)
NINE_MONTHS = parse_period("9m", 2023)
MARGINS = ("left", "right", "top", "bottom", "header", "footer")


def _xml(part) -> str:
    return tostring(part.to_tree()).decode() if part is not None else ""


def look(buffer: io.BytesIO) -> dict:
    """What a reader sees of the workbook in ``buffer``, as plain data: each distinct cell
    style once (font, fill, border, alignment, protection, number format), then per sheet its
    cells (value, type, style number), merged ranges, widths, heights and print set-up.

    Cells are read as the file stores them (read-only mode): a loaded workbook gives the cells
    of a merged range the top-left cell's borders instead of their own.
    """
    styles: dict[tuple, int] = {}
    cells_of = {}
    stored = load_workbook(buffer, read_only=True)
    for sheet in stored.worksheets:
        cells = cells_of[sheet.title] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None and not getattr(cell, "has_style", False):
                    continue
                style = (
                    _xml(cell.font),
                    _xml(cell.fill),
                    _xml(cell.border),
                    _xml(cell.alignment),
                    _xml(cell.protection),
                    cell.number_format,
                )
                number = styles.setdefault(style, len(styles))
                value = cell.value if cell.value is None else str(cell.value)
                cells[cell.coordinate] = [value, cell.data_type, number]
    stored.close()
    sheets = []
    for sheet in load_workbook(buffer).worksheets:
        cells = cells_of[sheet.title]
        setup = sheet.page_setup
        margins = sheet.page_margins
        sheets.append(
            {
                "title": sheet.title,
                "merged": sorted(str(r) for r in sheet.merged_cells.ranges),
                "widths": {k: d.width for k, d in sorted(sheet.column_dimensions.items())},
                "heights": {str(k): d.height for k, d in sorted(sheet.row_dimensions.items())},
                "freeze": sheet.freeze_panes,
                "print_titles": sheet.print_title_rows,
                "page": [setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight],
                "fit_to_page": sheet.sheet_properties.pageSetUpPr.fitToPage,
                "centered": sheet.print_options.horizontalCentered,
                "margins": [getattr(margins, side) for side in MARGINS],
                "footer": [sheet.oddFooter.center.text, sheet.oddFooter.center.size],
                "cells": cells,
            }
        )
    by_number = sorted(styles, key=styles.get)
    return {"styles": [list(s) for s in by_number], "sheets": sheets}


def assert_looks_as_before(unit, name: str) -> None:
    buffer = io.BytesIO()
    with translation.override("vi"):
        period_workbook(period_export(unit=unit, period=NINE_MONTHS, made_on=MADE_ON)).save(buffer)
    seen = look(buffer)
    path = REFERENCE / f"{name}.json"
    if os.environ.get("UPDATE_WORKBOOK_REFERENCE"):
        path.parent.mkdir(exist_ok=True)
        text = json.dumps(seen, ensure_ascii=False, indent=0, sort_keys=False)
        path.write_text(text + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert seen["styles"] == expected["styles"]
    assert [s["title"] for s in seen["sheets"]] == [s["title"] for s in expected["sheets"]]
    for sheet, wanted in zip(seen["sheets"], expected["sheets"], strict=True):
        differing = {
            coordinate: (sheet["cells"].get(coordinate), cell)
            for coordinate, cell in wanted["cells"].items()
            if sheet["cells"].get(coordinate) != cell
        }
        extra = set(sheet["cells"]) - set(wanted["cells"])
        assert not differing and not extra, (sheet["title"], differing, sorted(extra))
        assert sheet == wanted, sheet["title"]


def test_a_wards_consolidated_workbook_looks_as_before(demo):
    assert_looks_as_before(demo, "chanh-lo-2023-9m")


def test_a_citys_workbook_with_ratios_targets_and_a_unit_without_figures_looks_as_before(
    tree, make_indicator, authority
):
    tree["ward-a"].name = "=1+1 Phường A"  # text a user typed: a text cell, never a formula
    tree["ward-a"].save()
    on_time = make_indicator("on-time", "ratio", name="Hồ sơ đúng hạn")
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    online = make_indicator("online", "reported", name="Dịch vụ công trực tuyến")

    def add(unit, indicator, **numbers):
        Figure.objects.create(unit=tree[unit], indicator=indicator, year=2023, month=9, **numbers)

    add("group-a1", on_time, numerator=Decimal(90), denominator=Decimal(100))
    add("ward-b", on_time, numerator=Decimal(1), denominator=Decimal(10), status="estimate")
    add("group-a1", revenue, value=Decimal("100.25"))
    add("city", revenue, value=Decimal(50))
    add("ward-a", online, value=Decimal(80))
    Target.objects.create(
        unit=tree["city"],
        indicator=revenue,
        year=2023,
        authority=authority,
        value=Decimal(1000),
        basis="Nghị quyết số 12/NQ-HĐND",
    )
    assert_looks_as_before(tree["city"], "city-2023-9m")


def test_a_workbook_without_any_figure_looks_as_before(tree):
    assert_looks_as_before(tree["ward-b"], "ward-b-2023-9m")
