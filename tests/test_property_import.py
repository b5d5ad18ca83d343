"""Property tests: random bad rows thrown at the workbook import never write anything and never
cause a server error."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from indicators.exchange import WorkbookRejected, import_workbook
from indicators.models import Figure

FIGURES = ["unit", "indicator", "year", "month", "value", "numerator", "denominator", "status"]
FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def workbook(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(FIGURES)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def clerk(tree, make_indicator, grant):
    make_indicator("revenue", "sum", name="Thu ngân sách")
    make_indicator("online", "ratio", name="Hồ sơ trực tuyến")
    return grant("clerk", "data_entry", tree["ward-a"])


def snapshot():
    return sorted(Figure.objects.values_list("id", "value")), Figure.history.count()


# Cell values: anything a spreadsheet may hold.
any_cell = st.one_of(
    st.none(),
    # Text a spreadsheet can hold (control characters cannot be saved in a cell).
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=15),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(float),
    st.booleans(),
)
good_row = st.tuples(
    st.sampled_from(["ward-a", "group-a1"]),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=0, max_value=10**9),
).map(lambda t: [t[0], "revenue", 2023, t[1], t[2], None, None, "official"])
# Rows each of which is wrong in at least one way.
bad_row = st.one_of(
    st.tuples(st.sampled_from(["ward-b", "city", "khong-co"]), good_row).map(
        lambda t: [t[0], *t[1][1:]]  # a unit outside the grant, or none at all
    ),
    st.integers(min_value=1, max_value=10**9).map(
        lambda n: ["ward-a", "revenue", 2023, 9, -n, None, None, "official"]
    ),
    st.integers(min_value=13, max_value=99).map(
        lambda m: ["ward-a", "revenue", 2023, m, 1, None, None, "official"]
    ),
    st.integers(min_value=1, max_value=10**6).map(
        lambda n: ["ward-a", "online", 2023, 9, None, n + 1, n, "official"]
    ),
    st.text(alphabet="abcxyz%-", min_size=1, max_size=8).map(
        lambda t: ["ward-a", "revenue", 2023, 9, t, None, None, "official"]
    ),
    st.text(alphabet="abcxyz", min_size=1, max_size=8).map(
        lambda t: ["ward-a", "revenue", 2023, 9, 1, None, None, t]
    ),
)


@FUZZ
@given(good=st.lists(good_row, max_size=4), bad=bad_row, at=st.integers(min_value=0))
def test_one_bad_row_among_good_ones_refuses_the_whole_file(clerk, good, bad, at):
    rows = list(good)
    rows.insert(at % (len(rows) + 1), bad)
    before = snapshot()
    with pytest.raises(WorkbookRejected) as rejected:
        import_workbook(workbook(rows), file_name="fuzz.xlsx", user=clerk)
    assert rejected.value.errors  # every refusal says where and why
    assert snapshot() == before


@FUZZ
@given(rows=st.lists(st.lists(any_cell, min_size=8, max_size=8), min_size=1, max_size=4))
def test_random_cells_uploaded_in_the_admin_never_cause_a_server_error(client, clerk, rows):
    client.force_login(clerk)
    before = snapshot()
    file = workbook(rows)
    file.name = "fuzz.xlsx"
    response = client.post(reverse("indicators-import"), {"file": file})
    assert response.status_code == 200  # the preview or the list of errors, never a 5xx
    assert snapshot() == before  # a preview writes nothing


@FUZZ
@given(rows=st.lists(st.lists(any_cell, min_size=8, max_size=8), min_size=1, max_size=4))
def test_random_cells_are_either_refused_whole_or_written_within_the_grant(clerk, rows):
    before = snapshot()
    try:
        import_workbook(workbook(rows), file_name="fuzz.xlsx", user=clerk)
    except WorkbookRejected:
        assert snapshot() == before
    else:
        written = Figure.objects.exclude(unit__code__in=["ward-a", "group-a1", "group-a2"])
        assert not written.exists()
        assert all(
            v is None or v >= Decimal(0) for v in Figure.objects.values_list("value", flat=True)
        )
