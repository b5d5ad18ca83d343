"""Read-only JSON API: the computed summary of a unit and period, and its OpenAPI document.

Decimals are sent as strings ("86.70190064794816414686825054") so that no precision is lost
to binary floating point on the way; null means "no data". Every error is JSON,
``{"error": "<Vietnamese message>"}``: the view's own 401 and 404, and the project's 403, 404
and 500 handlers for any path under /api/ (``indicators.errors``). :func:`openapi_document`
describes all of it, and a test validates real answers against it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators import access, freshness
from indicators.access import Action
from indicators.approval import APPROVED, PROVISIONAL, SUBMITTED, approval_state
from indicators.core.lineage_rules import overlaps, validity_text
from indicators.core.numbers import strip_zeros
from indicators.core.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    InvalidPeriod,
    Period,
    all_period_keys,
    parse_period,
)
from indicators.errors import error_json
from indicators.models import Indicator, Unit
from indicators.reporting import selectors
from indicators.reporting.completeness import MonthCompleteness, completeness
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
                "exceeded": target.exceeded,  # a ceiling kept (false) or exceeded (true)
            }
            for target in row.targets
        ],
        "previous": decimal_text(row.previous.actual),
        # The months of last year "previous" covers: this year's months of the period so far.
        "previous_months": None if row.previous_months is None else list(row.previous_months),
        "yoy_percent": decimal_text(row.yoy_percent),
        "change_points": decimal_text(row.change_points),  # rates: points, not percent
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
        "completeness": [
            completeness_json(month)
            for month in completeness(unit=unit, year=period.year, months=period.months)
        ],
    }


def completeness_json(month: MonthCompleteness) -> dict:
    """One month over the unit and every unit under it expected to report (counts of units;
    ``missing`` are the codes of the expected units not submitted, in the tree's order)."""
    return {
        "month": month.month,
        "expected": month.expected,
        "entered": month.entered,
        "submitted": month.submitted,
        "approved": month.approved,
        "missing": [unit.code for unit in month.missing],
    }


def login_needed() -> JsonResponse:
    return error_json(_("Cần đăng nhập để xem số liệu."), status=401)


def get_only(view):
    """Read-only: any method but GET is a 405 in JSON (schemathesis found TRACE answered 200)."""

    @wraps(view)
    def only_get(request: HttpRequest, *args, **kwargs):
        if request.method != "GET":
            response = error_json(_("API chỉ nhận yêu cầu GET."), status=405)
            response["Allow"] = "GET"
            return response
        return view(request, *args, **kwargs)

    return only_get


@get_only
@login_not_required  # answers an anonymous caller with its own 401 JSON, not a redirect
def unit_period_summary(request: HttpRequest, unit_code: str, year: int, period_key: str):
    if not request.user.is_authenticated:
        return login_needed()
    # A unit outside the user's grants answers like a unit that does not exist (404), so the
    # API does not reveal which codes exist elsewhere. No message repeats the address.
    unit = access.visible_unit(request.user, unit_code)
    if unit is None:
        return error_json(_("Không có đơn vị với mã trong địa chỉ này."), status=404)
    try:
        period = parse_period(period_key, year)
    except InvalidPeriod as error:
        return error_json(str(error), status=404)
    if not overlaps(unit.valid_from, unit.valid_until, *selectors.period_days(period)):
        return _outside_validity(request, unit, period)
    versions = freshness.versions(freshness.summary_scopes([unit.id]))
    body = freshness.remember(
        freshness.key("api-summary", unit.id, period.year, period.key, get_language(), versions),
        lambda: json.dumps(
            summary_json(unit=unit, period=period), cls=DjangoJSONEncoder, ensure_ascii=False
        ),
    )
    return HttpResponse(body, content_type="application/json")


@get_only
@login_not_required  # like the API it describes: 401 JSON for an anonymous caller
def openapi(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return login_needed()
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


# --- The OpenAPI 3.1 document ----------------------------------------------------------------

DECIMAL = {
    "type": ["string", "null"],
    "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
    "description": "A decimal at full precision, plain notation; null when there is no data.",
}


def _enum(values) -> dict:
    return {"type": "string", "enum": [str(value) for value in values]}


def _object(properties: dict, *, optional: tuple[str, ...] = ()) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def openapi_document() -> dict:
    """The API's OpenAPI 3.1 document (a plain dict), served at /api/openapi.json."""
    error = {"$ref": "#/components/schemas/Error"}
    target = _object(
        {
            "authority": {"type": "string"},
            "authority_name": {"type": "string"},
            "value": {"type": "string", "pattern": DECIMAL["pattern"]},
            "basis": {"type": "string"},
            "percent": DECIMAL,
            "exceeded": {"type": ["boolean", "null"]},
        }
    )
    months = {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 12},
        "minItems": 2,
        "maxItems": 2,
    }
    indicator = _object(
        {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "area": {"type": "string"},
            "unit": {"type": "string"},
            "kind": _enum(Indicator.Kind.values),
            "direction": _enum(Indicator.Direction.values),
            "actual": DECIMAL,
            "is_estimate": {"type": "boolean"},
            "not_aggregable": {"type": "boolean"},
            "last_month": {"type": ["integer", "null"], "minimum": 1, "maximum": 12},
            "targets": {"type": "array", "items": target},
            "previous": DECIMAL,
            "previous_months": {"oneOf": [months, {"type": "null"}]},
            "yoy_percent": DECIMAL,
            "change_points": DECIMAL,
            "lineage_note": {"type": ["string", "null"]},
            "numerator": DECIMAL,
            "denominator": DECIMAL,
        },
        optional=("numerator", "denominator"),  # ratio indicators only
    )
    count = {"type": "integer", "minimum": 0}
    completeness_month = _object(
        {
            "month": {"type": "integer", "minimum": 1, "maximum": 12},
            "expected": count,
            "entered": count,
            "submitted": count,
            "approved": count,
            "missing": {"type": "array", "items": {"type": "string"}},
        }
    )
    summary = _object(
        {
            "unit": _object(
                {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "level": _enum(Unit.Level.values),
                }
            ),
            "year": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
            "period": _enum(all_period_keys()),
            "period_name": {"type": "string"},
            "months": months,
            "approval": _enum([APPROVED, SUBMITTED, PROVISIONAL]),
            "indicators": {"type": "array", "items": indicator},
            "completeness": {"type": "array", "items": completeness_month},
        }
    )

    def answer(description: str, schema: dict) -> dict:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    errors = {
        "401": answer("Not logged in.", error),
        "404": answer("No such unit (or one outside the user's grants), year or period.", error),
        "500": answer("A server error, answered in JSON too.", error),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ward report API",
            "version": "1",
            "description": "Read-only summaries of a unit (with every unit under it) and period.",
        },
        "security": [{"session": []}],
        "paths": {
            "/api/units/{unit_code}/{year}/{period_key}/": {
                "get": {
                    "operationId": "unitPeriodSummary",
                    "summary": "A unit's computed summary of one period",
                    "parameters": [
                        {
                            "name": "unit_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                            "example": "chanh-lo",
                        },
                        {
                            "name": "year",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "integer",
                                "minimum": FIRST_YEAR,
                                "maximum": LAST_YEAR,
                            },
                            "example": 2023,
                        },
                        {
                            "name": "period_key",
                            "in": "path",
                            "required": True,
                            "schema": _enum(all_period_keys()),
                            "example": "9m",
                        },
                    ],
                    "responses": {"200": answer("The summary.", summary), **errors},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapiDocument",
                    "summary": "This document",
                    "responses": {
                        "200": answer("The OpenAPI document.", {"type": "object"}),
                        "401": errors["401"],
                        "500": errors["500"],
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": settings.SESSION_COOKIE_NAME,
                    "description": "The session cookie of a login through /admin/login/.",
                }
            },
            "schemas": {
                "Error": _object(
                    {
                        "error": {"type": "string", "description": "In Vietnamese."},
                        # a unit asked for a period outside its validity: the units it was
                        # formed from and those formed from it
                        "related_units": {"type": "array", "items": {"type": "string"}},
                    },
                    optional=("related_units",),
                )
            },
        },
    }


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
    visible = access.unit_ids_for(request.user, Action.VIEW)
    codes = [u.code for u in related if visible is None or u.id in visible]
    return JsonResponse(
        {"error": message, "related_units": codes},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
