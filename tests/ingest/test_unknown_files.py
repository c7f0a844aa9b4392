"""Files that are no known export get a message a person can act on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.loader import load_file
from warehouse.errors import InputFileError


def test_a_csv_of_unknown_columns_names_the_closest_layout_and_what_it_lacks(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
):
    unknown = tmp_path / "sales.csv"
    unknown.write_text("订单编号,金额,备注\n1,10.00,x\n", encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_file(con, unknown, platform="douyin", store_id="1")
    message = str(caught.value)
    assert "sales.csv" in message
    assert "closest is douyin_order_export" in message
    assert "needs" in message


def test_an_empty_file_is_called_empty(con: duckdb.DuckDBPyConnection, tmp_path: Path):
    empty = tmp_path / "ExportOrderList202201010000.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputFileError, match="the file is empty"):
        load_file(con, empty, platform="tmall", store_id="1")
    assert con.execute("select count(*) from raw.loads").fetchone() == (0,)
