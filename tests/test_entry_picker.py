"""Finding the unit: the month grid's picker is the tree of the user's units with a search box,
a user with one unit goes straight to its grid, and the top bar's "Nhập liệu" opens it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.core.text import search_key
from indicators.entry.forms import picker_units
from indicators.models import Unit

ENTER = reverse("admin:indicators_figure_enter")


@pytest.fixture
def two_wards(tree):
    """The three-level tree with a "Tổ 1" in each ward: only the ward tells them apart."""
    tree["group-b1"] = Unit.objects.create(
        code="group-b1", name="Tổ 1", level="group", parent=tree["ward-b"]
    )
    return tree


def this_month() -> dict:
    today = timezone.localdate()
    return {"year": today.year, "month": today.month}


def grid_link(code: str, *, year: int, month: int) -> str:
    return f'href="{ENTER}?unit={code}&amp;year={year}&amp;month={month}"'


def test_search_keys_drop_marks_case_and_extra_spaces():
    assert search_key("Tổ dân phố  1") == "to dan pho 1"
    assert search_key("Phường ĐỒNG Tâm") == "phuong dong tam"


def test_the_picker_lists_the_tree_with_each_units_parent(two_wards):
    ids = {u.id for u in two_wards.values()}
    listed = [(p.label, p.depth) for p in picker_units(ids)]
    assert listed == [
        ("Thành phố", 0),
        ("Thành phố › Phường A", 1),
        ("Phường A › Tổ 1", 2),
        ("Phường A › Tổ 2", 2),
        ("Thành phố › Phường B", 1),
        ("Phường B › Tổ 1", 2),
    ]


def test_the_picker_shows_only_the_units_the_user_may_enter(two_wards, grant, client):
    client.force_login(grant("clerk", "data_entry", two_wards["ward-a"]))
    response = client.get(ENTER)
    assert response.status_code == 200
    html = response.content.decode()
    month = this_month()
    assert "Thành phố › Phường A" in html
    assert grid_link("group-a1", **month) in html
    assert "Phường A › Tổ 1" in html and "Phường A › Tổ 2" in html
    assert "Phường B" not in html  # not its ward nor its "Tổ 1", not even in the select
    assert "group-b1" not in html


def test_the_search_box_filters_without_marks_as_a_plain_get(two_wards, staff_client):
    response = staff_client.get(ENTER, {"q": "to 1"})
    html = response.content.decode()
    assert [c["unit"].label for c in response.context["choices"]] == [
        "Phường A › Tổ 1",
        "Phường B › Tổ 1",
    ]
    assert 'value="to 1"' in html
    assert grid_link("group-b1", **this_month()) in html
    nothing = staff_client.get(ENTER, {"q": "phường z"})
    assert nothing.context["choices"] == []
    assert "Không tìm thấy đơn vị nào có tên như vậy." in nothing.content.decode()


def test_the_picker_links_open_the_month_asked_for(two_wards, staff_client):
    html = staff_client.get(ENTER, {"year": "2023", "month": "9"}).content.decode()
    assert grid_link("ward-a", year=2023, month=9) in html
    wrong = staff_client.get(ENTER, {"year": "abc", "month": "13"}).content.decode()
    assert grid_link("ward-a", **this_month()) in wrong


def test_a_user_with_one_unit_goes_straight_to_its_grid(two_wards, grant, client):
    client.force_login(grant("to-truong", "data_entry", two_wards["group-b1"]))
    response = client.get(ENTER)
    month = this_month()
    assert response.status_code == 302
    assert (
        response["Location"] == f"{ENTER}?unit=group-b1&year={month['year']}&month={month['month']}"
    )
    asked = client.get(ENTER, {"year": "2023", "month": "9"})
    assert asked["Location"] == f"{ENTER}?unit=group-b1&year=2023&month=9"


def test_the_grids_unit_select_names_each_unit_with_its_ward(two_wards, staff_client):
    html = staff_client.get(ENTER, {"unit": "group-b1", "year": "2023", "month": "9"}).content
    html = html.decode()
    assert '<option value="group-b1" selected>Phường B › Tổ 1</option>' in html
    assert '<option value="group-a1">Phường A › Tổ 1</option>' in html


def test_a_unit_outside_the_grant_is_refused_like_one_that_does_not_exist(two_wards, grant, client):
    client.force_login(grant("clerk", "data_entry", two_wards["ward-a"]))
    month = {"year": "2023", "month": "9"}
    outside = client.get(ENTER, {"unit": "group-b1", **month})
    missing = client.get(ENTER, {"unit": "khong-co", **month})
    assert outside.status_code == missing.status_code == 200
    assert outside.context["grid"] is None and missing.context["grid"] is None
    assert "Không có đơn vị này." in outside.content.decode()
    assert page_text(outside).replace("group-b1", "khong-co") == page_text(missing)


def page_text(response) -> str:
    """The page without its CSRF token, which differs on every response."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_top_bars_entry_link_opens_the_grid(demo, staff_client):
    html = staff_client.get(reverse("home"), follow=True).content.decode()
    assert f'<a class="header-link" href="{ENTER}">Nhập liệu</a>' in html
