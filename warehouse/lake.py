"""The raw tables as a Parquet lake, for engines other than DuckDB (Spark) to read.

`export_raw` writes every table of schema `raw` under `lake_dir/<table>/` as a hive-partitioned
Parquet dataset: sales tables by platform, year and month of the sale (paid_at for order lines,
sale_date for daily rows; item lines have no date and go by platform only), registries and the
plan by year, the bookkeeping tables (loads, rejected_rows) in one piece. Rows keep their
lineage columns, and money stays DECIMAL(18, 2). `lake_dir/_lake.json` lists each table's
columns with their DuckDB types and its partition columns, so a reader can declare the tables
exactly instead of guessing types from folder names.

An export replaces each table folder whole: the new folder is written beside the lake first
and swapped in only once complete, so a failed export leaves the previous tables readable.

This module must never change the warehouse: it only reads `raw`.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

MANIFEST_NAME = "_lake.json"
_STAGING_PREFIX = ".incoming-"

# Sales tables: the date column whose year and month partition them (None: platform only).
SALES_DATE_COLUMNS: dict[str, str | None] = {
    "order_lines": "paid_at",
    "daily_sales": "sale_date",
    "item_lines": None,
}
# Tables kept in one piece: small bookkeeping that no model partitions on.
UNPARTITIONED_TABLES = frozenset({"loads", "rejected_rows"})


@dataclass(frozen=True)
class LakeTable:
    """How one raw table is laid out in the lake."""

    name: str
    columns: tuple[tuple[str, str], ...]
    partition_columns: tuple[tuple[str, str], ...]
    rows: int

    def as_json(self) -> dict[str, object]:
        return {
            "columns": [list(column) for column in self.columns],
            "partition_columns": [list(column) for column in self.partition_columns],
            "rows": self.rows,
        }


def export_raw(con: duckdb.DuckDBPyConnection, lake_dir: Path | str) -> list[Path]:
    """Write every raw table to `lake_dir` as Parquet; return the table folders written.

    Safe to run again over an earlier export: each table folder is replaced whole.
    """
    lake = Path(lake_dir).resolve()
    lake.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(lake)
    staging = lake / f"{_STAGING_PREFIX}{uuid.uuid4().hex}"
    staging.mkdir()
    started = time.perf_counter()
    tables: list[LakeTable] = []
    try:
        for name in _raw_tables(con):
            tables.append(_copy_table(con, name, staging / name))
        written = [_swap_in(staging / table.name, lake / table.name) for table in tables]
        _write_manifest(lake, tables)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "exported %d raw tables (%d rows) to the lake %s in %.1f s",
        len(tables),
        sum(table.rows for table in tables),
        lake,
        time.perf_counter() - started,
    )
    return written


def read_manifest(lake_dir: Path | str) -> dict[str, LakeTable]:
    """The tables of an exported lake, as `export_raw` described them."""
    path = Path(lake_dir) / MANIFEST_NAME
    content = json.loads(path.read_text(encoding="utf-8"))
    return {
        name: LakeTable(
            name=name,
            columns=tuple((column, kind) for column, kind in table["columns"]),
            partition_columns=tuple((column, kind) for column, kind in table["partition_columns"]),
            rows=int(table["rows"]),
        )
        for name, table in content["tables"].items()
    }


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'raw' and table_type = 'BASE TABLE' order by table_name"
    ).fetchall()
    return [row[0] for row in rows]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[tuple[str, str], ...]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()
    return tuple((str(name), str(kind)) for name, kind in rows)


def _layout(
    table: str, columns: tuple[tuple[str, str], ...]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The select that adds derived partition columns, and the partition columns."""
    names = {name for name, _ in columns}
    if table in SALES_DATE_COLUMNS:
        date_column = SALES_DATE_COLUMNS[table]
        if date_column is None:
            return f"select * from raw.{table}", (("platform", "VARCHAR"),)
        select = (
            f"select *, cast(year({date_column}) as integer) as year, "
            f"cast(month({date_column}) as integer) as month from raw.{table}"
        )
        return select, (("platform", "VARCHAR"), ("year", "INTEGER"), ("month", "INTEGER"))
    if table not in UNPARTITIONED_TABLES and "year" in names:
        kinds = dict(columns)
        return f"select * from raw.{table}", (("year", kinds["year"]),)
    return f"select * from raw.{table}", ()


def _copy_table(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> LakeTable:
    columns = _columns(con, table)
    select, partitions = _layout(table, columns)
    options = ["format parquet"]
    if partitions:
        options.append(f"partition_by ({', '.join(name for name, _ in partitions)})")
    row = con.execute(f"select count(*) from raw.{table}").fetchone()
    rows = int(row[0]) if row else 0
    target.mkdir(parents=True)
    if rows:
        destination = target if partitions else target / "data_0.parquet"
        con.execute(f"copy ({select}) to '{destination}' ({', '.join(options)})")
    # Partition columns live in the folder names, not in the files: the manifest lists
    # only the file columns as columns.
    partition_names = {name for name, _ in partitions}
    file_columns = tuple(column for column in columns if column[0] not in partition_names)
    return LakeTable(table, file_columns, partitions, rows)


def _swap_in(new: Path, current: Path) -> Path:
    retired = current.parent / f"{_STAGING_PREFIX}retired-{uuid.uuid4().hex}"
    if current.exists():
        os.replace(current, retired)
    os.replace(new, current)
    shutil.rmtree(retired, ignore_errors=True)
    return current


def _write_manifest(lake: Path, tables: list[LakeTable]) -> None:
    content = {"tables": {table.name: table.as_json() for table in tables}}
    temporary = lake / f"{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(content, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, lake / MANIFEST_NAME)


def _remove_stale_staging(lake: Path) -> None:
    """Folders an interrupted export left behind; only ever ones this module names."""
    for leftover in lake.glob(f"{_STAGING_PREFIX}*"):
        log.warning("removing %s, left by an interrupted lake export", leftover)
        shutil.rmtree(leftover, ignore_errors=True)
