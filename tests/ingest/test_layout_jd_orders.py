"""JD POP 订单导出: order amounts repeated per SKU line are counted once, shared pro rata."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingest.loader import load_file

Fixture = Callable[[str], Path]
WriteCsv = Callable[..., Path]
VALID = "jd/jd_orders_202206_valid.csv"
INVALID = "jd/jd_orders_202206_invalid.csv"
SHORT_HEADER = "订单号,商品ID,订购数量,京东价,应付金额,订单状态,付款确认时间"


def _lines(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, line_id, gmv, refund from raw.order_lines order by source_row"
    ).fetchall()


@pytest.fixture
def loaded_valid(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> duckdb.DuckDBPyConnection:
    result = load_file(con, fixture_file(VALID), store_id="jd1")
    assert (result.layout, result.platform) == ("jd_order_export", "jd")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 10, 0)
    return con


def test_jd_order_amount_repeated_on_each_line_is_shared_pro_rata_and_counted_once(
    loaded_valid: duckdb.DuckDBPyConnection,
) -> None:
    lines = _lines(loaded_valid)
    # Order 1 paid 90.00 online + 5.00 balance = 95.00; weights 30×2 = 60 and 40×1 = 40.
    assert lines[0] == ("230000000001", "100011", Decimal("57.00"), Decimal("0.00"))
    assert lines[1] == ("230000000001", "100012", Decimal("38.00"), Decimal("0.00"))
    # Order 2: 100.00 over three equal lines, the last takes the remaining fen.
    assert [line[2] for line in lines[2:5]] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


def test_jd_file_totals_count_each_order_once(loaded_valid: duckdb.DuckDBPyConnection) -> None:
    # 95.00 + 100.00 + 20.00 (cancelled) + 0 (unpaid) + 31.00 (锁定) + 45.00 = 291.00
    sums = loaded_valid.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchall()
    assert sums == [(Decimal("291.00"), Decimal("20.00"))]


def test_jd_order_cancelled_after_payment_is_a_full_refund_and_unpaid_order_counts_nothing(
    loaded_valid: duckdb.DuckDBPyConnection,
) -> None:
    by_order = {line[0]: line[2:] for line in _lines(loaded_valid)}
    assert by_order["230000000003"] == (Decimal("20.00"), Decimal("20.00"))
    assert by_order["230000000004"] == (Decimal("0.00"), Decimal("0.00"))
    assert by_order["230000000005"] == (Decimal("31.00"), Decimal("0.00"))


def test_jd_order_hidden_by_the_buyer_still_counts(
    loaded_valid: duckdb.DuckDBPyConnection,
) -> None:
    rows = loaded_valid.execute(
        "select distinct order_status, sum(gmv) over () from raw.order_lines "
        "where order_id = '230000000002'"
    ).fetchall()
    assert rows == [("(删除)完成", Decimal("100.00"))]


def test_jd_gift_line_at_zero_price_gets_no_share(loaded_valid: duckdb.DuckDBPyConnection) -> None:
    lines = [line for line in _lines(loaded_valid) if line[0] == "230000000006"]
    assert [(line[1], line[2]) for line in lines] == [
        ("100019", Decimal("45.00")),
        ("100020", Decimal("0.00")),
    ]


def test_each_broken_jd_row_is_rejected_and_an_order_with_a_bad_line_is_kept_out_whole(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(INVALID), store_id="jd1")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 1, 7)
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [
        (2, "订单号", "order_not_whole"),
        (3, "京东价", "bad_amount"),
        (4, "应付金额, 余额支付, 订单金额, 运费金额", "paid_above_order_amount"),
        (5, "订购数量", "quantity_not_positive"),
        (6, "订单号", "order_not_whole"),
        (7, "订单号", "order_not_whole"),
        (9, "订单号", "excel_damaged_id"),
    ]
    assert _lines(con) == [("230000000015", "100017", Decimal("66.60"), Decimal("0.00"))]


def test_jd_buyer_data_never_reaches_the_warehouse(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    for name in (VALID, INVALID):
        load_file(con, fixture_file(name), store_id="jd1")
    dump = " ".join(
        str(row)
        for table in ("order_lines", "loads", "rejected_rows")
        for row in con.execute(f"select * from raw.{table}").fetchall()
    )
    for secret in ("jd_secret_user", "王秘密", "秘密街", "13912345678", "秘密公司", "SECRET"):
        assert secret not in dump


def test_jd_lines_with_their_own_amounts_are_taken_as_given(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "jd_per_line.csv",
        [
            SHORT_HEADER,
            "9001,11,1,10.00,10.00,完成,2022-06-01 10:00:00",
            "9001,12,1,25.00,25.00,完成,2022-06-01 10:00:00",
        ],
        encoding="gbk",
    )
    load_file(con, path, platform="jd", store_id="jd1")
    assert [line[2] for line in _lines(con)] == [Decimal("10.00"), Decimal("25.00")]


def test_jd_sku_repeated_in_one_order_gets_a_numbered_line_id(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "jd_repeat.csv",
        [
            SHORT_HEADER,
            "9002,11,1,10.00,30.00,完成,2022-06-01 10:00:00",
            "9002,11,2,10.00,30.00,完成,2022-06-01 10:00:00",
        ],
    )
    load_file(con, path, platform="jd", store_id="jd1")
    # weights 10 and 20 of 30.00 paid
    assert [(line[1], line[2]) for line in _lines(con)] == [
        ("11", Decimal("10.00")),
        ("11#2", Decimal("20.00")),
    ]


def test_jd_xlsx_export_loads_like_the_csv(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = tmp_path / "jd" / "jd7" / "orders.xlsx"
    path.parent.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, [*SHORT_HEADER.split(","), "余额支付", "运费金额", "订单金额"])
    sheet.write_row(1, 0, ["230000000031", "100011", 3, "9.90", "20.00", "完成"])
    sheet.write_row(1, 6, ["2022-06-05 12:00:00", "0.00", "0.00", "29.70"])
    sheet.write_row(2, 0, ["230000000031", "100012", 1, "9.90", "20.00", "完成"])
    sheet.write_row(2, 6, ["2022-06-05 12:00:00", "0.00", "0.00", "29.70"])
    workbook.close()
    result = load_file(con, path)
    assert (result.platform, result.store_id, result.rows_loaded) == ("jd", "jd7", 2)
    # 20.00 × 29.70 / 39.60 = 15.00; the last line takes 5.00
    assert [line[2] for line in _lines(con)] == [Decimal("15.00"), Decimal("5.00")]
