"""Reading the audit trail: who changed a figure, when, from what to what, and from where.

The trail itself is kept by django-simple-history (``Figure.history``, ``Target.history``,
``PeriodReport.history``, ``MonthApproval.history``): one historical row per save or delete,
holding the row's fields after the change, the user and the source ("form", "admin",
"import: <file>") in ``history_change_reason``. "Old value" is the previous historical row of
the same figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from indicators import tree
from indicators.core.numbers import format_number
from indicators.models import Figure, Indicator, Unit


class ChangeKind(StrEnum):
    """What one historical row did to a figure."""

    CREATED = "created"
    CHANGED = "changed"
    DELETED = "deleted"


CREATED, CHANGED, DELETED = ChangeKind
_KIND_OF_HISTORY_TYPE = {"+": CREATED, "~": CHANGED, "-": DELETED}


@dataclass(frozen=True)
class FigureSnapshot:
    """A figure's numbers at one moment; counts for a ratio, ``value`` for every other kind."""

    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    status: str

    @classmethod
    def of(cls, row) -> FigureSnapshot:
        return cls(row.value, row.numerator, row.denominator, row.status)

    @property
    def text(self) -> str:
        """ "6.021.447.000", or "564/880" for a ratio's counts; "(ước)" marks an estimate."""
        if self.value is None and self.numerator is not None:
            text = f"{format_number(self.numerator)}/{format_number(self.denominator)}"
        else:
            text = format_number(self.value)
        if self.status == Figure.Status.ESTIMATE:
            text = _("%(number)s (ước)") % {"number": text}
        return text


@dataclass(frozen=True)
class FigureChange:
    """One change to one monthly figure."""

    figure_id: int
    unit_name: str
    indicator: Indicator
    year: int
    month: int  # 1–12
    kind: ChangeKind
    before: FigureSnapshot | None  # None when the figure was created
    after: FigureSnapshot | None  # None when the figure was deleted
    changed_by: str  # the user's name, "" when unknown (a script)
    changed_at: datetime
    source: str  # "form", "admin", "import: <file>", "dữ liệu mẫu: …"

    @property
    def kind_label(self) -> str:
        return {CREATED: _("Nhập mới"), CHANGED: _("Sửa"), DELETED: _("Xóa")}[self.kind]


def _changes(records, indicators: dict[int, Indicator]) -> list[FigureChange]:
    """Turn historical rows, oldest first, into changes with their previous values."""
    last_seen: dict[int, FigureSnapshot] = {}
    changes = []
    for record in records:
        snapshot = FigureSnapshot.of(record)
        kind = _KIND_OF_HISTORY_TYPE[record.history_type]
        before = last_seen.get(record.id) if kind != CREATED else None
        user = record.history_user
        changes.append(
            FigureChange(
                figure_id=record.id,
                unit_name=record.unit.name if record.unit_id else "",
                indicator=indicators[record.indicator_id],
                year=record.year,
                month=record.month,
                kind=kind,
                before=before,
                after=None if kind == DELETED else snapshot,
                changed_by=user.get_username() if user else "",
                changed_at=record.history_date,
                source=record.history_change_reason or record.source,
            )
        )
        if kind == DELETED:
            last_seen.pop(record.id, None)
        else:
            last_seen[record.id] = snapshot
    return changes


def figure_history(unit: Unit, indicator: Indicator, year: int) -> list[FigureChange]:
    """Every change to ``indicator``'s figures of ``year`` in ``unit`` and the units under it,
    newest first. One query (and the tree)."""
    records = (
        Figure.history.filter(
            unit_id__in=tree.current().subtree_ids(unit.pk), indicator_id=indicator.pk, year=year
        )
        .select_related("history_user", "unit")
        .order_by("history_date", "history_id")
    )
    return list(reversed(_changes(records, {indicator.pk: indicator})))


def last_change(figure_id: int) -> FigureChange | None:
    """The latest change to one figure (by id, even if it has since been deleted)."""
    records = list(
        Figure.history.filter(id=figure_id)
        .select_related("history_user", "unit", "indicator")
        .order_by("history_date", "history_id")
    )
    if not records:
        return None
    indicators = {r.indicator_id: r.indicator for r in records}
    return _changes(records, indicators)[-1]
