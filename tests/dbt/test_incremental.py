"""Incremental builds of the fact path: the same marts as a full refresh, cent for cent.

On top of the tiny warehouse (conftest.py, loads 1 to 7, built once), four newer loads
arrive and the marts are built again incrementally:

- load 10, order lines: Douyin line DY2-1 of D1 re-exported as paid on 05-06 instead of
  05-05, refund 5.00 (05-05 had no other sale of D1: the day must disappear); line
  DY9-1 of D9 re-exported unpaid (D9's only day, 03-03, must disappear);
- load 11, item lines: Taobao order A's line 2 (product 1002) re-exported at 35.00 x 1
  instead of 20.00 x 2, so A's 99.99 (refund 10.01) is shared again by 30 : 35 : 10;
- load 12, order lines of a new day, 06-02: Douyin DY5-1 of 25.00, and Taobao order C of
  12.34 without item lines;
- load 13, daily rows: T1's 1001 on 03-02 re-exported at 45.00 instead of 40.00, and a
  new day 06-02 of M1 at 100.00.

A copy of that warehouse is then rebuilt with full_refresh; both must agree on every row.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt.conftest import E1, _daily, _insert, _order_line
from warehouse.db import warehouse
from warehouse.dbt import build_marts

# The models the fact path keeps between builds on DuckDB, and the published marts.
INCREMENTAL_MODELS = (
    "intermediate.int_order_lines_deduplicated",
    "intermediate.int_item_lines_deduplicated",
    "intermediate.int_daily_sales_deduplicated",
    "intermediate.int_order_lines_allocated",
    "intermediate.int_order_line_sales_aggregated",
)


def _copy_warehouse(source: Path, target: Path) -> Path:
    shutil.copy2(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, target.with_name(target.name + ".wal"))
    return target


def _add_newer_loads(con: duckdb.DuckDBPyConnection) -> None:
    _insert(
        con,
        "order_lines",
        10,
        [
            _order_line(
                "douyin", "D1", "DY2", "DY2-1", "2022-05-06 09:00:00", "50.00", "5.00", "2001"
            ),
            _order_line("douyin", "D9", "DY9", "DY9-1", None, "70.00", "0.00", "9001"),
        ],
    )
    _insert(
        con,
        "item_lines",
        11,
        [
            {
                "layout": "taobao_item_report",
                "platform": "taobao",
                "store_id": "T1",
                "order_id": "A",
                "line_no": 2,
                "product_id": "1002",
                "unit_price": Decimal("35.00"),
                "quantity": 1,
            }
        ],
    )
    _insert(
        con,
        "order_lines",
        12,
        [
            _order_line(
                "douyin", "D1", "DY5", "DY5-1", "2022-06-02 10:00:00", "25.00", "0.00", "2001"
            ),
            _order_line(
                "taobao",
                "T1",
                "C",
                "",
                "2022-06-02 11:00:00",
                "12.34",
                "0.00",
                layout="taobao_order_report",
            ),
        ],
    )
    _insert(
        con,
        "daily_sales",
        13,
        [
            _daily("T1", "taobao", "1001", "2022-03-02", "45.00", "0.00"),
            _daily("M1", "tmall", "M-1", "2022-06-02", "100.00", "0.00"),
        ],
    )


@pytest.fixture(scope="module")
def rebuilt(built_warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny warehouse after the newer loads: built incrementally, and from scratch."""
    folder = tmp_path_factory.mktemp("incremental")
    incremental = _copy_warehouse(built_warehouse[0], folder / "incremental.duckdb")
    with warehouse(incremental) as con:
        _add_newer_loads(con)
    build_marts(incremental)
    full = _copy_warehouse(incremental, folder / "full.duckdb")
    build_marts(full, full_refresh=True)
    return {"incremental": incremental, "full": full}


def _rows(db_path: Path, relation: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return sorted(
            con.execute(f"select * from {relation}").fetchall(),
            key=lambda row: tuple("" if value is None else str(value) for value in row),
        )


def _marts(db_path: Path) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    return sorted(f"marts.{name}" for (name,) in names)


def _fact(db_path: Path, platform: str, store_id: str) -> dict[tuple[str, dt.date], tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "select product_id, sale_date, gmv, refund, credit_code, county_code "
            "from marts.fct_sales where platform = ? and store_id = ?",
            [platform, store_id],
        ).fetchall()
    return {(product, day): tuple(rest) for product, day, *rest in rows}


def test_incremental_fct_sales_equals_a_full_refresh_row_for_row(rebuilt):
    incremental = _rows(rebuilt["incremental"], "marts.fct_sales")
    assert incremental == _rows(rebuilt["full"], "marts.fct_sales")
    assert len(incremental) > 0


def test_every_mart_and_incremental_table_equals_a_full_refresh(rebuilt):
    marts = _marts(rebuilt["incremental"])
    assert "marts.fct_sales" in marts
    assert marts == _marts(rebuilt["full"])
    for relation in (*marts, *INCREMENTAL_MODELS):
        assert _rows(rebuilt["incremental"], relation) == _rows(rebuilt["full"], relation), relation


def test_re_export_moving_an_order_to_another_day_empties_the_old_day(rebuilt):
    d1 = _fact(rebuilt["incremental"], "douyin", "D1")
    assert ("2001", dt.date(2022, 5, 5)) not in d1
    assert d1[("2001", dt.date(2022, 5, 6))][:2] == (Decimal("50.00"), Decimal("5.00"))


def test_re_export_leaving_an_order_unpaid_removes_its_only_day(rebuilt):
    assert _fact(rebuilt["incremental"], "douyin", "D9") == {}


def test_re_exported_item_line_shares_the_order_again(rebuilt):
    t1 = _fact(rebuilt["incremental"], "taobao", "T1")
    # 99.99 x 30/75 = 39.996 -> 40.00; x 35/75 = 46.662 -> 46.66; the last line 13.33
    # 10.01 x 30/75 = 4.004 -> 4.00; x 35/75 = 4.6713 -> 4.67; the last line 1.34
    day = dt.date(2022, 3, 1)
    assert t1[("1001", day)][:2] == (Decimal("40.00"), Decimal("4.00"))
    assert t1[("1002", day)][:2] == (Decimal("46.66"), Decimal("4.67"))
    assert t1[("1003", day)][:2] == (Decimal("13.33"), Decimal("1.34"))


def test_new_day_and_re_exported_daily_row_are_counted(rebuilt):
    new_day = dt.date(2022, 6, 2)
    assert _fact(rebuilt["incremental"], "douyin", "D1")[("2001", new_day)][0] == Decimal("25.00")
    t1 = _fact(rebuilt["incremental"], "taobao", "T1")
    assert t1[("", new_day)][0] == Decimal("12.34")
    assert t1[("1001", dt.date(2022, 3, 2))][0] == Decimal("45.00")
    assert _fact(rebuilt["incremental"], "tmall", "M1")[("M-1", new_day)][0] == Decimal("100.00")


def test_corrected_store_registry_re_attributes_after_an_incremental_build(rebuilt, tmp_path):
    corrected = _copy_warehouse(rebuilt["incremental"], tmp_path / "corrected.duckdb")
    before = _fact(corrected, "douyin", "D1")
    assert {row[3] for row in before.values()} == {"511502"}
    # the 2022 store registry, loaded again: D1 now belongs to E1 of 锦江区 (510104)
    with warehouse(corrected) as con:
        _insert(
            con,
            "stores",
            14,
            [
                {
                    "year": 2022,
                    "platform": "douyin",
                    "store_id": "D1",
                    "store_name": "翠屏抖音店",
                    "credit_code": E1,
                }
            ],
        )
    build_marts(corrected, select="+fct_sales")
    after = _fact(corrected, "douyin", "D1")
    assert after.keys() == before.keys()
    assert {(row[2], row[3]) for row in after.values()} == {(E1, "510104")}


def test_row_under_an_old_load_number_waits_for_a_full_refresh(rebuilt, tmp_path):
    """Incremental builds trust that load numbers only grow: this shows they are used.

    A row written under load 2 after load 13 was built is older than what the tables
    hold, so an incremental build passes it by; a full refresh counts it.
    """
    late = _copy_warehouse(rebuilt["incremental"], tmp_path / "late.duckdb")
    with warehouse(late) as con:
        _insert(
            con,
            "order_lines",
            2,
            [_order_line("douyin", "D7", "DY7", "DY7-1", "2022-07-01 10:00:00", "7.00", "0.00")],
        )
    build_marts(late, select="+int_order_line_sales_aggregated")
    assert _store_days(late, "D7") == []
    build_marts(late, select="+int_order_line_sales_aggregated", full_refresh=True)
    assert _store_days(late, "D7") == [(dt.date(2022, 7, 1), Decimal("7.00"))]


def _store_days(db_path: Path, store_id: str) -> list[tuple[dt.date, Decimal]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "select sale_date, gmv from intermediate.int_order_line_sales_aggregated "
            "where store_id = ? order by sale_date",
            [store_id],
        ).fetchall()
