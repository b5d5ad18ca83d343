from django.core.management.base import BaseCommand

from indicators.demo import load_catalogue


class Command(BaseCommand):
    help = "Create the shipped indicator catalogue's areas and indicators that are missing."

    def handle(self, *args, **options):
        created = load_catalogue()
        self.stdout.write(self.style.SUCCESS(f"Catalogue loaded: {created} new indicators."))
