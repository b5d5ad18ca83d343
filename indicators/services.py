"""Writes that span several rows: a month's figures entered on one screen.

Everything is validated before anything is written, and written in one transaction: a month is
saved whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Figure, Indicator, Unit

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
        errors["value"] = _("Tỷ lệ không được vượt quá 100%%.")
    return errors


def validate_period(year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValidationError(_("Tháng %(month)s không tồn tại (chỉ có tháng 1 đến 12).") % {
            "month": month
        })
    if not 1900 <= year <= 2100:
        raise ValidationError(_("Năm %(year)s không hợp lệ.") % {"year": year})


@dataclass(frozen=True)
class SaveResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@transaction.atomic
def save_month(
    *,
    unit: Unit,
    year: int,
    month: int,
    entries: list[FigureEntry],
    user=None,
    source: str = "form",
) -> SaveResult:
    """Save a whole month of one unit's figures at once.

    A blank entry leaves an existing figure as it is; ``delete`` removes it. Raises
    ``ValidationError`` (keyed by indicator code) and writes nothing if any entry is invalid.
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

    existing = {
        f.indicator_id: f
        for f in Figure.objects.select_for_update().filter(unit=unit, year=year, month=month)
    }
    created = updated = deleted = unchanged = 0
    for entry in entries:
        figure = existing.get(entry.indicator.id)
        if entry.delete:
            if figure is not None:
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
            Figure.objects.create(
                unit=unit,
                indicator=entry.indicator,
                year=year,
                month=month,
                entered_by=user,
                source=source,
                **new_values,
            )
            created += 1
        elif any(_differs(getattr(figure, k), v) for k, v in new_values.items()):
            for key, value in new_values.items():
                setattr(figure, key, value)
            figure.entered_by = user
            figure.source = source
            figure.save()
            updated += 1
        else:
            unchanged += 1
    return SaveResult(created=created, updated=updated, deleted=deleted, unchanged=unchanged)


def _differs(old, new) -> bool:
    if isinstance(old, Decimal) and isinstance(new, Decimal):
        return old.compare(new) != 0
    return old != new
