"""The unit tree: read once, then asked; nobody walks ``Unit.parent`` by hand.

:func:`current` gives the tree of the current request or command, kept until a unit or a
lineage link is saved or deleted (:func:`forget`, called by the signals in
``indicators.freshness``, which also give the tree a new version) or the request ends
(:class:`indicators.middleware.UnitTreeMiddleware`). Every walk guards against a loop, so a
parent loop that slipped into the table (an old row, a raw SQL edit) ends a walk instead of
hanging it, and :meth:`UnitTree.would_loop` is what every path that sets a parent
asks before it saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import freshness
from indicators.core.lineage_rules import overlaps
from indicators.models import Predecessor, Unit


@dataclass
class UnitTree:
    """Every unit, by id, with its parent and its children (in the units' own order)."""

    units: dict[int, Unit]
    parent_of: dict[int, int | None]
    children_of: dict[int | None, list[int]] = field(default_factory=dict)
    by_code: dict[str, Unit] = field(default_factory=dict)
    # Lineage: unit id → [(predecessor id, share)] in the links' order, and the reverse.
    predecessors_of: dict[int, list[tuple[int, Decimal]]] = field(default_factory=dict)
    successors_of: dict[int, list[int]] = field(default_factory=dict)
    # Walks already made: the tree is never changed once read (a save reads a new one), and
    # it is kept across requests, so a grant on a province is not walked on every page.
    _subtrees: dict[int, frozenset[int]] = field(default_factory=dict, repr=False, compare=False)
    _subtree_lists: dict[int, tuple[int, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _walk_order: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls) -> UnitTree:
        """Read the whole unit table (one query), in ``Unit.Meta.ordering``, and the lineage
        links (one more)."""
        links = Predecessor.objects.values_list("unit_id", "predecessor_id", "share")
        return cls.of(Unit.objects.all(), links=links)

    @classmethod
    def of(cls, units: Iterable[Unit], links: Iterable[tuple[int, int, Decimal]] = ()) -> UnitTree:
        """The tree of ``units``; each one's ``parent`` is then the tree's own object (no query)."""
        predecessors_of: dict[int, list[tuple[int, Decimal]]] = {}
        successors_of: dict[int, list[int]] = {}
        for unit_id, predecessor_id, share in links:
            predecessors_of.setdefault(unit_id, []).append((predecessor_id, share))
            successors_of.setdefault(predecessor_id, []).append(unit_id)
        units = list(units)
        by_id = {unit.id: unit for unit in units}
        children_of: dict[int | None, list[int]] = {}
        for unit in units:
            children_of.setdefault(unit.parent_id, []).append(unit.id)
            if unit.parent_id in by_id:
                Unit.parent.field.set_cached_value(unit, by_id[unit.parent_id])
        return cls(
            units=by_id,
            parent_of={unit.id: unit.parent_id for unit in units},
            children_of=children_of,
            by_code={unit.code: unit for unit in units},
            predecessors_of=predecessors_of,
            successors_of=successors_of,
        )

    def __contains__(self, unit_id: int) -> bool:
        return unit_id in self.units

    def get(self, unit_id: int) -> Unit:
        return self.units[unit_id]

    def find(self, code: str) -> Unit | None:
        """The unit with ``code``, None when there is none."""
        return self.by_code.get(code)

    def children(self, unit_id: int) -> list[Unit]:
        """The units directly under ``unit_id``, in their order."""
        return [self.units[child] for child in self.children_of.get(unit_id, [])]

    def roots(self) -> list[Unit]:
        return [self.units[root] for root in self.children_of.get(None, [])]

    def subtree_ids(self, unit_id: int) -> list[int]:
        """``unit_id`` and every unit under it at any depth, parents before their children."""
        found = self._subtree_lists.get(unit_id)
        if found is None:
            found = self._subtree_lists[unit_id] = tuple(self._below(unit_id, lambda _unit: True))
        return list(found)

    def subtree_set(self, unit_id: int) -> frozenset[int]:
        """:meth:`subtree_ids` as a set, made once per tree."""
        found = self._subtrees.get(unit_id)
        if found is None:
            found = self._subtrees[unit_id] = frozenset(self.subtree_ids(unit_id))
        return found

    def subtree_during(self, unit_id: int, first_day: date, last_day: date) -> list[int]:
        """:meth:`subtree_ids` without the units that did not exist on any day of
        ``first_day``–``last_day``, nor the units under them (a group of a ward that had
        ended went with it)."""
        return self._below(
            unit_id, lambda unit: overlaps(unit.valid_from, unit.valid_until, first_day, last_day)
        )

    def _below(self, unit_id: int, keep) -> list[int]:
        """``unit_id`` and the units under it that ``keep`` keeps, with the units under each
        kept one: a breadth-first walk, loop-safe."""
        found = [unit_id]
        seen = {unit_id}
        for current in found:  # grows while iterating
            for child in self.children_of.get(current, []):
                if child not in seen and keep(self.units[child]):
                    seen.add(child)
                    found.append(child)
        return found

    def lifetime(self, unit_id: int) -> tuple[date | None, date | None]:
        """The days ``unit_id`` existed with every unit above it (a group lasts no longer
        than its ward): the latest ``valid_from`` and the earliest ``valid_until`` of its
        chain, None where none is set."""
        chain = [self.units[unit] for unit in self.chain_ids(unit_id)]
        starts = [unit.valid_from for unit in chain if unit.valid_from]
        ends = [unit.valid_until for unit in chain if unit.valid_until]
        return (max(starts) if starts else None, min(ends) if ends else None)

    def subtree(self, unit_id: int) -> list[Unit]:
        return [self.units[unit] for unit in self.subtree_ids(unit_id)]

    def chain_ids(self, unit_id: int) -> list[int]:
        """``unit_id`` and the ids of every unit above it, nearest first (loop-safe)."""
        chain = [unit_id]
        seen = {unit_id}
        while (parent := self.parent_of.get(chain[-1])) is not None and parent not in seen:
            seen.add(parent)
            chain.append(parent)
        return chain

    def ancestor_ids(self, unit_id: int) -> list[int]:
        """The ids of the units above ``unit_id``, from the root down."""
        return list(reversed(self.chain_ids(unit_id)[1:]))

    def ancestors(self, unit_id: int) -> list[Unit]:
        """The units above ``unit_id``, from the root down."""
        return [self.units[unit] for unit in self.ancestor_ids(unit_id)]

    def depth(self, unit_id: int) -> int:
        return len(self.chain_ids(unit_id)) - 1

    def parents_first(self, unit_ids: Iterable[int]) -> list[int]:
        """``unit_ids`` ordered so that a unit's parent (when among them) comes before it."""
        wanted = {unit: number for number, unit in enumerate(dict.fromkeys(unit_ids))}
        return sorted(wanted, key=lambda unit: (self.depth(unit), wanted[unit]))

    def existing(self, unit_ids: Iterable[int], first_day: date, last_day: date) -> list[int]:
        """The units among ``unit_ids`` that existed on some day of ``first_day``–``last_day``
        (inclusive; a unit without dates always existed), in the given order."""
        return [
            unit_id
            for unit_id in unit_ids
            if overlaps(
                self.units[unit_id].valid_from, self.units[unit_id].valid_until, first_day, last_day
            )
        ]

    def would_loop(self, unit_id: int | None, parent_id: int | None) -> bool:
        """Would making ``parent_id`` the parent of ``unit_id`` put the unit under itself?

        A unit not saved yet (``unit_id`` None) has nothing under it and cannot make a loop.
        """
        if unit_id is None or parent_id is None:
            return False
        return unit_id in self.chain_ids(parent_id)

    def walk_order(self) -> dict[int, int]:
        """unit id → its place in :meth:`walk` (depth-first), worked out once per tree."""
        if not self._walk_order and self.units:
            self._walk_order.update(
                (unit.id, index) for index, (unit, _depth) in enumerate(self.walk())
            )
        return self._walk_order

    def walk(self) -> Iterator[tuple[Unit, int]]:
        """Every unit reachable from a root with its depth, depth-first, in the units' order."""
        seen: set[int] = set()
        stack = [(root, 0) for root in reversed(self.children_of.get(None, []))]
        while stack:
            unit_id, depth = stack.pop()
            if unit_id in seen:
                continue
            seen.add(unit_id)
            yield self.units[unit_id], depth
            children = self.children_of.get(unit_id, [])
            stack.extend((child, depth + 1) for child in reversed(children))


_current: ContextVar[UnitTree | None] = ContextVar("unit_tree", default=None)
# The last tree this process read, with the version it was read at. Only a shortcut: the
# version is read from the database on every request, so a tree another process changed is
# never used (indicators.freshness).
_kept: tuple[tuple, UnitTree] | None = None


def current() -> UnitTree:
    """The tree of this request or command: read on first use, then kept until :func:`forget`.

    "Read" is one query for the tree's version; the units themselves come from this process's
    last tree or the shared cache when the version is the same, from the database otherwise.
    """
    tree = _current.get()
    if tree is None:
        tree = _shared()
        _current.set(tree)
    return tree


def _shared() -> UnitTree:
    global _kept
    version = freshness.versions([freshness.TREE])
    if _kept is not None and _kept[0] == version:
        return _kept[1]
    tree = freshness.remember(freshness.key("unit-tree", version), UnitTree.load)
    _kept = (version, tree)
    return tree


def forget() -> None:
    """Drop the kept tree: the next :func:`current` reads the version (and maybe the table)."""
    _current.set(None)


def forget_kept() -> None:
    """Drop this process's last tree too (tests that clear the cache between them)."""
    global _kept
    _kept = None
    forget()
