"""The workbook's sheets and their columns, declared once.

The reader (:mod:`.reader`, :mod:`.planner`), the data file (:mod:`.data_file`) and the template
(:mod:`.template`) are all built from :data:`SHEETS`: a column added here is read, exported and
explained in the template without another edit. Sheet and column names, the English keys and
the Vietnamese titles alike, are a public interface (people keep filled-in files for years):
never rename one; add new columns as optional.

Every sheet and every column has three names, all read (matched by :func:`header_fold`: Unicode
NFC, case, spacing and "_" against " " ignored): its English ``key``/``name`` (the interface
since the first version, kept for ever), its Vietnamese written ``title`` ("Số liệu", "Đơn vị",
what the template and the data file write) and the title's ASCII spelling ``ascii``
("so_lieu", "don_vi", for keyboards without Vietnamese). A choice column may also read words
(``words``: "ước", "chính thức"), the first word of each value being what the files write.

A column is ``required`` when the header must have it; a required column may still allow blank
cells (``blank``: a root unit's ``parent``, a ratio's ``value``). An optional column that is
absent leaves the field as it is; a blank optional cell clears a text, and leaves a number or a
yes/no field as it is.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db import models
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from indicators.core import lineage_rules
from indicators.models import Area, Authority, Figure, Indicator, Target, Unit


def fold(text: object) -> str:
    """``text`` as a word or a name is matched: Unicode NFC (Excel users type precomposed and
    decomposed Vietnamese alike), case ignored, surrounding spaces dropped, inner runs of
    spaces read as one."""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def header_fold(text: object) -> str:
    """A sheet name or a column header as matched: :func:`fold`, with "_" read as a space
    ("don_vi", "Don vi" and "DON_VI" are one header)."""
    return fold(str(text).replace("_", " "))


def ascii_key(title: str) -> str:
    """A Vietnamese title's ASCII key: no diacritics, "đ" as "d", lower case, "_" between
    words ("Số liệu" → "so_lieu")."""
    decomposed = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "_".join(plain.lower().split())


class ColumnType(StrEnum):
    CODE = "code"  # a slug: the row's own code
    TEXT = "text"
    CHOICE = "choice"  # one of ``choices.values``
    NUMBER = "number"  # a Decimal, four places at most
    INTEGER = "integer"  # an int between ``low`` and ``high`` (inclusive)
    BOOLEAN = "boolean"  # yes or no
    REFERENCE = "reference"  # the code of a row of sheet ``references`` (or of the database);
    # with ``named``, its exact name too
    CHOICES = "choices"  # several of ``choices.values``, separated by commas (a list)
    DATE = "date"  # a date cell, or text as dd/mm/yyyy; blank clears it
    LINEAGE = "lineage"  # a unit's predecessors: "code, code:0.4" (``core.lineage_rules``)


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header key, the model field it fills and how it is read."""

    name: str  # the English header key, e.g. "value"
    title: str  # the Vietnamese header, e.g. "Giá trị" (not translated: a file's format)
    field: str  # the model attribute, e.g. "parent" (a foreign key for a reference)
    type: ColumnType
    help: str  # what the template explains (lazy, Vietnamese)
    required: bool = False  # the header must have this column
    blank: bool = False  # a required column whose cells may be empty
    choices: type[models.TextChoices] | None = None
    default: str = ""  # a choice's value for an empty cell ("" = the cell must be filled)
    max_length: int = 300
    low: int = 0
    high: int = 2_147_483_647
    range_message: str = ""  # for an integer outside low–high; "%(value)s" is the number
    references: str = ""  # the sheet whose codes a reference names
    named: bool = False  # a reference that may give the row's exact name instead of its code
    words: tuple[tuple[str, str], ...] = ()  # (word, choice value) read besides the values
    width: int = 16  # the column's width in the template

    @property
    def ascii(self) -> str:
        return ascii_key(self.title)

    @property
    def aliases(self) -> tuple[str, ...]:
        """Every header this column is read under: the written title, its ASCII key, the
        English key."""
        return (self.title, self.ascii, self.name)

    @property
    def written(self) -> tuple[str, ...]:
        """A choice column's cell values as the files write them (the first word of each value;
        the value itself when it has none): the template's drop-down list."""
        return tuple(self.word_for(value) for value in self.choices.values)

    def word_for(self, value: str) -> str:
        return next((word for word, meant in self.words if meant == value), value)

    def export(self, row: models.Model) -> object:
        """This column's cell for a database row, as the data file writes it."""
        if self.type == ColumnType.LINEAGE:
            return lineage_rules.format_predecessors(self.stored(row))
        value = getattr(row, self.field)
        if self.type == ColumnType.REFERENCE:
            return value.code if value is not None else ""
        if self.type == ColumnType.CHOICES:
            return ", ".join(value or [])
        return value  # a choice as stored ("estimate"): the file writer picks its word

    def stored(self, row: models.Model) -> object:
        """What the database holds for this (non-reference) column, as the reader reads it."""
        if self.type == ColumnType.LINEAGE:
            return stored_lineage(row)
        return getattr(row, self.field)


def stored_lineage(unit: Unit) -> tuple[tuple[str, Decimal], ...]:
    """A unit's predecessors as (code, share), by code (prefetch ``predecessor_links__predecessor``
    to read many units in two queries)."""
    if unit.pk is None:
        return ()
    return tuple(
        sorted((link.predecessor.code, link.share) for link in unit.predecessor_links.all())
    )


@dataclass(frozen=True)
class Sheet:
    key: str  # the sheet's English name, e.g. "figures"
    title: str  # its Vietnamese name, e.g. "Số liệu" (what the files write)
    model: type[models.Model]
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]  # the columns that find a row's database row
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)
    by_header: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})
        by_header: dict[str, Column] = {}
        for column in self.columns:
            for alias in column.aliases:
                other = by_header.setdefault(header_fold(alias), column)
                if other is not column:
                    raise ValueError(f"{self.key}: {alias!r} names {other.name} and {column.name}")
        object.__setattr__(self, "by_header", by_header)

    @property
    def ascii(self) -> str:
        return ascii_key(self.title)

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.title, self.ascii, self.key)

    def column_for(self, header: object) -> Column | None:
        """The column a header cell names, under any of its aliases (None: no column)."""
        return self.by_header.get(header_fold(header))

    def label(self, name: str) -> str:
        """A column as messages name it: "Giá trị (value)"."""
        column = self.by_name.get(name)
        return f"{column.title} ({column.name})" if column else name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)

    def export(self, row: models.Model) -> dict[str, object]:
        return {c.name: c.export(row) for c in self.columns}


def _choices_help(message: str, key: str, choices: type[models.TextChoices]) -> str:
    return message % {key: ", ".join(choices.values)}


_choices_help_lazy = lazy(_choices_help, str)

_ORDER_HELP = _("Không bắt buộc. Thứ tự sắp xếp trong báo cáo (số nguyên, nhỏ đứng trước).")
_NAME_EN_HELP = _("Không bắt buộc. Tên tiếng Anh (trang tiếng Anh dùng tên này).")


def _code(help: str) -> Column:
    return Column("code", "Mã", "code", ColumnType.CODE, help, required=True, max_length=64)


def _name(help: str, max_length: int = 200) -> Column:
    return Column(
        "name",
        "Tên",
        "name",
        ColumnType.TEXT,
        help,
        required=True,
        max_length=max_length,
        width=40,
    )


def _text(name: str, title: str, help: str, max_length: int = 200, width: int = 30) -> Column:
    return Column(name, title, name, ColumnType.TEXT, help, max_length=max_length, width=width)


def _order() -> Column:
    return Column(
        "order",
        "Thứ tự",
        "order",
        ColumnType.INTEGER,
        _ORDER_HELP,
        range_message=_("Thứ tự %(value)s phải là số nguyên không âm."),
    )


def _reference(
    name: str, title: str, sheet: str, help: str, *, blank: bool = False, named: bool = False
) -> Column:
    return Column(
        name,
        title,
        name,
        ColumnType.REFERENCE,
        help,
        required=True,
        blank=blank,
        max_length=300 if named else 64,
        references=sheet,
        named=named,
    )


def _year(help: str) -> Column:
    return Column(
        "year",
        "Năm",
        "year",
        ColumnType.INTEGER,
        help,
        required=True,
        low=1900,
        high=2100,
        range_message=_("Năm %(value)s không hợp lệ (1900–2100)."),
    )


def _yes_no(name: str, title: str, help: str) -> Column:
    return Column(name, title, name, ColumnType.BOOLEAN, help)


_INDICATOR_HELP = _(
    "Mã hoặc đúng tên chỉ tiêu (trang Chỉ tiêu hoặc đã có trong hệ thống), ví dụ "
    "thu-ngan-sach hoặc Tổng thu ngân sách nhà nước."
)

_VALUE_HELP = _(
    "Chỉ tiêu năm. Số có thể gõ kiểu Việt Nam: 6.021.447.000 hoặc 86,7. "
    "Số như 1.500 không rõ nghĩa sẽ bị từ chối: hãy gõ 1500 hoặc 1,5."
)

SHEETS: dict[str, Sheet] = {
    sheet.key: sheet
    for sheet in (
        Sheet(
            "areas",
            "Lĩnh vực",
            Area,
            (
                _code(_("Mã lĩnh vực, không dấu, không khoảng trắng (ví dụ ngan-sach).")),
                _name(_("Tên lĩnh vực (ví dụ Thu ngân sách nhà nước).")),
                _order(),
                _text("name_en", "Tên tiếng Anh", _NAME_EN_HELP, width=40),
            ),
            natural_key=("code",),
        ),
        Sheet(
            "authorities",
            "Cơ quan giao",
            Authority,
            (
                _code(_("Mã cơ quan giao chỉ tiêu (ví dụ hdnd-phuong).")),
                _name(_("Tên cơ quan (ví dụ HĐND phường Chánh Lộ).")),
                _text(
                    "report_phrase",
                    "Cách gọi",
                    _(
                        "Không bắt buộc. Cách gọi trong câu báo cáo "
                        "(ví dụ chỉ tiêu HĐND phường giao)."
                    ),
                    width=32,
                ),
                _order(),
                _text("name_en", "Tên tiếng Anh", _NAME_EN_HELP, width=40),
                _text(
                    "report_phrase_en",
                    "Cách gọi tiếng Anh",
                    _("Không bắt buộc. Cách gọi trong câu báo cáo tiếng Anh."),
                    width=32,
                ),
            ),
            natural_key=("code",),
        ),
        Sheet(
            "units",
            "Đơn vị",
            Unit,
            (
                _code(_("Mã đơn vị, không dấu (ví dụ chanh-lo).")),
                _name(_("Tên đơn vị (ví dụ Phường Chánh Lộ).")),
                Column(
                    "level",
                    "Cấp",
                    "level",
                    ColumnType.CHOICE,
                    _choices_help_lazy(
                        _("Cấp đơn vị, một trong: %(levels)s."), "levels", Unit.Level
                    ),
                    required=True,
                    choices=Unit.Level,
                ),
                _reference(
                    "parent",
                    "Cấp trên",
                    "units",
                    _("Mã đơn vị cấp trên; để trống nếu là cấp cao nhất."),
                    blank=True,
                ),
                _order(),
                _text("name_en", "Tên tiếng Anh", _NAME_EN_HELP, width=40),
                Column(
                    "reporting_deadline_day",
                    "Hạn gửi duyệt",
                    "reporting_deadline_day",
                    ColumnType.INTEGER,
                    _(
                        "Không bắt buộc. Hạn gửi duyệt: ngày của tháng sau tháng báo cáo (1–31); "
                        "để trống: theo đơn vị cấp trên, mặc định ngày 20."
                    ),
                    low=1,
                    high=31,
                    range_message=_("Hạn gửi báo cáo %(value)s phải là một ngày từ 1 đến 31."),
                ),
                Column(
                    "valid_from",
                    "Hiệu lực từ",
                    "valid_from",
                    ColumnType.DATE,
                    _(
                        "Không bắt buộc. Ngày đơn vị bắt đầu có hiệu lực (ngày, hoặc chữ "
                        "dd/mm/yyyy, ví dụ 01/07/2025); để trống nếu không rõ."
                    ),
                ),
                Column(
                    "valid_until",
                    "Hiệu lực đến",
                    "valid_until",
                    ColumnType.DATE,
                    _(
                        "Không bắt buộc. Ngày cuối cùng đơn vị còn hiệu lực (ví dụ 30/06/2025 "
                        "với đơn vị đã sáp nhập); để trống nếu đang hoạt động."
                    ),
                ),
                Column(
                    "predecessors",
                    "Hình thành từ",
                    "predecessors",
                    ColumnType.LINEAGE,
                    _(
                        "Không bắt buộc. Mã các đơn vị cũ hình thành nên đơn vị này, cách nhau "
                        "bằng dấu phẩy; một phần đơn vị cũ ghi kèm tỷ lệ, ví dụ "
                        "chanh-lo, nghia-chanh:0.4 (tỷ lệ lớn hơn 0, không quá 1)."
                    ),
                    width=36,
                ),
            ),
            natural_key=("code",),
        ),
        Sheet(
            "indicators",
            "Chỉ tiêu",
            Indicator,
            (
                _code(_("Mã chỉ tiêu, không dấu (ví dụ thu-ngan-sach).")),
                _name(_("Tên chỉ tiêu."), max_length=300),
                Column(
                    "unit",
                    "Đơn vị tính",
                    "unit",
                    ColumnType.TEXT,
                    _("Đơn vị tính (ví dụ đồng, hộ, %)."),
                    required=True,
                    max_length=40,
                ),
                Column(
                    "kind",
                    "Loại",
                    "kind",
                    ColumnType.CHOICE,
                    _choices_help_lazy(
                        _(
                            "Loại chỉ tiêu, một trong: %(kinds)s. sum: cộng dồn các tháng; "
                            "ratio: tỷ lệ từ tử số/mẫu số; level: số tại thời điểm; reported: "
                            "tỷ lệ %% do hệ thống khác công bố."
                        ),
                        "kinds",
                        Indicator.Kind,
                    ),
                    required=True,
                    choices=Indicator.Kind,
                ),
                Column(
                    "direction",
                    "Hướng tốt",
                    "direction",
                    ColumnType.CHOICE,
                    _("up: càng cao càng tốt; down: càng thấp càng tốt."),
                    required=True,
                    choices=Indicator.Direction,
                    default=Indicator.Direction.UP,
                ),
                _reference(
                    "area",
                    "Lĩnh vực",
                    "areas",
                    _(
                        "Mã hoặc tên lĩnh vực (trang Lĩnh vực hoặc đã có trong hệ thống), ví dụ "
                        "ngan-sach hoặc Thu ngân sách nhà nước."
                    ),
                    named=True,
                ),
                _text(
                    "short_name",
                    "Tên ngắn",
                    _("Không bắt buộc. Tên ngắn dùng trong câu báo cáo."),
                ),
                _text(
                    "numerator_label",
                    "Tên tử số",
                    _("Không bắt buộc. Tên tử số (chỉ tiêu ratio)."),
                ),
                _text(
                    "denominator_label",
                    "Tên mẫu số",
                    _("Không bắt buộc. Tên mẫu số (chỉ tiêu ratio)."),
                ),
                _order(),
                _text("name_en", "Tên tiếng Anh", _NAME_EN_HELP, max_length=300, width=40),
                _text(
                    "short_name_en", "Tên ngắn tiếng Anh", _("Không bắt buộc. Tên ngắn tiếng Anh.")
                ),
                _text(
                    "unit_en",
                    "Đơn vị tính tiếng Anh",
                    _("Không bắt buộc. Đơn vị tính tiếng Anh."),
                    max_length=40,
                ),
                _yes_no(
                    "is_main",
                    "Chỉ tiêu chính",
                    _(
                        "Không bắt buộc. Chỉ tiêu chính (so sánh giữa các đơn vị cấp dưới): "
                        "có/không (TRUE/FALSE, 1/0); để trống là giữ nguyên (mới: không)."
                    ),
                ),
                _yes_no(
                    "is_active",
                    "Đang dùng",
                    _(
                        "Không bắt buộc. Đang dùng: có/không (TRUE/FALSE, 1/0); để trống là "
                        "giữ nguyên (mới: có)."
                    ),
                ),
                Column(
                    "entry_levels",
                    "Cấp nhập",
                    "entry_levels",
                    ColumnType.CHOICES,
                    _choices_help_lazy(
                        _(
                            "Không bắt buộc. Các cấp nhập số liệu chỉ tiêu này, cách nhau bằng "
                            "dấu phẩy, viết như cột level (ví dụ ward, commune hoặc group); cấp "
                            "trên cộng lại. Một trong: %(levels)s. Để trống là giữ nguyên (mới: "
                            "mọi cấp đều nhập)."
                        ),
                        "levels",
                        Unit.Level,
                    ),
                    choices=Unit.Level,
                    width=24,
                ),
                Column(
                    "decimal_places",
                    "Chữ số thập phân",
                    "decimal_places",
                    ColumnType.INTEGER,
                    _(
                        "Không bắt buộc. Số chữ số thập phân được nhập, từ 0 đến 4; để trống là "
                        "giữ nguyên (mới: 0 với số đếm như hộ, vụ, công trình; còn lại 4)."
                    ),
                    high=4,
                    range_message=_("Số chữ số thập phân %(value)s phải từ 0 đến 4."),
                ),
            ),
            natural_key=("code",),
        ),
        Sheet(
            "targets",
            "Chỉ tiêu giao",
            Target,
            (
                _reference("unit", "Đơn vị", "units", _("Mã đơn vị được giao chỉ tiêu.")),
                _reference("indicator", "Chỉ tiêu", "indicators", _INDICATOR_HELP, named=True),
                _year(_("Năm (ví dụ 2023).")),
                _reference(
                    "authority",
                    "Cơ quan giao",
                    "authorities",
                    _(
                        "Mã hoặc tên cơ quan giao chỉ tiêu, ví dụ ubnd-tp hoặc "
                        "UBND thành phố Quảng Ngãi."
                    ),
                    named=True,
                ),
                Column("value", "Giá trị", "value", ColumnType.NUMBER, _VALUE_HELP, required=True),
                _text(
                    "basis",
                    "Căn cứ",
                    _("Không bắt buộc. Số, ngày nghị quyết/quyết định giao chỉ tiêu."),
                    max_length=300,
                    width=40,
                ),
            ),
            natural_key=("unit", "indicator", "year", "authority"),
        ),
        Sheet(
            "figures",
            "Số liệu",
            Figure,
            (
                _reference("unit", "Đơn vị", "units", _("Mã đơn vị.")),
                _reference("indicator", "Chỉ tiêu", "indicators", _INDICATOR_HELP, named=True),
                _year(_("Năm.")),
                Column(
                    "month",
                    "Tháng",
                    "month",
                    ColumnType.INTEGER,
                    _("Tháng, từ 1 đến 12."),
                    required=True,
                    low=1,
                    high=12,
                    range_message=_("Tháng %(value)s không tồn tại (chỉ có tháng 1 đến 12)."),
                ),
                Column(
                    "value",
                    "Giá trị",
                    "value",
                    ColumnType.NUMBER,
                    _(
                        "Số liệu tháng (mọi loại trừ ratio). Tỷ lệ reported gõ 0–100, ví dụ 64,1. "
                        "Với chỉ tiêu sum, đây là số của riêng tháng đó, không phải lũy kế."
                    ),
                    required=True,
                    blank=True,
                ),
                Column(
                    "numerator",
                    "Tử số",
                    "numerator",
                    ColumnType.NUMBER,
                    _("Tử số (chỉ cho chỉ tiêu ratio), không lớn hơn mẫu số."),
                    required=True,
                    blank=True,
                ),
                Column(
                    "denominator",
                    "Mẫu số",
                    "denominator",
                    ColumnType.NUMBER,
                    _("Mẫu số (chỉ cho chỉ tiêu ratio), lớn hơn 0."),
                    required=True,
                    blank=True,
                ),
                Column(
                    "status",
                    "Trạng thái",
                    "status",
                    ColumnType.CHOICE,
                    _(
                        "Ước thực hiện (cũng nhận: ước, estimate) hoặc chính thức (cũng nhận: "
                        "official); để trống là chính thức."
                    ),
                    required=True,
                    choices=Figure.Status,
                    default=Figure.Status.OFFICIAL,
                    words=(
                        ("ước thực hiện", Figure.Status.ESTIMATE),
                        ("ước", Figure.Status.ESTIMATE),
                        ("uoc thuc hien", Figure.Status.ESTIMATE),
                        ("uoc", Figure.Status.ESTIMATE),
                        ("chính thức", Figure.Status.OFFICIAL),
                        ("chinh thuc", Figure.Status.OFFICIAL),
                    ),
                    width=18,
                ),
            ),
            natural_key=("unit", "indicator", "year", "month"),
        ),
    )
}


_SHEET_BY_ALIAS: dict[str, str] = {}
for _sheet in SHEETS.values():
    for _alias in _sheet.aliases:
        if _SHEET_BY_ALIAS.setdefault(header_fold(_alias), _sheet.key) != _sheet.key:
            raise ValueError(f"sheet name {_alias!r} is given twice")


def sheet_key(name: object) -> str | None:
    """The key of the sheet a workbook's sheet name means, under any alias (None: not ours)."""
    return _SHEET_BY_ALIAS.get(header_fold(name))


def sheet_label(key: str) -> str:
    """A sheet as pages and messages name it: "Số liệu (figures)"."""
    sheet = SHEETS.get(key)
    return f"{sheet.title} ({sheet.key})" if sheet else key


def headers_table() -> str:
    """Every sheet and column under its three names, as the README lists them (a test checks
    that the README holds exactly this, so the two cannot drift apart)."""
    lines = [
        "| sheet / column (Vietnamese) | ASCII key | English key | required |",
        "| --- | --- | --- | --- |",
    ]
    for sheet in SHEETS.values():
        lines.append(f"| **{sheet.title}** (sheet) | `{sheet.ascii}` | `{sheet.key}` | |")
        for column in sheet.columns:
            required = "yes" if column.required else ""
            lines.append(f"| {column.title} | `{column.ascii}` | `{column.name}` | {required} |")
    return "\n".join(lines) + "\n"
