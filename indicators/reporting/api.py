"""Read-only JSON API: the computed summary of a unit and period.

Decimals are sent as strings ("86.70190064794816414686825054") so that no precision is lost
to binary floating point on the way; null means "no data".
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.utils.translation import gettext as _

from indicators import access
from indicators.approval import approval_state
from indicators.core.lineage_rules import overlaps, validity_text
from indicators.core.numbers import strip_zeros
from indicators.core.periods import InvalidPeriod, Period, parse_period
from indicators.models import Indicator, Unit
from indicators.reporting import selectors
from indicators.reporting.selectors import IndicatorRow, period_summary


def decimal_text(value: Decimal | None) -> str | None:
    """Full precision, plain notation, no trailing zeros: 6021447000.0000 → "6021447000"."""
    return None if value is None else format(strip_zeros(value), "f")


def row_json(row: IndicatorRow) -> dict:
    indicator = row.indicator
    data = {
        "code": indicator.code,
        "name": indicator.display_name,
        "area": indicator.area.code,
        "unit": indicator.display_unit,
        "kind": indicator.kind,
        "direction": indicator.direction,
        "actual": decimal_text(row.current.actual),
        "is_estimate": row.current.is_estimate,
        "not_aggregable": row.current.not_aggregable,
        "last_month": row.current.last_month or None,
        "targets": [
            {
                "authority": target.authority_code,
                "authority_name": target.authority_name,
                "value": decimal_text(target.value),
                "basis": target.basis,
                "percent": decimal_text(target.percent),
            }
            for target in row.targets
        ],
        "previous": decimal_text(row.previous.actual),
        "yoy_percent": decimal_text(row.yoy_percent),
        # set when a figure is computed over the unit's territory from its predecessors
        "lineage_note": row.lineage_note or None,
    }
    if indicator.kind == Indicator.Kind.RATIO:
        data["numerator"] = decimal_text(row.current.numerator)
        data["denominator"] = decimal_text(row.current.denominator)
    return data


def summary_json(*, unit: Unit, period: Period) -> dict:
    return {
        "unit": {"code": unit.code, "name": unit.display_name, "level": unit.level},
        "year": period.year,
        "period": period.key,
        "period_name": period.label(),
        "months": [period.first_month, period.last_month],
        "approval": approval_state(unit, period),  # approved, submitted or provisional
        "indicators": [row_json(row) for row in period_summary(unit=unit, period=period)],
    }


@login_not_required  # answers an anonymous caller with its own 401 JSON, not a redirect
def unit_period_summary(request, unit_code: str, year: int, period_key: str):
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Cần đăng nhập để xem số liệu.")}, status=401)
    # A unit outside the user's grants answers like a unit that does not exist (404), so the
    # API does not reveal which codes exist elsewhere.
    unit = access.visible_unit(request.user, unit_code)
    if unit is None:
        message = _("Không có đơn vị có mã “%(code)s”.") % {"code": unit_code}
        return JsonResponse({"error": message}, status=404)
    try:
        period = parse_period(period_key, year)
    except InvalidPeriod as error:
        return JsonResponse({"error": str(error)}, status=404)
    if not overlaps(unit.valid_from, unit.valid_until, *selectors.period_days(period)):
        return _outside_validity(request, unit, period)
    return JsonResponse(
        summary_json(unit=unit, period=period), json_dumps_params={"ensure_ascii": False}
    )


def _outside_validity(request, unit: Unit, period: Period) -> JsonResponse:
    """A period entirely outside the unit's validity: a 404 that says why, with the codes of
    the units it was formed from and of those formed from it (those the caller may see)."""
    message = _("%(name)s không tồn tại trong %(period)s: đơn vị có hiệu lực %(validity)s.") % {
        "name": unit.display_name,
        "period": period.label(),
        "validity": validity_text(unit.valid_from, unit.valid_until),
    }
    related = [
        *(link.predecessor for link in unit.predecessor_links.select_related("predecessor")),
        *(link.unit for link in unit.successor_links.select_related("unit")),
    ]
    visible = access.unit_ids_for(request.user, "view")
    codes = [u.code for u in related if visible is None or u.id in visible]
    return JsonResponse(
        {"error": message, "related_units": codes},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
