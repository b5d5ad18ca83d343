"""Who may do what: roles granted on a unit hold on that unit and on every unit under it.

| action    | roles that allow it            | what it covers                                   |
| --------- | ------------------------------ | ------------------------------------------------ |
| ``view``    | every role                     | pages, the API, exports, the admin's lists       |
| ``enter``   | data entry                     | figures (grid, admin, import), written sections  |
| ``submit``  | data entry, approver           | send a month for approval                        |
| ``approve`` | approver                       | approve a submitted month                        |
| ``reopen``  | approver                       | reopen a submitted or approved month, with reason |
| ``manage``  | city administrator             | units, targets; catalogue and authorities        |

A superuser may do everything everywhere. The catalogue (areas, indicators) and the
authorities are shared by every unit, so any city administrator manages them.

The rule itself is :func:`allowed_units`, a pure function over (unit, role) grants and the
unit tree; the rest reads the grants from the database and applies the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from indicators import tree
from indicators.models import RoleGrant, Unit
from indicators.plain_reads import plain_rows

Role = RoleGrant.Role


class Action(StrEnum):
    """What a user asks to do on a unit; each action is allowed by the roles in the table above."""

    VIEW = "view"
    ENTER = "enter"
    SUBMIT = "submit"
    APPROVE = "approve"
    REOPEN = "reopen"
    MANAGE = "manage"


ROLES_FOR_ACTION: dict[Action, frozenset[str]] = {
    Action.VIEW: frozenset(Role.values),
    Action.ENTER: frozenset({Role.DATA_ENTRY}),
    Action.SUBMIT: frozenset({Role.DATA_ENTRY, Role.APPROVER}),
    Action.APPROVE: frozenset({Role.APPROVER}),
    Action.REOPEN: frozenset({Role.APPROVER}),
    Action.MANAGE: frozenset({Role.CITY_ADMIN}),
}
ACTIONS = tuple(Action)


def allowed_units(
    grants: Iterable[tuple[int, str]], members_of: Mapping[int, Iterable[int]], action: Action
) -> frozenset[int]:
    """The ids of the units on which ``action`` is allowed.

    ``grants`` are (unit id, role) pairs; ``members_of`` maps a unit id to the ids of itself
    and every unit under it. A grant on a unit covers its whole subtree.
    """
    roles = ROLES_FOR_ACTION[action]
    granted = list(dict.fromkeys(unit_id for unit_id, role in grants if role in roles))
    if len(granted) == 1:  # the common case: the tree's own set, not a copy of 38.000 ids
        return frozenset(members_of.get(granted[0], (granted[0],)))
    allowed: set[int] = set()
    for unit_id in granted:
        allowed.update(members_of.get(unit_id, (unit_id,)))
    return frozenset(allowed)


def _is_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _grants(user) -> list[tuple[int, str]]:
    """The user's (unit id, role) pairs, read once per user object (with what
    :func:`unit_ids_for` keeps, and dropped with it by :func:`forget`)."""
    if not (user.is_authenticated and user.is_active):
        return []
    cache = getattr(user, "_unit_ids_by_action", None)
    if cache is None:
        cache = user._unit_ids_by_action = {}
    if "grants" not in cache:
        cache["grants"] = _stored_grants(user.pk)
    return cache["grants"]


def _stored_grants(user_id: int) -> list[tuple[int, str]]:
    """A plain SELECT: on every page, compiling it through the ORM cost more than the rest of
    the rights check."""
    rows = plain_rows(RoleGrant, ("unit", "role"), order_by="id", user=user_id)
    return [tuple(row) for row in rows]


def unit_ids_for(user, action: Action) -> frozenset[int] | None:
    """The ids of the units where ``user`` may do ``action``; None means every unit.

    Worked out once per user object (in a view: once per request, as ``request.user`` is
    loaded afresh for each) and kept on it; :func:`forget` drops it after a grant changes.
    """
    if action not in ROLES_FOR_ACTION:
        raise ValueError(f"unknown action {action!r}")
    if _is_superuser(user):
        return None
    cache = getattr(user, "_unit_ids_by_action", None)
    if cache is None:
        cache = {}
        user._unit_ids_by_action = cache
    if action not in cache:
        cache[action] = _unit_ids_for(user, action)
    return cache[action]


def forget(user) -> None:
    """Drop what :func:`unit_ids_for` kept on ``user`` (after its grants changed)."""
    target = getattr(user, "_wrapped", user)  # request.user is a lazy wrapper
    if hasattr(target, "__dict__"):
        target.__dict__.pop("_unit_ids_by_action", None)


def _unit_ids_for(user, action: Action) -> frozenset[int]:
    roles = ROLES_FOR_ACTION[action]
    grants = [(unit_id, role) for unit_id, role in _grants(user) if role in roles]
    if not grants:
        return frozenset()
    units = tree.current()
    members_of = {unit_id: units.subtree_set(unit_id) for unit_id, _role in grants}
    return allowed_units(grants, members_of, action)


def units_for(user, action: Action) -> QuerySet[Unit]:
    """The units where ``user`` may do ``action``."""
    ids = unit_ids_for(user, action)
    return Unit.objects.all() if ids is None else Unit.objects.filter(id__in=ids)


def visible_units(user) -> QuerySet[Unit]:
    """The units whose data ``user`` may read: pages, API, exports, admin lists."""
    return units_for(user, Action.VIEW)


def visible_unit(user, code: str) -> Unit | None:
    """The unit with ``code`` if ``user`` may read its data; None for a unit outside the
    user's grants exactly as for a code that does not exist. No query beyond the tree's."""
    unit = tree.current().find(code)
    return unit if unit is not None and can(user, Action.VIEW, unit) else None


def can(user, action: Action, unit: Unit | int) -> bool:
    ids = unit_ids_for(user, action)
    return ids is None or (unit if isinstance(unit, int) else unit.pk) in ids


def has_role_anywhere(user, action: Action = Action.VIEW) -> bool:
    """True when ``user`` may do ``action`` on at least one unit (the admin's menus)."""
    ids = unit_ids_for(user, action)
    return ids is None or bool(ids)


def refusal(action: Action, unit: Unit) -> str:
    """The Vietnamese sentence that tells a user they may not do ``action`` on ``unit``."""
    messages = {
        Action.VIEW: _("Bạn không có quyền xem số liệu của %(unit)s."),
        Action.ENTER: _("Bạn không có quyền nhập, sửa số liệu của %(unit)s."),
        Action.SUBMIT: _("Bạn không có quyền gửi duyệt số liệu của %(unit)s."),
        Action.APPROVE: _("Bạn không có quyền phê duyệt số liệu của %(unit)s."),
        Action.REOPEN: _("Bạn không có quyền mở lại số liệu đã gửi duyệt của %(unit)s."),
        Action.MANAGE: _("Bạn không có quyền quản trị đơn vị, chỉ tiêu của %(unit)s."),
    }
    return messages[action] % {"unit": unit.name}


def require(user, action: Action, unit: Unit) -> None:
    """Raise ``PermissionDenied`` (with a Vietnamese message) unless ``user`` may do it."""
    if not can(user, action, unit):
        raise PermissionDenied(refusal(action, unit))


def restrict(
    queryset: QuerySet, user, action: Action = Action.VIEW, field: str = "unit"
) -> QuerySet:
    """``queryset`` limited to rows whose ``field`` (a unit) is one where ``action`` is allowed."""
    ids = unit_ids_for(user, action)
    if ids is None:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(**{f"{field}__in": ids})
