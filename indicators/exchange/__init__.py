"""Workbooks in and out: the sheets' schema, the import (reader, planner, writer), its template
and the data file.

The import's public names are re-exported here: ``from indicators.exchange import
import_workbook``.
"""

from indicators.exchange.planner import ImportPlan, plan_import
from indicators.exchange.reader import CellError, WorkbookRejected, read_workbook
from indicators.exchange.writer import apply_plan, import_workbook

__all__ = [
    "CellError",
    "ImportPlan",
    "WorkbookRejected",
    "apply_plan",
    "import_workbook",
    "plan_import",
    "read_workbook",
]
