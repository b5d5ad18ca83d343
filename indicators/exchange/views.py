"""The data file download: a unit's period in the import layout."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest

from indicators.exchange.data_file import period_data
from indicators.exchange.template import import_workbook_file
from indicators.reporting.export_views import export_file_name, xlsx_response
from indicators.reporting.views import unit_and_period


@login_required
def period_data_xlsx(request: HttpRequest, unit_code: str, year: int, period_key: str):
    """The same period in the import layout: what another installation, or this one after
    corrections, can import as is."""
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    workbook = import_workbook_file(period_data(unit=unit, period=period).sheets, keys=True)
    return xlsx_response(workbook, export_file_name(unit, period, "-du-lieu"))
