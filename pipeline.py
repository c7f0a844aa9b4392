"""The jobs users run: each opens the warehouse, calls the layers in order, and closes it.

One function per CLI command, so the CLI stays a thin client and tests can call
the same functions directly. This module sequences ingest, the dbt build,
scoring and exports; it computes nothing itself and never prints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from exports.events import EventsView, events_view
from exports.report import write_report
from exports.tables import write_tables
from exports.workbook import write_workbook
from ingest.inbox import load_inbox
from ingest.loader import LoadResult, Progress, load_directory, load_file
from ingest.plan import load_plan, load_plan_into
from ingest.registries import load_registries
from scoring.api import (
    Comparison,
    Explanation,
    ListTable,
    RankingRun,
    compare_rules,
    explain,
    list_tables,
    rank_year,
)
from scoring.rules import load_rules, rules_path_for_year
from warehouse import paths
from warehouse.db import table_exists, warehouse
from warehouse.dbt import BuildSummary, build_marts, generate_docs
from warehouse.errors import NoDataError
from warehouse.spark import build_marts_spark
from warehouse.status import RejectedRow, WarehouseStatus, rejected_rows, warehouse_status

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    """What one ingest run did, file by file."""

    results: list[LoadResult] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(result.rows_rejected for result in self.results)

    @property
    def files_failed(self) -> int:
        return sum(result.status == "failed" for result in self.results)

    @property
    def rows_loaded(self) -> int:
        return sum(result.rows_loaded for result in self.results)


@dataclass
class DemoReport:
    """The main job on the bundled samples: loads, build, rankings and files written."""

    ingest: IngestReport
    build: BuildSummary
    ranking: RankingRun
    tables: list[ListTable]
    written: list[Path]


def ingest_files(
    db_path: Path,
    targets: list[Path],
    *,
    platform: str | None = None,
    store_id: str | None = None,
    layout: str | None = None,
    wait_seconds: float = 0.0,
    progress: Progress | None = None,
) -> IngestReport:
    """Load platform export files or folders of them into the warehouse."""
    report = IngestReport()
    with warehouse(db_path, wait_seconds=wait_seconds) as con:
        for target in targets:
            if target.is_dir():
                report.results.extend(load_directory(con, target, progress=progress))
            else:
                report.results.append(
                    load_file(
                        con,
                        target,
                        platform=platform,
                        store_id=store_id,
                        layout=layout,
                        progress=progress,
                    )
                )
    return report


def ingest_inbox(
    db_path: Path,
    inbox: Path,
    *,
    wait_seconds: float = 0.0,
    progress: Progress | None = None,
) -> IngestReport:
    """The nightly batch: load every file under the inbox, then archive or reject it."""
    with warehouse(db_path, wait_seconds=wait_seconds) as con:
        filed = load_inbox(con, inbox, progress=progress)
    return IngestReport(results=[entry.result for entry in filed])


def load_reference_data(
    db_path: Path,
    *,
    registries_dir: Path | None = None,
    plans_dir: Path = paths.PLANS_DIR,
    wait_seconds: float = 0.0,
) -> IngestReport:
    """Load every annual plan file, then the registries (when a folder is given)."""
    report = IngestReport()
    with warehouse(db_path, wait_seconds=wait_seconds) as con:
        # Plans first: the 挂标 registry names events of the year's plan.
        for plan_file in sorted(plans_dir.glob("*.yaml")):
            load_plan_into(con, load_plan(plan_file))
        if registries_dir is not None:
            report.results.extend(load_registries(con, registries_dir))
    return report


ENGINES = ("duckdb", "spark")


def build(
    db_path: Path, *, full_refresh: bool = False, target: str = "duckdb", wait_seconds: float = 0.0
) -> BuildSummary:
    """Build and test the dbt marts over what is loaded, on DuckDB or on Spark.

    On DuckDB the fact path's line-level models take only the loads newer than what
    they hold; `full_refresh` rebuilds every model from the raw rows, to the same
    marts. On Spark the raw tables go out as a Parquet lake and every model is rebuilt;
    the marts come back into the warehouse file, so ranking and exports read them the
    same way.
    """
    if target == "spark":
        return build_marts_spark(db_path, wait_seconds=wait_seconds)
    return build_marts(db_path, full_refresh=full_refresh, wait_seconds=wait_seconds)


def docs(db_path: Path, out_dir: Path) -> Path:
    """Write dbt's lineage and column docs as a static site (no network needed)."""
    return generate_docs(db_path, out_dir)


def rank(
    db_path: Path, year: int, *, rules_path: Path | None = None
) -> tuple[RankingRun, list[ListTable]]:
    """Evaluate and rank one year (and any earlier year it needs), return its lists."""
    with warehouse(db_path) as con:
        run = rank_year(con, year, rules_path=rules_path)
        return run, list_tables(con, year)


def rule_lists(year: int, rules_path: Path | None = None) -> list[str]:
    """The list ids a year's rules file (or the one given) defines, read before ranking."""
    return list(load_rules(rules_path or rules_path_for_year(year)).lists)


def compare(db_path: Path, year: int, rules_path: Path) -> Comparison:
    """What ranking `year` by `rules_path` would change against its stored run; stores nothing."""
    with warehouse(db_path, read_only=True) as con:
        return compare_rules(con, year, rules_path)


def stored_lists(db_path: Path, year: int) -> list[ListTable]:
    """The lists of a year as last ranked, without ranking again."""
    with warehouse(db_path, read_only=True) as con:
        return list_tables(con, year)


def explain_unit(db_path: Path, year: int, unit: str) -> Explanation:
    with warehouse(db_path, read_only=True) as con:
        return explain(con, year, unit)


def export(db_path: Path, year: int, out_dir: Path, *, rank_first: bool = True) -> list[Path]:
    """Write the award workbook, CSV and Parquet of a year's lists into out_dir."""
    if rank_first:
        _, tables = rank(db_path, year)
    else:
        tables = stored_lists(db_path, year)
    return _write_lists(tables, out_dir, year)


def _write_lists(tables: list[ListTable], out_dir: Path, year: int) -> list[Path]:
    workbook = write_workbook(tables, out_dir / f"{year}年度川货电商节榜单.xlsx", year=year)
    return [workbook, *write_tables(tables, out_dir, year=year)]


def report(db_path: Path, year: int, out_dir: Path) -> Path:
    """Write the year's self-contained HTML report (charts inlined, opens offline)."""
    with warehouse(db_path, read_only=True) as con:
        if not _has_sales(con, year):
            raise NoDataError(
                f"no sales for {year} in {db_path}",
                "load that year's exports and run chuanhuo build, or pick another --year",
            )
        return write_report(con, year, out_dir / f"{year}年度川货电商节数据报告.html")


def _has_sales(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    if not table_exists(con, "marts", "fct_sales"):
        return False
    rows = con.execute("select count(*) from marts.fct_sales where year = ?", [year]).fetchall()
    return bool(rows[0][0])


def events(db_path: Path, year: int) -> EventsView:
    """The year's plan month by month, its check, and (once built) how each event did."""
    with warehouse(db_path, read_only=True) as con:
        return events_view(con, year)


def status(db_path: Path) -> WarehouseStatus:
    """Loads, rejects, sales per year and ranked years, read-only."""
    with warehouse(db_path, read_only=True) as con:
        return warehouse_status(con)


@dataclass
class NightlyReport:
    """The nightly chain: what the inbox held, the build, and the year ranked."""

    ingest: IngestReport
    build: BuildSummary
    year: int
    ranking: RankingRun
    written: list[Path]


def latest_sales_year(db_path: Path) -> int:
    """The latest year with sales in the marts: the year a nightly run ranks by default."""
    with warehouse(db_path, read_only=True) as con:
        rows = con.execute("select max(year) from marts.fct_sales").fetchall()
    if not rows or rows[0][0] is None:
        raise NoDataError(f"no sales in {db_path}", "load platform exports, then build")
    return int(rows[0][0])


def run_nightly(
    db_path: Path,
    inbox: Path,
    out_dir: Path,
    *,
    year: int | None = None,
    wait_seconds: float = 0.0,
    progress: Progress | None = None,
) -> NightlyReport:
    """Load the inbox, rebuild the marts, rank the year, write its exports and report.

    Files that fail or rows rejected do not stop the chain: what loaded is built and
    ranked, and the caller reports the failures with their exit code.
    """
    loads = ingest_inbox(db_path, inbox, wait_seconds=wait_seconds, progress=progress)
    summary = build(db_path, wait_seconds=wait_seconds)
    ranked_year = year if year is not None else latest_sales_year(db_path)
    ranking, tables = rank(db_path, ranked_year)
    written = [*_write_lists(tables, out_dir, ranked_year), report(db_path, ranked_year, out_dir)]
    log.info(
        "nightly run done: %d files from %s, marts built, %d ranked, %d files written",
        len(loads.results),
        inbox,
        ranked_year,
        len(written),
    )
    return NightlyReport(
        ingest=loads, build=summary, year=ranked_year, ranking=ranking, written=written
    )


def rejects(db_path: Path, *, source_file: str | None = None, limit: int = 50) -> list[RejectedRow]:
    """Rejected rows, newest load first: file, row, column and reason."""
    with warehouse(db_path, read_only=True) as con:
        return rejected_rows(con, source_file=source_file, limit=limit)


def run_demo(db_path: Path, out_dir: Path, *, year: int = 2022) -> DemoReport:
    """The main job on the bundled samples: load, build, rank, export."""
    reference = load_reference_data(db_path, registries_dir=paths.SAMPLES_DIR / "registries")
    sales = ingest_files(db_path, [paths.SAMPLES_DIR / "inbox"])
    loads = IngestReport(results=reference.results + sales.results)
    summary = build(db_path)
    ranking, tables = rank(db_path, year)
    written = [*_write_lists(tables, out_dir, year), report(db_path, year, out_dir)]
    log.info(
        "main job done: %d files loaded, marts built, %d lists for %d",
        len(loads.results),
        len(tables),
        year,
    )
    return DemoReport(ingest=loads, build=summary, ranking=ranking, tables=tables, written=written)
