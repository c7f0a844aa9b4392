"""Douyin 自定义报表: fewer columns in another order, per 子订单 and per 主订单."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.loader import load_file

Fixture = Callable[[str], Path]
CUSTOM_SUB = "douyin/1654390800_custom_columns_valid.csv"
CUSTOM_MAIN = "douyin/1654477200_custom_main_orders_valid.csv"


def _lines(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, line_id, product_id, quantity, gmv, refund from raw.order_lines "
        "order by source_row"
    ).fetchall()


def test_custom_douyin_report_in_another_column_order_loads_by_header_name(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(CUSTOM_SUB), store_id="dy2")
    assert (result.layout, result.rows_read, result.rows_loaded) == ("douyin_order_export", 3, 3)
    assert _lines(con) == [
        ("6900000000000000201", "6900000000000000211", "3500000000000000001", 1,
         Decimal("20.00"), Decimal("0.00")),
        ("6900000000000000202", "6900000000000000221", "3500000000000000002", 1,
         Decimal("0.00"), Decimal("0.00")),
        ("6900000000000000203", "6900000000000000231", "3500000000000000003", 3,
         Decimal("33.30"), Decimal("33.30")),
    ]  # fmt: skip


def test_custom_douyin_main_order_report_has_empty_line_ids(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(CUSTOM_MAIN), store_id="dy2")
    assert (result.layout, result.rows_loaded) == ("douyin_order_export", 2)
    # 售后关闭 is a closed after-sale, not a refund.
    assert _lines(con) == [
        ("6900000000000000301", "", None, None, Decimal("58.00"), Decimal("0.00")),
        ("6900000000000000302", "", None, None, Decimal("12.00"), Decimal("0.00")),
    ]
