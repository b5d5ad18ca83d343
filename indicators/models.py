"""Data: administrative units, the indicator catalogue, targets, monthly figures, written sections.

Money, counts and rates are Decimal everywhere. Rules that the database can hold (uniqueness,
non-negative numbers, a month between 1 and 12, a numerator not above its denominator) are
constraints; rules that need the indicator's kind (a percentage not above 100) live in
``services.validate_figure`` and in the forms that call it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from indicators.core.entry_rules import STORED_DECIMAL_PLACES, default_decimal_places, enters
from indicators.core.text import refuse_control_characters, refuse_control_characters_multiline

AMOUNT = {"max_digits": 22, "decimal_places": 4}

# The audit trail (django-simple-history): one historical row per save or delete, with who
# made it (``history_user``) and from where (``history_change_reason``: "form", "admin",
# "import: <file>", …). A file name can be long, hence a text field.
AUDITED = {"history_change_reason_field": models.TextField(null=True)}

# What the admin calls the trail's own columns (django-simple-history leaves them unnamed,
# so Django would show "history date", "history user"…).
HISTORY_FIELD_NAMES = {
    "history_id": _("mã thay đổi"),
    "history_date": _("thời điểm"),
    "history_user": _("người thay đổi"),
    "history_type": _("loại thay đổi"),
    "history_change_reason": _("nguồn"),
}


def _history_row_text(row) -> str:
    when = date_format(localtime(row.history_date), "DATETIME_FORMAT")
    return _("%(row)s (lúc %(when)s)") % {"row": row.history_object, "when": when}


class AuditTrail(HistoricalRecords):
    """``HistoricalRecords`` whose columns and rows read in the user's language."""

    def get_extra_fields(self, model, fields):
        extra = super().get_extra_fields(model, fields)
        for name, label in HISTORY_FIELD_NAMES.items():
            if name in extra:
                extra[name].verbose_name = label
        extra["__str__"] = _history_row_text
        return extra


def audited(name: str) -> HistoricalRecords:
    """The audit trail of one model; ``name`` is what the admin calls its list of changes."""
    return AuditTrail(**AUDITED, verbose_name=name, verbose_name_plural=name)


class TranslatedNameMixin:
    """Rows with a Vietnamese ``name`` and an optional English ``name_en``."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Unit(TranslatedNameMixin, models.Model):
    """An administrative unit: province, city, ward or commune, residential group, …

    Units form a tree of any depth through ``parent``; since the 2025 reform there is no fixed
    number of levels, so nothing here assumes one.

    A unit exists from ``valid_from`` to ``valid_until`` (both inclusive, both optional: no
    date means "always" on that side). Its ``parent`` is the one it had while it existed: a
    ward that ended on 30 June 2025 keeps its district. The units it was formed from are its
    :class:`Predecessor` rows.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Tỉnh/thành phố trực thuộc trung ương")
        CITY = "city", _("Thành phố")
        DISTRICT = "district", _("Quận/huyện/thị xã")
        WARD = "ward", _("Phường")
        COMMUNE = "commune", _("Xã")
        TOWN = "town", _("Thị trấn")
        SPECIAL_ZONE = "special_zone", _("Đặc khu")
        GROUP = "group", _("Tổ dân phố/thôn")

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200, validators=[refuse_control_characters])
    name_en = models.CharField(
        _("tên tiếng Anh"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    level = models.CharField(_("cấp"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    valid_from = models.DateField(_("có hiệu lực từ"), null=True, blank=True)
    valid_until = models.DateField(_("có hiệu lực đến hết"), null=True, blank=True)
    # The day of the month after the report month by which the month is due (see
    # reporting/completeness.py); empty: the unit above decides, and at the top the 20th.
    reporting_deadline_day = models.PositiveSmallIntegerField(
        _("hạn gửi báo cáo (ngày)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_(
            "Ngày của tháng sau tháng báo cáo mà số liệu tháng phải được gửi duyệt "
            "(ví dụ 20: số liệu tháng 9 gửi chậm nhất ngày 20/10). Để trống: theo đơn vị cấp "
            "trên, mặc định ngày 20."
        ),
    )
    history = audited(_("lịch sử sửa đơn vị hành chính"))

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="unit_not_its_own_parent",
                violation_error_message=_("Một đơn vị không thể là cấp trên của chính nó."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="unit_valid_until_not_before_valid_from",
                violation_error_message=_(
                    "Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Predecessor(models.Model):
    """``unit`` was formed from ``predecessor``, wholly (``share`` 1) or in part.

    ``share`` is the part of the predecessor's territory (and so of its flows, counts and
    levels) that went to ``unit``, 0 < share ≤ 1. The shares of one predecessor never add up to
    more than 1: a sum the database cannot check, so the service, the form and the import do
    (``core.lineage_rules.overcommitted``). A rename is a new unit with the old one as its only
    predecessor, wholly.
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("đơn vị mới"),
        on_delete=models.CASCADE,
        related_name="predecessor_links",
    )
    predecessor = models.ForeignKey(
        Unit,
        verbose_name=_("hình thành từ"),
        on_delete=models.PROTECT,
        related_name="successor_links",
    )
    share = models.DecimalField(
        _("tỷ lệ sáp nhập"),
        max_digits=5,
        decimal_places=4,
        default=Decimal(1),
        help_text=_("Phần của đơn vị cũ chuyển vào đơn vị mới, lớn hơn 0 và không quá 1."),
    )
    history = audited(_("lịch sử sửa quá trình hình thành đơn vị"))

    class Meta:
        ordering = ["unit", "predecessor__order", "predecessor__code"]
        verbose_name = _("đơn vị hình thành từ")
        verbose_name_plural = _("đơn vị hình thành từ")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "predecessor"],
                name="predecessor_once_per_unit",
                violation_error_message=_("Đơn vị cũ này đã có trong danh sách."),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("unit")),
                name="predecessor_not_the_unit_itself",
                violation_error_message=_("Một đơn vị không thể hình thành từ chính nó."),
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1),
                name="predecessor_share_between_0_and_1",
                violation_error_message=_("Tỷ lệ phải lớn hơn 0 và không quá 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} ← {self.predecessor} ({self.share})"


class Authority(TranslatedNameMixin, models.Model):
    """Who set a target: the city People's Committee, the ward People's Council, …"""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200, validators=[refuse_control_characters])
    name_en = models.CharField(
        _("tên tiếng Anh"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    report_phrase = models.CharField(
        _("cách gọi chỉ tiêu trong báo cáo"),
        validators=[refuse_control_characters],
        max_length=200,
        blank=True,
        help_text=_('Ví dụ: "chỉ tiêu giao thành phố", "chỉ tiêu HĐND phường giao".'),
    )
    report_phrase_en = models.CharField(
        _("cách gọi chỉ tiêu (tiếng Anh)"),
        max_length=200,
        blank=True,
        validators=[refuse_control_characters],
    )
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    history = audited(_("lịch sử sửa cơ quan giao chỉ tiêu"))

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("cơ quan giao chỉ tiêu")
        verbose_name_plural = _("cơ quan giao chỉ tiêu")

    def __str__(self) -> str:
        return self.name

    @property
    def display_phrase(self) -> str:
        if get_language() == "en":
            return self.report_phrase_en or self.name_en or self.name
        return self.report_phrase or self.name


class Area(TranslatedNameMixin, models.Model):
    """A field of work that groups indicators in reports: budget revenue, e-government, …"""

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=200, validators=[refuse_control_characters])
    name_en = models.CharField(
        _("tên tiếng Anh"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    history = audited(_("lịch sử sửa lĩnh vực"))

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


class Indicator(TranslatedNameMixin, models.Model):
    """One line of the catalogue, with how its months and sub-units add up (``kind``)."""

    class Kind(models.TextChoices):
        SUM = "sum", _("Cộng dồn (tổng các tháng, tổng các đơn vị)")
        RATIO = "ratio", _("Tỷ lệ từ tử số/mẫu số")
        LEVEL = "level", _("Số tại thời điểm (tháng cuối có số liệu)")
        REPORTED = "reported", _("Tỷ lệ % do hệ thống khác công bố (không có tử số/mẫu số)")

    class Direction(models.TextChoices):
        UP = "up", _("Càng cao càng tốt")
        DOWN = "down", _("Càng thấp càng tốt")

    code = models.SlugField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=300, validators=[refuse_control_characters])
    name_en = models.CharField(
        _("tên tiếng Anh"), max_length=300, blank=True, validators=[refuse_control_characters]
    )
    short_name = models.CharField(
        _("tên ngắn trong báo cáo"),
        validators=[refuse_control_characters],
        max_length=200,
        blank=True,
        help_text=_('Tên dùng trong câu báo cáo, ví dụ "Dịch vụ công trực tuyến".'),
    )
    short_name_en = models.CharField(
        _("tên ngắn (tiếng Anh)"),
        max_length=200,
        blank=True,
        validators=[refuse_control_characters],
    )
    area = models.ForeignKey(
        Area, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="indicators"
    )
    unit = models.CharField(_("đơn vị tính"), max_length=40, validators=[refuse_control_characters])
    unit_en = models.CharField(
        _("đơn vị tính (tiếng Anh)"),
        max_length=40,
        blank=True,
        validators=[refuse_control_characters],
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    direction = models.CharField(
        _("chiều tốt"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    numerator_label = models.CharField(
        _("tử số"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    denominator_label = models.CharField(
        _("mẫu số"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    is_main = models.BooleanField(
        _("chỉ tiêu chính"),
        default=False,
        help_text=_("Chỉ tiêu chính được so sánh giữa các đơn vị cấp dưới."),
    )
    is_active = models.BooleanField(_("đang dùng"), default=True)
    entry_levels = models.JSONField(
        _("cấp nhập số liệu"),
        default=list,
        blank=True,
        help_text=_(
            "Các cấp đơn vị nhập số liệu chỉ tiêu này; cấp trên cộng lại. "
            "Để trống: mọi cấp đều nhập."
        ),
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("số chữ số thập phân"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(STORED_DECIMAL_PLACES)],
        help_text=_("Để trống: 0 với số đếm (hộ, vụ, công trình, hồ sơ, …), còn lại 4."),
    )
    order = models.PositiveIntegerField(_("thứ tự"), default=0)
    history = audited(_("lịch sử sửa danh mục chỉ tiêu"))

    class Meta:
        ordering = ["area__order", "order", "code"]
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("danh mục chỉ tiêu")

    def __str__(self) -> str:
        return self.name

    def is_entered_at(self, level: str) -> bool:
        """Do units at ``level`` enter this indicator's figures?"""
        return enters(self.entry_levels or [], level)

    @property
    def allowed_decimal_places(self) -> int:
        """Decimals a figure may have: the indicator's own setting or its unit's default."""
        if self.decimal_places is not None:
            return self.decimal_places
        return default_decimal_places(self.unit)

    @property
    def is_percentage(self) -> bool:
        return self.kind in (self.Kind.RATIO, self.Kind.REPORTED)

    @property
    def display_unit(self) -> str:
        if get_language() == "en" and self.unit_en:
            return self.unit_en
        return self.unit

    @property
    def display_short_name(self) -> str:
        if get_language() == "en":
            return self.short_name_en or self.name_en or self.short_name or self.name
        return self.short_name or self.name


class Target(models.Model):
    """An annual target for one indicator in one unit, set by one authority."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    authority = models.ForeignKey(
        Authority, verbose_name=_("cơ quan giao"), on_delete=models.PROTECT
    )
    value = models.DecimalField(_("giá trị chỉ tiêu năm"), **AMOUNT)
    basis = models.CharField(
        _("căn cứ giao chỉ tiêu"),
        validators=[refuse_control_characters],
        max_length=300,
        blank=True,
        help_text=_("Số, ngày nghị quyết hoặc quyết định giao chỉ tiêu."),
    )
    # Set when the target is changed while its year has approved months (the approver's
    # reason kept with it); the period pages say so. Earlier adjustments are in ``history``.
    adjusted_after_approval_at = models.DateTimeField(
        _("điều chỉnh sau phê duyệt lúc"), null=True, blank=True
    )
    adjustment_reason = models.TextField(
        _("lý do điều chỉnh sau phê duyệt"),
        blank=True,
        validators=[refuse_control_characters_multiline],
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = audited(_("lịch sử sửa chỉ tiêu được giao"))

    class Meta:
        ordering = ["year", "indicator__area__order", "indicator__order", "authority__order"]
        verbose_name = _("chỉ tiêu được giao")
        verbose_name_plural = _("chỉ tiêu được giao")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year", "authority"],
                name="one_target_per_unit_indicator_year_authority",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="target_not_negative",
                violation_error_message=_("Chỉ tiêu không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2100),
                name="target_year_in_range",
                violation_error_message=_("Năm phải từ 1900 đến 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} — {self.authority}"


class Figure(models.Model):
    """One month's figure of one indicator in one unit.

    ``value`` holds the figure of every kind but ``ratio``; a ratio stores its ``numerator`` and
    ``denominator`` (counts) and its rate is computed, never stored.
    """

    class Status(models.TextChoices):
        ESTIMATE = "estimate", _("Ước thực hiện")
        OFFICIAL = "official", _("Chính thức")

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="figures"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.PROTECT, related_name="figures"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    value = models.DecimalField(_("số liệu"), null=True, blank=True, **AMOUNT)
    numerator = models.DecimalField(_("tử số"), null=True, blank=True, **AMOUNT)
    denominator = models.DecimalField(_("mẫu số"), null=True, blank=True, **AMOUNT)
    status = models.CharField(
        _("tình trạng số liệu"), max_length=10, choices=Status.choices, default=Status.OFFICIAL
    )
    source = models.CharField(
        _("nguồn nhập"), max_length=200, blank=True, validators=[refuse_control_characters]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("nhập lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("sửa lúc"), auto_now=True)
    history = audited(_("lịch sử sửa số liệu tháng"))

    class Meta:
        ordering = ["year", "month", "indicator__area__order", "indicator__order"]
        verbose_name = _("số liệu tháng")
        verbose_name_plural = _("số liệu tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "indicator", "year", "month"],
                name="one_figure_per_unit_indicator_month",
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="figure_month_1_to_12",
                violation_error_message=_("Tháng phải từ 1 đến 12."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2100),
                name="figure_year_in_range",
                violation_error_message=_("Năm phải từ 1900 đến 2100."),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="figure_value_not_negative",
                violation_error_message=_("Số liệu không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True) | Q(numerator__gte=0),
                name="figure_numerator_not_negative",
                violation_error_message=_("Tử số không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(denominator__isnull=True) | Q(denominator__gt=0),
                name="figure_denominator_positive",
                violation_error_message=_("Mẫu số phải lớn hơn 0."),
            ),
            models.CheckConstraint(
                condition=Q(numerator__isnull=True)
                | Q(denominator__isnull=True)
                | Q(numerator__lte=F("denominator")),
                name="figure_numerator_within_denominator",
                violation_error_message=_("Tử số không được lớn hơn mẫu số."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(value__isnull=False, numerator__isnull=True, denominator__isnull=True)
                    | Q(value__isnull=True, numerator__isnull=False, denominator__isnull=False)
                ),
                name="figure_value_or_counts",
                violation_error_message=_(
                    "Chỉ tiêu tỷ lệ nhập tử số và mẫu số; chỉ tiêu khác nhập số liệu."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} — {self.unit} — {self.month}/{self.year}"

    @property
    def is_estimate(self) -> bool:
        return self.status == self.Status.ESTIMATE


class SignerCapacity(models.TextChoices):
    """Who signs for the People's Committee (Decree 30/2020/NĐ-CP, Article 13)."""

    ON_BEHALF = "tm", _("TM. Ủy ban nhân dân: Chủ tịch ký")
    DEPUTY = "kt", _("TM. Ủy ban nhân dân, KT. Chủ tịch: Phó Chủ tịch ký")


class PeriodReport(models.Model):
    """The written sections of a unit's report for one period, and the document's details
    (number, place, date, signer, recipients), entered by staff."""

    unit = models.ForeignKey(Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(
        _("kỳ báo cáo"), max_length=8, help_text=_("m1…m12, q1…q4, 6m, 9m, y, ytd1…ytd12")
    )
    results = models.TextField(
        _("kết quả đạt được"), blank=True, validators=[refuse_control_characters_multiline]
    )
    shortcomings = models.TextField(
        _("tồn tại, hạn chế"), blank=True, validators=[refuse_control_characters_multiline]
    )
    tasks = models.TextField(
        _("nhiệm vụ trọng tâm kỳ tới"), blank=True, validators=[refuse_control_characters_multiline]
    )
    # The document's own details (Decree 30/2020/NĐ-CP); blank means "use the unit's default",
    # see reporting.report_details.
    document_number = models.CharField(
        _("số văn bản"),
        max_length=20,
        blank=True,
        help_text=_("Ví dụ: 125 (in thành 125/BC-UBND)."),
        validators=[refuse_control_characters],
    )
    place = models.CharField(
        _("địa danh"), max_length=100, blank=True, validators=[refuse_control_characters]
    )
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    signer_name = models.CharField(
        _("người ký"), max_length=100, blank=True, validators=[refuse_control_characters]
    )
    signer_title = models.CharField(
        _("chức vụ người ký"), max_length=100, blank=True, validators=[refuse_control_characters]
    )
    signer_capacity = models.CharField(
        _("thẩm quyền ký"),
        max_length=2,
        choices=SignerCapacity.choices,
        default=SignerCapacity.ON_BEHALF,
    )
    recipients = models.TextField(
        _("nơi nhận"),
        blank=True,
        help_text=_("Mỗi dòng một nơi nhận."),
        validators=[refuse_control_characters_multiline],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cập nhật"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    history = audited(_("lịch sử sửa nội dung báo cáo kỳ"))

    class Meta:
        ordering = ["-year", "period"]
        verbose_name = _("nội dung báo cáo kỳ")
        verbose_name_plural = _("nội dung báo cáo kỳ")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "period"], name="one_report_per_unit_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}/{self.period}"


class RoleGrant(models.Model):
    """A role a user holds on a unit and on every unit under it.

    What each role may do is decided in ``access.py``; a user may hold several grants.
    """

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Xem số liệu")
        DATA_ENTRY = "data_entry", _("Nhập số liệu")
        APPROVER = "approver", _("Phê duyệt")
        CITY_ADMIN = "city_admin", _("Quản trị danh mục")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("cấp lúc"), auto_now_add=True)
    history = audited(_("lịch sử phân quyền"))

    class Meta:
        ordering = ["user__username", "unit__order", "role"]
        verbose_name = _("phân quyền")
        verbose_name_plural = _("phân quyền")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="one_grant_per_user_unit_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class MonthApproval(models.Model):
    """Where one unit's month stands: open → submitted → approved (→ reopened, with a reason).

    An approved month locks the figures of the unit and of every unit under it for that
    month. No row means the month is open. Every change is kept in ``history``.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Đang mở")
        SUBMITTED = "submitted", _("Đã gửi duyệt")
        APPROVED = "approved", _("Đã phê duyệt")

    unit = models.ForeignKey(
        Unit, verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="approvals"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    month = models.PositiveSmallIntegerField(_("tháng"))
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("thực hiện lúc"), auto_now=True)
    reason = models.TextField(
        _("lý do"), blank=True, validators=[refuse_control_characters_multiline]
    )
    # When the month was last sent for approval (kept when it is approved, cleared when it is
    # reopened): the reporting page compares it with the unit's deadline.
    submitted_at = models.DateTimeField(_("gửi duyệt lúc"), null=True, blank=True)
    # The codes of the units under this one that had not submitted the month when it was
    # submitted or approved anyway, after the user confirmed it (empty: none were missing).
    confirmed_missing = models.TextField(
        _("đã xác nhận gửi/duyệt khi còn thiếu đơn vị"), blank=True
    )
    history = audited(_("lịch sử gửi duyệt, phê duyệt"))

    class Meta:
        ordering = ["-year", "-month", "unit__order"]
        verbose_name = _("phê duyệt số liệu tháng")
        verbose_name_plural = _("phê duyệt số liệu tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"], name="one_approval_per_unit_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12),
                name="approval_month_1_to_12",
                violation_error_message=_("Tháng phải từ 1 đến 12."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2100),
                name="approval_year_in_range",
                violation_error_message=_("Năm phải từ 1900 đến 2100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month}/{self.year}: {self.get_status_display()}"


class PendingUpload(models.Model):
    """An uploaded workbook waiting for its confirmation or its import job: the file's bytes.

    In the database, not on one app server's disk, so that the preview, the confirmation and
    the job may each be served by a different replica (README "Deployment"). Deleted once the
    import is confirmed, refused or abandoned, and at the latest after a day
    (:func:`indicators.exchange.jobs.forget_old_uploads`, also run by ``purge_expired``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.CASCADE
    )
    file_name = models.CharField(_("tên tệp"), max_length=200)
    content = models.BinaryField(_("nội dung"))
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("tệp chờ nhập")
        verbose_name_plural = _("tệp chờ nhập")

    def __str__(self) -> str:
        return self.file_name


class ImportJob(models.Model):
    """A large workbook upload, previewed and then imported outside the web request.

    The file waits in its :class:`PendingUpload` until the job is done (see
    :mod:`indicators.exchange.jobs`); ``result`` holds what the job page shows.
    """

    class Step(models.TextChoices):
        PREVIEW = "preview", _("xem trước")
        CONFIRM = "confirm", _("nhập")

    class State(models.TextChoices):
        QUEUED = "queued", _("đang chờ")
        RUNNING = "running", _("đang chạy")
        DONE = "done", _("xong")
        FAILED = "failed", _("lỗi")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), on_delete=models.CASCADE
    )
    file_name = models.CharField(_("tên tệp"), max_length=200)
    step = models.CharField(_("bước"), max_length=10, choices=Step.choices, default=Step.PREVIEW)
    state = models.CharField(
        _("trạng thái"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    rows_read = models.PositiveIntegerField(_("số dòng đã đọc"), default=0)
    fingerprint = models.TextField(blank=True)  # the preview's plan, checked by the import
    result = models.JSONField(default=dict, blank=True)  # counts, or errors (see jobs.py)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("xong lúc"), null=True, blank=True)
    # The file, until the job no longer needs it (then deleted, and this is null).
    upload = models.OneToOneField(
        PendingUpload, null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("lượt nhập tệp lớn")
        verbose_name_plural = _("lượt nhập tệp lớn")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_step_display()}: {self.get_state_display()})"


class Freshness(models.Model):
    """The version of one part of the data that caches are keyed on (``indicators.freshness``).

    ``scope`` names the part: ``tree`` (units and lineage), ``catalogue`` (areas, indicators,
    authorities), ``unit:<id>`` (anything under the unit, the unit included), ``own:<id>`` (the
    unit's own rows: approvals, targets, written sections). ``token`` is replaced by a new
    random value in the transaction that changes the part, so a token rolled back never
    comes back and a cache entry made under it is never looked up again.
    """

    scope = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.scope}: {self.token}"
