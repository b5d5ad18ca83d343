"""django-tables2 tables of the dashboard: period summaries, child units, monthly figures.

The summary table's columns come from :mod:`indicators.reporting.columns`, the same list the Excel
export uses, so a page and its workbook never disagree. Tables only format numbers that the
selectors computed; sorting works on the raw Decimals.
"""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.core.numbers import format_number, format_percent, format_value
from indicators.core.periods import Period
from indicators.models import Indicator, Unit
from indicators.reporting.columns import Column, authorities_of, summary_columns
from indicators.reporting.selectors import Completion, IndicatorRow, percent_of
from indicators.reporting.wording import format_points

TABLE_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

STATUS_LABELS = {
    Completion.GOOD: gettext_lazy("Đạt tiến độ"),
    Completion.WATCH: gettext_lazy("Cần theo dõi"),
    Completion.BEHIND: gettext_lazy("Chậm tiến độ"),
    Completion.NONE: gettext_lazy("Chưa đánh giá"),
}


def status_legend() -> list[tuple[Completion, str]]:
    return [(key, str(label)) for key, label in STATUS_LABELS.items()]


TEXT_SUFFIX = "__text"  # a record's key for a column's words: "actual__text"


def _words_instead(record, bound_column) -> str:
    """The shared column's words for this cell ("Chưa có số liệu", "Không vượt chỉ tiêu")."""
    return record.get(f"{bound_column.name}{TEXT_SUFFIX}", "") if bound_column else ""


class AmountColumn(tables.Column):
    """A figure in the row's indicator unit: amounts in full, percentages to two decimals."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record, bound_column=None):
        words = _words_instead(record, bound_column)
        if words:
            return format_html('<span class="note">{}</span>', words)
        return format_value(value, is_percentage=record["indicator_obj"].is_percentage)


class PercentColumn(tables.Column):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record=None, bound_column=None):
        words = _words_instead(record or {}, bound_column)
        if words:
            return format_html('<span class="note">{}</span>', words)
        return format_percent(value)


class PointsColumn(tables.Column):
    """A rate's change over last year in percentage points, signed: "+25,5", "−3,25"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_points(value)


class IndicatorColumn(tables.Column):
    """The indicator's name, linked to its page, with its status dot and "ước" when estimated."""

    def render(self, value, record):
        estimate = ""
        if record["is_estimate"]:
            estimate = format_html(
                ' <span class="badge-estimate" title="{}">{}</span>',
                _("Có số ước thực hiện"),
                _("ước"),
            )
        if record.get("not_aggregable"):
            estimate = format_html(
                ' <span class="note">{}</span>', _("không cộng được từ đơn vị cấp dưới")
            )
        if record.get("coverage"):
            estimate = format_html(
                '{} <span class="note coverage">{}</span>', estimate, record["coverage"]
            )
        return format_html(
            '<span class="status-dot status-{}" title="{}"></span><a href="{}">{}</a>{}',
            record["status"],
            STATUS_LABELS[record["status"]],
            record["url"],
            value,
            estimate,
        )


def _table_column(column: Column) -> tables.Column:
    if column.key == "indicator":
        return IndicatorColumn(verbose_name=column.header)
    # empty_values=(): an empty cell may still have words to show ("Chưa có số liệu").
    if column.format == "amount":
        return AmountColumn(verbose_name=column.header, empty_values=() if column.text else None)
    if column.format == "percent":
        return PercentColumn(verbose_name=column.header, empty_values=() if column.text else None)
    if column.format == "points":
        return PointsColumn(verbose_name=column.header)
    return tables.Column(verbose_name=column.header)


class SummaryTable(tables.Table):
    """Columns are added per page from :func:`indicators.reporting.columns.summary_columns`."""

    class Meta:
        template_name = TABLE_TEMPLATE
        attrs = {"class": "table summary-table"}
        row_attrs = {"class": lambda record: f"status-row-{record['status']}"}
        empty_text = gettext_lazy("Chưa có số liệu.")


def coverage_note(row: IndicatorRow) -> str:
    """ "7/8 đơn vị" when the row's figure is built from only part of its units, else ""."""
    if not row.is_partial:
        return ""
    return _("%(reported)d/%(expected)d đơn vị") % {
        "reported": row.units_reported,
        "expected": row.units_expected,
    }


def summary_table(
    rows: list[IndicatorRow], *, unit: Unit, period: Period, prefix: str = ""
) -> SummaryTable:
    """One area's rows as a sortable table, with the shared summary columns."""
    columns = summary_columns(authorities_of(rows))
    data = []
    for row in rows:
        record = {column.key: column.value(row) for column in columns}
        record.update(
            {f"{column.key}{TEXT_SUFFIX}": column.text(row) for column in columns if column.text}
        )
        record.update(
            indicator_obj=row.indicator,
            status=row.status,
            is_estimate=row.is_estimate,
            not_aggregable=row.current.not_aggregable,
            coverage=coverage_note(row),
            url=reverse(
                "indicator-detail",
                args=[unit.code, period.year, period.key, row.indicator.code],
            ),
        )
        data.append(record)
    return SummaryTable(
        data,
        prefix=prefix,
        extra_columns=[(column.key, _table_column(column)) for column in columns],
    )


# --- Child units ----------------------------------------------------------------------------


class ChildTable(tables.Table):
    unit = tables.Column(verbose_name=gettext_lazy("Đơn vị"), attrs={"td": {"class": "unit"}})

    class Meta:
        template_name = TABLE_TEMPLATE
        attrs = {"class": "table child-table"}
        empty_text = gettext_lazy("Chưa có đơn vị cấp dưới.")

    def render_unit(self, value, record):
        return format_html('<a href="{}">{}</a>', record["url"], value)


class ChildValueColumn(tables.Column):
    def __init__(self, indicator: Indicator, **kwargs):
        self.indicator = indicator
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(**kwargs)

    def render(self, value):
        return format_value(value, is_percentage=self.indicator.is_percentage)


def child_table(
    summaries: dict[int, list[IndicatorRow]], *, children: list[Unit], period: Period
) -> ChildTable | None:
    """One row per child unit: each main indicator's actual and completion of its first target.

    Only main indicators that some child has a figure or target for become columns; None when
    there is nothing to compare.
    """
    indicators: dict[int, Indicator] = {}
    has_percent: set[int] = set()
    for rows in summaries.values():
        for row in rows:
            if not row.indicator.is_main:
                continue
            if row.actual is not None or row.targets:
                indicators.setdefault(row.indicator.id, row.indicator)
            if row.targets and row.targets[0].percent is not None:
                has_percent.add(row.indicator.id)
    if not indicators:
        return None
    ordered = sorted(indicators.values(), key=lambda i: (i.area.order, i.order, i.code))
    extra = []
    for indicator in ordered:
        header = f"{indicator.display_short_name} ({indicator.display_unit})"
        extra.append((f"v_{indicator.code}", ChildValueColumn(indicator, verbose_name=header)))
        if indicator.id in has_percent:
            extra.append(
                (
                    f"p_{indicator.code}",
                    PercentColumn(
                        verbose_name=_("%(indicator)s: %% chỉ tiêu")
                        % {"indicator": indicator.display_short_name}
                    ),
                )
            )
    data = []
    for child in children:
        record = {
            "unit": child.display_name,
            "url": reverse("period-summary", args=[child.code, period.year, period.key]),
        }
        by_indicator = {row.indicator.id: row for row in summaries.get(child.id, [])}
        for indicator in ordered:
            row = by_indicator.get(indicator.id)
            record[f"v_{indicator.code}"] = row.actual if row else None
            if indicator.id in has_percent:
                percent = row.targets[0].percent if row and row.targets else None
                record[f"p_{indicator.code}"] = percent
        data.append(record)
    return ChildTable(data, prefix="children-", extra_columns=extra)


# --- One indicator --------------------------------------------------------------------------


class MonthTable(tables.Table):
    """An indicator's months: the month alone and cumulative, this year and last."""

    month = tables.Column(verbose_name=gettext_lazy("Tháng"), orderable=False)
    this_month = AmountColumn(verbose_name=gettext_lazy("Trong tháng"), orderable=False)
    this_cumulative = AmountColumn(verbose_name=gettext_lazy("Lũy kế"), orderable=False)
    last_month = AmountColumn(verbose_name=gettext_lazy("Cùng tháng năm trước"), orderable=False)
    last_cumulative = AmountColumn(verbose_name=gettext_lazy("Lũy kế năm trước"), orderable=False)

    class Meta:
        template_name = TABLE_TEMPLATE
        attrs = {"class": "table month-table"}

    def render_month(self, value, record):
        if record["is_estimate"]:
            return format_html('{} <span class="badge-estimate">{}</span>', value, _("ước"))
        return value


def month_table(*, indicator: Indicator, this_year, last_year, year: int) -> MonthTable:
    # A month after this year's last figure has no cumulative yet: "lũy kế" stops there.
    this_last = max((p.month for p in this_year if p.month_value.actual is not None), default=0)
    data = []
    for this, last in zip(this_year, last_year, strict=True):
        if this.month_value.actual is None and last.month_value.actual is None:
            continue
        data.append(
            {
                "month": _("Tháng %(month)d/%(year)d") % {"month": this.month, "year": year},
                "is_estimate": this.month_value.is_estimate,
                "indicator_obj": indicator,
                "this_month": this.month_value.actual,
                "this_cumulative": this.cumulative.actual if this.month <= this_last else None,
                "last_month": last.month_value.actual,
                "last_cumulative": last.cumulative.actual,
            }
        )
    return MonthTable(data)


class FigureTable(tables.Table):
    """Every figure behind an indicator's page, with who entered it and when."""

    month = tables.Column(verbose_name=gettext_lazy("Tháng"))
    unit = tables.Column(verbose_name=gettext_lazy("Đơn vị"), accessor="unit__name")
    value = tables.Column(
        verbose_name=gettext_lazy("Số liệu"),
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    status = tables.Column(verbose_name=gettext_lazy("Tình trạng"))
    source = tables.Column(verbose_name=gettext_lazy("Nguồn"))
    entered_by = tables.Column(
        verbose_name=gettext_lazy("Người nhập"), accessor="entered_by__username"
    )
    updated_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Cập nhật lúc"))

    class Meta:
        template_name = TABLE_TEMPLATE
        attrs = {"class": "table figure-table"}
        empty_text = gettext_lazy("Chưa có số liệu.")

    def render_month(self, value, record):
        return f"{value}/{record.year}"

    def render_unit(self, record):
        return record.unit.display_name

    def render_value(self, record):
        if record.numerator is not None:
            return _("%(numerator)s/%(denominator)s (%(rate)s)") % {
                "numerator": format_number(record.numerator),
                "denominator": format_number(record.denominator),
                "rate": format_percent(percent_of(record.numerator, record.denominator)),
            }
        return format_value(record.value, is_percentage=record.indicator.is_percentage)

    def render_status(self, record):
        if record.is_estimate:
            return format_html(
                '<span class="badge-estimate">{}</span>', record.get_status_display()
            )
        return record.get_status_display()

    def render_entered_by(self, record):
        user = record.entered_by
        return user.get_full_name() or user.get_username()
