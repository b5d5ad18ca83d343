"""Targets entered in the admin: one per indicator, unit, year and authority; bad values refused."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from indicators import freshness
from indicators.entry.services import (
    delete_targets,
    save_target,
    target_adjustments,
    validate_target,
)
from indicators.models import Authority, Indicator, MonthApproval, Target

ADD = "/admin/indicators/target/add/"


def post_target(client, demo, indicator_code, value, year=2024, authority="hdnd-phuong"):
    return client.post(
        ADD,
        {
            "unit": demo.id,
            "indicator": Indicator.objects.get(code=indicator_code).id,
            "year": year,
            "authority": Authority.objects.get(code=authority).id,
            "value": value,
            "basis": "Nghị quyết số 12/NQ-HĐND ngày 20/12/2023",
        },
    )


def test_a_target_is_saved_with_its_authority_and_legal_basis(demo, staff_client):
    response = post_target(staff_client, demo, "thu-ngan-sach", "7200000000")
    assert response.status_code == 302
    target = Target.objects.get(unit=demo, indicator__code="thu-ngan-sach", year=2024)
    assert target.value == Decimal("7200000000")
    assert target.authority.code == "hdnd-phuong"
    assert target.basis == "Nghị quyết số 12/NQ-HĐND ngày 20/12/2023"


@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        ("thu-ngan-sach", "-5", "Chỉ tiêu không được âm."),
        ("dvc-truc-tuyen", "150", "Chỉ tiêu tỷ lệ không được vượt quá 100%."),
        ("ho-so-dung-han", "100.5", "Chỉ tiêu tỷ lệ không được vượt quá 100%."),
        ("thu-ngan-sach", "bảy tỷ", "Nhập một số."),
    ],
)
def test_a_bad_target_is_refused_with_a_vietnamese_message(
    demo, staff_client, indicator, value, message
):
    count = Target.objects.count()
    response = post_target(staff_client, demo, indicator, value)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Target.objects.count() == count


def test_a_second_target_from_the_same_authority_and_year_is_refused(demo, staff_client):
    response = post_target(staff_client, demo, "thu-ngan-sach", "1", year=2023)
    assert response.status_code == 200
    assert "đã tồn tại" in response.content.decode()
    assert Target.objects.get(
        unit=demo, indicator__code="thu-ngan-sach", year=2023, authority__code="hdnd-phuong"
    ).value == Decimal("6995000000")


def test_validate_target_bounds(catalogue):
    rate, revenue = catalogue["dvc-truc-tuyen"], catalogue["thu-ngan-sach"]
    assert validate_target(rate, value=Decimal(100)) is None
    assert validate_target(rate, value=Decimal("100.01"))
    assert validate_target(revenue, value=Decimal("1e12")) is None
    assert validate_target(revenue, value=Decimal(0)) is None
    assert validate_target(revenue, value=Decimal(-1))


def test_an_imported_percentage_target_above_100_is_refused(demo, staff_user):
    import io

    from openpyxl import Workbook

    from indicators.exchange import WorkbookRejected, import_workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "targets"
    sheet.append(["unit", "indicator", "year", "authority", "value", "basis"])
    sheet.append(["chanh-lo", "thu-ngan-sach", 2024, "hdnd-phuong", 7000000000, ""])
    sheet.append(["chanh-lo", "dvc-truc-tuyen", 2024, "hdnd-phuong", 120, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    count = Target.objects.count()
    with pytest.raises(WorkbookRejected) as rejected:
        import_workbook(buffer, file_name="chi-tieu-2024.xlsx", user=staff_user)
    [error] = rejected.value.errors
    assert (error.sheet, error.row, error.column) == ("targets", 3, "value")
    assert "không được vượt quá 100%" in error.message
    assert Target.objects.count() == count


# --- A target of a year with approved months ----------------------------------------------


@pytest.fixture
def approved_year(tree, authority, make_indicator, grant):
    """Phường A's September 2023 is approved; its 2023 revenue target is 9.000."""
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    ward = tree["ward-a"]
    target = Target.objects.create(
        unit=ward, indicator=revenue, year=2023, authority=authority, value=Decimal(9000)
    )
    MonthApproval.objects.create(unit=ward, year=2023, month=9, status="approved")
    return {
        "ward": ward,
        "target": target,
        "revenue": revenue,
        "authority": authority,
        "admin": grant("admin", "city_admin", ward),
        "chief": grant("chief", "approver", ward),
    }


def target_form(world, value, reason=None) -> dict:
    form = {
        "unit": world["ward"].pk,
        "indicator": world["revenue"].pk,
        "year": 2023,
        "authority": world["authority"].pk,
        "value": value,
        "basis": "",
    }
    return form if reason is None else {**form, "reason": reason}


def change_url(world) -> str:
    return f"/admin/indicators/target/{world['target'].pk}/change/"


def test_a_city_admin_alone_cannot_change_a_target_of_an_approved_year(client, approved_year):
    client.force_login(approved_year["admin"])
    response = client.post(change_url(approved_year), target_form(approved_year, "500", "Sai"))
    assert response.context["adminform"].form.non_field_errors() == [
        "Năm 2023 của Phường A đã có tháng được phê duyệt: chỉ người phê duyệt được điều "
        "chỉnh chỉ tiêu, và phải ghi lý do."
    ]
    approved_year["target"].refresh_from_db()
    assert approved_year["target"].value == Decimal(9000)


def test_the_approver_changes_a_target_of_an_approved_year_only_with_a_reason(
    client, grant, approved_year
):
    world = approved_year
    both = grant("admin", "approver", world["ward"])  # the city admin is also the approver
    client.force_login(both)
    response = client.post(change_url(world), target_form(world, "500", "  "))
    assert response.context["adminform"].form.non_field_errors() == [
        "Năm này đã có tháng được phê duyệt: phải ghi lý do điều chỉnh chỉ tiêu sau phê duyệt."
    ]
    before = timezone.now()
    response = client.post(
        change_url(world), target_form(world, "500", "Nghị quyết 15/NQ-HĐND điều chỉnh")
    )
    assert response.status_code == 302
    target = Target.objects.get(pk=world["target"].pk)
    assert (target.value, target.adjustment_reason) == (
        Decimal(500),
        "Nghị quyết 15/NQ-HĐND điều chỉnh",
    )
    assert target.adjusted_after_approval_at >= before
    [adjustment] = target_adjustments(unit=world["ward"], year=2023)
    assert (adjustment.indicator, adjustment.value, adjustment.reason) == (
        world["revenue"],
        Decimal(500),
        "Nghị quyết 15/NQ-HĐND điều chỉnh",
    )
    assert adjustment.adjusted_at == target.adjusted_after_approval_at
    assert target_adjustments(unit=world["ward"], year=2024) == []
    last = target.history.order_by("-history_id").first()
    assert (last.value, last.history_user, last.history_change_reason) == (
        Decimal(500),
        both,
        "admin",
    )


def test_a_target_of_an_open_year_changes_without_a_reason_and_is_not_marked(client, approved_year):
    world = approved_year
    MonthApproval.objects.update(status="submitted")  # nothing approved any more
    client.force_login(world["admin"])
    client.post(change_url(world), target_form(world, "500"))
    target = Target.objects.get(pk=world["target"].pk)
    assert (target.value, target.adjusted_after_approval_at) == (Decimal(500), None)
    assert target_adjustments(unit=world["ward"], year=2023) == []


def test_the_target_service_refuses_without_the_approver_and_a_target_is_not_deleted(
    approved_year,
):
    world = approved_year
    data = {
        "unit_id": world["ward"].pk,
        "indicator_id": world["revenue"].pk,
        "year": 2023,
        "authority_id": world["authority"].pk,
        "value": Decimal(1),
        "basis": "",
    }
    with pytest.raises(ValidationError):
        save_target(target_id=world["target"].pk, data=data, user=world["admin"], reason="x")
    with pytest.raises(ValidationError) as refused:
        delete_targets(target_ids=[world["target"].pk], user=world["admin"])
    assert refused.value.messages == [
        "Năm 2023 của Phường A đã có tháng được phê duyệt: không xóa chỉ tiêu; người phê duyệt "
        "có thể điều chỉnh giá trị, có ghi lý do."
    ]
    assert Target.objects.get(pk=world["target"].pk).value == Decimal(9000)


def test_a_script_changing_a_target_of_an_approved_year_still_needs_a_reason(approved_year):
    world = approved_year
    data = {
        "unit_id": world["ward"].pk,
        "indicator_id": world["revenue"].pk,
        "year": 2023,
        "authority_id": world["authority"].pk,
        "value": Decimal(1),
        "basis": "",
    }
    with pytest.raises(ValidationError):
        save_target(target_id=world["target"].pk, data=data, user=None, source="command")
    save_target(target_id=world["target"].pk, data=data, user=None, source="command", reason="QĐ 7")
    target = Target.objects.get(pk=world["target"].pk)
    assert (target.value, target.adjustment_reason) == (Decimal(1), "QĐ 7")
    assert target.history.latest().history_change_reason == "command"


def test_the_period_page_says_a_target_was_adjusted_after_approval_with_the_date(
    client, grant, approved_year
):
    from datetime import datetime

    from django.urls import reverse

    world = approved_year
    adjusted = timezone.make_aware(datetime(2023, 10, 12, 9, 30))
    Target.objects.filter(pk=world["target"].pk).update(
        value=Decimal(500), adjusted_after_approval_at=adjusted, adjustment_reason="NQ 15"
    )
    client.force_login(world["chief"])
    page = client.get(reverse("period-summary", args=["ward-a", 2023, "9m"])).content.decode()
    assert "chỉ tiêu đã điều chỉnh sau khi phê duyệt (ngày 12/10/2023)" in page
    # a target never adjusted after approval says nothing
    Target.objects.filter(pk=world["target"].pk).update(adjusted_after_approval_at=None)
    # update() sends no signal: a write around the models gives the versions a new token itself
    freshness.units_changed([world["target"].unit_id])
    page = client.get(reverse("period-summary", args=["ward-a", 2023, "9m"])).content.decode()
    assert "điều chỉnh sau khi phê duyệt" not in page
