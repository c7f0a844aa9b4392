"""Taobao/Tmall 订单报表 header versions: v2015 csv, v2019 csv and the 2021 xlsx (61 columns)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingest.loader import load_file

Fixture = Callable[[str], Path]
V2015 = "taobao/ExportOrderList201506020800_v2015.csv"
V2019 = "taobao/ExportOrderList202206020800_valid.csv"
# Columns v2019 appends to v2015, and those the 2021 xlsx inserts and appends.
V2019_APPENDED = [
    "新零售交易类型",
    "新零售导购门店名称",
    "新零售导购门店id",
    "新零售发货门店名称",
    "新零售发货门店id",
    "退款金额",
    "预约门店",
    "确认收货时间",
    "打款商家金额",
    "含应开票给个人的个人红包",
]
V2021_INSERTED_AFTER_ALIPAY = ["支付单号", "支付详情"]
V2021_APPENDED = ["是否信用购", "体验期结束时间", "前N有礼", "配送类型", "主订单编号"]


def _header(path: Path) -> list[str]:
    with path.open(encoding="gbk", newline="") as stream:
        return next(csv.reader(stream))


@pytest.fixture
def v2015_header(fixture_file: Fixture) -> list[str]:
    header = _header(fixture_file(V2015))
    assert len(header) == 44
    assert header[-1] == "是否是O2O交易"
    return header


def _orders(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, paid_at, gmv, refund from raw.order_lines order by source_row"
    ).fetchall()


def test_v2015_report_without_refund_column_counts_what_the_buyer_paid(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, v2015_header: list[str]
) -> None:
    result = load_file(con, fixture_file(V2015), platform="taobao", store_id="tb1")
    assert (result.layout, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "taobao_order_report",
        4,
        3,
        1,
    )
    # v2015 has no 退款金额: 148.90 is what stayed paid after an unseen refund.
    assert _orders(con) == [
        ("20150601000000001", datetime(2015, 6, 1, 10), Decimal("100.00"), Decimal("0.00")),
        ("20150601000000002", datetime(2015, 6, 1, 11), Decimal("148.90"), Decimal("0.00")),
        ("20150601000000003", None, Decimal("0.00"), Decimal("0.00")),
    ]
    rejects = con.execute("select source_row, reason_code from raw.rejected_rows").fetchall()
    assert rejects == [(5, "paid_above_total")]


def test_v2019_fixture_has_the_v2019_header_and_loads(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, v2015_header: list[str]
) -> None:
    assert _header(fixture_file(V2019)) == v2015_header + V2019_APPENDED
    result = load_file(con, fixture_file(V2019), platform="tmall", store_id="tm1")
    assert (result.layout, result.rows_loaded, result.rows_rejected) == (
        "taobao_order_report",
        4,
        0,
    )
    sums = con.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchall()
    # 100.00 + 1250.50 + 88.00 + 0 (unpaid); refunds 250.00 + 88.00
    assert sums == [(Decimal("1438.50"), Decimal("338.00"))]


@pytest.fixture
def xlsx_2021(tmp_path: Path, v2015_header: list[str]) -> Path:
    """The 2021 xlsx report: 61 columns, amounts as text and as numbers, personal data."""
    alipay = v2015_header.index("买家支付宝账号") + 1
    header = [
        *v2015_header[:alipay],
        *V2021_INSERTED_AFTER_ALIPAY,
        *v2015_header[alipay:],
        *V2019_APPENDED,
        *V2021_APPENDED,
    ]
    assert len(header) == 61
    rows = [
        ("20210601000000001", "200.00", 150.00, "50.00", "2021-06-01 10:00:00"),
        ("20210601000000002", "88.00", 88, "0.00", "2021-06-01 11:00:00"),
        ("20210601000000003", "30.00", 0, "0.00", ""),
    ]
    path = tmp_path / "inbox" / "tmall" / "tm21" / "ExportOrderList202106020800.xlsx"
    path.parent.mkdir(parents=True)
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for number, (order, total, paid, refund, paid_at) in enumerate(rows, start=1):
        cells = {
            "订单编号": order,
            "买家会员名": "buyer_secret_nick",
            "买家支付宝账号": "secret@example.invalid",
            "支付单号": "2021060122001100000000000001",
            "总金额": total,
            "买家实际支付金额": paid,
            "收货人姓名": "张秘密",
            "联系手机": "13912345678",
            "订单付款时间 ": paid_at,
            "退款金额": refund,
            "店铺Id": "0",
            "主订单编号": order,
        }
        for column, name in enumerate(header):
            if name in cells:
                sheet.write(number, column, cells[name])
    workbook.close()
    return path


def test_2021_xlsx_report_with_61_columns_loads_by_header_name(
    con: duckdb.DuckDBPyConnection, xlsx_2021: Path
) -> None:
    result = load_file(con, xlsx_2021)
    assert (result.layout, result.platform, result.store_id, result.rows_loaded) == (
        "taobao_order_report",
        "tmall",
        "tm21",
        3,
    )
    assert _orders(con) == [
        ("20210601000000001", datetime(2021, 6, 1, 10), Decimal("200.00"), Decimal("50.00")),
        ("20210601000000002", datetime(2021, 6, 1, 11), Decimal("88.00"), Decimal("0.00")),
        ("20210601000000003", None, Decimal("0.00"), Decimal("0.00")),
    ]
    dump = str(con.execute("select * from raw.order_lines").fetchall())
    for secret in ("buyer_secret_nick", "secret@example", "张秘密", "2021060122001100"):
        assert secret not in dump
