"""Targets entered in the admin: one per indicator, unit, year and authority; bad values refused."""

from decimal import Decimal

import pytest

from indicators.entry.services import validate_target
from indicators.models import Authority, Indicator, Target

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
