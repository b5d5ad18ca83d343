"""Planning an import: the workbook's rows as records, checked against each other, the kinds'
rules and the database, matched with their database rows, and checked against the user's rights
and the approvals. Writes nothing (:mod:`.writer` does).

An area, an authority or an indicator may be named by code or by exact name; names are turned
into codes first (:meth:`_Planner._resolve_names`), so everything after reads codes. Units are
named by code only.

A unit outside the user's grant is treated exactly as a unit that does not exist: every message
about it is the one a code that names no unit gets, whatever the row would change. The units
above a granted unit are not hidden (the pages and the data file name them).
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators import access, approval
from indicators.access import Action
from indicators.core import lineage_rules
from indicators.core.lineage_rules import month_in_validity, validity_refusal
from indicators.entry.services import validate_figure, validate_target
from indicators.exchange.reader import (
    MAX_ERRORS,
    CellError,
    Cells,
    RawWorkbook,
    WorkbookRejected,
    read_values,
)
from indicators.exchange.schema import SHEETS, Column, ColumnType, Sheet, fold, sheet_label
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    Predecessor,
    Unit,
)
from indicators.tree import UnitTree

CREATE, UPDATE, KEEP = "created", "updated", "unchanged"
CATALOGUE = ("areas", "authorities", "indicators")  # shared by every unit
NEW = object()  # the id of a row this import creates: differs from every stored id


@dataclass(frozen=True)
class Record:
    """One valid row of a sheet: its typed ``values`` by column name (the columns the sheet's
    header has). Columns read as attributes: ``record.unit``; an absent one is None."""

    sheet: str
    row: int  # the row number in the sheet
    values: dict[str, object]

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("sheet", "row", "values"):
            raise AttributeError(name)
        if name not in SHEETS[self.sheet].by_name:
            raise AttributeError(name)
        return self.values.get(name)

    @property
    def key(self) -> tuple:
        return tuple(self.values.get(column) for column in SHEETS[self.sheet].natural_key)


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Change:
    """What importing one row does: ``action`` is CREATE, UPDATE or KEEP."""

    record: Record
    action: str
    current: object | None  # the database row it updates, None for a new one


@dataclass
class ImportPlan:
    """Validated content and what writing it would change, sheet by sheet."""

    file_name: str
    records: dict[str, list[Record]] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(default_factory=dict)
    unit_tree: UnitTree | None = None  # the tree after the import; new units have ids < 0
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → code → name

    def name_of(self, key: str, code: str) -> str:
        """The name of the row of sheet ``key`` with ``code`` after the import ("" if none)."""
        return self.names.get(key, {}).get(code, "")

    @property
    def counts(self) -> dict[str, SheetCounts]:
        result = {}
        for key in SHEETS:
            changes = self.changes.get(key, [])
            result[key] = SheetCounts(
                created=sum(c.action == CREATE for c in changes),
                updated=sum(c.action == UPDATE for c in changes),
                unchanged=sum(c.action == KEEP for c in changes),
            )
        return result

    @property
    def changes_anything(self) -> bool:
        return any(c.action != KEEP for changes in self.changes.values() for c in changes)

    def changing(self, key: str) -> list[Change]:
        return [c for c in self.changes.get(key, []) if c.action != KEEP]

    @property
    def fingerprint(self) -> str:
        """What the plan would do and the stored values it compared with: two plans of one file
        with the same fingerprint write the same thing over the same rows."""
        digest = hashlib.sha256()
        for key, changes in self.changes.items():
            plain = [c for c in SHEETS[key].columns if c.type != ColumnType.REFERENCE]
            references = [f"{c.field}_id" for c in _references(SHEETS[key])]
            for change in changes:
                current = change.current
                stored = (
                    [c.stored(current) for c in plain]
                    + [getattr(current, attname) for attname in references]
                    if current is not None
                    else []
                )
                digest.update(repr((key, change.record.row, change.action, stored)).encode())
        return digest.hexdigest()


def _references(sheet: Sheet):
    return [c for c in sheet.columns if c.type == ColumnType.REFERENCE]


def plan_import(raw: RawWorkbook, *, user=None) -> ImportPlan:
    """Validate every row against the kinds' rules and the database; find what would change.

    With a ``user``, every row that would change must be theirs to change (``access``); for
    everyone, no changed figure may fall in a month locked by an approval, and no unit may move
    while a month it adds into is approved above it. Raises :class:`WorkbookRejected` with
    every problem found. Writes nothing. Call it under the units' row locks (``writer`` does).
    """
    return _Planner(raw, user).run()


class _Planner:
    def __init__(self, raw: RawWorkbook, user):
        self.raw, self.user = raw, user
        self.errors: list[CellError] = []
        self.plan = ImportPlan(file_name=raw.file_name)
        self._ids: dict[str, dict[str, int]] = {}  # sheet → code → stored id, read on first use
        self._catalogue: dict[str, dict[str, str]] = {}  # sheet → code → name after the import
        self._by_name: dict[str, dict[str, list[str]]] = {}  # sheet → folded name → codes
        self.db_tree = UnitTree.load()  # read afresh: the import runs under its row locks
        visible = None if user is None else access.unit_ids_for(user, Action.VIEW)
        if visible is None:
            self.known: set[int] | None = None
        else:
            self.known = set(visible)
            for unit_id in visible:
                self.known.update(self.db_tree.chain_ids(unit_id))

    # --- records ---------------------------------------------------------------------------

    def run(self) -> ImportPlan:
        for key, sheet in SHEETS.items():  # a sheet's references come before it
            records = self._resolve_names(sheet, self._read(sheet))
            self.plan.records[key] = self._unique(key, records)
        self._check_references()
        if not self.errors:
            self._keep_names()
            self._find_changes()
            self._check_rights()
            check_locks(self.plan, self.errors)
        if self.errors:
            raise WorkbookRejected(sorted(self.errors, key=_position)[:MAX_ERRORS])
        return self.plan

    def error(self, record: Record, column: str, message: str) -> None:
        self.errors.append(CellError(record.sheet, record.row, column, message))

    def _read(self, sheet: Sheet):
        columns = self.raw.headers.get(sheet.key, set())
        for row in self.raw.sheets.get(sheet.key, []):
            if len(self.errors) >= MAX_ERRORS:
                return
            cells = Cells(sheet.key, row, self.errors)
            values = read_values(sheet, row, columns, cells)
            if sheet.key == "units" and values.get("code") and values["parent"] == values["code"]:
                cells.error("parent", _("Một đơn vị không thể là cấp trên của chính nó."))
            if sheet.key == "targets" and values.get("value") is not None and values["value"] < 0:
                cells.error("value", _("Chỉ tiêu không được âm."))
            if cells.ok:
                yield Record(sheet.key, row.number, values)

    def _resolve_names(self, sheet: Sheet, records) -> list[Record]:
        """Catalogue references given by name, as codes: a value that is a code (of this
        workbook or of the database) is that code; otherwise a name (as :func:`fold` matches:
        case and Unicode form ignored) that only one row has is that row's code. A name that
        several rows share is an error naming their codes; a value that is neither is left
        for :meth:`_check_references` to refuse."""
        named = [c for c in sheet.columns if c.type == ColumnType.REFERENCE and c.named]
        records = list(records)
        if not named:
            return records
        resolved = []
        for record in records:
            values = dict(record.values)
            for column in named:
                value = values.get(column.name)
                if value:
                    values[column.name] = self._code_for(record, column, value)
            if all(values.get(c.name) is not None for c in named):
                resolved.append(Record(record.sheet, record.row, values))
        return resolved

    def _code_for(self, record: Record, column: Column, value: str) -> str | None:
        """``value``'s code in sheet ``column.references``: None (and an error) when ambiguous."""
        if value in self._names(column.references):
            return value
        codes = self._by_name[column.references].get(fold(value), [])
        if len(codes) > 1:
            self.error(
                record,
                column.name,
                _(
                    "Có %(count)d dòng trang %(sheet)s cùng tên “%(name)s” (mã %(codes)s); hãy "
                    "ghi mã thay cho tên."
                )
                % {
                    "count": len(codes),
                    "sheet": sheet_label(column.references),
                    "name": value,
                    "codes": ", ".join(codes),
                },
            )
            return None
        return codes[0] if codes else value

    def _names(self, key: str) -> dict[str, str]:
        """Code → name of every row of catalogue sheet ``key`` after the import (the
        workbook's name over the stored one). The catalogue is small: read whole, once."""
        if key not in self._catalogue:
            names = dict(SHEETS[key].model.objects.values_list("code", "name"))
            names.update({r.code: r.name for r in self.plan.records.get(key, [])})
            self._catalogue[key] = names
            self._by_name[key] = {}
            for code, name in sorted(names.items()):
                self._by_name[key].setdefault(fold(name), []).append(code)
        return self._catalogue[key]

    def _keep_names(self) -> None:
        """The names the preview shows beside codes: units, the catalogue."""
        names = self.plan.names
        names["units"] = {code: unit.name for code, unit in self.plan.unit_tree.by_code.items()}
        names["units"].update({r.code: r.name for r in self.plan.records["units"]})
        names["indicators"] = {code: i.name for code, i in self.indicators.items()}
        for key in ("areas", "authorities"):
            names[key] = dict(self._names(key))

    def _unique(self, key: str, records) -> list[Record]:
        """Keep the first row of each natural key; every later one is an error."""
        first_row: dict = {}
        kept = []
        for record in records:
            if record.key in first_row:
                self.error(
                    record,
                    "",
                    _("Dòng bị trùng với dòng %(row)d (cùng mã hoặc cùng khóa).")
                    % {"row": first_row[record.key]},
                )
                continue
            first_row[record.key] = record.row
            kept.append(record)
        return kept

    # --- references ------------------------------------------------------------------------

    def db_unit(self, code: str) -> Unit | None:
        """The stored unit with ``code``, or None when there is none or the user may not see
        it (the two are answered alike)."""
        unit = self.db_tree.by_code.get(code)
        if unit is None or (self.known is not None and unit.id not in self.known):
            return None
        return unit

    def _check_references(self) -> None:
        """Every code names a row of this workbook or of the database; rules that need the
        indicator's kind (a ratio's counts, a percentage's bounds) are checked here too."""
        records = self.plan.records
        no_unit = _("Không có đơn vị có mã “%(code)s”.")
        for record in records["units"]:
            stored = self.db_tree.by_code.get(record.code)
            if stored is not None and self.db_unit(record.code) is None:
                self.error(record, "code", no_unit % {"code": record.code})
        areas = self._codes(Area, "areas", {r.area for r in records["indicators"]})
        authorities = self._codes(
            Authority, "authorities", {r.authority for r in records["targets"]}
        )
        indicator_codes = {r.indicator for key in ("targets", "figures") for r in records[key]}
        indicator_codes |= {r.code for r in records["indicators"]}
        self.db_indicators = {i.code: i for i in Indicator.objects.filter(code__in=indicator_codes)}
        self.indicators = dict(self.db_indicators)  # the version each figure is checked against
        for record in records["indicators"]:
            stored = self.db_indicators.get(record.code)
            values = {c.field: v for c, v in _plain_values(record)}
            self.indicators[record.code] = Indicator(
                **{**_stored_fields(stored, Indicator), **values, "code": record.code}
            )
            if record.area not in areas:
                self.error(
                    record,
                    "area",
                    _(
                        "Không có lĩnh vực có mã hoặc tên “%(code)s” (trong trang Lĩnh vực hoặc "
                        "trong hệ thống)."
                    )
                    % {"code": record.area},
                )
        self._check_kind_changes()
        self._check_unit_tree()
        self._check_lineage()

        new_units = {r.code for r in records["units"]}
        for key in ("targets", "figures"):
            named = {r.values["unit"] for r in records[key]}
            unknown = {c for c in named if c not in new_units and self.db_unit(c) is None}
            for record in records[key]:
                unit, indicator = record.values["unit"], record.values["indicator"]
                if unit in unknown:
                    self.error(record, "unit", no_unit % {"code": unit})
                if indicator not in self.indicators:
                    self.error(
                        record,
                        "indicator",
                        _("Không có chỉ tiêu có mã hoặc tên “%(code)s”.") % {"code": indicator},
                    )
        for record in records["targets"]:
            indicator = self.indicators.get(record.indicator)
            if indicator is not None and record.value is not None:
                message = validate_target(indicator, value=record.value)
                if message:
                    self.error(record, "value", message)
            if record.authority not in authorities:
                self.error(
                    record,
                    "authority",
                    _("Không có cơ quan giao chỉ tiêu có mã hoặc tên “%(code)s”.")
                    % {"code": record.authority},
                )
        levels = {code: unit.level for code, unit in self.db_tree.by_code.items()}
        levels.update({r.code: r.level for r in records["units"]})  # as the import leaves them
        # The level each unit code is checked at: None for a code that names no unit the user
        # may see (refused above), worked out once per code rather than once per row.
        level_of = {
            code: levels.get(code) if code in new_units or self.db_unit(code) is not None else None
            for code in {r.values["unit"] for r in records["figures"]}
        }
        for record in records["figures"]:
            values = record.values
            unit, year, month = values["unit"], values["year"], values["month"]
            validity = self.validity.get(unit)
            if validity and not month_in_validity(year, month, *validity):
                self.error(
                    record,
                    "month",
                    _(
                        "Đơn vị “%(code)s” không tồn tại trong tháng %(month)d/%(year)d (ngoài "
                        "thời gian hiệu lực của đơn vị); không nhập được số liệu này."
                    )
                    % {"code": unit, "month": month, "year": year},
                )
            indicator = self.indicators.get(values["indicator"])
            if indicator is None:
                continue
            problems = validate_figure(
                indicator,
                level=level_of[unit],
                value=values.get("value"),
                numerator=values.get("numerator"),
                denominator=values.get("denominator"),
            )
            for column, message in problems.items():
                self.error(record, column, message)

    def _codes(self, model, key: str, codes: set[str]) -> set[str]:
        """The codes among ``codes`` that name a row of sheet ``key`` or of the database."""
        stored = set(model.objects.filter(code__in=codes).values_list("code", flat=True))
        return stored | {r.code for r in self.plan.records[key]}

    def _check_kind_changes(self) -> None:
        """An indicator's kind decides how its stored figures read; it cannot change under them."""
        changed = {
            r.code: r
            for r in self.plan.records["indicators"]
            if r.code in self.db_indicators and self.db_indicators[r.code].kind != r.kind
        }
        if not changed:
            return
        with_figures = set(
            Figure.objects.filter(indicator__code__in=changed)
            .values_list("indicator__code", flat=True)
            .distinct()
        )
        for code in sorted(with_figures):
            self.error(
                changed[code],
                "kind",
                _("Chỉ tiêu “%(code)s” đã có số liệu loại “%(old)s”; không thể đổi sang “%(new)s”.")
                % {"code": code, "old": self.db_indicators[code].kind, "new": changed[code].kind},
            )

    def _check_unit_tree(self) -> None:
        """Parents exist, and the tree after the import has no loop (``UnitTree.would_loop``
        over the planned tree: the stored units with the workbook's parents)."""
        records = [r for r in self.plan.records["units"] if not self._hidden(r.code)]
        planned = {
            unit.id: Unit(id=unit.id, code=unit.code, name=unit.name, parent_id=unit.parent_id)
            for unit in self.db_tree.units.values()
        }
        ids: dict[str, int] = {unit.code: unit.id for unit in planned.values()}
        for number, record in enumerate(r for r in records if r.code not in ids):
            ids[record.code] = -(number + 1)
            planned[ids[record.code]] = Unit(
                id=ids[record.code], code=record.code, name=record.name
            )
        wanted = {}
        for record in records:
            parent = record.parent
            if parent and (parent not in ids or self._hidden(parent)):
                self.error(
                    record,
                    "parent",
                    _("Không có đơn vị cấp trên có mã “%(code)s”.") % {"code": parent},
                )
                continue
            wanted[record.code] = ids[parent] if parent else None
            planned[ids[record.code]].parent_id = wanted[record.code]
        tree = UnitTree.of(planned.values())
        for record in records:
            if record.code in wanted and tree.would_loop(ids[record.code], wanted[record.code]):
                self.error(
                    record,
                    "parent",
                    _("Đơn vị cấp trên tạo thành vòng lặp (một đơn vị nằm dưới chính nó)."),
                )
        self.plan.unit_tree = tree

    def _check_lineage(self) -> None:
        """Validity and predecessors after the import: an end not before the start, codes that
        exist, one predecessor's shares adding up to 1 at most, and no unit its own ancestor
        in lineage. Keeps ``self.validity`` (code → (valid_from, valid_until)) for the figures.
        """
        records = [r for r in self.plan.records["units"] if not self._hidden(r.code)]
        self.validity = {
            unit.code: (unit.valid_from, unit.valid_until) for unit in self.db_tree.units.values()
        }
        for record in records:
            stored = self.validity.get(record.code, (None, None))
            planned = (  # an absent column keeps the stored date
                record.values.get("valid_from", stored[0]),
                record.values.get("valid_until", stored[1]),
            )
            self.validity[record.code] = planned
            problem = validity_refusal(*planned)
            if problem:
                self.error(record, "valid_until", problem)
        lined = {r.code: r for r in records if "predecessors" in r.values}
        if not lined:
            return
        known = {r.code for r in records} | {
            code for code in self.db_tree.by_code if not self._hidden(code)
        }
        graph: dict[str, list[str]] = {}
        links: list[tuple[str, str, Decimal]] = []
        for link in Predecessor.objects.exclude(unit__code__in=lined).values_list(
            "unit__code", "predecessor__code", "share"
        ):
            graph.setdefault(link[0], []).append(link[1])
            links.append(link)
        for code, record in lined.items():
            for predecessor, share in record.predecessors:
                if predecessor == code:
                    self.error(
                        record, "predecessors", _("Một đơn vị không thể hình thành từ chính nó.")
                    )
                elif predecessor not in known:
                    self.error(
                        record,
                        "predecessors",
                        _("Không có đơn vị có mã “%(code)s”.") % {"code": predecessor},
                    )
                graph.setdefault(code, []).append(predecessor)
                links.append((code, predecessor, share))
        for predecessor, total in sorted(lineage_rules.overcommitted(links).items()):
            first = next(r for c, r in lined.items() if predecessor in dict(r.predecessors))
            self.error(
                first,
                "predecessors",
                _(
                    "Các phần của đơn vị “%(code)s” chuyển sang những đơn vị mới cộng lại bằng "
                    "%(total)s, vượt quá 1."
                )
                % {"code": predecessor, "total": lineage_rules.format_share(total)},
            )
        for code in sorted(lineage_rules.cycle_members(graph) & set(lined)):
            self.error(
                lined[code],
                "predecessors",
                _(
                    "Đơn vị “%(code)s” lại là đơn vị cũ của chính nó qua các đơn vị hình thành "
                    "(quá trình hình thành thành một vòng)."
                )
                % {"code": code},
            )

    def _hidden(self, code: str) -> bool:
        return code in self.db_tree.by_code and self.db_unit(code) is None

    # --- comparing with the database -------------------------------------------------------

    def _find_changes(self) -> None:
        """Match each record with its database row by natural key: a few queries per sheet."""
        records, changes = self.plan.records, self.plan.changes
        for key in ("areas", "authorities", "units", "indicators"):
            model = SHEETS[key].model
            codes = [r.code for r in records[key]]
            rows = model.objects.filter(code__in=codes)
            if key == "units":
                rows = rows.prefetch_related("predecessor_links__predecessor")
            stored = {row.code: row for row in rows}
            compare = _Comparison(SHEETS[key], self.ids)
            changes[key] = [compare(r, stored.get(r.code)) for r in records[key]]
        for key in ("targets", "figures"):
            sheet = SHEETS[key]
            rows = records[key]
            ids = _remembered(self.ids)  # a few hundred codes, each named by many rows
            units = {ids("units", c) for c in {r.values["unit"] for r in rows}}
            indicators = {ids("indicators", c) for c in {r.values["indicator"] for r in rows}}
            stored = sheet.model.objects.filter(
                unit_id__in=units - {NEW},
                indicator_id__in=indicators - {NEW},
                year__in={r.values["year"] for r in rows},
            )
            stored_key = _stored_key_function(sheet)
            by_key = {stored_key(row): row for row in stored.order_by().iterator(chunk_size=5000)}
            key_of, compare = _record_key_function(sheet, ids), _Comparison(sheet, ids)
            changes[key] = [compare(r, by_key.get(key_of(r))) for r in rows]

    def ids(self, key: str, code: str) -> int | object | None:
        """The stored id of the row of sheet ``key`` with ``code``; NEW for a row this import
        creates; None for no code."""
        if not code:
            return None
        if key == "units":
            unit = self.db_tree.by_code.get(code)
            return NEW if unit is None else unit.id
        if key not in self._ids:
            model = SHEETS[key].model
            wanted = {
                getattr(r, c.name)
                for sheet in SHEETS.values()
                for c in _references(sheet)
                if c.references == key
                for r in self.plan.records[sheet.key]
            } | {r.code for r in self.plan.records[key]}
            self._ids[key] = dict(model.objects.filter(code__in=wanted).values_list("code", "id"))
        return self._ids[key].get(code, NEW)

    # --- who may change what ---------------------------------------------------------------

    def _check_rights(self) -> None:
        """Rows that change must be the user's to change.

        The catalogue and the authorities need a city administrator anywhere; units and targets
        need ``manage`` on the unit (a new unit: on its nearest stored ancestor; a unit moved to
        another parent: on the new parent too; a new top-level unit: a superuser); figures need
        ``enter``. Rows that would not change need no right, so a clerk may import a file that
        repeats the catalogue.
        """
        if self.user is None:
            return
        plan, user = self.plan, self.user
        for key in CATALOGUE:
            if plan.changing(key) and not access.has_role_anywhere(user, Action.MANAGE):
                for change in plan.changing(key):
                    self.error(
                        change.record, "", _("Chỉ quản trị danh mục mới được thêm, sửa dòng này.")
                    )
        tree = plan.unit_tree
        for change in plan.changing("units"):
            record = change.record
            unit_id = (
                change.current.id if change.current else anchor(tree, tree.by_code[record.code].id)
            )
            if not self._may(Action.MANAGE, unit_id):
                self.error(
                    record,
                    "code",
                    _("Bạn không có quyền thêm, sửa đơn vị “%(code)s”.") % {"code": record.code},
                )
            elif change.current and _moved(change, tree):
                parent = tree.by_code[record.parent]
                if not self._may(Action.MANAGE, anchor(tree, parent.id)):
                    self.error(
                        record,
                        "parent",
                        _("Bạn không có quyền chuyển đơn vị vào “%(code)s”.")
                        % {"code": parent.code},
                    )
        for key, action in (("targets", "manage"), ("figures", "enter")):
            changing = plan.changing(key)
            refused = {
                code
                for code in {c.record.values["unit"] for c in changing}
                if not self._may(action, anchor(tree, tree.by_code[code].id))
            }
            for change in changing:
                code = change.record.values["unit"]
                if code in refused:
                    self.error(change.record, "unit", access.refusal(action, Unit(name=code)))

    def _may(self, action: str, unit_id: int | None) -> bool:
        ids = access.unit_ids_for(self.user, action)
        return ids is None or (unit_id is not None and unit_id in ids)


def anchor(tree: UnitTree, unit_id: int) -> int | None:
    """The nearest stored unit at or above ``unit_id`` in a planned tree (new units are < 0)."""
    return next((uid for uid in tree.chain_ids(unit_id) if uid > 0), None)


def _moved(change: Change, tree: UnitTree) -> bool:
    """Does this update give a stored unit another parent?"""
    return tree.parent_of.get(change.current.id) != change.current.parent_id


def check_locks(plan: ImportPlan, errors: list[CellError]) -> None:
    """What an approval locks: a changed figure in an approved month (of its unit or a unit
    above it), and a move of a unit while a month it adds into is approved for a unit above it,
    under the old parent or the new one. Checked at planning and again under the writer's locks."""
    tree = plan.unit_tree
    figures = plan.changing("figures")
    if figures:
        anchors = {
            code: anchor(tree, tree.by_code[code].id)
            for code in {c.record.values["unit"] for c in figures}
        }
        locked = approval.locked_months(
            [a for a in anchors.values() if a is not None],
            {c.record.values["year"] for c in figures},
        )
        for change in figures if locked else ():
            record = change.record
            if (anchors[record.unit], record.year, record.month) in locked:
                errors.append(
                    CellError(
                        "figures",
                        record.row,
                        "month",
                        _(
                            "Số liệu tháng %(month)d/%(year)d của “%(unit)s” đã được phê duyệt "
                            "nên đã khóa; người phê duyệt phải mở lại trước khi nhập."
                        )
                        % {"month": record.month, "year": record.year, "unit": record.unit},
                    )
                )
    moves = [c for c in plan.changing("units") if c.current and _moved(c, tree)]
    if not moves:
        return
    stored = UnitTree.load()
    for change in moves:
        unit_id = change.current.id
        holders = set(stored.chain_ids(unit_id)[1:])  # under the old parent
        holders |= {uid for uid in tree.chain_ids(unit_id)[1:] if uid > 0}  # under the new one
        months = set(
            Figure.objects.filter(unit_id__in=stored.subtree_ids(unit_id))
            .values_list("year", "month")
            .distinct()
        )
        approved = (
            MonthApproval.objects.filter(unit_id__in=holders, status=MonthApproval.Status.APPROVED)
            .select_related("unit")
            .order_by("year", "month", "unit_id")
        )
        first = next((a for a in approved if (a.year, a.month) in months), None)
        if first is not None:
            errors.append(
                CellError(
                    "units",
                    change.record.row,
                    "parent",
                    _(
                        "Không thể chuyển đơn vị “%(code)s”: số liệu của đơn vị đã cộng vào tháng "
                        "%(month)d/%(year)d của %(holder)s, tháng này đã được phê duyệt; người phê "
                        "duyệt phải mở lại trước khi chuyển."
                    )
                    % {
                        "code": change.record.code,
                        "month": first.month,
                        "year": first.year,
                        "holder": first.unit.name,
                    },
                )
            )


def _plain_values(record: Record):
    """(column, value) of the record's columns that are not references."""
    sheet = SHEETS[record.sheet]
    for name, value in record.values.items():
        column = sheet.by_name[name]
        if column.type != ColumnType.REFERENCE:
            yield column, value


def _stored_fields(row, model) -> dict:
    if row is None:
        return {}
    return {
        f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }


def _stored_key_function(sheet: Sheet):
    """stored row → its natural key, references by id (as :func:`_record_key_function`)."""
    attributes = [
        f"{sheet.by_name[name].field}_id"
        if sheet.by_name[name].type == ColumnType.REFERENCE
        else sheet.by_name[name].field
        for name in sheet.natural_key
    ]
    return operator.attrgetter(*attributes)


class _Comparison:
    """What importing a record of ``sheet`` does to its stored row ``current`` (None: there is
    none): CREATE, UPDATE when a value the record has or a reference differs, else KEEP. The
    sheet's columns are sorted out once for all its rows."""

    def __init__(self, sheet: Sheet, ids):
        self.plain = [c for c in sheet.columns if c.type != ColumnType.REFERENCE]
        self.references = [(c.name, c.references, f"{c.field}_id") for c in _references(sheet)]
        self.ids = ids

    def __call__(self, record: Record, current) -> Change:
        if current is None:
            return Change(record, CREATE, None)
        values = record.values
        for column in self.plain:
            if column.name in values and column.stored(current) != values[column.name]:
                return Change(record, UPDATE, current)
        for name, key, attname in self.references:
            if getattr(current, attname) != self.ids(key, values[name]):
                return Change(record, UPDATE, current)
        return Change(record, KEEP, current)


def _record_key_function(sheet: Sheet, ids):
    """record → its natural key with stored ids for references, as
    :func:`_stored_key_function` reads a stored row."""
    parts = [
        (name, sheet.by_name[name].references)
        if sheet.by_name[name].type == ColumnType.REFERENCE
        else (name, "")
        for name in sheet.natural_key
    ]

    def key_of(record: Record) -> tuple:
        values = record.values
        return tuple(ids(key, values[name]) if key else values[name] for name, key in parts)

    return key_of


def _remembered(ids):
    """``ids`` answering each (sheet, code) once."""
    known: dict[tuple[str, str], object] = {}

    def remembered(key: str, code: str):
        try:
            return known[key, code]
        except KeyError:
            known[key, code] = found = ids(key, code)
            return found

    return remembered


def _position(error: CellError) -> tuple[int, int, int]:
    """Errors in reading order: sheet by sheet, row by row, column by column."""
    keys = list(SHEETS)
    sheet = SHEETS.get(error.sheet)
    column = sheet.names.index(error.column) if sheet and error.column in sheet.names else -1
    return (keys.index(error.sheet) if error.sheet in keys else -1, error.row, column)
