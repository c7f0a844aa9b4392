"""The bundled samples built twice, once by DuckDB and once by Spark, once per test session.

Everything Spark needs is imported inside the fixtures: without pyspark the `spark` tests
skip (unless CHUANHUO_REQUIRE_SPARK=1), and the rest of tests/spark (the lake, DuckDB only)
still runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import pipeline
from warehouse.db import warehouse
from warehouse.dbt import BuildSummary, build_marts
from warehouse.lake import export_raw
from warehouse.paths import SAMPLES_DIR

# CI sets this so that a Spark install gone wrong fails the run instead of skipping it.
REQUIRE_SPARK_VAR = "CHUANHUO_REQUIRE_SPARK"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "spark: needs pyspark and Java (requirements-spark.txt); run with -m spark"
    )


@dataclass(frozen=True)
class TwoBuilds:
    """The samples' DuckDB warehouse with its marts, and a Spark session with the same built."""

    db_path: Path
    duckdb_summary: BuildSummary
    spark: Any
    spark_summary: BuildSummary
    work_dir: Path


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoBuilds]:
    if os.environ.get(REQUIRE_SPARK_VAR) != "1":
        pytest.importorskip("pyspark", reason="the Spark side needs requirements-spark.txt")
    from warehouse.spark import register_lake, run_dbt_build, spark_session

    work_dir = tmp_path_factory.mktemp("engines")
    db_path = work_dir / "samples.duckdb"
    pipeline.load_reference_data(db_path, registries_dir=SAMPLES_DIR / "registries")
    report = pipeline.ingest_files(db_path, [SAMPLES_DIR / "inbox"])
    assert report.rows_loaded > 0
    duckdb_summary = build_marts(db_path)
    with warehouse(db_path, read_only=True) as con:
        export_raw(con, work_dir / "lake")
    spark = spark_session(work_dir / "spark")
    try:
        register_lake(spark, work_dir / "lake")
        spark_summary = run_dbt_build(spark, work_dir=work_dir / "spark")
        yield TwoBuilds(db_path, duckdb_summary, spark, spark_summary, work_dir)
    finally:
        spark.stop()
