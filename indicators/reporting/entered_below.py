"""What a parent's month grid shows for the indicators the units under it enter.

An indicator entered at the residential groups (poor households, say) is not typed again at the
ward: the ward's grid shows the groups' total for the month, read-only, and how many of the
groups that enter it have entered the month ("38 hộ — tổng của 8 tổ dân phố/thôn, 7/8 đã
nhập"). The total adds up the way every report does (:func:`selectors.combine`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

from indicators import tree
from indicators.models import Indicator, Unit
from indicators.reporting.selectors import Aggregate, _grouped_totals, _point_values, combine


@dataclass(frozen=True)
class TotalBelow:
    """One indicator the unit does not enter, added up over the units under it for one month."""

    indicator: Indicator
    total: Aggregate  # the units under the unit (its own figure left out), in the indicator's unit
    expected: int  # units under the unit at a level that enters the indicator
    entered: int  # of those, the units with a figure of the month
    expected_level: str  # their common ``Unit.Level``, "" when they are of several levels
    own: Aggregate  # a figure stored at the unit itself despite the rule (has_data False if none)

    @property
    def expected_name(self) -> str:
        """What the expected units are called in the sentence: "tổ dân phố/thôn", "đơn vị"."""
        if self.expected_level:
            return str(Unit.Level(self.expected_level).label).lower()
        return gettext("đơn vị")


def totals_below(
    *, unit: Unit, year: int, month: int, indicators: Iterable[Indicator]
) -> list[TotalBelow]:
    """For each of ``indicators`` that ``unit``'s level does not enter and some unit under it
    does, the month's total of every unit under ``unit`` (any depth), in ``indicators``' order.

    Two queries, whatever the number of units (``selectors._grouped_totals``).
    """
    units = tree.current().subtree(unit.id)
    below = units[1:]
    wanted = []
    for indicator in indicators:
        if indicator.is_entered_at(unit.level):
            continue
        expected = [u for u in below if indicator.is_entered_at(u.level)]
        if expected:
            wanted.append((indicator, expected))
    if not wanted:
        return []
    unit_ids = [u.id for u in units]
    points = _point_values(unit_ids=unit_ids, years=[year], months=range(month, month + 1))
    totals = _grouped_totals(
        unit_ids=unit_ids, year=year, first_month=month, cutoffs=[month], points=points
    )
    rows = []
    for indicator, expected in wanted:
        of_indicator = {
            unit_id: row
            for (indicator_id, unit_id, _cutoff), row in totals.items()
            if indicator_id == indicator.id
        }
        own = of_indicator.pop(unit.id, None)
        levels = {u.level for u in expected}
        rows.append(
            TotalBelow(
                indicator=indicator,
                total=combine(indicator.kind, of_indicator.values(), own_unit_id=unit.id),
                expected=len(expected),
                entered=sum(u.id in of_indicator for u in expected),
                expected_level=levels.pop() if len(levels) == 1 else "",
                own=combine(indicator.kind, [own] if own else [], own_unit_id=unit.id),
            )
        )
    return rows
