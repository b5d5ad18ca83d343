"""``manage.py generate_data --communes N --indicators K --years Y``: synthetic data at any size.

See :mod:`indicators.synthetic`: it writes in large batches and bypasses the services on
purpose (no locks, no audit rows), producing only rows the services would accept.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from indicators.synthetic import PREFIX, Size, generate


class Command(BaseCommand):
    help = (
        "Build realistic synthetic data (provinces, communes, residential groups, the 2025 "
        "reform's lineage, figures, targets from two authorities, approvals) for benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--communes", type=int, required=True, help="current communes")
        parser.add_argument("--indicators", type=int, required=True, help="active indicators")
        parser.add_argument("--years", type=int, required=True, help="years of monthly figures")
        parser.add_argument("--groups", type=int, default=4, help="residential groups a commune")
        parser.add_argument(
            "--provinces", type=int, help="default: 34 from 1,000 communes, else one per 150"
        )
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--reform-share",
            type=float,
            default=0.5,
            help="part of the communes formed on 1 July 2025 from old ones (default 0.5)",
        )
        parser.add_argument(
            "--no-reform", action="store_true", help="no lineage: every commune always existed"
        )
        parser.add_argument("--last-year", type=int, help="the last year with figures (this year)")
        parser.add_argument(
            "--last-month", type=int, help="the last month entered in the last year"
        )
        parser.add_argument(
            "--replace", action="store_true", help=f"delete the generated rows ({PREFIX}…) first"
        )

    def handle(self, *args, **options):
        for name in ("communes", "indicators", "years"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1")
        if options["groups"] < 0 or not 0 <= options["reform_share"] <= 1:
            raise CommandError("--groups must not be negative, --reform-share lies in 0–1")
        if options["last_month"] is not None and not 1 <= options["last_month"] <= 12:
            raise CommandError("--last-month lies in 1–12")
        size = Size(
            communes=options["communes"],
            indicators=options["indicators"],
            years=options["years"],
            groups=options["groups"],
            provinces=options["provinces"],
            reform_share=0 if options["no_reform"] else options["reform_share"],
            last_year=options["last_year"],
            last_month=options["last_month"],
            seed=options["seed"],
        )
        log = self.stdout.write if options["verbosity"] > 1 else (lambda _: None)
        started = time.perf_counter()
        try:
            built = generate(size, replace=options["replace"], log=log)
        except ValueError:
            raise CommandError(
                f"Generated data ({PREFIX}…) is already there: add --replace to rebuild it."
            ) from None
        units = ", ".join(f"{count:,} {level}" for level, count in built.units.items())
        self.stdout.write(
            f"{built.engine}: units {sum(built.units.values()):,} ({units}); "
            f"indicators {built.indicators} ({built.synthetic_indicators} synthetic); "
            f"lineage links {built.predecessors:,}; figures {built.figures:,} "
            f"({built.estimates:,} estimates); targets {built.targets:,}; "
            f"approvals {built.approvals:,}; {time.perf_counter() - started:.1f} s with the commit"
        )
