"""The Word report of a unit's period, and the page where its written sections are edited."""

from __future__ import annotations

from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from indicators import access
from indicators.access import Action
from indicators.entry.forms import PeriodReportEntryForm
from indicators.entry.reports import is_locked, locked_report_message, save_period_report
from indicators.models import PeriodReport, Unit
from indicators.reporting import selectors
from indicators.reporting.document import DOCX, period_document
from indicators.reporting.export_rows import period_export
from indicators.reporting.report_details import report_details, report_title
from indicators.reporting.report_text import report_sections
from indicators.reporting.views import unit_and_period


def document_file_name(unit: Unit, period) -> str:
    """``bao-cao-chanh-lo-2023-9m.docx``: codes only, like the workbook's name."""
    return f"bao-cao-{unit.code}-{period.year}-{period.key}.docx"


@login_required
def period_report_docx(request: HttpRequest, unit_code: str, year: int, period_key: str):
    """The report in the Decree 30/2020 layout; the same rights as the Excel export."""
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    buffer = BytesIO()
    period_document(period_export(unit=unit, period=period)).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{document_file_name(unit, period)}"'
    return response


@login_required
def period_report_edit(request: HttpRequest, unit_code: str, year: int, period_key: str):
    """Written sections and report details of one unit and period, beside the generated text.

    A unit the user may not see is "not found"; one they may see but not enter is refused
    (403). An approved period shows the form locked, and a POST to it writes nothing.
    """
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    access.require(request.user, Action.ENTER, unit)
    report = PeriodReport.objects.filter(unit=unit, year=period.year, period=period.key).first()
    locked = is_locked(unit=unit, period=period)
    defaults = report_details(unit=unit, report=None, today=timezone.localdate())
    form = PeriodReportEntryForm(
        request.POST or None, report=report, defaults=defaults, locked=locked
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_period_report(unit=unit, period=period, entry=form.entry(), user=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            return redirect("period-summary", unit.code, period.year, period.key)
    rows = selectors.period_summary(unit=unit, period=period)
    ctx = {
        "unit": unit,
        "period": period,
        "form": form,
        "locked_message": locked_report_message(unit=unit, period=period) if locked else "",
        "report_sections": report_sections(rows=rows, period=period),
        "title": report_title(period),
    }
    return render(request, "indicators/period_report_edit.html", ctx)
