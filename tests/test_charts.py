"""Chart functions, checked on their figure dicts, without the database."""

from __future__ import annotations

from decimal import Decimal

import plotly.graph_objects as go
import pytest
from django.utils import translation

from indicators.core.periods import parse_period
from indicators.models import Area, Indicator
from indicators.reporting import charts
from indicators.reporting.selectors import Aggregate, IndicatorRow, MonthPoint, TargetResult

AREA = Area(id=1, code="a", name="Lĩnh vực")
REVENUE = Indicator(
    id=1, code="thu", name="Tổng thu", short_name="Tổng thu", kind="sum", unit="đồng", area=AREA
)
ONLINE = Indicator(
    id=2, code="dvc", name="DVC", short_name="Dịch vụ công", kind="reported", unit="%", area=AREA
)
PAYMENT = Indicator(
    id=3, code="tt", name="TT", short_name="Thanh toán", kind="reported", unit="%", area=AREA
)
CASES = Indicator(
    id=4, code="vu", name="Vụ", short_name="Vụ", kind="sum", unit="vụ", direction="down", area=AREA
)
NINE_MONTHS = parse_period("9m", 2023)


def target(code: str, value: str, percent: str | None = None) -> TargetResult:
    return TargetResult(
        authority_code=code,
        authority_name=f"Cơ quan {code}",
        report_phrase="",
        value=Decimal(value),
        basis="",
        percent=None if percent is None else Decimal(percent),
    )


def months(values: dict[int, str], *, estimate_month: int = 0) -> list[MonthPoint]:
    """Twelve points from {month: value}; cumulative is the running sum (a flow)."""
    points, running = [], Decimal(0)
    for month in range(1, 13):
        value = Decimal(values[month]) if month in values else None
        if value is not None:
            running += value
        seen = any(m <= month for m in values)
        points.append(
            MonthPoint(
                month=month,
                month_value=Aggregate(
                    actual=value, is_estimate=month == estimate_month, last_month=month
                ),
                cumulative=Aggregate(
                    actual=running if seen else None,
                    is_estimate=estimate_month and month >= estimate_month,
                    last_month=month,
                ),
            )
        )
    return points


def row(indicator, actual, *, previous=None, targets=()) -> IndicatorRow:
    return IndicatorRow(
        indicator=indicator,
        period=NINE_MONTHS,
        current=Aggregate(actual=Decimal(actual), last_month=9),
        previous=Aggregate(actual=None if previous is None else Decimal(previous), last_month=9),
        targets=list(targets),
    )


def assert_plotly_accepts(figure: dict) -> None:
    """plotly's own validator raises on any unknown property or bad value."""
    go.Figure(figure)


@pytest.mark.parametrize("language, separators", [("vi", ",."), ("en", ".,")])
def test_separators_follow_the_language(language, separators):
    with translation.override(language):
        assert charts.plotly_separators() == separators


def test_cumulative_chart_draws_the_actual_the_targets_and_the_pro_rata_path():
    points = months({1: "1000000000", 2: "2000000000", 3: "1500000000"}, estimate_month=3)
    targets = [target("city", "12000000000"), target("ward", "13200000000")]

    with translation.override("vi"):
        figure = charts.cumulative_chart(
            indicator=REVENUE, points=points, targets=targets, year=2023
        )

    actual, city, ward, path = figure["data"]
    # The line stops at March, the last month with a figure; drawn in millions of đồng.
    assert actual["x"] == ["T1", "T2", "T3"]
    assert actual["y"] == [1000.0, 3000.0, 4500.0]
    assert actual["customdata"][2] == "4.500.000.000 đồng (ước)"
    assert city["y"] == [12000.0, 12000.0] and city["x"] == ["T1", "T12"]
    assert city["name"] == "Chỉ tiêu Cơ quan city"
    assert ward["y"] == [13200.0, 13200.0]
    # The first target spread evenly: 1.000 million a month, 9.000 by September.
    assert path["y"][0] == 1000.0 and path["y"][8] == 9000.0 and path["y"][11] == 12000.0
    assert figure["layout"]["yaxis"]["title"]["text"] == "triệu đồng"
    assert figure["layout"]["separators"] == ",."
    assert_plotly_accepts(figure)


def test_a_nine_month_pages_charts_stop_at_september_though_october_is_entered():
    points = months({9: "900", 10: "1000"})
    last_year = months({9: "800", 10: "800"})

    with translation.override("vi"):
        cumulative = charts.cumulative_chart(
            indicator=REVENUE, points=points, targets=[target("ward", "1200")], year=2023, until=9
        )
        bars = charts.monthly_bars_chart(
            indicator=REVENUE, this_year=points, last_year=last_year, year=2023, until=9
        )
        rates = charts.rate_months_chart(
            indicator=ONLINE, this_year=points, last_year=last_year, targets=[], year=2023, until=9
        )

    actual, ward, path = cumulative["data"]
    assert actual["x"] == ["T9"] and actual["y"] == [0.0009]  # 900 đồng in millions
    assert ward["x"] == ["T1", "T9"]
    assert len(path["y"]) == 9 and path["y"][-1] == pytest.approx(0.0009)  # 1200 × 9/12
    assert cumulative["layout"]["xaxis"]["categoryarray"][-1] == "T9"
    assert [len(trace["x"]) for trace in bars["data"]] == [9, 9]
    assert [trace["x"] for trace in rates["data"]] == [["T9"], ["T9"]]


def test_rates_chart_names_last_years_bars_by_the_months_compared():
    rows = [row(ONLINE, "64.10", previous="38.6"), row(PAYMENT, "13.66", previous="3.2")]

    with translation.override("vi"):
        last = charts.rates_chart(rows=rows, year=2023)["data"][0]

    assert last["name"] == "Cùng kỳ 9 tháng năm 2022"
    assert last["customdata"][0] == "38,6% (cùng kỳ 9 tháng năm 2022)"


def test_pro_rata_hover_rounds_an_uneven_share_of_the_target_to_whole_units():
    with translation.override("vi"):
        figure = charts.cumulative_chart(
            indicator=REVENUE,
            points=months({1: "5"}),
            targets=[target("ward", "6995000000")],
            year=2023,
        )

    path = figure["data"][-1]
    assert path["customdata"][0] == "582.916.667 đồng"  # 6.995.000.000 ÷ 12 = 582.916.666,67
    assert path["customdata"][8] == "5.246.250.000 đồng"
    assert path["customdata"][11] == "6.995.000.000 đồng"


def test_cumulative_chart_without_targets_has_the_actual_only():
    figure = charts.cumulative_chart(
        indicator=REVENUE, points=months({1: "5"}), targets=[], year=2023
    )

    assert len(figure["data"]) == 1
    assert_plotly_accepts(figure)


def test_monthly_bars_put_last_year_beside_this_year_with_gaps_for_missing_months():
    this_year = months({1: "2000000", 2: "3000000"})
    last_year = months({1: "1000000", 2: "1000000", 12: "4000000"})

    with translation.override("vi"):
        figure = charts.monthly_bars_chart(
            indicator=REVENUE, this_year=this_year, last_year=last_year, year=2023
        )

    last, this = figure["data"]
    assert (last["name"], this["name"]) == ("2022", "2023")
    assert this["y"][:3] == [2.0, 3.0, None]
    assert last["y"][11] == 4.0
    assert this["customdata"][2] == "Chưa có số liệu"
    assert figure["layout"]["barmode"] == "group"
    assert_plotly_accepts(figure)


def test_amounts_in_other_units_are_drawn_as_they_are():
    cases = Indicator(id=9, code="vu", name="Vụ", kind="sum", unit="vụ", area=AREA)

    figure = charts.monthly_bars_chart(
        indicator=cases, this_year=months({1: "3"}), last_year=months({}), year=2023
    )

    assert figure["data"][1]["y"][0] == 3.0
    assert figure["layout"]["yaxis"]["title"]["text"] == "vụ"


def test_rates_chart_has_bars_for_both_years_coloured_by_status_and_target_ticks():
    rows = [
        row(ONLINE, "64.10", previous="38.6", targets=[target("ward", "60", "106.8")]),
        row(PAYMENT, "13.66", targets=[target("ward", "30", "45.5")]),
    ]

    with translation.override("vi"):
        figure = charts.rates_chart(rows=rows, year=2023)

    last, this, ticks = figure["data"]
    assert this["orientation"] == "h"
    assert this["y"] == ["Dịch vụ công", "Thanh toán"]
    assert this["x"] == [64.1, 13.66]
    assert this["text"] == ["64,1%", "13,66%"]
    assert this["marker"]["color"] == [
        charts.STATUS_COLOURS["good"],
        charts.STATUS_COLOURS["behind"],
    ]
    assert this["showlegend"] is False and last["marker"]["color"] == charts.LAST_YEAR
    assert last["x"] == [38.6, None]
    assert ticks["x"] == [60.0, 30.0]
    assert ticks["customdata"] == ["60%", "30%"]
    assert_plotly_accepts(figure)


def test_rates_chart_leaves_out_amounts_and_missing_rates():
    rows = [row(REVENUE, "100"), row(ONLINE, "50")]

    figure = charts.rates_chart(rows=rows, year=2023)

    assert figure["data"][1]["y"] == ["Dịch vụ công"]


def test_completion_chart_has_one_bar_per_authority_and_the_expected_mark():
    rows = [
        row(
            REVENUE,
            "6021447000",
            targets=[
                target("city", "6945000000", "86.70190064794816414686825054"),
                target("ward", "6995000000", "86.08216"),
            ],
        ),
        row(ONLINE, "64.1", targets=[target("ward", "60", "106.8")]),  # a rate: not drawn
        row(CASES, "32", targets=[target("ward", "40", "80")]),  # a ceiling: not "completed"
    ]

    with translation.override("vi"):
        figure = charts.completion_chart(rows=rows, expected_percent=Decimal(75))

    (bars,) = figure["data"]
    assert bars["x"] == pytest.approx([86.7019006, 86.08216])
    assert bars["text"] == ["86,7%", "86,08%"]
    assert bars["y"] == ["Tổng thu<br>Cơ quan city", "Tổng thu<br>Cơ quan ward"]
    expected_line, full_line = figure["layout"]["shapes"]
    assert expected_line["x0"] == expected_line["x1"] == 75.0
    assert full_line["x0"] == 100
    assert figure["layout"]["annotations"][0]["text"] == "Tiến độ: 75%"
    assert_plotly_accepts(figure)


def test_rate_months_chart_follows_each_year_and_the_target():
    this_year = months({1: "50", 2: "55.5"})
    last_year = months({1: "40"})

    with translation.override("en"):
        figure = charts.rate_months_chart(
            indicator=ONLINE,
            this_year=this_year,
            last_year=last_year,
            targets=[target("ward", "60")],
            year=2023,
        )

    last, this, goal = figure["data"]
    assert this["y"] == [50.0, 55.5]
    assert this["customdata"] == ["50%", "55.5%"]
    assert last["y"] == [40.0]
    assert goal["y"] == [60.0, 60.0]
    assert figure["layout"]["separators"] == ".,"
    assert_plotly_accepts(figure)


def test_children_chart_ranks_the_children_with_a_figure():
    poor = Indicator(
        id=4, code="ngheo", name="Hộ nghèo", kind="level", unit="hộ", direction="down", area=AREA
    )
    rows = {
        "Tổ 1": row(poor, "5", targets=[target("ward", "4", "125")]),
        "Tổ 2": row(poor, "7"),
        "Tổ 3": None,
    }

    with translation.override("vi"):
        figure = charts.children_chart(indicator=poor, children=list(rows.items()))

    (bars,) = figure["data"]
    assert bars["y"] == ["Tổ 2", "Tổ 1"]
    assert bars["x"] == [7.0, 5.0]
    assert bars["text"] == ["7 hộ", "5 hộ"]
    # Tổ 1 holds 5 poor households against a cap of 4: behind; Tổ 2 has no target.
    assert bars["marker"]["color"] == [
        charts.STATUS_COLOURS["none"],
        charts.STATUS_COLOURS["behind"],
    ]
    assert_plotly_accepts(figure)


# --- user text is plain text -------------------------------------------------------------------

LINK = '<a href="https://example.org">x</a> & co'
LINK_SHOWN = '&lt;a href="https://example.org"&gt;x&lt;/a&gt; &amp; co'  # what plotly decodes
LINKED_AMOUNT = Indicator(
    id=4, code="l", name=LINK, short_name=LINK, kind="sum", unit="<b>hộ</b>", area=AREA
)
LINKED_RATE = Indicator(id=5, code="r", name=LINK, short_name=LINK, kind="reported", unit="%")


def linked_target(value: str, percent: str) -> TargetResult:
    return TargetResult(
        authority_code="x",
        authority_name=LINK,
        report_phrase="",
        value=Decimal(value),
        basis="",
        percent=Decimal(percent),
    )


def texts_plotly_parses(figure) -> list[str]:
    """Every string of a figure except the hover templates, which are our own markup."""
    if isinstance(figure, dict):
        return [
            text
            for key, value in figure.items()
            if key != "hovertemplate"
            for text in texts_plotly_parses(value)
        ]
    if isinstance(figure, list):
        return [text for value in figure for text in texts_plotly_parses(value)]
    return [figure] if isinstance(figure, str) else []


def user_text_figures() -> dict[str, dict]:
    amount_row = row(LINKED_AMOUNT, "30", targets=[linked_target("120", "25")])
    rate_row = row(LINKED_RATE, "64.1", previous="50", targets=[linked_target("80", "80.1")])
    points = months({1: "10", 2: "20"})
    return {
        "cumulative": charts.cumulative_chart(
            indicator=LINKED_AMOUNT, points=points, targets=amount_row.targets, year=2023
        ),
        "monthly": charts.monthly_bars_chart(
            indicator=LINKED_AMOUNT, this_year=points, last_year=points, year=2023
        ),
        "rates": charts.rates_chart(rows=[rate_row], year=2023),
        "completion": charts.completion_chart(rows=[amount_row], expected_percent=Decimal(75)),
        "rate_months": charts.rate_months_chart(
            indicator=LINKED_RATE,
            this_year=months({1: "60"}),
            last_year=months({1: "50"}),
            targets=rate_row.targets,
            year=2023,
        ),
        "children": charts.children_chart(
            indicator=LINKED_AMOUNT, children=[(LINK, amount_row), ("Tổ 2", None)]
        ),
    }


@pytest.mark.parametrize("name", list(user_text_figures()))
def test_names_and_units_from_users_reach_plotly_as_plain_text(name):
    with translation.override("vi"):
        figure = user_text_figures()[name]

    texts = texts_plotly_parses(figure)
    # No tag at all, but the line break the completion chart puts between two names.
    assert [t for t in texts if "<" in t.replace("<br>", "") or ">" in t.replace("<br>", "")] == []
    # Each chart shows some user text (the monthly bars only the unit), escaped.
    assert any(LINK_SHOWN in text or "&lt;b&gt;hộ&lt;/b&gt;" in text for text in texts)
    assert_plotly_accepts(figure)


def test_hover_texts_keep_the_unit_as_typed_in_plain_text():
    with translation.override("vi"):
        figure = user_text_figures()["cumulative"]

    assert figure["data"][0]["customdata"] == [
        "10 &lt;b&gt;hộ&lt;/b&gt;",
        "30 &lt;b&gt;hộ&lt;/b&gt;",
    ]
    assert figure["layout"]["yaxis"]["title"]["text"] == "&lt;b&gt;hộ&lt;/b&gt;"
    assert figure["data"][1]["name"] == f"Chỉ tiêu {LINK_SHOWN}"


def test_plain_escapes_the_ampersand_first():
    assert charts.plain("a &lt; b <i>") == "a &amp;lt; b &lt;i&gt;"
