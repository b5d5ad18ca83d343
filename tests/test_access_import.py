"""The workbook import under roles, approval and the audit trail: a row outside the grant or in
an approved month is an error, the whole file is refused, and what is written is audited."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from indicators.entry.services import approve_month, submit_month
from indicators.exchange.workbook_import import WorkbookRejected, import_workbook
from indicators.models import Figure, Target

FIGURES = ["unit", "indicator", "year", "month", "value", "numerator", "denominator", "status"]
TARGETS = ["unit", "indicator", "year", "authority", "value", "basis"]


def workbook(**sheets) -> io.BytesIO:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def setup(tree, make_indicator, authority, grant):
    make_indicator("revenue", "sum", name="Thu ngân sách")
    return {
        "units": tree,
        "clerk": grant("clerk", "data_entry", tree["ward-a"]),
        "planner": grant("planner", "city_admin", tree["ward-a"]),
        "chief": grant("chief", "approver", tree["ward-a"]),
    }


def figure_rows(*rows):
    return [
        FIGURES,
        *[
            [unit, "revenue", 2023, month, value, None, None, "official"]
            for unit, month, value in rows
        ],
    ]


def errors_of(call) -> list[tuple]:
    with pytest.raises(WorkbookRejected) as rejected:
        call()
    return [(e.sheet, e.row, e.column, e.message) for e in rejected.value.errors]


def test_figures_inside_the_grant_are_imported_and_audited_with_the_file_name(setup):
    file = workbook(figures=figure_rows(("ward-a", 9, 100), ("group-a1", 9, 40)))
    import_workbook(file, file_name="thang-9.xlsx", user=setup["clerk"])
    assert sorted(Figure.objects.values_list("unit__code", "value")) == [
        ("group-a1", Decimal(40)),
        ("ward-a", Decimal(100)),
    ]
    records = Figure.history.order_by("history_id")
    assert [(r.history_user.username, r.history_change_reason, r.source) for r in records] == [
        ("clerk", "import: thang-9.xlsx", "import: thang-9.xlsx"),
    ] * 2


def test_a_row_outside_the_grant_is_an_error_and_nothing_is_written(setup):
    file = workbook(figures=figure_rows(("ward-a", 9, 100), ("ward-b", 9, 40), ("city", 9, 1)))
    errors = errors_of(lambda: import_workbook(file, file_name="f.xlsx", user=setup["clerk"]))
    assert errors == [
        ("figures", 3, "unit", "Bạn không có quyền nhập, sửa số liệu của ward-b."),
        ("figures", 4, "unit", "Bạn không có quyền nhập, sửa số liệu của city."),
    ]
    assert not Figure.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "approver", "city_admin"])
def test_roles_without_data_entry_cannot_import_figures(setup, grant, role):
    user = grant(f"u-{role}", role, setup["units"]["city"])
    file = workbook(figures=figure_rows(("ward-a", 9, 100)))
    errors = errors_of(lambda: import_workbook(file, file_name="f.xlsx", user=user))
    assert [e[:3] for e in errors] == [("figures", 2, "unit")]
    assert not Figure.objects.exists()


def test_targets_need_a_city_admin_on_their_unit(setup):
    rows = [TARGETS, ["group-a1", "revenue", 2023, "city-pc", 500, "NQ 1"]]
    errors = errors_of(
        lambda: import_workbook(workbook(targets=rows), file_name="t.xlsx", user=setup["clerk"])
    )
    assert [e[:3] for e in errors] == [("targets", 2, "unit")]
    import_workbook(workbook(targets=rows), file_name="t.xlsx", user=setup["planner"])
    target = Target.objects.get()
    assert (target.unit.code, target.value) == ("group-a1", Decimal(500))
    assert target.history.get().history_change_reason == "import: t.xlsx"


def test_a_figure_in_an_approved_month_is_an_error_and_nothing_is_written(setup):
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"])
    file = workbook(figures=figure_rows(("group-a1", 10, 5), ("group-a1", 9, 40)))
    errors = errors_of(lambda: import_workbook(file, file_name="f.xlsx", user=setup["clerk"]))
    assert errors == [
        (
            "figures",
            3,
            "month",
            "Số liệu tháng 9/2023 của “group-a1” đã được phê duyệt nên đã khóa; "
            "người phê duyệt phải mở lại trước khi nhập.",
        )
    ]
    assert not Figure.objects.exists()


def test_the_admin_upload_shows_the_out_of_grant_row_and_writes_nothing(client, setup):
    client.force_login(setup["clerk"])
    file = workbook(figures=figure_rows(("ward-b", 9, 40)))
    file.name = "ngoai.xlsx"
    response = client.post(reverse("indicators-import"), {"file": file})
    assert response.status_code == 200
    assert "Bạn không có quyền nhập, sửa số liệu của ward-b." in response.content.decode()
    assert not Figure.objects.exists()


def test_a_month_approved_between_preview_and_confirmation_is_still_refused(setup):
    from indicators.exchange.workbook_import import apply_plan, plan_import, read_workbook

    raw = read_workbook(workbook(figures=figure_rows(("ward-a", 9, 100))), file_name="f.xlsx")
    plan = plan_import(raw, user=setup["clerk"])  # the preview: no error yet
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"])
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"])
    errors = errors_of(lambda: apply_plan(plan, user=setup["clerk"]))
    assert [e[:3] for e in errors] == [("figures", 2, "month")]
    assert not Figure.objects.exists()
