"""Subtree totals kept per unit: a large unit's summary is its own figures plus its children's
kept totals, and it gives exactly what one read of every figure below it gives."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.cache import cache
from django.core.management import call_command

from indicators import tree
from indicators.core.periods import parse_period
from indicators.models import Figure, Indicator, Unit
from indicators.reporting import completeness, selectors
from indicators.synthetic import PREFIX

PERIODS = ["m9", "q3", "6m", "9m", "y", "q1", "ytd8"]


def generate_two_provinces(*, indicators: int = 6, provinces: int = 2) -> None:
    """Generated provinces of 3 communes each across the 2025 reform, every kind of indicator."""
    call_command(
        "generate_data",
        communes=3,
        indicators=indicators,
        years=2,
        groups=2,
        provinces=provinces,
        last_year=2026,
        last_month=9,
        verbosity=0,
    )


def record_computed(monkeypatch) -> list[int]:
    """The units whose subtree totals are computed from here on (not found kept)."""
    computed: list[int] = []
    compute = selectors._compute_subtree_totals

    def recording(unit_ids, **kwargs):
        computed.extend(unit_ids)
        return compute(unit_ids, **kwargs)

    monkeypatch.setattr(selectors, "_compute_subtree_totals", recording)
    return computed


def _fresh_summaries(units, period, *, small: int, monkeypatch) -> dict:
    """Every row of every unit, computed with nothing kept (``small``: SMALL_SUBTREE)."""
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", small)
    cache.clear()
    tree.forget()
    found = selectors.compute_summaries(units=units, period=period)
    return {
        unit_id: [
            (
                row.indicator.code,
                row.current,
                row.previous,
                row.units_expected,
                row.units_reported,
                [(t.authority_code, t.percent) for t in row.targets],
            )
            for row in rows
        ]
        for unit_id, rows in found.items()
    }


@pytest.mark.parametrize("year", [2022, 2023, 2025])
@pytest.mark.parametrize("period_key", PERIODS)
def test_the_demo_adds_up_the_same_from_children_totals_as_from_every_figure(
    demo, period_key, year, monkeypatch
):
    units = list(Unit.objects.all())
    period = parse_period(period_key, year)
    read_at_once = _fresh_summaries(units, period, small=10_000, monkeypatch=monkeypatch)
    from_children = _fresh_summaries(units, period, small=0, monkeypatch=monkeypatch)
    assert from_children == read_at_once
    assert any(row[1].has_data for rows in read_at_once.values() for row in rows)


@pytest.mark.django_db
@pytest.mark.parametrize("period_key", ["9m", "q3", "m8", "y"])
def test_generated_provinces_with_the_reform_add_up_the_same(period_key, monkeypatch):
    generate_two_provinces()
    units = list(Unit.objects.filter(code__startswith=PREFIX))
    for year in (2025, 2026):
        period = parse_period(period_key, year)
        read_at_once = _fresh_summaries(units, period, small=10_000, monkeypatch=monkeypatch)
        from_children = _fresh_summaries(units, period, small=0, monkeypatch=monkeypatch)
        assert from_children == read_at_once


def test_a_saved_figure_recomputes_only_the_units_above_it(demo, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)  # every unit from its children
    computed = record_computed(monkeypatch)
    city = Unit.objects.get(code="quang-ngai")
    period = parse_period("9m", 2023)
    cache.clear()
    selectors.summaries(units=[city], period=period)
    assert len(computed) > 10  # the first time, every unit below the city

    figure = Figure.objects.filter(unit__code="chanh-lo-to-1", year=2023, month=9).first()
    figure.value = (figure.value or 0) + 1
    figure.save()  # the model's signal gives the group and the units above it new versions
    computed.clear()
    tree.forget()
    rows = selectors.summaries(units=[city], period=period)[city.id]
    chain = set(tree.current().chain_ids(figure.unit_id))
    assert set(computed) == chain & set(tree.current().subtree_ids(city.id))

    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 10_000)
    cache.clear()
    assert rows == selectors.compute_summaries(units=[city], period=period)[city.id]


def test_a_parent_loop_in_stored_rows_ends_the_walk(demo, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)
    Unit.objects.filter(code="quang-ngai").update(parent=demo)  # city → ward → city
    cache.clear()
    tree.forget()
    found = selectors.compute_summaries(units=[demo], period=parse_period("9m", 2023))
    assert found[demo.id]


# --- Monthly series -------------------------------------------------------------------------


def _series_unit_by_unit(unit, indicators, year):
    """Every figure read on its own, as the series were computed before flows were added up
    by the database."""
    members = tree.current().subtree_ids(unit.id)
    found = {}
    for indicator in indicators:
        figures = [
            selectors._MonthFigure(
                f.unit_id, f.month, f.value, f.numerator, f.denominator, f.status
            )
            for f in Figure.objects.filter(unit_id__in=members, indicator=indicator, year=year)
        ]
        found[(indicator.id, year)] = selectors._month_points(unit, indicator, figures)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("small", [10_000, 0])
def test_monthly_series_add_up_flows_by_month_as_unit_by_unit(small, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", small)
    generate_two_provinces(indicators=8, provinces=1)
    indicators = list(Indicator.objects.filter(is_active=True))
    assert {i.kind for i in indicators} >= {"sum", "ratio", "level", "reported"}
    for code in (f"{PREFIX}vn", f"{PREFIX}p01", f"{PREFIX}p01-x001"):
        unit = Unit.objects.get(code=code)
        for year in (2025, 2026):
            expected = _series_unit_by_unit(unit, indicators, year)
            found = selectors._monthly_series_of(unit=unit, indicators=indicators, years=[year])
            assert found == expected
            assert any(p.cumulative.has_data for points in found.values() for p in points)


# --- Reporting completeness -----------------------------------------------------------------


def _completeness_unit_by_unit(unit, year, months):
    """Every expected unit's months read at once, as completeness was counted before."""
    members = completeness.in_tree_order(completeness._existing_in(unit, year, months))
    return completeness.summarise(
        completeness.unit_months(units=members, year=year, months=months), months=months
    )


@pytest.mark.django_db
@pytest.mark.parametrize("small", [10_000, 0])
def test_completeness_counts_from_children_as_unit_by_unit(small, monkeypatch):
    generate_two_provinces()
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", small)
    units = Unit.objects.filter(code__startswith=PREFIX).order_by("id")
    for year, months in ((2025, list(range(1, 13))), (2025, [6, 7]), (2026, [9]), (2026, [1, 2])):
        for unit in units:
            cache.clear()
            expected = _completeness_unit_by_unit(unit, year, months)
            assert (
                completeness.compute_completeness(unit=unit, year=year, months=months) == expected
            )
    root = Unit.objects.get(code=f"{PREFIX}vn")
    august, september = completeness.compute_completeness(unit=root, year=2026, months=[8, 9])
    assert 0 < august.submitted < august.expected  # the communes sent the month before the last
    assert september.submitted == 0 and len(september.missing) == september.expected > 0


def test_a_unit_asked_with_its_children_reads_each_figure_once(demo, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)  # every unit from its children
    read: list[tuple] = []
    grouped = selectors._grouped_totals

    def recording(*, unit_ids, year, first_month, cutoffs, points):
        read.extend((year, tuple(cutoffs), unit_id) for unit_id in unit_ids)
        return grouped(
            unit_ids=unit_ids, year=year, first_month=first_month, cutoffs=cutoffs, points=points
        )

    monkeypatch.setattr(selectors, "_grouped_totals", recording)
    city = Unit.objects.get(code="quang-ngai")
    units = [city, *tree.current().children(city.id)]
    cache.clear()
    together = selectors.compute_summaries(units=units, period=parse_period("9m", 2023))
    assert read and max(Counter(read).values()) == 1  # no unit read twice for one cutoff
    assert {unit_id for _year, _cutoffs, unit_id in read} == set(
        tree.current().subtree_ids(city.id)
    )
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 10_000)
    cache.clear()
    assert together == selectors.compute_summaries(units=units, period=parse_period("9m", 2023))


def test_entries_kept_for_one_set_of_units_serve_another(demo, monkeypatch):
    """The consolidated export asks for a province and its communes, the page for each alone:
    one's entries serve the other, whichever cutoffs each call needs."""
    city = Unit.objects.get(code="quang-ngai")
    period = parse_period("9m", 2023)
    cache.clear()
    selectors.compute_summaries(units=[city, *tree.current().children(city.id)], period=period)
    computed = record_computed(monkeypatch)
    selectors.compute_summaries(units=[city], period=period)
    assert computed == []


def test_a_renamed_unit_keeps_the_totals_and_a_moved_one_recounts(demo, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)  # every unit from its children
    city = Unit.objects.get(code="quang-ngai")
    period = parse_period("9m", 2023)
    cache.clear()
    before = selectors.compute_summaries(units=[city], period=period)[city.id]
    computed = record_computed(monkeypatch)
    group = Unit.objects.get(code="chanh-lo-to-1")
    group.name = "Tổ dân phố Một"
    group.save()  # the tree's version changes, not its structure
    tree.forget()
    assert selectors.compute_summaries(units=[city], period=period)[city.id] == before
    assert computed == []

    group.parent = city  # out of the ward, straight under the city: the same city total
    group.save()
    tree.forget()
    after = selectors.compute_summaries(units=[city], period=period)[city.id]
    assert computed  # recounted
    ward = Unit.objects.get(code="chanh-lo")
    ward_rows = selectors.compute_summaries(units=[ward], period=period)[ward.id]
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 10_000)
    cache.clear()
    assert after == selectors.compute_summaries(units=[city], period=period)[city.id]
    assert ward_rows == selectors.compute_summaries(units=[ward], period=period)[ward.id]


def test_a_renamed_indicator_keeps_the_totals_and_another_kind_recounts(demo, monkeypatch):
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 0)
    city = Unit.objects.get(code="quang-ngai")
    period = parse_period("9m", 2023)
    cache.clear()
    selectors.compute_summaries(units=[city], period=period)
    computed = record_computed(monkeypatch)
    indicator = Indicator.objects.filter(kind="level").first()
    indicator.name = f"{indicator.name} (đổi tên)"
    indicator.save()
    selectors.compute_summaries(units=[city], period=period)
    assert computed == []

    indicator.entry_levels = [*(indicator.entry_levels or []), "city"]
    indicator.save()
    rows = selectors.compute_summaries(units=[city], period=period)[city.id]
    assert computed
    monkeypatch.setattr(selectors, "SMALL_SUBTREE", 10_000)
    cache.clear()
    assert rows == selectors.compute_summaries(units=[city], period=period)[city.id]
