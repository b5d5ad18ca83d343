"""The benchmark's yardstick keeps working: ``generate_data`` at a tiny size builds data the
services would accept, and ``scripts/bench`` prints every measure (gunicorn left out)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Sum
from django.test import Client

from indicators.entry.services import stored_breaches
from indicators.models import Figure, Indicator, MonthApproval, Predecessor, Target, Unit
from indicators.synthetic import PREFIX

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(communes=2, indicators=3, years=2, groups=2, last_year=2026, last_month=9)


def generate(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("generate_data", **{**TINY, **options}, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_generate_data_builds_a_tree_with_lineage_that_keeps_the_entry_rules():
    summary = generate()
    levels = dict(
        Unit.objects.filter(code__startswith=PREFIX)
        .values_list("level")
        .annotate(n=Count("id"))
        .values_list("level", "n")
    )
    current = Unit.objects.filter(parent__code=f"{PREFIX}p01", valid_until__isnull=True)
    assert current.count() == 2  # --communes 2, under the one province, under the root
    assert Unit.objects.get(code=f"{PREFIX}p01").parent.code == f"{PREFIX}vn"
    old = Unit.objects.filter(valid_until=date(2025, 6, 30), level__in=["ward", "commune", "town"])
    communes = current.count() + old.count()
    assert levels["group"] == 2 * communes  # --groups 2 in every commune, old ones too
    assert "figures" in summary and "targets" in summary

    # Lineage: the first commune was formed on 1 July 2025 from old communes that ended then.
    formed = Unit.objects.get(code=f"{PREFIX}p01-x001")
    assert formed.valid_from == date(2025, 7, 1)
    links = Predecessor.objects.filter(unit=formed).select_related("predecessor")
    assert links.count() >= 2
    assert {link.predecessor.valid_until for link in links} == {date(2025, 6, 30)}
    shares = Predecessor.objects.values("predecessor").annotate(total=Sum("share"))
    assert all(Decimal(0) < row["total"] <= 1 for row in shares)

    # Figures only where entry levels and validity allow: what every write path checks.
    assert stored_breaches() == []
    call_command("check_entry_levels", stdout=open(os.devnull, "w"))  # exits 1 on a breach
    assert not Figure.objects.filter(unit__in=old, year=2025, month__gt=6).exists()
    assert not Figure.objects.filter(unit=formed, year=2025, month__lt=7).exists()
    assert Figure.objects.filter(unit__in=old, year=2025, month__lte=6).exists()
    for figure in Figure.objects.select_related("unit", "indicator")[:200]:
        assert figure.indicator.is_entered_at(figure.unit.level)
    indicators = Indicator.objects.filter(is_active=True)
    assert indicators.count() == 3
    assert {i.is_entered_at("group") for i in indicators} == {True, False}

    # Targets from two authorities; the last month an estimate, entered by half the communes;
    # past months approved, the month before the last submitted.
    assert Target.objects.filter(unit=formed, year=2026).values("authority").distinct().count() == 2
    september = Figure.objects.filter(year=2026, month=9, unit__in=current)
    assert set(september.values_list("status", flat=True)) == {Figure.Status.ESTIMATE}
    assert september.values("unit").distinct().count() == 1
    assert not Figure.objects.filter(year=2026, month__gt=9).exists()
    approvals = MonthApproval.objects.filter(unit=formed, year=2026)
    assert set(approvals.filter(month__lte=7).values_list("status", flat=True)) == {"approved"}
    assert approvals.get(month=8).status == MonthApproval.Status.SUBMITTED
    assert not approvals.filter(month=9).exists()


@pytest.mark.django_db
def test_the_generated_reformed_commune_compares_with_last_year_over_its_territory():
    generate()
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.org", "x"))
    response = client.get(f"/api/units/{PREFIX}p01-x001/2026/9m/")
    assert response.status_code == 200
    body = response.json()
    notes = [row["lineage_note"] for row in body["indicators"]]
    assert any(notes), "no row compares with the predecessors' 2025"


@pytest.mark.django_db
def test_generate_data_refuses_to_add_twice_and_replaces_when_asked():
    generate()
    figures = Figure.objects.count()
    with pytest.raises(CommandError, match="--replace"):
        generate()
    generate(replace=True)
    assert Figure.objects.count() == figures  # the same seed builds the same rows again


def test_bench_prints_every_measure_at_tiny_size(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench"),
            "--size",
            "tiny",
            "--no-gunicorn",
            "--requests",
            "1",
            "--warmup",
            "0",
            "--cold",
            "1",
            "--import-figures",
            "50",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    measures = [
        "ward page",
        "province page",
        "national page",
        "API ward",
        "API province",
        "API national",
        "ward export.xlsx",
        "province export.xlsx",
        "import 50 figures",
    ]
    for name in measures:
        variants = (", cold", ", after a save")
        [found] = [
            line for line in lines if line.startswith(name) and not any(v in line for v in variants)
        ]
        assert " tiny " in found
        assert found.split()[-1].isdigit()  # how many timed requests
        if not name.startswith("import"):  # the first request after a write, and after a save
            for variant in variants:
                [after] = [line for line in lines if line.startswith(name) and variant in line]
                assert after.split()[-1] == "1"
    assert " ms " in next(line for line in lines if line.startswith("ward page"))
