"""Synthetic data at any size, for the benchmark (``manage.py generate_data``, ``make bench``).

A realistic country after the 2025 reform: a root ("Cả nước") → provinces → communes
(ward, commune, special zone) → residential groups. Part of
the communes were formed on 1 July 2025 from old communes (wholly, and now and then from part of
one split between two new communes); the old communes keep their old district and their own
groups, and end on 30 June 2025. The indicators are the shipped catalogue, plus synthetic ones
of every kind when more are asked for, each with its entry levels; figures are stored only at
the levels that enter them and only in months their unit existed. Targets come from two
authorities (the upper level's People's Committee and the commune's People's Council), the last
month entered is an estimate and only half the communes have entered it, a few months are
missing here and there, past months are approved and the one before the last is submitted.

**This bypasses the services on purpose.** ``entry.services`` locks, checks and writes one
month at a time with its audit rows, which is right for people and far too slow for millions of
rows. Here rows are written in large batches (PostgreSQL: ``COPY`` through psycopg 3; SQLite:
``executemany``), with no history rows, but every row is one the services would accept: the
entry levels and decimals of :func:`~indicators.entry.services.validate_figure` (so
``manage.py check_entry_levels`` finds nothing), the units' validity, the database constraints.

Every generated code starts with :data:`PREFIX`; ``replace=True`` deletes those rows first.
"""

from __future__ import annotations

import calendar
import math
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from decimal import Decimal
from itertools import zip_longest

from django.db import connection, transaction
from django.utils import timezone

from indicators import freshness, tree
from indicators.core.entry_rules import default_decimal_places, enters
from indicators.demo import load_catalogue
from indicators.models import (
    Area,
    Authority,
    Figure,
    Indicator,
    MonthApproval,
    Predecessor,
    RoleGrant,
    Target,
    Unit,
)

PREFIX = "gen-"
REFORM_DAY = date(2025, 7, 1)
LAST_OLD_DAY = date(2025, 6, 30)
SOURCE = "dữ liệu tổng hợp (generate_data)"
COMMUNE_LEVELS = ["ward", "commune", "town", "special_zone"]  # as the catalogue enters them
GROUP_LEVELS = ["group"]
BATCH = 20_000
COMPARED_PROVINCE = 150  # communes of the first province, when there are enough


@dataclass(frozen=True)
class Size:
    communes: int
    indicators: int
    years: int
    groups: int = 4
    provinces: int | None = None  # None: 34 from 1,000 communes up, else one per 150
    reform_share: float = 0.5  # of the current communes, formed on 1 July 2025
    last_year: int | None = None  # None: this year
    last_month: int | None = None  # None: the month before this one in this year, else 12
    seed: int = 2025

    def province_count(self) -> int:
        if self.provinces:
            return max(1, min(self.provinces, self.communes))
        return 34 if self.communes >= 1000 else max(1, self.communes // COMPARED_PROVINCE)


@dataclass
class Built:
    units: dict[str, int] = field(default_factory=dict)  # by level
    indicators: int = 0
    synthetic_indicators: int = 0
    predecessors: int = 0
    figures: int = 0
    estimates: int = 0
    targets: int = 0
    approvals: int = 0
    seconds: float = 0.0
    engine: str = ""


# --- The catalogue ------------------------------------------------------------------------------

# What synthetic indicators look like, in turn: (kind, unit, levels, name); 1 in 6 is entered by
# residential groups, as in the shipped catalogue's social-security and fire-prevention areas.
SYNTHETIC = [
    ("sum", "đồng", COMMUNE_LEVELS, "Thu phí, lệ phí (thử %d)"),
    ("ratio", "%", COMMUNE_LEVELS, "Tỷ lệ hồ sơ xử lý trực tuyến (thử %d)"),
    ("reported", "%", COMMUNE_LEVELS, "Chỉ số công bố (thử %d)"),
    ("sum", "vụ", COMMUNE_LEVELS, "Số vụ vi phạm (thử %d)"),
    ("level", "hộ", GROUP_LEVELS, "Số hộ được hỗ trợ (thử %d)"),
    ("ratio", "%", COMMUNE_LEVELS, "Tỷ lệ trẻ em được tiêm chủng (thử %d)"),
]


def catalogue(count: int) -> list[Indicator]:
    """``count`` active indicators: the shipped catalogue first (every kind early when fewer are
    asked for), then synthetic ones. Catalogue indicators left out are made inactive when no
    figure uses them, so the pages show what was generated."""
    load_catalogue()
    shipped = list(Indicator.objects.filter(code__in=_catalogue_codes()).order_by("id"))
    # One of each kind and entry level first, commune and group levels in turn, so that a
    # small set still has both levels and every kind.
    seen: set[tuple[str, bool]] = set()
    by_level: dict[bool, list[Indicator]] = {False: [], True: []}
    rest = []
    for indicator in shipped:
        key = (indicator.kind, indicator.is_entered_at("group"))
        (rest if key in seen else by_level[key[1]]).append(indicator)
        seen.add(key)
    first = [i for pair in zip_longest(by_level[False], by_level[True]) for i in pair if i]
    chosen = (first + rest)[:count]
    unused = [i.id for i in shipped if i not in chosen]
    Indicator.objects.filter(id__in=unused, figures__isnull=True).update(is_active=False)
    Indicator.objects.filter(id__in=[i.id for i in chosen]).update(is_active=True)
    areas = list(Area.objects.order_by("order", "code"))
    for number in range(1, count - len(chosen) + 1):
        kind, unit, levels, name = SYNTHETIC[(number - 1) % len(SYNTHETIC)]
        chosen.append(
            Indicator.objects.create(
                code=f"{PREFIX}chi-tieu-{number}",
                name=name % number,
                name_en=f"Synthetic indicator {number}",
                short_name=name % number,
                area=areas[number % len(areas)],
                unit=unit,
                kind=kind,
                numerator_label="Số đạt" if kind == "ratio" else "",
                denominator_label="Tổng số" if kind == "ratio" else "",
                is_main=number % 4 == 1,
                entry_levels=levels,
                order=1000 + number,
            )
        )
    return chosen


def _catalogue_codes() -> list[str]:
    import json

    from indicators.demo import CATALOGUE_FILE

    return [row["code"] for row in json.loads(CATALOGUE_FILE.read_text("utf-8"))["indicators"]]


# --- The tree -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """A unit to create, with the months it exists in (first and last day)."""

    code: str
    name: str
    level: str
    parent: str | None
    order: int
    valid_from: date | None = None
    valid_until: date | None = None
    predecessors: list[tuple[str, Decimal]] = field(default_factory=list)


def plan_tree(size: Size) -> list[Plan]:
    """Parents before children, predecessors before the units formed from them."""
    provinces = size.province_count()
    plans: list[Plan] = []
    # There is no "country" level (Unit.Level); the root is a province-level unit above all.
    root = f"{PREFIX}vn"
    plans.append(Plan(root, "Cả nước (dữ liệu tổng hợp)", "province", None, 0))
    per_province = _split(size.communes, provinces)
    reform = size.reform_share > 0 and _last_year(size) >= REFORM_DAY.year
    for p, commune_count in enumerate(per_province, start=1):
        province = f"{PREFIX}p{p:02d}"
        plans.append(Plan(province, f"Tỉnh Tổng Hợp {p}", "province", root, p))
        reformed = [c for c in range(1, commune_count + 1) if reform and _is_reformed(c, size)]
        old: list[Plan] = []
        districts: list[Plan] = []
        successors: dict[int, list[tuple[str, Decimal]]] = {}
        for position, c in enumerate(reformed):
            parts = 3 if position % 3 == 2 else 2
            for _ in range(parts):
                old.append(_old_commune(province, len(old) + 1))
                successors.setdefault(c, []).append((old[-1].code, Decimal(1)))
            # Now and then an old commune split between two new ones (0.6 and 0.4).
            if position % 4 == 0 and position + 1 < len(reformed):
                old.append(_old_commune(province, len(old) + 1))
                successors[c].append((old[-1].code, Decimal("0.6")))
                successors.setdefault(reformed[position + 1], []).append(
                    (old[-1].code, Decimal("0.4"))
                )
        for d in range(1, math.ceil(len(old) / 10) + 1):
            districts.append(
                Plan(
                    f"{province}-h{d:02d}",
                    f"Huyện Cũ {d} (tỉnh {p})",
                    "district",
                    province,
                    d,
                    valid_until=LAST_OLD_DAY,
                )
            )
        plans += districts
        for index, commune in enumerate(old):
            commune.parent = districts[index // 10].code
            plans.append(commune)
            plans += _groups(commune, size.groups)
        for c in range(1, commune_count + 1):
            level = "special_zone" if c % 50 == 0 else ("ward" if c % 3 else "commune")
            name = {"ward": "Phường", "commune": "Xã", "special_zone": "Đặc khu"}[level]
            commune = Plan(
                f"{province}-x{c:03d}",
                f"{name} Mới {c} (tỉnh {p})",
                level,
                province,
                c,
                valid_from=REFORM_DAY if c in successors else None,
                predecessors=successors.get(c, []),
            )
            plans.append(commune)
            plans += _groups(commune, size.groups)
    return plans


def _last_year(size: Size) -> int:
    return size.last_year or timezone.localdate().year


def _is_reformed(c: int, size: Size) -> bool:
    """Spread evenly, the first commune included (the benchmark's ward): at share 0.5 the
    communes 1, 3, 5, …"""
    share = min(1.0, size.reform_share)
    return math.floor(c * share + 1 - share) > math.floor((c - 1) * share + 1 - share)


def _split(total: int, parts: int) -> list[int]:
    """The first province holds 150 communes when the rest can still have one each (the
    benchmark's province page compares 150), the others share what remains evenly."""
    if parts == 1:
        return [total]
    first = COMPARED_PROVINCE if total - COMPARED_PROVINCE >= parts - 1 else total // parts
    rest = total - first
    base, extra = divmod(rest, parts - 1)
    return [first] + [base + (1 if i < extra else 0) for i in range(parts - 1)]


def _old_commune(province: str, number: int) -> Plan:
    level = ("ward", "commune", "town")[number % 3]
    name = {"ward": "Phường", "commune": "Xã", "town": "Thị trấn"}[level]
    return Plan(
        f"{province}-o{number:04d}",
        f"{name} Cũ {number}",
        level,
        None,
        number,
        valid_until=LAST_OLD_DAY,
    )


def _groups(commune: Plan, count: int) -> list[Plan]:
    return [
        Plan(
            f"{commune.code}-t{g}",
            f"Tổ dân phố {g}",
            "group",
            commune.code,
            g,
            valid_from=commune.valid_from,
            valid_until=commune.valid_until,
        )
        for g in range(1, count + 1)
    ]


# --- Writing ------------------------------------------------------------------------------------


class RowWriter:
    """Inserts plain rows into one table: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""

    def __init__(self, model, columns: Sequence[str]):
        self.table = model._meta.db_table
        self.columns = list(columns)

    def write(self, rows: Iterable[tuple]) -> int:
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.table)
        count = 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg 3's own cursor, in Django's transaction
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            return count
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"
        with connection.cursor() as cursor:
            for batch in _batches(rows, BATCH):
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def delete_generated() -> None:
    """Every row whose unit or indicator code starts with :data:`PREFIX` (raw SQL: Django's
    delete() would load millions of figures to send their signals)."""
    units = f"SELECT id FROM {Unit._meta.db_table} WHERE code LIKE %s"
    indicators = f"SELECT id FROM {Indicator._meta.db_table} WHERE code LIKE %s"
    like = [f"{PREFIX}%"]
    with connection.cursor() as cursor:
        for model in (Figure, Target, MonthApproval, RoleGrant):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE unit_id IN ({units})", like)
        for model in (Figure, Target):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE indicator_id IN ({indicators})", like
            )
        cursor.execute(
            f"DELETE FROM {Predecessor._meta.db_table} WHERE unit_id IN ({units}) "
            f"OR predecessor_id IN ({units})",
            like * 2,
        )
        cursor.execute(f"DELETE FROM {Unit._meta.db_table} WHERE code LIKE %s", like)
        cursor.execute(f"DELETE FROM {Indicator._meta.db_table} WHERE code LIKE %s", like)
        cursor.execute(f"DELETE FROM {Authority._meta.db_table} WHERE code LIKE %s", like)


# --- Values -------------------------------------------------------------------------------------


def _profile(indicator: Indicator, level: str, rng: random.Random):
    """A function (month index, r1, r2) → (value, numerator, denominator) as stored text, for one
    unit's indicator, and the unit's typical annual total or rate (for its targets)."""
    kind = indicator.kind
    whole = default_decimal_places(indicator.unit) == 0 or indicator.unit == "đồng"
    if kind == Indicator.Kind.RATIO:
        size = rng.randint(20, 400) if level != "group" else rng.randint(5, 60)
        rate = 0.55 + 0.4 * rng.random()

        def ratio(_, r1, r2):
            denominator = max(1, int(size * (0.7 + 0.6 * r1)))
            numerator = min(denominator, int(denominator * (rate + 0.1 * (r2 - 0.5))))
            return None, str(max(0, numerator)), str(denominator)

        return ratio, Decimal(round(rate * 100, 1))
    if kind == Indicator.Kind.REPORTED:
        base = 40 + 55 * rng.random()

        def reported(_, r1, __):
            return f"{min(100.0, base + 10 * r1):.2f}", None, None

        return reported, Decimal(round(min(100.0, base + 5), 1))
    if kind == Indicator.Kind.LEVEL:
        base = rng.randint(5, 60) if indicator.unit == "hộ" else rng.randint(1, 4)

        def level_of(index, r1, __):
            return str(max(0, base - index // 6 + (1 if r1 > 0.9 else 0))), None, None

        return level_of, Decimal(max(0, base - 2))
    if indicator.unit == "đồng":
        monthly = rng.randint(100, 1500) * 1_000_000 // 12
    else:
        monthly = rng.randint(1, 12)

    def flow(_, r1, __):
        amount = monthly * (0.5 + r1)
        return (str(int(amount)) if whole else f"{amount:.2f}"), None, None

    return flow, Decimal(monthly * 12)


def _months(plan: Plan, years: range, last_month: int) -> list[tuple[int, int]]:
    months = []
    for year in years:
        for month in range(1, (last_month if year == years[-1] else 12) + 1):
            first, last = date(year, month, 1), _month_end(year, month)
            if plan.valid_from and last < plan.valid_from:
                continue
            if plan.valid_until and first > plan.valid_until:
                continue
            months.append((year, month))
    return months


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- The whole build ----------------------------------------------------------------------------


@transaction.atomic
def generate(size: Size, *, replace: bool = False, log=print) -> Built:
    started = time.perf_counter()
    built = Built(engine=connection.vendor)
    if connection.vendor == "postgresql":
        # Check each foreign key as the row arrives: Django's are deferred to the commit, which
        # then queues and checks millions of trigger events (minutes for the national set).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if replace:
        delete_generated()
    elif Unit.objects.filter(code__startswith=PREFIX).exists():
        raise ValueError("generated")
    rng = random.Random(size.seed)
    last_year = _last_year(size)
    years = range(last_year - size.years + 1, last_year + 1)
    today = timezone.localdate()
    last_month = size.last_month or (today.month - 1 if last_year == today.year else 12)
    last_month = max(1, last_month)
    indicators = catalogue(size.indicators)
    built.indicators = len(indicators)
    built.synthetic_indicators = sum(i.code.startswith(PREFIX) for i in indicators)

    plans = plan_tree(size)
    ids = _create_units(plans)
    for plan in plans:
        built.units[plan.level] = built.units.get(plan.level, 0) + 1
    links = [
        Predecessor(unit_id=ids[plan.code], predecessor_id=ids[code], share=share)
        for plan in plans
        for code, share in plan.predecessors
    ]
    Predecessor.objects.bulk_create(links, batch_size=5000)
    built.predecessors = len(links)
    log(f"units and lineage: {time.perf_counter() - started:.1f} s")

    upper, council = _authorities()
    communes = [p for p in plans if p.level in COMMUNE_LEVELS]
    half_entered = {p.code for p in communes[1::2]}  # these have not entered the last month yet
    now = connection.ops.adapt_datetimefield_value(timezone.now())

    def figure_rows() -> Iterator[tuple]:
        for plan in plans:
            entered = [i for i in indicators if enters(i.entry_levels or [], plan.level)]
            if not entered or plan.level in ("province", "district"):
                continue
            commune = plan.code if plan.level != "group" else plan.parent
            months = _months(plan, years, last_month)
            if commune in half_entered and months and months[-1] == (years[-1], last_month):
                months.pop()
            unit_id = ids[plan.code]
            profiles = [(i.id, *_profile(i, plan.level, rng)) for i in entered]
            draw = rng.random
            for index, (year, month) in enumerate(months):
                if draw() < 0.02:  # a month this unit skipped
                    continue
                estimate = year == years[-1] and month == last_month
                status = Figure.Status.ESTIMATE if estimate else Figure.Status.OFFICIAL
                for indicator_id, values, _ in profiles:
                    value, numerator, denominator = values(index, draw(), draw())
                    built.figures += 1
                    built.estimates += estimate
                    yield (
                        unit_id,
                        indicator_id,
                        year,
                        month,
                        value,
                        numerator,
                        denominator,
                        status,
                        SOURCE,
                        now,
                        now,
                    )

    RowWriter(
        Figure,
        [
            "unit_id",
            "indicator_id",
            "year",
            "month",
            "value",
            "numerator",
            "denominator",
            "status",
            "source",
            "created_at",
            "updated_at",
        ],
    ).write(figure_rows())
    log(f"figures: {built.figures:,} in {time.perf_counter() - started:.1f} s")

    def target_rows() -> Iterator[tuple]:
        for plan in plans:
            if plan.level == "group" or plan.level == "district":
                continue
            level = plan.level if plan.level in COMMUNE_LEVELS else "province"
            for indicator in indicators:
                _, typical = _profile(indicator, level, rng)
                if level == "province" and not indicator.is_percentage:
                    typical *= 100
                for year in years:
                    if plan.valid_from and plan.valid_from.year > year:
                        continue
                    if plan.valid_until and plan.valid_until.year < year:
                        continue
                    for authority, factor in ((upper, 1.0), (council, 1.02 + 0.06 * rng.random())):
                        value = typical * Decimal(str(round(factor, 2)))
                        if indicator.is_percentage:
                            value = min(Decimal(100), value.quantize(Decimal("0.1")))
                        else:
                            value = value.quantize(Decimal(1))
                        built.targets += 1
                        yield (
                            ids[plan.code],
                            indicator.id,
                            year,
                            authority.id,
                            str(value),
                            "Nghị quyết, quyết định giao chỉ tiêu (dữ liệu tổng hợp)",
                            "",
                            now,
                        )

    RowWriter(
        Target,
        [
            "unit_id",
            "indicator_id",
            "year",
            "authority_id",
            "value",
            "basis",
            "adjustment_reason",
            "updated_at",
        ],
    ).write(target_rows())
    log(f"targets: {built.targets:,} in {time.perf_counter() - started:.1f} s")

    def approval_rows() -> Iterator[tuple]:
        for plan in plans:
            if plan.level == "group" or plan.level == "district":
                continue
            for year, month in _months(plan, years, last_month):
                # Past months approved; the month before the last submitted; the last open.
                if (year, month) == (years[-1], last_month):
                    continue
                status = MonthApproval.Status.APPROVED
                if (year, month) == (years[-1], last_month - 1):
                    status = MonthApproval.Status.SUBMITTED
                    if plan.code in half_entered:
                        continue
                due = _month_end(year, month).toordinal() + (25 if rng.random() < 0.1 else 10)
                submitted = timezone.make_aware(
                    datetime.combine(date.fromordinal(due), clock(9, 0))
                )
                built.approvals += 1
                yield (
                    ids[plan.code],
                    year,
                    month,
                    status,
                    now,
                    "",
                    connection.ops.adapt_datetimefield_value(submitted),
                    "",
                )

    RowWriter(
        MonthApproval,
        [
            "unit_id",
            "year",
            "month",
            "status",
            "changed_at",
            "reason",
            "submitted_at",
            "confirmed_missing",
        ],
    ).write(approval_rows())
    log(f"approvals: {built.approvals:,} in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Figure, Target, MonthApproval, Unit):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    # Written around the models: no signal told the caches (indicators/freshness.py).
    freshness.bump([freshness.EVERYTHING])
    tree.forget()
    built.seconds = time.perf_counter() - started
    return built


def _create_units(plans: list[Plan]) -> dict[str, int]:
    """Creates the units level by level (a parent's id is needed by its children)."""
    ids: dict[str, int] = dict(
        Unit.objects.filter(code__in=[p.code for p in plans]).values_list("code", "id")
    )
    pending = [p for p in plans if p.code not in ids]
    while pending:
        ready = [p for p in pending if p.parent is None or p.parent in ids]
        rows = Unit.objects.bulk_create(
            [
                Unit(
                    code=p.code,
                    name=p.name,
                    level=p.level,
                    parent_id=ids[p.parent] if p.parent else None,
                    order=p.order,
                    valid_from=p.valid_from,
                    valid_until=p.valid_until,
                )
                for p in ready
            ],
            batch_size=2000,
        )
        if any(row.pk is None for row in rows):  # a database that returns no ids
            ids |= dict(
                Unit.objects.filter(code__in=[p.code for p in ready]).values_list("code", "id")
            )
        else:
            ids |= {row.code: row.pk for row in rows}
        done = {p.code for p in ready}
        pending = [p for p in pending if p.code not in done]
    return ids


def _authorities() -> tuple[Authority, Authority]:
    upper, _ = Authority.objects.get_or_create(
        code=f"{PREFIX}ubnd-cap-tren",
        defaults={
            "name": "UBND tỉnh (dữ liệu tổng hợp)",
            "name_en": "Provincial People's Committee (synthetic)",
            "report_phrase": "chỉ tiêu tỉnh giao",
            "report_phrase_en": "of the province's target",
            "order": 10,
        },
    )
    council, _ = Authority.objects.get_or_create(
        code=f"{PREFIX}hdnd",
        defaults={
            "name": "HĐND xã, phường (dữ liệu tổng hợp)",
            "name_en": "Commune People's Council (synthetic)",
            "report_phrase": "chỉ tiêu HĐND giao",
            "report_phrase_en": "of the People's Council's target",
            "order": 20,
        },
    )
    return upper, council
