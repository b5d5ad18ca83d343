"""Two people editing the same month: the second save is refused, told who changed what, and
keeps what it typed; nothing is silently overwritten."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from indicators.entry.services import (
    ConcurrentEdit,
    FigureEntry,
    figure_version,
    save_month,
    update_figure,
)
from indicators.models import Figure

URL = "admin:indicators_figure_enter"
MONTH = {"unit": "ward-a", "year": 2023, "month": 9}


@pytest.fixture
def month(tree, make_indicator, grant):
    revenue = make_indicator("revenue", "sum", name="Thu ngân sách")
    fees = make_indicator("fees", "sum", name="Thu phí, lệ phí")
    Figure.objects.create(
        unit=tree["ward-a"], indicator=revenue, year=2023, month=9, value=Decimal(1000)
    )
    return {
        "unit": tree["ward-a"],
        "revenue": revenue,
        "fees": fees,
        "anh": grant("anh", "data_entry", tree["ward-a"]),
        "binh": grant("binh", "data_entry", tree["ward-a"]),
    }


def opened_form(client, user) -> dict:
    """What the browser would post back from the grid as it was opened: values and versions."""
    client.force_login(user)
    grid = client.get(reverse(URL), MONTH).context["grid"]
    data = dict(MONTH)
    for row in grid.rows:
        data[row.add_prefix("status")] = row["status"].value()
        data[row.add_prefix("version")] = row["version"].value()
        value = row["value"].value()
        data[row.add_prefix("value")] = (
            "" if value is None else row.fields["value"].prepare_value(value)
        )
    return data


def test_the_second_save_is_refused_and_shown_what_changed(client, month):
    anh_form = opened_form(client, month["anh"])
    binh_form = opened_form(client, month["binh"])

    client.force_login(month["binh"])
    client.post(reverse(URL), {**binh_form, "fig-revenue-value": "2.000"})
    assert Figure.objects.get(indicator=month["revenue"]).value == Decimal(2000)

    client.force_login(month["anh"])
    response = client.post(
        reverse(URL), {**anh_form, "fig-revenue-value": "1.500", "fig-fees-value": "300"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chưa lưu: binh đã lưu số liệu tháng này sau khi bạn mở trang." in page
    edits = response.context["other_edits"]
    assert [(e.indicator.code, e.seen.text, e.now.text, e.changed_by) for e in edits] == [
        ("revenue", "1.000", "2.000", "binh")
    ]
    # Nothing of Anh's was written, and what she typed is still in the form.
    assert Figure.objects.get(indicator=month["revenue"]).value == Decimal(2000)
    assert not Figure.objects.filter(indicator=month["fees"]).exists()
    assert 'value="1.500"' in page and 'value="300"' in page

    # Saving again after seeing Binh's change is a deliberate overwrite, and goes through.
    grid = response.context["grid"]
    again = {**anh_form, "fig-revenue-value": "1.500", "fig-fees-value": "300"}
    for row in grid.rows:
        again[row.add_prefix("version")] = row.data[row.add_prefix("version")]
    assert again["fig-revenue-version"] == figure_version(
        Figure.objects.get(indicator=month["revenue"])
    )
    client.post(reverse(URL), again)
    assert Figure.objects.get(indicator=month["revenue"]).value == Decimal(1500)
    assert Figure.objects.get(indicator=month["fees"]).value == Decimal(300)


def test_a_figure_created_or_deleted_by_someone_else_also_refuses_the_save(client, month):
    anh_form = opened_form(client, month["anh"])
    save_month(
        unit=month["unit"],
        year=2023,
        month=9,
        user=month["binh"],
        entries=[
            FigureEntry(indicator=month["fees"], value=Decimal(40)),
            FigureEntry(indicator=month["revenue"], delete=True),
        ],
    )
    client.force_login(month["anh"])
    response = client.post(reverse(URL), {**anh_form, "fig-revenue-value": "1.200"})
    edits = {e.indicator.code: e for e in response.context["other_edits"]}
    assert edits["fees"].seen is None and edits["fees"].now.text == "40"
    assert edits["revenue"].seen.text == "1.000" and edits["revenue"].now is None
    assert {e.changed_by for e in edits.values()} == {"binh"}
    assert "(đã xóa)" in response.content.decode()
    assert not Figure.objects.filter(indicator=month["revenue"]).exists()


def test_an_unchanged_month_saves_with_its_versions(client, month):
    form = opened_form(client, month["anh"])
    client.post(reverse(URL), {**form, "fig-revenue-value": "1.100"})
    assert Figure.objects.get(indicator=month["revenue"]).value == Decimal(1100)


def test_a_tampered_version_token_is_refused_without_a_server_error(client, month):
    form = opened_form(client, month["anh"])
    for token in ("garbage", "12:not-a-date", "99999:2023-01-01T00:00:00+00:00", ":"):
        response = client.post(
            reverse(URL), {**form, "fig-revenue-version": token, "fig-revenue-value": "5"}
        )
        assert response.status_code == 200
        assert response.context["other_edits"][0].seen is None
    assert Figure.objects.get(indicator=month["revenue"]).value == Decimal(1000)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_at_once_the_second_waits_and_is_refused(month):
    """Anh's save holds the month's row locks; Binh's save, opened on the same version, waits
    for Anh's commit and is then refused instead of overwriting it."""
    revenue = month["revenue"]
    opened = {
        revenue.id: figure_version(Figure.objects.get(indicator=revenue)),
        month["fees"].id: "",
    }
    anh_saved = threading.Event()
    anh_may_commit = threading.Event()
    outcome: dict[str, object] = {}

    def anh():
        try:
            with transaction.atomic():
                save_month(
                    unit=month["unit"],
                    year=2023,
                    month=9,
                    user=month["anh"],
                    expected_versions=opened,
                    entries=[FigureEntry(indicator=revenue, value=Decimal(1500))],
                )
                anh_saved.set()
                anh_may_commit.wait(10)
        finally:
            connection.close()

    def binh():
        started = time.monotonic()
        try:
            save_month(
                unit=month["unit"],
                year=2023,
                month=9,
                user=month["binh"],
                expected_versions=opened,
                entries=[FigureEntry(indicator=revenue, value=Decimal(2000))],
            )
            outcome["binh"] = "saved"
        except ConcurrentEdit as conflict:
            outcome["binh"] = conflict
        finally:
            outcome["waited"] = time.monotonic() - started
            connection.close()

    first = threading.Thread(target=anh)
    first.start()
    assert anh_saved.wait(10)
    second = threading.Thread(target=binh)
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # blocked on Anh's row locks
    anh_may_commit.set()
    first.join(10)
    second.join(10)

    conflict = outcome["binh"]
    assert isinstance(conflict, ConcurrentEdit)
    assert outcome["waited"] >= 0.5
    assert [(e.seen.text, e.now.text, e.changed_by) for e in conflict.edits] == [
        ("1.000", "1.500", "anh")
    ]
    assert Figure.objects.get(indicator=revenue).value == Decimal(1500)


# --- The admin's single-figure form -------------------------------------------------------


def opened_change_form(client, user, figure) -> dict:
    """What the browser posts back from the admin's change form of ``figure`` as opened."""
    client.force_login(user)
    form = (
        client.get(reverse("admin:indicators_figure_change", args=[figure.pk]))
        .context["adminform"]
        .form
    )
    return {
        "value": form["value"].value(),
        "numerator": "",
        "denominator": "",
        "status": form["status"].value(),
        "version": form["version"].value(),
    }


def test_the_figure_change_form_carries_the_figure_version(client, month):
    figure = Figure.objects.get(indicator=month["revenue"])
    form = opened_change_form(client, month["anh"], figure)
    assert form["version"] == f"{figure.pk}:{figure.updated_at.isoformat()}"


def test_a_stale_figure_change_form_is_refused_naming_who_changed_it_and_when(client, month):
    figure = Figure.objects.get(indicator=month["revenue"])
    url = reverse("admin:indicators_figure_change", args=[figure.pk])
    anh_form = opened_change_form(client, month["anh"], figure)

    grid = opened_form(client, month["binh"])  # Binh saves 2.000 on the grid meanwhile
    client.post(reverse(URL), {**grid, "fig-revenue-value": "2.000"})
    figure.refresh_from_db()
    assert figure.value == Decimal(2000)

    client.force_login(month["anh"])
    response = client.post(url, {**anh_form, "value": "1500"}, follow=True)
    figure.refresh_from_db()
    assert figure.value == Decimal(2000)  # Binh's save stands
    last = figure.history.order_by("-history_id").first()
    when = date_format(timezone.localtime(last.history_date), "SHORT_DATETIME_FORMAT")
    said = [str(m) for m in response.context["messages"]]
    assert said[1:] == [  # said[0]: Binh's "saved", still pending in the shared test client
        f"Chưa lưu: binh đã sửa số liệu “Thu ngân sách” lúc {when}, sau khi bạn mở trang; "
        "hiện đã lưu: 2.000. Xem lại số liệu rồi sửa lần nữa nếu vẫn muốn."
    ]
    assert figure.history.count() == 2  # created, Binh's change; nothing from Anh


def test_a_current_figure_change_form_saves_and_a_deleted_figure_is_reported(client, month):
    figure = Figure.objects.get(indicator=month["revenue"])
    url = reverse("admin:indicators_figure_change", args=[figure.pk])
    form = opened_change_form(client, month["anh"], figure)
    client.post(url, {**form, "value": "1500"})
    figure.refresh_from_db()
    assert (figure.value, figure.entered_by, figure.source) == (
        Decimal(1500),
        month["anh"],
        "admin",
    )
    # The saved figure's version moved on: the same form posted again is now stale.
    client.post(url, {**form, "value": "1700"})
    figure.refresh_from_db()
    assert figure.value == Decimal(1500)


def test_the_update_figure_service_refuses_a_version_of_a_figure_deleted_since(month):
    figure = Figure.objects.get(indicator=month["revenue"])
    seen = figure_version(figure)
    figure_id = figure.pk
    figure.delete()
    with pytest.raises(Figure.DoesNotExist):
        update_figure(
            figure_id=figure_id,
            numbers={"value": Decimal(5), "status": "official"},
            user=month["anh"],
            expected_version=seen,
        )
    assert not Figure.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_figure_form_saved_during_a_grid_save_waits_and_is_refused(month):
    """The admin's single-figure save takes the same unit locks as the grid: it waits for the
    grid's commit, then finds the version changed instead of writing over it."""
    revenue = month["revenue"]
    figure = Figure.objects.get(indicator=revenue)
    opened = figure_version(figure)
    grid_saved = threading.Event()
    grid_may_commit = threading.Event()
    outcome: dict[str, object] = {}

    def grid():
        try:
            with transaction.atomic():
                save_month(
                    unit=month["unit"],
                    year=2023,
                    month=9,
                    user=month["binh"],
                    entries=[FigureEntry(indicator=revenue, value=Decimal(2000))],
                )
                grid_saved.set()
                grid_may_commit.wait(10)
        finally:
            connection.close()

    def form():
        started = time.monotonic()
        try:
            update_figure(
                figure_id=figure.pk,
                numbers={"value": Decimal(1500), "status": "official"},
                user=month["anh"],
                expected_version=opened,
            )
            outcome["anh"] = "saved"
        except ConcurrentEdit as conflict:
            outcome["anh"] = conflict
        finally:
            outcome["waited"] = time.monotonic() - started
            connection.close()

    first = threading.Thread(target=grid)
    first.start()
    assert grid_saved.wait(10)
    second = threading.Thread(target=form)
    second.start()
    time.sleep(0.5)
    assert second.is_alive()
    grid_may_commit.set()
    first.join(10)
    second.join(10)
    conflict = outcome["anh"]
    assert isinstance(conflict, ConcurrentEdit)
    assert outcome["waited"] >= 0.5
    assert [(e.now.text, e.changed_by) for e in conflict.edits] == [("2.000", "binh")]
    assert Figure.objects.get(indicator=revenue).value == Decimal(2000)
