"""The period page is kept whole for one reader (header included): the same reader gets the same
page without rendering it, every other reader their own header, a write a new page, and the
forms of a kept page still pass the CSRF check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from indicators.entry import services
from indicators.models import Figure, RoleGrant

PAGE = "/units/city/2023/9m/"


@pytest.fixture
def city(tree, make_indicator):
    revenue = make_indicator("revenue", "sum", is_main=True)
    Figure.objects.create(
        unit=tree["group-a1"], indicator=revenue, year=2023, month=3, value=Decimal(1000)
    )
    return {**tree, "revenue": revenue}


def reader(name: str, first_name: str, city) -> Client:
    user = get_user_model().objects.create_user(name, password="pw-reader-1", first_name=first_name)
    services.grant_role(user=user, unit=city["city"], role=RoleGrant.Role.VIEWER)  # and staff
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def token_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_reader_gets_the_kept_page_and_another_reader_their_own_header(city, monkeypatch):
    lan, minh = reader("lan", "Lan", city), reader("minh", "Minh", city)
    first = lan.get(PAGE)  # no CSRF cookie yet: rendered, and the cookie set
    assert "csrftoken" in first.cookies
    rendered = []
    from indicators.reporting import views

    real = views.render
    monkeypatch.setattr(views, "render", lambda *a, **k: rendered.append(1) or real(*a, **k))
    kept = lan.get(PAGE).content.decode()  # the cookie sent: rendered once more, then kept
    again = lan.get(PAGE).content.decode()
    assert again == kept and len(rendered) == 1
    assert "Lan" in again and "1.000" in again

    other = minh.get(PAGE).content.decode()
    assert "Minh" in other and "Lan" not in other

    # The logout form of the kept page still passes the CSRF check.
    response = lan.post("/admin/logout/", {"csrfmiddlewaretoken": token_of(again)})
    assert response.status_code in (200, 302)
    assert lan.get(PAGE).status_code == 302  # logged out: to the login page


def test_a_write_gives_the_reader_a_new_page(city):
    lan = reader("lan", "Lan", city)
    lan.get(PAGE)
    assert "1.000" in lan.get(PAGE).content.decode()
    figure = Figure.objects.get(unit=city["group-a1"])
    figure.value = Decimal(2500)
    figure.save()
    page = lan.get(PAGE).content.decode()
    assert "2.500" in page and "1.000" not in page
