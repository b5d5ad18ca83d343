"""Large workbook imports as background jobs: the upload's request answers in seconds.

A job is an :class:`~indicators.models.ImportJob` row and its file, kept under the job's id in
the private folder ``settings.WARD_REPORT_UPLOAD_DIR``. It runs twice: the preview (read, check,
plan: what the preview page of a small upload shows) and, once the user confirms, the import
(read, check and write again in one transaction, refused if the stored rows the preview
compared with changed since). Its file is deleted when the job no longer needs it.

Why not django-tasks: its database backend left the package (0.12 moved it to the separate
``django-tasks-db``, itself at 0.x), and a job here needs its own row anyway (its user, its
progress, what its page shows); a thread or the ``run_import_jobs`` command runs it.
``settings.WARD_REPORT_IMPORT_RUNNER`` chooses: "thread" (the web process starts a thread; the
default, so ``make run`` needs nothing else) or "worker" (the command picks queued jobs up).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.exchange.planner import plan_import
from indicators.exchange.reader import CellError, WorkbookRejected, read_workbook
from indicators.exchange.writer import import_workbook
from indicators.models import ImportJob

log = logging.getLogger(__name__)

SHOWN_ERRORS = 500  # errors kept for the job page
KEEP_FOR = timedelta(hours=24)  # a job's file (unconfirmed preview) and its row, at most
RUNNING_AT_MOST = timedelta(hours=1)  # a job running longer is taken as lost (process ended)

State, Step = ImportJob.State, ImportJob.Step


def upload_dir() -> Path:
    """The private folder for pending uploads (created 0700 on first use)."""
    folder = Path(settings.WARD_REPORT_UPLOAD_DIR)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def store(upload, path: Path) -> None:
    """Write an uploaded file to ``path``, readable by this process's user only (0600)."""
    upload.seek(0)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as pending:
        for chunk in upload.chunks():
            pending.write(chunk)


def job_path(job: ImportJob) -> Path:
    return upload_dir() / f"job-{job.pk}.xlsx"


def start_preview(*, user, upload, file_name: str) -> ImportJob:
    """Keep ``upload`` and queue its preview; the caller answers at once with the job page."""
    forget_old_jobs()
    job = ImportJob.objects.create(user=user, file_name=file_name)
    store(upload, job_path(job))
    dispatch(job)
    return job


def start_import(job: ImportJob) -> bool:
    """Queue the import of a previewed job; False when there is nothing (left) to import."""
    if not job.fingerprint or not job_path(job).exists():
        return False
    claimed = ImportJob.objects.filter(
        pk=job.pk, step=Step.PREVIEW, state=State.DONE, fingerprint=job.fingerprint
    ).update(step=Step.CONFIRM, state=State.QUEUED, rows_read=0, started_at=None)
    if claimed:
        job.refresh_from_db()
        dispatch(job)
    return bool(claimed)


def dispatch(job: ImportJob) -> None:
    if settings.WARD_REPORT_IMPORT_RUNNER == "thread":
        # After the commit: the thread's own connection must see the job's row.
        transaction.on_commit(
            lambda: threading.Thread(target=_run_in_thread, args=(job.pk,), daemon=True).start()
        )


def _run_in_thread(job_id) -> None:
    try:
        run(job_id)
    finally:
        connection.close()


def run_queued() -> int:
    """Run every queued job, oldest first (the worker's loop); returns how many ran."""
    forget_old_jobs()
    count = 0
    for job_id in ImportJob.objects.filter(state=State.QUEUED).values_list("pk", flat=True):
        if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its own
            close_old_connections()
        count += run(job_id)
    return count


def run(job_id) -> bool:
    """Run one queued job; False when it is not queued (another runner took it)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    job = ImportJob.objects.get(pk=job_id)
    path = job_path(job)
    keep_file = False
    try:
        if not path.exists():
            raise WorkbookRejected([CellError("", 0, "", _missing_file())])
        with path.open("rb") as file:
            if job.step == Step.PREVIEW:
                keep_file = _preview(job, file)
            else:
                _import(job, file)
        job.state = State.DONE
    except WorkbookRejected as rejected:
        job.result = {
            "errors": [_error(e) for e in rejected.errors[:SHOWN_ERRORS]],
            "error_count": len(rejected.errors),
        }
        job.state = State.DONE
    except Exception:
        log.exception("import job %s failed", job_id)
        job.result = {"failure": _("Lỗi hệ thống khi nhập; chưa ghi gì. Hãy báo quản trị.")}
        job.state = State.FAILED
    finally:
        if not keep_file:
            path.unlink(missing_ok=True)
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "result", "fingerprint", "finished_at", "rows_read"])
    return True


def _preview(job: ImportJob, file) -> bool:
    """Read and plan; True when the plan changes something (the file is kept for the import)."""
    raw = read_workbook(file, file_name=job.file_name, progress=_progress(job))
    planned_at = timezone.now()  # before the plan reads the stored rows
    plan = plan_import(raw, user=job.user)
    job.rows_read = sum(len(rows) for rows in raw.sheets.values())
    job.result = {
        "counts": _counts(plan.counts),
        "changes": plan.changes_anything,
        "planned_at": planned_at.isoformat(),
    }
    job.fingerprint = plan.fingerprint if plan.changes_anything else ""
    return plan.changes_anything


def _import(job: ImportJob, file) -> None:
    counts = import_workbook(
        file,
        file_name=job.file_name,
        user=job.user,
        expected=job.fingerprint,
        previewed_at=_planned_at(job),
        progress=_progress(job),
    )
    job.result = {"counts": _counts(counts), "imported": True}
    job.fingerprint = ""


def _planned_at(job: ImportJob) -> datetime | None:
    try:
        return datetime.fromisoformat((job.result or {}).get("planned_at"))
    except (TypeError, ValueError):
        return None


def _progress(job: ImportJob):
    def report(rows: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_read=rows)

    return report


def _counts(counts) -> dict[str, dict[str, int]]:
    return {
        key: {"created": c.created, "updated": c.updated, "unchanged": c.unchanged}
        for key, c in counts.items()
        if c.total
    }


def _error(error: CellError) -> dict[str, object]:
    return {
        "sheet": error.sheet,
        "sheet_label": error.sheet_label,
        "column_label": error.column_label,
        "row": error.row,
        "column": error.column,
        "letter": error.letter,
        "message": str(error.message),
    }


def _missing_file() -> str:
    return _("Không tìm thấy tệp đã tải lên (đã quá hạn?). Hãy tải lên lại.")


def is_lost(job: ImportJob) -> bool:
    """A job still "running" long after it started: its process ended (restart, kill)."""
    return (
        job.state == State.RUNNING
        and job.started_at is not None
        and timezone.now() - job.started_at > RUNNING_AT_MOST
    )


def forget_old_jobs() -> None:
    """Delete jobs (and their files) older than :data:`KEEP_FOR`."""
    for job in ImportJob.objects.filter(created_at__lt=timezone.now() - KEEP_FOR):
        job_path(job).unlink(missing_ok=True)
        job.delete()
