"""The reader: encodings, header detection, row numbers and skipped rows."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from ingest import reader
from ingest.reader import read_table
from warehouse.errors import InputFileError

WriteCsv = Callable[..., Path]
KNOWN = ["订单编号", "价格", "总金额", "退款金额", "统计日期", "商品ID", "支付金额"]


def test_gbk_file_is_decoded_as_gb18030(write_csv: WriteCsv) -> None:
    path = write_csv("gbk.csv", ["订单编号,总金额", "1,12.50"], encoding="gbk")
    table = read_table(path, KNOWN)
    assert table.encoding == "gb18030"
    assert table.frame.get_column("总金额").to_list() == ["12.50"]


def test_utf8_bom_is_recognised_and_not_part_of_the_first_header(write_csv: WriteCsv) -> None:
    path = write_csv("bom.csv", ["\ufeff订单编号,总金额", "1,2"])
    table = read_table(path, KNOWN)
    assert table.encoding == "utf-8-sig"
    assert table.headers == ["订单编号", "总金额"]


def test_undecodable_file_is_an_input_file_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes("订单编号,总金额\n".encode() + b"\xff\xfe\xff\x80\x80\n")
    with pytest.raises(InputFileError) as caught:
        read_table(path, KNOWN)
    assert "broken.csv" in str(caught.value)
    assert caught.value.hint


def test_header_below_metadata_rows_is_found_and_rows_keep_file_numbers(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(
        "sycm.csv",
        [
            "生意参谋 商品效果",
            "统计时间 2022-06-01",
            "",
            "统计日期,商品ID,支付金额",
            "2022-06-01,7,1",
        ],
    )
    table = read_table(path, KNOWN)
    assert table.header_row == 4
    assert table.frame.get_column("source_row").to_list() == [5]


def test_header_names_are_normalised(write_csv: WriteCsv) -> None:
    path = write_csv("noise.csv", ['"订单编号 ","＝总金额"," 退款金额\t"', "1,2,3"])
    table = read_table(path, KNOWN)
    assert table.headers == ["订单编号", "总金额", "退款金额"]
    assert table.raw_headers == ["订单编号 ", "＝总金额", " 退款金额\t"]


def test_blank_repeated_header_and_total_rows_are_counted_by_kind_and_not_returned(
    write_csv: WriteCsv,
) -> None:
    path = write_csv(
        "junk.csv",
        [
            "订单编号,总金额",
            "1,10",
            ",",
            "",
            "订单编号,总金额",
            "2,20",
            "合计,30",
            "总计：,30",
        ],
    )
    table = read_table(path, KNOWN)
    assert table.skipped == {"blank": 2, "repeated_header": 1, "total": 2}
    assert table.rows_read == 7
    assert table.frame.get_column("source_row").to_list() == [2, 6]


def test_no_known_header_in_the_first_rows_is_an_input_file_error(write_csv: WriteCsv) -> None:
    path = write_csv("other.csv", ["名字,年龄", "张三,3"])
    with pytest.raises(InputFileError, match="no header row"):
        read_table(path, KNOWN)


def test_trailing_comma_of_taobao_item_report_adds_no_column(real_exports: Path) -> None:
    table = read_table(real_exports / "02_taobao_ExportOrderDetailList_2017_excerpt.csv", KNOWN)
    assert len(table.headers) == 10
    assert table.rows_read == 5


def test_xlsx_header_on_row_five_and_every_cell_is_text(tmp_path: Path) -> None:
    path = tmp_path / "【生意参谋平台】商品_全部_2022-06-01_2022-06-01.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["商品效果"])
    sheet.write_row(4, 0, ["统计日期", "商品ID", "支付金额"])
    sheet.write_row(5, 0, ["2022-06-01", "000123", 1234.5])
    workbook.close()
    table = read_table(path, KNOWN)
    assert table.header_row == 5
    assert table.frame.schema["支付金额"] == pl.String
    assert table.frame.row(0) == (6, "2022-06-01", "000123", "1234.5")


def test_gb18030_is_tried_only_after_strict_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf8.csv"
    path.write_bytes(codecs.encode("订单编号,总金额\n1,2\n", "utf-8"))
    assert read_table(path, KNOWN).encoding == "utf-8"


def test_xlsx_rows_are_numbered_from_the_top_of_the_sheet_even_when_it_starts_lower(
    tmp_path: Path,
) -> None:
    path = tmp_path / "starts_on_row_3.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(2, 1, ["统计日期", "商品ID", "支付金额"])
    sheet.write_row(3, 1, ["2022-06-01", "7", "2"])
    workbook.close()
    table = read_table(path, KNOWN)
    assert table.header_row == 3
    assert table.frame.get_column("source_row").to_list() == [4]


def test_only_the_kept_columns_are_read_and_rows_keep_their_numbers(write_csv: WriteCsv) -> None:
    path = write_csv(
        "orders.csv",
        [
            "订单编号,收货地址,总金额,联系手机",
            "1,成都市某街道,12.50,13800000000",
            ",只有地址,,",
            "2,,3.00,",
        ],
    )
    table = read_table(path, KNOWN, keep=lambda names: ["订单编号", "总金额"])
    # The last column is read whatever its name: a row cut short is found by its tail.
    assert table.headers == ["订单编号", "总金额", "联系手机"]
    assert table.raw_headers == ["订单编号", "收货地址", "总金额", "联系手机"]
    assert table.frame.get_column("总金额").to_list() == ["12.50", "3.00"]
    assert table.frame.get_column("source_row").to_list() == [2, 4]
    # A row holding nothing in the columns read is blank, whatever the others hold.
    assert table.skipped["blank"] == 1


def test_kept_columns_of_a_workbook_are_named_from_the_full_header(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        for row, cells in enumerate([["备注", "订单编号", "备注", "总金额"], ["a", "7", "b", "1"]]):
            sheet.write_row(row, 0, cells)
    table = read_table(path, KNOWN, keep=lambda names: ["备注_2", "订单编号"])
    assert table.headers == ["订单编号", "备注_2", "总金额"]
    assert table.frame.get_column("备注_2").to_list() == ["b"]


@pytest.mark.parametrize("big", [False, True])
def test_a_utf8_file_with_one_stray_byte_is_refused_at_that_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: bool
) -> None:
    # 50 header-like lines of 23 bytes (12 + 1 + 9 + 1) and "1,2\n": the stray byte is
    # byte 1154. GB18030 fails earlier, in the first line; the message names UTF-8's.
    path = tmp_path / "stray.csv"
    path.write_bytes(("订单编号,总金额\n" * 50 + "1,2\n").encode() + b"\xff3,4\n")
    with pytest.raises(InputFileError, match=r"cannot be decoded as utf-8 \(byte 1154"):
        if big:
            monkeypatch.setattr(reader, "BATCH_ROWS", 2)
            list(reader.read_batches(path, KNOWN, reader.scan_file(path)))
        else:
            read_table(path, KNOWN)
