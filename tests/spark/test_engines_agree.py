"""DuckDB and Spark build the same marts from the same raw rows, row for row, to the fen.

Run with the Spark extras installed (see requirements-spark.txt):
    .venv-spark/bin/pytest -m spark tests/spark
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from warehouse.paths import DBT_PROJECT_DIR

pytestmark = pytest.mark.spark

MARTS = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "marts").glob("*.sql"))
SEEDS = sorted(path.stem for path in (DBT_PROJECT_DIR / "seeds").glob("*.csv"))


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    # every column is part of the sort key, so equal tables sort alike whatever their grain
    return frame.sort(frame.columns, nulls_last=True)


def _duckdb_table(db_path: Path, schema: str, name: str) -> pl.DataFrame:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        frame = pl.from_arrow(con.sql(f"select * from {schema}.{name}").to_arrow_table())
    finally:
        con.close()
    assert isinstance(frame, pl.DataFrame)
    return frame


def test_spark_builds_and_tests_as_many_nodes_as_duckdb(two_builds):
    duck, spark = two_builds.duckdb_summary, two_builds.spark_summary
    assert (spark.models, spark.seeds, spark.tests) == (duck.models, duck.seeds, duck.tests)
    assert spark.failed == 0
    assert spark.passed + spark.warned == spark.models + spark.seeds + spark.tests


def test_the_samples_give_the_comparison_rows_to_compare(two_builds):
    # a data-quality mart may rightly be empty; the sales and the yearly marts may not
    for mart in ("fct_sales", "enterprise_years", "county_years", "store_years", "event_sales"):
        assert _duckdb_table(two_builds.db_path, "marts", mart).height > 0, mart


@pytest.mark.parametrize("mart", MARTS)
def test_mart_is_the_same_on_both_engines_to_the_fen(two_builds, mart):
    from warehouse.spark import read_mart

    on_duckdb = _duckdb_table(two_builds.db_path, "marts", mart)
    on_spark = read_mart(two_builds.spark, mart)
    assert on_spark.columns == on_duckdb.columns
    assert on_spark.schema == on_duckdb.schema
    assert_frame_equal(_sorted(on_spark), _sorted(on_duckdb), check_exact=True)


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_seed_is_the_same_on_both_engines(two_builds, seed):
    from warehouse.spark import read_mart

    on_duckdb = _duckdb_table(two_builds.db_path, "reference", seed)
    on_spark = read_mart(two_builds.spark, seed, schema="reference")
    assert_frame_equal(_sorted(on_spark), _sorted(on_duckdb), check_exact=True)


def test_marts_copied_back_into_duckdb_keep_the_duckdb_build_types(two_builds, tmp_path):
    from warehouse.spark import copy_marts_to_duckdb

    copy_path = tmp_path / "copy.duckdb"
    copied = copy_marts_to_duckdb(two_builds.spark, copy_path)
    assert {f"marts.{mart}" for mart in MARTS} <= set(copied)
    query = (
        "select table_schema, table_name, column_name, data_type "
        "from information_schema.columns where table_schema in ('marts', 'reference') "
        "order by all"
    )
    with duckdb.connect(str(two_builds.db_path), read_only=True) as original:
        expected = original.execute(query).fetchall()
    with duckdb.connect(str(copy_path), read_only=True) as copy:
        assert copy.execute(query).fetchall() == expected
        copied_total = copy.execute("select sum(net_sales) from marts.fct_sales").fetchone()
    with duckdb.connect(str(two_builds.db_path), read_only=True) as original:
        assert (
            copied_total
            == original.execute("select sum(net_sales) from marts.fct_sales").fetchone()
        )
