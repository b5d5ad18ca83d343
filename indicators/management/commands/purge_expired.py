from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from indicators.exchange import jobs


class Command(BaseCommand):
    help = (
        "Delete ended sessions (as clearsessions does) and login records (django-axes: "
        "attempts, failures, the access log) older than LOGIN_RECORDS_RETENTION_DAYS, and "
        "workbook uploads (and their import jobs) older than a day. "
        "Run daily, from cron or a scheduled job."
    )

    def handle(self, *args, **options):
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        jobs.forget_old_uploads()
        cutoff = timezone.now() - timedelta(days=settings.LOGIN_RECORDS_RETENTION_DAYS)
        deleted = sum(
            model.objects.filter(attempt_time__lt=cutoff).delete()[0]
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        )
        self.stdout.write(
            f"Ended sessions deleted; {deleted} login records older than "
            f"{settings.LOGIN_RECORDS_RETENTION_DAYS} days deleted; uploads older than a day "
            "deleted."
        )
