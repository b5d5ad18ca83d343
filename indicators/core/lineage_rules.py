"""Validity and lineage of units across a reform (pure rules: no database, no request).

A unit exists from ``valid_from`` to ``valid_until``, both inclusive and both optional. A
month belongs to a unit's own history from the month that holds its ``valid_from``: a ward
formed on 1 July 2025 reports from July 2025, and the months before are computed from its
predecessors. A unit was formed from predecessors, each with a share 0 < share ≤ 1 of it;
one predecessor's shares, over all its successors, add up to 1 at most.

The text form of a lineage (the ``predecessors`` column of the ``units`` sheet) is a list of
codes separated by commas, each optionally with a share: ``chanh-lo, nghia-chanh:0.4``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from indicators.core.dates import written_date

ONE = Decimal(1)
_SHARE = re.compile(r"^\d+(?:[.,]\d+)?$")


def month_days(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def overlaps(
    valid_from: date | None, valid_until: date | None, first_day: date, last_day: date
) -> bool:
    """Did a unit valid from ``valid_from`` to ``valid_until`` exist on some day of
    ``first_day``–``last_day`` (all inclusive)?"""
    return (valid_from is None or valid_from <= last_day) and (
        valid_until is None or valid_until >= first_day
    )


def month_in_validity(
    year: int, month: int, valid_from: date | None, valid_until: date | None
) -> bool:
    """May a unit have a figure for this month: did it exist on some day of it?"""
    return overlaps(valid_from, valid_until, *month_days(year, month))


def own_months(year: int, months: range, valid_from: date | None) -> tuple[range, range]:
    """``months`` of ``year`` split into (before the unit existed, the unit's own months).

    The month holding ``valid_from`` is the unit's own. Both parts are ranges of months 1–12.
    """
    if valid_from is None or (valid_from.year, valid_from.month) <= (year, months.start):
        return range(months.start, months.start), months
    if valid_from.year > year:
        return months, range(months.stop, months.stop)
    split = min(max(valid_from.month, months.start), months.stop)
    return range(months.start, split), range(split, months.stop)


def parse_predecessors(text: str) -> list[tuple[str, Decimal]]:
    """``"a, b:0.4"`` → [("a", 1), ("b", 0.4)]. Raises ValueError with a Vietnamese message.

    A share is a decimal with a dot or a comma; 0 < share ≤ 1. A code may appear once.
    """
    links: list[tuple[str, Decimal]] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        code, _colon, share_text = part.partition(":")
        code, share_text = code.strip(), share_text.strip()
        share = ONE
        if share_text:
            # "0,4" is also a decimal here: the list's commas separate codes, not a share's digits
            if not _SHARE.match(share_text):
                raise ValueError(
                    _("Tỷ lệ “%(share)s” của “%(code)s” không phải là số.")
                    % {"share": share_text, "code": code}
                )
            try:
                share = Decimal(share_text.replace(",", "."))
            except InvalidOperation:  # pragma: no cover - the pattern above rules it out
                raise ValueError(share_text) from None
        problem = share_refusal(code, share)
        if problem:
            raise ValueError(problem)
        if any(code == known for known, _share in links):
            raise ValueError(_("Mã “%(code)s” có hai lần trong danh sách.") % {"code": code})
        links.append((code, share))
    return links


def share_refusal(code: str, share: Decimal) -> str:
    """Why ``share`` is not a share of predecessor ``code`` ("" when it is one)."""
    if not 0 < share <= ONE:
        return _("Tỷ lệ của “%(code)s” phải lớn hơn 0 và không quá 1 (đang là %(share)s).") % {
            "code": code,
            "share": format_share(share),
        }
    return ""


def format_share(share: Decimal) -> str:
    text = format(share.normalize(), "f")
    return text


def format_predecessors(links: Iterable[tuple[str, Decimal]]) -> str:
    """The text form: a whole predecessor by its code alone, a part as ``code:0.4``."""
    return ", ".join(
        code if share == ONE else f"{code}:{format_share(share)}" for code, share in links
    )


def overcommitted(links: Iterable[tuple[str, str, Decimal]]) -> dict[str, Decimal]:
    """The predecessors whose shares, over (unit, predecessor, share) ``links``, exceed 1,
    with their totals."""
    totals: dict[str, Decimal] = {}
    for _unit, predecessor, share in links:
        totals[predecessor] = totals.get(predecessor, Decimal(0)) + share
    return {code: total for code, total in totals.items() if total > ONE}


def cycle_members(predecessors_of: Mapping[str, Sequence[str]]) -> set[str]:
    """The units that are, through their predecessors, their own predecessor."""
    found: set[str] = set()
    for start in predecessors_of:
        stack, seen = list(predecessors_of.get(start, ())), set()
        while stack:
            current = stack.pop()
            if current == start:
                found.add(start)
                break
            if current in seen:
                continue
            seen.add(current)
            stack.extend(predecessors_of.get(current, ()))
    return found


def validity_refusal(valid_from: date | None, valid_until: date | None) -> str:
    """Why this validity is impossible ("" when it is possible)."""
    if valid_from and valid_until and valid_until < valid_from:
        return _(
            "Ngày hết hiệu lực (%(until)s) không được trước ngày bắt đầu hiệu lực (%(start)s)."
        ) % {"until": written_date(valid_until), "start": written_date(valid_from)}
    return ""


def validity_text(valid_from: date | None, valid_until: date | None) -> str:
    """ "từ 01/07/2025", "đến hết 30/06/2025", "từ 01/07/2025 đến hết 31/12/2030"."""
    parts = []
    if valid_from:
        parts.append(_("từ %(day)s") % {"day": written_date(valid_from)})
    if valid_until:
        parts.append(_("đến hết %(day)s") % {"day": written_date(valid_until)})
    return " ".join(parts)
