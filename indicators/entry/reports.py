"""The one write path of a period's written sections and report details (``PeriodReport``).

The dashboard's edit form and the admin both call :func:`save_period_report`, which locks the
unit's chain first, then checks the writer's right and the period's approval, validates
everything, and only then writes through ``services.model_update``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import access, approval
from indicators.access import Action
from indicators.core.periods import Period
from indicators.entry.services import model_update, stamp_history
from indicators.models import PeriodReport, SignerCapacity, Unit

TEXT_FIELDS = ("results", "shortcomings", "tasks", "recipients")
LINE_FIELDS = ("document_number", "place", "signer_name", "signer_title")
FIELDS = (*TEXT_FIELDS, *LINE_FIELDS, "issued_on", "signer_capacity")
TEXT_LIMIT = 20_000  # characters in one written section: a long report's part, not a book
EARLIEST_DATE = date(1990, 1, 1)


@dataclass(frozen=True)
class ReportEntry:
    """What a staff member typed for a unit's period report; text already stripped."""

    results: str = ""
    shortcomings: str = ""
    tasks: str = ""
    recipients: str = ""
    document_number: str = ""
    place: str = ""
    signer_name: str = ""
    signer_title: str = ""
    issued_on: date | None = None
    signer_capacity: str = SignerCapacity.ON_BEHALF


def locked_report_message(*, unit: Unit, period: Period) -> str:
    return _(
        "Số liệu %(period)s của %(unit)s đã được phê duyệt nên nội dung báo cáo kỳ "
        "này đã khóa. Người phê duyệt phải mở lại một tháng của kỳ, có ghi lý do."
    ) % {"period": period.label(), "unit": unit.name}


def is_locked(*, unit: Unit, period: Period) -> bool:
    """Written sections are locked once every month of their period is approved."""
    return approval.approval_state(unit, period) == approval.APPROVED


def validate_report(entry: ReportEntry) -> dict[str, str]:
    """{field: Vietnamese message} for what cannot be saved; empty when all is well.

    A document number is digits only (the "/BC-UBND" is printed after it); one-line fields
    hold no line break and fit their column; a written section holds at most
    ``TEXT_LIMIT`` characters; the date lies between 1990 and 2100, both inclusive.
    """
    errors: dict[str, str] = {}
    limits = {field.name: field.max_length for field in PeriodReport._meta.fields}
    for name in LINE_FIELDS:
        value = getattr(entry, name)
        if "\n" in value or "\r" in value:
            errors[name] = _("Trường này chỉ có một dòng.")
        elif len(value) > limits[name]:
            errors[name] = _("Tối đa %(limit)d ký tự (đang có %(length)d).") % {
                "limit": limits[name],
                "length": len(value),
            }
    if entry.document_number and not entry.document_number.isdigit():
        errors["document_number"] = _(
            "Số văn bản chỉ gồm chữ số, ví dụ 125; phần “/BC-UBND” được in tự động."
        )
    for name in TEXT_FIELDS:
        if len(getattr(entry, name)) > TEXT_LIMIT:
            errors[name] = _("Tối đa %(limit)d ký tự (đang có %(length)d).") % {
                "limit": TEXT_LIMIT,
                "length": len(getattr(entry, name)),
            }
    if entry.issued_on is not None and not EARLIEST_DATE <= entry.issued_on <= date(2100, 12, 31):
        errors["issued_on"] = _("Ngày ban hành phải từ năm 1990 đến năm 2100.")
    if entry.signer_capacity not in SignerCapacity.values:
        errors["signer_capacity"] = _("Thẩm quyền ký không hợp lệ.")
    return errors


def report_has_content(entry: ReportEntry) -> bool:
    """False when every field is blank and the capacity is the default one."""
    typed = any(getattr(entry, name) for name in (*TEXT_FIELDS, *LINE_FIELDS, "issued_on"))
    return typed or entry.signer_capacity != SignerCapacity.ON_BEHALF


@transaction.atomic
def save_period_report(
    *, unit: Unit, period: Period, entry: ReportEntry, user, source: str = "form"
) -> tuple[PeriodReport, list[str]]:
    """Write ``unit``'s written sections and report details for ``period``.

    Returns the report and the names of the fields that changed (empty: nothing written).
    Raises ``PermissionDenied`` without the right to enter ``unit``'s data, and
    ``ValidationError`` (nothing written) when the period is approved or the entry invalid.
    """
    approval.lock_unit_ids([unit.pk])
    access.require(user, Action.ENTER, unit)
    if is_locked(unit=unit, period=period):
        raise ValidationError(locked_report_message(unit=unit, period=period))
    errors = validate_report(entry)
    if errors:
        raise ValidationError(errors)
    data = {name: getattr(entry, name) for name in FIELDS}
    report = (
        PeriodReport.objects.select_for_update()
        .filter(unit=unit, year=period.year, period=period.key)
        .first()
    )
    if report is None:
        if not report_has_content(entry):  # a form saved untouched adds no empty row
            return PeriodReport(unit=unit, year=period.year, period=period.key), []
        report = PeriodReport(
            unit=unit, year=period.year, period=period.key, updated_by=user, **data
        )
        stamp_history(report, user, source)
        report.save()
        return report, list(FIELDS)
    if all(getattr(report, name) == value for name, value in data.items()):
        return report, []  # nothing edited: no write, no audit row
    # Who saved and when change with every edit; model_update saves only the fields it is
    # given, so both are given with the edit.
    changed = model_update(
        instance=report,
        data={**data, "updated_by_id": user.pk, "updated_at": timezone.now()},
        user=user,
        source=source,
    )
    return report, [name for name in changed if name in FIELDS]
