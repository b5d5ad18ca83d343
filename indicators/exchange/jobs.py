"""Large workbook imports as background jobs: the upload's request answers in seconds.

A job is an :class:`~indicators.models.ImportJob` row and its file, a
:class:`~indicators.models.PendingUpload` row (the bytes in the database, so that any app
replica or worker can read it: nothing waits on one machine's disk). It runs twice: the
preview (read, check, plan: what the preview page of a small upload shows) and, once the user
confirms, the import (read, check and write again in one transaction, refused if the stored
rows the preview compared with changed since). Its file is deleted when the job no longer
needs it.

Why not django-tasks: its database backend left the package (0.12 moved it to the separate
``django-tasks-db``, itself at 0.x), and a job here needs its own row anyway (its user, its
progress, what its page shows); a thread or the ``run_import_jobs`` command runs it.
``settings.WARD_REPORT_IMPORT_RUNNER`` chooses: "thread" (the web process starts a thread; the
default, so ``make run`` needs nothing else) or "worker" (the command picks queued jobs up;
several workers may run: each claims a job with ``SELECT … FOR UPDATE SKIP LOCKED``, so two never
take the same one and none waits for another's).
"""

from __future__ import annotations

import io
import logging
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.exchange.planner import plan_import
from indicators.exchange.reader import CellError, WorkbookRejected, read_workbook
from indicators.exchange.writer import import_workbook
from indicators.models import ImportJob, PendingUpload

log = logging.getLogger(__name__)

SHOWN_ERRORS = 500  # errors kept for the job page
KEEP_FOR = timedelta(hours=24)  # an upload (unconfirmed preview) and a job's row, at most
RUNNING_AT_MOST = timedelta(hours=1)  # a job running longer is taken as lost (process ended)

State, Step = ImportJob.State, ImportJob.Step


def store(upload, *, user, file_name: str) -> PendingUpload:
    """Keep an uploaded file's bytes in the database until its import no longer needs them."""
    upload.seek(0)
    content = b"".join(upload.chunks())
    return PendingUpload.objects.create(user=user, file_name=file_name, content=content)


def opened(pending: PendingUpload) -> io.BytesIO:
    """The stored file, to read as the uploaded one was read."""
    return io.BytesIO(bytes(pending.content))


def start_preview(*, user, upload, file_name: str) -> ImportJob:
    """Keep ``upload`` and queue its preview; the caller answers at once with the job page."""
    forget_old_uploads()
    with transaction.atomic():
        pending = store(upload, user=user, file_name=file_name)
        job = ImportJob.objects.create(user=user, file_name=file_name, upload=pending)
    dispatch(job)
    return job


def start_import(job: ImportJob) -> bool:
    """Queue the import of a previewed job; False when there is nothing (left) to import."""
    if not job.fingerprint or job.upload_id is None:
        return False
    claimed = ImportJob.objects.filter(
        pk=job.pk,
        step=Step.PREVIEW,
        state=State.DONE,
        fingerprint=job.fingerprint,
        upload__isnull=False,
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
    """Run queued jobs, oldest first, until none is left (the worker's loop); returns how many
    this process ran. Another worker's job is skipped, not waited for."""
    forget_old_uploads()
    count = 0
    while True:
        if not connection.in_atomic_block:  # a caller's transaction (a test) keeps its own
            close_old_connections()
        job = claim_next()
        if job is None:
            return count
        _execute(job)
        count += 1


def claim_next() -> ImportJob | None:
    """Take the oldest queued job no other worker holds, and mark it running."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(state=State.QUEUED)
            .order_by("created_at")
            .first()
        )
        if job is None:
            return None
        job.state, job.started_at = State.RUNNING, timezone.now()
        job.save(update_fields=["state", "started_at"])
    return job


def run(job_id) -> bool:
    """Run one queued job; False when it is not queued (another runner took it)."""
    claimed = ImportJob.objects.filter(pk=job_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return False
    _execute(ImportJob.objects.get(pk=job_id))
    return True


def _execute(job: ImportJob) -> None:
    """Preview or import a claimed job, then record what its page shows."""
    pending = PendingUpload.objects.filter(pk=job.upload_id).first()
    keep_file = False
    try:
        if pending is None:
            raise WorkbookRejected([CellError("", 0, "", _missing_file())])
        file = opened(pending)
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
        log.exception("import job %s failed", job.pk)
        job.result = {"failure": _("Lỗi hệ thống khi nhập; chưa ghi gì. Hãy báo quản trị.")}
        job.state = State.FAILED
    finally:
        if not keep_file and pending is not None:
            pending.delete()  # the job's link is set to null by the database's rule
            job.upload = None
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "result", "fingerprint", "finished_at", "rows_read", "upload"])


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


def forget_old_uploads() -> None:
    """Delete uploads and jobs older than :data:`KEEP_FOR` (a preview never confirmed)."""
    cutoff = timezone.now() - KEEP_FOR
    PendingUpload.objects.filter(created_at__lt=cutoff).delete()
    ImportJob.objects.filter(created_at__lt=cutoff).delete()
