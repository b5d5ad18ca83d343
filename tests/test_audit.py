"""The audit trail: every change to a figure, a target, a written section or an approval is kept
with who, when, old and new value and from where; nobody can edit it from the app."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.audit import figure_history
from indicators.entry.services import FigureEntry, save_month, submit_month
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    PeriodReport,
    RoleGrant,
    Target,
    Unit,
)


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("boss", "b@example.org", "pw-boss-1")


@pytest.fixture
def revenue(make_indicator):
    return make_indicator("revenue", "sum", name="Thu ngân sách")


@pytest.fixture
def online(make_indicator):
    return make_indicator(
        "online",
        "ratio",
        name="Hồ sơ trực tuyến",
        numerator_label="trực tuyến",
        denominator_label="tiếp nhận",
    )


def test_each_figure_change_of_the_month_grid_is_kept_with_old_and_new_values(
    tree, grant, revenue, online
):
    clerk = grant("clerk", "data_entry", tree["ward-a"])
    other = grant("other", "data_entry", tree["ward-a"])
    group = tree["group-a1"]
    save_month(
        unit=group,
        year=2023,
        month=9,
        user=clerk,
        entries=[
            FigureEntry(indicator=revenue, value=Decimal("1500000")),
            FigureEntry(indicator=online, numerator=Decimal(564), denominator=Decimal(880)),
        ],
    )
    save_month(
        unit=group,
        year=2023,
        month=9,
        user=other,
        source="import: thang-9.xlsx",
        entries=[FigureEntry(indicator=revenue, value=Decimal("1600000"), status="estimate")],
    )
    save_month(
        unit=group,
        year=2023,
        month=9,
        user=clerk,
        entries=[FigureEntry(indicator=revenue, delete=True)],
    )
    history = figure_history(tree["ward-a"], revenue, 2023)  # the ward sees its groups' changes
    assert [
        (
            c.kind,
            c.changed_by,
            c.unit_name,
            c.month,
            c.before.text if c.before else None,
            c.after.text if c.after else None,
            c.source,
        )
        for c in history
    ] == [
        ("deleted", "clerk", "Tổ 1", 9, "1.600.000 (ước)", None, "form"),
        ("changed", "other", "Tổ 1", 9, "1.500.000", "1.600.000 (ước)", "import: thang-9.xlsx"),
        ("created", "clerk", "Tổ 1", 9, None, "1.500.000", "form"),
    ]
    ratio = figure_history(group, online, 2023)
    assert [(c.kind, c.after.text) for c in ratio] == [("created", "564/880")]
    assert figure_history(tree["ward-b"], revenue, 2023) == []
    assert figure_history(group, revenue, 2022) == []


def test_an_unchanged_figure_leaves_no_history(tree, boss, revenue):
    entry = FigureEntry(indicator=revenue, value=Decimal(10))
    save_month(unit=tree["ward-a"], year=2023, month=1, entries=[entry], user=boss)
    save_month(unit=tree["ward-a"], year=2023, month=1, entries=[entry], user=boss)
    assert Figure.history.count() == 1


def test_a_figure_changed_in_the_admin_records_the_user_and_the_admin_as_source(
    client, tree, boss, revenue
):
    figure = Figure.objects.create(
        unit=tree["ward-a"], indicator=revenue, year=2023, month=9, value=Decimal(5)
    )
    client.force_login(boss)
    client.post(
        reverse("admin:indicators_figure_change", args=[figure.pk]),
        {"value": "7", "numerator": "", "denominator": "", "status": "official"},
    )
    last = figure.history.order_by("-history_id").first()
    assert (last.history_type, last.value, last.history_user, last.history_change_reason) == (
        "~",
        Decimal(7),
        boss,
        "admin",
    )


def test_a_target_change_is_kept_with_old_and_new_value(client, tree, boss, revenue, authority):
    target = Target.objects.create(
        unit=tree["ward-a"], indicator=revenue, year=2023, authority=authority, value=Decimal(900)
    )
    client.force_login(boss)
    client.post(
        reverse("admin:indicators_target_change", args=[target.pk]),
        {
            "unit": tree["ward-a"].pk,
            "indicator": revenue.pk,
            "year": 2023,
            "authority": authority.pk,
            "value": "950",
            "basis": "NQ 12/NQ-HĐND",
        },
    )
    records = list(target.history.order_by("history_id"))
    assert [(r.history_type, r.value, r.basis) for r in records] == [
        ("+", Decimal(900), ""),
        ("~", Decimal(950), "NQ 12/NQ-HĐND"),
    ]
    assert (records[1].history_user, records[1].history_change_reason) == (boss, "admin")


def test_a_written_section_change_is_kept(client, tree, boss):
    report = PeriodReport.objects.create(unit=tree["ward-a"], year=2023, period="9m", tasks="A")
    client.force_login(boss)
    client.post(
        reverse("admin:indicators_periodreport_change", args=[report.pk]),
        {"unit": tree["ward-a"].pk, "year": 2023, "period": "9m", "tasks": "B"},
    )
    records = list(report.history.order_by("history_id"))
    assert [(r.history_type, r.tasks) for r in records] == [("+", "A"), ("~", "B")]
    assert records[1].history_user == boss


def test_an_approval_step_is_kept(tree, boss):
    submit_month(unit=tree["ward-a"], year=2023, month=9, user=boss)
    record = MonthApproval.history.get()
    assert (record.status, record.history_user, record.history_change_reason) == (
        "submitted",
        boss,
        "admin",
    )


@pytest.mark.parametrize(
    "model",
    [
        "historicalfigure",
        "historicaltarget",
        "historicalperiodreport",
        "historicalmonthapproval",
        "historicalunit",
        "historicalindicator",
        "historicalarea",
        "historicalauthority",
        "historicalrolegrant",
    ],
)
def test_the_history_is_listed_but_cannot_be_added_changed_or_deleted(
    client, tree, boss, revenue, model
):
    figure = Figure.objects.create(
        unit=tree["ward-a"], indicator=revenue, year=2023, month=9, value=Decimal(5)
    )
    submit_month(unit=tree["ward-a"], year=2023, month=9, user=boss, confirm_missing=True)
    PeriodReport.objects.create(unit=tree["ward-a"], year=2023, period="9m")
    client.force_login(boss)
    assert client.get(reverse(f"admin:indicators_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:indicators_{model}_add")).status_code == 403
    record = Figure.history.get(id=figure.pk)
    if model == "historicalfigure":
        change = client.post(
            reverse(f"admin:indicators_{model}_change", args=[record.pk]), {"value": "1"}
        )
        assert change.status_code == 403
        delete = client.post(
            reverse(f"admin:indicators_{model}_delete", args=[record.pk]), {"post": "yes"}
        )
        assert delete.status_code == 403
        assert Figure.history.get(id=figure.pk).value == Decimal(5)


def test_the_history_list_filters_by_unit_user_and_date(client, tree, boss, grant, revenue):
    clerk = grant("clerk", "data_entry", tree["ward-b"])
    save_month(
        unit=tree["ward-a"],
        year=2023,
        month=9,
        user=boss,
        entries=[FigureEntry(indicator=revenue, value=Decimal(1))],
    )
    save_month(
        unit=tree["ward-b"],
        year=2023,
        month=9,
        user=clerk,
        entries=[FigureEntry(indicator=revenue, value=Decimal(2))],
    )
    client.force_login(boss)
    url = reverse("admin:indicators_historicalfigure_changelist")
    by_unit = client.get(url, {"unit__id__exact": tree["ward-b"].pk})
    assert [r.value for r in by_unit.context["cl"].result_list] == [Decimal(2)]
    by_user = client.get(url, {"history_user__id__exact": boss.pk})
    assert [r.value for r in by_user.context["cl"].result_list] == [Decimal(1)]
    today = Figure.history.first().history_date
    by_date = client.get(
        url, {"history_date__year": today.year, "history_date__month": today.month}
    )
    assert len(by_date.context["cl"].result_list) == 2
    # A clerk of ward B sees only ward B's changes.
    client.force_login(clerk)
    assert [r.value for r in client.get(url).context["cl"].result_list] == [Decimal(2)]


def test_the_indicator_page_shows_the_figure_history(client, tree, boss, revenue):
    save_month(
        unit=tree["ward-a"],
        year=2023,
        month=9,
        user=boss,
        entries=[FigureEntry(indicator=revenue, value=Decimal(1500))],
    )
    save_month(
        unit=tree["ward-a"],
        year=2023,
        month=9,
        user=boss,
        entries=[FigureEntry(indicator=revenue, value=Decimal(1750))],
    )
    client.force_login(boss)
    page = client.get(reverse("indicator-detail", args=["ward-a", 2023, "9m", "revenue"]))
    history = page.context["history"]
    assert [(c.before.text if c.before else "", c.after.text) for c in history] == [
        ("1.500", "1.750"),
        ("", "1.500"),
    ]
    assert "Lịch sử sửa số liệu năm 2023" in page.content.decode()


def history_of(model, **lookup) -> list[tuple]:
    """(type, user name, source) of each historical row, oldest first."""
    rows = model.history.filter(**lookup).order_by("history_date", "history_id")
    return [
        (h.history_type, h.history_user.username if h.history_user else "", h.history_change_reason)
        for h in rows
    ]


def test_units_and_the_catalogue_keep_who_changed_them_and_from_where(
    client, tree, boss, revenue, authority
):
    client.force_login(boss)
    ward = tree["ward-a"]
    client.post(
        reverse("admin:indicators_unit_change", args=[ward.pk]),
        {
            "code": ward.code,
            "name": "Phường A mới",
            "level": "ward",
            "parent": ward.parent_id,
            "order": 0,
        },
    )
    client.post(
        reverse("admin:indicators_authority_change", args=[authority.pk]),
        {"code": authority.code, "name": "UBND TP", "order": 1},
    )
    area = revenue.area
    client.post(
        reverse("admin:indicators_area_change", args=[area.pk]),
        {"code": area.code, "name": "Thu, chi ngân sách", "order": 0},
    )
    client.post(
        reverse("admin:indicators_indicator_change", args=[revenue.pk]),
        {
            "code": "revenue",
            "name": "Thu NS",
            "area": area.pk,
            "unit": "đồng",
            "kind": "sum",
            "direction": "up",
            "order": 0,
            "is_active": "on",
        },
    )
    assert history_of(Unit, id=ward.pk) == [("+", "", None), ("~", "boss", "admin")]
    assert Unit.history.filter(id=ward.pk).latest().name == "Phường A mới"
    assert history_of(Authority, id=authority.pk) == [("+", "", None), ("~", "boss", "admin")]
    assert history_of(Area, id=area.pk) == [("+", "", None), ("~", "boss", "admin")]
    assert history_of(Indicator, id=revenue.pk) == [("+", "", None), ("~", "boss", "admin")]
    assert Indicator.history.filter(id=revenue.pk).latest().name == "Thu NS"


def test_role_grants_keep_who_gave_and_took_them_bulk_deletes_included(client, tree, boss):
    clerk = get_user_model().objects.create_user("clerk")
    client.force_login(boss)
    for unit in ("ward-a", "ward-b"):
        client.post(
            reverse("admin:indicators_rolegrant_add"),
            {"user": clerk.pk, "unit": tree[unit].pk, "role": "data_entry"},
        )
    grants = list(RoleGrant.objects.order_by("pk"))
    assert [g.unit.code for g in grants] == ["ward-a", "ward-b"]
    clerk.refresh_from_db()
    assert clerk.is_staff
    client.post(
        reverse("admin:indicators_rolegrant_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in grants], "post": "yes"},
    )
    assert not RoleGrant.objects.exists()
    for grant in grants:
        assert history_of(RoleGrant, id=grant.pk) == [
            ("+", "boss", "admin"),
            ("-", "boss", "admin"),
        ]


def test_a_bulk_delete_of_units_keeps_who_and_from_where(client, tree, boss):
    client.force_login(boss)
    groups = [tree["group-a1"], tree["group-a2"]]
    client.post(
        reverse("admin:indicators_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert not Unit.objects.filter(pk__in=[g.pk for g in groups]).exists()
    for group in groups:
        assert history_of(Unit, id=group.pk)[-1] == ("-", "boss", "admin")


def test_a_unit_changed_by_the_import_keeps_the_user_and_the_file(tree, boss):
    import io

    from openpyxl import Workbook

    from indicators.exchange import import_workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "units"
    sheet.append(["code", "name", "level", "parent"])
    sheet.append(["group-a2", "Tổ 2 (mới)", "group", "ward-a"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    import_workbook(buffer, file_name="to-dan-pho.xlsx", user=boss)
    changed = Unit.objects.get(code="group-a2")
    assert changed.name == "Tổ 2 (mới)"
    assert history_of(Unit, id=changed.pk) == [
        ("+", "", None),
        ("~", "boss", "import: to-dan-pho.xlsx"),
    ]


def test_a_unit_and_an_area_created_by_the_import_keep_the_user_and_the_file(tree, boss):
    import io

    from openpyxl import Workbook

    from indicators.exchange import import_workbook

    book = Workbook()
    units = book.active
    units.title = "units"
    units.append(["code", "name", "level", "parent"])
    units.append(["group-a3", "Tổ 3", "group", "ward-a"])
    areas = book.create_sheet("areas")
    areas.append(["code", "name"])
    areas.append(["moi-truong", "Môi trường"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    import_workbook(buffer, file_name="moi.xlsx", user=boss)
    created = Unit.objects.get(code="group-a3")
    assert history_of(Unit, id=created.pk) == [("+", "boss", "import: moi.xlsx")]
    area = Area.objects.get(code="moi-truong")
    assert history_of(Area, id=area.pk) == [("+", "boss", "import: moi.xlsx")]
