"""The project's error handlers (``handler403``, ``handler404``, ``handler500`` in urls.py).

Under /api/ every error is JSON, ``{"error": "<Vietnamese message>"}``, as the API's own 401
and 404 are; elsewhere Django's own views render the Vietnamese templates 403.html, 404.html
and 500.html. No message repeats the requested address.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_json(message: str, *, status: int) -> JsonResponse:
    """The API's one error shape: ``{"error": message}``."""
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return error_json(_("Bạn không có quyền thực hiện thao tác này."), status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return error_json(_("Không có địa chỉ này trong API."), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_json(
            _("Lỗi máy chủ. Vui lòng thử lại sau hoặc báo quản trị hệ thống."), status=500
        )
    return defaults.server_error(request)
