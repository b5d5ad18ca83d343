"""Uploads always answer in seconds: limits counted before the cells are read, a user who may
import nothing refused first, a large file previewed and imported by a background job."""

from __future__ import annotations

import io
import stat
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from indicators.exchange import admin_views
from indicators.exchange.reader import MAX_DATA_ROWS, count_rows
from indicators.models import Figure, ImportJob


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def private_uploads(settings, tmp_path):
    settings.WARD_REPORT_UPLOAD_DIR = tmp_path / "var" / "uploads"
    settings.WARD_REPORT_IMPORT_RUNNER = "worker"  # jobs run when the test says so
    return settings.WARD_REPORT_UPLOAD_DIR


def figures_file(rows: int, *, blank: bool = False) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(["unit", "indicator", "year", "month", "value"])
    for number in range(rows):
        sheet.append([] if blank else ["chanh-lo", "thu-ngan-sach", 2023, 1, number])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name: str = "so-lieu.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    started = time.perf_counter()
    response = client.post(reverse("indicators-import"), {"file": file})
    return response, time.perf_counter() - started


@pytest.fixture(scope="module")
def too_many_rows() -> bytes:
    return figures_file(MAX_DATA_ROWS + 1)


def test_the_rows_of_a_file_are_counted_from_its_xml_blank_ones_apart():
    content = io.BytesIO(figures_file(3))
    assert count_rows(content) == (3, 0)
    assert count_rows(io.BytesIO(figures_file(4, blank=True))) == (0, 4)


def test_a_file_of_200001_rows_is_refused_at_once_with_the_too_many_rows_message(
    staff_client, demo, too_many_rows
):
    response, seconds = upload(staff_client, too_many_rows)
    print(f"\n200,001 rows ({len(too_many_rows) // 1024} KiB) refused in {seconds:.1f} s")
    assert [str(e) for e in response.context["errors"]] == [
        "Tệp có hơn 200000 dòng số liệu; hãy chia thành nhiều tệp nhỏ hơn."
    ]
    assert not ImportJob.objects.exists()


def test_a_file_of_many_blank_rows_is_refused_at_once(staff_client, demo):
    content = figures_file(2_500_000, blank=True)
    response, seconds = upload(staff_client, content)
    print(f"\n2,500,000 blank rows ({len(content) // 1024} KiB) refused in {seconds:.1f} s")
    assert [str(e) for e in response.context["errors"]] == [
        "Tệp có hơn 50000 dòng trống; hãy xóa các dòng trống thừa (chọn các dòng dưới bảng, "
        "Xóa dòng) rồi lưu lại."
    ]


def test_a_viewer_is_refused_before_the_file_is_read(client, demo, grant, monkeypatch):
    viewer = grant("viewer", "viewer", demo)
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)

    def never(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(admin_views, "check_limits", never)
    monkeypatch.setattr(admin_views, "read_workbook", never)
    response, seconds = upload(client, figures_file(10))
    assert response.status_code == 403
    assert "Bạn không có quyền nhập số liệu hay sửa danh mục." in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.fixture
def changed_figure(staff_client, demo):
    """The ward's data file, and one of its figures changed since in the database."""
    data = staff_client.get(reverse("period-data", args=["chanh-lo", 2023, "9m"])).content
    figure = Figure.objects.filter(unit__code="chanh-lo-to-1", year=2023, month=9).first()
    stored = figure.value
    Figure.objects.filter(pk=figure.pk).update(value=stored + 1)
    return data, figure, stored


def test_a_large_file_is_previewed_then_imported_by_a_job_with_a_progress_page(
    staff_client, changed_figure, private_uploads, monkeypatch
):
    data, figure, stored = changed_figure
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)  # the demo's file counts as large
    response, seconds = upload(staff_client, data, "chanh-lo.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators-import-job", args=[job.pk])

    pending = private_uploads / f"job-{job.pk}.xlsx"
    assert stat.S_IMODE(private_uploads.stat().st_mode) == 0o700
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    page = staff_client.get(response["Location"]).content.decode()
    assert "Tệp chanh-lo.xlsx đang chờ được đọc." in page
    assert '<meta http-equiv="refresh" content="2">' in page

    call_command("run_import_jobs", "--once")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Tệp chanh-lo.xlsx không có lỗi." in page
    assert "<tr><td>Số liệu (figures)</td><td>0</td><td>1</td>" in page
    assert "refresh" not in page
    figure.refresh_from_db()
    assert figure.value == stored + 1  # a preview writes nothing

    staff_client.post(reverse("indicators-import-job-confirm", args=[job.pk]))
    assert ImportJob.objects.get().state == ImportJob.State.QUEUED
    call_command("run_import_jobs", "--once")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Đã nhập chanh-lo.xlsx." in page
    assert "<tr><td>Số liệu (figures)</td><td>0</td><td>1</td>" in page
    figure.refresh_from_db()
    assert figure.value == stored
    assert not pending.exists()


def test_a_job_refuses_a_file_with_errors_and_lists_them(staff_client, demo, monkeypatch):
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(["unit", "indicator", "year", "month", "value", "numerator", "denominator"])
    sheet.append(["chanh-lo", "thu-ngan-sach", 2023, 13, 5])
    sheet["H1"] = "status"
    buffer = io.BytesIO()
    book.save(buffer)
    response, _ = upload(staff_client, buffer.getvalue())
    call_command("run_import_jobs", "--once")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Chưa nhập gì từ so-lieu.xlsx: tệp có 1 lỗi." in page
    assert "<td>Số liệu (figures)</td><td>2</td><td>D (Tháng/month)</td>" in page
    assert not list(admin_views.jobs.upload_dir().iterdir())  # its file is gone


def test_another_users_job_is_a_404(client, staff_client, demo, monkeypatch, changed_figure):
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)
    response, _ = upload(staff_client, changed_figure[0])
    other = get_user_model().objects.create_superuser("other", "o@example.org", "pw-other-1")
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
    confirm = reverse("indicators-import-job-confirm", args=[ImportJob.objects.get().pk])
    assert client.post(confirm).status_code == 404


def test_a_small_file_is_still_previewed_in_the_request_from_the_private_folder(
    staff_client, changed_figure, private_uploads
):
    response, _ = upload(staff_client, changed_figure[0])
    assert response.status_code == 200 and response.context["token"]
    (pending,) = private_uploads.iterdir()
    assert stat.S_IMODE(pending.stat().st_mode) == 0o600
    staff_client.post(reverse("indicators-import-confirm"), {"token": response.context["token"]})
    _, figure, stored = changed_figure
    figure.refresh_from_db()
    assert figure.value == stored
    assert not pending.exists()


def test_a_job_refused_because_a_figure_changed_since_its_preview_names_who_and_when(
    staff_client, changed_figure, monkeypatch, django_user_model
):
    from indicators.entry.services import update_figure

    data, figure, stored = changed_figure
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)
    upload(staff_client, data, "chanh-lo.xlsx")
    job = ImportJob.objects.get()
    call_command("run_import_jobs", "--once")

    colleague = django_user_model.objects.create_superuser("colleague", password="x")
    numbers = {"value": figure.value + 5, "numerator": None, "denominator": None}
    update_figure(figure_id=figure.pk, numbers={**numbers, "status": "official"}, user=colleague)
    staff_client.post(reverse("indicators-import-job-confirm", args=[job.pk]))
    call_command("run_import_jobs", "--once")

    job.refresh_from_db()
    messages = [e["message"] for e in job.result["errors"]]
    assert messages[0].startswith("Số liệu trong hệ thống đã thay đổi sau khi bạn xem trước")
    assert len(messages) == 2
    assert f"“{figure}” đã được colleague lưu lúc " in messages[1]
    figure.refresh_from_db()
    assert figure.value == stored + 5  # the colleague's save stands
