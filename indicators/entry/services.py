"""Writes that span several rows: a month's figures entered on one screen, a month's approval,
a role granted to a user.

Everything is validated before anything is written, and written in one transaction: a month is
saved whole or not at all. Every write checks the writer's role (``access``) and the month's
lock (``approval``), and leaves its source in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators import access, approval
from indicators.audit import FigureSnapshot
from indicators.models import Figure, Indicator, MonthApproval, RoleGrant, Unit

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class FigureEntry:
    """What a staff member typed for one indicator of one month. All None means "no figure"."""

    indicator: Indicator
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    status: str = Figure.Status.OFFICIAL
    delete: bool = False

    @property
    def is_blank(self) -> bool:
        return self.value is None and self.numerator is None and self.denominator is None


def validate_figure(
    indicator: Indicator,
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> dict[str, str]:
    """Check one figure against its indicator's kind. Returns {field: message}, empty if valid.

    Rules: a ratio needs both counts, a denominator above zero and a numerator not above it; any
    other kind needs a value, never negative; a percentage (``reported``) lies in 0–100
    inclusive.
    """
    errors: dict[str, str] = {}
    if indicator.kind == Indicator.Kind.RATIO:
        if value is not None:
            errors["value"] = _("Chỉ tiêu tỷ lệ nhập tử số và mẫu số, không nhập tỷ lệ.")
        if numerator is None:
            errors["numerator"] = _("Chưa nhập tử số (%(label)s).") % {
                "label": indicator.numerator_label or _("tử số")
            }
        elif numerator < 0:
            errors["numerator"] = _("Tử số không được âm.")
        if denominator is None:
            errors["denominator"] = _("Chưa nhập mẫu số (%(label)s).") % {
                "label": indicator.denominator_label or _("mẫu số")
            }
        elif denominator <= 0:
            errors["denominator"] = _("Mẫu số phải lớn hơn 0.")
        if not errors and numerator > denominator:
            errors["numerator"] = _(
                "Tử số (%(numerator)s) không được lớn hơn mẫu số (%(denominator)s)."
            ) % {"numerator": numerator, "denominator": denominator}
        return errors
    if numerator is not None or denominator is not None:
        errors["numerator"] = _("Chỉ tiêu này không có tử số/mẫu số; hãy nhập số liệu.")
    if value is None:
        errors["value"] = _("Chưa nhập số liệu.")
    elif value < 0:
        errors["value"] = _("%(name)s không được âm.") % {"name": indicator.name}
    elif indicator.kind == Indicator.Kind.REPORTED and value > HUNDRED:
        errors["value"] = _("Tỷ lệ không được vượt quá 100%.")
    return errors


def validate_target(indicator: Indicator, *, value: Decimal | None) -> str | None:
    """Check an annual target against its indicator. Returns a message, or None if valid.

    A target is never negative; a percentage target (``ratio`` or ``reported``) lies in 0–100
    inclusive.
    """
    if value is None:
        return _("Chưa nhập giá trị chỉ tiêu.")
    if value < 0:
        return _("Chỉ tiêu không được âm.")
    if indicator.is_percentage and value > HUNDRED:
        return _("Chỉ tiêu tỷ lệ không được vượt quá 100%.")
    return None


def validate_period(year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError(
            _("Tháng %(month)s không tồn tại (chỉ có tháng 1 đến 12).") % {"month": month}
        )
    if not 1900 <= year <= 2100:
        raise ValidationError(_("Năm %(year)s không hợp lệ.") % {"year": year})


@dataclass(frozen=True)
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


def figure_version(figure: Figure | None) -> str:
    """The version token the month grid carries for a figure: "" when there is none."""
    return "" if figure is None else f"{figure.pk}:{figure.updated_at.isoformat()}"


@dataclass(frozen=True)
class OtherEdit:
    """A figure someone else saved after the form was opened."""

    indicator: Indicator
    seen: FigureSnapshot | None  # what the form was opened with; None: no figure then
    now: FigureSnapshot | None  # what is saved now; None: deleted since
    changed_by: str  # "" when unknown
    changed_at: datetime | None


class ConcurrentEdit(Exception):
    """The month was saved by someone else since the form was opened; nothing was written."""

    def __init__(self, edits: list[OtherEdit]):
        self.edits = edits
        super().__init__(self.message)

    @property
    def message(self) -> str:
        names = sorted({e.changed_by for e in self.edits if e.changed_by}) or [_("người khác")]
        return _(
            "Chưa lưu: %(users)s đã lưu số liệu tháng này sau khi bạn mở trang. Những gì đã "
            "thay đổi ở bảng bên dưới; số bạn vừa nhập vẫn còn trong các ô. Xem lại rồi bấm "
            "“Lưu cả tháng” lần nữa nếu vẫn muốn ghi số của bạn."
        ) % {"users": ", ".join(names)}


def _other_edits(
    *, current: dict[int, Figure], expected: dict[int, str], indicators: dict[int, Indicator]
) -> list[OtherEdit]:
    """The figures whose version differs from ``expected``, with before/after (two queries)."""
    changed = [
        indicator_id
        for indicator_id in indicators
        if indicator_id in expected
        and expected[indicator_id] != figure_version(current.get(indicator_id))
    ]
    if not changed:
        return []
    seen_at: dict[int, tuple[int, datetime]] = {}
    for indicator_id in changed:
        pk, _sep, stamp = expected[indicator_id].partition(":")
        try:
            moment = datetime.fromisoformat(stamp)
            seen_at[indicator_id] = (int(pk), moment)
        except ValueError:
            continue
    figure_ids = {f.pk for i, f in current.items() if i in changed}
    figure_ids.update(pk for pk, _moment in seen_at.values())
    records = list(
        Figure.history.filter(id__in=figure_ids)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    edits = []
    for indicator_id in changed:
        figure = current.get(indicator_id)
        seen = seen_at.get(indicator_id)
        seen_record = next(
            (r for r in reversed(records) if seen and (r.id, r.updated_at) == seen), None
        )
        ids = {figure.pk} if figure else ({seen[0]} if seen else set())
        latest = next((r for r in reversed(records) if r.id in ids), None)
        edits.append(
            OtherEdit(
                indicator=indicators[indicator_id],
                seen=FigureSnapshot.of(seen_record) if seen_record else None,
                now=FigureSnapshot.of(figure) if figure else None,
                changed_by=latest.history_user.get_username()
                if latest and latest.history_user
                else "",
                changed_at=latest.history_date if latest else None,
            )
        )
    return edits


@transaction.atomic
def save_month(
    *,
    unit: Unit,
    year: int,
    month: int,
    entries: list[FigureEntry],
    user=None,
    source: str = "form",
    expected_versions: dict[int, str] | None = None,
) -> SaveResult:
    """Save a whole month of one unit's figures at once.

    A blank entry leaves an existing figure as it is; ``delete`` removes it. Writes nothing
    and raises:

    - ``ValidationError`` (keyed by indicator code) if any entry is invalid;
    - ``PermissionDenied`` if ``user`` is given and may not enter figures for ``unit``;
    - ``approval.MonthLocked`` (a ``ValidationError``) if the month is approved;
    - ``ConcurrentEdit`` if ``expected_versions`` (indicator id → :func:`figure_version` when
      the form was opened) no longer match what is saved.

    ``source`` ("form", "import: <file>") is stored on the figure and in its history.
    """
    validate_period(year, month)
    errors = {}
    for entry in entries:
        if entry.delete or entry.is_blank:
            continue
        problems = validate_figure(
            entry.indicator,
            value=entry.value,
            numerator=entry.numerator,
            denominator=entry.denominator,
        )
        if problems:
            errors[entry.indicator.code] = list(problems.values())
    if errors:
        raise ValidationError(errors)
    if user is not None:
        access.require(user, "enter", unit)

    approval.lock_units(unit)
    approval.assert_open(unit=unit, year=year, month=month)
    existing = {
        f.indicator_id: f
        for f in Figure.objects.select_for_update().filter(unit=unit, year=year, month=month)
    }
    if expected_versions is not None:
        edits = _other_edits(
            current=existing,
            expected=expected_versions,
            indicators={e.indicator.id: e.indicator for e in entries},
        )
        if edits:
            raise ConcurrentEdit(edits)

    created = updated = deleted = unchanged = 0
    for entry in entries:
        figure = existing.get(entry.indicator.id)
        if entry.delete:
            if figure is not None:
                # The deletion's history row records who deleted it and from where.
                figure.entered_by, figure.source = user, source
                stamp_history(figure, user, source)
                figure.delete()
                deleted += 1
            continue
        if entry.is_blank:
            continue
        new_values = {
            "value": entry.value,
            "numerator": entry.numerator,
            "denominator": entry.denominator,
            "status": entry.status,
        }
        if figure is None:
            figure = Figure(
                unit=unit,
                indicator=entry.indicator,
                year=year,
                month=month,
                entered_by=user,
                source=source,
                **new_values,
            )
            stamp_history(figure, user, source)
            figure.save()
            created += 1
        elif any(getattr(figure, k) != v for k, v in new_values.items()):
            for key, value in new_values.items():
                setattr(figure, key, value)
            figure.entered_by = user
            figure.source = source
            stamp_history(figure, user, source)
            figure.save()
            updated += 1
        else:
            unchanged += 1
    return SaveResult(created=created, updated=updated, deleted=deleted, unchanged=unchanged)


def stamp_history(row, user, source: str) -> None:
    """Tell django-simple-history who is writing ``row`` and from where."""
    if user is not None:
        row._history_user = user
    row._change_reason = source


def model_update(*, instance, data: dict, user=None, source: str) -> list[str]:
    """Compare, then save: set ``data`` on ``instance`` and save only the fields that differ.

    Returns the names of the fields that changed; nothing is written (and no audit row is
    added) when none did. Give foreign keys by their ``…_id`` attribute, so that comparing
    reads no row.
    """
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(instance, name, data[name])
    stamp_history(instance, user, source)
    # ``auto_now`` stamps (a figure's ``updated_at``, the grid's version token) are set by
    # ``save`` itself, but only written when named.
    stamps = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
    instance.save(update_fields=changed + [name for name in stamps if name not in changed])
    return changed


# --- Approval -----------------------------------------------------------------------------

Status = MonthApproval.Status


def _month_name(unit: Unit, year: int, month: int) -> dict:
    return {"month": month, "year": year, "unit": unit.name}


@transaction.atomic
def _move_month(
    *,
    unit: Unit,
    year: int,
    month: int,
    user,
    action: str,
    refused_from: dict[str, str],
    to: str,
    reason: str = "",
    source: str = "admin",
) -> MonthApproval:
    """Move a month's approval to ``to``; ``refused_from`` maps each current state from which
    the move is refused to the message saying why."""
    validate_period(year, month)
    access.require(user, action, unit)
    approval.lock_units(unit)
    row = MonthApproval.objects.filter(unit=unit, year=year, month=month).first()
    current = row.status if row else Status.OPEN
    if current in refused_from:
        raise ValidationError(refused_from[current] % _month_name(unit, year, month))
    if row is None:
        row = MonthApproval(unit=unit, year=year, month=month)
    row.status, row.changed_by, row.reason = to, user, reason
    stamp_history(row, user, source)
    row.save()
    return row


def submit_month(*, unit: Unit, year: int, month: int, user, source: str = "admin"):
    """open → submitted: the month's figures are ready for the approver."""
    return _move_month(
        unit=unit,
        year=year,
        month=month,
        user=user,
        action="submit",
        to=Status.SUBMITTED,
        source=source,
        refused_from={
            Status.SUBMITTED: _("Tháng %(month)d/%(year)d của %(unit)s đã được gửi duyệt."),
            Status.APPROVED: _("Tháng %(month)d/%(year)d của %(unit)s đã được phê duyệt."),
        },
    )


def approve_month(*, unit: Unit, year: int, month: int, user, source: str = "admin"):
    """submitted → approved: the month's figures (the unit's and its sub-units') are locked."""
    return _move_month(
        unit=unit,
        year=year,
        month=month,
        user=user,
        action="approve",
        to=Status.APPROVED,
        source=source,
        refused_from={
            Status.OPEN: _(
                "Tháng %(month)d/%(year)d của %(unit)s chưa được gửi duyệt; "
                "phải gửi duyệt trước khi phê duyệt."
            ),
            Status.APPROVED: _("Tháng %(month)d/%(year)d của %(unit)s đã được phê duyệt."),
        },
    )


def reopen_month(*, unit: Unit, year: int, month: int, user, reason: str, source: str = "admin"):
    """submitted or approved → open, with the reason written down; unlocks the figures."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Phải ghi lý do mở lại số liệu đã gửi duyệt hoặc đã phê duyệt."))
    return _move_month(
        unit=unit,
        year=year,
        month=month,
        user=user,
        action="reopen",
        to=Status.OPEN,
        reason=reason,
        source=source,
        refused_from={
            Status.OPEN: _("Tháng %(month)d/%(year)d của %(unit)s đang mở, không cần mở lại."),
        },
    )


# --- Roles --------------------------------------------------------------------------------


@transaction.atomic
def grant_role(*, user, unit: Unit, role: str) -> RoleGrant:
    """Give ``user`` a role on ``unit`` (and everything under it).

    The admin site only lets in staff, and every role works in the admin (entry, approval,
    lists), so a grant also marks the user as staff. Django's model permissions are not used:
    what a user may do comes from the grants alone.
    """
    grant, _created = RoleGrant.objects.get_or_create(user=user, unit=unit, role=role)
    access.forget(user)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return grant
