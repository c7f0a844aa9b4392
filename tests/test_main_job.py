"""The main job end to end on the bundled samples, driven through the CLI.

The job runs once per test session (it takes most of a minute); each test states
one claim about what it left behind.
"""

from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import openpyxl
import pytest
from typer.testing import CliRunner

from cli import app
from warehouse import paths

EXPECTED_TOTALS = paths.SAMPLES_DIR / "expected_totals.json"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("demo")
    db_path, out_dir = work / "chuanhuo.duckdb", work / "out"
    result = CliRunner().invoke(
        app, ["demo", "--db", str(db_path), "--out", str(out_dir)], catch_exceptions=False
    )
    return result, db_path, out_dir


def test_demo_succeeds_and_prints_the_2022_county_list(demo_run):
    result, _, _ = demo_run
    assert result.exit_code == 0, result.output
    assert "2022年度百县百品榜" in result.output


def test_demo_twice_loads_nothing_new(demo_run):
    _, db_path, out_dir = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        before = con.execute("select count(*), max(load_id) from raw.loads").fetchone()
    again = CliRunner().invoke(app, ["demo", "--db", str(db_path), "--out", str(out_dir)])
    assert again.exit_code == 0, again.output
    with duckdb.connect(str(db_path), read_only=True) as con:
        statuses = con.execute("select count(*), max(load_id) from raw.loads").fetchone()
    assert statuses == before


def test_marts_reconcile_with_the_generators_own_totals(demo_run):
    """The generator totals its own records; the warehouse must agree to the fen."""
    _, db_path, _ = demo_run
    expected = json.loads(EXPECTED_TOTALS.read_text(encoding="utf-8"))
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "select year, sum(gmv), sum(refund), sum(net_sales) "
            "from marts.fct_sales group by year order by year"
        ).fetchall()
    got = {str(year): (gmv, refund, net) for year, gmv, refund, net in rows}
    for year, totals in expected["years"].items():
        gmv, refund, net = got[year]
        assert gmv == Decimal(totals["gmv"]), year
        assert refund == Decimal(totals["refund"]), year
        assert net == Decimal(totals["net_sales"]), year


def test_every_loaded_file_accounts_for_every_row(demo_run):
    _, db_path, _ = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        broken = con.execute(
            "select source_file from raw.loads "
            "where rows_read <> rows_loaded + rows_rejected + rows_skipped"
        ).fetchall()
    assert broken == []


def test_roster_recommends_and_removes_in_2022(demo_run):
    _, db_path, _ = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        decisions = dict(
            con.execute(
                "select status_after, count(*) from scoring.roster_ledger "
                "where year = 2022 and status_after <> status_before group by status_after"
            ).fetchall()
        )
    assert decisions.get("recommended", 0) >= 1, decisions
    assert decisions.get("removed", 0) >= 1, decisions


def test_award_workbook_has_a_sheet_per_list_with_amounts_in_wan(demo_run):
    _, db_path, out_dir = demo_run
    workbook = openpyxl.load_workbook(out_dir / "2022年度川货电商节榜单.xlsx")
    county_sheet = next(name for name in workbook.sheetnames if "百县" in name)
    sheet = workbook[county_sheet]
    headers = [cell.value for cell in sheet[2]]
    money_column = next(i for i, h in enumerate(headers) if h and "净销售额" in h)
    code_column = next(i for i, h in enumerate(headers) if h and "代码" in h)
    first = [cell.value for cell in sheet[3]]
    with duckdb.connect(str(db_path), read_only=True) as con:
        (net,) = con.execute(
            "select net_sales from marts.county_years where year = 2022 and county_code = ?",
            [first[code_column]],
        ).fetchone()
    assert first[money_column] == pytest.approx(float(net / Decimal(10_000)), abs=0.005)
    assert isinstance(first[code_column], str) and len(first[code_column]) == 6
