"""The same marts on Spark: a local session over the Parquet lake, dbt's spark target, copy-back.

`build_marts_spark(db_path)` is what `chuanhuo build --target spark` calls: it exports the raw
tables of the DuckDB warehouse to a Parquet lake (warehouse.lake), starts a local SparkSession,
declares the lake's tables as Spark's `raw` database, runs `dbt build --target spark` in-process
(dbt-spark's session method reuses the active session) and copies the published schemas
(`marts`, `reference`) back into the DuckDB file, where scoring and exports read them as after
a DuckDB build. The pieces are public too, for a caller that keeps its own session:
`spark_session`, `register_lake`, `run_dbt_build`, `read_mart`, `copy_marts_to_duckdb`.

The local session is offline: no UI, driver bound to 127.0.0.1, an in-memory catalog and a
warehouse folder under a temporary (or given) folder, so a build leaves nothing in the checkout.

pyspark is an optional dependency (requirements-spark.txt): this module imports it only inside
functions, so importing warehouse.spark never needs Java. It must never write to raw data, never
print, and never leave a session it started running.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from warehouse.db import open_warehouse
from warehouse.dbt import (
    BuildSummary,
    _build_args,
    _env_var,
    _failure_hint,
    _failure_title,
    _invoke,
    _summarise,
)
from warehouse.errors import BuildError, ChuanhuoError, NoDataError
from warehouse.lake import MANIFEST_NAME, LakeTable, export_raw, read_manifest
from warehouse.paths import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

SPARK_TARGET = "spark"
RAW_DATABASE = "raw"
# What scoring and exports read; staging and intermediate are views of the build only.
PUBLISHED_SCHEMAS = ("marts", "reference")

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")
_SPARK_TYPES = {
    "VARCHAR": "string",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "SMALLINT": "smallint",
    "TINYINT": "tinyint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    # raw timestamps are Beijing wall-clock time without a zone (warehouse.schema)
    "TIMESTAMP": "timestamp_ntz",
    "DOUBLE": "double",
    "HUGEINT": "decimal(38, 0)",
}


class SparkUnavailableError(ChuanhuoError):
    """pyspark or Java is missing: the Spark target cannot run on this machine."""


@dataclass(frozen=True)
class SparkSettings:
    """The local session's size. A real cluster is reached through profiles.yml instead."""

    master: str = "local[2]"
    shuffle_partitions: int = 4
    driver_memory: str = "4g"


def spark_session(work_dir: Path, settings: SparkSettings | None = None) -> SparkSession:
    """Start (or return the running) local SparkSession, offline, writing under `work_dir`."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise SparkUnavailableError(
            "pyspark is not installed, so the Spark target cannot run",
            "install the Spark extras into their own venv: "
            "pip install -e . -r requirements-spark.txt (needs Java 17 or 21)",
        ) from error
    chosen = settings or SparkSettings()
    work_dir.mkdir(parents=True, exist_ok=True)
    # The local session talks to itself only: keep the JVM's own addresses on loopback.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(chosen.master)
        .appName("chuanhuo")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.memory", chosen.driver_memory)
        .config("spark.sql.shuffle.partitions", str(chosen.shuffle_partitions))
        .config("spark.default.parallelism", str(chosen.shuffle_partitions))
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.warehouse.dir", str(work_dir / "spark-warehouse"))
        .config("spark.local.dir", str(work_dir / "spark-local"))
        .config("spark.sql.session.timeZone", "UTC")
    )
    started = time.perf_counter()
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # py4j raises plain Exceptions when the JVM cannot start
        raise SparkUnavailableError(
            f"could not start a local Spark session: {error}",
            "Spark 4 needs Java 17 or 21 on PATH or in JAVA_HOME",
        ) from error
    spark.sparkContext.setLogLevel("ERROR")
    log.info(
        "Spark %s session on %s in %.1f s",
        spark.version,
        chosen.master,
        time.perf_counter() - started,
    )
    return spark


def register_lake(spark: SparkSession, lake_dir: Path | str) -> list[str]:
    """Declare each table of an exported lake as `raw.<table>` in Spark; return their names.

    Column types come from the lake's manifest, not from folder names, so a platform called
    "1919" stays a string and money stays DECIMAL(18, 2).
    """
    lake = Path(lake_dir).resolve()
    if not (lake / MANIFEST_NAME).exists():
        raise NoDataError(
            f"no lake at {lake} (no {MANIFEST_NAME})",
            "export one first: warehouse.lake.export_raw(con, lake_dir)",
        )
    spark.sql(f"create database if not exists {RAW_DATABASE}")
    names = []
    for table in read_manifest(lake).values():
        spark.sql(f"drop table if exists {RAW_DATABASE}.{table.name}")
        spark.sql(_create_table_sql(table, lake / table.name))
        if table.partition_columns:
            spark.sql(f"alter table {RAW_DATABASE}.{table.name} recover partitions")
        names.append(table.name)
    log.info(
        "registered %d lake tables from %s as Spark database %s", len(names), lake, RAW_DATABASE
    )
    return names


def run_dbt_build(
    spark: SparkSession, *, select: str | None = None, work_dir: Path | None = None
) -> BuildSummary:
    """`dbt build --target spark` in-process, on the running session; raises BuildError."""
    if spark.sparkContext._jsc is None:  # a stopped session
        raise SparkUnavailableError("the Spark session is stopped", "start one with spark_session")
    with _work_dir(work_dir) as folder:
        args = [
            *_build_args(folder / "dbt", select=select, full_refresh=False),
            "--target",
            SPARK_TARGET,
        ]
        log.info("building marts on Spark%s", f" (select {select})" if select else "")
        started = time.perf_counter()
        with _env_var("DO_NOT_TRACK", "1"):
            outcome = _invoke(args)
        seconds = time.perf_counter() - started
    summary = _summarise(outcome.result, seconds)
    if outcome.exception is not None:
        raise BuildError(
            f"dbt could not run the Spark build: {outcome.exception}",
            f"check the spark target in {DBT_PROJECT_DIR / 'profiles.yml'}",
        ) from outcome.exception
    if summary.failed or not outcome.success:
        raise BuildError(_failure_title(summary), _failure_hint(summary))
    for warning in summary.warnings:
        log.warning("data test warns on Spark: %s: %s", warning.node, warning.message)
    log.info(
        "built marts on Spark in %.1f s: %d models, %d seeds, %d tests, %d passed, %d warned",
        summary.seconds,
        summary.models,
        summary.seeds,
        summary.tests,
        summary.passed,
        summary.warned,
    )
    return summary


def read_mart(spark: SparkSession, name: str, *, schema: str = "marts") -> pl.DataFrame:
    """A table Spark built, as a polars DataFrame (decimals stay decimals)."""
    if not spark.catalog.tableExists(f"{schema}.{name}"):
        raise NoDataError(
            f"Spark has no table {schema}.{name}",
            "build the marts on Spark first (build_marts_spark or run_dbt_build)",
        )
    frame = pl.from_arrow(spark.table(f"{schema}.{name}").toArrow())
    assert isinstance(frame, pl.DataFrame)
    return frame


def spark_tables(spark: SparkSession, schema: str) -> list[str]:
    """The tables (not views) of a Spark database, sorted."""
    return sorted(
        table.name
        for table in spark.catalog.listTables(schema)
        if (table.tableType or "").upper() != "VIEW" and not table.isTemporary
    )


def copy_marts_to_duckdb(
    spark: SparkSession,
    db_path: Path | str,
    *,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    wait_seconds: float = 0.0,
) -> list[str]:
    """Replace the DuckDB file's tables of `schemas` by Spark's, in one transaction.

    Returns the tables copied as "schema.table". Views of those schemas that a DuckDB build
    left are dropped with them, so readers never mix the two engines' output.
    """
    copied: list[str] = []
    frames = {
        (schema, name): spark.table(f"{schema}.{name}").toArrow()
        for schema in schemas
        for name in spark_tables(spark, schema)
    }
    con = open_warehouse(db_path, wait_seconds=wait_seconds)
    try:
        con.execute("begin")
        for schema in schemas:
            con.execute(f"create schema if not exists {schema}")
            for name, kind in con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = ?",
                [schema],
            ).fetchall():
                dropped = "view" if kind == "VIEW" else "table"
                con.execute(f'drop {dropped} if exists {schema}."{name}"')
        for (schema, name), table in frames.items():
            con.register("spark_table", table)
            con.execute(f'create table {schema}."{name}" as select * from spark_table')
            con.unregister("spark_table")
            copied.append(f"{schema}.{name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.close()
    log.info("copied %d Spark tables into %s", len(copied), db_path)
    return copied


def build_marts_spark(
    db_path: Path | str,
    *,
    work_dir: Path | None = None,
    select: str | None = None,
    settings: SparkSettings | None = None,
    copy_back: bool = True,
    wait_seconds: float = 0.0,
) -> BuildSummary:
    """Build the marts of the DuckDB warehouse at `db_path` on a local Spark session.

    Exports raw to a lake under `work_dir` (a temporary folder when None), builds there with
    `dbt build --target spark`, and (with `copy_back`) replaces the file's `marts` and
    `reference` tables by Spark's. The session is stopped before returning.
    """
    path = Path(db_path).resolve()
    if not path.exists():
        raise NoDataError(
            f"no warehouse at {path}",
            "load some files first (chuanhuo ingest) or point --db / CHUANHUO_DB at one",
        )
    with _work_dir(work_dir) as folder:
        con = open_warehouse(path, read_only=True, wait_seconds=wait_seconds)
        try:
            export_raw(con, folder / "lake")
        finally:
            con.close()
        spark = spark_session(folder, settings)
        try:
            register_lake(spark, folder / "lake")
            summary = run_dbt_build(spark, select=select, work_dir=folder)
            if copy_back:
                copy_marts_to_duckdb(spark, path, wait_seconds=wait_seconds)
        finally:
            spark.stop()
    return summary


def _create_table_sql(table: LakeTable, location: Path) -> str:
    columns = [
        f"`{name}` {_spark_type(table.name, name, kind)}"
        for name, kind in (*table.columns, *table.partition_columns)
    ]
    partitioned = ""
    if table.partition_columns:
        partitioned = f" partitioned by ({', '.join(name for name, _ in table.partition_columns)})"
    return (
        f"create table {RAW_DATABASE}.{table.name} ({', '.join(columns)}) "
        f"using parquet{partitioned} location '{location}'"
    )


def _spark_type(table: str, column: str, duckdb_type: str) -> str:
    decimal = _DECIMAL.fullmatch(duckdb_type)
    if decimal:
        return f"decimal({decimal.group(1)}, {decimal.group(2)})"
    if duckdb_type in _SPARK_TYPES:
        return _SPARK_TYPES[duckdb_type]
    raise BuildError(
        f"raw.{table}.{column} has type {duckdb_type}, which the lake cannot carry to Spark",
        "add its Spark spelling to _SPARK_TYPES in warehouse/spark.py",
    )


@contextmanager
def _work_dir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="chuanhuo-spark-") as folder:
        yield Path(folder)
