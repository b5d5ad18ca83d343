"""Editing a period's written sections and report details from the dashboard, and the one
service every write of them goes through."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from indicators.core.periods import parse_period
from indicators.entry.reports import ReportEntry, save_period_report
from indicators.entry.services import approve_month, submit_month
from indicators.models import PeriodReport, RoleGrant

Role = RoleGrant.Role
SEPTEMBER = parse_period("m9", 2023)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def people(tree, grant):
    return {
        "clerk": grant("clerk", Role.DATA_ENTRY, tree["ward-a"]),
        "viewer": grant("viewer", Role.VIEWER, tree["ward-a"]),
        "chief": grant("chief", Role.APPROVER, tree["ward-a"]),
        "other": grant("other", Role.DATA_ENTRY, tree["ward-b"]),
    }


def edit_url(unit="ward-a", year=2023, key="m9") -> str:
    return reverse("period-report-edit", args=[unit, year, key])


FORM = {
    "results": "Thu ngân sách đạt khá.",
    "shortcomings": "Lấn chiếm vỉa hè.",
    "tasks": "Xử lý dứt điểm.",
    "document_number": "125",
    "place": "",
    "issued_on": "2023-10-05",
    "signer_capacity": "kt",
    "signer_title": "",
    "signer_name": "Đoàn Thị Hoa Kiều",
    "recipients": "UBND thành phố\nLưu: VT",
}


def approve_september(tree, people):
    submit_month(unit=tree["ward-a"], year=2023, month=9, user=people["clerk"])
    approve_month(unit=tree["ward-a"], year=2023, month=9, user=people["chief"])


# --- the page -------------------------------------------------------------------------------


def test_a_clerk_saves_the_sections_and_details_and_returns_to_the_period_page(
    client, tree, people
):
    client.force_login(people["clerk"])
    response = client.post(edit_url(), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("period-summary", args=["ward-a", 2023, "m9"])
    report = PeriodReport.objects.get(unit=tree["ward-a"], year=2023, period="m9")
    assert (report.results, report.tasks, report.document_number) == (
        "Thu ngân sách đạt khá.",
        "Xử lý dứt điểm.",
        "125",
    )
    assert (report.issued_on, report.signer_capacity) == (date(2023, 10, 5), "kt")
    assert report.updated_by == people["clerk"]
    assert [h.history_change_reason for h in report.history.all()] == ["form"]


def test_the_form_shows_the_generated_sentences_beside_the_boxes_and_the_defaults(
    client, demo, staff_user
):
    client.force_login(staff_user)
    page = client.get(edit_url("chanh-lo", 2023, "9m")).content.decode()
    assert "Tổng thu ngân sách nhà nước 9 tháng đầu năm ước đạt 6.021.447.000 đồng" in page
    assert 'placeholder="Chánh Lộ"' in page  # the place a blank field prints
    assert "Tình trạng tái lấn chiếm vỉa hè" in page  # the demo's written shortcomings


def test_the_period_page_links_the_form_only_for_data_entry(client, tree, people):
    url = reverse("period-summary", args=["ward-a", 2023, "m9"])
    client.force_login(people["clerk"])
    assert edit_url() in client.get(url).content.decode()
    client.force_login(people["viewer"])
    page = client.get(url).content.decode()
    assert edit_url() not in page
    assert reverse("period-report-docx", args=["ward-a", 2023, "m9"]) in page


def test_a_viewer_is_refused_and_another_unit_is_not_found(client, tree, people):
    client.force_login(people["viewer"])
    assert client.get(edit_url()).status_code == 403
    assert client.post(edit_url(), FORM).status_code == 403
    client.force_login(people["other"])
    assert client.get(edit_url()).status_code == 404
    assert client.post(edit_url(), FORM).status_code == 404
    assert client.get(edit_url("khong-co")).status_code == 404
    assert not PeriodReport.objects.exists()


def test_an_approved_period_shows_the_form_locked_and_writes_nothing(client, tree, people):
    PeriodReport.objects.create(unit=tree["ward-a"], year=2023, period="m9", results="Cũ")
    approve_september(tree, people)
    client.force_login(people["clerk"])
    page = client.get(edit_url()).content.decode()
    assert "Số liệu tháng 9/2023 của Phường A đã được phê duyệt" in page
    assert 'name="results" cols="40" rows="10" disabled' in page
    assert "Lưu nội dung báo cáo" not in page
    response = client.post(edit_url(), {**FORM, "results": "Mới"})
    assert response.status_code == 200
    assert "đã được phê duyệt nên nội dung báo cáo kỳ này đã khóa" in response.content.decode()
    assert PeriodReport.objects.get().results == "Cũ"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("document_number", "12a", "Số văn bản chỉ gồm chữ số, ví dụ 125"),
        ("issued_on", "31/02/2024", "Ngày không hợp lệ; hãy nhập theo dạng ngày/tháng/năm."),
        ("issued_on", "1899-12-31", "Ngày ban hành phải từ năm 1990 đến năm 2100."),
        ("signer_capacity", "boss", "Thẩm quyền ký không hợp lệ."),
        ("signer_name", "x" * 101, "Tối đa 100 ký tự (đang có 101)."),
        ("place", "Chánh\nLộ", "Trường này chỉ có một dòng."),
    ],
)
def test_bad_input_gets_a_vietnamese_message_and_nothing_is_written(
    client, tree, people, field, value, message
):
    client.force_login(people["clerk"])
    response = client.post(edit_url(), {**FORM, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PeriodReport.objects.exists()


def test_typed_text_is_shown_as_text_on_the_form(client, tree, people):
    PeriodReport.objects.create(
        unit=tree["ward-a"], year=2023, period="m9", results="<b>đậm</b>", signer_name="=1+1"
    )
    client.force_login(people["clerk"])
    page = client.get(edit_url()).content.decode()
    assert "&lt;b&gt;đậm&lt;/b&gt;" in page and "<b>đậm</b>" not in page
    assert 'value="=1+1"' in page


# --- the service ----------------------------------------------------------------------------


def test_an_untouched_form_adds_no_row_and_an_unchanged_one_no_history(tree, people):
    report, changed = save_period_report(
        unit=tree["ward-a"], period=SEPTEMBER, entry=ReportEntry(), user=people["clerk"]
    )
    assert (report.pk, changed) == (None, [])
    entry = ReportEntry(results="A", place="Chánh Lộ")
    save_period_report(unit=tree["ward-a"], period=SEPTEMBER, entry=entry, user=people["clerk"])
    report, changed = save_period_report(
        unit=tree["ward-a"], period=SEPTEMBER, entry=entry, user=people["clerk"]
    )
    assert changed == []
    assert report.history.count() == 1


def test_a_change_writes_only_what_changed_with_who_and_when(tree, people):
    first, _ = save_period_report(
        unit=tree["ward-a"], period=SEPTEMBER, entry=ReportEntry(results="A"), user=people["clerk"]
    )
    report, changed = save_period_report(
        unit=tree["ward-a"],
        period=SEPTEMBER,
        entry=ReportEntry(results="A", tasks="B"),
        user=people["clerk"],
        source="admin",
    )
    assert changed == ["tasks"]
    assert report.updated_at > first.updated_at
    assert [h.history_change_reason for h in report.history.order_by("history_id")] == [
        "form",
        "admin",
    ]


def test_the_service_refuses_without_the_right_and_in_an_approved_period(tree, people):
    with pytest.raises(PermissionDenied, match="Bạn không có quyền nhập, sửa số liệu của Phường A"):
        save_period_report(
            unit=tree["ward-a"], period=SEPTEMBER, entry=ReportEntry(results="A"),
            user=people["viewer"],
        )  # fmt: skip
    approve_september(tree, people)
    with pytest.raises(ValidationError, match="đã được phê duyệt"):
        save_period_report(
            unit=tree["ward-a"], period=SEPTEMBER, entry=ReportEntry(results="A"),
            user=people["clerk"],
        )  # fmt: skip
    assert not PeriodReport.objects.exists()


def test_the_admin_writes_through_the_same_service(client, tree, people):
    client.force_login(people["clerk"])
    client.post(
        reverse("admin:indicators_periodreport_add"),
        {"unit": tree["ward-a"].pk, "year": 2023, "period": "m9", "document_number": "7a"},
    )
    assert not PeriodReport.objects.exists()
    client.post(
        reverse("admin:indicators_periodreport_add"),
        {"unit": tree["ward-a"].pk, "year": 2023, "period": "m9", "document_number": "7"},
    )
    report = PeriodReport.objects.get()
    assert (report.document_number, report.updated_by) == ("7", people["clerk"])
    assert report.history.get().history_change_reason == "admin"
