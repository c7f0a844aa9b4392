"""The Parquet lake: partition folders, exact money, lineage, and a second export over the first.

DuckDB only: these run in the default suite, without Java or Spark.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from warehouse.db import warehouse
from warehouse.lake import MANIFEST_NAME, export_raw, read_manifest

E1 = "91510104MA0000001E"


def _order_line(platform: str, order_id: str, paid_at: str | None, gmv: str) -> list[object]:
    paid = dt.datetime.fromisoformat(paid_at) if paid_at else None
    return [
        1,
        "orders.csv",
        2,
        "douyin_order_export",
        platform,
        "S1",
        order_id,
        "",
        None,
        None,
        1,
        paid,
        None,
        None,
        Decimal(gmv),
        Decimal("0.00"),
        None,
        None,
        None,
    ]


@pytest.fixture()
def small_warehouse(tmp_path: Path) -> Path:
    """Four order lines (one never paid, one on platform "1919") and one registry row."""
    db_path = tmp_path / "small.duckdb"
    with warehouse(db_path) as con:
        for row in [
            _order_line("taobao", "A", "2022-03-01 10:00:00", "10.01"),
            _order_line("taobao", "B", "2022-03-31 23:59:59", "5.00"),
            _order_line("1919", "C", "2022-04-01 00:00:00", "1.10"),
            _order_line("douyin", "D", None, "0.00"),
        ]:
            con.execute(f"insert into raw.order_lines values ({', '.join('?' * len(row))})", row)
        con.execute(
            "insert into raw.enterprises values (1, 'e.csv', 2, 2022, ?, '锦江酒茶', '510104', "
            "'enterprise', 'tea', null, null, 2021, false, false)",
            [E1],
        )
    return db_path


def _export(db_path: Path, lake: Path) -> list[Path]:
    with warehouse(db_path, read_only=True) as con:
        return export_raw(con, lake)


def test_order_lines_are_partitioned_by_platform_and_month_of_payment(small_warehouse, tmp_path):
    lake = tmp_path / "lake"
    _export(small_warehouse, lake)
    folders = {
        path.parent.relative_to(lake / "order_lines").as_posix()
        for path in (lake / "order_lines").rglob("*.parquet")
    }
    assert folders == {
        "platform=taobao/year=2022/month=3",
        "platform=1919/year=2022/month=4",
        "platform=douyin/year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__",
    }


def test_registries_are_partitioned_by_year_and_bookkeeping_is_one_file(small_warehouse, tmp_path):
    lake = tmp_path / "lake"
    _export(small_warehouse, lake)
    assert [p.parent.name for p in (lake / "enterprises").rglob("*.parquet")] == ["year=2022"]
    assert list((lake / "loads").iterdir()) == []  # no loads recorded: an empty table folder
    manifest = read_manifest(lake)
    assert manifest["enterprises"].partition_columns == (("year", "INTEGER"),)
    assert manifest["loads"].partition_columns == ()


def test_money_stays_decimal_and_sums_to_the_fen(small_warehouse, tmp_path):
    lake = tmp_path / "lake"
    _export(small_warehouse, lake)
    con = duckdb.connect()
    row = con.execute(
        "select typeof(gmv), sum(gmv), count(*), min(source_file) from read_parquet("
        f"'{lake}/order_lines/**/*.parquet', hive_partitioning = false) group by all"
    ).fetchone()
    # 10.01 + 5.00 + 1.10 + 0.00, by hand
    assert row == ("DECIMAL(18,2)", Decimal("16.11"), 4, "orders.csv")
    assert ("gmv", "DECIMAL(18,2)") in read_manifest(lake)["order_lines"].columns


def test_partition_columns_are_typed_in_the_manifest_not_guessed_from_folders(
    small_warehouse, tmp_path
):
    lake = tmp_path / "lake"
    _export(small_warehouse, lake)
    order_lines = read_manifest(lake)["order_lines"]
    assert order_lines.partition_columns == (
        ("platform", "VARCHAR"),
        ("year", "INTEGER"),
        ("month", "INTEGER"),
    )
    # the files no longer hold the column the folders carry
    assert "platform" not in dict(order_lines.columns)


def test_a_second_export_replaces_the_first_without_leftovers(small_warehouse, tmp_path):
    lake = tmp_path / "lake"
    _export(small_warehouse, lake)
    with warehouse(small_warehouse) as con:
        con.execute("delete from raw.order_lines where order_id = 'C'")
    written = _export(small_warehouse, lake)
    assert lake / "order_lines" in written
    assert not (lake / "order_lines" / "platform=1919").exists()
    assert sorted(p.name for p in lake.iterdir() if p.name.startswith(".")) == []
    assert read_manifest(lake)["order_lines"].rows == 3
    assert (lake / MANIFEST_NAME).exists()
