"""Property tests: random bad input thrown at the month grid never writes anything and never
causes a server error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.core.numbers import NumberFormatError, parse_number
from indicators.models import Figure, MonthApproval

URL = "admin:indicators_figure_enter"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def grid(tree, make_indicator, grant, client):
    indicators = {
        "revenue": make_indicator("revenue", "sum", name="Thu ngân sách"),
        "online": make_indicator("online", "ratio", name="Hồ sơ trực tuyến"),
        "score": make_indicator("score", "reported", name="Chỉ số hài lòng"),
    }
    client.force_login(grant("clerk", "data_entry", tree["ward-a"]))
    return {"client": client, "indicators": indicators}


def snapshot() -> tuple:
    """Everything a save could write: figures, their history, approvals."""
    return (
        sorted(Figure.objects.values_list("id", "value", "numerator", "denominator", "status")),
        Figure.history.count(),
        MonthApproval.objects.count(),
    )


def post(client, **fields):
    data = {"unit": "ward-a", "year": "2023", "month": "9"}
    for code in ("revenue", "online", "score"):
        data[f"fig-{code}-status"] = "official"
    data.update(fields)
    return client.post(reverse(URL), data)


# Inputs that are wrong for the indicator they are typed into, each on its own.
negative = st.integers(min_value=1, max_value=10**12).map(lambda n: f"-{n}")
too_precise = st.integers(min_value=1, max_value=10**6).map(lambda n: f"1,{n:05d}1")
too_big = st.integers(min_value=19, max_value=40).map(lambda digits: "9" * digits)
words = st.text(alphabet="abcđxyzĐ%$ _-+/", min_size=1, max_size=20).filter(
    lambda t: t.strip() != ""
)
over_hundred = st.decimals(min_value=Decimal("100.01"), max_value=Decimal(10**6), places=2).map(
    lambda d: format(d, "f").replace(".", ",")
)
bad_value = st.one_of(negative, too_precise, too_big, words)


@FUZZ
@given(bad=bad_value, good=st.integers(min_value=0, max_value=10**9))
def test_a_bad_value_among_good_rows_writes_nothing(grid, bad, good):
    before = snapshot()
    response = post(
        grid["client"],
        **{
            "fig-revenue-value": bad,
            "fig-online-numerator": str(good),
            "fig-online-denominator": str(good + 1),
        },
    )
    assert response.status_code == 200  # the form again, with its errors; never a 5xx
    assert "Chưa lưu" in response.content.decode()
    assert snapshot() == before


@FUZZ
@given(score=over_hundred)
def test_a_reported_percentage_above_100_writes_nothing(grid, score):
    before = snapshot()
    response = post(grid["client"], **{"fig-score-value": score, "fig-revenue-value": "5"})
    assert response.status_code == 200
    assert "Tỷ lệ không được vượt quá 100%" in response.content.decode()
    assert snapshot() == before


@FUZZ
@given(
    denominator=st.integers(min_value=0, max_value=10**9),
    extra=st.integers(min_value=1, max_value=10**6),
)
def test_a_numerator_above_its_denominator_or_a_zero_denominator_writes_nothing(
    grid, denominator, extra
):
    before = snapshot()
    response = post(
        grid["client"],
        **{
            "fig-online-numerator": str(denominator + extra),
            "fig-online-denominator": str(denominator),
        },
    )
    assert response.status_code == 200
    assert snapshot() == before


@FUZZ
@given(text=st.one_of(st.text(max_size=30), st.from_regex(r"-?[0-9.,]{1,25}", fullmatch=True)))
def test_any_text_is_either_refused_with_nothing_written_or_saved_exactly(grid, text):
    Figure.objects.filter(indicator=grid["indicators"]["revenue"]).delete()
    before = snapshot()
    response = post(grid["client"], **{"fig-revenue-value": text})
    assert response.status_code in (200, 302)
    try:
        number = parse_number(text, dots_group_thousands=True) if text.strip() else None
    except NumberFormatError:
        number = None
    revenue = Figure.objects.filter(indicator=grid["indicators"]["revenue"])
    if response.status_code == 302 and not text.strip():  # a blank cell: nothing to save
        assert not revenue.exists()
    elif response.status_code == 302:  # saved: the number typed, to the last digit
        assert revenue.get().value == number
    else:
        assert snapshot() == before


@FUZZ
@given(
    unit=st.one_of(st.just("ward-a"), st.just("ward-b"), st.text(max_size=12)),
    year=st.one_of(st.integers(min_value=-5, max_value=99999).map(str), st.text(max_size=6)),
    month=st.one_of(st.integers(min_value=-3, max_value=15).map(str), st.text(max_size=3)),
    version=st.text(max_size=40),
    status=st.one_of(st.just("official"), st.text(max_size=10)),
    delete=st.sampled_from(["", "on", "x"]),
)
def test_a_mangled_month_picker_or_row_never_errors_and_never_writes_outside_the_grant(
    grid, unit, year, month, version, status, delete
):
    before = snapshot()
    response = post(
        grid["client"],
        unit=unit,
        year=year,
        month=month,
        **{
            "fig-revenue-value": "12",
            "fig-revenue-version": version,
            "fig-revenue-status": status,
            "fig-revenue-delete": delete,
        },
    )
    assert response.status_code < 500
    written = Figure.objects.exclude(unit__code="ward-a")
    assert not written.exists()
    if response.status_code != 302:
        assert snapshot() == before
