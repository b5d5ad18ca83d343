"""Downloads of a unit's period: the report workbook (its machine-readable companion, the data
file, is ``indicators.exchange.views``)."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from indicators import freshness
from indicators.models import Unit
from indicators.reporting.export_rows import period_export
from indicators.reporting.views import unit_and_period
from indicators.reporting.workbook import period_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_file_name(unit: Unit, period, suffix: str = "") -> str:
    """``bao-cao-chanh-lo-2023-9m.xlsx``: codes only, so that every browser keeps it intact."""
    return f"bao-cao-{unit.code}-{period.year}-{period.key}{suffix}.xlsx"


def xlsx_response(workbook, file_name: str) -> HttpResponse:
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


@login_required
def period_export_xlsx(request: HttpRequest, unit_code: str, year: int, period_key: str):
    """The report workbook (consolidated when the unit has child units)."""
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    scopes = freshness.summary_scopes([unit.id])  # the children are under the unit
    cache_key = freshness.key(
        "period-xlsx", unit.id, period.year, period.key, get_language(),
        timezone.localdate().isoformat(), freshness.versions(scopes),
    )  # fmt: skip
    content = freshness.remember(cache_key, lambda: _workbook_bytes(unit, period))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_file_name(unit, period)}"'
    return response


def _workbook_bytes(unit: Unit, period) -> bytes:
    buffer = BytesIO()
    period_workbook(period_export(unit=unit, period=period)).save(buffer)
    return buffer.getvalue()
