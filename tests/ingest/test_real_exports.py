"""The three real seller exports load as one store's data, with sums computed by hand.

Hand computation (see the files under fixtures/real/):
- 01 (Taobao 订单报表 v2017, 5 paid orders, no refunds): 201.12 + 186.15 + 331.55
  + 989.00 + 236.55 = 1944.37 gmv, refund 0, net 1944.37.
- 02 (Taobao 宝贝报表, 5 lines, 1 item each): list prices 239 + 219 + 349 + 1009 + 249
  = 2065.00.
- 03 (Tmall reduced report, 40 orders): 6 unpaid (orders 1, 3, 14, 15, 38, 40) have
  gmv 0. The 34 paid orders' 总金额 sum to 4123.50 (= 买家实际支付金额 + 退款金额 on
  each); refunds on orders 5, 6, 9, 11, 23, 29, 33, 35: 64.8 + 178.8 + 43 + 267.9 +
  21 + 53 + 66.9 + 38 = 733.40; net 3390.10.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.loader import LoadResult, load_file

STORE = "qinyida"
ORDERS_2017 = "01_taobao_ExportOrderList_2017_excerpt.csv"
ITEMS_2017 = "02_taobao_ExportOrderDetailList_2017_excerpt.csv"
TMALL_2020 = "03_tmall_order_report_head40.csv"


@pytest.fixture
def loaded(con: duckdb.DuckDBPyConnection, real_exports: Path) -> list[LoadResult]:
    return [
        load_file(con, real_exports / ORDERS_2017, store_id=STORE, platform="taobao"),
        load_file(con, real_exports / ITEMS_2017, store_id=STORE, platform="taobao"),
        load_file(con, real_exports / TMALL_2020, store_id=STORE, platform="tmall"),
    ]


def _sums(con: duckdb.DuckDBPyConnection, platform: str) -> tuple[Decimal, Decimal, Decimal]:
    return con.execute(
        "select sum(gmv), sum(refund), sum(gmv - refund) from raw.order_lines "
        "where store_id = ? and platform = ?",
        [STORE, platform],
    ).fetchall()[0]


def test_every_row_of_the_real_exports_loads(loaded: list[LoadResult]) -> None:
    counts = [(r.layout, r.rows_read, r.rows_loaded, r.rows_rejected) for r in loaded]
    assert counts == [
        ("taobao_order_report", 5, 5, 0),
        ("taobao_item_report", 5, 5, 0),
        ("taobao_order_report", 40, 40, 0),
    ]


def test_taobao_2017_orders_sum_to_hand_computed_gmv(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    assert _sums(con, "taobao") == (Decimal("1944.37"), Decimal("0.00"), Decimal("1944.37"))


def test_tmall_report_gmv_adds_refunds_back_and_unpaid_orders_count_nothing(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    assert _sums(con, "tmall") == (Decimal("4123.50"), Decimal("733.40"), Decimal("3390.10"))
    unpaid = con.execute(
        "select list(order_id order by source_row) from raw.order_lines "
        "where platform = 'tmall' and paid_at is null and gmv = 0"
    ).fetchall()[0][0]
    assert unpaid == ["1", "3", "14", "15", "38", "40"]


def test_tmall_order_fully_refunded_keeps_its_gmv_with_net_zero(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    # Order 11: 总金额 267.9, 买家实际支付金额 0.0, 退款金额 267.9, paid.
    row = con.execute(
        "select gmv, refund from raw.order_lines where platform = 'tmall' and order_id = '11'"
    ).fetchall()
    assert row == [(Decimal("267.90"), Decimal("267.90"))]


def test_taobao_item_lines_keep_list_prices_and_merchant_codes(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    total, first = con.execute(
        "select sum(unit_price * quantity), "
        "min(product_id) filter (where order_id = '10000000000000001') from raw.item_lines"
    ).fetchall()[0]
    assert total == Decimal("2065.00")
    assert first == "YO-PAN-20-WITHGLASS"


def test_wrapped_taobao_order_ids_are_unwrapped_text(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    ids = con.execute(
        "select list(order_id order by source_row) from raw.order_lines where platform = 'taobao'"
    ).fetchall()[0][0]
    assert ids == [f"1000000000000000{n}" for n in range(1, 6)]


def test_no_buyer_data_of_the_real_exports_reaches_the_warehouse(
    con: duckdb.DuckDBPyConnection, loaded: list[LoadResult]
) -> None:
    dump = " ".join(
        str(row)
        for table in ("order_lines", "item_lines", "loads", "rejected_rows")
        for row in con.execute(f"select * from raw.{table}").fetchall()
    )
    for secret in ("buyer_nick_01", "example.invalid", "13800000001", "收货人01", "广东省", "上海"):
        assert secret not in dump
