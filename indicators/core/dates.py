"""The one written form of dates and moments, for what is not a Django template.

Pages and the admin get it from Django's format localisation (``indicators/formats/vi``):
a date is "01/12/2026", a moment "14:29 ngày 01/12/2026". A spreadsheet cell keeps its value
as a real date (it sorts and filters as one) and shows it in the same form through its
number format. Signed documents are the exception: Decree 30/2020/NĐ-CP writes "ngày 05
tháng 10 năm 2023" (``reporting.report_details.decree_date``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils.formats import date_format
from django.utils.timezone import localtime

EXCEL_DATE_FORMAT = "dd/mm/yyyy"
EXCEL_DATETIME_FORMAT = 'hh:mm "ngày" dd/mm/yyyy'


def excel_number_format(value: object) -> str | None:
    """The number format a cell holding ``value`` needs; None for anything but a date."""
    if isinstance(value, datetime):
        return EXCEL_DATETIME_FORMAT
    if isinstance(value, date):
        return EXCEL_DATE_FORMAT
    return None


def written_date(day: date) -> str:
    """A date in the active language's one form ("01/07/2025" in Vietnamese), for messages
    built in Python."""
    return date_format(day, "DATE_FORMAT")


def written_moment(moment: datetime) -> str:
    """A moment in the site's time zone and the active language's one form ("14:29 ngày
    01/12/2026" in Vietnamese), for messages built in Python."""
    return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")
