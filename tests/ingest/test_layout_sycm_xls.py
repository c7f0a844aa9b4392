"""生意参谋 product daily as legacy .xls (read by calamine) and under its newer column names."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from ingest.loader import load_file

Fixture = Callable[[str], Path]
Inbox = Callable[[Path, str, str], Path]
WriteCsv = Callable[..., Path]
XLS = "sycm/【生意参谋平台】商品_全部_2022-06-01_2022-06-02.xls"


def test_legacy_xls_product_report_loads_through_calamine(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    result = load_file(con, inbox(fixture_file(XLS), "tmall", "tm9"))
    assert (result.layout, result.platform, result.store_id) == (
        "sycm_product_daily",
        "tmall",
        "tm9",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (
        4,
        3,
        0,
        1,
    )
    assert con.execute("select encoding from raw.loads").fetchall() == [("xls",)]
    rows = con.execute(
        "select source_row, sale_date, product_id, gmv, refund, quantity, buyers "
        "from raw.daily_sales order by source_row"
    ).fetchall()
    # Row 8's date is a real Excel date cell, its amount the number 99.9.
    assert rows == [
        (6, date(2022, 6, 1), "600000000000001", Decimal("1234.50"), Decimal("0.00"), 20, 12),
        (7, date(2022, 6, 1), "600000000000002", Decimal("150.00"), Decimal("30.00"), 5, 3),
        (8, date(2022, 6, 2), "600000000000001", Decimal("99.90"), Decimal("100.00"), 1, 1),
    ]


def test_newer_sycm_names_for_buyers_and_refunds_are_recognised(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "sycm_new.csv",
        [
            "统计日期,商品ID,支付用户数,支付件数,支付金额,售中售后成功退款金额",
            '2022-07-01,7,4,6,"1,200.00",300.00',
        ],
        encoding="gbk",
    )
    load_file(con, path, platform="taobao", store_id="tb1")
    rows = con.execute("select gmv, refund, quantity, buyers from raw.daily_sales").fetchall()
    assert rows == [(Decimal("1200.00"), Decimal("300.00"), 6, 4)]
