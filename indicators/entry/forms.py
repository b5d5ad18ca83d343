"""Forms: the monthly entry grid (one row per indicator), the month picker above it, and a
period's written sections with the report's details."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from indicators.core.numbers import NumberFormatError, format_number, parse_number
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
            number = parse_number(text, dots_group_thousands=get_language() != "en")
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
        if locked:  # an approved month is shown, not edited
            for row in self.rows:
                for field in row.fields.values():
                    field.disabled = True

    def is_valid(self) -> bool:
        return all([row.is_valid() for row in self.rows])  # validate every row, not the first

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
