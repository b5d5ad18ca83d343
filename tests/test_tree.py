"""The unit tree: one query, loop-safe walks, and a tree that follows unit writes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import tree
from indicators.models import Unit
from indicators.tree import UnitTree


def _unit(id_, parent=None, order=0):
    return Unit(
        id=id_, code=f"u{id_}", name=f"Đơn vị {id_}", level="ward", parent_id=parent, order=order
    )


CITY = [_unit(1), _unit(2, 1), _unit(3, 1), _unit(4, 2), _unit(5, 2), _unit(6, 4)]


def test_subtree_lists_parents_before_children():
    t = UnitTree.of(CITY)
    assert t.subtree_ids(2) == [2, 4, 5, 6]
    assert t.subtree_ids(1) == [1, 2, 3, 4, 5, 6]
    assert t.subtree_ids(6) == [6]


def test_ancestors_run_from_the_root_down():
    t = UnitTree.of(CITY)
    assert t.ancestor_ids(6) == [1, 2, 4]
    assert t.chain_ids(6) == [6, 4, 2, 1]
    assert t.ancestor_ids(1) == []


def test_would_loop_refuses_a_parent_under_the_unit_itself():
    t = UnitTree.of(CITY)
    assert t.would_loop(2, 6)  # 6 is under 2
    assert t.would_loop(2, 2)
    assert not t.would_loop(6, 3)
    assert not t.would_loop(None, 2)
    assert not t.would_loop(2, None)


def test_parents_first_orders_by_depth_keeping_the_given_order():
    t = UnitTree.of(CITY)
    assert t.parents_first([6, 3, 4, 1]) == [1, 3, 4, 6]


def test_a_loop_in_stored_rows_ends_every_walk():
    looped = [_unit(1, 3), _unit(2, 1), _unit(3, 2), _unit(4, 3)]
    t = UnitTree.of(looped)
    assert t.chain_ids(4) == [4, 3, 2, 1]
    assert sorted(t.subtree_ids(1)) == [1, 2, 3, 4]
    assert t.would_loop(1, 4)
    assert list(t.walk()) == []  # no root: nothing reachable, and no hang


@pytest.mark.django_db
def test_current_reads_the_table_once_and_forgets_after_a_unit_save():
    tree.forget()
    ward = Unit.objects.create(code="w", name="Phường W", level="ward")
    with CaptureQueriesContext(connection) as queries:
        tree.current()
        tree.current().subtree_ids(ward.id)
    # the tree's version, the unit table, the lineage links
    assert [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries] == [
        '"indicators_freshness"',
        '"indicators_predecessor"',
        '"indicators_unit"',
    ]
    tree.forget()
    with CaptureQueriesContext(connection) as queries:
        tree.current()
    assert len(queries) == 1  # the next request: only the version, the same tree
    group = Unit.objects.create(code="g", name="Tổ 1", level="group", parent=ward)
    assert tree.current().subtree_ids(ward.id) == [ward.id, group.id]


def test_find_gives_the_unit_of_a_code_or_none():
    t = UnitTree.of(CITY)
    assert t.find("u4").id == 4
    assert t.find("u99") is None


@pytest.mark.django_db
def test_a_units_parent_from_the_tree_costs_no_query():
    city = Unit.objects.create(code="c", name="Thành phố", level="city")
    ward = Unit.objects.create(code="w", name="Phường W", level="ward", parent=city)
    Unit.objects.create(code="g", name="Tổ 1", level="group", parent=ward)
    tree.forget()
    with CaptureQueriesContext(connection) as queries:
        group = tree.current().find("g")
        names = [group.parent.name, group.parent.parent.name]
    assert names == ["Phường W", "Thành phố"]
    assert len(queries) == 3  # the tree's own read: its version, its units, its lineage
