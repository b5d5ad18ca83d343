"""The workbook import under roles, approval and the audit trail: a row outside the grant or in
an approved month is an error, the whole file is refused, and what is written is audited."""

from __future__ import annotations

import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import Workbook

from indicators.entry.services import approve_month, submit_month, update_figure
from indicators.exchange import WorkbookRejected, import_workbook
from indicators.models import Figure, Indicator, MonthApproval, Target, Unit

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
    file = workbook(figures=figure_rows(("ward-a", 9, 100), ("ward-b", 9, 40)))
    errors = errors_of(lambda: import_workbook(file, file_name="f.xlsx", user=setup["clerk"]))
    # Another ward is answered as a code that names no unit: the file learns nothing of it.
    assert errors == [("figures", 3, "unit", "Không có đơn vị có mã “ward-b”.")]
    assert not Figure.objects.exists()


def test_a_unit_above_the_grant_is_known_but_not_the_clerks_to_change(setup):
    """The city above the clerk's ward is on every page the clerk reads; writing to it is a
    matter of rights, and said so."""
    file = workbook(figures=figure_rows(("ward-a", 9, 100), ("city", 9, 1)))
    errors = errors_of(lambda: import_workbook(file, file_name="f.xlsx", user=setup["clerk"]))
    assert errors == [("figures", 3, "unit", "Bạn không có quyền nhập, sửa số liệu của city.")]
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
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
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
    page = response.content.decode()
    assert "Không có đơn vị có mã “ward-b”." in page
    assert "quyền" not in page.split("import-errors")[1].split("</table>")[0]
    assert not Figure.objects.exists()


def test_a_month_approved_between_preview_and_confirmation_is_still_refused(setup):
    from indicators.exchange import apply_plan, plan_import, read_workbook

    raw = read_workbook(workbook(figures=figure_rows(("ward-a", 9, 100))), file_name="f.xlsx")
    plan = plan_import(raw, user=setup["clerk"])  # the preview: no error yet
    ward = setup["units"]["ward-a"]
    submit_month(unit=ward, year=2023, month=9, user=setup["clerk"], confirm_missing=True)
    approve_month(unit=ward, year=2023, month=9, user=setup["chief"], confirm_missing=True)
    errors = errors_of(lambda: apply_plan(plan, user=setup["clerk"]))
    assert [e[:3] for e in errors] == [("figures", 2, "month")]
    assert not Figure.objects.exists()


# --- moving a unit (issue 9.1) -------------------------------------------------------------

UNITS = ["code", "name", "level", "parent"]


def move(code: str, parent: str):
    return workbook(units=[UNITS, [code, "Tổ 1", "group", parent]])


def test_moving_a_unit_needs_the_manage_right_on_the_new_parent_too(setup, grant):
    """The planner manages Phường A and may edit its groups, but not put one under the city."""
    errors = errors_of(
        lambda: import_workbook(move("group-a1", "city"), file_name="u.xlsx", user=setup["planner"])
    )
    assert errors == [("units", 2, "parent", "Bạn không có quyền chuyển đơn vị vào “city”.")]
    assert Unit.objects.get(code="group-a1").parent.code == "ward-a"

    boss = grant("boss", "city_admin", setup["units"]["city"])
    import_workbook(move("group-a1", "city"), file_name="u.xlsx", user=boss)
    assert Unit.objects.get(code="group-a1").parent.code == "city"


def test_moving_a_unit_under_another_ward_is_answered_as_an_unknown_parent(setup):
    hidden = errors_of(
        lambda: import_workbook(
            move("group-a1", "ward-b"), file_name="u.xlsx", user=setup["planner"]
        )
    )
    unknown = errors_of(
        lambda: import_workbook(
            move("group-a1", "khong-co"), file_name="u.xlsx", user=setup["planner"]
        )
    )
    assert hidden == [("units", 2, "parent", "Không có đơn vị cấp trên có mã “ward-b”.")]
    assert hidden == [(s, r, c, m.replace("khong-co", "ward-b")) for s, r, c, m in unknown]
    assert Unit.objects.get(code="group-a1").parent.code == "ward-a"


@pytest.fixture
def boss_and_figure(setup, grant):
    """A city administrator over both wards, and a September figure of Tổ 1 (in Phường A)."""
    units = setup["units"]
    Figure.objects.create(
        unit=units["group-a1"],
        indicator=Indicator.objects.get(code="revenue"),
        year=2023,
        month=9,
        value=Decimal(40),
    )
    return grant("boss", "city_admin", units["city"])


@pytest.mark.parametrize(("approved", "name"), [("ward-a", "Phường A"), ("ward-b", "Phường B")])
def test_a_move_is_refused_while_a_month_the_unit_adds_into_is_approved(
    setup, boss_and_figure, approved, name
):
    """Under the old parent (Phường A) or the new one (Phường B): either's approved September
    would change with Tổ 1's 40 leaving or arriving."""
    MonthApproval.objects.create(
        unit=setup["units"][approved], year=2023, month=9, status="approved"
    )
    errors = errors_of(
        lambda: import_workbook(
            move("group-a1", "ward-b"), file_name="u.xlsx", user=boss_and_figure
        )
    )
    assert errors == [
        (
            "units",
            2,
            "parent",
            f"Không thể chuyển đơn vị “group-a1”: số liệu của đơn vị đã cộng vào tháng 9/2023 "
            f"của {name}, tháng này đã được phê duyệt; người phê duyệt phải mở lại trước khi "
            "chuyển.",
        )
    ]
    assert Unit.objects.get(code="group-a1").parent.code == "ward-a"


def test_a_move_goes_through_when_the_approved_months_hold_none_of_the_units_figures(
    setup, boss_and_figure
):
    MonthApproval.objects.create(
        unit=setup["units"]["ward-b"], year=2023, month=8, status="approved"
    )
    counts = import_workbook(move("group-a1", "ward-b"), file_name="u.xlsx", user=boss_and_figure)
    assert counts["units"].updated == 1
    assert Unit.objects.get(code="group-a1").parent.code == "ward-b"


# --- another ward's unit reads as a code that names no unit (issue 9.5) --------------------


def same_errors_as_an_unknown_code(user, hidden: str, **sheets_of) -> list[tuple]:
    """The errors for a file naming ``hidden``, checked to be exactly those for "khong-co"."""
    errors = errors_of(
        lambda: import_workbook(
            workbook(**{key: rows(hidden) for key, rows in sheets_of.items()}),
            file_name="x.xlsx",
            user=user,
        )
    )
    unknown = errors_of(
        lambda: import_workbook(
            workbook(**{key: rows("khong-co") for key, rows in sheets_of.items()}),
            file_name="x.xlsx",
            user=user,
        )
    )
    assert errors == [(s, r, c, m.replace("khong-co", hidden)) for s, r, c, m in unknown]
    return errors


def test_a_figure_of_another_ward_equal_to_the_stored_one_is_not_silently_skipped(setup):
    Figure.objects.create(
        unit=setup["units"]["ward-b"],
        indicator=Indicator.objects.get(code="revenue"),
        year=2023,
        month=9,
        value=Decimal(40),
    )
    errors = same_errors_as_an_unknown_code(
        setup["clerk"], "ward-b", figures=lambda code: figure_rows((code, 9, 40))
    )
    assert errors == [("figures", 2, "unit", "Không có đơn vị có mã “ward-b”.")]


def test_a_target_of_another_ward_reads_as_an_unknown_unit_changed_or_not(setup, authority):
    Target.objects.create(
        unit=setup["units"]["ward-b"],
        indicator=Indicator.objects.get(code="revenue"),
        year=2023,
        authority=authority,
        value=Decimal(500),
        basis="NQ 1",
    )
    for value in (500, 600):  # the stored value, and a change
        errors = same_errors_as_an_unknown_code(
            setup["planner"],
            "ward-b",
            targets=lambda code, value=value: [
                TARGETS,
                [code, "revenue", 2023, "city-pc", value, "NQ 1"],
            ],
        )
        assert errors == [("targets", 2, "unit", "Không có đơn vị có mã “ward-b”.")]
    assert Target.objects.get().value == Decimal(500)


def test_a_unit_row_of_another_ward_reads_as_an_unknown_unit(setup):
    errors = errors_of(
        lambda: import_workbook(
            workbook(units=[UNITS, ["ward-b", "Phường B", "ward", "city"]]),
            file_name="u.xlsx",
            user=setup["planner"],
        )
    )
    assert errors == [("units", 2, "code", "Không có đơn vị có mã “ward-b”.")]
    assert same_errors_as_an_unknown_code(
        setup["planner"],
        "ward-b",
        units=lambda code: [UNITS, ["to-moi", "Tổ mới", "group", code]],
    ) == [("units", 2, "parent", "Không có đơn vị cấp trên có mã “ward-b”.")]
    assert not Unit.objects.filter(code="to-moi").exists()


# --- the preview and the confirmation ------------------------------------------------------


def test_a_figure_changed_between_preview_and_confirmation_refuses_the_import(client, setup, grant):
    revenue = Indicator.objects.get(code="revenue")
    ward = setup["units"]["ward-a"]
    stored = Figure.objects.create(unit=ward, indicator=revenue, year=2023, month=9, value=1)
    client.force_login(setup["clerk"])
    file = workbook(figures=figure_rows(("ward-a", 9, 100), ("group-a1", 9, 5)))
    file.name = "f.xlsx"
    preview = client.post(reverse("indicators-import"), {"file": file})
    assert preview.context["plan"].counts["figures"].updated == 1

    # A colleague saves September between the clerk's preview and confirmation.
    colleague = grant("colleague", "data_entry", setup["units"]["ward-a"])
    numbers = {"value": Decimal(2), "numerator": None, "denominator": None, "status": "official"}
    update_figure(figure_id=stored.pk, numbers=numbers, user=colleague)
    saved_at = Figure.history.filter(id=stored.pk).latest("history_date").history_date
    response = client.post(
        reverse("indicators-import-confirm"), {"token": preview.context["token"]}
    )

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert (
        "Số liệu trong hệ thống đã thay đổi sau khi bạn xem trước (có người vừa lưu); chưa nhập "
        "gì." in page
    )
    when = date_format(timezone.localtime(saved_at), "SHORT_DATETIME_FORMAT")
    named = f"“{stored}” đã được colleague lưu lúc {when}, sau khi bạn xem trước."
    assert [str(e) for e in response.context["errors"]][1:] == [
        f"trang Số liệu (figures), dòng 2: {named}"
    ]
    assert named in page
    assert Figure.objects.get(unit=ward).value == Decimal(2)
    assert not Figure.objects.filter(unit__code="group-a1").exists()
