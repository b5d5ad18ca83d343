"""Writing a planned import, and the whole import in one transaction: lock, plan, write.

The units the file names are locked first (``approval.lock_unit_ids``: each with the units
above it, in id order, as the month grid locks), then the file is planned and written under
those locks, so an approval or a grid save cannot slip in between the checks and the writes.
A row someone else created at the same moment without those locks, or stored rows changed
since the preview, refuse the whole import with a message; nothing is half written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators import approval, freshness, tree
from indicators.entry.services import model_update, replace_predecessors, stamp_history
from indicators.exchange.planner import (
    CREATE,
    KEEP,
    Change,
    ImportPlan,
    SheetCounts,
    check_locks,
    plan_import,
)
from indicators.exchange.reader import CellError, RawWorkbook, WorkbookRejected, read_workbook
from indicators.exchange.schema import SHEETS, ColumnType
from indicators.models import Unit

SOURCE_PREFIX = "import: "
WRITE_BATCH = 500
BULK_CREATED = ("targets", "figures")  # many rows: created in batches


def import_workbook(
    file: IO[bytes],
    *,
    file_name: str,
    user=None,
    expected: str = "",
    progress: Callable[[int], None] | None = None,
) -> dict[str, SheetCounts]:
    """Read, validate and write a workbook: everything or, on any error, nothing.

    In one transaction: lock the units the file names, plan under the locks, write. With
    ``expected`` (the fingerprint of the plan a preview showed), the import is refused when
    the stored rows it would write over changed since. Raises :class:`WorkbookRejected`
    listing every problem.
    """
    raw = read_workbook(file, file_name=file_name, progress=progress)
    try:
        with transaction.atomic():
            _lock_units_named(raw)
            plan = plan_import(raw, user=user)
            if expected and plan.fingerprint != expected:
                raise WorkbookRejected([CellError("", 0, "", _changed_since_preview())])
            _write(plan, user=user)
    except (IntegrityError, OperationalError) as error:
        _refuse_if_written_meanwhile(error)
    return plan.counts


def apply_plan(plan: ImportPlan, *, user=None) -> dict[str, SheetCounts]:
    """Write a plan made earlier, in one transaction; returns what changed, sheet by sheet.

    Under the units' locks the approvals are checked again: a month approved since the plan
    was made stays locked. Every row is written with ``save()`` (or a bulk create that writes
    the same history), so the audit trail records each change with the user and the source
    "import: <file name>". Rows that would not change are not touched.
    """
    try:
        with transaction.atomic():
            approval.lock_unit_ids(_stored_unit_ids(plan))
            locked: list[CellError] = []
            check_locks(plan, locked)
            if locked:
                raise WorkbookRejected(locked)
            _write(plan, user=user)
    except (IntegrityError, OperationalError) as error:
        _refuse_if_written_meanwhile(error)
    return plan.counts


# PostgreSQL's deadlock and serialisation failures: another writer took the same rows.
_CONFLICTS = {"40P01", "40001"}


def _refuse_if_written_meanwhile(error: Exception) -> None:
    """A unique violation or a lost deadlock means someone wrote the same rows meanwhile
    (a writer that took no unit lock): refuse with a message. Any other database error is
    re-raised."""
    if isinstance(error, OperationalError):
        if getattr(error.__cause__, "sqlstate", None) not in _CONFLICTS:
            raise error
    raise WorkbookRejected([CellError("", 0, "", _written_meanwhile())]) from None


def _changed_since_preview() -> str:
    return _(
        "Số liệu trong hệ thống đã thay đổi sau khi bạn xem trước (có người vừa lưu); chưa nhập "
        "gì. Hãy tải tệp lên lại để xem trước những gì sẽ thay đổi."
    )


def _written_meanwhile() -> str:
    return _(
        "Có người vừa lưu cùng dòng số liệu trong lúc nhập; chưa nhập gì. Hãy tải tệp lên lại "
        "để xem trước những gì sẽ thay đổi."
    )


def _lock_units_named(raw: RawWorkbook) -> None:
    """Lock every stored unit the file names (a row's unit, a unit's code or parent)."""
    codes = set()
    for key, columns in (
        ("units", ("code", "parent")),
        ("targets", ("unit",)),
        ("figures", ("unit",)),
    ):
        for row in raw.sheets.get(key, []):
            for column in columns:
                value = row.cells.get(column)
                if value is not None and str(value).strip():
                    codes.add(str(value).strip())
    approval.lock_unit_ids(Unit.objects.filter(code__in=codes).values_list("id", flat=True))


def _stored_unit_ids(plan: ImportPlan) -> list[int]:
    named = {r.code for r in plan.records.get("units", [])}
    named |= {r.parent for r in plan.records.get("units", []) if r.parent}
    named |= {r.unit for key in ("targets", "figures") for r in plan.records.get(key, [])}
    return [plan.unit_tree.by_code[c].id for c in named if plan.unit_tree.by_code[c].id > 0]


def _write(plan: ImportPlan, *, user) -> None:
    source = (SOURCE_PREFIX + plan.file_name)[:200]
    # code → id of every row a reference may name; rows created below are added as they are
    ids = {key: _stored_ids(plan, key) for key, sheet in SHEETS.items() if "code" in sheet.by_name}
    for key, sheet in SHEETS.items():
        changes = [c for c in plan.changes.get(key, []) if c.action != KEEP]
        if key == "units":
            changes = _parents_first(plan, changes)
        created = []
        for change in changes:
            data = _data(change, ids, user=user, source=source)
            if change.action == CREATE:
                row = sheet.model(**data)
                if key in BULK_CREATED:
                    created.append(row)
                    continue
                stamp_history(row, user, source)
                row.save()
                if "code" in sheet.by_name:
                    ids[key][row.code] = row.id
            else:
                model_update(instance=change.current, data=data, user=user, source=source)
        if created:
            bulk_create_with_history(
                created,
                sheet.model,
                batch_size=WRITE_BATCH,
                default_user=user,
                default_change_reason=source,
            )
            # A bulk create sends no signal: give the units' versions a new token here.
            freshness.units_changed({row.unit_id for row in created})
        if key == "units" and changes:
            _write_lineage(changes, ids["units"], user=user, source=source)
            tree.forget()  # a bulk of saves; the next reader loads the new tree


def _write_lineage(changes: list[Change], unit_ids: dict[str, int], *, user, source: str) -> None:
    """The predecessors of the units whose row has the column (checked by the planner)."""
    named = {code for c in changes for code, _share in c.record.values.get("predecessors") or ()}
    missing = named - set(unit_ids)
    if missing:
        unit_ids.update(Unit.objects.filter(code__in=missing).values_list("code", "id"))
    for change in changes:
        links = change.record.values.get("predecessors")
        if links is None:
            continue
        replace_predecessors(
            unit_id=unit_ids[change.record.code],
            links={unit_ids[code]: share for code, share in links},
            user=user,
            source=source,
        )


def _stored_ids(plan: ImportPlan, key: str) -> dict[str, int]:
    model = SHEETS[key].model
    codes = {r.code for r in plan.records.get(key, [])}
    for sheet in SHEETS.values():
        for column in sheet.columns:
            if column.references == key:
                codes |= {getattr(r, column.name) for r in plan.records.get(sheet.key, [])}
    return dict(model.objects.filter(code__in=codes - {""}).values_list("code", "id"))


def _parents_first(plan: ImportPlan, changes: list[Change]) -> list[Change]:
    """Parents before children, so that a new parent exists when its children are saved."""
    by_id = {plan.unit_tree.by_code[c.record.code].id: c for c in changes}
    return [by_id[unit_id] for unit_id in plan.unit_tree.parents_first(by_id)]


def _data(change: Change, ids: dict[str, dict[str, int]], *, user, source: str) -> dict:
    """The fields to write for one change: plain values by field, references by ``…_id``."""
    record = change.record
    sheet = SHEETS[record.sheet]
    data = {}
    for name, value in record.values.items():
        column = sheet.by_name[name]
        if column.type == ColumnType.LINEAGE:
            continue  # rows of their own, written by _write_lineage
        if column.type == ColumnType.REFERENCE:
            data[f"{column.field}_id"] = ids[column.references].get(value) if value else None
        else:
            data[column.field] = value
    if record.sheet == "figures":
        data["source"] = source
        data["entered_by_id"] = user.pk if user is not None else None
    return data
