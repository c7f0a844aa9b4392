"""Pinduoduo 订单导出: buyer-paid gmv, refunds by 售后状态 or amount, undated payments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.loader import load_file

Fixture = Callable[[str], Path]
VALID = "pinduoduo/pdd_orders_20220602_valid.csv"
INVALID = "pinduoduo/pdd_orders_20220603_invalid.csv"
SKU_VARIANT = "pinduoduo/pdd_orders_sku_variant_valid.csv"


def _orders(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, line_id, product_id, paid_at, gmv, refund from raw.order_lines "
        "order by source_row"
    ).fetchall()


def test_gbk_pinduoduo_export_with_the_23_column_header_loads_one_row_per_order(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(VALID), store_id="pdd1")
    assert (result.layout, result.platform) == ("pinduoduo_order_export", "pinduoduo")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 4, 0)
    encoding = con.execute("select encoding from raw.loads").fetchall()
    assert encoding == [("gb18030",)]
    assert [(row[0], row[1], row[2]) for row in _orders(con)] == [
        ("220601-000000000000001", "", "300000001"),
        ("220601-000000000000002", "", "300000002"),
        ("220602-000000000000003", "", "300000001"),
        ("220602-000000000000004", "", "300000003"),
    ]


def test_pinduoduo_gmv_is_what_the_buyer_paid_not_the_platform_discount(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(VALID), store_id="pdd1")
    # 25.00 (30 - 2 store - 3 platform) + 55.00 (incl. 5.00 postage) + 0 + 18.90
    assert [(row[4], row[5]) for row in _orders(con)] == [
        (Decimal("25.00"), Decimal("0.00")),
        (Decimal("55.00"), Decimal("55.00")),
        (Decimal("0.00"), Decimal("0.00")),
        (Decimal("18.90"), Decimal("0.00")),
    ]
    sums = con.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchall()
    assert sums == [(Decimal("98.90"), Decimal("55.00"))]


def test_pinduoduo_row_without_deal_time_and_nothing_paid_is_unpaid(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(VALID), store_id="pdd1")
    unpaid = _orders(con)[2]
    assert (unpaid[3], unpaid[4]) == (None, Decimal("0.00"))


def test_each_broken_pinduoduo_row_is_rejected_with_its_reason_and_row_number(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(INVALID), store_id="pdd1")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 1, 4)
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [
        (2, "支付时间, 订单成交时间", "paid_without_time"),
        (3, "用户实付金额(元), 商品总价(元), 邮费(元)", "paid_above_list_price"),
        (4, "用户实付金额(元)", "bad_amount"),
        (6, "order_id + line_id", "duplicate_in_file"),
    ]
    assert [(row[0], row[4]) for row in _orders(con)] == [
        ("220603-000000000000014", Decimal("10.00"))
    ]


def test_sku_variant_takes_payment_time_first_and_a_partial_refund_amount(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(SKU_VARIANT), store_id="pdd1")
    assert (result.layout, result.rows_loaded) == ("pinduoduo_order_export", 2)
    assert [(row[3], row[4], row[5]) for row in _orders(con)] == [
        (datetime(2022, 6, 4, 9, 0), Decimal("40.00"), Decimal("15.00")),
        (datetime(2022, 6, 4, 10, 0), Decimal("22.00"), Decimal("0.00")),
    ]
