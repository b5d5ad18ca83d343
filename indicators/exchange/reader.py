"""Reading an uploaded workbook: the file's limits, its sheets' headers and typed cells.

Nothing here reads the database. :func:`read_workbook` opens the file safely and returns the
rows of the sheets :data:`~indicators.exchange.schema.SHEETS` declares; :func:`read_values`
turns one row's cells into the typed values its columns declare, recording every problem
(sheet, row, column, message) instead of raising, so that a file's errors are listed at once.
"""

from __future__ import annotations

import functools
import html
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import IO

from django.core.validators import validate_slug
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles.numbers import builtin_format_code
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import fromstring
from python_calamine import CalamineWorkbook

from indicators.core import lineage_rules
from indicators.core.entry_rules import parse_levels
from indicators.core.numbers import NumberFormatError, parse_number
from indicators.core.text import control_character_message, control_characters
from indicators.exchange.schema import (
    SHEETS,
    Column,
    ColumnType,
    Sheet,
    fold,
    sheet_key,
    sheet_label,
)

# Limits that keep a hostile or mistaken upload from exhausting the server.
MAX_FILE_BYTES = 20 * 1024 * 1024  # the .xlsx file itself
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # Σ declared sizes of the zip members (zip bombs)
MAX_ZIP_MEMBERS = 1000
MAX_DATA_ROWS = 200_000  # all sheets together, header rows excluded
MAX_BLANK_ROWS = 50_000  # blank rows read (styled or skipped over), all sheets together
MAX_COLUMNS = 30  # cells beyond this column are never read
MAX_ERRORS = 1000  # reading stops collecting after this many problems

AMOUNT_PLACES = Decimal("0.0001")  # what Figure and Target store (decimal_places=4)
AMOUNT_LIMIT = Decimal(10) ** 18  # max_digits=22 with 4 decimals
_AMOUNT_EXPONENT = AMOUNT_PLACES.as_tuple().exponent


@dataclass(frozen=True)
class CellError:
    """One problem, where the user can find it. ``row`` is the sheet's row number (1 = header);
    0 means the file as a whole."""

    sheet: str
    row: int
    column: str  # the column key ("value"), or "" for a whole row or sheet
    message: str
    letter: str = ""  # the column's letter in the sheet ("E"), when known

    @property
    def sheet_label(self) -> str:
        """The sheet as the user may have named it: "Số liệu (figures)"."""
        return sheet_label(self.sheet)

    @property
    def column_label(self) -> str:
        """The column by its Vietnamese header and its key ("Tháng/month"), with its letter
        when known: "D (Tháng/month)"."""
        sheet = SHEETS.get(self.sheet)
        column = sheet.by_name.get(self.column) if sheet else None
        name = f"{column.title}/{column.name}" if column else self.column
        return f"{self.letter} ({name})" if self.letter else name

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(_("trang %(sheet)s") % {"sheet": self.sheet_label})
        if self.row:
            where.append(_("dòng %(row)d") % {"row": self.row})
        if self.column:
            where.append(_("cột %(column)s") % {"column": self.column_label})
        return f"{', '.join(where)}: {self.message}" if where else self.message


class WorkbookRejected(Exception):
    """The workbook cannot be imported; ``errors`` lists every reason found."""

    def __init__(self, errors: list[CellError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number in the sheet
    cells: dict[str, object]  # column key → raw cell value
    letters: dict[str, str]  # column key → column letter


@dataclass
class RawWorkbook:
    file_name: str
    sheets: dict[str, list[SheetRow]] = field(default_factory=dict)
    headers: dict[str, set[str]] = field(default_factory=dict)  # the columns each sheet has


# --- Reading the file ---------------------------------------------------------------------


def read_workbook(
    file: IO[bytes], *, file_name: str, progress: Callable[[int], None] | None = None
) -> RawWorkbook:
    """Open an uploaded .xlsx safely and return its known sheets' rows.

    Raises :class:`WorkbookRejected` for a file that is too big, is not a workbook, is damaged,
    has more than :data:`MAX_DATA_ROWS` rows or :data:`MAX_BLANK_ROWS` blank rows, or whose
    headers do not match the expected keys. ``progress`` is told the number of rows read so
    far, every :data:`PROGRESS_EVERY` rows.
    """
    check_limits(file)
    if _calamine_reads_alike(file):
        source = _CalamineSource(file)
    else:
        source = _OpenpyxlSource(file)
    raw = RawWorkbook(file_name=file_name)
    errors: list[CellError] = []
    try:
        names = _sheet_names(source.sheet_names)
        if not names:
            message = _(
                "Sổ tính không có trang nào để nhập. Tên trang phải là một trong: %(names)s."
            ) % {"names": ", ".join(sheet_label(key) for key in SHEETS)}
            raise WorkbookRejected([CellError("", 0, "", message)])
        counter = RowCounter(progress)
        for key in (key for key in SHEETS if key in names):
            rows, headers = _read_sheet(source.rows(names[key]), SHEETS[key], errors, counter)
            raw.sheets[key], raw.headers[key] = rows, headers
            _refuse_too_many_rows(counter.data, counter.blank)
    except WorkbookRejected:
        raise
    except Exception:  # both readers raise many kinds of errors for damaged files
        raise WorkbookRejected([CellError("", 0, "", _damaged_message())]) from None
    finally:
        source.close()
    if errors:
        raise WorkbookRejected(errors)
    return raw


class _OpenpyxlSource:
    """A workbook's rows as openpyxl reads them: every cell with its number format."""

    def __init__(self, file: IO[bytes]):
        try:
            self.workbook = load_workbook(file, read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds of errors for damaged files
            raise WorkbookRejected([CellError("", 0, "", _damaged_message())]) from None
        self.sheet_names = self.workbook.sheetnames

    def rows(self, name: str):
        for cells in self.workbook[name].iter_rows(max_col=MAX_COLUMNS):
            yield [_cell_value(cell) for cell in cells]

    def close(self) -> None:
        self.workbook.close()


class _CalamineSource:
    """A workbook's rows as python-calamine (a Rust reader, several times faster than openpyxl)
    reads them, as openpyxl would give them: row 1 first, column A first, a blank cell None,
    a whole number an int, a date a datetime. It knows no number formats and reads an error
    cell ("#DIV/0!") as blank, so :func:`_calamine_reads_alike` keeps it from workbooks with
    a percentage format or an error cell."""

    def __init__(self, file: IO[bytes]):
        file.seek(0)
        try:
            self.workbook = CalamineWorkbook.from_filelike(file)
        except Exception:
            raise WorkbookRejected([CellError("", 0, "", _damaged_message())]) from None
        self.sheet_names = self.workbook.sheet_names

    def rows(self, name: str):
        sheet = self.workbook.get_sheet_by_name(name)
        # Rows come from row 1 on; cells from the sheet's first used column on.
        before = [None] * (sheet.start[1] if sheet.start else 0)
        for cells in sheet.iter_rows():
            yield (before + [_calamine_value(value) for value in cells])[:MAX_COLUMNS]

    def close(self) -> None:
        self.workbook.close()


def _calamine_value(value):
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # openpyxl reads <v>2026</v> as an int
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())  # openpyxl reads every date cell as a datetime
    return value


_ERROR_CELL = re.compile(rb"""<(?:\w+:)?c\b[^>]*?\st=["']e["']""")


def _calamine_reads_alike(file: IO[bytes]) -> bool:
    """Does calamine read this workbook's import sheets as openpyxl would? Not when a cell
    style shows numbers as percentages (openpyxl gives each cell's format, read as percent:
    :func:`_cell_value`) or a sheet holds an error cell. Read from the styles and the sheets'
    XML, in a fraction of the time reading takes."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            if _has_percent_style(archive):
                return False
            for path in _import_sheet_paths(archive):
                with archive.open(path) as source:
                    pending = b""
                    while chunk := source.read(SCAN_CHUNK):
                        pending = pending[-4096:] + chunk  # a cell tag across two chunks
                        if _ERROR_CELL.search(pending):
                            return False
    except Exception:  # damaged: openpyxl's reading refuses it with the usual message
        return False
    finally:
        file.seek(0)
    return True


def _has_percent_style(archive: zipfile.ZipFile) -> bool:
    try:
        styles = archive.read("xl/styles.xml")
    except KeyError:
        return False
    stylesheet = Stylesheet.from_tree(fromstring(styles))
    codes = set(stylesheet.custom_formats.values()) | {
        builtin_format_code(style.numFmtId) or "" for style in stylesheet.cell_styles
    }
    return any(_is_percent_format(code) for code in codes)


def _sheet_names(sheetnames: list[str]) -> dict[str, str]:
    """Sheet key → the workbook's sheet of that key, under any of its names ("figures",
    "Số liệu", "so_lieu"). Two sheets for one key refuse the workbook, naming both."""
    found: dict[str, str] = {}
    for name in sheetnames:
        key = sheet_key(name)
        if key is None:
            continue
        if key in found:
            message = _(
                "Trang “%(first)s” và trang “%(second)s” cùng là trang %(sheet)s; hãy giữ một "
                "trang (gộp các dòng vào đó) rồi tải lên lại."
            ) % {"first": found[key], "second": name, "sheet": sheet_label(key)}
            raise WorkbookRejected([CellError(key, 0, "", message)])
        found[key] = name
    return found


def check_limits(file: IO[bytes]) -> None:
    """Refuse a file past the limits (size, zip, rows) in seconds, before reading its cells."""
    file_error = _check_container(file)
    if file_error:
        raise WorkbookRejected([CellError("", 0, "", file_error)])
    file.seek(0)
    _refuse_too_many_rows(*count_rows(file))
    file.seek(0)


def import_sheet_bytes(file: IO[bytes]) -> int:
    """The declared uncompressed size of the sheets the import reads (0 if unreadable): how
    long reading will take, known at once."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return sum(archive.getinfo(path).file_size for path in _import_sheet_paths(archive))
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return 0
    finally:
        file.seek(0)


def _damaged_message() -> str:
    return _(
        "Tệp bị hỏng hoặc không phải là sổ tính Excel (.xlsx); hãy lưu lại bằng Excel rồi thử lại."
    )


def _check_container(file: IO[bytes]) -> str:
    """An error message for a file that is too big or not an .xlsx zip, else ""."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(0)
    if size == 0:
        return _("Tệp rỗng.")
    if size > MAX_FILE_BYTES:
        return _("Tệp quá lớn (%(size)d MB); giới hạn là %(limit)d MB.") % {
            "size": size // (1024 * 1024),
            "limit": MAX_FILE_BYTES // (1024 * 1024),
        }
    if not zipfile.is_zipfile(file):
        return _(
            "Tệp không phải là sổ tính Excel (.xlsx). Tệp .xls cũ hoặc .csv hãy mở bằng Excel "
            "và lưu lại dưới dạng .xlsx."
        )
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return _damaged_message()
    # A zip member is never inflated past its declared size, so the declared sizes bound the
    # memory a zip bomb could take.
    if len(members) > MAX_ZIP_MEMBERS or (
        sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES
    ):
        return _("Tệp quá lớn khi giải nén; giới hạn là %(limit)d MB.") % {
            "limit": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
        }
    return ""


PROGRESS_EVERY = 5000  # rows between two calls of read_workbook's ``progress``


@dataclass
class RowCounter:
    """Rows read so far in all sheets (headers excluded), data and blank ones apart."""

    progress: Callable[[int], None] | None = None
    data: int = 0
    blank: int = 0

    def count(self, *, blank: bool) -> bool:
        """Count one row; False once a limit is passed (stop reading)."""
        if blank:
            self.blank += 1
        else:
            self.data += 1
        if self.progress and (self.data + self.blank) % PROGRESS_EVERY == 0:
            self.progress(self.data + self.blank)
        return self.data <= MAX_DATA_ROWS and self.blank <= MAX_BLANK_ROWS


def _refuse_too_many_rows(data: int, blank: int) -> None:
    if data > MAX_DATA_ROWS:
        message = _("Tệp có hơn %(limit)d dòng số liệu; hãy chia thành nhiều tệp nhỏ hơn.") % {
            "limit": MAX_DATA_ROWS
        }
        raise WorkbookRejected([CellError("", 0, "", message)])
    if blank > MAX_BLANK_ROWS:
        message = _(
            "Tệp có hơn %(limit)d dòng trống; hãy xóa các dòng trống thừa (chọn các dòng dưới "
            "bảng, Xóa dòng) rồi lưu lại."
        ) % {"limit": MAX_BLANK_ROWS}
        raise WorkbookRejected([CellError("", 0, "", message)])


# A worksheet's rows, as the file's XML writes them: enough to count rows without parsing
# cells. A row holds a value when one of its cells has a <v> (value) or <is> (inline string).
_ROW_XML = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_HAS_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)\b")
SCAN_CHUNK = 1024 * 1024


def count_rows(file: IO[bytes]) -> tuple[int, int]:
    """(rows with a value, blank rows) in the workbook's import sheets, header rows excluded,
    counted from the sheets' XML in a fraction of the time reading takes (openpyxl itself
    parses a whole sheet that does not declare its size before it yields a row).

    Blank rows include the rows a sheet skips over (a value on row 2,500,000 of an otherwise
    empty sheet counts 2,499,998 blank rows), as reading them would yield them. A check before
    reading: :func:`read_workbook` still counts every row it reads. A damaged file counts
    (0, 0) here and is refused by the reading.
    """
    data = blank = 0
    try:
        with zipfile.ZipFile(file) as archive:
            for path in _import_sheet_paths(archive):
                with archive.open(path) as source:
                    with_value, highest = _scan_rows(source)
                if highest:
                    data += max(with_value - 1, 0)  # the header row
                    blank += max(highest - 1 - max(with_value - 1, 0), 0)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return 0, 0
    return data, blank


_SHEET_XML = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_RELATION_XML = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")


def _attribute(attributes: bytes, name: str) -> str:
    found = re.search(rb"(?:^|\s)(?:\w+:)?" + name.encode() + rb'="([^"]*)"', attributes)
    return html.unescape(found.group(1).decode("utf-8", "replace")) if found else ""


def _import_sheet_paths(archive: zipfile.ZipFile) -> list[str]:
    """The zip members holding the sheets the import reads (named as in ``SHEETS``)."""
    workbook = archive.read("xl/workbook.xml")
    relations = archive.read("xl/_rels/workbook.xml.rels")
    targets = {
        _attribute(m.group(1), "Id"): _attribute(m.group(1), "Target")
        for m in _RELATION_XML.finditer(relations)
    }
    paths = []
    for match in _SHEET_XML.finditer(workbook):
        name = _attribute(match.group(1), "name")
        target = targets.get(_attribute(match.group(1), "id"), "")
        if sheet_key(name) is not None and target:
            paths.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return paths


def _scan_rows(source: IO[bytes]) -> tuple[int, int]:
    """(rows holding a value, the highest row number) of one worksheet's XML."""
    with_value = highest = position = 0
    pending = b""
    while chunk := source.read(SCAN_CHUNK):
        pending += chunk
        end = 0
        for match in _ROW_XML.finditer(pending):
            position += 1
            number = _ROW_NUMBER.search(match.group(1))
            position = int(number.group(1)) if number else position
            highest = max(highest, position)
            if match.group(2) and _HAS_VALUE.search(match.group(2)):
                with_value += 1
            end = match.end()
        pending = pending[end:]
        if len(pending) > 16 * SCAN_CHUNK:  # one row of more than 16 MB: not ours to read
            raise WorkbookRejected([CellError("", 0, "", _damaged_message())])
    return with_value, highest


def _read_sheet(sheet_rows, spec: Sheet, errors: list[CellError], counter: RowCounter):
    rows: list[SheetRow] = []
    columns: dict[int, str] = {}  # 0-based position → key
    letters: dict[str, str] = {}  # key → column letter: one dict shared by the sheet's rows
    header_seen = False
    for number, values in enumerate(sheet_rows, start=1):
        if not header_seen:
            header_seen = True
            columns = _read_header(values, spec, errors)
            letters = {key: get_column_letter(i + 1) for i, key in columns.items()}
            continue
        blank = all(_is_blank(v) for v in values)
        if not counter.count(blank=blank):
            break
        if blank:
            continue
        width = len(values)
        rows.append(
            SheetRow(
                number=number,
                cells={key: values[i] if i < width else None for i, key in columns.items()},
                letters=letters,
            )
        )
    if not header_seen:
        errors.append(CellError(spec.key, 1, "", _("Trang trống: thiếu dòng tiêu đề.")))
    return rows, set(columns.values())


_QUOTED = re.compile(r'"[^"]*"|\\.')


def _cell_value(cell):
    """A cell's value; a number shown as a percentage (86,7% is stored as 0.867) in percent.

    A "%" quoted in the format ('0.00"%"', as our own report sheets write) is only a sign and
    does not scale the number.
    """
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _is_percent_format(getattr(cell, "number_format", None) or ""):
            return Decimal(repr(value)) * 100
    return value


@functools.lru_cache(maxsize=256)
def _is_percent_format(number_format: str) -> bool:
    """A workbook has a handful of number formats; each is looked at once."""
    return "%" in _QUOTED.sub("", number_format)


def _read_header(values, spec: Sheet, errors: list[CellError]) -> dict[int, str]:
    """Column position → key, from the header row: each header under any of its column's
    aliases (``Column.aliases``). An unknown header, and a column given twice (under one alias
    or two), are errors on the header row."""
    columns: dict[int, str] = {}
    seen: dict[str, int] = {}  # key → the position that gave it first
    for index, value in enumerate(values):
        if _is_blank(value):
            continue
        header = str(value).strip()
        column = spec.column_for(header)
        letter = get_column_letter(index + 1)
        if column is None:
            errors.append(
                CellError(
                    spec.key,
                    1,
                    header,
                    _("Cột không được biết; các cột của trang này là: %(columns)s.")
                    % {"columns": ", ".join(spec.label(name) for name in spec.names)},
                    letter,
                )
            )
        elif column.name in seen:
            first = seen[column.name]
            errors.append(
                CellError(
                    spec.key,
                    1,
                    column.name,
                    _(
                        "Cột “%(header)s” trùng với cột “%(first)s” (cột %(letter)s): cả hai là "
                        "cột %(column)s; hãy giữ một cột."
                    )
                    % {
                        "header": header,
                        "first": str(values[first]).strip(),
                        "letter": get_column_letter(first + 1),
                        "column": spec.label(column.name),
                    },
                    letter,
                )
            )
        else:
            seen[column.name] = index
            columns[index] = column.name
    for key in spec.required:
        if key not in columns.values():
            errors.append(CellError(spec.key, 1, key, _("Thiếu cột bắt buộc.")))
    return columns


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- Reading cells ------------------------------------------------------------------------


class Cells:
    """Typed reads of one row's cells that record problems instead of raising."""

    def __init__(self, sheet: str, row: SheetRow, errors: list[CellError]):
        self.sheet, self.row, self.errors = sheet, row, errors
        self.start = len(errors)

    @property
    def ok(self) -> bool:
        """No problem found in this row so far (a row with one is not checked further)."""
        return len(self.errors) == self.start

    def error(self, column: str, message: str) -> None:
        self.errors.append(
            CellError(
                self.sheet, self.row.number, column, message, self.row.letters.get(column, "")
            )
        )

    def text(self, column: str, *, required: bool = True, max_length: int = 300) -> str:
        value = self.row.cells.get(column)
        if _is_blank(value):
            if required:
                self.error(column, _("Ô này không được để trống."))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        found = _control_characters(text)  # every text column holds one line
        if found:
            self.error(column, str(control_character_message(list(found))))
            return ""
        if len(text) > max_length:
            self.error(column, _("Dài quá %(limit)d ký tự.") % {"limit": max_length})
        return text

    def code(self, column: str, *, required: bool = True) -> str:
        text = self.text(column, required=required, max_length=64)
        if text and not _is_slug(text):
            self.error(
                column,
                _(
                    "Mã “%(code)s” không hợp lệ: chỉ dùng chữ không dấu, số, "
                    "dấu gạch ngang hoặc gạch dưới."
                )
                % {"code": text},
            )
            return ""
        return text

    def choice(self, column: str, choices: type, *, default: str = "", words: tuple = ()) -> str:
        """One of ``choices.values``, or a word of ``words`` ((word, value) pairs, matched as
        :func:`~indicators.exchange.schema.fold` matches: "CHÍNH THỨC", "Ước thực hiện")."""
        text = self.text(column, required=not default)
        if not text:
            return default
        allowed = list(_choice_values(choices))
        if text.lower() in allowed:
            return text.lower()
        meant = _word_values(words).get(fold(text))
        if meant is None:
            written = [word for word, _value in words if not word.isascii()]  # not "uoc" too
            self.error(
                column,
                _("“%(value)s” không hợp lệ; chỉ nhận: %(allowed)s.")
                % {"value": text, "allowed": ", ".join(written + allowed)},
            )
            return ""
        return meant

    def number(self, column: str, *, required: bool = True) -> Decimal | None:
        value = self.row.cells.get(column)
        if _is_blank(value):
            if required:
                self.error(column, _("Chưa nhập số."))
            return None
        if isinstance(value, bool) or isinstance(value, datetime | date | time):
            self.error(column, _("Ô này phải là một số."))
            return None
        if isinstance(value, Decimal):
            number = value
        elif isinstance(value, int):
            number = Decimal(value)
        elif isinstance(value, float):
            number = Decimal(repr(value))  # the shortest decimal that is this float: 86.7
        else:
            try:
                number = parse_number(str(value), dots_group_thousands=False)
            except NumberFormatError as problem:
                self.error(column, str(problem))
                return None
        if not number.is_finite() or abs(number) >= AMOUNT_LIMIT:
            self.error(column, _("Số quá lớn."))
            return None
        # Stored with four decimals; an Excel formula's 28.333333333333332 keeps 28.3333.
        if number.as_tuple().exponent < _AMOUNT_EXPONENT:
            number = number.quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)
        return number

    def integer(self, column: str, low: int, high: int, message: str) -> int | None:
        number = self.number(column)
        if number is None:
            return None
        if number != number.to_integral_value() or not low <= number <= high:
            self.error(column, message % {"value": _plain(number)})
            return None
        return int(number)

    def choices(self, column: str, choices: type) -> list[str] | None:
        """ "ward, commune" → ["ward", "commune"], in the order of ``choices``; None for a blank
        cell."""
        text = self.text(column, required=False).lower()
        if not text:
            return None
        try:
            chosen = set(parse_levels(text, known=[str(v) for v in choices.values]))
        except ValueError as unknown:
            self.error(
                column,
                _("“%(value)s” không hợp lệ; chỉ nhận: %(allowed)s.")
                % {"value": unknown.args[0], "allowed": ", ".join(choices.values)},
            )
            return None
        return [str(value) for value in choices.values if value in chosen]

    def boolean(self, column: str) -> bool | None:
        value = self.row.cells.get(column)
        if _is_blank(value):
            return None
        if isinstance(value, bool):
            return value
        text = str(int(value) if isinstance(value, float) and value.is_integer() else value)
        answer = _YES_NO.get(text.strip().lower())
        if answer is None:
            self.error(
                column,
                _("“%(value)s” không hợp lệ; chỉ nhận: có, không (hoặc TRUE, FALSE, 1, 0).")
                % {"value": text.strip()},
            )
        return answer

    def date(self, column: str) -> date | None:
        """A date cell, or text as dd/mm/yyyy (also yyyy-mm-dd); blank is None."""
        value = self.row.cells.get(column)
        if _is_blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        self.error(
            column,
            _("“%(value)s” không phải là ngày; hãy gõ theo dạng dd/mm/yyyy, ví dụ 01/07/2025.")
            % {"value": text},
        )
        return None

    def lineage(self, column: str) -> tuple[tuple[str, Decimal], ...]:
        """Predecessor codes with their shares, by code; blank is none."""
        value = self.row.cells.get(column)
        if _is_blank(value):
            return ()
        try:
            return tuple(sorted(lineage_rules.parse_predecessors(str(value))))
        except ValueError as problem:
            self.error(column, str(problem))
            return ()


# A sheet repeats the same few codes and words in every row (a unit's code 108,000 times):
# each distinct text is checked once. The caches hold verdicts, never messages (those follow
# the language of the request).


@functools.lru_cache(maxsize=16384)
def _is_slug(text: str) -> bool:
    try:
        validate_slug(text)
    except Exception:
        return False
    return True


@functools.lru_cache(maxsize=16384)
def _control_characters(text: str) -> tuple[str, ...]:
    return tuple(control_characters(text))


@functools.lru_cache(maxsize=64)
def _word_values(words: tuple) -> dict[str, str]:
    """A choice column's words, folded, to the values they mean (built once per column)."""
    return {fold(word): str(value) for word, value in words}


@functools.lru_cache(maxsize=64)
def _choice_values(choices: type) -> tuple[str, ...]:
    return tuple(str(v) for v in choices.values)


_YES_NO = {
    "có": True, "co": True, "x": True, "1": True, "true": True, "yes": True,
    "không": False, "khong": False, "0": False, "false": False, "no": False,
}  # fmt: skip


def _plain(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def read_values(sheet: Sheet, row: SheetRow, columns: set[str], cells: Cells) -> dict[str, object]:
    """The typed values of one row's ``columns`` (those its sheet's header has).

    A blank cell of an optional number or yes/no column is left out (the field stays as it
    is); a blank optional text is "" (it clears the field). Problems go to ``cells``.
    """
    values: dict[str, object] = {}
    for column in sheet.columns:
        if column.name not in columns:
            continue
        value = read_cell(column, cells)
        if value is _KEEP:
            continue
        values[column.name] = value
    return values


_KEEP = object()  # a blank optional cell that leaves its field as it is


def read_cell(column: Column, cells: Cells) -> object:
    # How a cell of the column is read, worked out once per column rather than once per cell
    # (by identity: hashing a Column would translate its help text).
    known = _READERS.get(id(column))
    if known is None or known[0] is not column:
        known = _READERS[id(column)] = (column, _reader_of(column))
    return known[1](cells)


_READERS: dict[int, tuple[Column, Callable[[Cells], object]]] = {}


def _reader_of(column: Column) -> Callable[[Cells], object]:
    name, must = column.name, column.required and not column.blank
    match column.type:
        case ColumnType.REFERENCE if column.named:  # a code or a name: the planner decides
            return lambda cells: cells.text(name, required=must, max_length=column.max_length)
        case ColumnType.CODE | ColumnType.REFERENCE:
            return lambda cells: cells.code(name, required=must)
        case ColumnType.TEXT:
            return lambda cells: cells.text(name, required=must, max_length=column.max_length)
        case ColumnType.CHOICE:
            return lambda cells: cells.choice(
                name, column.choices, default=column.default, words=column.words
            )
        case ColumnType.NUMBER:
            return lambda cells: cells.number(name, required=must)
        case ColumnType.INTEGER:

            def integer(cells: Cells) -> object:
                if not column.required and _is_blank(cells.row.cells.get(name)):
                    return _KEEP
                return cells.integer(name, column.low, column.high, column.range_message)

            return integer
        case ColumnType.BOOLEAN:

            def boolean(cells: Cells) -> object:
                value = cells.boolean(name)
                return _KEEP if value is None else value

            return boolean
        case ColumnType.CHOICES:

            def choices(cells: Cells) -> object:
                value = cells.choices(name, column.choices)
                return _KEEP if value is None else value

            return choices
        case ColumnType.DATE:
            return lambda cells: cells.date(name)
        case ColumnType.LINEAGE:
            return lambda cells: cells.lineage(name)
    raise ValueError(f"unknown column type {column.type!r}")
