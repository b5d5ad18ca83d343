from decimal import Decimal

import pytest

from indicators.core.periods import all_period_keys


def url(unit="chanh-lo", year=2023, period="9m"):
    return f"/api/units/{unit}/{year}/{period}/"


def indicator(data, code):
    return next(i for i in data["indicators"] if i["code"] == code)


def test_api_gives_the_seed_revenue_at_full_precision(demo, staff_client):
    response = staff_client.get(url())
    assert response.status_code == 200
    data = response.json()
    assert (data["unit"]["code"], data["year"], data["period"]) == ("chanh-lo", 2023, "9m")
    assert data["period_name"] == "9 tháng đầu năm 2023"
    revenue = indicator(data, "thu-ngan-sach")
    assert revenue["actual"] == "6021447000"
    assert revenue["unit"] == "đồng"
    assert revenue["kind"] == "sum"
    assert revenue["is_estimate"] is True
    city, council = revenue["targets"]
    assert city == {
        "authority": "ubnd-thanh-pho",
        "authority_name": "UBND thành phố Quảng Ngãi",
        "value": "6945000000",
        "basis": city["basis"],
        "percent": "86.70190064794816414686825054",
        "exceeded": None,  # revenue is not a ceiling
    }
    assert council["authority"] == "hdnd-phuong"
    assert council["percent"].startswith("86.08215868")
    assert Decimal(revenue["previous"]) == Decimal("5489900000")  # illustrative 2022
    assert Decimal(revenue["yoy_percent"]) == Decimal(6021447000) / Decimal(5489900000) * 100


def test_api_ratio_rows_carry_their_counts(demo, staff_client):
    petitions = indicator(staff_client.get(url()).json(), "don-thu-giai-quyet")
    assert (petitions["numerator"], petitions["denominator"]) == ("49", "69")
    assert Decimal(petitions["actual"]) == Decimal(49) / Decimal(69) * 100


def test_api_says_a_parent_cannot_compute_reported_percentages(demo, staff_client):
    rate = indicator(staff_client.get(url(unit="quang-ngai")).json(), "dvc-truc-tuyen")
    assert rate["actual"] is None
    assert rate["not_aggregable"] is True


def test_api_previous_is_null_without_last_year(demo, staff_client):
    sidewalk = indicator(staff_client.get(url()).json(), "lan-chiem-via-he")
    assert sidewalk["actual"] == "32"
    assert sidewalk["previous"] is None
    assert sidewalk["yoy_percent"] is None


@pytest.mark.parametrize("period", all_period_keys())
def test_api_answers_every_period_key(demo, staff_client, period):
    response = staff_client.get(url(period=period))
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == period
    revenue = indicator(data, "thu-ngan-sach")
    months = range(data["months"][0], data["months"][1] + 1)
    demo_months = [
        812350000,
        498720000,
        603115000,
        655400000,
        590260000,
        702880000,
        640118000,
        731604000,
        787000000,
    ]
    expected = sum(v for m, v in enumerate(demo_months, 1) if m in months)
    assert (Decimal(revenue["actual"]) if revenue["actual"] else 0) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (url(unit="khong-co"), "Không có đơn vị"),
        (url(period="m13"), "Kỳ báo cáo không hợp lệ"),
        (url(period="10m"), "Kỳ báo cáo không hợp lệ"),
        (url(year=1800), "Năm không hợp lệ"),
    ],
)
def test_api_unknown_unit_year_or_period_is_a_404_with_a_message(demo, staff_client, path, message):
    response = staff_client.get(path)
    assert response.status_code == 404
    assert message in response.json()["error"]


def test_api_requires_login(demo, client):
    response = client.get(url())
    assert response.status_code == 401
    assert "đăng nhập" in response.json()["error"]


def test_api_year_with_data_to_september_compares_with_january_to_september(demo, staff_client):
    # 2023 has figures to September: last year's figure is January–September 2022
    # (5.489.900.000), not the whole of 2022 (7.781.250.000, yoy 77,38%).
    revenue = indicator(staff_client.get(url(period="y")).json(), "thu-ngan-sach")
    assert revenue["previous"] == "5489900000"
    assert revenue["previous_months"] == [1, 9]
    assert Decimal(revenue["yoy_percent"]) == Decimal(6021447000) / Decimal(5489900000) * 100
    assert revenue["change_points"] is None  # a flow compares as a ratio


def test_api_rates_carry_their_change_in_points(demo, staff_client):
    data = staff_client.get(url()).json()
    online = indicator(data, "dvc-truc-tuyen")
    assert online["change_points"] == "25.5"  # 64,10% − 38,6%
    assert online["previous_months"] == [1, 9]
    on_time = indicator(data, "ho-so-dung-han")
    # Σ on time ÷ Σ handled, January–September: 1164 ÷ 1196 against 1045 ÷ 1119.
    expected = Decimal(1164) / Decimal(1196) * 100 - Decimal(1045) / Decimal(1119) * 100
    assert Decimal(on_time["change_points"]) == expected


def test_api_keeps_a_ceilings_percent_and_says_it_is_kept(demo, staff_client):
    poor = indicator(staff_client.get(url()).json(), "ho-ngheo")
    assert poor["actual"] == "38"
    (council,) = poor["targets"]
    assert (council["percent"], council["exceeded"]) == ("95", False)  # 38 of at most 40


def test_api_lists_an_indicator_without_figures_with_nulls(demo, staff_client):
    insured = indicator(staff_client.get(url()).json(), "bao-hiem-y-te")
    assert insured["actual"] is None
    assert insured["previous"] is None
    assert insured["previous_months"] is None
    assert insured["change_points"] is None
