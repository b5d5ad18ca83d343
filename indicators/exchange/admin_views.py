"""The admin's workbook import: upload, preview what would change, confirm.

Between the preview and the confirmation the uploaded file waits in the database (a
:class:`~indicators.models.PendingUpload`, so the confirmation may reach another app replica
than the preview did) under a random id bound to the user and the session; the confirmation
reads, checks and writes it again in one transaction, under the units' row locks, and is
refused when the stored rows the preview compared with changed since: what was previewed is
what gets written, or nothing is.

Every upload is answered in seconds: a user who may import nothing is refused before the file
is read, a file past the limits is refused after a quick count of its rows, and a large file
(:data:`INLINE_SHEET_BYTES`) is previewed and imported by a background job
(:mod:`indicators.exchange.jobs`) whose page shows its progress.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import access
from indicators.exchange import WorkbookRejected, import_workbook, jobs, plan_import, read_workbook
from indicators.exchange.planner import KEEP, Change, ImportPlan
from indicators.exchange.reader import MAX_FILE_BYTES, check_limits, import_sheet_bytes
from indicators.exchange.schema import SHEETS, sheet_label
from indicators.exchange.template import import_workbook_file
from indicators.models import ImportJob, PendingUpload
from indicators.reporting.export_views import xlsx_response

# Sheets of more than this (uncompressed XML, about 8,000 figure rows) are read by a job: a
# preview in the request takes about a second per 1 MB on a loaded two-core server.
INLINE_SHEET_BYTES = 2 * 1024 * 1024
PREVIEW_ROWS = 50  # changed rows listed per sheet in the preview
SHOWN_ERRORS = 500
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp Excel (.xlsx)"),
        error_messages={
            "required": gettext_lazy("Hãy chọn một tệp."),
            "empty": gettext_lazy("Tệp rỗng."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Tệp quá lớn; giới hạn là %(limit)d MB.")
                % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


def _safe_name(name: str) -> str:
    return os.path.basename(name or "").strip()[:150] or "workbook.xlsx"


def _pending(user, token: str) -> PendingUpload | None:
    """The user's upload kept under ``token``; None for a malformed, unknown or other's token."""
    if not _TOKEN.match(token):
        return None
    return PendingUpload.objects.filter(pk=token, user=user).first()


def may_import(user) -> bool:
    """Whether ``user`` may change anything by an import (figures or the catalogue)."""
    return any(
        access.has_role_anywhere(user, a) for a in (access.Action.ENTER, access.Action.MANAGE)
    )


def _ctx(request: HttpRequest, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": _("Nhập số liệu từ Excel"),
        "sheets": SHEETS,
        **extra,
    }


def _refused(request: HttpRequest, name: str, rejected: WorkbookRejected) -> HttpResponse:
    """The upload page again, with the workbook's errors (the first ``SHOWN_ERRORS``)."""
    ctx = _ctx(
        request,
        form=UploadForm(),
        file_name=name,
        errors=rejected.errors[:SHOWN_ERRORS],
        error_count=len(rejected.errors),
    )
    return TemplateResponse(request, "admin/indicators/import_upload.html", ctx)


def _may_not_import(request: HttpRequest) -> HttpResponse:
    ctx = _ctx(request, refusal=_("Bạn không có quyền nhập số liệu hay sửa danh mục."))
    return TemplateResponse(request, "admin/indicators/import_upload.html", ctx, status=403)


def upload_view(request: HttpRequest) -> HttpResponse:
    """Upload a workbook; show every error, or a preview of what importing it would change
    (for a large file: the page of the job that previews it)."""
    if not may_import(request.user):  # before the request's body is read
        return _may_not_import(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(
            request, "admin/indicators/import_upload.html", _ctx(request, form=form)
        )
    upload = form.cleaned_data["file"]
    name = _safe_name(upload.name)
    try:
        check_limits(upload)
        if import_sheet_bytes(upload) > INLINE_SHEET_BYTES:
            job = jobs.start_preview(user=request.user, upload=upload, file_name=name)
            return redirect("indicators-import-job", job.pk)
        previewed_at = timezone.now()  # before the plan reads the stored rows
        plan = plan_import(read_workbook(upload, file_name=name), user=request.user)
    except WorkbookRejected as rejected:
        return _refused(request, name, rejected)
    token = ""
    if plan.changes_anything:
        jobs.forget_old_uploads()
        token = jobs.store(upload, user=request.user, file_name=name).pk.hex
        # What the preview showed, to refuse the confirmation if stored rows change meanwhile.
        request.session[f"import-{token}"] = {
            "name": name,
            "plan": plan.fingerprint,
            "at": previewed_at.isoformat(),
        }
    counts = plan.counts
    preview = [
        {
            "key": key,
            "label": sheet_label(key),
            "counts": counts[key],
            "changes": [
                _named(plan, change)
                for change in plan.changes.get(key, [])
                if change.action != KEEP
            ][:PREVIEW_ROWS],
        }
        for key in SHEETS
        if counts[key].total
    ]
    ctx = _ctx(request, file_name=name, token=token, preview=preview, plan=plan)
    return TemplateResponse(request, "admin/indicators/import_preview.html", ctx)


def _named(plan: ImportPlan, change: Change) -> dict:
    """A planned change as the preview lists it: the codes it names, each with its name."""
    record = change.record
    references = {
        column.name: {"code": code, "name": plan.name_of(column.references, code)}
        for column in SHEETS[record.sheet].columns
        if column.references and (code := record.values.get(column.name))
    }
    return {
        "change": change,
        "record": record,
        "name": record.values.get("name", ""),
        **references,
    }


def confirm_view(request: HttpRequest) -> HttpResponse:
    """Write the previewed workbook: all of it, or on any error nothing."""
    if not may_import(request.user):
        return _may_not_import(request)
    if request.method != "POST":
        return redirect("indicators-import")
    token = request.POST.get("token", "")
    pending_import = request.session.get(f"import-{token}") if _TOKEN.match(token) else None
    # (an upload previewed before this version kept only its name: upload it again)
    name = pending_import.get("name") if isinstance(pending_import, dict) else None
    pending = _pending(request.user, token) if name else None
    if pending is None:
        messages.error(request, _("Không tìm thấy tệp đã tải lên (đã quá hạn?). Hãy tải lên lại."))
        return redirect("indicators-import")
    try:
        counts = import_workbook(
            jobs.opened(pending),
            file_name=name,
            user=request.user,
            expected=pending_import["plan"],
            previewed_at=_moment(pending_import.get("at")),
        )
    except WorkbookRejected as rejected:
        return _refused(request, name, rejected)
    finally:
        pending.delete()
        request.session.pop(f"import-{token}", None)
    summary = "; ".join(
        _("%(sheet)s: %(created)d mới, %(updated)d sửa")
        % {"sheet": sheet_label(key), "created": c.created, "updated": c.updated}
        for key, c in counts.items()
        if c.created or c.updated
    )
    messages.success(
        request, _("Đã nhập %(file)s. %(summary)s.") % {"file": name, "summary": summary}
    )
    return redirect("indicators-import")


def _moment(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def job_view(request: HttpRequest, job_id) -> HttpResponse:
    """A large import's page: its progress while it runs (the page reloads itself), then the
    preview (with the button that starts the import) or the errors, then what was imported."""
    job = get_object_or_404(ImportJob, pk=job_id, user=request.user)
    result = job.result or {}
    ctx = _ctx(
        request,
        job=job,
        running=job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING)
        and not jobs.is_lost(job),
        lost=jobs.is_lost(job),
        counts=result.get("counts", {}),
        counted=[(sheet_label(k), c) for k, c in result.get("counts", {}).items()],
        errors=result.get("errors", []),
        error_count=result.get("error_count", 0),
        failure=result.get("failure", ""),
        imported=result.get("imported", False),
        can_confirm=bool(job.fingerprint) and job.state == ImportJob.State.DONE,
    )
    return TemplateResponse(request, "admin/indicators/import_job.html", ctx)


def job_confirm_view(request: HttpRequest, job_id) -> HttpResponse:
    """Start a previewed job's import (POST); the job page shows how it goes."""
    job = get_object_or_404(ImportJob, pk=job_id, user=request.user)
    if request.method == "POST" and may_import(request.user) and not jobs.start_import(job):
        messages.error(request, _("Không tìm thấy tệp đã tải lên (đã quá hạn?). Hãy tải lên lại."))
        return redirect("indicators-import")
    return redirect("indicators-import-job", job.pk)


def template_view(request: HttpRequest) -> HttpResponse:
    return xlsx_response(import_workbook_file(), "mau-nhap-so-lieu.xlsx")


def urls() -> list:
    """Mounted at /admin/indicators/import/ (before the admin's own URLs)."""
    return [
        path("", admin.site.admin_view(upload_view), name="indicators-import"),
        path("confirm/", admin.site.admin_view(confirm_view), name="indicators-import-confirm"),
        path("jobs/<uuid:job_id>/", admin.site.admin_view(job_view), name="indicators-import-job"),
        path(
            "jobs/<uuid:job_id>/confirm/",
            admin.site.admin_view(job_confirm_view),
            name="indicators-import-job-confirm",
        ),
        path(
            "template.xlsx",
            admin.site.admin_view(template_view),
            name="indicators-import-template",
        ),
    ]
