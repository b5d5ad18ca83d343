"""The leadership dashboard: a unit's period summary and one indicator's page.

Views parse the URL, call the selectors, and hand rows to tables, chart functions and the
report text; they compute no number themselves.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tables2 import RequestConfig

from indicators import access, freshness, tree
from indicators.access import Action
from indicators.approval import approval_label, approval_state
from indicators.audit import figure_history
from indicators.core.lineage_rules import overlaps, validity_text
from indicators.core.periods import InvalidPeriod, Period, all_period_keys, parse_period
from indicators.models import Figure, Indicator, PeriodReport, Unit
from indicators.reporting import charts, lineage, selectors
from indicators.reporting.completeness import completeness, latest_complete_month
from indicators.reporting.report_text import report_sections
from indicators.reporting.selectors import IndicatorRow
from indicators.reporting.tables import (
    FigureTable,
    child_table,
    month_table,
    status_legend,
    summary_table,
)

LANDING_KEYS = {6: "6m", 9: "9m", 12: "y"}
WARD_LEVELS = [
    Unit.Level.WARD,
    Unit.Level.COMMUNE,
    Unit.Level.TOWN,
    Unit.Level.SPECIAL_ZONE,
]


# --- Where a user lands ---------------------------------------------------------------------


def home_unit_for(user) -> Unit | None:
    """The unit a user's dashboard opens on.

    Among the units the user may see, in the units' order: the first ward-level unit, else the
    first unit whose parent the user may not see (the top of their grant).
    """
    units = tree.current()
    ids = access.unit_ids_for(user, Action.VIEW)
    visible = [unit for unit in units.units.values() if ids is None or unit.id in ids]
    ward = next((unit for unit in visible if unit.level in WARD_LEVELS), None)
    return ward or next((unit for unit in visible if _tops_grant(unit, ids)), None)


def _tops_grant(unit: Unit, ids: frozenset[int] | None) -> bool:
    """A root of the tree, or (for a user with grants) a unit whose parent they may not see."""
    return unit.parent_id is None or (ids is not None and unit.parent_id not in ids)


def latest_period(unit: Unit) -> Period:
    """The unit's latest reported period, as a cumulative report would name it.

    The latest month that every unit expected to report under the unit (the unit included)
    has submitted decides (see ``completeness.latest_complete_month``); when no month is
    complete, the last month with a figure anywhere under the unit. September → "9 tháng đầu
    năm", June → 6 months, December → the year, any other month → "lũy kế N tháng". Without
    any figure: the current year.
    """
    complete = latest_complete_month(unit=unit)
    if complete is not None:
        year, month = complete
        return parse_period(LANDING_KEYS.get(month, f"ytd{month}"), year)
    figures = Figure.objects.filter(unit_id__in=tree.current().subtree_ids(unit.id))
    year = figures.aggregate(year=Max("year"))["year"]
    if year is None:
        return parse_period("y", timezone.localdate().year)
    month = figures.filter(year=year).aggregate(month=Max("month"))["month"]
    return parse_period(LANDING_KEYS.get(month, f"ytd{month}"), year)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    unit = home_unit_for(request.user)
    if unit is None and tree.current().units:
        return not_found(request, _("Bạn chưa được phân quyền xem số liệu của đơn vị nào."))
    if unit is None:
        return not_found(request, _("Chưa có đơn vị hành chính nào. Hãy nạp dữ liệu trước."))
    period = latest_period(unit)
    return redirect("period-summary", unit.code, period.year, period.key)


# --- Pages ----------------------------------------------------------------------------------


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    """The friendly 404 page, rendered by the view so that it shows even with DEBUG on."""
    return render(request, "404.html", {"message": message}, status=404)


def _existed(unit: Unit, period: Period) -> bool:
    return overlaps(unit.valid_from, unit.valid_until, *selectors.period_days(period))


def _out_of_validity(request, unit: Unit, period: Period) -> HttpResponse:
    """A period entirely outside the unit's validity: say so, and link the units it was formed
    from or that were formed from it (those the user may see)."""
    visible = access.unit_ids_for(request.user, Action.VIEW)
    after = unit.valid_until is not None and selectors.period_days(period)[0] > unit.valid_until
    if after:
        related = [link.unit for link in unit.successor_links.select_related("unit")]
    else:
        related = [
            link.predecessor for link in unit.predecessor_links.select_related("predecessor")
        ]
    ctx = {
        "unit": unit,
        "period_label": period.label(),
        "validity": validity_text(unit.valid_from, unit.valid_until),
        "successors": after,
        "related": [u for u in related if visible is None or u.id in visible],
        "period": period,
    }
    return render(request, "indicators/out_of_validity.html", ctx)


def unit_and_period(request, unit_code: str, year: int, period_key: str):
    """(unit, period, None), or (None, None, a 404 response) for an unknown unit or period."""
    # A unit outside the user's grants is "not found", as in the API.
    unit = access.visible_unit(request.user, unit_code)
    if unit is None:
        message = _("Không có đơn vị với mã trong địa chỉ này.")  # never repeat the address
        return None, None, not_found(request, message)
    try:
        period = parse_period(period_key, year)
    except InvalidPeriod as error:
        return None, None, not_found(request, str(error))
    return unit, period, None


@login_required
def period_summary(request, unit_code: str, year: int, period_key: str) -> HttpResponse:
    if "period" in request.GET or "year" in request.GET:
        return _switch(request, year, period_key, "period-summary", unit_code)
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    if not _existed(unit, period):
        return _out_of_validity(request, unit, period)
    page_key = _page_key(request, unit, period)
    # The whole page, header included, for this reader: the header shows their name and holds
    # forms signed with their CSRF secret (any masking of it is valid), so it is kept for the
    # same user, name, secret and language. Without a CSRF cookie yet, it is rendered (and the
    # cookie set).
    secret = request.META.get("CSRF_COOKIE")
    user = request.user
    whole_key = secret and freshness.key(
        "period-page-whole", page_key, secret, user.pk, user.get_full_name(),
        user.get_username(), user.is_staff, request.get_full_path(),
    )  # fmt: skip
    if whole_key:
        kept = freshness.get_many([whole_key]).get(whole_key)
        if kept is not None:
            return HttpResponse(kept)
    content = freshness.remember(page_key, lambda: _period_content(request, unit, period))
    ctx = {"unit": unit, "period_label": capfirst(period.label()), "content": mark_safe(content)}
    response = render(request, "indicators/period_summary.html", ctx)
    if whole_key:
        freshness.set_many({whole_key: response.content})
    return response


def _page_key(request, unit: Unit, period: Period) -> str:
    """The period page's body is the same for every reader who sees the same versions of its
    data (indicators.freshness), the same units above it and may or may not edit its report,
    in the same language, sort order and day (completeness counts deadlines from today)."""
    ancestors = tuple(a.id for a in _visible_ancestors(request.user, unit))
    can_edit = access.can(request.user, Action.ENTER, unit)
    versions = freshness.versions(freshness.summary_scopes([unit.id]))
    query = sorted(request.GET.lists())
    return freshness.key(
        "period-page", unit.id, period.year, period.key, get_language(), query,
        timezone.localdate().isoformat(), ancestors, can_edit, versions,
    )  # fmt: skip


def _period_content(request, unit: Unit, period: Period) -> str:
    rows = selectors.period_summary(unit=unit, period=period)
    navigation = _navigation(request.user, unit, period)
    ctx = {
        **navigation,
        "rows": rows,
        "has_figures": selectors.has_figures(rows),
        "lineage_note": next((row.lineage_note for row in rows if row.lineage_note), ""),
        "adjusted_targets": [
            (row.indicator, target) for row in rows for target in row.targets if target.adjusted_at
        ],
        "highlights": [row for row in rows if row.indicator.is_main and row.actual is not None],
        "areas": _area_sections(request, rows, unit=unit, period=period),
        "completion_chart": _completion_chart(rows, period),
        "report_sections": report_sections(rows=rows, period=period),
        "written": PeriodReport.objects.filter(unit=unit, year=period.year, period=period.key)
        .select_related("updated_by")
        .first(),
        **_children(request, navigation["children"], period),
        "legend": status_legend(),
        "export_url": reverse("period-export", args=[unit.code, period.year, period.key]),
        "data_url": reverse("period-data", args=[unit.code, period.year, period.key]),
        "docx_url": reverse("period-report-docx", args=[unit.code, period.year, period.key]),
        "can_edit_report": access.can(request.user, Action.ENTER, unit),
        **_approval(unit, period),
        "completeness": completeness(unit=unit, year=period.year, months=period.months),
        "reporting_url": reverse("reporting-status", args=[unit.code, period.year]),
    }
    return render_to_string("indicators/_period_summary_content.html", ctx, request)


@login_required
def indicator_detail(
    request, unit_code: str, year: int, period_key: str, indicator_code: str
) -> HttpResponse:
    if "period" in request.GET or "year" in request.GET:
        return _switch(request, year, period_key, "indicator-detail", unit_code, indicator_code)
    unit, period, missing = unit_and_period(request, unit_code, year, period_key)
    if missing:
        return missing
    indicator = Indicator.objects.select_related("area").filter(code=indicator_code).first()
    if indicator is None:
        message = _("Không có chỉ tiêu với mã trong địa chỉ này.")
        return not_found(request, message)
    row = _row_of(selectors.period_summary(unit=unit, period=period), indicator)
    series = lineage.territory_series_of(
        unit=unit, indicators=[indicator], years=[period.year, period.year - 1]
    )
    this_year = series[(indicator.id, period.year)]
    last_year = series[(indicator.id, period.year - 1)]
    figures = FigureTable(_figures(unit, indicator, period.year), prefix="figures-")
    RequestConfig(request, paginate={"per_page": 24}).configure(figures)
    ctx = {
        **_navigation(request.user, unit, period, indicator),
        "indicator": indicator,
        "row": row,
        "charts": _indicator_charts(indicator, row, this_year, last_year, period),
        "month_table": month_table(
            indicator=indicator, this_year=this_year, last_year=last_year, year=period.year
        ),
        "figure_table": figures,
        "legend": status_legend(),
        "history": figure_history(unit, indicator, period.year),
        **_approval(unit, period),
    }
    return render(request, "indicators/indicator_detail.html", ctx)


def _switch(request, year: int, period_key: str, view: str, unit_code: str, *rest) -> HttpResponse:
    """The switcher form (GET year and period) sends the reader to the period's own URL."""
    try:
        period = parse_period(
            request.GET.get("period") or period_key, request.GET.get("year") or year
        )
    except InvalidPeriod as error:
        return not_found(request, str(error))
    return redirect(view, unit_code, period.year, period.key, *rest)


# --- Pieces of the pages --------------------------------------------------------------------


def _navigation(user, unit: Unit, period: Period, indicator: Indicator | None = None) -> dict:
    """Breadcrumbs, child links and the period and year switchers shared by both pages.

    On an indicator's page the switchers stay on that indicator. Breadcrumbs name only the units
    above that the user may see (a ward's viewer does not get a link to the city's page).
    """

    def url(key: str, year: int = period.year) -> str:
        if indicator is not None:
            return reverse("indicator-detail", args=[unit.code, year, key, indicator.code])
        return reverse("period-summary", args=[unit.code, year, key])

    quarter = (period.last_month - 1) // 3 + 1
    quick_keys = [f"m{period.last_month}", f"q{quarter}", "6m", "9m", "y"]
    if period.last_month not in LANDING_KEYS:
        quick_keys.append(f"ytd{period.last_month}")
    quick = []
    for key in dict.fromkeys(quick_keys):
        other = parse_period(key, period.year)
        quick.append(
            {"label": capfirst(other.phrase()), "url": url(key), "active": key == period.key}
        )
    groups = [
        (_("Tháng"), [k for k in all_period_keys() if k.startswith("m")]),
        (_("Quý"), [k for k in all_period_keys() if k.startswith("q")]),
        (_("Nhiều tháng"), ["6m", "9m", "y"]),
        (_("Lũy kế"), [k for k in all_period_keys() if k.startswith("ytd")]),
    ]
    return {
        "unit": unit,
        "period": period,
        "period_label": capfirst(period.label()),
        "ancestors": _visible_ancestors(user, unit),
        "children": selectors.children_during(unit, period),
        "quick_periods": quick,
        "period_groups": [
            (label, [(k, capfirst(parse_period(k, period.year).label())) for k in keys])
            for label, keys in groups
        ],
        "years": list(range(period.year + 1, period.year - 5, -1)),
        "previous_year_url": url(period.key, period.year - 1),
        "next_year_url": url(period.key, period.year + 1),
        "switch_url": url(period.key),
        "summary_url": reverse("period-summary", args=[unit.code, period.year, period.key]),
    }


def _area_sections(request, rows: list[IndicatorRow], *, unit: Unit, period: Period) -> list:
    sections = []
    series = _flow_series(rows, unit=unit, period=period)
    by_area: dict[int, list[IndicatorRow]] = {}
    for row in rows:
        by_area.setdefault(row.indicator.area_id, []).append(row)
    for area_rows in by_area.values():
        area = area_rows[0].indicator.area
        table = summary_table(area_rows, unit=unit, period=period, prefix=f"{area.code}-")
        RequestConfig(request, paginate=False).configure(table)
        sections.append(
            {
                "area": area,
                "table": table,
                "charts": _area_charts(area_rows, series, period=period),
            }
        )
    return sections


def _flow_series(rows: list[IndicatorRow], *, unit: Unit, period: Period) -> dict:
    """Monthly series, this year and last, of the flows that have a target and a figure."""
    flows = [
        r.indicator
        for r in rows
        if r.indicator.kind == Indicator.Kind.SUM and r.targets and r.actual is not None
    ]
    if not flows:
        return {}
    years = [period.year, period.year - 1]
    return lineage.territory_series_of(unit=unit, indicators=flows, years=years)


def _area_charts(rows: list[IndicatorRow], series: dict, *, period: Period) -> list[dict]:
    """The flow indicators' monthly charts, then the area's rates against their targets."""
    found = []
    for row in rows:
        if (row.indicator.id, period.year) not in series:
            continue
        this_year = series[(row.indicator.id, period.year)]
        last_year = series[(row.indicator.id, period.year - 1)]
        found += _flow_charts(row.indicator, row, this_year, last_year, period)
    rates = [r for r in rows if r.indicator.is_percentage and r.actual is not None]
    if len(rates) > 1:  # a single rate reads better in its table row than as one bar
        found.append(
            {
                "id": f"chart-rates-{rows[0].indicator.area.code}",
                "title": _("Tỷ lệ đạt được so với chỉ tiêu và cùng kỳ"),
                "figure": charts.rates_chart(rows=rates, year=period.year),
            }
        )
    return found


def _flow_charts(indicator, row, this_year, last_year, period: Period) -> list[dict]:
    name = indicator.display_short_name
    year, until = period.year, period.last_month  # a period's charts stop at its last month
    return [
        {
            "id": f"chart-cumulative-{indicator.code}",
            "title": _("%(name)s: lũy kế so với chỉ tiêu năm") % {"name": name},
            "figure": charts.cumulative_chart(
                indicator=indicator,
                points=this_year,
                targets=row.targets if row else [],
                year=year,
                until=until,
            ),
        },
        {
            "id": f"chart-monthly-{indicator.code}",
            "title": _("%(name)s: từng tháng, năm nay và năm trước") % {"name": name},
            "figure": charts.monthly_bars_chart(
                indicator=indicator,
                this_year=this_year,
                last_year=last_year,
                year=year,
                until=until,
            ),
        },
    ]


def _indicator_charts(indicator, row, this_year, last_year, period: Period) -> list[dict]:
    year, until = period.year, period.last_month
    if indicator.is_percentage:
        return [
            {
                "id": f"chart-rate-months-{indicator.code}",
                "title": _("Tỷ lệ từng tháng so với chỉ tiêu"),
                "figure": charts.rate_months_chart(
                    indicator=indicator,
                    this_year=this_year,
                    last_year=last_year,
                    targets=row.targets if row else [],
                    year=year,
                    until=until,
                ),
            }
        ]
    if indicator.kind == Indicator.Kind.SUM:
        return _flow_charts(indicator, row, this_year, last_year, period)
    return [
        {
            "id": f"chart-monthly-{indicator.code}",
            "title": _("Số liệu từng tháng, năm nay và năm trước"),
            "figure": charts.monthly_bars_chart(
                indicator=indicator,
                this_year=this_year,
                last_year=last_year,
                year=year,
                until=until,
            ),
        }
    ]


def _completion_chart(rows: list[IndicatorRow], period: Period) -> dict | None:
    flows = [r for r in rows if r.indicator.kind == Indicator.Kind.SUM and r.targets and r.actual]
    if not flows:
        return None
    return {
        "id": "chart-completion",
        "title": _("Tiến độ thực hiện chỉ tiêu năm"),
        "figure": charts.completion_chart(
            rows=flows, expected_percent=selectors.pro_rata(selectors.HUNDRED, period)
        ),
    }


def _children(request, children: list[Unit], period: Period) -> dict:
    """The child units compared: a sortable table and a chart of one main indicator."""
    if not children:
        return {"children_table": None, "children_chart": None}
    summaries = selectors.summaries(units=children, period=period)
    table = child_table(summaries, children=children, period=period)
    if table is not None:
        RequestConfig(request, paginate=False).configure(table)
    return {"children_table": table, "children_chart": _children_chart(summaries, children)}


def _children_chart(summaries: dict[int, list[IndicatorRow]], children: list[Unit]):
    """The main indicator that most children have a figure of (catalogue order breaks ties)."""
    counts: dict[int, int] = {}
    indicators: dict[int, Indicator] = {}
    for rows in summaries.values():
        for row in rows:
            if row.indicator.is_main and row.actual is not None:
                counts[row.indicator.id] = counts.get(row.indicator.id, 0) + 1
                indicators[row.indicator.id] = row.indicator
    if not counts:
        return None
    indicator = min(
        indicators.values(),
        key=lambda i: (-counts[i.id], i.area.order, i.order, i.code),
    )
    pairs = [
        (child.display_name, _row_of(summaries.get(child.id, []), indicator)) for child in children
    ]
    return {
        "id": "chart-children",
        "title": _("%(name)s: các đơn vị cấp dưới") % {"name": indicator.display_short_name},
        "figure": charts.children_chart(indicator=indicator, children=pairs),
    }


def _visible_ancestors(user, unit: Unit) -> list[Unit]:
    """The breadcrumb's units above ``unit`` that the user may open (no link to a 404)."""
    ids = access.unit_ids_for(user, Action.VIEW)
    return [a for a in tree.current().ancestors(unit.id) if ids is None or a.id in ids]


def _approval(unit: Unit, period: Period) -> dict:
    state = approval_state(unit, period)
    return {"approval_state": state, "approval_label": approval_label(state)}


def _row_of(rows: list[IndicatorRow], indicator: Indicator) -> IndicatorRow | None:
    return next((row for row in rows if row.indicator.id == indicator.id), None)


def _figures(unit: Unit, indicator: Indicator, year: int):
    return (
        Figure.objects.filter(
            unit_id__in=tree.current().subtree_ids(unit.id), indicator=indicator, year=year
        )
        .select_related("unit", "entered_by", "indicator")
        .order_by("month", "unit__order", "unit__name")
    )
