"""Forms: the monthly entry grid (one row per indicator), the month picker above it, and a
period's written sections with the report's details."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators import tree as unit_tree
from indicators.core.numbers import NumberFormatError, format_number, parse_number
from indicators.core.text import search_key
from indicators.entry.comparisons import Earlier
from indicators.entry.reports import FIELDS as REPORT_FIELDS
from indicators.entry.reports import ReportEntry
from indicators.entry.services import FigureEntry, figure_version, validate_figure
from indicators.models import AMOUNT, Figure, Indicator, PeriodReport, SignerCapacity, Unit

if TYPE_CHECKING:
    from indicators.reporting.entered_below import TotalBelow

MAX_DECIMALS = AMOUNT["decimal_places"]
MAX_WHOLE_DIGITS = AMOUNT["max_digits"] - AMOUNT["decimal_places"]


class VietnameseNumberField(forms.CharField):
    """A number typed as a person writes it: "6.021.447.000", "86,7", "1500".

    In a form shown in Vietnamese, dots group thousands ("150.000" is 150000); in English,
    a lone "1.500" is ambiguous and refused. A number must fit the database's columns: at most
    18 digits before the decimal separator and 4 after it (rounding silently would store a
    figure nobody typed).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value) -> Decimal | None:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            english = get_language() == "en"  # each language reads the form it shows
            number = parse_number(
                text, dots_group_thousands=not english, commas_group_thousands=english
            )
        except NumberFormatError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        sign, digits, exponent = number.as_tuple()
        decimals = max(0, -exponent)
        if decimals > MAX_DECIMALS:
            raise forms.ValidationError(
                _("Chỉ nhập tối đa %(places)d chữ số sau dấu phẩy.") % {"places": MAX_DECIMALS},
                code="max_decimal_places",
            )
        if len(digits) - decimals > MAX_WHOLE_DIGITS:
            raise forms.ValidationError(_("Số quá lớn."), code="max_digits")
        return number

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value)
        return value


def add_figure_errors(
    form: forms.Form, indicator: Indicator, *, level: str | None, value, numerator, denominator
):
    """:func:`services.validate_figure`'s messages on ``form``: each on the field it names, or
    on the whole form when that field is not shown (a ratio has no ``value`` field)."""
    for field, message in validate_figure(
        indicator, level=level, value=value, numerator=numerator, denominator=denominator
    ).items():
        form.add_error(field if field in form.fields else None, message)


@dataclass(frozen=True)
class PickerUnit:
    """One unit in the month grid's unit picker."""

    unit: Unit
    label: str  # with its parent, which tells apart every ward's "Tổ dân phố 1"
    depth: int  # how many of the listed units are above it (the indent)
    search: str  # the label folded for a search (``core.text.search_key``)


def picker_units(unit_ids: Iterable[int], *, query: str = "") -> list[PickerUnit]:
    """The units of ``unit_ids`` in the tree's order (a parent before its children), each named
    "Phường Chánh Lộ › Tổ dân phố 1"; with ``query``, only those whose name contains it,
    marks and case aside. No query beyond the tree's."""
    units = unit_tree.current()
    wanted = set(unit_ids)
    found = []
    needle = search_key(query)
    for unit, _depth in units.walk():
        if unit.id not in wanted:
            continue
        parent_id = units.parent_of.get(unit.id)
        names = [unit.display_name]
        if parent_id in units:
            names.insert(0, units.get(parent_id).display_name)
        label = " › ".join(names)
        if needle and needle not in search_key(label):
            continue
        depth = sum(1 for above in units.ancestor_ids(unit.id) if above in wanted)
        found.append(PickerUnit(unit=unit, label=label, depth=depth, search=search_key(label)))
    return found


class MonthPickerForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Unit.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": _("Không có đơn vị này.")},
    )
    year = forms.IntegerField(
        label=_("Năm"),
        min_value=1900,
        max_value=2100,
        error_messages={
            "invalid": _("Năm phải là một số."),
            "min_value": _("Năm không hợp lệ."),
            "max_value": _("Năm không hợp lệ."),
        },
    )
    month = forms.TypedChoiceField(
        label=_("Tháng"),
        choices=[(m, _("Tháng %(month)d") % {"month": m}) for m in range(1, 13)],
        coerce=int,
        error_messages={"invalid_choice": _("Tháng này không tồn tại (chỉ có tháng 1 đến 12).")},
    )

    def limit_units(self, units: list[PickerUnit]) -> None:
        """Offer only ``units`` (the user's), labelled with their parent, in the tree's order."""
        self.fields["unit"].queryset = Unit.objects.filter(id__in=[p.unit.id for p in units])
        self.fields["unit"].widget.choices = [("", "---------")] + [
            (p.unit.code, p.label) for p in units
        ]


class FigureRowForm(forms.Form):
    """One indicator's line in the month grid."""

    value = VietnameseNumberField(label=_("Số liệu"))
    numerator = VietnameseNumberField(label=_("Tử số"))
    denominator = VietnameseNumberField(label=_("Mẫu số"))
    status = forms.ChoiceField(
        label=_("Tình trạng"),
        choices=Figure.Status.choices,
        initial=Figure.Status.OFFICIAL,
        widget=forms.RadioSelect,
    )
    delete = forms.BooleanField(label=_("Xóa"), required=False)
    # Ticked beside a plausibility warning: "I checked it, the figure is right" (saved in the
    # figure's history by ``services.save_month``).
    confirm = forms.BooleanField(label=_("Tôi đã kiểm tra: số này đúng"), required=False)
    # The figure as it was when the form was opened (``services.figure_version``): a save is
    # refused if someone else saved the month in between.
    version = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(
        self, *args, indicator: Indicator, level: str, existing: Figure | None = None, **kwargs
    ):
        self.indicator = indicator
        self.level = level  # the unit's level, which must enter ``indicator``
        self.existing = existing
        if existing is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "value": existing.value,
                "numerator": existing.numerator,
                "denominator": existing.denominator,
                "status": existing.status,
            }
        kwargs.setdefault("initial", {})["version"] = figure_version(existing)
        super().__init__(*args, **kwargs)
        if indicator.kind == Indicator.Kind.RATIO:
            del self.fields["value"]
        else:
            del self.fields["numerator"]
            del self.fields["denominator"]
        if existing is None:
            del self.fields["delete"]
        # A count has no decimals: the phone's digits-only keyboard is enough for it.
        for name in ("value", "numerator", "denominator"):
            if name not in self.fields:
                continue
            whole = name != "value" or indicator.allowed_decimal_places == 0
            self.fields[name].widget.attrs["inputmode"] = "numeric" if whole else "decimal"
        self.earlier: Earlier | None = None  # last month's and last year's figures, if read
        self.warning = ""  # the plausibility warning of the last save, "" when none

    @property
    def is_level(self) -> bool:
        return self.indicator.kind == Indicator.Kind.LEVEL

    def clean(self):
        data = super().clean()
        if data.get("delete") or self.errors:
            return data
        entry = self.entry()
        if entry.is_blank:
            return data
        add_figure_errors(
            self,
            self.indicator,
            level=self.level,
            value=entry.value,
            numerator=entry.numerator,
            denominator=entry.denominator,
        )
        return data

    def entry(self) -> FigureEntry:
        data = self.cleaned_data
        return FigureEntry(
            indicator=self.indicator,
            value=data.get("value"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
            status=data.get("status") or Figure.Status.OFFICIAL,
            delete=bool(data.get("delete")),
            confirmed=bool(data.get("confirm")),
        )


class MonthGrid:
    """A unit's month: one form per indicator its level enters, prefixed by code, and beside
    them (``below``, read-only) the totals of the indicators the units under it enter."""

    def __init__(
        self,
        *,
        unit: Unit,
        indicators,
        existing: dict[int, Figure],
        data=None,
        locked=False,
        below: Iterable[TotalBelow] = (),
        earlier: dict[int, Earlier] | None = None,
    ):
        self.locked = locked
        self.rows = [
            FigureRowForm(
                data,
                prefix=f"fig-{indicator.code}",
                indicator=indicator,
                level=unit.level,
                existing=existing.get(indicator.id),
            )
            for indicator in indicators
            if indicator.is_entered_at(unit.level) or _posted(data, indicator)
        ]
        self.below = list(below)
        for row in self.rows:
            row.earlier = (earlier or {}).get(row.indicator.id)
        if locked:  # an approved month is shown, not edited
            for row in self.rows:
                for field in row.fields.values():
                    field.disabled = True

    def is_valid(self) -> bool:
        return all([row.is_valid() for row in self.rows])  # validate every row, not the first

    def warn(self, warnings: dict[int, str]) -> None:
        """Show ``services.ImplausibleFigures``' warnings (indicator id → message) on their rows."""
        for row in self.rows:
            row.warning = warnings.get(row.indicator.id, "")

    @property
    def has_level_rows(self) -> bool:
        return any(row.is_level for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    def entries(self) -> list[FigureEntry]:
        return [row.entry() for row in self.rows]

    def expected_versions(self) -> dict[int, str]:
        """Indicator id → the version token each row was opened with.

        A row posted without the token (a script, not the page) is not checked.
        """
        return {
            row.indicator.id: row.cleaned_data.get("version") or ""
            for row in self.rows
            if row.add_prefix("version") in row.data
        }


def _posted(data, indicator: Indicator) -> bool:
    """Was a number posted for ``indicator``? One the unit's level does not enter has no row on
    the page; a post that names it anyway gets a row, so that its refusal is said, not dropped."""
    if data is None:
        return False
    prefix = f"fig-{indicator.code}-"
    return any(str(data.get(prefix + name, "")).strip() for name in FIGURE_NUMBER_FIELDS)


FIGURE_NUMBER_FIELDS = ("value", "numerator", "denominator")


def copy_last_month(data, earlier: dict[int, Earlier], indicators) -> tuple[dict, int]:
    """A copy of a posted grid whose empty boxes of level indicators (a stock: households,
    members) hold last month's figure; a box with something typed in it is never overwritten.
    Returns the copy and how many boxes were filled."""
    data = data.copy()
    filled = 0
    for indicator in indicators:
        previous = earlier.get(indicator.id)
        if indicator.kind != Indicator.Kind.LEVEL or previous is None:
            continue
        name = f"fig-{indicator.code}-value"
        if previous.last_month is None or str(data.get(name, "")).strip():
            continue
        data[name] = format_number(previous.last_month.value)
        filled += 1
    return data, filled


def refresh_versions(data, existing: dict[int, Figure], indicators) -> dict:
    """A copy of a posted grid whose version tokens are today's, the typed values kept.

    After a refused save the form shows what the user typed; saving it again then means
    "yes, write my numbers over the other person's".
    """
    data = data.copy()
    for indicator in indicators:
        data[f"fig-{indicator.code}-version"] = figure_version(existing.get(indicator.id))
    return data


class MonthActionForm(forms.Form):
    """Submit, approve or reopen one unit's month (the buttons on the month grid)."""

    ACTIONS = ("submit", "approve", "reopen")

    unit = forms.ModelChoiceField(
        queryset=Unit.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": _("Không có đơn vị này.")},
    )
    year = forms.IntegerField(min_value=1900, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    reason = forms.CharField(required=False, max_length=1000)


MONTH_MOVED = {
    "submit": _("Đã gửi duyệt tháng %(month)d/%(year)d của %(unit)s."),
    "approve": _("Đã phê duyệt tháng %(month)d/%(year)d của %(unit)s; số liệu đã khóa."),
    "reopen": _("Đã mở lại tháng %(month)d/%(year)d của %(unit)s."),
}


class PeriodReportEntryForm(forms.Form):
    """A unit's written sections and report details for one period (the dashboard's form).

    The unit and period come from the URL, never from the form. Blank details print the
    unit's defaults (``reporting.report_details``), shown here as placeholders. The checks
    themselves are ``entry.reports.validate_report``'s, run by the service that saves.
    """

    results = forms.CharField(
        label=_("Kết quả đạt được (đánh giá chung)"), required=False, widget=forms.Textarea
    )
    shortcomings = forms.CharField(
        label=_("Tồn tại, hạn chế"), required=False, widget=forms.Textarea
    )
    tasks = forms.CharField(
        label=_("Phương hướng, nhiệm vụ kỳ tới"), required=False, widget=forms.Textarea
    )
    document_number = forms.CharField(label=_("Số văn bản"), required=False, strip=True)
    place = forms.CharField(label=_("Địa danh"), required=False)
    issued_on = forms.DateField(
        label=_("Ngày ban hành"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm.")},
    )
    signer_capacity = forms.ChoiceField(
        label=_("Thẩm quyền ký"),
        choices=SignerCapacity.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Thẩm quyền ký không hợp lệ.")},
    )
    signer_title = forms.CharField(label=_("Chức vụ người ký"), required=False)
    signer_name = forms.CharField(label=_("Họ và tên người ký"), required=False)
    recipients = forms.CharField(
        label=_("Nơi nhận (mỗi dòng một nơi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, report: PeriodReport | None, defaults, locked: bool, **kwargs):
        initial = {name: getattr(report, name) for name in REPORT_FIELDS} if report else {}
        initial.setdefault("signer_capacity", SignerCapacity.ON_BEHALF)
        super().__init__(*args, initial=initial, **kwargs)
        placeholders = {
            "place": defaults.place,
            "document_number": _("để trống nếu văn thư ghi số"),
            "signer_title": _("mặc định: Chủ tịch hoặc Phó Chủ tịch"),
            "recipients": "\n".join(defaults.recipients),
        }
        for name, text in placeholders.items():
            self.fields[name].widget.attrs["placeholder"] = text
        for field in self.fields.values():
            field.disabled = locked

    def entry(self) -> ReportEntry:
        data = self.cleaned_data
        return ReportEntry(**{name: data[name] for name in REPORT_FIELDS})

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's messages, each on its field; a lock on the whole form."""
        if hasattr(error, "error_dict"):
            for name, errors in error.message_dict.items():
                for message in errors:
                    self.add_error(name if name in self.fields else None, message)
        else:
            for message in error.messages:
                self.add_error(None, message)
