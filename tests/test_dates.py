"""One written form for dates ("01/07/2025") and moments ("14:29 ngày 01/12/2026") in
Vietnamese: on the pages, in the admin, in the audit trail and in Excel cells."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override
from openpyxl import load_workbook

from indicators.core.dates import EXCEL_DATE_FORMAT, EXCEL_DATETIME_FORMAT, excel_number_format
from indicators.entry.services import update_figure
from indicators.models import Figure, Unit


def test_the_vietnamese_forms_are_day_first_with_the_hour_before_the_date():
    moment = timezone.make_aware(datetime(2026, 12, 1, 14, 29))
    with override("vi"):
        assert date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "14:29 ngày 01/12/2026"
        assert date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") == (
            "14:29 ngày 01/12/2026"
        )
        assert date_format(date(2025, 7, 1), "DATE_FORMAT") == "01/07/2025"
        assert date_format(date(2025, 7, 1), "SHORT_DATE_FORMAT") == "01/07/2025"


def test_excel_cells_show_dates_and_moments_in_the_same_form():
    assert excel_number_format(date(2025, 7, 1)) == EXCEL_DATE_FORMAT == "dd/mm/yyyy"
    assert excel_number_format(datetime(2026, 12, 1, 14, 29)) == EXCEL_DATETIME_FORMAT
    assert EXCEL_DATETIME_FORMAT == 'hh:mm "ngày" dd/mm/yyyy'
    assert excel_number_format(Decimal(1)) is None


def test_a_typed_date_is_read_day_first(demo, staff_client):
    unit = Unit.objects.get(code="phuong-sap-nhap-minh-hoa")
    page = staff_client.get(reverse("admin:indicators_unit_change", args=[unit.pk]))
    # the box shows the stored date in the one form, and the calendar writes it that way
    assert 'value="01/07/2025"' in page.content.decode()
    from django import forms

    with override("vi"):
        assert forms.DateField().clean("01/07/2025") == date(2025, 7, 1)
        assert forms.DateField().clean("2025-07-01") == date(2025, 7, 1)


def test_a_date_reads_the_same_on_the_page_in_the_admin_and_in_the_data_file(demo, staff_client):
    unit = Unit.objects.get(code="phuong-sap-nhap-minh-hoa")
    assert unit.valid_from == date(2025, 7, 1)
    page = staff_client.get(reverse("period-summary", args=[unit.code, 2026, "9m"]))
    assert "đơn vị hình thành ngày 01/07/2025" in page.content.decode()
    listing = staff_client.get(reverse("admin:indicators_unit_changelist"), {"q": unit.code})
    assert '<td class="field-valid_from nowrap">01/07/2025</td>' in listing.content.decode()
    data = staff_client.get(reverse("period-data", args=[unit.code, 2026, "9m"]))
    sheet = load_workbook(io.BytesIO(data.content))["units"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("valid_from") + 1
    cells = [
        sheet.cell(row=row, column=column)
        for row in range(2, sheet.max_row + 1)
        if sheet.cell(row=row, column=header.index("code") + 1).value == unit.code
    ]
    assert cells[0].value.date() == date(2025, 7, 1)
    assert cells[0].number_format == "dd/mm/yyyy"


def test_a_moment_reads_the_same_on_the_indicator_page_and_in_the_audit_trail(
    demo, staff_client, staff_user
):
    figure = Figure.objects.filter(unit=demo, year=2023, month=9, value__isnull=False).first()
    update_figure(
        figure_id=figure.pk,
        numbers={
            "value": figure.value + 1,
            "numerator": None,
            "denominator": None,
            "status": figure.status,
        },
        user=staff_user,
        source="admin",
    )
    changed = Figure.history.filter(id=figure.pk).latest("history_date").history_date
    written = date_format(timezone.localtime(changed), "DATETIME_FORMAT")
    assert " ngày " in written
    page = staff_client.get(
        reverse("indicator-detail", args=[demo.code, 2023, "9m", figure.indicator.code])
    )
    assert written in page.content.decode()
    trail = staff_client.get(
        reverse("admin:indicators_historicalfigure_changelist"), {"year": 2023, "month": 9}
    )
    assert written in trail.content.decode()
