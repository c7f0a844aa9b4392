"""build_marts: what it counts, that it lets go of the file, how it reports failures."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.db import warehouse
from warehouse.dbt import build_marts
from warehouse.errors import BuildError, NoDataError, WarehouseBusyError
from warehouse.paths import DB_ENV_VAR, DBT_PROJECT_DIR
from warehouse.vocab import BELTS, PLATFORMS


def test_build_counts_every_model_and_seed_and_nothing_fails(built_warehouse):
    _, summary = built_warehouse
    model_files = list((DBT_PROJECT_DIR / "models").rglob("*.sql"))
    assert summary.models == len(model_files)
    assert summary.seeds == 3
    assert summary.failed == 0
    assert summary.tests > 0
    # warnings are allowed, everything else passes
    assert summary.passed + summary.warned == summary.models + summary.seeds + summary.tests


def test_warehouse_file_is_released_when_the_build_returns(built_warehouse):
    db_path, _ = built_warehouse
    with warehouse(db_path) as con:
        row = con.execute("select count(*) from marts.fct_sales").fetchone()
    assert row is not None and row[0] > 0


def test_build_leaves_chuanhuo_db_as_it_found_it(built_warehouse):
    assert os.environ.get(DB_ENV_VAR) != str(built_warehouse[0])


def test_failing_data_test_raises_build_error_naming_the_node(tmp_path: Path):
    db_path = tmp_path / "bad.duckdb"
    with warehouse(db_path) as con:
        con.execute(
            "insert into raw.enterprises values (1, 'e.csv', 2, 2022, "
            "'91510104MA0000001E', '无县企业', '999999', 'enterprise', 'tea', "
            "null, null, 2022, false, false)"
        )
    with pytest.raises(BuildError) as raised:
        build_marts(
            db_path, select="divisions int_enterprises_deduplicated+1 +stg_raw__enterprises"
        )
    message = str(raised.value)
    assert "relationships_int_enterprises_deduplicated_county_code" in message
    assert "1 row(s) break it" in message
    assert raised.value.hint and "rebuild" in raised.value.hint
    with warehouse(db_path):
        pass


def test_missing_warehouse_is_no_data_error(tmp_path: Path):
    with pytest.raises(NoDataError, match="no warehouse at"):
        build_marts(tmp_path / "absent.duckdb")


def _seed(name: str) -> dict[str, str]:
    with (DBT_PROJECT_DIR / "seeds" / f"{name}.csv").open(encoding="utf-8") as handle:
        return {row[0]: row[1] for row in list(csv.reader(handle))[1:]}


def test_belt_and_platform_seeds_match_the_vocabularies():
    assert _seed("belts") == BELTS
    assert _seed("platforms") == PLATFORMS


def test_divisions_seed_has_183_counties_under_21_prefectures():
    with (DBT_PROJECT_DIR / "seeds" / "divisions.csv").open(encoding="utf-8") as handle:
        divisions = list(csv.DictReader(handle))
    prefectures = {row["code"] for row in divisions if row["level"] == "prefecture"}
    counties = [row for row in divisions if row["level"] == "county"]
    assert len(prefectures) == 21
    assert len(counties) == 183
    assert {row["parent_code"] for row in counties} == prefectures


def test_build_meets_a_running_load_as_warehouse_busy(tmp_path: Path):
    db_path = tmp_path / "busy.duckdb"
    with warehouse(db_path):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; con = duckdb.connect({str(db_path)!r}); "
            "print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match=f"process {holder.pid}"):
            build_marts(db_path)
    finally:
        holder.kill()
        holder.wait()


def test_warning_test_does_not_fail_the_build_and_is_reported(tmp_path: Path):
    db_path = tmp_path / "warn.duckdb"
    with warehouse(db_path) as con:
        # gmv without a payment time: the warn-level data test flags it
        con.execute(
            "insert into raw.order_lines (load_id, source_file, source_row, layout, "
            "platform, store_id, order_id, line_id, gmv, refund) values "
            "(1, 'a.csv', 2, 'douyin_order_export', 'douyin', 'D1', 'o', 'o-1', 5.00, 0)"
        )
    summary = build_marts(db_path, select="+int_order_lines_deduplicated")
    assert summary.failed == 0
    assert summary.warned == 1
    assert "paid_lines_have_paid_at" in summary.warnings[0].node
    assert summary.warnings[0].message.startswith("1 row(s) break it")
