"""Figures over a unit's territory across the 2025 reform (a merger, a split, a rename)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from indicators.core.periods import all_period_keys, parse_period
from indicators.models import Figure, Indicator, Predecessor, Unit
from indicators.reporting.selectors import period_summary

D = Decimal
ENDED = date(2025, 6, 30)
FORMED = date(2025, 7, 1)
OLD_REVENUE = {"a": D(10), "b": D(20), "c": D(40)}  # a month's flow of each old ward
OLD_LEVEL = {"a": D(5), "b": D(7), "c": D(10)}
OLD_COUNTS = {"a": (D(3), D(4)), "b": (D(1), D(4)), "c": (D(4), D(4))}


@pytest.fixture
def reform(db, make_indicator):
    """Three wards (c with a group under it) merge on 1 July 2025: a and b wholly, half of c,
    into "new"; the other half of c goes to "other"; a is also renamed "renamed"."""
    province = Unit.objects.create(code="prov", name="Tỉnh", level="province")
    district = Unit.objects.create(
        code="district", name="Huyện", level="district", parent=province, valid_until=ENDED
    )
    old = {
        code: Unit.objects.create(
            code=code, name=f"Phường {code}", level="ward", parent=district, valid_until=ENDED
        )
        for code in OLD_REVENUE
    }
    group = Unit.objects.create(code="c-1", name="Tổ 1", level="group", parent=old["c"])
    new = Unit.objects.create(
        code="new", name="Phường Mới", level="ward", parent=province, valid_from=FORMED
    )
    other = Unit.objects.create(
        code="other", name="Phường Khác", level="ward", parent=province, valid_from=FORMED
    )
    Predecessor.objects.create(unit=new, predecessor=old["a"])
    Predecessor.objects.create(unit=new, predecessor=old["b"])
    Predecessor.objects.create(unit=new, predecessor=old["c"], share=D("0.5"))
    Predecessor.objects.create(unit=other, predecessor=old["c"], share=D("0.5"))
    kinds = {
        kind: make_indicator(kind, kind)
        for kind in (Indicator.Kind.SUM, Indicator.Kind.RATIO, "level", "reported")
    }
    rows = []
    for year in (2024, 2025):
        for month in range(1, 13 if year == 2024 else 7):
            for code, unit in old.items():
                at = group if code == "c" else unit  # c's figures come from its group
                numerator, denominator = OLD_COUNTS[code]
                rows += [
                    Figure(unit=at, indicator=kinds["sum"], year=year, month=month,
                           value=OLD_REVENUE[code]),
                    Figure(unit=at, indicator=kinds["ratio"], year=year, month=month,
                           numerator=numerator, denominator=denominator),
                    Figure(unit=at, indicator=kinds["level"], year=year, month=month,
                           value=OLD_LEVEL[code]),
                    Figure(unit=unit, indicator=kinds["reported"], year=year, month=month,
                           value=D("64.1")),
                ]  # fmt: skip
    for year, last in ((2025, 12), (2026, 11)):
        for month in range(7 if year == 2025 else 1, last + 1):
            rows.append(
                Figure(unit=new, indicator=kinds["sum"], year=year, month=month, value=D(110))
            )
    Figure.objects.bulk_create(rows)
    return {"old": old, "new": new, "other": other, "province": province, "kinds": kinds}


def row_of(unit, key, year, kind):
    rows = period_summary(unit=unit, period=parse_period(key, year))
    return next(r for r in rows if r.indicator.code == kind)


def new_ward_revenue(year: int, months: range) -> D | None:
    """By hand: before July 2025, a + b + half of c (10 + 20 + 20 = 50 a month); after, 110;
    None for no month with data."""
    if not months:
        return None
    return sum((D(50) if (year, m) < (2025, 7) else D(110) for m in months), D(0))


def test_a_three_into_one_merger_compares_2026_with_2025_over_the_new_territory(reform):
    row = row_of(reform["new"], "9m", 2026, "sum")
    assert row.actual == D(990)  # 9 × 110
    assert row.previous.actual == D(630)  # 6 × 50 + 3 × 110
    assert row.yoy_percent == D(990) / D(630) * 100
    assert row.lineage_note == "số liệu cùng kỳ tính theo địa giới mới"


def test_the_year_of_the_merger_is_one_total_for_the_new_ward(reform):
    row = row_of(reform["new"], "y", 2025, "sum")
    assert row.actual == D(960)  # 6 × 50 before, 6 × 110 after
    assert row.previous.actual == D(600)  # 12 × 50 in 2024
    assert row.current.over_new_territory and row.previous.over_new_territory


@pytest.mark.parametrize("key", all_period_keys())
def test_yoy_on_every_period_key_across_the_merger(reform, key):
    period = parse_period(key, 2026)
    row = row_of(reform["new"], key, 2026, "sum")
    months = range(period.first_month, min(period.last_month, 11) + 1)  # 2026 ends in November
    assert row.actual == new_ward_revenue(2026, months)
    # last year over the same months as this year's figures (like for like), the whole
    # period when this year has none yet (December 2026)
    compared = months or range(period.first_month, period.last_month + 1)
    assert row.previous.actual == new_ward_revenue(2025, compared)


def test_a_split_gives_each_successor_its_share(reform):
    row = row_of(reform["other"], "6m", 2026, "sum")
    assert row.previous.actual == D(120)  # half of c's 40, six months
    assert row.actual is None


def test_a_ratio_across_a_merger_sums_the_counts(reform):
    row = row_of(reform["new"], "6m", 2026, "ratio")
    # a month: 3 + 1 + 0.5 × 4 = 6 of 4 + 4 + 0.5 × 4 = 10 → 60 %, not the 66.7 % of the
    # three percentages averaged
    assert row.previous.numerator == D(36) and row.previous.denominator == D(60)
    assert row.previous.actual == D(60)


def test_a_level_across_a_merger_sums_the_shares_of_the_levels(reform):
    assert row_of(reform["new"], "6m", 2026, "level").previous.actual == D(17)  # 5 + 7 + 5


def test_a_reported_rate_of_several_predecessors_is_not_computable(reform):
    row = row_of(reform["new"], "6m", 2026, "reported")
    assert row.previous.actual is None
    assert row.previous.not_aggregable


def test_a_rename_takes_the_reported_rate_of_its_one_whole_predecessor(reform):
    renamed = Unit.objects.create(
        code="renamed", name="Phường đổi tên", level="ward", parent=reform["province"],
        valid_from=FORMED,
    )  # fmt: skip
    Predecessor.objects.create(unit=renamed, predecessor=reform["old"]["a"])
    row = row_of(renamed, "6m", 2026, "reported")
    assert row.previous.actual == D("64.1")
    assert row_of(renamed, "9m", 2026, "sum").previous.actual == D(60)  # a's 10 × 6


def test_a_parent_that_changed_adds_up_the_old_and_the_new_wards_once(reform):
    # the province holds the district (with the old wards) until June, the new wards after
    assert row_of(reform["province"], "y", 2025, "sum").actual == D(6 * 70 + 6 * 110)
    assert row_of(reform["province"], "y", 2025, "sum").lineage_note == ""


def test_a_unit_without_lineage_keeps_the_plain_comparison(reform):
    row = row_of(reform["old"]["a"], "6m", 2025, "sum")
    assert (row.actual, row.previous.actual, row.lineage_note) == (D(60), D(60), "")


def test_the_new_wards_page_text_api_and_export_say_the_comparison_is_over_the_new_territory(
    reform, staff_client
):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    page = staff_client.get(reverse("period-summary", args=["new", 2026, "9m"])).content.decode()
    assert "Số liệu cùng kỳ tính theo địa giới mới (đơn vị hình thành ngày 01/07/2025)." in page
    assert "(số liệu cùng kỳ tính theo địa giới mới)." in page  # the generated text
    api = staff_client.get(reverse("api-period-summary", args=["new", 2026, "9m"])).json()
    revenue = next(row for row in api["indicators"] if row["code"] == "sum")
    assert (revenue["actual"], revenue["previous"]) == ("990", "630")
    assert revenue["lineage_note"] == "số liệu cùng kỳ tính theo địa giới mới"
    export = staff_client.get(reverse("period-export", args=["new", 2026, "9m"]))
    cells = [
        str(cell.value)
        for sheet in load_workbook(io.BytesIO(export.content))
        for row in sheet.iter_rows()
        for cell in row
        if cell.value
    ]
    assert any("số liệu cùng kỳ tính theo địa giới mới" in text for text in cells)


def test_a_period_outside_a_units_validity_names_its_successors_with_links(reform, staff_client):
    from django.urls import reverse

    page = staff_client.get(reverse("period-summary", args=["c", 2026, "9m"])).content.decode()
    assert "Phường c không tồn tại trong 9 tháng đầu năm 2026" in page
    assert reverse("period-summary", args=["new", 2026, "9m"]) in page
    assert reverse("period-summary", args=["other", 2026, "9m"]) in page
    page = staff_client.get(reverse("period-summary", args=["new", 2024, "y"])).content.decode()
    assert "hiệu lực từ 01/07/2025" in page
    assert reverse("period-summary", args=["a", 2024, "y"]) in page


def test_a_period_lists_only_the_children_that_existed_then(reform, staff_client):
    from django.urls import reverse

    response = staff_client.get(reverse("period-summary", args=["prov", 2026, "9m"]))
    names = [child.name for child in response.context["children"]]
    assert sorted(names) == ["Phường Khác", "Phường Mới"]
    response = staff_client.get(reverse("period-summary", args=["prov", 2024, "y"]))
    assert [child.code for child in response.context["children"]] == ["district"]


def test_the_demo_merged_ward_compares_2026_with_2025_across_the_merger(demo, staff_client):
    import json

    from django.urls import reverse

    from indicators.demo import REFORM_FILE

    figures = json.loads(REFORM_FILE.read_text(encoding="utf-8"))["figures"]

    def revenue(unit: str, year: int, months: range) -> D:
        return sum(
            (
                D(f["value"])
                for f in figures
                if f["unit"] == unit
                and f["indicator"] == "thu-ngan-sach"
                and f["year"] == year
                and f["month"] in months
            ),
            D(0),
        )

    merged = Unit.objects.get(code="phuong-sap-nhap-minh-hoa")
    row = row_of(merged, "9m", 2026, "thu-ngan-sach")
    assert row.actual == revenue("phuong-sap-nhap-minh-hoa", 2026, range(1, 10))
    # Chánh Lộ has no 2025 figures in the demo: A wholly, 60 % of B, then the merged ward
    assert row.previous.actual == (
        revenue("phuong-lan-can-a", 2025, range(1, 7))
        + D("0.6") * revenue("phuong-lan-can-b", 2025, range(1, 7))
        + revenue("phuong-sap-nhap-minh-hoa", 2025, range(7, 10))
    )
    assert row.lineage_note
    # a reported rate: September 2025 is the merged ward's own; June 2025 had three wards
    assert not row_of(merged, "9m", 2026, "dvc-truc-tuyen").previous.not_aggregable
    assert row_of(merged, "6m", 2026, "dvc-truc-tuyen").previous.not_aggregable
    # the dashboard still opens on Chánh Lộ's 2023 nine months
    assert staff_client.get(reverse("home"))["Location"] == "/units/chanh-lo/2023/9m/"


def test_the_api_for_a_period_outside_a_units_validity_says_why(reform, staff_client):
    from django.urls import reverse

    response = staff_client.get(reverse("api-period-summary", args=["new", 2024, "y"]))
    assert response.status_code == 404
    assert response.json() == {
        "error": "Phường Mới không tồn tại trong năm 2024: đơn vị có hiệu lực từ 01/07/2025.",
        "related_units": ["a", "b", "c"],
    }


def test_the_monthly_series_of_the_merger_year_runs_on_across_the_merger(reform):
    from indicators.reporting.lineage import territory_series_of

    kinds = reform["kinds"]
    series = territory_series_of(
        unit=reform["new"], indicators=list(kinds.values()), years=[2025, 2026]
    )
    flow = series[(kinds["sum"].id, 2025)]
    assert [p.month_value.actual for p in flow] == [D(50)] * 6 + [D(110)] * 6
    assert [p.cumulative.actual for p in flow][5:8] == [D(300), D(410), D(520)]
    assert flow[0].month_value.over_new_territory and not flow[8].month_value.over_new_territory
    ratio = series[(kinds["ratio"].id, 2025)]
    assert ratio[0].month_value.numerator == D(6) and ratio[0].month_value.actual == D(60)
    assert series[(kinds["level"].id, 2025)][2].month_value.actual == D(17)
    assert series[(kinds["reported"].id, 2025)][2].month_value.not_aggregable
    # 2026 lies wholly in the new ward's life: its own figures only
    assert [p.month_value.actual for p in series[(kinds["sum"].id, 2026)]][10:] == [D(110), None]


def test_the_indicator_page_and_the_export_chart_last_year_over_the_new_territory(
    reform, staff_client
):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    url = reverse("indicator-detail", args=["new", 2026, "9m", "sum"])
    response = staff_client.get(url)
    assert "Số liệu cùng kỳ tính theo địa giới mới" in response.content.decode()
    months = response.context["month_table"].data.data
    assert [m["last_month"] for m in months][:9] == [D(50)] * 6 + [D(110)] * 3
    assert [m["this_month"] for m in months][:9] == [D(110)] * 9
    traces = [t for chart in response.context["charts"] for t in chart["figure"]["data"]]
    last_year = next(t for t in traces if t.get("name") == "2025")["y"]  # in millions of đồng
    assert len(set(last_year[:6])) == 1 and last_year[6] / last_year[0] == 2.2  # 50, then 110
    export = staff_client.get(reverse("period-export", args=["new", 2025, "9m"]))
    book = load_workbook(io.BytesIO(export.content))
    values = [
        cell.value
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, (int, float))
    ]
    assert values.count(50) >= 6  # January–June 2025: a + b + half of c, month by month


def _reformed_province(count: int, kinds) -> list[Unit]:
    province = Unit.objects.create(code=f"p{count}", name="Tỉnh", level="province")
    wards = []
    for number in range(count):
        new = Unit.objects.create(
            code=f"p{count}-new-{number}", name="Mới", level="ward", parent=province,
            valid_from=FORMED,
        )  # fmt: skip
        for side in ("x", "y"):
            old = Unit.objects.create(
                code=f"p{count}-{number}-{side}", name="Cũ", level="ward", parent=province,
                valid_until=ENDED,
            )  # fmt: skip
            Predecessor.objects.create(unit=new, predecessor=old, share=D("0.5"))
            Figure.objects.create(unit=old, indicator=kinds["sum"], year=2025, month=3, value=8)
        Figure.objects.create(unit=new, indicator=kinds["sum"], year=2026, month=3, value=9)
        wards.append(new)
    return wards


def test_comparing_many_reformed_wards_takes_as_many_queries_as_a_few(reform):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from indicators import tree
    from indicators.reporting.selectors import summaries

    few, many = _reformed_province(2, reform["kinds"]), _reformed_province(12, reform["kinds"])
    tree.forget()
    tree.current()  # read once, as a request does before it asks
    counts = []
    for wards in (few, many):
        with CaptureQueriesContext(connection) as queries:
            found = summaries(units=wards, period=parse_period("9m", 2026))
        counts.append(len(queries))
        rows = [next(r for r in found[w.id] if r.indicator.code == "sum") for w in wards]
        assert {r.previous.actual for r in rows} == {D(8)}  # half of each of two old wards' 8
        assert {r.actual for r in rows} == {D(9)}
    assert counts[0] == counts[1]


def test_a_province_expects_figures_only_from_the_units_that_existed_in_the_period(reform):
    Indicator.objects.filter(code="sum").update(entry_levels=["ward", "group"])
    # 2026: the two wards formed in July 2025; the old wards and c's group are gone
    assert row_of(reform["province"], "9m", 2026, "sum").units_expected == 2
    # 2024: the three old wards and c's group
    assert row_of(reform["province"], "9m", 2024, "sum").units_expected == 4
    # 2025's nine months: all of them, each for the months it existed
    assert row_of(reform["province"], "9m", 2025, "sum").units_expected == 6
