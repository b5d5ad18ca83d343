"""Validity and lineage of units: the pure rules, the service and the admin."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indicators.core import lineage_rules
from indicators.entry import services
from indicators.entry.services import FigureEntry
from indicators.models import Predecessor, Unit

D = Decimal


def test_a_share_takes_a_dot_and_the_list_takes_commas():
    assert lineage_rules.parse_predecessors("a, b:0.4") == [("a", D(1)), ("b", D("0.4"))]
    assert lineage_rules.parse_predecessors("") == []
    assert lineage_rules.format_predecessors([("a", D(1)), ("b", D("0.4000"))]) == "a, b:0.4"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a:0", "lớn hơn 0"),
        ("a:1.5", "không quá 1"),
        ("a:x", "không phải là số"),
        ("a, a", "hai lần"),
    ],
)
def test_a_bad_predecessor_list_is_refused_in_vietnamese(text, words):
    with pytest.raises(ValueError, match=words):
        lineage_rules.parse_predecessors(text)


def test_months_split_at_the_month_the_unit_was_formed():
    formed = date(2025, 7, 1)
    assert lineage_rules.own_months(2025, range(1, 13), formed) == (range(1, 7), range(7, 13))
    assert lineage_rules.own_months(2024, range(1, 10), formed) == (range(1, 10), range(10, 10))
    assert lineage_rules.own_months(2026, range(1, 10), formed) == (range(1, 1), range(1, 10))
    assert lineage_rules.own_months(2025, range(7, 10), formed) == (range(7, 7), range(7, 10))
    assert lineage_rules.own_months(2025, range(1, 4), formed) == (range(1, 4), range(4, 4))


def test_a_month_is_in_validity_when_the_unit_existed_on_one_of_its_days():
    assert lineage_rules.month_in_validity(2025, 6, None, date(2025, 6, 30))
    assert not lineage_rules.month_in_validity(2025, 7, None, date(2025, 6, 30))
    assert not lineage_rules.month_in_validity(2025, 6, date(2025, 7, 1), None)
    assert lineage_rules.month_in_validity(2025, 7, date(2025, 7, 15), None)


def test_cycles_and_overcommitted_shares_are_found():
    assert lineage_rules.cycle_members({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == {
        "a",
        "b",
        "c",
    }
    assert lineage_rules.overcommitted(
        [("x", "old", D("0.6")), ("y", "old", D("0.5")), ("x", "b", D(1))]
    ) == {"old": D("1.1")}


@pytest.fixture
def reform(db):
    province = Unit.objects.create(code="prov", name="Tỉnh", level="province")
    olds = [
        Unit.objects.create(
            code=f"old-{n}",
            name=f"Phường cũ {n}",
            level="ward",
            parent=province,
            valid_until=date(2025, 6, 30),
        )
        for n in (1, 2, 3)
    ]
    new = Unit.objects.create(
        code="new", name="Phường mới", level="ward", parent=province, valid_from=date(2025, 7, 1)
    )
    return {"province": province, "olds": olds, "new": new}


def test_the_service_refuses_shares_of_one_predecessor_above_one(reform):
    old, new = reform["olds"][0], reform["new"]
    other = Unit.objects.create(code="other", name="Phường khác", level="ward")
    services.save_predecessors(unit=other, links={old.pk: D("0.6")}, user=None)
    with pytest.raises(ValidationError, match="vượt quá 1"):
        services.save_predecessors(unit=new, links={old.pk: D("0.5")}, user=None)
    assert not Predecessor.objects.filter(unit=new).exists()


def test_the_service_refuses_a_lineage_loop(reform):
    old, new = reform["olds"][0], reform["new"]
    services.save_predecessors(unit=new, links={old.pk: D(1)}, user=None)
    with pytest.raises(ValidationError, match="vòng"):
        services.save_predecessors(unit=old, links={new.pk: D(1)}, user=None)
    assert not Predecessor.objects.filter(unit=old).exists()


def test_a_unit_valid_until_before_it_is_valid_from_is_refused(reform):
    new = reform["new"]
    data = {name: getattr(new, name) for name in services.UNIT_FIELDS}
    data["valid_until"] = date(2025, 1, 1)
    with pytest.raises(ValidationError, match="không được trước"):
        services.save_unit(unit_id=new.pk, data=data, user=None)
    new.refresh_from_db()
    assert new.valid_until is None


def test_no_figure_is_entered_for_a_month_the_unit_did_not_exist(reform, make_indicator):
    revenue = make_indicator("rev", "sum")
    with pytest.raises(ValidationError, match="không tồn tại trong tháng 6/2025"):
        services.save_month(
            unit=reform["new"],
            year=2025,
            month=6,
            entries=[FigureEntry(revenue, value=D(5))],
        )
    assert not reform["new"].figures.exists()


def test_the_admin_shows_lineage_both_ways(admin_client, reform):
    new, old = reform["new"], reform["olds"][0]
    services.save_predecessors(unit=new, links={old.pk: D("0.4")}, user=None)
    page = admin_client.get(reverse("admin:indicators_unit_change", args=[new.pk]))
    assert "hình thành từ (sáp nhập, chia tách, đổi tên)" in page.content.decode().lower()
    page = admin_client.get(reverse("admin:indicators_unit_change", args=[old.pk]))
    assert "Phường mới (0.4)" in page.content.decode()


def test_the_admin_saves_the_formed_from_list_through_the_service(admin_client, reform):
    new, olds = reform["new"], reform["olds"]
    prefix = "predecessor_links"
    post = {
        "code": new.code,
        "name": new.name,
        "level": "ward",
        "parent": new.parent_id,
        "order": 0,
        "valid_from": "01/07/2025",
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-predecessor": olds[0].pk,
        f"{prefix}-0-share": "1",
        f"{prefix}-1-predecessor": olds[1].pk,
        f"{prefix}-1-share": "0.5",
    }
    response = admin_client.post(reverse("admin:indicators_unit_change", args=[new.pk]), post)
    assert response.status_code == 302
    assert dict(new.predecessor_links.values_list("predecessor__code", "share")) == {
        "old-1": D(1),
        "old-2": D("0.5"),
    }
