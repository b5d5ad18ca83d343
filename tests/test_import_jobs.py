"""Uploads always answer in seconds: limits counted before the cells are read, a user who may
import nothing refused first, a large file previewed and imported by a background job."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from indicators.exchange import admin_views
from indicators.exchange.reader import MAX_DATA_ROWS, count_rows
from indicators.models import Figure, ImportJob, PendingUpload


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def worker_runs_jobs(settings):
    settings.WARD_REPORT_IMPORT_RUNNER = "worker"  # jobs run when the test says so


@pytest.fixture
def no_local_files(tmp_path, monkeypatch):
    """The upload path may not open a file for writing on this machine's disk."""
    import builtins
    import os

    real_open, real_os_open = builtins.open, os.open
    written = []

    def watched_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            written.append(file)
        return real_open(file, mode, *args, **kwargs)

    def watched_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watched_open)
    monkeypatch.setattr(os, "open", watched_os_open)
    return written


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
    staff_client, changed_figure, monkeypatch, no_local_files
):
    data, figure, stored = changed_figure
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)  # the demo's file counts as large
    response, seconds = upload(staff_client, data, "chanh-lo.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators-import-job", args=[job.pk])

    # The file waits in the database (any replica or worker reads it), never on this disk.
    assert bytes(job.upload.content) == data
    assert job.upload.user == job.user
    assert no_local_files == []
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
    assert not PendingUpload.objects.exists()  # the file is gone once imported
    assert ImportJob.objects.get().upload is None


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
    assert not PendingUpload.objects.exists()  # its file is gone


def test_another_users_job_is_a_404(client, staff_client, demo, monkeypatch, changed_figure):
    monkeypatch.setattr(admin_views, "INLINE_SHEET_BYTES", 0)
    response, _ = upload(staff_client, changed_figure[0])
    other = get_user_model().objects.create_superuser("other", "o@example.org", "pw-other-1")
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 404
    confirm = reverse("indicators-import-job-confirm", args=[ImportJob.objects.get().pk])
    assert client.post(confirm).status_code == 404


def test_a_small_file_is_still_previewed_in_the_request_and_waits_in_the_database(
    staff_client, staff_user, changed_figure, no_local_files
):
    response, _ = upload(staff_client, changed_figure[0])
    assert response.status_code == 200 and response.context["token"]
    (pending,) = PendingUpload.objects.all()
    assert pending.pk.hex == response.context["token"]
    assert (pending.user, bytes(pending.content)) == (staff_user, changed_figure[0])
    assert no_local_files == []
    staff_client.post(reverse("indicators-import-confirm"), {"token": response.context["token"]})
    _, figure, stored = changed_figure
    figure.refresh_from_db()
    assert figure.value == stored
    assert not PendingUpload.objects.exists()


def test_another_users_upload_token_confirms_nothing(staff_client, changed_figure):
    from django.test import Client

    response, _ = upload(staff_client, changed_figure[0])
    token = response.context["token"]
    other = Client()
    other.force_login(
        get_user_model().objects.create_superuser("other", "o@example.org", "pw-other-1")
    )
    # Even with the preview's session entry copied over, the upload is bound to its user.
    session = other.session
    session[f"import-{token}"] = staff_client.session[f"import-{token}"]
    session.save()
    answer = other.post(reverse("indicators-import-confirm"), {"token": token}, follow=True)
    assert "Không tìm thấy tệp đã tải lên" in answer.content.decode()
    _, figure, stored = changed_figure
    figure.refresh_from_db()
    assert figure.value == stored + 1
    assert PendingUpload.objects.count() == 1  # still the first user's to confirm


def test_purge_expired_deletes_uploads_and_jobs_older_than_a_day(staff_client, demo, staff_user):
    from django.utils import timezone

    old, recent = (
        PendingUpload.objects.create(user=staff_user, file_name=name, content=b"PK")
        for name in ("cu.xlsx", "moi.xlsx")
    )
    job = ImportJob.objects.create(user=staff_user, file_name="cu.xlsx", upload=old)
    day_ago = timezone.now() - timedelta(hours=24, minutes=1)
    PendingUpload.objects.filter(pk=old.pk).update(created_at=day_ago)
    ImportJob.objects.filter(pk=job.pk).update(created_at=day_ago)

    call_command("purge_expired", stdout=io.StringIO())

    assert list(PendingUpload.objects.values_list("file_name", flat=True)) == ["moi.xlsx"]
    assert not ImportJob.objects.exists()


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
