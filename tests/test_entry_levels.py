"""Where each indicator is entered and how many decimals it takes, on every write path: the
admin's single-figure form, the import, the admin's indicator form and the check command (the
month grid's side is in test_month_entry.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from indicators.entry import services
from indicators.exchange import WorkbookRejected, import_workbook
from indicators.models import Figure, Indicator, Unit
from tests.test_workbook_import import FIGURE_HEADER, xlsx

DOUBLE_COUNT = (
    "Chỉ tiêu “Số hộ nghèo” do tổ dân phố/thôn nhập; phường cộng lại từ các tổ dân phố/thôn."
)
HALF_A_WORK = (
    "Chỉ tiêu “Số công trình xây dựng sai phép, không phép” tính bằng công trình, không nhận số lẻ."
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


def stored():
    return sorted(Figure.objects.values_list("id", "value", "numerator", "denominator"))


# --- the rule itself ----------------------------------------------------------------------


def test_the_rule_says_where_an_indicator_is_entered_above_and_below(catalogue):
    poor, revenue = catalogue["ho-ngheo"], catalogue["thu-ngan-sach"]
    assert services.entry_level_refusal(poor, "group") is None
    assert services.entry_level_refusal(poor, "ward") == DOUBLE_COUNT
    assert services.entry_level_refusal(revenue, "group") == (
        "Chỉ tiêu “Tổng thu ngân sách nhà nước” do phường, xã, thị trấn, đặc khu nhập, "
        "không nhập ở cấp tổ dân phố/thôn."
    )
    every_level = Indicator(name="Mới", unit="hộ", entry_levels=[])
    assert services.entry_level_refusal(every_level, "city") is None


def test_a_count_takes_whole_numbers_and_a_set_place_allows_one_decimal(catalogue):
    works = catalogue["xay-dung-sai-phep"]
    check = services.validate_figure
    assert check(works, level="ward", value=Decimal("1.5"), numerator=None, denominator=None) == {
        "value": HALF_A_WORK
    }
    assert (
        check(works, level="ward", value=Decimal("2.000"), numerator=None, denominator=None) == {}
    )
    works.decimal_places = 1
    assert check(works, level="ward", value=Decimal("1.5"), numerator=None, denominator=None) == {}
    assert check(works, level="ward", value=Decimal("1.25"), numerator=None, denominator=None) == {
        "value": "Chỉ tiêu “Số công trình xây dựng sai phép, không phép” chỉ nhận tối đa 1 chữ "
        "số sau dấu phẩy."
    }


# --- the admin's single-figure form ---------------------------------------------------------


def figure_form(figure_or_none, *, unit, indicator, value):
    data = {
        "unit": unit.pk,
        "indicator": indicator.pk,
        "year": 2023,
        "month": 10,
        "value": value,
        "status": "official",
    }
    if figure_or_none is not None:
        data["version"] = services.figure_version(figure_or_none)
    return data


def test_the_admin_refuses_the_ward_total_of_a_group_entered_indicator_and_deletes_it(
    demo, staff_client, staff_user
):
    # the admin adds figures only through the month grid; a figure stored before the rule
    # (38 households typed at the ward) cannot be changed, only deleted
    poor = Indicator.objects.get(code="ho-ngheo")
    figure = Figure.objects.create(unit=demo, indicator=poor, year=2023, month=10, value=38)
    url = f"/admin/indicators/figure/{figure.pk}/change/"
    response = staff_client.post(url, figure_form(figure, unit=demo, indicator=poor, value="37"))
    assert DOUBLE_COUNT in response.content.decode()
    assert Figure.objects.get(pk=figure.pk).value == 38
    with pytest.raises(Exception) as refused:
        services.update_figure(figure_id=figure.pk, numbers={"value": Decimal(37)}, user=staff_user)
    assert DOUBLE_COUNT in str(refused.value)
    assert services.delete_figures(figure_ids=[figure.pk], user=staff_user) == 1


def test_the_admin_refuses_one_and_a_half_works(demo, staff_client):
    works = Indicator.objects.get(code="xay-dung-sai-phep")
    figure = Figure.objects.create(unit=demo, indicator=works, year=2023, month=10, value=1)
    url = f"/admin/indicators/figure/{figure.pk}/change/"
    response = staff_client.post(url, figure_form(figure, unit=demo, indicator=works, value="1.5"))
    assert HALF_A_WORK in response.content.decode()
    assert Figure.objects.get(pk=figure.pk).value == 1


# --- the import -----------------------------------------------------------------------------


def figures_sheet(*rows):
    return {"figures": [FIGURE_HEADER, *rows]}


def refusals(sheets) -> list[tuple[str, int, str, str]]:
    with pytest.raises(WorkbookRejected) as caught:
        import_workbook(xlsx(sheets), file_name="t.xlsx")
    return [(e.sheet, e.row, e.column, e.message) for e in caught.value.errors]


def test_the_import_refuses_the_ward_total_and_half_a_work(demo):
    before = stored()
    errors = refusals(
        figures_sheet(
            ["chanh-lo", "ho-ngheo", 2023, 10, 38, None, None, None],
            ["chanh-lo", "xay-dung-sai-phep", 2023, 10, 1.5, None, None, None],
            ["chanh-lo-to-1", "ho-ngheo", 2023, 10, 5, None, None, None],  # a good row
        )
    )
    assert errors == [
        ("figures", 2, "value", DOUBLE_COUNT),
        ("figures", 3, "value", HALF_A_WORK),
    ]
    assert stored() == before


INDICATOR_HEADER = ["code", "name", "unit", "kind", "direction", "area"]


def test_the_import_reads_entry_levels_and_decimal_places_and_applies_them(demo):
    import_workbook(
        xlsx(
            {
                "indicators": [
                    [*INDICATOR_HEADER, "entry_levels", "decimal_places"],
                    ["cay-xanh", "Cây xanh", "cây", "sum", "up", "an-sinh-xa-hoi", "group", 1],
                    ["ho-moi", "Hộ mới", "hộ", "sum", "up", "an-sinh-xa-hoi", None, None],
                    ["vu", "Vụ việc", "vụ", "sum", "up", "an-sinh-xa-hoi", "commune ,ward", 2],
                ]
            }
        ),
        file_name="t.xlsx",
    )
    trees, households, cases = (Indicator.objects.get(code=c) for c in ("cay-xanh", "ho-moi", "vu"))
    assert (trees.entry_levels, trees.allowed_decimal_places) == (["group"], 1)
    # without the columns: every level, and the default of a count (hộ): whole numbers
    assert (households.entry_levels, households.decimal_places) == ([], None)
    assert households.allowed_decimal_places == 0
    assert (cases.entry_levels, cases.decimal_places) == (["ward", "commune"], 2)

    errors = refusals(
        figures_sheet(
            ["chanh-lo", "cay-xanh", 2023, 10, 3, None, None, None],
            ["chanh-lo", "ho-moi", 2023, 10, "1,5", None, None, None],
            ["chanh-lo-to-1", "cay-xanh", 2023, 10, "2,25", None, None, None],
        )
    )
    assert errors == [
        ("figures", 2, "value", "Chỉ tiêu “Cây xanh” do tổ dân phố/thôn nhập; phường cộng "
         "lại từ các tổ dân phố/thôn."),
        ("figures", 3, "value", "Chỉ tiêu “Hộ mới” tính bằng hộ, không nhận số lẻ."),
        ("figures", 4, "value", "Chỉ tiêu “Cây xanh” chỉ nhận tối đa 1 chữ số sau dấu phẩy."),
    ]  # fmt: skip


def test_the_import_refuses_an_unknown_level_and_too_many_places(catalogue):
    errors = refusals(
        {
            "indicators": [
                [*INDICATOR_HEADER, "entry_levels", "decimal_places"],
                ["x", "X", "hộ", "sum", "up", "an-sinh-xa-hoi", "ward, hamlet", 1],
                ["y", "Y", "hộ", "sum", "up", "an-sinh-xa-hoi", "ward", 5],
            ]
        }
    )
    assert [(row, column) for _sheet, row, column, _message in errors] == [
        (2, "entry_levels"),
        (3, "decimal_places"),
    ]
    assert "“hamlet” không hợp lệ" in errors[0][3]
    assert errors[1][3] == "Số chữ số thập phân 5 phải từ 0 đến 4."


# --- the admin's indicator form -------------------------------------------------------------


def test_the_indicator_form_ticks_levels_and_stores_them_in_the_trees_order(
    catalogue, staff_client
):
    poor = catalogue["ho-ngheo"]
    page = staff_client.get(f"/admin/indicators/indicator/{poor.pk}/change/").content.decode()
    assert 'type="checkbox" name="entry_levels" value="group"' in page
    data = {
        "code": poor.code,
        "name": poor.name,
        "area": poor.area_id,
        "unit": poor.unit,
        "kind": poor.kind,
        "direction": poor.direction,
        "is_main": "on",
        "is_active": "on",
        "order": poor.order,
        "entry_levels": ["group", "ward"],
        "decimal_places": "0",
    }
    response = staff_client.post(f"/admin/indicators/indicator/{poor.pk}/change/", data)
    assert response.status_code == 302
    poor.refresh_from_db()
    assert (poor.entry_levels, poor.decimal_places) == (["ward", "group"], 0)


# --- the check command ----------------------------------------------------------------------


def test_the_command_lists_stored_figures_that_break_the_rules_and_deletes_nothing(demo, capsys):
    call_command("check_entry_levels")  # the demo keeps both rules: no error
    assert "Every stored figure keeps the entry rules." in capsys.readouterr().out
    poor = Indicator.objects.get(code="ho-ngheo")
    works = Indicator.objects.get(code="xay-dung-sai-phep")
    Figure.objects.create(unit=demo, indicator=poor, year=2023, month=9, value=38)
    group = Unit.objects.get(code="chanh-lo-to-2")
    Figure.objects.create(unit=demo, indicator=works, year=2023, month=10, value=Decimal("1.5"))
    count = Figure.objects.count()
    with pytest.raises(CommandError, match="2 stored figure"):
        call_command("check_entry_levels")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"chanh-lo\tho-ngheo\t9/2023\t38\t{DOUBLE_COUNT}",
        f"chanh-lo\txay-dung-sai-phep\t10/2023\t1,5\t{HALF_A_WORK}",
    ]
    assert Figure.objects.count() == count
    assert group.figures.exists()


# --- the grid's totals ----------------------------------------------------------------------


def test_the_totals_below_take_two_queries_and_add_up_each_kind(demo, django_assert_num_queries):
    from indicators import tree
    from indicators.reporting.entered_below import totals_below

    indicators = list(Indicator.objects.filter(is_active=True).order_by("code"))
    tree.current()  # the request's tree, loaded once per request anyway
    with django_assert_num_queries(2):
        rows = {
            row.indicator.code: row
            for row in totals_below(unit=demo, year=2023, month=9, indicators=indicators)
        }
    assert set(rows) == {
        "don-thu-giai-quyet",
        "ho-can-ngheo",
        "ho-co-binh-chua-chay",
        "ho-ngheo",
        "to-lien-gia-pccc",
    }
    poor = rows["ho-ngheo"]
    assert (poor.total.actual, poor.entered, poor.expected) == (38, 8, 8)  # 5+4+7+3+6+4+7+2
    assert poor.expected_name == "tổ dân phố/thôn"
    assert not poor.own.has_data
    # a group's grid has nothing below it
    group = Unit.objects.get(code="chanh-lo-to-1")
    assert totals_below(unit=group, year=2023, month=9, indicators=indicators) == []
