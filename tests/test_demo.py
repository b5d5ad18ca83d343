import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from indicators.demo import SOURCES
from indicators.models import Area, Authority, Figure, Indicator, PeriodReport, Target, Unit

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "chanh-lo-2023-9-thang.txt"


def counts():
    return [
        m.objects.count() for m in (Unit, Authority, Area, Indicator, Target, Figure, PeriodReport)
    ]


def test_demo_builds_city_ward_and_eight_groups(demo):
    city = Unit.objects.get(code="quang-ngai")
    # under the illustrative province row of the reform demo, as a district-level unit
    assert (city.name, city.parent.code) == ("Thành phố Quảng Ngãi", "tinh-quang-ngai")
    assert (demo.name, demo.parent) == ("Phường Chánh Lộ", city)
    groups = list(demo.children.order_by("order"))
    assert [g.name for g in groups] == [f"Tổ dân phố {n}" for n in range(1, 9)]
    assert {g.level for g in groups} == {"group"}


def test_loading_the_demo_twice_duplicates_nothing_not_even_history(db):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first


def test_loading_the_demo_again_restores_a_changed_demo_figure(db):
    call_command("load_demo")
    Figure.objects.filter(indicator__code="thu-ngan-sach", year=2023, month=1).update(value=1)
    call_command("load_demo")
    assert Figure.objects.get(
        unit__code="chanh-lo", indicator__code="thu-ngan-sach", year=2023, month=1
    ).value == Decimal("812350000")


def test_demo_marks_every_figure_as_seed_or_illustrative(demo):
    sources = set(Figure.objects.values_list("source", flat=True))
    assert sources == set(SOURCES.values())
    # The seed's own numbers are the 9-month revenue total and September's five rates.
    seed_rates = Figure.objects.filter(source=SOURCES["seed"])
    assert sorted(seed_rates.values_list("value", flat=True)) == sorted(
        Decimal(v) for v in ("64.10", "13.66", "58.5", "89.9", "100")
    )


def test_demo_user_option_creates_a_login(db, capsys, settings):
    settings.DEBUG = True
    call_command("load_demo", "--demo-user")
    assert "demo / " in capsys.readouterr().out


def test_demo_user_option_is_refused_without_debug_and_writes_nothing(db):
    with pytest.raises(CommandError, match="refused without DJANGO_DEBUG=1"):
        call_command("load_demo", "--demo-user")
    assert not get_user_model().objects.filter(username="demo").exists()
    assert not Unit.objects.exists()


def test_demo_user_option_with_force_runs_without_debug(db, capsys):
    call_command("load_demo", "--demo-user", "--force")
    assert get_user_model().objects.get(username="demo").is_superuser


@pytest.mark.skipif(not SEED.exists(), reason="the seed report is not beside the repository")
def test_demo_numbers_are_the_seed_reports_numbers(demo):
    text = SEED.read_text(encoding="utf-8")
    revenue = sum(
        Figure.objects.filter(
            unit=demo, indicator__code="thu-ngan-sach", year=2023, month__lte=9
        ).values_list("value", flat=True)
    )
    assert f"ước đạt {vietnamese(revenue)} đồng/{vietnamese(6945000000)} đồng" in text
    for authority, target in [("ubnd-thanh-pho", 6945000000), ("hdnd-phuong", 6995000000)]:
        assert (
            Target.objects.get(
                unit=demo, indicator__code="thu-ngan-sach", authority__code=authority
            ).value
            == target
        )
        assert f"{vietnamese(target)} đồng" in text
    names = (
        "Dịch vụ công trực tuyến|Thanh toán trực tuyến|Số hóa hồ sơ|Công khai minh bạch"
        "|Đánh giá mức độ hài lòng"
    )
    rates = re.findall(rf"({names})(?: đạt)? ([\d,]+)%", text)
    assert len(rates) == 5
    for short_name, value in rates:
        indicator = Indicator.objects.get(short_name=short_name)
        figure = Figure.objects.get(unit=demo, indicator=indicator, year=2023, month=9)
        assert figure.value == Decimal(value.replace(",", "."))


def vietnamese(number) -> str:
    return f"{int(number):,}".replace(",", ".")


def test_the_province_reporting_status_of_2025_has_the_old_and_the_merged_wards(demo, staff_client):
    rows = staff_client.get("/units/tinh-quang-ngai/2025/reporting/").context["rows"]
    codes = [line["row"].unit.code for line in rows]
    assert "chanh-lo" in codes and "phuong-sap-nhap-minh-hoa" in codes
    assert "chanh-lo-to-1" in codes  # a group is expected while its ward existed
    merged = next(line for line in rows if line["row"].unit.code == "phuong-sap-nhap-minh-hoa")
    assert [cell.month.exists for cell in merged["cells"]] == [False] * 6 + [True] * 6
    rows = staff_client.get("/units/tinh-quang-ngai/2026/reporting/").context["rows"]
    assert [line["row"].unit.code for line in rows] == ["phuong-sap-nhap-minh-hoa"]
