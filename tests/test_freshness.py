"""A saved figure shows everywhere at once: pages, the API and the workbook are cached under
versions read from the database (indicators/freshness.py), and every write gives the versions
it touches a new token. Each test warms the caches, writes through one path, and reads again."""

from __future__ import annotations

import json
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from indicators import freshness
from indicators.approval import PeriodState, approval_label
from indicators.core.periods import parse_period
from indicators.entry import services
from indicators.entry.reports import ReportEntry, save_period_report
from indicators.exchange import import_workbook
from indicators.models import Figure, Freshness, RoleGrant, Unit
from indicators.reporting import selectors
from tests.test_workbook_import import FIGURE_HEADER, xlsx

PAGE = "/units/{unit}/2023/9m/"
API = "/api/units/{unit}/2023/9m/"
EXPORT = "/units/{unit}/2023/9m/export.xlsx"


@pytest.fixture(autouse=True, params=["subtrees read at once", "totals kept per child"])
def subtree_reads(request, monkeypatch):
    """Every write path twice: with the test tree's small subtrees read in one query, and with
    each unit's totals made of its children's kept totals (selectors.subtree_totals), so that a
    kept child entry that missed a write would show here."""
    if request.param == "totals kept per child":
        monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)
    return request.param


@pytest.fixture
def city(tree, make_indicator, staff_user):
    revenue = make_indicator("revenue", "sum", is_main=True)
    for group, value in (("group-a1", 1000), ("group-a2", 2000)):
        Figure.objects.create(
            unit=tree[group], indicator=revenue, year=2023, month=3, value=Decimal(value)
        )
    return {**tree, "revenue": revenue, "user": staff_user}


def numbers_everywhere(client, unit: str) -> tuple[str, str, list]:
    """The period page's text, the API's answer and the workbook's cell values."""
    page = client.get(PAGE.format(unit=unit)).content.decode()
    api = client.get(API.format(unit=unit)).content.decode()
    book = load_workbook(BytesIO(client.get(EXPORT.format(unit=unit)).content))
    cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row]
    return page, api, cells


def shows(client, unit: str, amount: int) -> bool:
    page, api, cells = numbers_everywhere(client, unit)
    vietnamese = f"{amount:,}".replace(",", ".")
    return vietnamese in page and f'"actual": "{amount}"' in api and any(c == amount for c in cells)


def _month(city, value):
    entry = services.FigureEntry(indicator=city["revenue"], value=Decimal(value))
    services.save_month(
        unit=city["group-a1"], year=2023, month=3, entries=[entry], user=city["user"]
    )


def _admin_figure(city, value):
    figure = Figure.objects.get(unit=city["group-a1"], month=3)
    numbers = {"value": Decimal(value), "status": Figure.Status.OFFICIAL}
    services.update_figure(figure_id=figure.id, numbers=numbers, user=city["user"])


WRITES = {
    "month grid (save_month)": (_month, 5000, 7000),
    "admin single figure (update_figure)": (_admin_figure, 5000, 7000),
}


@pytest.mark.parametrize("path", WRITES)
def test_a_saved_figure_shows_on_the_next_request(city, staff_client, path):
    write, value, city_total = WRITES[path]
    assert shows(staff_client, "ward-a", 3000) and shows(staff_client, "city", 3000)

    write(city, value)

    assert shows(staff_client, "ward-a", city_total)
    assert shows(staff_client, "city", city_total)


def test_a_deleted_figure_leaves_every_page_at_once(city, staff_client):
    assert shows(staff_client, "city", 3000)
    figure = Figure.objects.get(unit=city["group-a1"], month=3)

    services.delete_figures(figure_ids=[figure.id], user=city["user"])

    assert shows(staff_client, "city", 2000)
    assert shows(staff_client, "ward-a", 2000)


def test_a_unit_moved_takes_its_figures_with_it(city, staff_client):
    assert shows(staff_client, "ward-a", 3000)
    group = Unit.objects.get(code="group-a2")
    group.parent = city["ward-b"]
    group.save()

    assert shows(staff_client, "ward-a", 1000)
    assert shows(staff_client, "ward-b", 2000)


def test_a_renamed_indicator_shows_its_new_name(city, staff_client):
    assert "Thu mới" not in staff_client.get(PAGE.format(unit="city")).content.decode()
    city["revenue"].name = "Thu mới"
    city["revenue"].save()

    assert "Thu mới" in staff_client.get(PAGE.format(unit="city")).content.decode()


def test_a_bulk_write_that_bumps_the_units_shows_too(city, staff_client):
    """The import's bulk create sends no signal and calls units_changed itself."""
    assert shows(staff_client, "city", 3000)
    Figure.objects.bulk_create(
        [Figure(unit=city["ward-b"], indicator=city["revenue"], year=2023, month=4, value=500)]
    )
    assert shows(staff_client, "city", 3000)  # no bump: the cache still answers (the control)

    freshness.units_changed([city["ward-b"].id])

    assert shows(staff_client, "city", 3500)


def test_a_write_elsewhere_leaves_a_wards_cached_page_alone(city, staff_client):
    staff_client.get(PAGE.format(unit="ward-a"))
    before = dict(Freshness.objects.values_list("scope", "token"))

    _month_b = services.FigureEntry(indicator=city["revenue"], value=Decimal(9))
    services.save_month(
        unit=city["ward-b"], year=2023, month=5, entries=[_month_b], user=city["user"]
    )

    after = dict(Freshness.objects.values_list("scope", "token"))
    changed = {scope for scope in after if before.get(scope) != after[scope]}
    ward_b, city_id = city["ward-b"].id, city["city"].id
    assert changed == {f"unit:{ward_b}", f"own:{ward_b}", f"unit:{city_id}"}


def test_a_rolled_back_token_never_comes_back(city):
    scope = f"unit:{city['ward-a'].id}"
    freshness.bump([scope])
    kept = freshness.tokens([scope])[scope]
    with pytest.raises(RuntimeError), transaction.atomic():
        freshness.bump([scope])
        rolled_back = freshness.tokens([scope])[scope]
        raise RuntimeError
    assert freshness.tokens([scope])[scope] == kept
    freshness.bump([scope])
    assert freshness.tokens([scope])[scope] not in (kept, rolled_back)


# --- The admin, the import, approvals, targets, written sections -----------------------------


def test_the_admins_delete_page_and_bulk_delete_show_at_once(city, staff_client):
    assert shows(staff_client, "city", 3000)
    one = Figure.objects.get(unit=city["group-a1"], month=3)
    response = staff_client.post(
        reverse("admin:indicators_figure_delete", args=[one.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert shows(staff_client, "city", 2000)

    other = Figure.objects.get(unit=city["group-a2"], month=3)
    staff_client.post(
        reverse("admin:indicators_figure_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert not Figure.objects.exists()
    page = staff_client.get(PAGE.format(unit="city")).content.decode()
    assert "3.000" not in page and "2.000" not in page


def _workbook(figures: list[list]) -> BytesIO:
    return xlsx({"figures": [FIGURE_HEADER, *figures]})


def test_an_import_that_updates_and_creates_figures_shows_at_once(city, staff_client):
    assert shows(staff_client, "city", 3000)
    updated = ["group-a1", "revenue", 2023, 3, 4000, None, None, "official"]  # a save
    created = ["ward-b", "revenue", 2023, 4, 500, None, None, "official"]  # a bulk create

    import_workbook(_workbook([updated, created]), file_name="f.xlsx", user=city["user"])

    assert shows(staff_client, "city", 6500)
    assert shows(staff_client, "ward-b", 500)


def test_the_import_command_shows_at_once(city, staff_client, tmp_path):
    assert shows(staff_client, "ward-b", 0) is False
    path = tmp_path / "thang-4.xlsx"
    path.write_bytes(
        _workbook([["ward-b", "revenue", 2023, 4, 800, None, None, "official"]]).getvalue()
    )
    call_command("import_workbook", str(path), stdout=StringIO())

    assert shows(staff_client, "ward-b", 800)
    assert shows(staff_client, "city", 3800)


def test_an_approval_above_a_group_and_its_reopening_show_on_the_groups_answer(
    city, staff_client, grant
):
    url = "/api/units/group-a1/2023/m3/"
    assert json.loads(staff_client.get(url).content)["approval"] == "provisional"
    clerk = grant("clerk", RoleGrant.Role.DATA_ENTRY, city["ward-a"])
    chief = grant("chief", RoleGrant.Role.APPROVER, city["ward-a"])
    ward = city["ward-a"]
    services.submit_month(unit=ward, year=2023, month=3, user=clerk, confirm_missing=True)
    services.approve_month(unit=ward, year=2023, month=3, user=chief, confirm_missing=True)

    assert json.loads(staff_client.get(url).content)["approval"] == "approved"
    page = staff_client.get("/units/group-a1/2023/m3/").content.decode()
    assert approval_label(PeriodState.APPROVED) in page

    services.reopen_month(unit=ward, year=2023, month=3, user=chief, reason="Sai số")
    assert json.loads(staff_client.get(url).content)["approval"] != "approved"


def test_a_new_target_shows_its_completion_at_once(city, staff_client, authority):
    url = API.format(unit="ward-a")
    assert json.loads(staff_client.get(url).content)["indicators"][0]["targets"] == []
    data = {
        "unit_id": city["ward-a"].id,
        "indicator_id": city["revenue"].id,
        "year": 2023,
        "authority_id": authority.id,
        "value": Decimal(6000),
        "basis": "",
    }
    services.save_target(target_id=None, data=data, user=city["user"])

    [target] = json.loads(staff_client.get(url).content)["indicators"][0]["targets"]
    assert target["percent"].startswith("50")  # 3.000 of 6.000
    assert "50%" in staff_client.get(PAGE.format(unit="ward-a")).content.decode()


def test_a_saved_written_section_shows_at_once(city, staff_client):
    assert "Thu vượt kế hoạch" not in staff_client.get(PAGE.format(unit="ward-a")).content.decode()
    save_period_report(
        unit=city["ward-a"],
        period=parse_period("9m", 2023),
        entry=ReportEntry(results="Thu vượt kế hoạch"),
        user=city["user"],
    )
    assert "Thu vượt kế hoạch" in staff_client.get(PAGE.format(unit="ward-a")).content.decode()
