"""The demo shared through savepoints (tests/conftest.py): each test sees exactly what it asked for.

The tests run in file order; each pair writes in one test and reads in the next.
"""

from __future__ import annotations

import pytest

from indicators.models import Figure, Unit

from .conftest import DEMO


def test_a_test_may_delete_the_demos_figures(demo):
    assert Figure.objects.filter(unit=demo).exists()
    Figure.objects.all().delete()
    Unit.objects.filter(code="chanh-lo").update(name="Đổi tên")
    assert not Figure.objects.exists()


def test_the_next_test_sees_the_demo_whole_again(demo):
    assert demo.name == "Phường Chánh Lộ"
    assert Figure.objects.filter(unit=demo).exists()
    assert DEMO.loaded


def test_a_test_without_the_demo_sees_an_empty_database(db):
    assert not DEMO.loaded
    assert Unit.objects.count() == 0


def test_the_demo_comes_back_for_the_next_test_that_asks(demo):
    assert DEMO.loaded
    assert Unit.objects.filter(code="chanh-lo").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_starts_empty_and_gets_its_own_committed_demo(request):
    assert not DEMO.loaded
    assert Unit.objects.count() == 0
    demo = request.getfixturevalue("demo")
    assert demo.code == "chanh-lo" and not DEMO.loaded
