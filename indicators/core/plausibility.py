"""Is a typed figure plausible next to the unit's earlier figures? (pure rules, no database)

A slip of one zero (78.700.000 for 787.000.000) is valid input, so it is not refused: it is
flagged, and the person who typed it confirms it once before it is saved. A figure is flagged
when it differs from **every** figure it can be compared with (last month's and the same month
last year's, whichever exist):

- an amount or a count by more than a factor of :data:`FACTOR` either way (strictly more: 3×
  exactly is not flagged). A zero next to a non-zero figure is an infinite factor, so it
  differs; zero next to zero does not.
- a rate (a percentage) by more than :data:`RATE_POINTS` percentage points (strictly more).

With nothing to compare with (the unit's first month, a new unit) nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

FACTOR = Decimal(3)
RATE_POINTS = Decimal(30)
HUNDRED = Decimal(100)


def differs(value: Decimal, earlier: Decimal, *, is_rate: bool) -> bool:
    """Does ``value`` differ from ``earlier`` by more than the rule allows? Both in the
    indicator's unit; for a rate both are percentages (0–100)."""
    if is_rate:
        return abs(value - earlier) > RATE_POINTS
    if value == earlier:
        return False
    low, high = sorted((abs(value), abs(earlier)))
    if low == 0:
        return True
    return high > low * FACTOR


def is_implausible(
    value: Decimal | None, earlier: Iterable[Decimal | None], *, is_rate: bool
) -> bool:
    """True when ``value`` differs (:func:`differs`) from every figure of ``earlier`` that
    exists (None: no figure that month); False when none exists or ``value`` is None."""
    available = [figure for figure in earlier if figure is not None]
    if value is None or not available:
        return False
    return all(differs(value, figure, is_rate=is_rate) for figure in available)


def rate_of(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """A ratio's counts as the percentage they make (564/880 → 64,09…); None without both
    counts or with a denominator of zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator * HUNDRED / denominator
