"""The units sheet's validity and predecessors: read, refused when impossible, written back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from indicators.core.periods import parse_period
from indicators.exchange import WorkbookRejected, import_workbook
from indicators.exchange.data_file import period_data
from indicators.models import Area, Figure, Indicator, Predecessor, Unit
from tests.test_workbook_import import xlsx

D = Decimal
HEADER = ["code", "name", "level", "parent", "valid_from", "valid_until", "predecessors"]
BEFORE = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def units(*rows) -> dict:
    return {
        "units": [
            HEADER,
            ["tinh", "Tỉnh", "province", None, None, None, None],
            ["cu-1", "Phường cũ 1", "ward", "tinh", None, "30/06/2025", None],
            ["cu-2", "Phường cũ 2", "ward", "tinh", None, BEFORE, None],
            *rows,
        ]
    }


def refusal(sheets: dict) -> str:
    with pytest.raises(WorkbookRejected) as caught:
        import_workbook(xlsx(sheets), file_name="t.xlsx")
    assert not Unit.objects.exists()
    return " ".join(str(e) for e in caught.value.errors)


@pytest.mark.django_db
def test_validity_and_predecessors_are_read_from_dates_and_text():
    import_workbook(
        xlsx(
            units(
                ["moi", "Phường mới", "ward", "tinh", datetime(2025, 7, 1), None, "cu-1, cu-2:0.4"]
            )
        ),
        file_name="t.xlsx",
    )
    new = Unit.objects.get(code="moi")
    assert new.valid_from == date(2025, 7, 1)
    assert Unit.objects.get(code="cu-1").valid_until == BEFORE
    assert Unit.objects.get(code="cu-2").valid_until == BEFORE
    assert dict(new.predecessor_links.values_list("predecessor__code", "share")) == {
        "cu-1": D(1),
        "cu-2": D("0.4"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "words"),
    [
        (["moi", "Mới", "ward", "tinh", "01/07/2025", "01/01/2025", ""], "không được trước"),
        (["moi", "Mới", "ward", "tinh", "1 tháng 7", None, ""], "không phải là ngày"),
        (["moi", "Mới", "ward", "tinh", None, None, "cu-1:1.5"], "không quá 1"),
        (["moi", "Mới", "ward", "tinh", None, None, "cu-1:0"], "lớn hơn 0"),
        (["moi", "Mới", "ward", "tinh", None, None, "khong-co"], "Không có đơn vị có mã"),
        (["moi", "Mới", "ward", "tinh", None, None, "moi"], "chính nó"),
    ],
)
def test_an_impossible_lineage_is_refused_and_nothing_is_written(row, words):
    assert words in refusal(units(row))


@pytest.mark.django_db
def test_shares_of_one_predecessor_above_one_are_refused():
    message = refusal(
        units(
            ["moi-a", "A", "ward", "tinh", None, None, "cu-1:0.7"],
            ["moi-b", "B", "ward", "tinh", None, None, "cu-1:0.4"],
        )
    )
    assert "“cu-1” chuyển sang những đơn vị mới cộng lại bằng 1.1, vượt quá 1" in message


@pytest.mark.django_db
def test_a_lineage_loop_is_refused():
    message = refusal(
        units(
            ["moi-a", "A", "ward", "tinh", None, None, "moi-b"],
            ["moi-b", "B", "ward", "tinh", None, None, "moi-a"],
        )
    )
    assert "thành một vòng" in message


@pytest.mark.django_db
def test_a_figure_for_a_month_outside_the_units_validity_is_refused():
    sheets = units()
    sheets["areas"] = [["code", "name"], ["ns", "Ngân sách"]]
    sheets["indicators"] = [
        ["code", "name", "unit", "kind", "direction", "area"],
        ["thu", "Thu", "đồng", "sum", "up", "ns"],
    ]
    sheets["figures"] = [
        ["unit", "indicator", "year", "month", "value", "numerator", "denominator", "status"],
        ["cu-1", "thu", 2025, 6, 5, None, None, None],
        ["cu-1", "thu", 2025, 7, 5, None, None, None],
    ]
    message = refusal(sheets)
    assert "“cu-1” không tồn tại trong tháng 7/2025" in message
    assert "tháng 6/2025" not in message


@pytest.mark.django_db
def test_the_data_file_of_a_new_ward_writes_its_lineage_and_its_predecessors():
    province = Unit.objects.create(code="tinh", name="Tỉnh", level="province")
    old = Unit.objects.create(
        code="cu", name="Cũ", level="ward", parent=province, valid_until=BEFORE
    )
    new = Unit.objects.create(
        code="moi", name="Mới", level="ward", parent=province, valid_from=date(2025, 7, 1)
    )
    Predecessor.objects.create(unit=new, predecessor=old, share=D("0.5"))
    revenue = Indicator.objects.create(
        code="thu",
        name="Thu",
        unit="đồng",
        kind="sum",
        area=Area.objects.create(code="a", name="A"),
    )
    Figure.objects.create(unit=old, indicator=revenue, year=2025, month=3, value=D(8))
    data = period_data(unit=new, period=parse_period("q1", 2026))
    rows = {row["code"]: row for row in data.sheets["units"]}
    assert rows["moi"]["predecessors"] == "cu:0.5"
    assert rows["moi"]["valid_from"] == date(2025, 7, 1)
    assert rows["cu"]["valid_until"] == BEFORE
    assert [(f["unit"], f["year"], f["month"]) for f in data.sheets["figures"]] == [("cu", 2025, 3)]


@pytest.mark.django_db
def test_a_round_trip_of_the_data_file_keeps_validity_and_lineage(staff_client):
    from django.urls import reverse

    from tests.test_roundtrip import empty_the_database, import_through_the_admin

    province = Unit.objects.create(code="tinh", name="Tỉnh", level="province")
    olds = [
        Unit.objects.create(
            code=f"cu-{n}", name=f"Cũ {n}", level="ward", parent=province, valid_until=BEFORE
        )
        for n in (1, 2)
    ]
    new = Unit.objects.create(
        code="moi", name="Mới", level="ward", parent=province, valid_from=date(2025, 7, 1)
    )
    Predecessor.objects.create(unit=new, predecessor=olds[0])
    Predecessor.objects.create(unit=new, predecessor=olds[1], share=D("0.25"))

    def lineage():
        return sorted(
            Predecessor.objects.values_list("unit__code", "predecessor__code", "share")
        ), sorted(Unit.objects.values_list("code", "valid_from", "valid_until"))

    before = lineage()
    data = staff_client.get(reverse("period-data", args=["moi", 2026, "9m"]))
    empty_the_database()
    import_through_the_admin(staff_client, data.content, "moi.xlsx")
    assert lineage() == before
    assert before[0] == [("moi", "cu-1", D(1)), ("moi", "cu-2", D("0.25"))]
