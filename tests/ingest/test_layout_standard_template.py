"""The programme's standard template: both grains, csv and xlsx, and the blank files."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import duckdb
import openpyxl
import pytest

from ingest.cells import normalise_header
from ingest.layouts import LAYOUTS, detect_layout, platform_in_file
from ingest.layouts.standard_template import TEMPLATE_COLUMNS
from ingest.loader import load_file
from ingest.reader import read_table
from warehouse.errors import InputFileError

Fixture = Callable[[str], Path]
Inbox = Callable[[Path, str, str], Path]
WriteCsv = Callable[..., Path]
TEMPLATES = Path(__file__).parents[2] / "data" / "templates"
BLANK_CSV = TEMPLATES / "川货电商节销售数据模板.csv"
BLANK_XLSX = TEMPLATES / "川货电商节销售数据模板.xlsx"
ORDERS = "kuaishou/template_orders_valid.csv"
ORDERS_INVALID = "kuaishou/template_orders_invalid.csv"
DAILY = "miniprogram/template_daily_valid.csv"


@pytest.fixture(scope="module")
def make_templates() -> ModuleType:
    """data/templates/make_templates.py, imported from its path."""
    spec = importlib.util.spec_from_file_location("make_templates", TEMPLATES / "make_templates.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _order_lines(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select order_id, line_id, product_id, product_name, quantity, paid_at, gmv, refund, "
        "streamer_id, channel from raw.order_lines order by source_row"
    ).fetchall()


def test_filled_template_with_order_numbers_loads_order_lines_keyed_by_product(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    result = load_file(con, inbox(fixture_file(ORDERS), "kuaishou", "ks1"))
    assert (result.layout, result.platform, result.store_id) == (
        "standard_template_orders",
        "kuaishou",
        "ks1",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 4, 0)
    assert _order_lines(con) == [
        ("KS0001", "P001", "P001", "郫县豆瓣", 2, datetime(2022, 6, 1, 20), Decimal("59.80"),
         Decimal("0.00"), None, "live"),
        ("KS0001", "P002", "P002", "火锅底料", 1, datetime(2022, 6, 1, 20), Decimal("30.00"),
         Decimal("30.00"), None, "live"),
        ("KS0002", "冷吃兔", "冷吃兔", "冷吃兔", 1, datetime(2022, 6, 2), Decimal("45.50"),
         Decimal("0.00"), None, "video"),
        ("KS0003", "P001", "P001", "郫县豆瓣", 1, datetime(2022, 6, 2, 10), Decimal("29.90"),
         Decimal("0.00"), "77001", None),
    ]  # fmt: skip


def test_filled_gbk_template_without_order_numbers_loads_product_days(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    result = load_file(con, inbox(fixture_file(DAILY), "miniprogram", "mp1"))
    assert (result.layout, result.platform) == ("standard_template_daily", "miniprogram")
    assert (result.rows_read, result.rows_loaded, result.rows_skipped) == (4, 3, 1)
    rows = con.execute(
        "select product_id, sale_date, gmv, refund, quantity, buyers, channel "
        "from raw.daily_sales order by source_row"
    ).fetchall()
    # A day's refund (259.80) may exceed its sales: it settles an earlier day.
    assert rows == [
        ("P001", date(2022, 6, 1), Decimal("1299.00"), Decimal("0.00"), 10, 8, "shelf"),
        ("P002", date(2022, 6, 1), Decimal("89.70"), Decimal("29.90"), 3, 3, "shelf"),
        ("P001", date(2022, 6, 2), Decimal("129.90"), Decimal("259.80"), 1, 1, None),
    ]
    sums = con.execute("select sum(gmv), sum(refund) from raw.daily_sales").fetchall()
    assert sums == [(Decimal("1518.60"), Decimal("289.70"))]


def test_each_broken_template_row_is_rejected_with_its_reason_and_row_number(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    result = load_file(con, inbox(fixture_file(ORDERS_INVALID), "kuaishou", "ks1"))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 1, 7)
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [
        (2, "退款金额(元), 支付金额(元)", "refund_above_gmv"),
        (3, "订单编号", "missing_value"),
        (4, "商品编号, 商品名称", "missing_product"),
        (5, "支付金额(元)", "bad_amount"),
        (6, "渠道", "unknown_channel"),
        (8, "支付金额(元), 退款金额(元)", "negative_amount"),
        (9, "平台", "unknown_platform"),
    ]
    reason = con.execute("select reason from raw.rejected_rows where source_row = 3").fetchall()
    assert "delete the 订单编号 column" in reason[0][0]
    assert [row[0] for row in _order_lines(con)] == ["KS0014"]


def test_template_missing_a_required_column_names_the_layout_and_the_columns(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "template.csv", ["平台,店铺ID,日期,商品名称,支付金额（元）", "快手,ks1,2022-06-01,豆瓣,1"]
    )
    with pytest.raises(InputFileError) as caught:
        load_file(con, path, platform="kuaishou")
    message = str(caught.value)
    assert "closest is standard_template_daily" in message
    assert message.endswith("which needs 退款金额（元）\n  hint: " + caught.value.hint)


def test_template_without_any_product_column_asks_for_code_or_name(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "template.csv",
        ["平台,店铺ID,日期,支付金额（元）,退款金额（元）", "快手,ks1,2022-06-01,1,0"],
    )
    with pytest.raises(InputFileError, match="needs 商品编号 or 商品名称"):
        load_file(con, path, platform="kuaishou")


def _filled_xlsx(target: Path, rows: list[list[object]], *, daily: bool) -> Path:
    """The committed blank template, filled in as a clerk would (daily: 订单编号 deleted)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BLANK_XLSX, target)
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["数据"]
    if daily:
        sheet.delete_cols(4)
    for row in rows:
        sheet.append(row)
    workbook.save(target)
    return target


def test_filled_xlsx_template_loads_order_lines(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = _filled_xlsx(
        tmp_path / "inbox" / "1919" / "s1919" / "orders.xlsx",
        [
            [1919, "s1919", "2022-06-05 09:00:00", "19190000000000000001", "W001", "五粮液",
             1, 1099.00, 0, None, None, "货架"],
            ["1919", "s1919", "2022-06-05 09:10:00", "19190000000000000002", "W002", "泸州老窖",
             2, "658.00", "329.00", None, None, "货架"],
        ],
        daily=False,
    )  # fmt: skip
    result = load_file(con, path)
    assert (result.layout, result.platform, result.rows_loaded) == (
        "standard_template_orders",
        "1919",
        2,
    )
    rows = con.execute("select order_id, line_id, gmv, refund from raw.order_lines").fetchall()
    assert sorted(rows) == [
        ("19190000000000000001", "W001", Decimal("1099.00"), Decimal("0.00")),
        ("19190000000000000002", "W002", Decimal("658.00"), Decimal("329.00")),
    ]


def test_filled_xlsx_template_without_the_order_column_loads_product_days(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = _filled_xlsx(
        tmp_path / "inbox" / "other" / "x1" / "daily.xlsx",
        [
            ["其他平台", "x1", "2022-06-05", "A1", "腊肉", 4, 200.00, 0, 4, None, "直播"],
            ["其他平台", "x1", "2022-06-06", "A1", "腊肉", 1, 50.50, 50.50, 1, "88", "直播"],
        ],
        daily=True,
    )
    result = load_file(con, path)
    assert (result.layout, result.rows_read, result.rows_loaded) == (
        "standard_template_daily",
        2,
        2,
    )
    rows = con.execute(
        "select sale_date, gmv, refund, buyers, streamer_id, channel from raw.daily_sales "
        "order by source_row"
    ).fetchall()
    assert rows == [
        (date(2022, 6, 5), Decimal("200.00"), Decimal("0.00"), 4, None, "live"),
        (date(2022, 6, 6), Decimal("50.50"), Decimal("50.50"), 1, "88", "live"),
    ]


def test_platform_column_names_the_file_platform_by_name_or_code(fixture_file: Fixture) -> None:
    path = fixture_file(ORDERS)
    table = read_table(path, LAYOUTS["standard_template_orders"].headers())
    layout = detect_layout(table.headers, path)
    columns = layout.columns_in(table.headers)
    assert platform_in_file(layout, columns, table.frame, path) == "kuaishou"
    two = table.frame.with_columns(table.frame.get_column("平台").scatter(0, "tmall").alias("平台"))
    with pytest.raises(InputFileError, match="several platforms"):
        platform_in_file(layout, columns, two, path)


def test_blank_csv_template_is_the_header_alone_in_utf8_with_bom() -> None:
    data = BLANK_CSV.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = [name for name, _, _ in TEMPLATE_COLUMNS]
    assert data.decode("utf-8-sig") == ",".join(header) + "\r\n"
    assert header[:3] == ["平台", "店铺ID", "日期"]
    normalised = [normalise_header(name) for name in header]
    assert detect_layout(normalised, BLANK_CSV).name == "standard_template_orders"


def test_blank_xlsx_template_has_a_bold_header_and_a_guide_for_every_column() -> None:
    workbook = openpyxl.load_workbook(BLANK_XLSX)
    assert workbook.sheetnames == ["数据", "填写说明"]
    data = workbook["数据"]
    header = [cell.value for cell in data[1]]
    assert header == [name for name, _, _ in TEMPLATE_COLUMNS]
    assert all(cell.font.b for cell in data[1])
    assert data.max_row == 1
    guide = {row[0]: row[1] for row in workbook["填写说明"].iter_rows(values_only=True) if row[1]}
    assert {name: guide[name] for name in header} == {
        name: need for name, need, _ in TEMPLATE_COLUMNS
    }


def test_template_script_writes_the_committed_csv_again(
    make_templates: ModuleType, tmp_path: Path
) -> None:
    written = make_templates.write_csv(tmp_path / "blank.csv")
    assert written.read_bytes() == BLANK_CSV.read_bytes()
    again = make_templates.write_xlsx(tmp_path / "blank.xlsx")
    assert again.read_bytes() == BLANK_XLSX.read_bytes()


def test_template_platform_column_names_the_platform_when_no_folder_does(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture
) -> None:
    result = load_file(con, fixture_file(ORDERS))
    assert (result.platform, result.store_id, result.rows_loaded) == ("kuaishou", "ks1", 4)


def test_template_naming_two_platforms_is_refused_whole(
    con: duckdb.DuckDBPyConnection, write_csv: WriteCsv
) -> None:
    path = write_csv(
        "two.csv",
        [
            "平台,店铺ID,日期,商品编号,支付金额（元）,退款金额（元）",
            "快手,ks1,2022-06-01,P1,10.00,0",
            "天猫,ks1,2022-06-01,P2,10.00,0",
        ],
    )
    with pytest.raises(InputFileError, match="names several platforms"):
        load_file(con, path)


def test_template_platform_column_that_disagrees_with_the_folder_is_refused(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, inbox: Inbox
) -> None:
    with pytest.raises(InputFileError, match="column 平台 says 'kuaishou'"):
        load_file(con, inbox(fixture_file(ORDERS), "douyin", "ks1"))
