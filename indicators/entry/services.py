"""Every write: a month's figures on the grid, one figure in the admin, deletions, targets,
units, the catalogue, a month's approval, role grants.

Each service does the same three things in the same order, in one transaction:

1. **lock**: the row locks that serialise writes to the units concerned
   (:func:`approval.lock_unit_ids`, the unit and every unit above it), then the rows written;
2. **check**: the month's approval (``approval``), the writer's rights (``access``) and the
   input; a refusal raises ``ValidationError`` (``MonthLocked``, ``ConcurrentEdit``) or
   ``PermissionDenied`` with a Vietnamese message, and nothing is written;
3. **write** with :func:`model_update` (compare, then save), leaving the user and the source
   ("form", "admin", "import: <file>") in the audit trail (django-simple-history).

The views and the admin parse what was posted and call a service; they decide nothing.
"""

from __future__ import annotations

import functools
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, router, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import access, approval
from indicators import tree as unit_tree
from indicators.access import Action
from indicators.audit import FigureSnapshot
from indicators.core import lineage_rules
from indicators.core.dates import written_moment
from indicators.core.entry_rules import decimals_of
from indicators.entry.comparisons import earlier_figures
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    Predecessor,
    RoleGrant,
    Target,
    Unit,
)

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
    # The person ticked "this figure is right" beside a plausibility warning (the grid).
    confirmed: bool = False

    @property
    def is_blank(self) -> bool:
        return self.value is None and self.numerator is None and self.denominator is None


# Where a level sits in the tree, top first: a unit "above" an indicator's entry levels adds
# their figures up; one below them does not enter it at all.
LEVEL_DEPTH = {
    Unit.Level.PROVINCE: 0,
    Unit.Level.CITY: 1,
    Unit.Level.DISTRICT: 2,
    Unit.Level.WARD: 3,
    Unit.Level.COMMUNE: 3,
    Unit.Level.TOWN: 3,
    Unit.Level.SPECIAL_ZONE: 3,
    Unit.Level.GROUP: 4,
}


def level_names(levels) -> str:
    """``["ward", "commune"]`` → "phường, xã": the levels as a sentence names them."""
    return ", ".join(str(Unit.Level(level).label).lower() for level in levels)


def entry_level_refusal(indicator: Indicator, level: str) -> str | None:
    """Why a unit at ``level`` may not hold a figure of ``indicator``, or None when it may.

    A unit above the indicator's entry levels adds up the figures of the units under it; a
    figure of its own would be counted twice (38 poor households typed at the ward on top of its
    groups' 38 show 76).
    """
    if indicator.is_entered_at(level):
        return None
    entered = [lvl for lvl in Unit.Level.values if lvl in indicator.entry_levels]
    names = {
        "name": indicator.name,
        "levels": level_names(entered),
        "level": level_names([level]),
    }
    depth = LEVEL_DEPTH.get(level, 0)
    if any(LEVEL_DEPTH.get(lvl, 0) > depth for lvl in entered):
        return (
            _("Chỉ tiêu “%(name)s” do %(levels)s nhập; %(level)s cộng lại từ các %(levels)s.")
            % names
        )
    return _("Chỉ tiêu “%(name)s” do %(levels)s nhập, không nhập ở cấp %(level)s.") % names


def decimals_refusal(indicator: Indicator, number: Decimal) -> str | None:
    """Why ``number`` has more decimals than ``indicator`` allows, or None (1,5 hộ is refused;
    1,50 reads as 1,5 and 2,000 as 2)."""
    places = indicator.allowed_decimal_places
    if decimals_of(number) <= places:
        return None
    if places == 0:
        return _("Chỉ tiêu “%(name)s” tính bằng %(unit)s, không nhận số lẻ.") % {
            "name": indicator.name,
            "unit": indicator.unit,
        }
    return _("Chỉ tiêu “%(name)s” chỉ nhận tối đa %(places)d chữ số sau dấu phẩy.") % {
        "name": indicator.name,
        "places": places,
    }


def validate_figure(
    indicator: Indicator,
    *,
    level: str | None,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> dict[str, str]:
    """Check one figure of a unit at ``level`` against its indicator. Returns {field: message},
    empty if valid; every write path (grid, admin, import) asks this.

    Rules: the unit's level enters the indicator (:func:`entry_level_refusal`; ``level`` is None
    only where the unit is unknown, a refusal of its own); the ``value`` has no more decimals
    than the indicator allows (:func:`decimals_refusal`); a ratio needs both counts, a
    denominator above zero and a numerator not above it; any other kind needs a value, never
    negative; a percentage (``reported``) lies in 0–100 inclusive.
    """
    if level is not None:
        refusal = entry_level_refusal(indicator, level)
        if refusal:
            field = "numerator" if indicator.kind == Indicator.Kind.RATIO else "value"
            return {field: refusal}
    errors = _kind_errors(indicator, value=value, numerator=numerator, denominator=denominator)
    # The decimals are those of the indicator's own unit; a ratio's counts are not in it.
    if "value" not in errors and value is not None:
        refusal = decimals_refusal(indicator, value)
        if refusal:
            errors["value"] = refusal
    return errors


def _kind_errors(
    indicator: Indicator,
    *,
    value: Decimal | None,
    numerator: Decimal | None,
    denominator: Decimal | None,
) -> dict[str, str]:
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


@dataclass(frozen=True)
class StoredBreach:
    """A figure stored before the rules of :func:`validate_figure` that breaks one of them."""

    figure: Figure  # with its unit and indicator
    message: str  # the refusal a new write would get


def stored_breaches() -> list[StoredBreach]:
    """Stored figures entered at a level that does not enter their indicator, or with more
    decimals than it allows, by unit, indicator, year and month. Reads every figure once (one
    query, a streaming cursor); deletes nothing.
    """
    figures = (
        Figure.objects.select_related("unit", "indicator")
        .order_by("unit__code", "indicator__code", "year", "month")
        .iterator(chunk_size=2000)
    )
    found = []
    for figure in figures:
        indicator = figure.indicator
        message = entry_level_refusal(indicator, figure.unit.level)
        if message is None and figure.value is not None:
            message = decimals_refusal(indicator, figure.value)
        if message:
            found.append(StoredBreach(figure=figure, message=message))
    return found


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


def month_outside_validity(*, unit: Unit, year: int, month: int) -> str:
    """Why ``unit`` can have no figure for this month (it did not exist then): "" if it can."""
    if lineage_rules.month_in_validity(year, month, unit.valid_from, unit.valid_until):
        return ""
    return _(
        "%(unit)s không tồn tại trong tháng %(month)d/%(year)d (hiệu lực %(validity)s); "
        "không nhập được số liệu tháng này."
    ) % {
        "unit": unit.name,
        "month": month,
        "year": year,
        "validity": lineage_rules.validity_text(unit.valid_from, unit.valid_until),
    }


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

    @property
    def figure_message(self) -> str:
        """The refusal of the admin's single-figure form: who changed the figure, and when."""
        edit = self.edits[0]
        return _(
            "Chưa lưu: %(user)s đã sửa số liệu “%(indicator)s” lúc %(when)s, sau khi bạn mở "
            "trang; hiện đã lưu: %(now)s. Xem lại số liệu rồi sửa lần nữa nếu vẫn muốn."
        ) % {
            "user": edit.changed_by or _("người khác"),
            "indicator": edit.indicator.name,
            "when": written_moment(edit.changed_at) if edit.changed_at else "—",
            "now": edit.now.text if edit.now else _("(đã xóa)"),
        }


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


# --- Compare, then save -------------------------------------------------------------------


def stamp_history(row, user, source: str) -> None:
    """Tell django-simple-history who is writing ``row`` and from where."""
    if user is not None:
        row._history_user = user
    row._change_reason = source


def model_update(*, instance, data: dict, user=None, source: str) -> list[str]:
    """Compare, then save: set ``data`` on ``instance`` and save only the fields that differ.

    Returns the names of the fields that changed; nothing is written (and no audit row is
    added) when none did. Give foreign keys by their ``…_id`` attribute, so that comparing
    reads no row. An ``auto_now`` field (``updated_at``, the grid's version token) is saved
    with the change.
    """
    changed = _set_changed(instance, data)
    if not changed:
        return []
    stamp_history(instance, user, source)
    instance.save(update_fields=[*changed, *_stamped_fields(type(instance))])
    return changed


def bulk_model_update(
    *,
    model,
    updates: Iterable[tuple[object, dict]],
    unique_fields: list[str],
    user=None,
    source: str,
    batch_size: int,
) -> int:
    """:func:`model_update` for many rows of ``model`` at once (an import): each
    (instance, data) is compared the same way, and the rows where something differs are
    written in batches of ``batch_size``, each with its history row (user and source), in a
    fixed number of queries per batch. Returns the number of rows changed.

    The rows are written by their natural key (``unique_fields``, a unique constraint of
    ``model``) with every field that changed in any of them (a field that did not change in a
    row is written with the value it has), and ``auto_now`` fields are stamped with one
    moment, as a save would. Call it under the locks that keep other writers off these rows.
    """
    changed_rows, fields = [], set()
    for instance, data in updates:
        changed = _set_changed(instance, data)
        if changed:
            changed_rows.append(instance)
            fields.update(changed)
    if not changed_rows:
        return 0
    now = timezone.now()
    stamped = _stamped_fields(model)
    # Django's bulk_update builds a CASE expression per row and field: minutes for 100,000
    # figures. An insert that meets the row's unique key and updates it instead (ON CONFLICT
    # DO UPDATE, PostgreSQL and SQLite) writes the same values at the speed of an insert.
    stored = [f for f in model._meta.concrete_fields if not f.primary_key]
    for instance in changed_rows:
        for name in stamped:
            setattr(instance, name, now)
    rows = [tuple(getattr(row, f.attname) for f in stored) for row in changed_rows]
    with transaction.atomic(savepoint=False):
        _insert(
            model,
            stored,
            rows,
            batch_size=batch_size,
            upsert=(unique_fields, [*sorted(fields), *stamped]),
        )
        _insert_history(
            model,
            [{f.attname: value for f, value in zip(stored, row, strict=True)} for row in rows],
            [row.pk for row in changed_rows],
            kind="~",
            user=user,
            source=source,
            moment=now,
            batch_size=batch_size,
        )
    return len(changed_rows)


def bulk_create(*, model, rows: list[dict], user=None, source: str, batch_size: int) -> list[int]:
    """New rows of ``model`` (each a dict of attribute → value, foreign keys by ``…_id``), each
    with its history row (user, source), in a fixed number of queries per ``batch_size`` rows.
    Returns their ids, in the order of ``rows``.

    What a save would write: a field a row does not give takes its default, ``auto_now`` and
    ``auto_now_add`` fields are stamped with one moment (the history rows' too). Call it under
    the locks that keep other writers off these rows; the caller tells the caches
    (``freshness.rows_changed``), as for :func:`bulk_model_update`.
    """
    if not rows:
        return []
    now = timezone.now()
    stored = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in stored}  # as ``model(**row)`` would
    stamped = {
        f.attname: now
        for f in stored
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    written = [{**defaults, **row, **stamped} for row in rows]
    with transaction.atomic(savepoint=False):
        ids = _insert(
            model,
            stored,
            [tuple(row[f.attname] for f in stored) for row in written],
            batch_size=batch_size,
            returning=True,
        )
        _insert_history(
            model,
            written,
            ids,
            kind="+",
            user=user,
            source=source,
            moment=now,
            batch_size=batch_size,
        )
    return ids


def _insert_history(
    model, rows: list[dict], ids: list, *, kind: str, user, source: str, moment, batch_size: int
) -> None:
    """The history rows of rows just written (``rows``: attribute → value, ``ids`` their
    primary keys): what django-simple-history's ``bulk_history_create`` writes, ``kind`` "+"
    for a creation or "~" for a change."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model
    tracked = [f.attname for f in history.tracked_fields]
    pk = model._meta.pk.attname
    fields = [history._meta.get_field(name) for name in tracked] + [
        history._meta.get_field(name)
        for name in ("history_date", "history_user", "history_change_reason", "history_type")
    ]
    stamp = (moment, user.pk if user is not None else None, source, kind)
    _insert(
        history,
        fields,
        [
            tuple(row_id if name == pk else row[name] for name in tracked) + stamp
            for row, row_id in zip(rows, ids, strict=True)
        ],
        batch_size=batch_size,
    )


def _insert(
    model,
    fields: list,
    rows: list[tuple],
    *,
    batch_size: int,
    returning: bool = False,
    upsert: tuple[list[str], list[str]] | None = None,
) -> list:
    """INSERT ``rows`` (tuples of values of ``fields``) into ``model``'s table, many rows per
    statement: what ``QuerySet.bulk_create`` sends, without building a model instance and
    compiling every value of every row (seconds for 100,000 rows). Each value is adapted by
    its field (``get_db_prep_save``), once per distinct value of a column. ``returning``: the
    new primary keys, in the order of ``rows``; ``upsert`` (unique fields, fields to update):
    a row that meets a stored row's unique key updates it instead (ON CONFLICT DO UPDATE).

    On PostgreSQL the rows go as one array per column (``SELECT * FROM UNNEST(…)``, as
    Django's own bulk insert sends them): a statement's parameters do not grow with its rows,
    so its batches hold :data:`UNNEST_BATCH` rows, and psycopg does not split a query of
    thousands of placeholders (tens of seconds for 100,000 rows). Rows that need neither
    (history rows) are sent with ``COPY``, faster still."""
    connection = connections[router.db_for_write(model)]
    ops = connection.ops
    unnest = connection.vendor == "postgresql"
    if unnest:
        per_batch = max(batch_size, UNNEST_BATCH)
        arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
        values = f"SELECT * FROM UNNEST({arrays})"
    else:
        per_batch = max(1, min(batch_size, _max_parameters(connection) // len(fields)))
    adapt = [_adapter(field, connection) for field in fields]
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    if unnest and not returning and upsert is None:
        with connection.cursor() as cursor:
            # psycopg's own cursor, in Django's transaction
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([a(value) for a, value in zip(adapt, row, strict=True)])
        return []
    head = f"INSERT INTO {table} ({columns}) "
    tail = ""
    if upsert is not None:
        unique, update = upsert
        meta = model._meta
        tail = " " + ops.on_conflict_suffix_sql(
            fields,
            OnConflict.UPDATE,
            [meta.get_field(name).column for name in update],
            [meta.get_field(name).column for name in unique],
        )
    if returning:
        sql, _params = ops.return_insert_columns([model._meta.pk])
        tail += " " + sql
    ids: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_batch):
            batch = rows[start : start + per_batch]
            if unnest:
                params = [[a(row[i]) for row in batch] for i, a in enumerate(adapt)]
            else:
                params = [a(value) for row in batch for a, value in zip(adapt, row, strict=True)]
                values = ops.bulk_insert_sql(fields, [["%s"] * len(fields)] * len(batch))
            cursor.execute(head + values + tail, params)
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


UNNEST_BATCH = 10_000  # rows per INSERT on PostgreSQL


def _max_parameters(connection) -> int:
    """How many parameters one statement may carry: SQLite's limit as compiled (Django assumes
    the old default, 999), psycopg's 65,535."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 65_535


def _adapter(field, connection):
    """``field.get_db_prep_save`` for one column, remembered per distinct value: a column of
    100,000 figures holds a few hundred units, twelve months, one user. A Decimal is adapted
    each time but None (1.0 and 1.00 are equal keys but different values)."""
    if isinstance(field, models.DecimalField):
        prepare = functools.partial(field.get_db_prep_save, connection=connection)
        return lambda value: None if value is None else prepare(value)
    known: dict = {}

    def adapt(value):
        key = (type(value), value)
        try:
            return known[key]
        except KeyError:
            known[key] = adapted = field.get_db_prep_save(value, connection)
            return adapted
        except TypeError:  # not hashable
            return field.get_db_prep_save(value, connection)

    return adapt


def _set_changed(instance, data: dict) -> list[str]:
    """Set the values of ``data`` that differ from ``instance``'s; their names."""
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


def _stamped_fields(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _create(*, model, data: dict, user, source: str):
    row = model(**data)
    stamp_history(row, user, source)
    row.save()
    return row


def _delete(*, row, user, source: str) -> None:
    stamp_history(row, user, source)  # the deletion's history row: who and from where
    row.delete()


# --- Figures ------------------------------------------------------------------------------

FIGURE_NUMBERS = ("value", "numerator", "denominator", "status")


class ImplausibleFigures(ValidationError):
    """Figures that differ from every earlier figure of the unit (factor 3, or 30 points for a
    rate) and were not confirmed; nothing was written. ``warnings``: indicator id → message."""

    def __init__(self, warnings: dict[int, str]):
        self.warnings = warnings
        super().__init__(
            _(
                "Chưa lưu: %(count)d số liệu khác xa tháng trước và cùng kỳ năm trước. Xem "
                "cảnh báo ở từng dòng; nếu số đúng, đánh dấu xác nhận rồi bấm “Lưu cả tháng” "
                "lần nữa."
            )
            % {"count": len(warnings)}
        )


def confirmed_source(source: str, warning: str) -> str:
    """What the audit trail records for a figure saved over its warning: the source, and that
    the user confirmed which warning."""
    return _("%(source)s; đã xác nhận cảnh báo: %(warning)s") % {
        "source": source,
        "warning": warning,
    }


def _plausibility_warnings(
    *, unit: Unit, year: int, month: int, entries: list[FigureEntry], existing: dict[int, Figure]
) -> dict[int, str]:
    """Indicator id → the warning of each entry that writes a new number (an unchanged figure
    was seen before) and differs from every earlier figure of the unit (one query)."""
    written = [
        entry
        for entry in entries
        if not (entry.delete or entry.is_blank)
        and not _same_numbers(existing.get(entry.indicator.id), entry)
    ]
    if not written:
        return {}
    earlier = earlier_figures(
        unit=unit, year=year, month=month, indicators=[e.indicator for e in written]
    )
    found = {}
    for entry in written:
        warning = earlier[entry.indicator.id].warning(
            value=entry.value, numerator=entry.numerator, denominator=entry.denominator
        )
        if warning:
            found[entry.indicator.id] = warning
    return found


def _same_numbers(figure: Figure | None, entry: FigureEntry) -> bool:
    if figure is None:
        return False
    return (figure.value, figure.numerator, figure.denominator) == (
        entry.value,
        entry.numerator,
        entry.denominator,
    )


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
    check_plausibility: bool = False,
) -> SaveResult:
    """Save a whole month of one unit's figures at once.

    A blank entry leaves an existing figure as it is; ``delete`` removes it. Writes nothing
    and raises:

    - ``ValidationError`` (keyed by indicator code) if any entry is invalid;
    - ``approval.MonthLocked`` (a ``ValidationError``) if the month is approved;
    - ``PermissionDenied`` if ``user`` is given and may not enter figures for ``unit``;
    - ``ConcurrentEdit`` if ``expected_versions`` (indicator id → :func:`figure_version` when
      the form was opened) no longer match what is saved;
    - ``ImplausibleFigures`` if ``check_plausibility`` (the grid) and an entry that changes a
      number differs from every earlier figure of the unit (:mod:`entry.comparisons`) without
      being ``confirmed``. A confirmed one is saved, its history saying which warning the user
      confirmed (:func:`confirmed_source`).

    ``source`` ("form", "import: <file>") is stored on the figure and in its history.
    """
    validate_period(year, month)
    outside = month_outside_validity(unit=unit, year=year, month=month)
    if outside:
        raise ValidationError(outside)
    errors = {}
    for entry in entries:
        if entry.delete or entry.is_blank:
            continue
        problems = validate_figure(
            entry.indicator,
            level=unit.level,
            value=entry.value,
            numerator=entry.numerator,
            denominator=entry.denominator,
        )
        if problems:
            errors[entry.indicator.code] = list(problems.values())
    if errors:
        raise ValidationError(errors)

    approval.lock_unit_ids([unit.pk])
    approval.assert_open(unit=unit, year=year, month=month)
    if user is not None:
        access.require(user, Action.ENTER, unit)
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
    warnings = {}
    if check_plausibility:
        warnings = _plausibility_warnings(
            unit=unit, year=year, month=month, entries=entries, existing=existing
        )
        unconfirmed = {i: w for i, w in warnings.items() if not _entry_of(entries, i).confirmed}
        if unconfirmed:
            raise ImplausibleFigures(unconfirmed)

    created = updated = deleted = unchanged = 0
    for entry in entries:
        figure = existing.get(entry.indicator.id)
        history_source = source
        if entry.indicator.id in warnings:
            history_source = confirmed_source(source, warnings[entry.indicator.id])
        if entry.delete:
            if figure is not None:
                figure.entered_by, figure.source = user, source
                _delete(row=figure, user=user, source=source)
                deleted += 1
            continue
        if entry.is_blank:
            continue
        numbers = {
            "value": entry.value,
            "numerator": entry.numerator,
            "denominator": entry.denominator,
            "status": entry.status,
        }
        if figure is None:
            _create(
                model=Figure,
                data={
                    "unit": unit,
                    "indicator": entry.indicator,
                    "year": year,
                    "month": month,
                    "entered_by": user,
                    "source": source,
                    **numbers,
                },
                user=user,
                source=history_source,
            )
            created += 1
        elif _write_numbers(
            figure=figure, numbers=numbers, user=user, source=source, reason=history_source
        ):
            updated += 1
        else:
            unchanged += 1
    return SaveResult(created=created, updated=updated, deleted=deleted, unchanged=unchanged)


def _write_numbers(
    *, figure: Figure, numbers: dict, user, source: str, reason: str | None = None
) -> bool:
    """Write a figure's numbers if they differ; who and from where go with them (``reason``:
    what the history row says, when more than the source)."""
    if all(getattr(figure, name) == value for name, value in numbers.items()):
        return False
    model_update(
        instance=figure,
        data={**numbers, "entered_by_id": user.pk if user else None, "source": source},
        user=user,
        source=reason or source,
    )
    return True


def _entry_of(entries: list[FigureEntry], indicator_id: int) -> FigureEntry:
    return next(e for e in entries if e.indicator.id == indicator_id)


@transaction.atomic
def update_figure(
    *,
    figure_id: int,
    numbers: dict,
    user,
    source: str = "admin",
    expected_version: str | None = None,
) -> Figure:
    """Change one stored figure's numbers (``value``, ``numerator``, ``denominator``,
    ``status``): the admin's single-figure form. A figure keeps its unit and month.

    Refuses, writing nothing, like :func:`save_month`: ``MonthLocked``, ``PermissionDenied``,
    ``ConcurrentEdit`` when ``expected_version`` (the form's :func:`figure_version`) is not
    what is saved now (None: not checked), ``ValidationError`` for numbers its kind refuses.
    """
    stored = Figure.objects.select_related("unit", "indicator").get(pk=figure_id)
    approval.lock_unit_ids([stored.unit_id])
    current = Figure.objects.select_for_update().filter(pk=figure_id).first()
    approval.assert_open(unit=stored.unit, year=stored.year, month=stored.month)
    access.require(user, Action.ENTER, stored.unit)
    indicator = stored.indicator
    if expected_version is not None:
        edits = _other_edits(
            current={indicator.id: current} if current else {},
            expected={indicator.id: expected_version},
            indicators={indicator.id: indicator},
        )
        if edits:
            raise ConcurrentEdit(edits)
    if current is None:
        raise ValidationError(_("Số liệu này vừa bị xóa; chưa lưu gì."))
    numbers = {name: numbers.get(name) for name in FIGURE_NUMBERS}
    problems = validate_figure(
        indicator,
        level=stored.unit.level,
        value=numbers["value"],
        numerator=numbers["numerator"],
        denominator=numbers["denominator"],
    )
    if problems:
        raise ValidationError(problems)
    _write_numbers(figure=current, numbers=numbers, user=user, source=source)
    return current


@transaction.atomic
def delete_figures(*, figure_ids: Iterable[int], user, source: str = "admin") -> int:
    """Delete figures (one, or a bulk delete in the admin): all of them or none.

    Refuses, deleting nothing, if any lies in an approved month (``MonthLocked``) or in a unit
    where ``user`` may not enter figures (``PermissionDenied``). Returns how many were deleted.
    """
    figure_ids = list(figure_ids)
    unit_ids = set(Figure.objects.filter(pk__in=figure_ids).values_list("unit_id", flat=True))
    approval.lock_unit_ids(unit_ids)
    figures = list(
        Figure.objects.select_for_update()
        .filter(pk__in=figure_ids)
        .select_related("unit")
        .order_by("pk")
    )
    locked = approval.locked_months({f.unit_id for f in figures}, {f.year for f in figures})
    for figure in figures:
        if (figure.unit_id, figure.year, figure.month) in locked:
            approval.assert_open(unit=figure.unit, year=figure.year, month=figure.month)
    for unit in {f.unit_id: f.unit for f in figures}.values():
        access.require(user, Action.ENTER, unit)
    for figure in figures:
        figure.entered_by, figure.source = user, source
        _delete(row=figure, user=user, source=source)
    return len(figures)


# --- Targets ------------------------------------------------------------------------------

TARGET_FIELDS = ("unit_id", "indicator_id", "year", "authority_id", "value", "basis")


def _approved_year_refusal(
    *, user, places: Iterable[tuple[Unit, int]], reason: str
) -> tuple[str | None, bool]:
    """(refusal or None, whether a year concerned has approved months) for a target write.

    A year with an approved month (the unit's own or a unit's above it) keeps its targets
    unless the approver of that unit changes them and writes down why (``user`` None: a
    command, which still needs the reason).
    """
    approved = False
    for unit, year in places:
        if not approval.locked_months([unit.pk], [year]):
            continue
        approved = True
        if user is not None and not access.can(user, Action.APPROVE, unit):
            return (
                _(
                    "Năm %(year)d của %(unit)s đã có tháng được phê duyệt: chỉ người phê duyệt "
                    "được điều chỉnh chỉ tiêu, và phải ghi lý do."
                )
                % {"year": year, "unit": unit.name},
                True,
            )
    if approved and not (reason or "").strip():
        return (
            _(
                "Năm này đã có tháng được phê duyệt: phải ghi lý do điều chỉnh chỉ tiêu "
                "sau phê duyệt."
            ),
            True,
        )
    return None, approved


def target_refusal(
    *, target: Target | None, unit: Unit, year: int, user, reason: str = ""
) -> str | None:
    """Why ``user`` may not write a target of ``unit`` and ``year`` (changing ``target``, the
    stored row, or adding one when None), or None. The form asks first; the service again
    under the locks."""
    if user is not None and not access.can(user, Action.MANAGE, unit):
        return access.refusal(Action.MANAGE, unit)
    places = [(unit, year)]
    if target is not None:
        places.append((target.unit, target.year))
    refusal, _approved = _approved_year_refusal(user=user, places=places, reason=reason)
    return refusal


@transaction.atomic
def save_target(
    *, target_id: int | None, data: dict, user, source: str = "admin", reason: str = ""
) -> Target:
    """Add (``target_id`` None) or change a target; ``data`` holds :data:`TARGET_FIELDS`.

    Needs ``manage`` on the unit (the old one and the new one). In a year that already has
    approved months the writer must also be the unit's approver and give ``reason``; the
    target then records when it was adjusted after approval, and why
    (:func:`target_adjustments`).
    """
    data = {name: data[name] for name in TARGET_FIELDS}
    stored = Target.objects.select_related("unit").get(pk=target_id) if target_id else None
    unit_ids = {data["unit_id"]} | ({stored.unit_id} if stored else set())
    approval.lock_unit_ids(unit_ids)
    if stored is not None:
        stored = Target.objects.select_for_update().select_related("unit").get(pk=target_id)
    unit = Unit.objects.get(pk=data["unit_id"])
    indicator = Indicator.objects.get(pk=data["indicator_id"])
    places = [(unit, data["year"])] + ([(stored.unit, stored.year)] if stored else [])
    for place, _year in places:
        if user is not None:
            access.require(user, Action.MANAGE, place)
    message = validate_target(indicator, value=data["value"])
    if message:
        raise ValidationError({"value": message})
    if stored is not None and all(getattr(stored, k) == v for k, v in data.items()):
        return stored
    refusal, approved = _approved_year_refusal(user=user, places=places, reason=reason)
    if refusal:
        raise ValidationError(refusal)
    if approved:
        data["adjusted_after_approval_at"] = timezone.now()
        data["adjustment_reason"] = reason.strip()
    if stored is None:
        return _create(model=Target, data=data, user=user, source=source)
    model_update(instance=stored, data=data, user=user, source=source)
    return stored


@transaction.atomic
def delete_targets(*, target_ids: Iterable[int], user, source: str = "admin") -> int:
    """Delete targets: all or none. A target of a year with approved months is not deleted
    (change it with a reason instead); ``manage`` is needed on each target's unit."""
    target_ids = list(target_ids)
    approval.lock_unit_ids(
        set(Target.objects.filter(pk__in=target_ids).values_list("unit_id", flat=True))
    )
    targets = list(
        Target.objects.select_for_update().filter(pk__in=target_ids).select_related("unit")
    )
    for target in targets:
        if user is not None:
            access.require(user, Action.MANAGE, target.unit)
        if approval.locked_months([target.unit_id], [target.year]):
            raise ValidationError(
                _(
                    "Năm %(year)d của %(unit)s đã có tháng được phê duyệt: không xóa chỉ tiêu; "
                    "người phê duyệt có thể điều chỉnh giá trị, có ghi lý do."
                )
                % {"year": target.year, "unit": target.unit.name}
            )
    for target in targets:
        _delete(row=target, user=user, source=source)
    return len(targets)


@dataclass(frozen=True)
class TargetAdjustment:
    """A target changed while its year had approved months."""

    indicator: Indicator
    authority: Authority
    value: Decimal  # the target now, in the indicator's unit
    adjusted_at: datetime
    reason: str


def target_adjustments(*, unit: Unit, year: int) -> list[TargetAdjustment]:
    """``unit``'s targets of ``year`` adjusted after approval, latest first (one query).

    What the period pages show as "chỉ tiêu đã điều chỉnh sau khi phê duyệt", with the date.
    """
    rows = (
        Target.objects.filter(unit=unit, year=year, adjusted_after_approval_at__isnull=False)
        .select_related("indicator", "authority")
        .order_by("-adjusted_after_approval_at", "pk")
    )
    return [
        TargetAdjustment(
            indicator=t.indicator,
            authority=t.authority,
            value=t.value,
            adjusted_at=t.adjusted_after_approval_at,
            reason=t.adjustment_reason,
        )
        for t in rows
    ]


# --- Units --------------------------------------------------------------------------------

UNIT_FIELDS = (
    "code",
    "name",
    "name_en",
    "level",
    "parent_id",
    "order",
    "reporting_deadline_day",
    "valid_from",
    "valid_until",
)
UNIT_OPTIONAL = {"reporting_deadline_day"}  # kept as stored when a caller does not give it


def unit_refusal(*, unit: Unit | None, parent_id: int | None, user) -> dict[str, str]:
    """Why ``unit`` (the stored row; None for a new unit) may not be put under ``parent_id``:
    {field: message}, empty when it may. Asked by the form, and by :func:`save_unit` again
    under the locks.

    - only a superuser makes a unit with no parent (a root);
    - the writer needs ``manage`` on the new parent;
    - a unit is never put under itself or a unit under it (a loop);
    - a unit is not moved while a month it contributes figures to is approved, under the
      old parent's chain or the new one's: the move would change approved numbers.
    """
    moving = unit is None or unit.parent_id != parent_id
    if not moving:
        return {}
    tree = unit_tree.current()
    if parent_id is None:
        if user is not None and not user.is_superuser and (unit is None or unit.parent_id):
            return {
                "parent": _(
                    "Chỉ quản trị hệ thống được tạo đơn vị cấp cao nhất; hãy chọn đơn vị cấp trên."
                )
            }
        parent = None
    else:
        parent = tree.get(parent_id) if parent_id in tree else Unit.objects.get(pk=parent_id)
        if user is not None and not access.can(user, Action.MANAGE, parent):
            return {"parent": access.refusal(Action.MANAGE, parent)}
    if unit is None:
        return {}
    if parent is not None and tree.would_loop(unit.pk, parent.pk):
        return {
            "parent": _(
                "Không đặt được %(parent)s làm đơn vị cấp trên của %(unit)s: %(parent)s là "
                "%(unit)s hoặc nằm dưới %(unit)s (các đơn vị sẽ thành một vòng)."
            )
            % {"parent": parent.name, "unit": unit.name}
        }
    holders = set(tree.chain_ids(unit.pk)[1:])
    if parent is not None:
        holders.update(tree.chain_ids(parent.pk))
    approved = MonthApproval.objects.filter(
        unit_id__in=holders, status=MonthApproval.Status.APPROVED
    ).select_related("unit")
    months = {(a.year, a.month): a for a in approved.order_by("year", "month", "unit_id")}
    if months:
        contributed = (
            Figure.objects.filter(
                unit_id__in=tree.subtree_ids(unit.pk), year__in={y for y, _m in months}
            )
            .values_list("year", "month")
            .distinct()
        )
        blocking = sorted(set(contributed) & set(months))
        if blocking:
            holder = months[blocking[0]]
            return {
                "parent": _(
                    "Không chuyển được %(unit)s: số liệu của đơn vị này thuộc tháng "
                    "%(month)d/%(year)d của %(approved_unit)s, đã được phê duyệt. Người phê "
                    "duyệt phải mở lại tháng đó trước khi chuyển."
                )
                % {
                    "unit": unit.name,
                    "month": holder.month,
                    "year": holder.year,
                    "approved_unit": holder.unit.name,
                }
            }
    return {}


@transaction.atomic
def save_unit(*, unit_id: int | None, data: dict, user, source: str = "admin") -> Unit:
    """Add (``unit_id`` None) or change a unit; ``data`` holds :data:`UNIT_FIELDS`.

    Needs ``manage`` on the unit, and the checks of :func:`unit_refusal` when its parent is
    set or changed; raises ``ValidationError`` (keyed by field) or ``PermissionDenied``.
    """
    data = {
        name: data.get(name) for name in UNIT_FIELDS if name in data or name not in UNIT_OPTIONAL
    }
    data["order"] = data["order"] or 0
    refusal = lineage_rules.validity_refusal(data["valid_from"], data["valid_until"])
    if refusal:
        raise ValidationError({"valid_until": refusal})
    stored = Unit.objects.get(pk=unit_id) if unit_id else None
    involved = {data["parent_id"]} - {None}
    if stored is not None:
        involved.add(stored.pk)
    approval.lock_unit_ids(involved)
    unit_tree.forget()  # read the tree as it is now that the rows are locked
    if stored is not None:
        stored = Unit.objects.select_for_update().get(pk=unit_id)
        if user is not None:
            access.require(user, Action.MANAGE, stored)
    problems = unit_refusal(unit=stored, parent_id=data["parent_id"], user=user)
    if problems:
        raise ValidationError(problems)
    if stored is None:
        return _create(model=Unit, data=data, user=user, source=source)
    model_update(instance=stored, data=data, user=user, source=source)
    return stored


@transaction.atomic
def delete_units(*, unit_ids: Iterable[int], user, source: str = "admin") -> int:
    """Delete units (none with figures, targets or sub-units: the database protects those)."""
    unit_ids = list(unit_ids)
    approval.lock_unit_ids(unit_ids)
    units = list(Unit.objects.select_for_update().filter(pk__in=unit_ids))
    for unit in units:
        if user is not None:
            access.require(user, Action.MANAGE, unit)
    for unit in units:
        _delete(row=unit, user=user, source=source)
    return len(units)


# --- Lineage: the units a unit was formed from ---------------------------------------------


def lineage_refusal(*, unit: Unit, links: dict[int, Decimal]) -> str:
    """Why ``unit`` may not be formed from ``links`` (predecessor id → share): "" when it may.

    Each share lies in 0 < share ≤ 1; one predecessor's shares over all its successors add up
    to 1 at most; a unit is never, through its predecessors, its own predecessor.
    """
    names = dict(Unit.objects.filter(pk__in=[*links, unit.pk]).values_list("pk", "name"))
    for predecessor_id, share in links.items():
        problem = lineage_rules.share_refusal(names.get(predecessor_id, "?"), share)
        if problem:
            return problem
    others = Predecessor.objects.filter(predecessor_id__in=list(links)).exclude(unit=unit)
    stored = [(link.unit_id, link.predecessor_id, link.share) for link in others]
    planned = stored + [(unit.pk, pid, share) for pid, share in links.items()]
    for predecessor_id, total in lineage_rules.overcommitted(planned).items():
        return _(
            "Các phần của %(unit)s chuyển sang những đơn vị mới cộng lại bằng %(total)s, "
            "vượt quá 1."
        ) % {"unit": names.get(predecessor_id, "?"), "total": lineage_rules.format_share(total)}
    graph: dict[int, list[int]] = defaultdict(list)
    for link in Predecessor.objects.exclude(unit=unit).values_list("unit_id", "predecessor_id"):
        graph[link[0]].append(link[1])
    graph[unit.pk] = list(links)
    if unit.pk in lineage_rules.cycle_members(graph):
        return _(
            "%(unit)s không thể hình thành từ các đơn vị này: một trong số đó lại hình thành "
            "từ %(unit)s (quá trình hình thành thành một vòng)."
        ) % {"unit": unit.name}
    return ""


@transaction.atomic
def save_predecessors(
    *, unit: Unit, links: dict[int, Decimal], user, source: str = "admin"
) -> None:
    """Set the units ``unit`` was formed from (predecessor id → share), replacing the old list.

    Needs ``manage`` on the unit; refused (``ValidationError``) by :func:`lineage_refusal`.
    """
    approval.lock_unit_ids([unit.pk])
    if user is not None:
        access.require(user, Action.MANAGE, unit)
    problem = lineage_refusal(unit=unit, links=links)
    if problem:
        raise ValidationError(problem)
    replace_predecessors(unit_id=unit.pk, links=links, user=user, source=source)


def replace_predecessors(*, unit_id: int, links: dict[int, Decimal], user, source: str) -> None:
    """Write a checked lineage (compare, then save each row), under the caller's locks: the
    import checks a whole workbook's lineage before it writes any of it."""
    stored = {link.predecessor_id: link for link in Predecessor.objects.filter(unit_id=unit_id)}
    for predecessor_id, link in stored.items():
        if predecessor_id not in links:
            _delete(row=link, user=user, source=source)
    for predecessor_id, share in links.items():
        if predecessor_id in stored:
            model_update(
                instance=stored[predecessor_id], data={"share": share}, user=user, source=source
            )
        else:
            _create(
                model=Predecessor,
                data={"unit_id": unit_id, "predecessor_id": predecessor_id, "share": share},
                user=user,
                source=source,
            )


# --- The catalogue: areas, indicators, authorities -------------------------------------------

CATALOGUE_FIELDS = {
    Area: ("code", "name", "name_en", "order"),
    Authority: ("code", "name", "name_en", "report_phrase", "report_phrase_en", "order"),
    Indicator: (
        "code",
        "name",
        "name_en",
        "short_name",
        "short_name_en",
        "area_id",
        "unit",
        "unit_en",
        "kind",
        "direction",
        "numerator_label",
        "denominator_label",
        "is_main",
        "is_active",
        "entry_levels",
        "decimal_places",
        "order",
    ),
}


def may_edit_catalogue(user) -> bool:
    """The catalogue is shared by every unit: only a superuser or a city administrator whose
    grant is on a root of the unit tree (nothing above it) changes it."""
    if user is None:  # a command
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    roots = {u.pk for u in unit_tree.current().roots()}
    return RoleGrant.objects.filter(
        user=user, role=RoleGrant.Role.CITY_ADMIN, unit_id__in=roots
    ).exists()


def _require_catalogue_right(user) -> None:
    if not may_edit_catalogue(user):
        raise PermissionDenied(
            _("Chỉ quản trị cấp cao nhất được sửa danh mục chỉ tiêu, lĩnh vực và cơ quan giao.")
        )


def kind_refusal(*, indicator: Indicator | None, kind: str) -> str | None:
    """An indicator's kind says how its figures add up: it stays once it has figures."""
    if indicator is None or indicator.pk is None or indicator.kind == kind:
        return None
    if Figure.objects.filter(indicator_id=indicator.pk).exists():
        return _(
            "Không đổi được loại của chỉ tiêu “%(name)s”: chỉ tiêu đã có số liệu, đổi loại sẽ "
            "làm sai cách cộng số liệu đã nhập (kể cả các tháng đã phê duyệt)."
        ) % {"name": indicator.name}
    return None


@transaction.atomic
def save_catalogue_row(*, model, row_id: int | None, data: dict, user, source: str = "admin"):
    """Add or change an area, an indicator or an authority (``data``: its
    :data:`CATALOGUE_FIELDS`). An indicator's kind does not change once it has figures;
    unticking ``is_active`` is allowed (the indicator leaves the grid and open periods)."""
    _require_catalogue_right(user)
    data = {name: data[name] for name in CATALOGUE_FIELDS[model]}
    if row_id is None:
        return _create(model=model, data=data, user=user, source=source)
    stored = model.objects.select_for_update().get(pk=row_id)
    if model is Indicator:
        refusal = kind_refusal(indicator=stored, kind=data["kind"])
        if refusal:
            raise ValidationError({"kind": refusal})
    model_update(instance=stored, data=data, user=user, source=source)
    return stored


@transaction.atomic
def delete_catalogue_rows(*, model, row_ids: Iterable[int], user, source: str = "admin") -> int:
    """Delete catalogue rows (the database protects those in use)."""
    _require_catalogue_right(user)
    rows = list(model.objects.select_for_update().filter(pk__in=list(row_ids)))
    for row in rows:
        _delete(row=row, user=user, source=source)
    return len(rows)


# --- Approval -----------------------------------------------------------------------------

Status = MonthApproval.Status


def _month_name(unit: Unit, year: int, month: int) -> dict:
    return {"month": month, "year": year, "unit": unit.name}


class MissingUnits(ValidationError):
    """Submitting or approving a month while units under the unit have not submitted it:
    refused unless the user confirms (``confirm_missing``); ``units`` are those units."""

    def __init__(self, *, unit: Unit, year: int, month: int, units: list[Unit]):
        self.units = units
        super().__init__(
            _(
                "Còn %(count)d đơn vị trực thuộc %(unit)s chưa gửi duyệt tháng "
                "%(month)d/%(year)d: %(names)s. Phải xác nhận nếu vẫn muốn tiếp tục."
            )
            % {
                **_month_name(unit, year, month),
                "count": len(units),
                "names": ", ".join(member.name for member in units),
            }
        )


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
    confirm_missing: bool = False,
) -> MonthApproval:
    """Move a month's approval to ``to``; ``refused_from`` maps each current state from which
    the move is refused to the message saying why.

    Submitting or approving while expected units under the unit have not submitted the month
    raises :class:`MissingUnits` unless ``confirm_missing``; the codes of the units confirmed
    missing are kept in ``confirmed_missing`` (and so in the month's history).
    """
    validate_period(year, month)
    approval.lock_unit_ids([unit.pk])
    access.require(user, action, unit)
    row = MonthApproval.objects.select_for_update().filter(unit=unit, year=year, month=month)
    row = row.first()
    current = row.status if row else Status.OPEN
    if current in refused_from:
        raise ValidationError(refused_from[current] % _month_name(unit, year, month))
    if (
        to == Status.APPROVED
        and not settings.WARD_REPORT_SINGLE_PERSON_APPROVAL
        and row.changed_by_id is not None
        and row.changed_by_id == user.pk
    ):
        raise ValidationError(
            _(
                "Tháng %(month)d/%(year)d của %(unit)s do chính bạn gửi duyệt; phải do một "
                "người phê duyệt khác phê duyệt."
            )
            % _month_name(unit, year, month)
        )
    data = {"status": to, "changed_by_id": user.pk, "reason": reason, "confirmed_missing": ""}
    if to == Status.OPEN:
        data["submitted_at"] = None
    else:
        missing = approval.unsubmitted_below(unit=unit, year=year, month=month)
        if missing and not confirm_missing:
            raise MissingUnits(unit=unit, year=year, month=month, units=missing)
        data["confirmed_missing"] = " ".join(member.code for member in missing)
    if to == Status.SUBMITTED:
        data["submitted_at"] = timezone.now()
    if row is None:
        return _create(
            model=MonthApproval,
            data={"unit": unit, "year": year, "month": month, **data},
            user=user,
            source=source,
        )
    model_update(instance=row, data=data, user=user, source=source)
    return row


def submit_month(
    *, unit: Unit, year: int, month: int, user, source: str = "admin", confirm_missing=False
):
    """open → submitted: the month's figures are ready for the approver (see
    :func:`_move_month` for units under it that have not submitted)."""
    return _move_month(
        unit=unit,
        year=year,
        month=month,
        user=user,
        action="submit",
        to=Status.SUBMITTED,
        source=source,
        confirm_missing=confirm_missing,
        refused_from={
            Status.SUBMITTED: _("Tháng %(month)d/%(year)d của %(unit)s đã được gửi duyệt."),
            Status.APPROVED: _("Tháng %(month)d/%(year)d của %(unit)s đã được phê duyệt."),
        },
    )


def approve_month(
    *, unit: Unit, year: int, month: int, user, source: str = "admin", confirm_missing=False
):
    """submitted → approved: the month's figures (the unit's and its sub-units') are locked.

    By default the approver is not the person who submitted the month
    (``WARD_REPORT_SINGLE_PERSON_APPROVAL`` allows it, for one-person offices).
    """
    return _move_month(
        unit=unit,
        year=year,
        month=month,
        user=user,
        action="approve",
        to=Status.APPROVED,
        source=source,
        confirm_missing=confirm_missing,
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

GRID_ACTIONS = (
    Action.ENTER,
    Action.SUBMIT,
    Action.APPROVE,
    Action.REOPEN,
)  # the roles that open the month grid


def grid_unit_ids(user) -> set[int]:
    """The units whose month grid ``user`` may open (to enter, submit, approve or reopen)."""
    found: set[int] = set()
    for action in GRID_ACTIONS:
        ids = access.unit_ids_for(user, action)
        if ids is None:
            return set(unit_tree.current().units)
        found |= ids
    return found


def _require_granting_right(by) -> None:
    if by is not None and not (by.is_active and by.is_superuser):
        raise PermissionDenied(_("Chỉ quản trị hệ thống được phân quyền."))


def _make_staff(user) -> None:
    # The admin site only lets in staff, and every role works in the admin (entry, approval,
    # lists). Django's model permissions are not used: what a user may do comes from grants.
    access.forget(user)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def grant_role(*, user, unit: Unit, role: str, by=None, source: str = "command") -> RoleGrant:
    """Give ``user`` a role on ``unit`` (and everything under it); ``by`` is who grants it
    (a superuser; None for a command). A grant also marks the user as staff."""
    approval.lock_unit_ids([unit.pk])
    _require_granting_right(by)
    grant = RoleGrant.objects.filter(user=user, unit=unit, role=role).first()
    if grant is None:
        grant = _create(
            model=RoleGrant, data={"user": user, "unit": unit, "role": role}, user=by, source=source
        )
    _make_staff(user)
    return grant


@transaction.atomic
def save_grant(*, grant_id: int | None, data: dict, by, source: str = "admin") -> RoleGrant:
    """Add or change a role grant (``data``: ``user_id``, ``unit_id``, ``role``)."""
    data = {name: data[name] for name in ("user_id", "unit_id", "role")}
    stored = RoleGrant.objects.get(pk=grant_id) if grant_id else None
    approval.lock_unit_ids({data["unit_id"]} | ({stored.unit_id} if stored else set()))
    _require_granting_right(by)
    if stored is None:
        grant = _create(model=RoleGrant, data=data, user=by, source=source)
    else:
        grant = RoleGrant.objects.select_for_update().get(pk=grant_id)
        model_update(instance=grant, data=data, user=by, source=source)
    _make_staff(grant.user)
    return grant


@transaction.atomic
def delete_grants(*, grant_ids: Iterable[int], by, source: str = "admin") -> int:
    """Take role grants away: all of them or none."""
    _require_granting_right(by)
    grants = list(RoleGrant.objects.select_for_update().filter(pk__in=list(grant_ids)))
    for grant in grants:
        _delete(row=grant, user=by, source=source)
        access.forget(grant.user)
    return len(grants)
