"""生意参谋 product daily: header below metadata, `-`, separators, refunds above gmv."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from ingest.loader import load_file

Inbox = Callable[[Path, str, str], Path]
HEADER = [
    "统计日期",
    "商品ID",
    "商品名称",
    "商品访客数",
    "支付买家数",
    "支付件数",
    "支付金额",
    "成功退款金额",
]


@pytest.fixture
def sycm_xlsx(tmp_path: Path) -> Path:
    """A 生意参谋 export: four metadata rows, header on row 5, a 合计 row at the end."""
    path = tmp_path / "【生意参谋平台】商品_全部_2022-06-01_2022-06-02.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("商品效果")
    sheet.write_row(0, 0, ["【生意参谋平台】商品_全部"])
    sheet.write_row(1, 0, ["统计时间", "2022-06-01 ~ 2022-06-02"])
    sheet.write_row(4, 0, HEADER)
    sheet.write_row(5, 0, ["2022-06-01", "600000000000001", "郫县豆瓣", "1,234", "12", "20"])
    sheet.write_row(5, 6, ["1,234.50", "-"])
    sheet.write_row(6, 0, ["2022-06-01", "600000000000002", "火锅底料", "88", "3", "5"])
    sheet.write_row(6, 6, ["150.00", "30.00"])
    sheet.write_row(7, 0, ["2022-06-02", "600000000000001", "郫县豆瓣", "10", "1", "1"])
    sheet.write_number(7, 6, 99.9)
    sheet.write_string(7, 7, "100.00")
    sheet.write_row(8, 0, ["合计", "", "", "", "", "", "1,484.40", "130.00"])
    workbook.close()
    return path


def test_sycm_daily_loads_product_days_with_platform_and_store_from_the_folder(
    con: duckdb.DuckDBPyConnection, sycm_xlsx: Path, inbox: Inbox
) -> None:
    result = load_file(con, inbox(sycm_xlsx, "tmall", "tm9"))
    assert (result.layout, result.platform, result.store_id) == (
        "sycm_product_daily",
        "tmall",
        "tm9",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (4, 3, 1)
    rows = con.execute(
        "select source_row, sale_date, product_id, gmv, refund, quantity, buyers "
        "from raw.daily_sales order by source_row"
    ).fetchall()
    assert rows == [
        (6, date(2022, 6, 1), "600000000000001", Decimal("1234.50"), Decimal("0.00"), 20, 12),
        (7, date(2022, 6, 1), "600000000000002", Decimal("150.00"), Decimal("30.00"), 5, 3),
        (8, date(2022, 6, 2), "600000000000001", Decimal("99.90"), Decimal("100.00"), 1, 1),
    ]


def test_sycm_product_repeated_on_the_same_day_is_rejected(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "sycm.csv"
    path.write_text(
        "统计日期,商品ID,支付金额\n2022-06-01,7,10.00\n2022-06-01,7,10.00\n", encoding="utf-8"
    )
    result = load_file(con, path, platform="taobao", store_id="tb1")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert con.execute("select reason_code from raw.rejected_rows").fetchall() == [
        ("duplicate_in_file",)
    ]


def test_product_day_repeated_after_a_rejected_first_copy_loads(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "sycm.csv"
    path.write_text(
        "统计日期,商品ID,支付金额\n2022-06-01,7,十元\n2022-06-01,7,10.00\n", encoding="utf-8"
    )
    result = load_file(con, path, platform="taobao", store_id="tb1")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert con.execute("select source_row, gmv from raw.daily_sales").fetchall() == [
        (3, Decimal("10.00"))
    ]
