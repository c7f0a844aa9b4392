"""The marts issue 5 added (city, belt mix, data quality, 千百十 goals) on the tiny warehouse.

Every expected value is worked out beside it from the raw rows listed in
conftest.py; the doubling rule of programme_goals has its own given/expect
unit test in dbt_project/models/marts/_marts__unit_tests.yml.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

D = Decimal


def test_city_years_sum_the_attributed_sales_of_each_city(marts):
    found = marts.execute(
        "select city_code, year, gmv, refund, net_sales, growth_rate, enterprise_count, "
        "county_count from marts.city_years where gmv > 0 order by year, city_code"
    ).fetchall()
    assert found == [
        ("510100", 2021, D("200.00"), D("0.00"), D("200.00"), None, 1, 1),
        # 成都: E1 199.99 - 10.01; (189.98 - 200.00) / 200.00 = -0.0501
        ("510100", 2022, D("199.99"), D("10.01"), D("189.98"), D("-0.0501"), 1, 1),
        # 宜宾: E2 730.00 - 170.00, its 2021 row had 0.00, so no growth rate
        ("511500", 2022, D("730.00"), D("170.00"), D("560.00"), None, 1, 1),
    ]


def test_every_city_has_a_row_in_each_year_with_sales(marts):
    found = marts.execute(
        "select year, count(*) from marts.city_years group by year order by year"
    ).fetchall()
    assert found == [(2021, 21), (2022, 21)]


def test_county_belt_mix_splits_a_county_by_the_belt_of_each_sale(marts):
    found = marts.execute(
        "select belt, gmv, refund, gmv_share, enterprise_count from marts.county_belt_years "
        "where county_code = '510104' and year = 2022 order by belt"
    ).fetchall()
    # liquor: P-001's 37.50 (03-01) + 40.00 (03-02), refund 3.75: 77.50 / 199.99 = 0.38752
    # tea (E1's first belt): lines 2 and 3 of order A 50.00 + 12.49, order B 60.00;
    # refund 5.01 + 1.25: 122.49 / 199.99 = 0.61248
    assert found == [
        ("liquor", D("77.50"), D("3.75"), D("0.3875"), 1),
        ("tea", D("122.49"), D("6.26"), D("0.6125"), 1),
    ]


def test_unattributed_sale_of_an_unregistered_store_is_its_own_unknown_city_row(marts):
    found = marts.execute(
        "select month, city_code, city_name, attribution_gap, gmv, net_sales, store_count "
        "from marts.dq_unattributed_sales"
    ).fetchall()
    # D9 is in no store registry: its 70.00 on 2022-03-03 is the only unattributed sale
    march = dt.date(2022, 3, 1)
    assert found == [(march, None, "未知", "unknown_store", D("70.00"), D("70.00"), 1)]


def test_store_missing_months_lists_the_quiet_month_between_two_selling_months(marts):
    found = marts.execute(
        "select platform, store_id, month, first_month, last_month, active_month_count "
        "from marts.dq_store_missing_months order by platform, store_id, month"
    ).fetchall()
    # D1 sold in March and May 2022 but not in April. T1 sold in March and April
    # (no gap), M1 in June only, D9 is not registered.
    assert found == [
        ("douyin", "D1", dt.date(2022, 4, 1), dt.date(2022, 3, 1), dt.date(2022, 5, 1), 2)
    ]


def test_programme_goals_count_a_registered_enterprise_without_first_year_sales_apart(marts):
    found = marts.execute(
        "select year, enterprises_taking_part, enterprises_focused, enterprises_doubled, "
        "enterprises_past_first_year, enterprises_without_baseline, net_sales "
        "from marts.programme_goals order by year"
    ).fetchall()
    # 2022: E1 and E2 sold (E3 did not); both have first_year 2021. E1 nets 189.98
    # against 200.00: not doubled. E2 has no 2021 registry row: no baseline.
    assert found == [
        (2021, 1, 0, 0, 0, 0, D("200.00")),
        (2022, 2, 0, 0, 2, 1, D("749.98")),
    ]


def test_product_years_carry_rates_active_months_and_growth(marts):
    found = marts.execute(
        "select product_code, gmv, refund, refund_rate, net_sales_prev_year, growth_rate, "
        "active_months from marts.product_years order by product_code"
    ).fetchall()
    # P-001: 37.50 + 40.00, refund 3.75: 3.75 / 77.50 = 0.04838 -> 0.0484; March only.
    # P-002: DY1 100.00 (refunded) and DY2 50.00 (20.00 refunded): 120 / 150 = 0.8;
    # March and May. Neither was registered in 2021.
    assert found == [
        ("P-001", D("77.50"), D("3.75"), D("0.0484"), None, None, 1),
        ("P-002", D("150.00"), D("120.00"), D("0.8000"), None, None, 2),
    ]


def test_streamer_joins_the_events_whose_window_and_place_its_sales_meet(marts):
    found = marts.execute(
        "select streamer_id, refund_rate, growth_rate, events_joined "
        "from marts.streamer_years order by streamer_id"
    ).fetchall()
    # S1: 100.00 of 180.00 refunded = 0.5556; DY1 on 03-01 in D1 (宜宾) meets EV1
    # (Douyin, anywhere) and EV3 (宜宾 sellers, March); DY4 in May meets none.
    # S2: D9 has no place: EV1 only.
    assert found == [("S1", D("0.5556"), None, 2), ("S2", D("0.0000"), None, 1)]
