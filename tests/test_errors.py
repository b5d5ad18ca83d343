"""Error answers: JSON under /api/, Vietnamese pages elsewhere, and no page that repeats what a
crafted address put in the URL."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from indicators import errors
from indicators.reporting import api, selectors

MESSAGE = "Gửi mật khẩu tới 0912345678"


class VisibleText(HTMLParser):
    """What a reader sees: the text between tags (the language switch's hidden `next`, which
    sends the reader back to the same address, is an attribute, percent-encoded)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(response) -> str:
    parser = VisibleText()
    parser.feed(response.content.decode())
    return " ".join(parser.parts)


@pytest.mark.parametrize("key", ["9m%0a", "9m%0A", "q%D9%A3", "m%D9%A9", "ytd%EF%BC%91"])
def test_the_api_refuses_a_key_with_a_newline_or_non_ascii_digits(demo, staff_client, key):
    response = staff_client.get(f"/api/units/chanh-lo/2023/{key}/")
    assert response.status_code == 404
    assert response.json()["error"].startswith("Kỳ báo cáo không hợp lệ.")


@pytest.mark.parametrize(
    "path",
    [
        "/units/chanh-lo/2023/9m%0a/",
        "/units/chanh-lo/2023/q%D9%A3/",
        "/units/chanh-lo/2023/9m%0a/export.xlsx",
        "/units/chanh-lo/2023/9m%0a/data.xlsx",
        "/units/chanh-lo/%D9%A2%D9%A0%D9%A2%D9%A3/9m/",
        "/units/chanh-lo%0a/2023/9m/",
    ],
)
def test_pages_and_exports_refuse_a_newline_or_non_ascii_digits_with_the_404_page(
    demo, staff_client, path
):
    response = staff_client.get(path)
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn cần" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        f"/units/chanh-lo/2023/{MESSAGE}/",
        f"/units/chanh-lo/2023/{MESSAGE}/indicators/thu-ngan-sach/",
        f"/units/chanh-lo/2023/{MESSAGE}/export.xlsx",
        "/units/gui-mat-khau-toi-0912345678/2023/9m/",
        "/units/chanh-lo/2023/9m/indicators/gui-mat-khau-toi-0912345678/",
        f"/khong-co/{MESSAGE}/",
    ],
)
def test_the_404_page_never_repeats_text_from_the_address(demo, staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 404
    page = visible_text(response)
    assert "Không tìm thấy trang bạn cần" in page
    assert "0912345678" not in page
    assert "mật khẩu" not in page


def test_the_switcher_never_repeats_the_period_it_was_given(demo, staff_client):
    response = staff_client.get("/units/chanh-lo/2023/9m/", {"period": MESSAGE})
    assert response.status_code == 404
    assert "0912345678" not in visible_text(response)


def test_an_unknown_api_address_answers_404_in_json(staff_client):
    response = staff_client.get("/api/khong-co/")
    assert response.status_code == 404
    assert response.json() == {"error": "Không có địa chỉ này trong API."}


def test_an_api_server_error_answers_500_in_json(demo, staff_client, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(api, "period_summary", broken)
    staff_client.raise_request_exception = False
    response = staff_client.get("/api/units/chanh-lo/2023/9m/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "Lỗi máy chủ. Vui lòng thử lại sau hoặc báo quản trị hệ thống."
    }


def test_a_page_server_error_answers_the_vietnamese_500_page(demo, staff_client, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(selectors, "period_summary", broken)
    staff_client.raise_request_exception = False
    response = staff_client.get("/units/chanh-lo/2023/9m/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Hệ thống đang gặp lỗi" in page
    assert "Số liệu đã lưu trước đó không bị ảnh hưởng" in page
    assert "hỏng" not in page  # no exception text, no traceback


def test_an_api_permission_error_answers_403_in_json():
    request = RequestFactory().get("/api/units/chanh-lo/2023/9m/")
    response = errors.permission_denied(request, PermissionDenied("không"))
    assert response.status_code == 403
    assert json.loads(response.content) == {"error": "Bạn không có quyền thực hiện thao tác này."}


def test_a_page_permission_error_answers_the_vietnamese_403_page(staff_user):
    request = RequestFactory().get("/admin/")
    request.user = staff_user
    response = errors.permission_denied(request, PermissionDenied("Tháng 9 đã phê duyệt."))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Bạn không có quyền thực hiện thao tác này" in page
    assert "Tháng 9 đã phê duyệt." in page


@pytest.mark.parametrize("method", ["post", "put", "delete", "trace"])
def test_the_api_answers_any_method_but_get_with_405_in_json(demo, staff_client, method):
    response = getattr(staff_client, method)("/api/units/chanh-lo/2023/9m/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert response.json() == {"error": "API chỉ nhận yêu cầu GET."}
