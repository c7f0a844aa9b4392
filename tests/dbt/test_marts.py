"""The marts of the tiny warehouse (conftest.py) against values computed by hand.

Every expected amount below is worked out in the comment beside it from the raw
rows listed in conftest.py, never read back from the marts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import duckdb

D = Decimal


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(sql, list(params)).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> tuple[Any, ...]:
    found = rows(con, sql, *params)
    assert len(found) == 1, found
    return found[0]


def enterprise_year(
    con: duckdb.DuckDBPyConnection, credit_code: str, year: int, columns: str
) -> tuple[Any, ...]:
    return one(
        con,
        f"select {columns} from marts.enterprise_years where credit_code = ? and year = ?",
        credit_code,
        year,
    )


def test_taobao_order_is_shared_over_its_item_lines_to_the_fen(marts):
    # 99.99 x 30/80 = 37.49625 -> 37.50; x 40/80 = 49.995 -> 50.00; rest 12.49.
    # 10.01 x 30/80 = 3.75375 -> 3.75; x 40/80 = 5.005 -> 5.01; rest 1.25.
    found = rows(
        marts,
        "select product_id, gmv, refund, source_grain from marts.fct_sales "
        "where store_id = 'T1' and sale_date = date '2022-03-01' order by product_id",
    )
    assert found == [
        ("1001", D("37.50"), D("3.75"), "order_lines"),
        ("1002", D("50.00"), D("5.01"), "order_lines"),
        ("1003", D("12.49"), D("1.25"), "order_lines"),
    ]


def test_taobao_order_without_item_lines_stays_one_line_without_product(marts):
    found = rows(
        marts,
        "select product_id, gmv, product_code from marts.fct_sales "
        "where store_id = 'T1' and sale_date = date '2022-04-02'",
    )
    assert found == [("", D("60.00"), None)]


def test_re_exported_line_in_a_later_load_replaces_the_earlier_one(marts):
    # Load 2 had no refund; load 5 re-exported the line with 20.00 refunded.
    found = rows(
        marts,
        "select gmv, refund, net_sales, month from marts.fct_sales "
        "where store_id = 'D1' and sale_date = date '2022-05-05'",
    )
    assert found == [(D("50.00"), D("20.00"), D("30.00"), dt.date(2022, 5, 1))]


def test_unpaid_line_is_not_a_sale(marts):
    # Item 2001 of D1 sold on 03-01 (DY1) and 05-05 (DY2); DY3 was never paid.
    found = rows(
        marts,
        "select sale_date from marts.fct_sales "
        "where store_id = 'D1' and product_id = '2001' order by 1",
    )
    assert found == [(dt.date(2022, 3, 1),), (dt.date(2022, 5, 5),)]


def test_douyin_order_exported_per_order_and_per_line_is_counted_once(marts):
    found = rows(
        marts,
        "select product_id, gmv from marts.fct_sales "
        "where store_id = 'D1' and sale_date = date '2022-05-20' order by product_id",
    )
    assert found == [("2002", D("50.00")), ("2003", D("30.00"))]


def test_daily_summary_of_a_day_with_order_lines_is_dropped_and_reported(marts):
    t1_days = rows(
        marts,
        "select sale_date, sum(gmv), min(source_grain), max(source_grain) "
        "from marts.fct_sales where store_id = 'T1' and year = 2022 "
        "group by sale_date order by sale_date",
    )
    # 03-01: order A only (99.99), the 300.00 summary is gone; 03-02: summary kept.
    assert t1_days[:2] == [
        (dt.date(2022, 3, 1), D("99.99"), "order_lines", "order_lines"),
        (dt.date(2022, 3, 2), D("40.00"), "daily_sales", "daily_sales"),
    ]
    overlap = rows(
        marts,
        "select platform, store_id, sale_date, order_lines_gmv, daily_sales_gmv "
        "from intermediate.int_store_days_overlapping",
    )
    assert overlap == [("taobao", "T1", dt.date(2022, 3, 1), D("99.99"), D("300.00"))]


def test_belt_comes_from_the_product_else_the_enterprise_first_belt(marts):
    found = rows(
        marts,
        "select store_id, product_id, belt from marts.fct_sales "
        "where sale_date = date '2022-03-01' or store_id in ('M1', 'D9') "
        "order by store_id, product_id",
    )
    assert found == [
        ("D1", "2001", "seasoning"),  # P-002's belt
        ("D9", "9001", None),  # store in no registry
        ("M1", "M-1", "seasoning"),  # E2's first belt
        ("T1", "1001", "liquor"),  # P-001's belt
        ("T1", "1002", "tea"),  # E1's belts are 'tea,liquor'
        ("T1", "1003", "tea"),
    ]


def test_sale_of_a_store_in_no_registry_is_unattributed(marts):
    found = one(
        marts,
        "select credit_code, county_code, is_attributed, gmv from marts.fct_sales "
        "where store_id = 'D9'",
    )
    assert found == (None, None, False, D("70.00"))


def test_fct_sales_totals_of_2022(marts):
    # attributed: E1 199.99 (159.99 orders + 40.00 summary) + E2 730.00; D9 70.00.
    # refund: E1 10.01 + E2 (100.00 + 20.00 + 50.00) = 180.01.
    found = one(
        marts,
        "select sum(gmv), sum(refund), sum(net_sales), "
        "sum(case when is_attributed then gmv end) from marts.fct_sales where year = 2022",
    )
    assert found == (D("999.99"), D("180.01"), D("819.98"), D("929.99"))


def test_enterprise_totals_growth_and_rates(marts, credit_codes):
    columns = (
        "gmv, refund, net_sales, refund_rate, net_sales_prev_year, growth_rate, "
        "active_months, store_count"
    )
    # E1 2022: net 189.98 against 200.00 in 2021: -10.02 / 200 = -0.0501;
    # refund rate 10.01 / 199.99 = 0.05005.. -> 0.0501; sold in March and April.
    assert enterprise_year(marts, credit_codes["E1"], 2022, columns) == (
        D("199.99"),
        D("10.01"),
        D("189.98"),
        D("0.0501"),
        D("200.00"),
        D("-0.0501"),
        2,
        1,
    )
    assert enterprise_year(marts, credit_codes["E1"], 2021, columns) == (
        D("200.00"),
        D("0.00"),
        D("200.00"),
        D("0.0000"),
        None,
        None,
        1,
        1,
    )
    # E2 2022: 100 + 50 + 80 + 500 = 730.00, refund 100 + 20 + 50 = 170.00;
    # 170 / 730 = 0.23287.. -> 0.2329; not registered in 2021, so no growth.
    assert enterprise_year(marts, credit_codes["E2"], 2022, columns) == (
        D("730.00"),
        D("170.00"),
        D("560.00"),
        D("0.2329"),
        None,
        None,
        3,
        2,
    )


def test_registered_enterprise_without_sales_has_a_zero_row(marts, credit_codes):
    found = enterprise_year(
        marts,
        credit_codes["E3"],
        2022,
        "gmv, net_sales, refund_rate, active_months, store_count, events_joined, county_name",
    )
    assert found == (D("0.00"), D("0.00"), None, 0, 0, 0, "锦江区")


def test_enterprise_products_with_sales_and_events_joined(marts, credit_codes):
    columns = "products_with_sales, gi_products_with_sales, events_joined, city_name"
    # E1: P-001 (GI) nets 37.50 - 3.75 + 40.00 = 73.75. EV1 is Douyin only, EV2
    # saw no sale, EV3 is for 宜宾 sellers; order B on 04-02 joins 锦江区's EV4,
    # in which E1 enrolled.
    assert enterprise_year(marts, credit_codes["E1"], 2022, columns) == (1, 1, 1, "成都市")
    # E2: P-002 nets 0.00 + 30.00; D1 sold in EV1's and EV3's windows (enrolled on
    # Douyin and everywhere); M1 sold in EV2's on Tmall, but E2 enrolled on Douyin only.
    assert enterprise_year(marts, credit_codes["E2"], 2022, columns) == (1, 0, 2, "宜宾市")


def test_store_years_include_unregistered_stores_with_sales(marts):
    found = rows(
        marts,
        "select platform, store_id, year, credit_code is not null, gmv, refund_rate, "
        "net_sales_prev_year, growth_rate, active_months, events_joined "
        "from marts.store_years order by year, platform, store_id",
    )
    assert found == [
        ("taobao", "T1", 2021, True, D("200.00"), D("0.0000"), None, None, 1, 0),
        # D1: 100 + 50 + 80 = 230.00, refund 120.00: 0.52173.. -> 0.5217
        ("douyin", "D1", 2022, True, D("230.00"), D("0.5217"), None, None, 2, 2),
        # D9 has no enterprise, so no enrolment: it joins nothing
        ("douyin", "D9", 2022, False, D("70.00"), D("0.0000"), None, None, 1, 0),
        ("taobao", "T1", 2022, True, D("199.99"), D("0.0501"), D("200.00"), D("-0.0501"), 2, 1),
        # M1 sold on Tmall in EV2, where E2 enrolled on Douyin only
        ("tmall", "M1", 2022, True, D("500.00"), D("0.1000"), None, None, 1, 0),
    ]


def test_every_county_has_a_row_in_each_year_with_sales(marts):
    found = rows(marts, "select year, count(*) from marts.county_years group by year order by 1")
    assert found == [(2021, 183), (2022, 183)]


def test_county_totals_growth_and_signature_product(marts):
    columns = (
        "gmv, refund, net_sales, net_sales_prev_year, growth_rate, enterprise_count, "
        "store_count, top_product_code, top_product_name, top_product_origin_county_code, "
        "top_product_net_sales"
    )
    query = f"select {columns} from marts.county_years where county_code = ? and year = ?"
    # 锦江区: E1 only (E3 sold nothing); growth (189.98 - 200.00) / 200.00.
    assert one(marts, query, "510104", 2022) == (
        D("199.99"),
        D("10.01"),
        D("189.98"),
        D("200.00"),
        D("-0.0501"),
        1,
        1,
        "P-001",
        "锦江白酒",
        "511502",
        D("73.75"),
    )
    # 翠屏区 had a row in 2021 with no sales: prev 0.00, so no growth rate.
    assert one(marts, query, "511502", 2022) == (
        D("730.00"),
        D("170.00"),
        D("560.00"),
        D("0.00"),
        None,
        1,
        2,
        "P-002",
        "翠屏豆瓣",
        "510117",
        D("30.00"),
    )
    assert one(marts, query, "510104", 2021)[:5] == (
        D("200.00"),
        D("0.00"),
        D("200.00"),
        None,
        None,
    )


def test_county_sums_equal_the_attributed_sales(marts):
    found = one(
        marts,
        "select sum(gmv), sum(refund), sum(net_sales) from marts.county_years where year = 2022",
    )
    # E1 199.99 - 10.01 and E2 730.00 - 170.00; D9 belongs to no county.
    assert found == (D("929.99"), D("180.01"), D("749.98"))


def test_month_city_belts_split_a_city_month_by_belt(marts):
    found = rows(
        marts,
        "select city_code, belt, gmv, refund, enterprise_count from marts.month_city_belts "
        "where month = date '2022-03-01' order by city_code, belt",
    )
    # 成都: liquor = 37.50 + 40.00 (P-001 on 03-01 and 03-02), refund 3.75;
    # tea = 50.00 + 12.49 (lines 2 and 3 of order A), refund 5.01 + 1.25.
    # 宜宾: D1's refunded 100.00 on 03-01; D9 has no city.
    assert found == [
        ("510100", "liquor", D("77.50"), D("3.75"), 1),
        ("510100", "tea", D("62.49"), D("6.26"), 1),
        ("511500", "seasoning", D("100.00"), D("100.00"), 1),
    ]


def test_event_of_a_place_counts_only_sales_of_its_sellers(marts):
    found = rows(
        marts,
        "select event_id, store_id, sale_date, gmv from marts.event_sales "
        "where event_id in ('EV3', 'EV4') order by event_id, sale_date",
    )
    # EV3 (宜宾, March): D1's 03-01 line; T1 (成都) and D9 (no place) sold in March too.
    # EV4 (锦江区, April): order B of T1.
    assert found == [
        ("EV3", "D1", dt.date(2022, 3, 1), D("100.00")),
        ("EV4", "T1", dt.date(2022, 4, 2), D("60.00")),
    ]


def test_streamer_years_sum_the_sales_a_streamer_carried(marts, credit_codes):
    found = rows(
        marts,
        "select streamer_id, is_registered, agency_credit_code, gmv, refund, net_sales, "
        "active_months, store_count from marts.streamer_years order by streamer_id",
    )
    # S1: DY1 100.00 (refunded in full) in March, DY4's lines 50.00 + 30.00 in May
    # (its order row is not counted again).
    assert found == [
        ("S1", True, credit_codes["E2"], D("180.00"), D("100.00"), D("80.00"), 2, 1),
        ("S2", False, None, D("70.00"), D("0.00"), D("70.00"), 1, 1),
    ]


def test_event_results_compare_the_window_with_the_days_before(marts):
    found = rows(
        marts,
        "select event_id, window_days, gmv, net_sales, enterprise_count, store_count, "
        "baseline_start, baseline_net_sales, net_sales_change_rate "
        "from marts.event_results order by event_id",
    )
    assert found == [
        # Douyin, 03-01..03-03: D1 100.00 all refunded, D9 70.00 (no enterprise);
        # nothing on Douyin from 02-26 to 02-28.
        ("EV1", 3, D("170.00"), D("70.00"), 1, 2, dt.date(2022, 2, 26), D("0.00"), None),
        # every platform, 06-01..06-18: M1 500.00 - 50.00; before it (05-14..05-31)
        # DY4's 80.00: (450 - 80) / 80 = 4.625.
        ("EV2", 18, D("500.00"), D("450.00"), 1, 1, dt.date(2022, 5, 14), D("80.00"), D("4.6250")),
        # 宜宾 sellers in March: D1's 03-01 line; February had none.
        ("EV3", 31, D("100.00"), D("0.00"), 1, 1, dt.date(2022, 1, 29), D("0.00"), None),
        # 锦江区 sellers in April: order B 60.00; 03-02..03-31: T1's 40.00 summary
        # (03-01 falls outside): (60 - 40) / 40 = 0.5.
        ("EV4", 30, D("60.00"), D("60.00"), 1, 1, dt.date(2022, 3, 2), D("40.00"), D("0.5000")),
    ]


def test_event_results_count_enrolled_units_and_those_that_sold(marts):
    found = rows(
        marts,
        "select event_id, enrolled_count, joined_count, enrolled_net_sales "
        "from marts.event_results order by event_id",
    )
    assert found == [
        # E2 on Douyin: D1's 03-01 line, 100.00 refunded in full.
        ("EV1", 1, 1, D("0.00")),
        # E2 on Douyin (D1 sold nothing in June; M1's Tmall sale is not enrolled), E3.
        ("EV2", 2, 0, D("0.00")),
        # E2 everywhere (its extra Douyin row is redundant): the same D1 line.
        ("EV3", 1, 1, D("0.00")),
        # E1 everywhere: order B, 60.00.
        ("EV4", 1, 1, D("60.00")),
    ]


def test_sale_counts_for_an_event_only_on_a_platform_its_seller_enrolled_on(marts):
    found = rows(
        marts,
        "select event_id, store_id, is_enrolled from marts.event_sales "
        "where event_id in ('EV1', 'EV2') order by event_id, store_id",
    )
    # D9 is in no registry; M1 is E2's Tmall store, E2 enrolled in EV2 on Douyin.
    assert found == [("EV1", "D1", True), ("EV1", "D9", False), ("EV2", "M1", False)]
