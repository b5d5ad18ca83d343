import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from indicators.demo import load_demo
from indicators.entry.services import grant_role
from indicators.models import RoleGrant, Unit

DEMO_USERNAME = "demo"
# Logins that show the roles, with the demo password: (username, role, unit code).
DEMO_ROLE_USERS = [
    ("to-truong", RoleGrant.Role.DATA_ENTRY, "chanh-lo-to-1"),
    ("van-thu", RoleGrant.Role.DATA_ENTRY, "chanh-lo"),
    ("lanh-dao-phuong", RoleGrant.Role.VIEWER, "chanh-lo"),
    ("phe-duyet", RoleGrant.Role.APPROVER, "chanh-lo"),
    ("quan-tri-thanh-pho", RoleGrant.Role.CITY_ADMIN, "quang-ngai"),
]


class Command(BaseCommand):
    help = (
        "Load the demo: Thành phố Quảng Ngãi → Phường Chánh Lộ → 8 tổ dân phố, the indicator "
        "catalogue and Chánh Lộ's 2023 figures from its 9-month report. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-user",
            action="store_true",
            help="Also create (or reset) the login 'demo' (a superuser) and one login per role "
            "(to-truong, van-thu, lanh-dao-phuong, phe-duyet, quan-tri-thanh-pho) with the "
            "password in DEMO_PASSWORD (default 'chanhlo-2023'). For a local demo only: "
            "refused unless DEBUG is on or --force is given.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Allow --demo-user without DEBUG (a demo server that runs production settings).",
        )

    def handle(self, *args, demo_user=False, force=False, **options):
        # Checked before anything is written: the logins have a published password, and on a
        # real database they would give anyone a superuser.
        if demo_user and not (settings.DEBUG or force):
            raise CommandError(
                "--demo-user makes a superuser with the documented password: refused without "
                "DJANGO_DEBUG=1. Add --force if this really is a demo server."
            )
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {counts.units} units, {counts.targets} targets, "
                f"{counts.figures} monthly figures."
            )
        )
        if demo_user:
            password = os.environ.get("DEMO_PASSWORD", "chanhlo-2023")
            user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            self.stdout.write(f"Demo login: {DEMO_USERNAME} / {password}")
            for username, role, unit_code in DEMO_ROLE_USERS:
                user, _ = get_user_model().objects.get_or_create(username=username)
                user.set_password(password)
                user.save()
                unit = Unit.objects.get(code=unit_code)
                grant_role(user=user, unit=unit, role=role)
                self.stdout.write(f"  {username} / {password}: {role} — {unit.name}")
