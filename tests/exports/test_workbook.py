"""The award workbook and CSV read back with the values the lists hold."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from exports.tables import write_tables
from exports.workbook import write_workbook


@dataclass
class Listing:
    """The shape exports read from scoring.api.ListTable."""

    list_id: str
    title: str
    frame: pl.DataFrame
    column_titles: dict[str, str]
    money_columns: list[str] = field(default_factory=list)
    id_columns: list[str] = field(default_factory=list)


@pytest.fixture
def county_list() -> Listing:
    frame = pl.DataFrame(
        {
            "rank": [1, 2],
            "county_code": ["510522", "510131"],
            "county_name": ["合江县", '=HYPERLINK("x")'],
            "net_sales": [Decimal("12345678.90"), Decimal("5000.00")],
            "score": [Decimal("0.912345"), Decimal("0.5")],
            "is_awarded": [True, False],
            "store_id": ["00012345678901234567", "7"],
        },
        schema_overrides={"net_sales": pl.Decimal(18, 2), "score": pl.Decimal(18, 6)},
    )
    return Listing(
        list_id="county_top100",
        title="2022年度百县百品榜",
        frame=frame,
        column_titles={
            "rank": "名次",
            "county_code": "县（市、区）代码",
            "county_name": "县（市、区）",
            "net_sales": "净销售额",
            "score": "得分",
            "is_awarded": "获奖",
            "store_id": "店铺ID",
        },
        money_columns=["net_sales"],
        id_columns=["county_code", "store_id"],
    )


def test_workbook_shows_amounts_in_wan_and_ids_as_text(tmp_path: Path, county_list: Listing):
    path = write_workbook([county_list], tmp_path / "awards.xlsx", year=2022)
    sheet = openpyxl.load_workbook(path)["2022年度百县百品榜"]
    assert sheet["A1"].value == "2022年度百县百品榜（金额单位：万元）"
    assert [cell.value for cell in sheet[2]] == [
        "名次",
        "县（市、区）代码",
        "县（市、区）",
        "净销售额（万元）",
        "得分",
        "获奖",
        "店铺ID",
    ]
    # 12,345,678.90 yuan = 1,234.567890 万元 -> 1234.57 (half up); 5,000 yuan = 0.50 万元
    assert sheet["D3"].value == pytest.approx(1234.57)
    assert sheet["D4"].value == pytest.approx(0.50)
    assert sheet["D3"].number_format == "#,##0.00"
    assert sheet["B3"].value == "510522" and sheet["B3"].data_type == "s"
    assert sheet["G3"].value == "00012345678901234567"
    assert sheet["F3"].value == "是"
    assert sheet.freeze_panes == "A3"
    assert sheet.page_setup.orientation == "landscape"


def test_formula_in_a_name_stays_inert_text(tmp_path: Path, county_list: Listing):
    path = write_workbook([county_list], tmp_path / "awards.xlsx", year=2022)
    cell = openpyxl.load_workbook(path)["2022年度百县百品榜"]["C4"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("x")'
    written = write_tables([county_list], tmp_path, year=2022)
    csv_path = next(path for path in written if path.suffix == ".csv")
    rows = list(csv.reader(csv_path.open(encoding="utf-8-sig", newline="")))
    assert rows[2][2] == '\'=HYPERLINK("x")'


def test_csv_is_utf8_with_bom_and_crlf_in_wan(tmp_path: Path, county_list: Listing):
    written = write_tables([county_list], tmp_path, year=2022)
    csv_path = tmp_path / "csv" / "2022_county_top100.csv"
    assert csv_path in written
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 3
    rows = list(csv.reader(csv_path.open(encoding="utf-8-sig", newline="")))
    assert rows[1][3] == "1234.57" and rows[1][1] == "510522"


def test_parquet_keeps_exact_yuan(tmp_path: Path, county_list: Listing):
    write_tables([county_list], tmp_path, year=2022)
    frame = pl.read_parquet(tmp_path / "parquet" / "2022_county_top100.parquet")
    assert frame["net_sales"].to_list() == [Decimal("12345678.90"), Decimal("5000.00")]
