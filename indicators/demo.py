"""Loading the shipped indicator catalogue and the Chánh Lộ demo data.

Both are idempotent: running them again updates rows found by their natural keys (codes;
unit + indicator + year + month) and never duplicates anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from indicators.core.lineage_rules import parse_predecessors
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    PeriodReport,
    Predecessor,
    Target,
    Unit,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
CATALOGUE_FILE = DATA_DIR / "catalogue.json"
DEMO_FILE = DATA_DIR / "demo_chanh_lo.json"
# An invented merger on 1 July 2025 (Chánh Lộ and two made-up neighbours), to show "cùng kỳ"
# across the reform: illustrative, not the law (see the file's _comment).
REFORM_FILE = DATA_DIR / "demo_reform.json"

INDICATOR_FIELDS = [
    "name",
    "name_en",
    "short_name",
    "short_name_en",
    "unit",
    "unit_en",
    "kind",
    "direction",
    "numerator_label",
    "denominator_label",
    "is_main",
    "order",
    "entry_levels",
    "decimal_places",
]


@transaction.atomic
def load_catalogue(path: Path = CATALOGUE_FILE) -> int:
    """Create the catalogue's areas and indicators that are missing; returns how many were new.

    Rows that exist keep what staff changed in the admin.
    """
    catalogue = json.loads(path.read_text(encoding="utf-8"))
    areas = {}
    for row in catalogue["areas"]:
        areas[row["code"]], _ = Area.objects.get_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("name", "name_en", "order")},
        )
    created = 0
    for row in catalogue["indicators"]:
        defaults = {k: row[k] for k in INDICATOR_FIELDS if k in row}
        _, was_created = Indicator.objects.get_or_create(
            code=row["code"], defaults={**defaults, "area": areas[row["area"]]}
        )
        created += was_created
    return created


@dataclass(frozen=True)
class DemoCounts:
    units: int
    targets: int
    figures: int


SOURCES = {  # how each figure's origin reads in the app (figure lists, history)
    "seed": "dữ liệu mẫu: số liệu của báo cáo 9 tháng 2023",
    "illustrative": "dữ liệu mẫu: minh họa",
    "illustrative split of the seed's 9-month total": (
        "dữ liệu mẫu: minh họa, chia theo tháng tổng 9 tháng của báo cáo"
    ),
}


def _amount(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _sync(model, lookup: dict, values: dict):
    """Create or update the row found by ``lookup``; leave it untouched when nothing differs,
    so that loading the demo again writes nothing and adds nothing to the audit trail."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values)
    if any(getattr(row, field) != value for field, value in values.items()):
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
    return row


def _sync_figure(row: dict, *, units: dict, indicators: dict):
    """One figure of a demo file, created or brought up to date by :func:`_sync`."""
    return _sync(
        Figure,
        {
            "unit": units[row["unit"]],
            "indicator": indicators[row["indicator"]],
            "year": row["year"],
            "month": row["month"],
        },
        {
            "value": _amount(row.get("value")),
            "numerator": _amount(row.get("numerator")),
            "denominator": _amount(row.get("denominator")),
            "status": row["status"],
            "source": SOURCES[row["source"]],
        },
    )


@transaction.atomic
def load_demo(path: Path = DEMO_FILE) -> DemoCounts:
    """Load Chánh Lộ's demo: its units, authorities, targets, figures, written sections and
    the months its units have submitted."""
    load_catalogue()
    demo = json.loads(path.read_text(encoding="utf-8"))
    for row in demo["authorities"]:
        _sync(Authority, {"code": row["code"]}, {k: v for k, v in row.items() if k != "code"})
    units: dict[str, Unit] = {}
    for row in demo["units"]:  # parents come before their children in the file
        units[row["code"]] = _sync(
            Unit,
            {"code": row["code"]},
            {
                "name": row["name"],
                "name_en": row["name_en"],
                "level": row["level"],
                "parent": units[row["parent"]] if row["parent"] else None,
                "order": row["order"],
            },
        )
    indicators = {i.code: i for i in Indicator.objects.all()}
    authorities = {a.code: a for a in Authority.objects.all()}
    for row in demo["targets"]:
        _sync(
            Target,
            {
                "unit": units[row["unit"]],
                "indicator": indicators[row["indicator"]],
                "year": row["year"],
                "authority": authorities[row["authority"]],
            },
            {"value": Decimal(row["value"]), "basis": row["basis"]},
        )
    for row in demo["figures"]:
        _sync_figure(row, units=units, indicators=indicators)
    reform = _load_reform(units, indicators)
    for row in demo["reports"]:
        _sync(
            PeriodReport,
            {"unit": units[row["unit"]], "year": row["year"], "period": row["period"]},
            {k: row[k] for k in ("results", "shortcomings", "tasks")},
        )
    for row in demo.get("submissions", []):  # illustrative dates, a few late (see the file)
        _sync(
            MonthApproval,
            {"unit": units[row["unit"]], "year": row["year"], "month": row["month"]},
            {
                "status": MonthApproval.Status.SUBMITTED,
                "submitted_at": datetime.fromisoformat(row["submitted_at"]),
            },
        )
    return DemoCounts(
        units=len(demo["units"]) + reform.units,
        targets=len(demo["targets"]),
        figures=len(demo["figures"]) + reform.figures,
    )


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _load_reform(units: dict[str, Unit], indicators: dict[str, Indicator]) -> DemoCounts:
    """The illustrative merged ward, its province, its two neighbours and their figures."""
    reform = json.loads(REFORM_FILE.read_text(encoding="utf-8"))
    for code, dates in reform["validity"].items():
        units[code] = _sync(Unit, {"code": code}, {k: _day(v) for k, v in dates.items()})
    for row in reform["units"]:  # parents first, predecessors before their successors
        units[row["code"]] = _sync(
            Unit,
            {"code": row["code"]},
            {
                "name": row["name"],
                "name_en": row["name_en"],
                "level": row["level"],
                "parent": units[row["parent"]] if row["parent"] else None,
                "order": row["order"],
                "valid_from": _day(row["valid_from"]),
                "valid_until": _day(row["valid_until"]),
            },
        )
        for code, share in parse_predecessors(row["predecessors"]):
            _sync(
                Predecessor,
                {"unit": units[row["code"]], "predecessor": units[code]},
                {"share": share},
            )
    for code, parent in reform["parents"].items():  # the district-level city under the province
        units[code] = _sync(Unit, {"code": code}, {"parent": units[parent]})
    for row in reform["figures"]:
        _sync_figure(row, units=units, indicators=indicators)
    return DemoCounts(units=len(reform["units"]), targets=0, figures=len(reform["figures"]))
