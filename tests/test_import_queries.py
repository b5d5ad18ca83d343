"""An import's SQL queries do not grow with its rows, beyond the batches of its bulk writes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from indicators.exchange import import_workbook
from indicators.models import Area, Figure, Indicator, MonthApproval, RoleGrant, Unit

FIGURE_HEADER = [
    "unit",
    "indicator",
    "year",
    "month",
    "value",
    "numerator",
    "denominator",
    "status",
]
KINDS = ("sum", "ratio", "level", "reported", "sum")
WARDS, MONTHS = 10, 11  # 10 wards × 5 indicators × 11 months: 550 possible rows


@pytest.fixture
def city(db):
    """A city of ten wards with three groups each, five indicators entered by the wards, a
    month approved (December: no row of the files below falls in it, but every row is
    checked against it) and a clerk who enters the whole city's figures."""
    area = Area.objects.create(code="q-area", name="Lĩnh vực")
    for number, kind in enumerate(KINDS):
        Indicator.objects.create(
            code=f"q-ind-{number}",
            name=f"Chỉ tiêu {number}",
            area=area,
            unit="%" if kind in ("ratio", "reported") else "hộ",
            kind=kind,
            entry_levels=["ward"],
        )
    top = Unit.objects.create(code="q-city", name="Thành phố", level="city")
    for w in range(WARDS):
        ward = Unit.objects.create(code=f"q-w{w}", name=f"Phường {w}", level="ward", parent=top)
        for g in range(3):
            Unit.objects.create(code=f"q-w{w}-g{g}", name=f"Tổ {g}", level="group", parent=ward)
    MonthApproval.objects.create(unit=top, year=2023, month=12, status="approved")
    clerk = get_user_model().objects.create_user("q-clerk", password="pw-q-1", is_staff=True)
    RoleGrant.objects.create(user=clerk, unit=top, role="data_entry")
    return clerk


def figure_rows(count: int, *, bump: int = 0) -> list[list]:
    rows = []
    for w in range(WARDS):
        for number, kind in enumerate(KINDS):
            for month in range(1, MONTHS + 1):
                base = w * 100 + month + bump
                if kind == "ratio":
                    rows.append([f"q-w{w}", f"q-ind-{number}", 2023, month, None, base, base + 7])
                elif kind == "reported":
                    rows.append([f"q-w{w}", f"q-ind-{number}", 2023, month, (base % 90) + 0.5])
                else:
                    rows.append([f"q-w{w}", f"q-ind-{number}", 2023, month, base, None, None])
    assert count <= len(rows)
    return rows[:count]


def xlsx(rows: list[list]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "figures"
    sheet.append(FIGURE_HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def queries_of_import(rows: list[list], user) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        counts = import_workbook(xlsx(rows), file_name="thang.xlsx", user=user)
    return len(captured), counts["figures"]


def queries_for(count: int, user) -> tuple[int, int, int]:
    """Queries of importing ``count`` new figures, then the same file (nothing changes),
    then every figure changed; the figures are removed again afterwards."""
    created, counts = queries_of_import(figure_rows(count), user)
    assert counts.created == count
    unchanged, counts = queries_of_import(figure_rows(count), user)
    assert counts.unchanged == count
    updated, counts = queries_of_import(figure_rows(count, bump=3), user)
    assert counts.updated == count
    Figure.objects.all().delete()
    return created, unchanged, updated


def test_the_queries_of_an_import_do_not_grow_with_its_rows_beyond_batching(city):
    few = queries_for(50, city)
    many = queries_for(500, city)
    # Nothing written: the same queries whatever the number of rows.
    assert many[1] == few[1]
    # Writing: a bulk insert or update per batch (SQLite fits 50–110 figures in one query,
    # PostgreSQL 500), never a query per row: 450 more rows may add a few dozen queries.
    for label, small, large in (("created", few[0], many[0]), ("updated", few[2], many[2])):
        assert large - small <= 450 / 10, (label, small, large)


def test_a_bulk_update_keeps_who_and_from_where_in_every_history_row(city):
    queries_of_import(figure_rows(30), city)
    queries_of_import(figure_rows(30, bump=3), city)
    figure = Figure.objects.get(unit__code="q-w0", indicator__code="q-ind-0", month=1)
    assert figure.value == Decimal(4) and figure.source == "import: thang.xlsx"
    assert figure.entered_by == city
    latest = figure.history.order_by("-history_id").first()
    assert (latest.history_type, latest.value) == ("~", Decimal(4))
    assert (latest.history_user, latest.history_change_reason) == (city, "import: thang.xlsx")
    changed = Figure.history.filter(history_type="~")
    assert changed.count() == 30
    assert set(changed.values_list("history_user", "history_change_reason").distinct()) == {
        (city.pk, "import: thang.xlsx")
    }
    # The grid's version token moved with the change.
    assert figure.updated_at > figure.created_at


def units_xlsx(count: int, *, name: str) -> io.BytesIO:
    """``count`` residential groups under the city's wards, each named ``name``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "units"
    sheet.append(["code", "name", "level", "parent", "predecessors"])
    for number in range(count):
        sheet.append([f"q-new-{number}", f"{name} {number}", "group", f"q-w{number % WARDS}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_new_and_renamed_units_are_written_in_batches_too(city, django_user_model):
    admin = django_user_model.objects.create_superuser("q-admin", "q@example.org", "pw-q-2")
    measured = {}
    for count in (20, 200):
        with CaptureQueriesContext(connection) as created:
            import_workbook(units_xlsx(count, name="Tổ"), file_name="to.xlsx", user=admin)
        with CaptureQueriesContext(connection) as renamed:
            counts = import_workbook(units_xlsx(count, name="Thôn"), file_name="t.xlsx", user=admin)
        assert counts["units"].updated == count
        measured[count] = (len(created), len(renamed))
        Unit.history.filter(code__startswith="q-new-").delete()
        Unit.objects.filter(code__startswith="q-new-").delete()
    assert measured[200][0] - measured[20][0] <= 180 / 10, measured
    assert measured[200][1] - measured[20][1] <= 180 / 10, measured


def test_a_unit_created_in_bulk_has_its_parent_and_history(city, django_user_model):
    admin = django_user_model.objects.create_superuser("q-admin", "q@example.org", "pw-q-2")
    import_workbook(units_xlsx(3, name="Tổ"), file_name="to.xlsx", user=admin)
    import_workbook(units_xlsx(3, name="Thôn"), file_name="to.xlsx", user=admin)
    unit = Unit.objects.get(code="q-new-1")
    assert (unit.name, unit.parent.code) == ("Thôn 1", "q-w1")
    history = list(unit.history.order_by("history_id"))
    assert [(h.history_type, h.name) for h in history] == [("+", "Tổ 1"), ("~", "Thôn 1")]
    assert {(h.history_user_id, h.history_change_reason) for h in history} == {
        (admin.pk, "import: to.xlsx")
    }


def test_a_figure_created_in_bulk_is_what_a_save_writes_with_its_history_row(city):
    """Every field as a save would write it (the status's default, one moment stamped on
    both dates), and a history row that repeats every field with who, from where and "+"."""
    queries_of_import(figure_rows(55), city)
    figures = list(Figure.objects.order_by("id"))
    assert len(figures) == 55
    ratio = Figure.objects.get(unit__code="q-w0", indicator__code="q-ind-1", month=2)
    assert (ratio.value, ratio.numerator, ratio.denominator) == (None, Decimal(2), Decimal(9))
    assert ratio.status == Figure.Status.OFFICIAL  # the column is absent: the default
    assert {(f.source, f.entered_by_id) for f in figures} == {("import: thang.xlsx", city.pk)}
    [moment] = {f.created_at for f in figures} | {f.updated_at for f in figures}
    history = {h.id: h for h in Figure.history.all()}
    assert set(history) == {f.id for f in figures}
    fields = [f.attname for f in Figure._meta.concrete_fields]
    for figure in figures:
        row = history[figure.id]
        assert [getattr(row, name) for name in fields] == [getattr(figure, n) for n in fields]
        assert (row.history_type, row.history_user_id) == ("+", city.pk)
        assert (row.history_change_reason, row.history_date) == ("import: thang.xlsx", moment)
