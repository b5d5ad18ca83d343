"""Writing a planned import, and the whole import in one transaction: lock, plan, write.

The units the file names are locked first (``approval.lock_unit_ids``: each with the units
above it, in id order, as the month grid locks), then the file is planned and written under
those locks, so an approval or a grid save cannot slip in between the checks and the writes.
A row someone else created at the same moment without those locks, or stored rows changed
since the preview, refuse the whole import with a message; nothing is half written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import IO

from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from indicators import approval, freshness, tree
from indicators.core.dates import written_moment
from indicators.entry.services import (
    bulk_create,
    bulk_model_update,
    replace_predecessors,
)
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
from indicators.exchange.schema import SHEETS, ColumnType, stored_lineage
from indicators.models import Unit

SOURCE_PREFIX = "import: "
WRITE_BATCH = 500


def import_workbook(
    file: IO[bytes],
    *,
    file_name: str,
    user=None,
    expected: str = "",
    previewed_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, SheetCounts]:
    """Read, validate and write a workbook: everything or, on any error, nothing.

    In one transaction: lock the units the file names, plan under the locks, write. With
    ``expected`` (the fingerprint of the plan a preview showed), the import is refused when
    the stored rows it would write over changed since; ``previewed_at`` (when the preview
    read them) lets the refusal name who changed which row, and when. Raises
    :class:`WorkbookRejected` listing every problem.
    """
    raw = read_workbook(file, file_name=file_name, progress=progress)
    try:
        with transaction.atomic():
            _lock_units_named(raw)
            plan = plan_import(raw, user=user)
            if expected and plan.fingerprint != expected:
                raise WorkbookRejected(
                    [CellError("", 0, "", _changed_since_preview())]
                    + changed_since(plan, previewed_at)
                )
            _write(plan, user=user)
    except (IntegrityError, OperationalError) as error:
        _refuse_if_written_meanwhile(error)
    return plan.counts


def apply_plan(plan: ImportPlan, *, user=None) -> dict[str, SheetCounts]:
    """Write a plan made earlier, in one transaction; returns what changed, sheet by sheet.

    Under the units' locks the approvals are checked again: a month approved since the plan
    was made stays locked. Rows are written in batches (a bulk create, or a bulk update by
    natural key, each with its history rows), so the audit trail records each change with
    the user and the source "import: <file name>", as a save would. Rows that would not change
    are not touched.
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


CHANGED_ROWS_SHOWN = 20


def changed_since(plan: ImportPlan, moment: datetime | None) -> list[CellError]:
    """The rows of ``plan`` that someone saved after ``moment``: who, when and what is stored
    now, one error each at the row of the file (one history query per sheet)."""
    if moment is None:
        return []
    found: list[CellError] = []
    for key, changes in plan.changes.items():
        by_id = {c.current.pk: c for c in changes if c.current is not None}
        if not by_id:
            continue
        model = SHEETS[key].model
        latest: dict[int, object] = {}
        records = (
            model.history.filter(id__in=by_id, history_date__gt=moment)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        for record in records:
            latest[record.id] = record  # the last save wins
        for row_id, record in latest.items():
            change = by_id[row_id]
            user = record.history_user.get_username() if record.history_user else _("người khác")
            found.append(
                CellError(
                    key,
                    change.record.row,
                    "",
                    _("“%(row)s” đã được %(user)s lưu lúc %(when)s, sau khi bạn xem trước.")
                    % {
                        "row": change.current,
                        "user": user,
                        "when": written_moment(record.history_date),
                    },
                )
            )
    found.sort(key=lambda e: (e.sheet, e.row))
    return found[:CHANGED_ROWS_SHOWN]


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
        if key != "units":
            _write_in_bulk(sheet, changes, ids, user=user, source=source)
            continue
        # Parents before children: the units of one depth of the planned tree at a time, so
        # that a new parent has its id when its children are written.
        changes = _parents_first(plan, changes)
        depth_of = {
            c.record.code: plan.unit_tree.depth(plan.unit_tree.by_code[c.record.code].id)
            for c in changes
        }
        for _depth, generation in itertools.groupby(changes, key=lambda c: depth_of[c.record.code]):
            _write_in_bulk(sheet, list(generation), ids, user=user, source=source)
        if changes:
            _write_lineage(changes, ids["units"], user=user, source=source)
            tree.forget()  # bulk writes send no signal; the next reader loads the new tree


def _write_in_bulk(sheet, changes: list[Change], ids, *, user, source: str) -> None:
    """New rows and changed rows of a sheet, in batches: a fixed number of queries per
    :data:`WRITE_BATCH` rows, each row with its history row (user, source)."""
    model = sheet.model
    unique_fields = [sheet.by_name[name].field for name in sheet.natural_key]
    created, updated = [], []
    for change in changes:
        data = _data(change, ids, user=user, source=source)
        if change.action == CREATE:
            created.append(data)
        else:
            updated.append((change.current, data))
    created_ids = bulk_create(
        model=model, rows=created, user=user, source=source, batch_size=WRITE_BATCH
    )
    if "code" in sheet.by_name:  # rows below may name them
        codes = [row["code"] for row in created]
        ids[sheet.key].update(zip(codes, created_ids, strict=True))
    bulk_model_update(
        model=model,
        updates=updated,
        unique_fields=unique_fields,
        user=user,
        source=source,
        batch_size=WRITE_BATCH,
    )
    # Bulk writes send no signal: give the versions the caches are keyed on new tokens here.
    freshness.rows_changed(model, [*created, *(row for row, _data in updated)])


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
        # Nothing to write (and no query) for a new unit formed from none, or a unit whose
        # lineage is what it was (the planner read it with the unit).
        if change.current is None and not links:
            continue
        if change.current is not None and stored_lineage(change.current) == links:
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
