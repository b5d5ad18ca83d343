from django.core.management.base import BaseCommand, CommandError

from indicators.core.numbers import format_number
from indicators.entry.services import stored_breaches


class Command(BaseCommand):
    help = (
        "List the stored figures that break the entry rules: entered at a unit whose level does "
        "not enter the indicator, or with more decimals than the indicator allows. Deletes "
        "nothing; exits with status 1 when any is found."
    )

    def handle(self, *args, **options):
        breaches = stored_breaches()
        for breach in breaches:
            figure = breach.figure
            number = (
                format_number(figure.value)
                if figure.value is not None
                else f"{format_number(figure.numerator)}/{format_number(figure.denominator)}"
            )
            self.stdout.write(
                f"{figure.unit.code}\t{figure.indicator.code}\t{figure.month}/{figure.year}"
                f"\t{number}\t{breach.message}"
            )
        if breaches:
            raise CommandError(
                f"{len(breaches)} stored figure(s) break the entry rules; nothing was changed."
            )
        self.stdout.write(self.style.SUCCESS("Every stored figure keeps the entry rules."))
