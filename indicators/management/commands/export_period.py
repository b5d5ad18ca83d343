"""``manage.py export_period <unit-code> <year> <period> -o FILE.xlsx`` for scheduled runs;
``--docx -o FILE.docx`` writes the Word report instead, ``--data`` the import layout."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from indicators.core.periods import InvalidPeriod, parse_period
from indicators.exchange.data_file import period_data
from indicators.exchange.template import import_workbook_file
from indicators.models import Unit
from indicators.reporting.document import period_document
from indicators.reporting.export_rows import period_export
from indicators.reporting.workbook import period_workbook


class Command(BaseCommand):
    help = "Write a unit's period workbook (consolidated for a unit with child units)."

    def add_arguments(self, parser):
        parser.add_argument("unit", help="unit code, e.g. chanh-lo")
        parser.add_argument("year", help="e.g. 2023")
        parser.add_argument("period", help="m1…m12, q1…q4, 6m, 9m, y, ytd1…ytd12")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx or .docx to write")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument(
            "--data",
            action="store_true",
            help="write the import layout (for import_workbook) instead of the report",
        )
        kind.add_argument(
            "--docx",
            action="store_true",
            help="write the Word report (Decree 30/2020 layout) instead of the workbook",
        )
        parser.add_argument("--language", default="vi", choices=["vi", "en"])

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(
                    _("Không có đơn vị có mã “%(code)s”.") % {"code": options["unit"]}
                )
            try:
                period = parse_period(options["period"], options["year"])
            except InvalidPeriod as error:
                raise CommandError(str(error)) from None
            if options["data"]:
                written = import_workbook_file(
                    period_data(unit=unit, period=period).sheets, keys=True
                )
            elif options["docx"]:
                written = period_document(period_export(unit=unit, period=period))
            else:
                written = period_workbook(period_export(unit=unit, period=period))
            output = Path(options["output"])
            try:
                written.save(output)
            except OSError as error:
                raise CommandError(
                    _("Không ghi được tệp %(file)s: %(error)s") % {"file": output, "error": error}
                ) from None
        self.stdout.write(f"{output}: {unit.name}, {period.label()}")
