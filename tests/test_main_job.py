"""The main job end to end on the bundled samples, driven through the CLI.

The job runs once per test session (it takes most of a minute); each test states
one claim about what it left behind.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

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


def test_bai_pin_sheet_shows_each_countys_best_selling_product(demo_run):
    _, db_path, out_dir = demo_run
    sheet = openpyxl.load_workbook(out_dir / "2022年度川货电商节榜单.xlsx")["2022年度百品榜"]
    headers = [cell.value for cell in sheet[2]]
    product, county = headers.index("百品（代表产品）"), headers.index("县代码")
    shown = {row[county]: row[product] for row in sheet.iter_rows(min_row=3, values_only=True)}
    with duckdb.connect(str(db_path), read_only=True) as con:
        best = dict(
            con.execute(
                "select county_code, top_product_name from marts.county_years "
                "where year = 2022 and top_product_name is not null"
            ).fetchall()
        )
    assert shown and all(best[code] == name for code, name in shown.items())


def _cli(*args: str):
    # a wide terminal, so that rich does not wrap a file name across lines
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})


def test_rank_json_lists_the_county_top10_as_awarded(demo_run):
    _, db_path, _ = demo_run
    result = _cli(
        "rank", "--year", "2022", "--db", str(db_path), "--list", "county_top100", "--json"
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["county_top100"]["rows"]
    awarded = [row for row in rows if row["is_awarded"]]
    assert len(awarded) >= 10
    assert all(row["rank"] <= 10 for row in awarded)
    assert [row["rank"] for row in rows] == sorted(row["rank"] for row in rows)


def test_explain_names_the_units_score_and_grade(demo_run):
    _, db_path, _ = demo_run
    with duckdb.connect(str(db_path), read_only=True) as con:
        (unit_id,) = con.execute(
            "select unit_id from scoring.roster_ledger "
            "where year = 2022 and status_after = 'recommended' order by unit_id limit 1"
        ).fetchone()
    result = _cli("explain", unit_id, "--year", "2022", "--db", str(db_path), "--json")
    assert result.exit_code == 0, result.output
    explained = json.loads(result.output)
    assert unit_id in json.dumps(explained, ensure_ascii=False)
    assert "recommended" in json.dumps(explained, ensure_ascii=False)


def test_explain_of_an_unknown_unit_is_a_message_not_a_traceback(demo_run):
    _, db_path, _ = demo_run
    result = _cli("explain", "no-such-unit", "--year", "2022", "--db", str(db_path))
    assert result.exit_code == 7, result.output
    assert "Traceback" not in result.output


def test_build_json_counts_models_and_no_failure(demo_run):
    _, db_path, _ = demo_run
    result = _cli("build", "--db", str(db_path), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["failed"] == 0 and summary["models"] >= 10
    assert summary["passed"] == summary["models"] + summary["seeds"] + summary["tests"]


def test_docs_write_the_lineage_site(demo_run, tmp_path: Path):
    _, db_path, _ = demo_run
    result = _cli("docs", "--db", str(db_path), "--out", str(tmp_path / "docs"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "docs" / "index.html").exists()
    assert "fct_sales" in (tmp_path / "docs" / "manifest.json").read_text(encoding="utf-8")


def test_events_lists_the_24_activities_of_2022(demo_run):
    _, db_path, _ = demo_run
    result = _cli("events", "--year", "2022", "--db", str(db_path), "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["events"]) == 24


def test_status_reports_every_load_kind(demo_run):
    _, db_path, _ = demo_run
    result = _cli("status", "--db", str(db_path), "--json")
    assert result.exit_code == 0, result.output
    state = json.loads(result.output)
    assert {row["kind"] for row in state["loads"]} >= {"registry", "plan"}
    assert state["ranked_years"] == [2020, 2021, 2022]


def test_export_and_report_write_their_files(demo_run, tmp_path: Path):
    _, db_path, _ = demo_run
    exported = _cli("export", "--year", "2022", "--db", str(db_path), "--out", str(tmp_path))
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "2022年度川货电商节榜单.xlsx").exists()
    assert (tmp_path / "csv" / "2022_county_top100.csv").exists()
    reported = _cli("report", "--year", "2022", "--db", str(db_path), "--out", str(tmp_path))
    assert reported.exit_code == 0, reported.output
    assert (tmp_path / "2022年度川货电商节数据报告.html").stat().st_size > 100_000


def test_ingest_of_an_unreadable_file_exits_2_with_its_name(demo_run, tmp_path: Path):
    _, db_path, _ = demo_run
    bad = tmp_path / "ExportOrderList_broken.csv"
    bad.write_bytes(b"\x00\x01\x02 not an export \xff\xfe")
    result = _cli("ingest", str(bad), "--db", str(db_path), "--platform", "tmall", "--store", "1")
    assert result.exit_code == 2, result.output
    assert "ExportOrderList_broken.csv" in result.output
    assert "Traceback" not in result.output


def test_nightly_chain_files_the_inbox_and_ranks_what_loaded(tmp_path: Path):
    """A night with three good exports and one broken file: the good ones are built and
    ranked, the broken one goes to rejected/, and the exit code says a file failed."""
    inbox = tmp_path / "inbox"
    stores = sorted((paths.SAMPLES_DIR / "inbox" / "douyin").iterdir())[:3]
    for store in stores:
        target = inbox / "douyin" / store.name
        target.mkdir(parents=True)
        for export in sorted(store.iterdir()):
            (target / export.name).write_bytes(export.read_bytes())
    broken = inbox / "douyin" / stores[0].name / "broken_订单导出.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage")
    db_path = str(tmp_path / "night.duckdb")
    registries = _cli("registries", str(paths.SAMPLES_DIR / "registries"), "--db", db_path)
    assert registries.exit_code == 0, registries.output

    night = _cli(
        "nightly",
        "--inbox",
        str(inbox),
        "--db",
        db_path,
        "--out",
        str(tmp_path / "out"),
        "--year",
        "2022",
    )

    assert night.exit_code == 2, night.output
    assert "broken_订单导出.csv" in night.output
    archived = sorted(p.name for p in (inbox / "archive").rglob("*.csv"))
    expected = sorted(p.name for store in stores for p in store.iterdir())
    assert archived == expected
    assert (inbox / "rejected" / "douyin" / stores[0].name / "broken_订单导出.csv").exists()
    assert (tmp_path / "out" / "2022年度川货电商节榜单.xlsx").exists()
    with duckdb.connect(db_path, read_only=True) as con:
        (stores_with_sales,) = con.execute(
            "select count(distinct store_id) from marts.fct_sales where platform = 'douyin'"
        ).fetchone()
    assert stores_with_sales == 3


def test_a_bad_amount_is_rejected_with_its_row_and_shown_by_rejects(demo_run, tmp_path: Path):
    _, db_path, _ = demo_run
    store = sorted((paths.SAMPLES_DIR / "inbox" / "douyin").iterdir())[0]
    sample = sorted(store.iterdir())[0]
    rows = list(csv.reader(sample.read_text(encoding="utf-8-sig").splitlines()))
    amount = rows[0].index("订单应付金额")
    rows[2][amount] = "十二元"  # the second data row, line 3 of the file
    bad = tmp_path / "douyin" / store.name / "bad_amount_订单导出.csv"
    bad.parent.mkdir(parents=True)
    with bad.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)

    loaded = _cli("ingest", str(bad), "--db", str(db_path))
    shown = _cli("rejects", "--db", str(db_path), "--file", bad.name, "--json")

    assert loaded.exit_code == 3, loaded.output
    rejected = json.loads(shown.output)
    assert [(row["source_row"], row["column_name"]) for row in rejected] == [(3, "订单应付金额")]
    assert "十二元" in rejected[0]["reason"]
