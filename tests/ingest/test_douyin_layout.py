"""Douyin 抖店 order export: per 子订单 and per 主订单, refunds, channels, streamers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.loader import load_file

Fixture = Callable[[str], Path]
SUB = "douyin/1654131600_sub_orders_valid.csv"
MAIN = "douyin/1654218000_main_orders_valid.csv"
INVALID = "douyin/1654304400_sub_orders_invalid.csv"


def _lines(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, line_id, product_id, quantity, gmv, refund, refund_status, channel, "
        "streamer_id from raw.order_lines order by source_row"
    ).fetchall()


def test_sub_order_file_loads_one_line_per_sub_order_with_platform_from_the_layout(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(SUB), store_id="dy1")
    assert (result.platform, result.layout, result.rows_loaded) == (
        "douyin",
        "douyin_order_export",
        4,
    )
    line_ids = [row[1] for row in _lines(con)]
    assert line_ids == [
        "6900000000000000011",
        "6900000000000000012",
        "6900000000000000021",
        "6900000000000000031",
    ]


def test_refund_of_closed_douyin_after_sale_is_not_counted(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(SUB), store_id="dy1")
    by_line = {row[1]: (row[4], row[5], row[6]) for row in _lines(con)}
    assert by_line["6900000000000000012"] == (Decimal("30.00"), Decimal("30.00"), "退款成功")
    assert by_line["6900000000000000021"] == (Decimal("18.00"), Decimal("0.00"), "售后关闭")


def test_douyin_gmv_is_the_payable_amount_and_unpaid_lines_count_nothing(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(SUB), store_id="dy1")
    # 45.00 + 30.00 + 18.00 paid; the 99.00 line was never paid.
    sums = con.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchall()
    assert sums == [(Decimal("93.00"), Decimal("30.00"))]


def test_douyin_channel_comes_from_traffic_genre_and_streamer_zero_is_none(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(SUB), store_id="dy1")
    assert [(row[7], row[8]) for row in _lines(con)] == [
        ("live", "123456789"),
        ("video", "123456789"),
        ("shelf", None),
        ("shelf", None),
    ]


def test_tab_protected_douyin_ids_keep_all_their_digits(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(SUB), store_id="dy1")
    first = _lines(con)[0]
    assert (first[0], first[2], first[3]) == ("6900000000000000001", "3500000000000000001", 2)


def test_main_order_file_has_empty_line_ids(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(MAIN), store_id="dy1")
    assert [(row[0], row[1], row[4], row[5]) for row in _lines(con)] == [
        ("6900000000000000101", "", Decimal("120.50"), Decimal("120.50")),
        ("6900000000000000102", "", Decimal("80.00"), Decimal("0.00")),
    ]


def test_payable_above_list_price_and_unreadable_payment_time_are_rejected(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(INVALID), store_id="dy1")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [
        (2, "订单应付金额, 商品单价, 商品数量, 运费", "payable_above_list_price"),
        (3, "支付完成时间", "bad_timestamp"),
    ]


def test_masked_recipient_and_buyer_message_never_reach_the_warehouse(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    for name in (SUB, MAIN, INVALID):
        load_file(con, fixture_file(name), store_id="dy1")
    dump = " ".join(
        str(row)
        for table in ("order_lines", "loads", "rejected_rows")
        for row in con.execute(f"select * from raw.{table}").fetchall()
    )
    for secret in ("密文", "张秘密", "秘密路", "门口", "秘密主播", "13912345678"):
        assert secret not in dump
