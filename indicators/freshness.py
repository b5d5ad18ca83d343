"""Caches that never serve a stale number: every entry is keyed on versions read from the database.

Each part of the data has a version (a :class:`~indicators.models.Freshness` row): ``tree``
(units and lineage), ``sums`` (what the totals kept per unit depend on besides their rows:
see :data:`SUMS`), ``catalogue`` (areas, indicators, authorities),
``unit:<id>`` (any row
of the unit or of a unit under it) and ``own:<id>`` (the unit's own rows: an approval of a
ward's month also locks and relabels its groups). A write replaces the versions it touches
with a new random token *in its own transaction*, right after the row is written (the model
signals at the bottom; bulk writes call :func:`units_changed` themselves). A reader reads the
versions first (one query) and builds its cache key from them, so:

- after a commit every reader reads the new token and never looks up an entry made before it;
- a rolled-back token is never reused (it is random), so an entry made under it is dead;
- an entry made while a writer was still busy holds data at least as new as its key.

Any cache backend is then correct: Django's ``LocMemCache`` per process (the default, no
dependency) or Redis shared by every replica (``REDIS_URL``). A cache that fails (Redis
down) only makes the request compute everything again.

A write at unit X changes ``unit:`` of X, of every unit above it and of every unit formed from
one of those (their figures over the new territory count X's; lineage.py), and ``own:X``.
A unit's summary depends on ``unit:`` of itself and ``own:`` of itself and the units above.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from indicators.models import (
    Area,
    Authority,
    Figure,
    Freshness,
    Indicator,
    MonthApproval,
    PeriodReport,
    Predecessor,
    Target,
    Unit,
)
from indicators.plain_reads import plain_rows

log = logging.getLogger(__name__)

EVERYTHING = "all"  # bumped by bulk loaders that write around the models (demo, benchmark)
TREE = "tree"
# What the totals kept per unit (kept_per_unit) are made of besides each subtree's rows: which
# unit is under which with its level, and each indicator's kind and entry levels. A unit saved
# with another parent or level changes ``unit:`` of the chains above its old and new places
# instead; ``sums`` changes for bulk writes of units (their old places unknown) and for an
# indicator given another kind or entry levels. Renaming a unit or an indicator changes
# neither, so no province goes back to reading all its figures for it.
SUMS = "sums"
CATALOGUE = "catalogue"
TIMEOUT = 24 * 3600  # an entry is never stale; the timeout only frees memory of dead keys
_MISSING = object()

T = TypeVar("T")


def unit_scope(unit_id: int) -> str:
    return f"unit:{unit_id}"


def own_scope(unit_id: int) -> str:
    return f"own:{unit_id}"


# --- Reading and changing versions ---------------------------------------------------------


def tokens(scopes: Iterable[str]) -> dict[str, str]:
    """The current token of each scope and of ``all`` (``""`` for one never changed); one
    query."""
    wanted = sorted(set(scopes) | {EVERYTHING})
    found = dict(_stored_tokens(wanted))
    return {scope: found.get(scope, "") for scope in wanted}


def _stored_tokens(scopes: list[str]) -> list[tuple[str, str]]:
    """The stored (scope, token) rows of ``scopes`` (a plain SELECT: every page reads
    versions twice)."""
    return plain_rows(Freshness, ("scope", "token"), scope__in=scopes)


def versions(scopes: Iterable[str], found: dict[str, str] | None = None) -> tuple:
    """The tokens of ``scopes`` (and ``all``) as a sorted tuple, for a cache key; from
    ``found`` (a :func:`tokens` answer that holds them) or one query."""
    scopes = set(scopes) | {EVERYTHING}
    found = tokens(scopes) if found is None else found
    return tuple(sorted((scope, found[scope]) for scope in scopes))


def bump(scopes: Iterable[str]) -> None:
    """Give ``scopes`` a new token, in the caller's transaction (one upsert, in scope order so
    that two writers never lock the rows in opposite orders)."""
    token = secrets.token_hex(16)
    rows = [Freshness(scope=scope, token=token) for scope in sorted(set(scopes))]
    if rows:
        Freshness.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["scope"], update_fields=["token"]
        )


def affected_scopes(unit_ids: Iterable[int]) -> set[str]:
    """The scopes a write at ``unit_ids`` changes (see the module's docstring)."""
    from indicators import tree  # tree.py reads its own version through this module

    units = tree.current()
    unit_ids = set(unit_ids)
    holders: set[int] = set()
    for unit_id in unit_ids:
        holders.update(units.chain_ids(unit_id) if unit_id in units else [unit_id])
    frontier = set(holders)
    while frontier:  # units formed from a holder count its figures: they and their parents
        formed = {s for unit_id in frontier for s in units.successors_of.get(unit_id, ())}
        frontier = set()
        for successor in formed:
            frontier.update(c for c in units.chain_ids(successor) if c not in holders)
        holders |= frontier
    return {unit_scope(u) for u in holders} | {own_scope(u) for u in unit_ids}


def units_changed(unit_ids: Iterable[int]) -> None:
    """Rows of ``unit_ids`` were written (figures, targets, approvals, written sections)."""
    bump(affected_scopes(unit_ids))


def summary_scopes(unit_ids: Iterable[int]) -> set[str]:
    """The scopes a summary of each of ``unit_ids`` (with the units under it) depends on."""
    from indicators import tree

    units = tree.current()
    scopes = {TREE, CATALOGUE}
    for unit_id in unit_ids:
        scopes.add(unit_scope(unit_id))
        scopes.update(own_scope(holder) for holder in units.chain_ids(unit_id))
    return scopes


# --- The cache -----------------------------------------------------------------------------


def key(name: str, *parts) -> str:
    """A cache key: ``name`` and a digest of ``parts`` (versions, unit, period, language…)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
    return f"{name}:{digest}"


class _RecentEntries:
    """The entries this process read or wrote last, in front of a shared cache (Redis).

    An entry never changes once written: its key holds the versions it was made from. So a
    process may answer from its own copy without asking Redis, and is as correct as Redis.
    Kept pickled (each reader gets its own objects, as from any cache) and only for a shared
    backend: with ``LocMemCache`` the cache is this process's memory already."""

    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def active(self) -> bool:
        return self.size > 0 and not isinstance(caches["default"], LocMemCache)

    def get_many(self, keys: list[str]) -> dict:
        with self.lock:
            found = {key: self.entries[key] for key in keys if key in self.entries}
            for key in found:
                self.entries.move_to_end(key)
        return {key: pickle.loads(value) for key, value in found.items()}

    def set_many(self, values: dict) -> None:
        pickled = {
            key: pickle.dumps(value, pickle.HIGHEST_PROTOCOL) for key, value in values.items()
        }
        with self.lock:
            self.entries.update(pickled)
            for key in pickled:
                self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


# About 256 pages of 200 KB at most, or many more small totals.
recent = _RecentEntries(size=256)


def get_many(keys: Iterable[str]) -> dict:
    keys = list(keys)
    local = recent.active()
    found = recent.get_many(keys) if local else {}
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    try:
        shared = cache.get_many(missing)
    except Exception:  # a cache that fails costs time, never an answer
        log.warning("cache read failed", exc_info=True)
        return found
    if local and shared:
        recent.set_many(shared)
    return found | shared


def set_many(values: dict) -> None:
    if recent.active() and values:
        recent.set_many(values)
    try:
        cache.set_many(values, TIMEOUT)
    except Exception:
        log.warning("cache write failed", exc_info=True)


def remember(cache_key: str, compute: Callable[[], T]) -> T:
    """The value kept under ``cache_key``, or ``compute()`` kept there from now on."""
    found = get_many([cache_key]).get(cache_key, _MISSING)
    if found is not _MISSING:
        return found
    value = compute()
    set_many({cache_key: value})
    return value


def kept_per_unit(
    name: str,
    unit_ids: Iterable[int],
    parts: tuple,
    compute: Callable[[list[int]], dict],
    *,
    variants: Iterable | None = None,
    sums_only: bool = False,
) -> dict[int, object]:
    """unit id → its entry ``name`` (of ``parts``: year, months…), each kept in the cache under
    the version of the unit's subtree (``unit:<id>``), the tree's and the catalogue's;
    ``compute(missing ids)`` makes the entries not kept. One query for the versions and one
    cache read, whatever the number of units: what a unit adds up from its children
    (reporting.selectors, reporting.completeness) is kept per child, so a write recomputes
    only the chain above it.

    With ``variants`` (cutoff months, say) each unit's entry is {variant: value}, each value
    kept under its own key, so that a later call asking for other variants finds the ones it
    shares; ``compute`` then gives every variant of the units it is given. ``sums_only``: the
    entries are sums over each subtree, which depend on :data:`SUMS` and not on the names of
    units or indicators (``tree``, ``catalogue``).
    """
    from indicators import tree

    units_tree = tree.current()
    unit_ids = [u for u in dict.fromkeys(unit_ids) if u in units_tree]
    if not unit_ids:
        return {}
    variants = None if variants is None else sorted(set(variants))
    shared = {SUMS} if sums_only else {TREE, CATALOGUE}
    found = tokens(shared | {unit_scope(u) for u in unit_ids})
    keys = {}
    for unit_id in unit_ids:
        unit_versions = versions(shared | {unit_scope(unit_id)}, found)
        for variant in [None] if variants is None else variants:
            keys[(unit_id, variant)] = key(name, unit_id, parts, variant, unit_versions)
    kept = get_many(keys.values())
    missing = list(dict.fromkeys(unit for (unit, _v), k in keys.items() if k not in kept))
    computed = compute(missing) if missing else {}

    def value(unit_id, variant):
        if unit_id in computed:
            return computed[unit_id] if variants is None else computed[unit_id][variant]
        return kept[keys[(unit_id, variant)]]

    set_many(
        {keys[(unit_id, v)]: value(unit_id, v) for (unit_id, v) in keys if unit_id in computed}
    )
    if variants is None:
        return {unit_id: value(unit_id, None) for unit_id in unit_ids}
    return {unit_id: {v: value(unit_id, v) for v in variants} for unit_id in unit_ids}


# --- What changes which version -----------------------------------------------------------


def rows_changed(model, rows: list) -> None:
    """What the signals below do for a save, for rows written in bulk (which send none).
    ``rows``: the instances written, or the values written (dicts by attribute, ``unit_id``)."""
    if not rows:
        return
    if model in (Unit, Predecessor):
        _tree_changed()
    elif model is Indicator:
        bump([CATALOGUE, SUMS])
    elif model in (Area, Authority):
        bump([CATALOGUE])
    else:
        units_changed({row["unit_id"] if isinstance(row, dict) else row.unit_id for row in rows})


@receiver(post_save, sender=Unit, dispatch_uid="freshness-unit-save")
@receiver(post_delete, sender=Unit, dispatch_uid="freshness-unit-delete")
@receiver(post_save, sender=Predecessor, dispatch_uid="freshness-lineage-save")
@receiver(post_delete, sender=Predecessor, dispatch_uid="freshness-lineage-delete")
def _tree_changed(sender=None, instance=None, created=False, **kwargs) -> None:
    from indicators import tree

    if sender is Unit and instance is not None:
        if _watched_changed(instance, created=created, deleted=kwargs.get("signal") is post_delete):
            # The chains above its old and its new place count other units now.
            before = getattr(instance, "_watched_before", None)
            old_parent = before[0] if before else None
            starts = [u for u in (old_parent, instance.parent_id, instance.pk) if u]
            bump(unit_scope(u) for u in _stored_chains(starts))
    elif sender is not Predecessor:  # units written in bulk: their old places are not known
        bump([SUMS])
    bump([TREE])
    tree.forget()


def _stored_chains(unit_ids: list[int]) -> set[int]:
    """``unit_ids`` and every unit above them, read from the table (a query per level; never
    the kept tree, which must not be loaded from rows this transaction has not committed)."""
    found: set[int] = set()
    frontier = set(unit_ids)
    while frontier - found:
        frontier -= found
        found |= frontier
        frontier = set(
            Unit.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
    return found


# What the totals kept per unit are made of, besides their rows (see SUMS): a change to one of
# these fields is what a save must tell them.
WATCHED_FIELDS = {Unit: ("parent_id", "level"), Indicator: ("kind", "entry_levels")}


@receiver(pre_save, sender=Unit, dispatch_uid="freshness-unit-before")
@receiver(pre_save, sender=Indicator, dispatch_uid="freshness-indicator-before")
def _remember_watched(sender, instance, **kwargs) -> None:
    """The watched fields' stored values before this save (one query; such saves are rare)."""
    if instance.pk is not None:
        instance._watched_before = (
            sender.objects.filter(pk=instance.pk).values_list(*WATCHED_FIELDS[sender]).first()
        )


def _watched_changed(instance, *, created: bool, deleted: bool) -> bool:
    """Whether this save or delete of a unit or indicator changed a watched field."""
    if created or deleted:
        return True
    after = tuple(getattr(instance, name) for name in WATCHED_FIELDS[type(instance)])
    return getattr(instance, "_watched_before", None) != after


@receiver(post_save, sender=Area, dispatch_uid="freshness-area-save")
@receiver(post_delete, sender=Area, dispatch_uid="freshness-area-delete")
@receiver(post_save, sender=Indicator, dispatch_uid="freshness-indicator-save")
@receiver(post_delete, sender=Indicator, dispatch_uid="freshness-indicator-delete")
@receiver(post_save, sender=Authority, dispatch_uid="freshness-authority-save")
@receiver(post_delete, sender=Authority, dispatch_uid="freshness-authority-delete")
def _catalogue_changed(sender=None, instance=None, created=False, **kwargs) -> None:
    deleted = kwargs.get("signal") is post_delete
    if sender is Indicator and _watched_changed(instance, created=created, deleted=deleted):
        bump([CATALOGUE, SUMS])
        return
    bump([CATALOGUE])


@receiver(post_save, sender=Figure, dispatch_uid="freshness-figure-save")
@receiver(post_delete, sender=Figure, dispatch_uid="freshness-figure-delete")
@receiver(post_save, sender=Target, dispatch_uid="freshness-target-save")
@receiver(post_delete, sender=Target, dispatch_uid="freshness-target-delete")
@receiver(post_save, sender=MonthApproval, dispatch_uid="freshness-approval-save")
@receiver(post_delete, sender=MonthApproval, dispatch_uid="freshness-approval-delete")
@receiver(post_save, sender=PeriodReport, dispatch_uid="freshness-report-save")
@receiver(post_delete, sender=PeriodReport, dispatch_uid="freshness-report-delete")
def _unit_rows_changed(instance, **kwargs) -> None:
    units_changed([instance.unit_id])
