"""The import under concurrent writes (PostgreSQL): it takes the units' row locks before it
plans, so a grid save waits for it instead of slipping in between; a row created meanwhile by a
writer that took no lock refuses the import with a message, never a server error."""

from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, OperationalError, connection
from django.urls import reverse
from openpyxl import Workbook

from indicators.entry.services import ConcurrentEdit, FigureEntry, save_month
from indicators.exchange import WorkbookRejected, import_workbook, writer
from indicators.models import Figure

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks and a second connection committing meanwhile need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]

HEADER = ["unit", "indicator", "year", "month", "value", "numerator", "denominator", "status"]


def september(value) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(HEADER)
    sheet.append(["ward-a", "revenue", 2023, 9, value, None, None, "official"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "thang-9.xlsx"
    return buffer


@pytest.fixture
def month(tree, make_indicator, grant):
    return {
        "unit": tree["ward-a"],
        "revenue": make_indicator("revenue", "sum", name="Thu ngân sách"),
        "anh": grant("anh", "data_entry", tree["ward-a"]),
        "binh": grant("binh", "data_entry", tree["ward-a"]),
    }


def in_another_connection(work) -> threading.Thread:
    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_grid_save_during_the_import_waits_for_it_and_is_then_told_who_changed_what(
    month, monkeypatch
):
    """Binh opened September's grid while it was empty and saves while Anh's import runs: the
    save waits on the import's row locks (taken before it planned), then is refused."""
    outcome: dict[str, object] = {}

    def binh_saves():
        try:
            save_month(
                unit=month["unit"],
                year=2023,
                month=9,
                user=month["binh"],
                expected_versions={month["revenue"].id: ""},  # no figure when he opened it
                entries=[FigureEntry(indicator=month["revenue"], value=Decimal(7))],
            )
            outcome["binh"] = "saved"
        except ConcurrentEdit as conflict:
            outcome["binh"] = conflict

    plan_import = writer.plan_import
    waiting: list[threading.Thread] = []

    def plan_while_binh_saves(raw, *, user):
        waiting.append(in_another_connection(binh_saves))
        time.sleep(0.5)
        assert waiting[0].is_alive()  # blocked on the locks the import already holds
        return plan_import(raw, user=user)

    monkeypatch.setattr(writer, "plan_import", plan_while_binh_saves)
    counts = import_workbook(september(100), file_name="thang-9.xlsx", user=month["anh"])
    waiting[0].join(10)

    assert counts["figures"].created == 1
    conflict = outcome["binh"]
    assert isinstance(conflict, ConcurrentEdit)
    assert [(e.seen, e.now.text, e.changed_by) for e in conflict.edits] == [(None, "100", "anh")]
    assert Figure.objects.get().value == Decimal(100)


def test_a_figure_inserted_without_locks_during_the_import_never_gives_a_server_error(
    client, month, monkeypatch
):
    """A writer that takes no unit lock (a raw insert, another tool) inserts the same figure
    while the import plans. The two collide on the unique key and PostgreSQL aborts one of
    them (whichever finds the deadlock): either the import is written and the insert fails,
    or the confirmation says someone saved the same rows and writes nothing. Never both, and
    never a 500."""
    client.force_login(month["anh"])
    preview = client.post(reverse("indicators-import"), {"file": september(100)})
    assert preview.context["plan"].counts["figures"].created == 1
    outcome: dict[str, object] = {}

    def raw_insert():
        try:
            Figure.objects.create(
                unit=month["unit"], indicator=month["revenue"], year=2023, month=9, value=5
            )
            outcome["insert"] = "committed"
        except (IntegrityError, OperationalError) as error:
            outcome["insert"] = type(error).__name__

    plan_import = writer.plan_import
    waiting: list[threading.Thread] = []

    def someone_inserts_while_planning(raw, *, user):
        waiting.append(in_another_connection(raw_insert))
        time.sleep(0.5)
        return plan_import(raw, user=user)

    monkeypatch.setattr(writer, "plan_import", someone_inserts_while_planning)
    response = client.post(
        reverse("indicators-import-confirm"), {"token": preview.context["token"]}, follow=True
    )
    waiting[0].join(10)

    assert response.status_code == 200
    page = response.content.decode()
    values = list(Figure.objects.values_list("value", flat=True))
    if outcome["insert"] == "committed":
        assert "Có người vừa lưu cùng dòng số liệu trong lúc nhập; chưa nhập gì." in page
        assert values == [Decimal(5)]
    else:
        assert "Đã nhập thang-9.xlsx" in page
        assert values == [Decimal(100)]


def test_two_imports_creating_the_same_figure_the_second_waits_and_updates_it(month):
    """The second import's plan is made after the first commits: it sees the figure and
    updates it, instead of failing on the unique constraint."""
    first_planned = threading.Event()
    first_may_commit = threading.Event()
    plan_import = writer.plan_import
    outcome: dict[str, object] = {}

    def first():
        def plan_and_hold(raw, *, user):
            plan = plan_import(raw, user=user)
            first_planned.set()
            first_may_commit.wait(10)
            return plan

        writer.plan_import = plan_and_hold
        try:
            outcome["first"] = import_workbook(
                september(100), file_name="a.xlsx", user=month["anh"]
            )
        finally:
            writer.plan_import = plan_import

    thread = in_another_connection(first)
    assert first_planned.wait(10)
    second = threading.Thread(
        target=lambda: outcome.setdefault(
            "second", _import_or_rejection(september(200), month["binh"])
        )
    )
    second.start()
    time.sleep(0.5)
    assert second.is_alive()  # waiting on the first import's locks
    first_may_commit.set()
    thread.join(10)
    second.join(10)

    assert outcome["first"]["figures"].created == 1
    assert outcome["second"]["figures"].updated == 1
    assert Figure.objects.get().value == Decimal(200)


def _import_or_rejection(file, user):
    try:
        return import_workbook(file, file_name="b.xlsx", user=user)
    except WorkbookRejected as rejected:
        return rejected
    finally:
        connection.close()


def test_two_import_workers_never_claim_the_same_job_nor_wait_for_each_other(month):
    """Worker 1 holds the oldest queued job's row (its claim not yet committed); worker 2 takes
    the next job at once (SKIP LOCKED), and nothing is left once worker 1 commits."""
    from django.db import transaction

    from indicators.exchange import jobs
    from indicators.models import ImportJob

    first, second = (
        ImportJob.objects.create(user=month["anh"], file_name=name) for name in ("1.xlsx", "2.xlsx")
    )
    holding, release = threading.Event(), threading.Event()
    claimed_by_one = []

    def worker_one():
        with transaction.atomic():
            claimed_by_one.append(jobs.claim_next())
            holding.set()
            release.wait(10)

    thread = in_another_connection(worker_one)
    assert holding.wait(10)
    started = time.monotonic()
    claimed_by_two = jobs.claim_next()
    waited = time.monotonic() - started
    release.set()
    thread.join(10)

    assert [job.pk for job in claimed_by_one] == [first.pk]
    assert claimed_by_two.pk == second.pk
    assert waited < 2  # skipped the locked row instead of waiting for worker 1's commit
    assert jobs.claim_next() is None
    assert set(ImportJob.objects.values_list("state", flat=True)) == {ImportJob.State.RUNNING}
