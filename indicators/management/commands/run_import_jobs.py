"""Run queued import jobs (large workbook uploads): ``manage.py run_import_jobs``.

Needed when ``WARD_REPORT_IMPORT_RUNNER=worker``; with the default ("thread") the web process
runs its jobs itself and this command only picks up a job a restart left queued.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from indicators.exchange import jobs


class Command(BaseCommand):
    help = "Chạy các lượt nhập tệp lớn đang chờ (xem trước rồi nhập)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Chạy các lượt đang chờ rồi thoát.")
        parser.add_argument("--interval", type=float, default=2.0, help="Giây giữa hai lần xem.")

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        while True:
            count = jobs.run_queued()
            if count:
                self.stdout.write(f"{count} job(s) run")
            if once:
                return
            time.sleep(interval)
