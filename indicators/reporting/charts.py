"""Plotly figures, as plain dicts, from already-computed rows. No database here.

Each function returns ``{"data": [...], "layout": {...}}``, which the page hands to the browser
through ``json_script`` and ``static/js/dashboard.js`` draws with the plotly.js we serve ourselves.
Values are converted to floats for drawing only; every hover text is the exact figure formatted
in Python (``indicators.core.numbers``), so a chart never shows a number the tables do not.

Sums of money in đồng are drawn in millions ("triệu đồng", stated on the axis) so an axis reads
"6.000" rather than "6.000.000.000"; the hover keeps the full đồng amount.

Plotly reads every label, trace name, tick, bar text and hover text as its own pseudo-HTML
(``<a href>``, ``<b>``, ``<br>``, entities). Text from users (unit, indicator and authority names,
units of measure) goes through :func:`plain` wherever it enters a figure, so that it shows as
typed and a name like ``<a href="…">`` never becomes a link.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.core.numbers import format_percent
from indicators.core.periods import parse_period
from indicators.models import Indicator
from indicators.reporting.selectors import (
    Completion,
    IndicatorRow,
    MonthPoint,
    TargetResult,
    pro_rata,
)
from indicators.reporting.wording import compared_words, with_unit

# Colours: this year, last year, the targets (one per authority), the pro-rata path.
THIS_YEAR = "#1d4ed8"
LAST_YEAR = "#94a3b8"
TARGET_COLOURS = ["#b45309", "#047857", "#7c3aed", "#be123c"]
PRO_RATA = "#64748b"
STATUS_COLOURS = {
    Completion.GOOD: "#15803d",
    Completion.WATCH: "#d97706",
    Completion.BEHIND: "#dc2626",
    Completion.NONE: "#94a3b8",
}

MONEY_UNITS = {"đồng", "VND"}
MILLION = Decimal(1_000_000)

MONTH_LABELS = [
    gettext_lazy("T1"),
    gettext_lazy("T2"),
    gettext_lazy("T3"),
    gettext_lazy("T4"),
    gettext_lazy("T5"),
    gettext_lazy("T6"),
    gettext_lazy("T7"),
    gettext_lazy("T8"),
    gettext_lazy("T9"),
    gettext_lazy("T10"),
    gettext_lazy("T11"),
    gettext_lazy("T12"),
]


def plain(text: object) -> str:
    """Text that plotly shows literally: ``&``, ``<`` and ``>`` as the entities it decodes."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plotly_separators() -> str:
    """Plotly's ``separators``: decimal mark then thousands mark (",." in Vietnamese)."""
    return f"{get_format('DECIMAL_SEPARATOR')}{get_format('THOUSAND_SEPARATOR')}"


def month_labels() -> list[str]:
    return [str(label) for label in MONTH_LABELS]


def _plot_value(value: Decimal | None, divisor: Decimal = Decimal(1)) -> float | None:
    return None if value is None else float(value / divisor)


def axis_scale(indicator: Indicator) -> tuple[Decimal, str]:
    """How an indicator's amounts are drawn: (divisor, axis unit)."""
    if indicator.unit in MONEY_UNITS:
        return MILLION, _("triệu đồng")
    return Decimal(1), plain(indicator.display_unit)


def _hover(value: Decimal | None, indicator: Indicator, *, places: int | None = None) -> str:
    """The exact figure with its unit, as plain text for plotly."""
    if value is None:
        return _("Chưa có số liệu")
    return plain(with_unit(value, indicator, places=places))


def _layout(**overrides) -> dict:
    layout = {
        "separators": plotly_separators(),
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13},
        "margin": {"l": 60, "r": 16, "t": 16, "b": 48},
        "height": 320,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "hovermode": "closest",
        "xaxis": {"fixedrange": True, "tickangle": 0, "tickfont": {"size": 11}},
        "yaxis": {"fixedrange": True, "gridcolor": "#e2e8f0", "rangemode": "tozero"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(layout.get(key), dict):
            layout[key] = {**layout[key], **value}
        else:
            layout[key] = value
    return layout


def cumulative_chart(
    *,
    indicator: Indicator,
    points: list[MonthPoint],
    targets: list[TargetResult],
    year: int,
    until: int = 12,
) -> dict:
    """Cumulative actual by month against each authority's annual target and the pro-rata path.

    ``points`` are the twelve months of ``year`` (``selectors.monthly_series``); the chart stops
    at month ``until``, the page's period's last month (a 9-month page draws no October), and
    the actual line at the last month with a figure before it. The pro-rata path is where the
    first target says the cumulative figure should stand at each month's end (month m → m/12).
    """
    divisor, unit_label = axis_scale(indicator)
    labels = month_labels()[:until]
    points = points[:until]
    last = max((p.month for p in points if p.month_value.actual is not None), default=0)
    with_data = [p for p in points if p.month <= last and p.cumulative.actual is not None]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": _("Lũy kế thực hiện %(year)d") % {"year": year},
            "x": [labels[p.month - 1] for p in with_data],
            "y": [_plot_value(p.cumulative.actual, divisor) for p in with_data],
            "customdata": [
                _hover(p.cumulative.actual, indicator)
                + (" " + _("(ước)") if p.cumulative.is_estimate else "")
                for p in with_data
            ],
            "hovertemplate": "%{x}: %{customdata}<extra></extra>",
            "line": {"color": THIS_YEAR, "width": 3},
            "marker": {"size": 7},
        }
    ]
    for position, target in enumerate(targets):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Chỉ tiêu %(authority)s") % {"authority": plain(target.authority_name)},
                "x": [labels[0], labels[-1]],
                "y": [_plot_value(target.value, divisor)] * 2,
                "customdata": [_hover(target.value, indicator)] * 2,
                "hovertemplate": "%{customdata}<extra>%{fullData.name}</extra>",
                "line": {
                    "color": TARGET_COLOURS[position % len(TARGET_COLOURS)],
                    "dash": "dash",
                    "width": 2,
                },
            }
        )
    if targets:
        first = targets[0]
        # The annual flow spread evenly over the months.
        path = [pro_rata(first.value, parse_period(f"ytd{m}", year)) for m in range(1, until + 1)]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Tiến độ đều theo tháng"),
                "x": labels,
                "y": [_plot_value(value, divisor) for value in path],
                # A share of the target is a guide: whole units, not 6.995.000.000 ÷ 12's
                # endless decimals.
                "customdata": [_hover(value, indicator, places=0) for value in path],
                "hovertemplate": "%{x}: %{customdata}<extra>%{fullData.name}</extra>",
                "line": {"color": PRO_RATA, "dash": "dot", "width": 1.5},
            }
        )
    return {
        "data": data,
        "layout": _layout(
            yaxis={"title": {"text": unit_label}, "tickformat": ",~f"},
            xaxis={"categoryorder": "array", "categoryarray": labels},
        ),
    }


def monthly_bars_chart(
    *,
    indicator: Indicator,
    this_year: list[MonthPoint],
    last_year: list[MonthPoint],
    year: int,
    until: int = 12,
) -> dict:
    """Each month on its own, this year's bars beside last year's, January to month ``until``
    (the page's period's last month)."""
    divisor, unit_label = axis_scale(indicator)
    labels = month_labels()[:until]
    data = []
    for points, label_year, colour in _two_years(this_year[:until], last_year[:until], year):
        data.append(
            {
                "type": "bar",
                "name": str(label_year),
                "x": labels,
                "y": [_plot_value(p.month_value.actual, divisor) for p in points],
                "customdata": [
                    _hover(p.month_value.actual, indicator)
                    + (" " + _("(ước)") if p.month_value.is_estimate else "")
                    for p in points
                ],
                "hovertemplate": "%{x}/" + str(label_year) + ": %{customdata}<extra></extra>",
                "marker": {"color": colour},
            }
        )
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            yaxis={"title": {"text": unit_label}, "tickformat": ",~f"},
            xaxis={"categoryorder": "array", "categoryarray": labels},
        ),
    }


def _two_years(this_year: list[MonthPoint], last_year: list[MonthPoint], year: int):
    """Last year first (drawn behind), then this year."""
    return ((last_year, year - 1, LAST_YEAR), (this_year, year, THIS_YEAR))


def rates_chart(*, rows: list[IndicatorRow], year: int) -> dict:
    """Percentage indicators as horizontal bars (last year, this year), each target a tick.

    Horizontal, so that the indicators' names stay readable on a phone.
    """
    rows = [r for r in rows if r.indicator.is_percentage and r.actual is not None]
    names = [plain(r.indicator.display_short_name) for r in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": _previous_name(rows, year),
            "y": names,
            "x": [_plot_value(r.previous.actual) for r in rows],
            # Each bar says which months of last year it covers ("cùng kỳ 9 tháng năm 2022").
            "customdata": [
                _hover(r.previous.actual, r.indicator)
                + (f" ({compared_words(r)})" if r.previous_months else "")
                for r in rows
            ],
            "hovertemplate": "%{y}: %{customdata}<extra></extra>",
            "marker": {"color": LAST_YEAR},
        },
        {
            "type": "bar",
            "orientation": "h",
            "name": str(year),
            "y": names,
            "x": [_plot_value(r.actual) for r in rows],
            "customdata": [
                _hover(r.actual, r.indicator) + (" " + _("(ước)") if r.is_estimate else "")
                for r in rows
            ],
            "hovertemplate": "%{y}: %{customdata}<extra>" + str(year) + "</extra>",
            "marker": {"color": [STATUS_COLOURS[r.status] for r in rows]},
            "text": [format_percent(r.actual) for r in rows],
            "textposition": "outside",
            "cliponaxis": False,
            # Its bars wear the status colours of the page's legend, so plotly's legend (which
            # would show the first bar's colour for the whole year) leaves it out.
            "showlegend": False,
        },
    ]
    authorities: dict[str, str] = {}
    for row in rows:
        for target in row.targets:
            authorities.setdefault(target.authority_code, target.authority_name)
    for position, (code, name) in enumerate(authorities.items()):
        targets = [next((t for t in r.targets if t.authority_code == code), None) for r in rows]
        colour = TARGET_COLOURS[position % len(TARGET_COLOURS)]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("Chỉ tiêu %(authority)s") % {"authority": plain(name)},
                "y": names,
                "x": [None if t is None else _plot_value(t.value) for t in targets],
                "customdata": [None if t is None else format_percent(t.value) for t in targets],
                "hovertemplate": "%{y}: %{customdata}<extra>%{fullData.name}</extra>",
                "marker": {
                    "symbol": "line-ns-open",
                    "size": 26,
                    "line": {"width": 3, "color": colour},
                    "color": colour,
                },
            }
        )
    return {
        "data": data,
        "layout": _layout(
            barmode="group",
            height=90 + 58 * len(rows),
            margin={"l": 16, "r": 48, "b": 40},
            legend={"y": -0.08, "yanchor": "top"},
            xaxis={"range": [0, 110], "ticksuffix": "%", "gridcolor": "#e2e8f0"},
            yaxis={"automargin": True, "autorange": "reversed", "rangemode": "normal"},
        ),
    }


def _previous_name(rows: list[IndicatorRow], year: int) -> str:
    """Last year's bars, named by the months they cover when all rows compare the same ones."""
    windows = {r.previous_months for r in rows if r.previous_months is not None}
    if len(windows) == 1:
        return capfirst(compared_words(next(r for r in rows if r.previous_months)))
    return _("Cùng kỳ năm %(year)d") % {"year": year - 1}


def completion_chart(*, rows: list[IndicatorRow], expected_percent: Decimal) -> dict:
    """Completion of each flow indicator's annual targets, one bar per authority (ceilings,
    where lower is better, left out).

    ``expected_percent`` is where the period should stand (9 months → 75), drawn as a line.
    """
    bars_y: list[str] = []
    bars_x: list[float | None] = []
    hover: list[str] = []
    colours: list[str] = []
    texts: list[str] = []
    for row in rows:
        # A ceiling (lower is better) is kept or exceeded, not completed: no progress bar.
        if row.indicator.kind != Indicator.Kind.SUM or row.actual is None or row.is_ceiling:
            continue
        for target in row.targets:
            if target.percent is None:
                continue
            # The one markup of our own: a line break between the two plain names.
            name, authority = plain(row.indicator.display_short_name), plain(target.authority_name)
            bars_y.append(f"{name}<br>{authority}")
            bars_x.append(_plot_value(target.percent))
            hover.append(
                _("%(percent)s chỉ tiêu năm (%(target)s)")
                % {
                    "percent": format_percent(target.percent),
                    "target": _hover(target.value, row.indicator),
                }
            )
            colours.append(STATUS_COLOURS[row.status])
            texts.append(format_percent(target.percent))
    expected = float(expected_percent)
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": _("Đã thực hiện"),
            "x": bars_x,
            "y": bars_y,
            "customdata": hover,
            "hovertemplate": "%{customdata}<extra></extra>",
            "marker": {"color": colours},
            "text": texts,
            "textposition": "auto",
        }
    ]
    layout = _layout(
        height=max(160, 70 * len(bars_y) + 70),
        margin={"l": 16, "t": 28},
        showlegend=False,
        xaxis={"range": [0, max(110.0, max(bars_x, default=0) + 5)], "ticksuffix": "%"},
        yaxis={"automargin": True, "autorange": "reversed", "rangemode": "normal"},
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": expected,
                "x1": expected,
                "y0": 0,
                "y1": 1,
                "line": {"color": PRO_RATA, "dash": "dot", "width": 2},
            },
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 100,
                "x1": 100,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#0f172a", "width": 1},
            },
        ],
        annotations=[
            {
                "x": expected,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "text": _("Tiến độ: %(percent)s") % {"percent": format_percent(expected_percent)},
                "font": {"size": 11, "color": PRO_RATA},
            }
        ],
    )
    return {"data": data, "layout": layout}


def rate_months_chart(
    *,
    indicator: Indicator,
    this_year: list[MonthPoint],
    last_year: list[MonthPoint],
    targets: list[TargetResult],
    year: int,
    until: int = 12,
) -> dict:
    """A percentage indicator month by month, this year against last year and its targets,
    January to month ``until`` (the page's period's last month)."""
    labels = month_labels()[:until]
    data = []
    for points, label_year, colour in _two_years(this_year[:until], last_year[:until], year):
        with_data = [p for p in points if p.month_value.actual is not None]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(label_year),
                "x": [labels[p.month - 1] for p in with_data],
                "y": [_plot_value(p.month_value.actual) for p in with_data],
                "customdata": [_hover(p.month_value.actual, indicator) for p in with_data],
                "hovertemplate": "%{x}/" + str(label_year) + ": %{customdata}<extra></extra>",
                "line": {"color": colour, "width": 3 if label_year == year else 2},
            }
        )
    for position, target in enumerate(targets):
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Chỉ tiêu %(authority)s") % {"authority": plain(target.authority_name)},
                "x": [labels[0], labels[-1]],
                "y": [_plot_value(target.value)] * 2,
                "customdata": [format_percent(target.value)] * 2,
                "hovertemplate": "%{customdata}<extra>%{fullData.name}</extra>",
                "line": {
                    "color": TARGET_COLOURS[position % len(TARGET_COLOURS)],
                    "dash": "dash",
                    "width": 2,
                },
            }
        )
    return {
        "data": data,
        "layout": _layout(
            yaxis={"title": {"text": "%"}, "range": [0, 105], "ticksuffix": "%"},
            xaxis={"categoryorder": "array", "categoryarray": labels},
        ),
    }


def children_chart(
    *, indicator: Indicator, children: list[tuple[str, IndicatorRow | None]]
) -> dict:
    """One indicator across the child units, a bar each (status colours), largest first.

    ``children`` pairs each child unit's name with its row of ``indicator`` (None when the child
    has neither a figure nor a target); children without a figure are left out.
    """
    known = [(name, row) for name, row in children if row is not None and row.actual is not None]
    known.sort(key=lambda pair: pair[1].actual, reverse=True)
    divisor, unit_label = axis_scale(indicator)
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": plain(indicator.display_short_name),
                "y": [plain(name) for name, _row in known],
                "x": [_plot_value(row.actual, divisor) for _name, row in known],
                "customdata": [_hover(row.actual, indicator) for _name, row in known],
                "hovertemplate": "%{y}: %{customdata}<extra></extra>",
                "text": [_hover(row.actual, indicator) for _name, row in known],
                "textposition": "auto",
                "marker": {"color": [STATUS_COLOURS[row.status] for _name, row in known]},
            }
        ],
        "layout": _layout(
            height=70 + 34 * len(known),
            margin={"l": 16, "t": 8},
            showlegend=False,
            xaxis={"title": {"text": unit_label}, "gridcolor": "#e2e8f0", "tickformat": ",~f"},
            yaxis={"automargin": True, "autorange": "reversed", "rangemode": "normal"},
        ),
    }
