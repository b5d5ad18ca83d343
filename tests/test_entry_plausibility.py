"""Help while typing on the month grid: last month's and last year's figures beside each box, a
warning confirmed once for a figure far from both, and "copy last month" for level indicators.

Chánh Lộ's budget revenue: September 2023 787.000.000 đồng (an estimate), October 2022
690.300.000 đồng; the online-service rate 64,1% in September 2023 and none in October 2022.
"""

from decimal import Decimal

import pytest

from indicators.audit import figure_history
from indicators.entry.comparisons import earlier_figures, previous_month
from indicators.entry.services import FigureEntry, ImplausibleFigures, save_month
from indicators.models import Figure, Indicator, Unit
from tests.test_month_entry import ENTER, figures, form_data, open_month

DROPPED_ZERO = (
    "“Tổng thu ngân sách nhà nước”: 78.700.000 đồng khác hơn 3 lần so với tháng trước "
    "787.000.000 đồng (ước); cùng kỳ năm trước 690.300.000 đồng"
)


def stored() -> list:
    return sorted(Figure.objects.values_list("id", "value", "numerator", "denominator", "status"))


def post_october(client, **typed):
    data = form_data(open_month(client))
    data.update(typed)
    return client.post(ENTER, data)


def test_the_month_before_january_is_last_december():
    assert previous_month(2024, 1) == (2023, 12)
    assert previous_month(2024, 7) == (2024, 6)


def test_each_box_shows_last_month_and_last_year_with_its_unit(demo, staff_client):
    html = open_month(staff_client).content.decode()
    row = html[html.index('id="row-thu-ngan-sach"') :]
    row = row[: row.index("</tr>")]
    assert 'Tháng trước: <span class="last-month">787.000.000 đồng (ước)</span>' in row
    assert 'Cùng kỳ năm trước: <span class="last-year">690.300.000 đồng</span>' in row
    online = html[html.index('id="row-dvc-truc-tuyen"') :]
    online = online[: online.index("</tr>")]
    assert '<span class="last-month">64,1%</span>' in online
    assert '<span class="last-year">—</span>' in online  # no figure in October 2022
    ratio = html[html.index('id="row-ho-so-dung-han"') :]
    assert '<span class="last-month">96,6% (142/147) (ước)</span>' in ratio[: ratio.index("</tr>")]


def test_the_earlier_figures_of_every_indicator_take_one_query(demo, django_assert_num_queries):
    indicators = list(Indicator.objects.all())
    with django_assert_num_queries(1):
        earlier = earlier_figures(unit=demo, year=2023, month=10, indicators=indicators)
    revenue = next(i for i in indicators if i.code == "thu-ngan-sach")
    assert earlier[revenue.id].last_month.value == Decimal("787000000")
    assert earlier[revenue.id].last_year.value == Decimal("690300000")
    assert len(earlier) == len(indicators)


def test_a_dropped_zero_is_warned_nothing_is_saved_and_the_typed_figures_stay(demo, staff_client):
    before = stored()
    response = post_october(
        staff_client,
        **{"fig-thu-ngan-sach-value": "78.700.000", "fig-lan-chiem-via-he-value": "4"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert DROPPED_ZERO in html
    assert "Chưa lưu: 1 số liệu khác xa tháng trước và cùng kỳ năm trước" in html
    assert 'value="78.700.000"' in html and 'value="4"' in html  # nothing typed is lost
    assert 'name="fig-thu-ngan-sach-confirm"' in html
    assert 'name="fig-lan-chiem-via-he-confirm"' not in html  # 4 after 3 is fine
    assert stored() == before


def test_confirming_the_warning_saves_it_and_the_history_says_it_was_confirmed(demo, staff_client):
    typed = {"fig-thu-ngan-sach-value": "78.700.000", "fig-lan-chiem-via-he-value": "4"}
    first = post_october(staff_client, **typed)
    assert first.status_code == 200
    response = post_october(staff_client, **typed, **{"fig-thu-ngan-sach-confirm": "on"})
    assert response.status_code == 302
    saved = figures()
    assert saved["thu-ngan-sach"].value == Decimal("78700000")
    assert saved["lan-chiem-via-he"].value == 4
    revenue = saved["thu-ngan-sach"].indicator
    latest = figure_history(demo, revenue, 2023)[0]
    assert latest.source.startswith("form; đã xác nhận cảnh báo: ")
    assert DROPPED_ZERO in latest.source
    plain = figure_history(demo, saved["lan-chiem-via-he"].indicator, 2023)[0]
    assert plain.source == "form"  # nothing to confirm, nothing said


def test_a_figure_close_to_last_year_is_not_warned_though_far_from_last_month(demo, staff_client):
    # 250.000.000: more than 3 times less than September's 787.000.000, but within a factor
    # of 3 of October 2022's 690.300.000.
    response = post_october(staff_client, **{"fig-thu-ngan-sach-value": "250.000.000"})
    assert response.status_code == 302
    assert figures()["thu-ngan-sach"].value == Decimal("250000000")


@pytest.mark.parametrize(
    ("typed", "warned"),
    [
        ({"fig-dvc-truc-tuyen-value": "94,1"}, False),  # 30 points above 64,1: not more
        ({"fig-dvc-truc-tuyen-value": "95"}, True),
        ({"fig-dvc-truc-tuyen-value": "30"}, True),
        # 96,6% last month (142/147), none in October 2022; 50/150 is 33,3%, 100/150 66,7%
        ({"fig-ho-so-dung-han-numerator": "50", "fig-ho-so-dung-han-denominator": "150"}, True),
        ({"fig-ho-so-dung-han-numerator": "100", "fig-ho-so-dung-han-denominator": "150"}, False),
    ],
)
def test_a_rate_is_warned_when_it_moves_more_than_30_points(demo, staff_client, typed, warned):
    before = stored()
    response = post_october(staff_client, **typed)
    assert (response.status_code == 200) is warned
    if warned:
        assert "điểm phần trăm" in response.content.decode()
        assert stored() == before


def test_a_month_with_nothing_before_it_is_never_warned(demo, staff_client):
    data = form_data(open_month(staff_client, year="2021", month="3"))
    data.update({"fig-thu-ngan-sach-value": "5", "fig-lan-chiem-via-he-value": "9000"})
    response = staff_client.post(ENTER, data)
    assert response.status_code == 302
    assert Figure.objects.filter(unit=demo, year=2021, month=3).count() == 2


def test_a_confirmed_figure_saved_again_unchanged_is_not_warned_again(demo, staff_client):
    typed = {"fig-thu-ngan-sach-value": "78.700.000", "fig-thu-ngan-sach-confirm": "on"}
    assert post_october(staff_client, **typed).status_code == 302
    # the grid opened again and saved as it is, with another figure added
    response = post_october(staff_client, **{"fig-lan-chiem-via-he-value": "2"})
    assert response.status_code == 302
    assert figures()["lan-chiem-via-he"].value == 2


def test_the_service_refuses_an_unconfirmed_implausible_figure_on_any_path(demo, staff_user):
    revenue = Indicator.objects.get(code="thu-ngan-sach")
    entry = FigureEntry(indicator=revenue, value=Decimal("78700000"))
    before = stored()
    with pytest.raises(ImplausibleFigures) as refused:
        save_month(
            unit=demo, year=2023, month=10, entries=[entry], user=staff_user,
            check_plausibility=True,
        )  # fmt: skip
    assert list(refused.value.warnings) == [revenue.id]
    assert stored() == before
    confirmed = FigureEntry(indicator=revenue, value=Decimal("78700000"), confirmed=True)
    result = save_month(
        unit=demo, year=2023, month=10, entries=[confirmed], user=staff_user,
        check_plausibility=True,
    )  # fmt: skip
    assert result.created == 1


def test_copy_last_month_fills_only_the_empty_boxes_of_level_indicators(demo, staff_client):
    # Tổ dân phố 1, September 2023: 5 poor households, 85 with an extinguisher, 2 safety teams,
    # no near-poor figure; the complaints ratio is not a level.
    group = {"unit": "chanh-lo-to-1", "month": "10"}
    data = form_data(open_month(staff_client, **group))
    data.update({"fig-ho-co-binh-chua-chay-value": "90", "copy_last_month": "1"})
    before = stored()
    response = staff_client.post(ENTER, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đã điền 2 ô trống bằng số tháng trước; chưa lưu." in html
    assert 'name="fig-ho-ngheo-value" value="5"' in html
    assert 'name="fig-to-lien-gia-pccc-value" value="2"' in html
    assert 'name="fig-ho-co-binh-chua-chay-value" value="90"' in html  # typed: kept
    assert 'name="fig-ho-can-ngheo-value" inputmode="numeric"' in html  # nothing to copy
    assert stored() == before
    # saving what was copied writes it
    data = {**data, "fig-ho-ngheo-value": "5", "fig-to-lien-gia-pccc-value": "2"}
    del data["copy_last_month"]
    assert staff_client.post(ENTER, data).status_code == 302
    to_1 = Unit.objects.get(code="chanh-lo-to-1")
    saved = dict(
        Figure.objects.filter(unit=to_1, year=2023, month=10).values_list(
            "indicator__code", "value"
        )
    )
    assert saved == {"ho-ngheo": 5, "to-lien-gia-pccc": 2, "ho-co-binh-chua-chay": 90}


def test_the_copy_button_is_offered_only_where_there_is_a_level_indicator(demo, staff_client):
    assert 'name="copy_last_month"' not in open_month(staff_client).content.decode()
    group = open_month(staff_client, unit="chanh-lo-to-1").content.decode()
    assert 'name="copy_last_month"' in group


def test_number_boxes_ask_the_phone_for_the_right_keyboard(demo, staff_client):
    html = open_month(staff_client).content.decode()
    assert 'name="fig-thu-ngan-sach-value" inputmode="decimal"' in html  # đồng may have decimals
    assert 'name="fig-lan-chiem-via-he-value" inputmode="numeric"' in html  # cases: whole
    assert 'name="fig-ho-so-dung-han-numerator" inputmode="numeric"' in html


def test_in_english_the_earlier_figures_and_the_warning_are_in_english_form(
    demo, staff_client, settings
):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = open_month(staff_client).content.decode()
    assert 'Last month: <span class="last-month">787,000,000 VND (estimate)</span>' in html
    data = form_data(open_month(staff_client))
    data["fig-thu-ngan-sach-value"] = "78700000"
    response = staff_client.post(ENTER, data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "78,700,000 VND differs by more than 3 times from last month 787,000,000 VND" in text
    assert "I have checked: this figure is right" in text
