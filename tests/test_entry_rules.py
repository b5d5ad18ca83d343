"""Where an indicator is entered and how many decimals its figures may have."""

from decimal import Decimal

import pytest

from indicators.core.entry_rules import decimals_of, default_decimal_places, enters, parse_levels
from indicators.models import Indicator, Unit


def test_an_indicator_without_entry_levels_is_entered_at_every_level():
    assert enters([], "group")
    assert enters([], "province")


def test_an_indicator_with_entry_levels_is_entered_only_there():
    assert enters(["group"], "group")
    assert not enters(["group"], "ward")


def test_levels_are_read_from_commas_and_an_unknown_one_is_named():
    known = Unit.Level.values
    assert parse_levels(" ward, commune ,ward", known=known) == ["ward", "commune"]
    assert parse_levels("", known=known) == []
    with pytest.raises(ValueError, match="hamlet"):
        parse_levels("ward, hamlet", known=known)


def test_counts_take_no_decimals_by_default_and_other_units_four():
    assert default_decimal_places("hộ") == 0
    assert default_decimal_places("Công trình") == 0
    assert default_decimal_places("đồng") == 4
    assert default_decimal_places("%") == 4


def test_an_indicator_s_own_setting_wins_over_its_unit_s_default():
    assert Indicator(unit="hộ").allowed_decimal_places == 0
    assert Indicator(unit="hộ", decimal_places=1).allowed_decimal_places == 1
    assert Indicator(unit="tỷ đồng").allowed_decimal_places == 4


def test_decimals_count_only_what_the_number_really_has():
    assert decimals_of(Decimal("1.5")) == 1
    assert decimals_of(Decimal("1.50")) == 1
    assert decimals_of(Decimal("2.000")) == 0
    assert decimals_of(Decimal("38")) == 0
    assert decimals_of(Decimal("1E+3")) == 0
