"""Taobao/Tmall 订单报表 and 宝贝报表: money meaning, identities, rejects, quirks."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest.loader import load_file
from warehouse.errors import InputFileError

Fixture = Callable[[str], Path]
WriteCsv = Callable[..., Path]
VALID = "taobao/ExportOrderList202206020800_valid.csv"
INVALID = "taobao/ExportOrderList202206020800_invalid.csv"
ITEMS = "taobao/ExportOrderDetailList202206020800_valid.csv"


def _orders(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[Decimal, Decimal]]:
    rows = con.execute("select order_id, gmv, refund from raw.order_lines").fetchall()
    return {order: (gmv, refund) for order, gmv, refund in rows}


def test_v2019_report_with_partial_refund_keeps_gmv_and_carries_the_refund(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(VALID), platform="taobao", store_id="s1")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 4, 0)
    # 总金额 1,250.50 = 1000.50 paid + 250.00 refunded: gmv is the whole 1250.50.
    assert _orders(con) == {
        "20220601000000001": (Decimal("100.00"), Decimal("0.00")),
        "20220601000000002": (Decimal("1250.50"), Decimal("250.00")),
        "20220601000000003": (Decimal("88.00"), Decimal("88.00")),
        "20220601000000004": (Decimal("0.00"), Decimal("0.00")),
    }


def test_unpaid_taobao_order_has_no_gmv(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(VALID), platform="taobao", store_id="s1")
    paid_at = con.execute(
        "select paid_at from raw.order_lines where order_id = '20220601000000004'"
    ).fetchall()
    assert paid_at == [(None,)]
    assert _orders(con)["20220601000000004"] == (Decimal("0.00"), Decimal("0.00"))


def test_each_broken_taobao_row_is_rejected_with_its_reason_and_row_number(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(INVALID), platform="tmall", store_id="s1")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 1, 5)
    assert result.skipped_detail == {"blank": 1, "repeated_header": 0, "total": 1}
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [
        (3, "买家实际支付金额, 退款金额, 总金额", "paid_plus_refund_is_total"),
        (4, "买家实际支付金额", "bad_amount"),
        (5, "订单编号", "excel_damaged_id"),
        (6, "退款金额, 订单付款时间", "refund_without_payment"),
        (7, "order_id + line_id", "duplicate_in_file"),
    ]
    assert _orders(con) == {"20220601000000011": (Decimal("50.00"), Decimal("0.00"))}


def test_amount_with_three_decimals_is_rejected_not_rounded(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(INVALID), platform="tmall", store_id="s1")
    reason = con.execute("select reason from raw.rejected_rows where source_row = 4").fetchall()
    assert "'12.345'" in reason[0][0]


def test_report_without_refund_column_counts_the_paid_amount(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "ExportOrderList_v2015.csv",
        [
            "订单编号,总金额,买家实际支付金额,订单付款时间 ,订单状态",
            '="1",327.70,148.90,2015-06-01 10:00:00,交易成功',
            '="2",20.00,30.00,2015-06-01 10:00:00,交易成功',
        ],
        encoding="gbk",
    )
    result = load_file(con, path, platform="taobao", store_id="s1")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert _orders(con) == {"1": (Decimal("148.90"), Decimal("0.00"))}
    code = con.execute("select reason_code from raw.rejected_rows").fetchall()
    assert code == [("paid_above_total",)]


def test_store_id_column_names_the_store_and_zero_means_none(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    header = "订单编号,总金额,买家实际支付金额,订单付款时间,退款金额,店铺Id"
    named = write_csv("a.csv", [header, "1,10,10,2022-06-01 10:00:00,0,778899"])
    assert load_file(con, named, platform="taobao").store_id == "778899"
    unnamed = write_csv("b.csv", [header, "2,10,10,2022-06-01 10:00:00,0,0"])
    with pytest.raises(InputFileError, match="no store identity") as caught:
        load_file(con, unnamed, platform="taobao")
    assert "--store" in str(caught.value)


def test_item_lines_are_numbered_within_their_order_and_prefer_merchant_code(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(ITEMS), platform="taobao", store_id="s1")
    assert (result.layout, result.rows_loaded) == ("taobao_item_report", 3)
    rows = con.execute(
        "select order_id, line_no, product_id, unit_price, quantity from raw.item_lines "
        "order by source_row"
    ).fetchall()
    assert rows == [
        ("20220601000000001", 1, "SKU-A", Decimal("60.00"), 1),
        ("20220601000000002", 1, "EXT-B", Decimal("500.00"), 2),
        ("20220601000000002", 2, "SKU-C", Decimal("300.00"), 1),
    ]


def test_taobao_layout_needs_to_be_told_taobao_or_tmall(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    with pytest.raises(InputFileError, match="taobao and tmall"):
        load_file(con, fixture_file(VALID), store_id="s1")


def test_no_buyer_data_reaches_raw_tables_or_rejected_rows(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    load_file(con, fixture_file(VALID), platform="taobao", store_id="s1")
    load_file(con, fixture_file(INVALID), platform="taobao", store_id="s1")
    load_file(con, fixture_file(ITEMS), platform="taobao", store_id="s1")
    dump = " ".join(
        str(row)
        for table in ("order_lines", "item_lines", "loads", "rejected_rows")
        for row in con.execute(f"select * from raw.{table}").fetchall()
    )
    assert con.execute("select count(*) from raw.rejected_rows").fetchall() == [(5,)]
    secrets = ("buyer_secret_nick", "secret@example", "张秘密", "秘密路", "13912345678", "门口")
    for secret in secrets:
        assert secret not in dump


def test_file_whose_store_column_names_two_stores_is_refused(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    header = "订单编号,总金额,买家实际支付金额,订单付款时间,退款金额,店铺Id"
    path = write_csv(
        "two.csv",
        [header, "1,10,10,2022-06-01 10:00:00,0,111", "2,10,10,2022-06-01 10:00:00,0,222"],
    )
    with pytest.raises(InputFileError, match="several stores"):
        load_file(con, path, platform="taobao")
