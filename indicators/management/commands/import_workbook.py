"""``manage.py import_workbook FILE.xlsx``: all or nothing, every error listed."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from indicators.exchange import WorkbookRejected, import_workbook, plan_import, read_workbook
from indicators.exchange.schema import SHEETS, sheet_label


class Command(BaseCommand):
    help = "Import units, the catalogue, targets and figures from an .xlsx workbook."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument(
            "--user", help="record this user as who entered the figures, and check their rights"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--language", default="vi", choices=["vi", "en"])

    def handle(self, *args, **options):
        path = Path(options["file"])
        with translation.override(options["language"]):
            user = None
            if options["user"]:
                user = get_user_model().objects.filter(username=options["user"]).first()
                if user is None:
                    raise CommandError(
                        _("Không có người dùng “%(name)s”.") % {"name": options["user"]}
                    )
            try:
                with path.open("rb") as file:
                    if options["dry_run"]:
                        raw = read_workbook(file, file_name=path.name)
                        counts = plan_import(raw, user=user).counts
                    else:
                        counts = import_workbook(file, file_name=path.name, user=user)
            except OSError as error:
                raise CommandError(
                    _("Không đọc được tệp %(file)s: %(error)s") % {"file": path, "error": error}
                ) from None
            except WorkbookRejected as rejected:
                for error in rejected.errors:
                    self.stderr.write(str(error))
                raise CommandError(
                    _("Không nhập gì: %(count)d lỗi trong %(file)s.")
                    % {"count": len(rejected.errors), "file": path.name}
                ) from None
            for key in SHEETS:
                count = counts[key]
                if count.total:
                    self.stdout.write(
                        _("%(sheet)s: %(created)d mới, %(updated)d sửa, %(unchanged)d không đổi")
                        % {
                            "sheet": sheet_label(key),
                            "created": count.created,
                            "updated": count.updated,
                            "unchanged": count.unchanged,
                        }
                    )
            if options["dry_run"]:
                self.stdout.write(_("(Chạy thử: chưa ghi gì.)"))
