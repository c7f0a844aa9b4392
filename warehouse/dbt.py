"""Building the marts (`dbt build`) and their lineage docs, on dbt_project/, in-process.

The warehouse file is handed to dbt through CHUANHUO_DB (profiles.yml reads it)
for the duration of one call; dbt's target and log folders live in a temporary
directory, so a build writes nothing into the checkout and two builds of two
files do not share state. The profile sets keep_open false, and the adapter's
connection is closed again here, so the caller can open the file as soon as
build_marts returns.

The fact path's line-level models are incremental on DuckDB: a build takes only
the loads newer than what they hold. The newest load number is read here when
the build starts and handed to every model (var through_load_id), so a load
landing while dbt runs is left whole for the next build; `full_refresh`
rebuilds everything from the raw rows.

This module must never change raw data, read of it more than the newest load
number, print, or leave CHUANHUO_DB changed after it returns.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import open_warehouse
from warehouse.errors import BuildError, NoDataError
from warehouse.paths import DB_ENV_VAR, DBT_PROJECT_DIR

log = logging.getLogger(__name__)

_PASSED = {"success", "pass"}
_FAILED = {"error", "fail", "runtime error"}
_TEST_TYPES = {"test", "unit_test"}
# How many failing nodes a BuildError spells out; the rest are counted.
_FAILURES_SHOWN = 10


@dataclass(frozen=True)
class NodeFailure:
    """One node dbt could not build or whose test failed."""

    node: str
    status: str
    message: str


@dataclass(frozen=True)
class BuildSummary:
    """What one `dbt build` did: node counts by kind and outcome, and its duration."""

    models: int
    seeds: int
    tests: int
    passed: int
    warned: int
    failed: int
    skipped: int
    seconds: float
    failures: tuple[NodeFailure, ...] = field(default=())
    warnings: tuple[NodeFailure, ...] = field(default=())
    # (node unique_id, seconds) for every node dbt ran, in the order it reported them
    node_seconds: tuple[tuple[str, float], ...] = field(default=())
    # the newest load the build covered (None on an empty warehouse)
    through_load_id: int | None = None


def build_marts(
    db_path: Path | str,
    *,
    select: str | None = None,
    full_refresh: bool = False,
    wait_seconds: float = 0.0,
) -> BuildSummary:
    """Run `dbt build` (seeds, models, tests) into the warehouse at `db_path`.

    `select` is a dbt selector ("marts", "+county_years"); None builds everything.
    A load holding the file is waited for up to `wait_seconds`, then reported as
    WarehouseBusyError. Raises BuildError naming each failing node with dbt's
    message; returns the counts when every node passed (warnings allowed).
    Not for concurrent calls in one process: CHUANHUO_DB is process-wide.
    """
    path = Path(db_path).resolve()
    if not path.exists():
        raise NoDataError(
            f"no warehouse at {path}",
            "load some files first (chuanhuo ingest) or point --db / CHUANHUO_DB at one",
        )
    # dbt would meet a running load as a raw IO error; the warehouse's own opener
    # waits for it and names the process holding the file.
    con = open_warehouse(path, wait_seconds=wait_seconds)
    try:
        through_load_id = _newest_load_id(con)
    finally:
        con.close()
    with tempfile.TemporaryDirectory(prefix="chuanhuo-dbt-") as work_dir:
        args = _build_args(
            Path(work_dir),
            select=select,
            full_refresh=full_refresh,
            through_load_id=through_load_id,
        )
        log.info(
            "building marts in %s through load %s%s%s",
            path,
            through_load_id,
            " from scratch" if full_refresh else "",
            f" (select {select})" if select else "",
        )
        started = time.perf_counter()
        with _env_var(DB_ENV_VAR, str(path)), _env_var("DO_NOT_TRACK", "1"):
            try:
                outcome = _invoke(args)
            finally:
                _release_warehouse()
        seconds = time.perf_counter() - started
    summary = _summarise(outcome.result, seconds, through_load_id)
    if outcome.exception is not None:
        raise BuildError(
            f"dbt could not run the build: {outcome.exception}",
            f"check the dbt project in {DBT_PROJECT_DIR}",
        ) from outcome.exception
    if summary.failed or not outcome.success:
        raise BuildError(_failure_title(summary), _failure_hint(summary))
    for warning in summary.warnings:
        log.warning("data test warns: %s: %s", warning.node, warning.message)
    log.info(
        "built marts in %.1f s: %d models, %d seeds, %d tests, %d passed, %d warned",
        summary.seconds,
        summary.models,
        summary.seeds,
        summary.tests,
        summary.passed,
        summary.warned,
    )
    return summary


# What `dbt docs generate` writes that the docs site needs: the page and its data.
DOCS_FILES = ("index.html", "catalog.json", "manifest.json", "static_index.html")


def generate_docs(db_path: Path | str, out_dir: Path | str, *, wait_seconds: float = 0.0) -> Path:
    """Write the project's lineage docs for the warehouse at `db_path` into `out_dir`.

    Runs `dbt docs generate` (compiling the models and reading the catalog of
    the built tables) and copies index.html, catalog.json, manifest.json and
    static_index.html (the three in one page) to `out_dir`. Nothing is
    fetched from the network: dbt bundles the page. Returns the path of
    index.html. Raises BuildError when dbt cannot generate them.
    """
    path = Path(db_path).resolve()
    if not path.exists():
        raise NoDataError(
            f"no warehouse at {path}",
            "load some files and build the marts first (chuanhuo build)",
        )
    open_warehouse(path, wait_seconds=wait_seconds).close()
    target = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="chuanhuo-docs-") as work_dir:
        args = ["docs", "generate", "--static", *_common_args(Path(work_dir))]
        log.info("generating lineage docs of %s into %s", path, target)
        with _env_var(DB_ENV_VAR, str(path)), _env_var("DO_NOT_TRACK", "1"):
            try:
                outcome = _invoke(args)
            finally:
                _release_warehouse()
        if outcome.exception is not None or not outcome.success:
            reason = outcome.exception or "see the dbt project's logs"
            raise BuildError(
                f"dbt could not generate the docs: {reason}",
                f"build the marts first (chuanhuo build), then check {DBT_PROJECT_DIR}",
            )
        target.mkdir(parents=True, exist_ok=True)
        for name in DOCS_FILES:
            shutil.copy2(Path(work_dir) / "target" / name, target / name)
    log.info("wrote lineage docs: %s", ", ".join(DOCS_FILES))
    return target / "index.html"


# The raw tables whose rows the incremental models take by load number.
_LOADED_TABLES = ("loads", "order_lines", "item_lines", "daily_sales")


def _newest_load_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The highest load number in the raw tables, None when nothing is loaded.

    raw.loads alone would do for ingest's loads; the sales tables are asked too,
    so rows written without a loads row (tests, hand repairs) are still covered.
    """
    newest = " union all ".join(
        f"select max(load_id) as load_id from raw.{table}" for table in _LOADED_TABLES
    )
    (value,) = con.execute(f"select max(load_id) from ({newest})").fetchone()
    return None if value is None else int(value)


def _build_args(
    work_dir: Path, *, select: str | None, full_refresh: bool, through_load_id: int | None = None
) -> list[str]:
    args = ["build", *_common_args(work_dir)]
    if through_load_id is not None:
        args += ["--vars", json.dumps({"through_load_id": through_load_id})]
    if select:
        # Only the tests whose every parent is selected or upstream of the
        # selection: a partial build must not test models it did not build.
        args += ["--select", select, "--indirect-selection", "buildable"]
    if full_refresh:
        args.append("--full-refresh")
    return args


def _common_args(work_dir: Path) -> list[str]:
    return [
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        # dbt writes to stdout even when quiet; library code must not print, and
        # the failing nodes reach the caller through BuildError instead.
        "--log-level",
        "none",
        "--log-level-file",
        "none",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
        "--no-version-check",
    ]


def _invoke(args: list[str]) -> Any:
    # Imported here: dbt takes about a second to import and only builds need it.
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke(args)


def _release_warehouse() -> None:
    """Close the adapter's DuckDB handle if dbt-duckdb still holds one.

    keep_open false in profiles.yml already closes it when the last cursor goes;
    this covers a build that stopped half-way with a cursor still open.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        try:
            environment.close()
        finally:
            DuckDBConnectionManager.close_all_connections()


@contextmanager
def _env_var(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _summarise(execution: Any, seconds: float, through_load_id: int | None = None) -> BuildSummary:
    counts = {"model": 0, "seed": 0, "test": 0}
    node_seconds: list[tuple[str, float]] = []
    outcomes = {"passed": 0, "warned": 0, "failed": 0, "skipped": 0}
    failures: list[NodeFailure] = []
    warnings: list[NodeFailure] = []
    for result in getattr(execution, "results", None) or []:
        node = result.node
        node_seconds.append((node.unique_id, round(float(result.execution_time or 0.0), 3)))
        kind = "test" if node.resource_type in _TEST_TYPES else str(node.resource_type)
        if kind in counts:
            counts[kind] += 1
        status = str(result.status)
        if status in _PASSED:
            outcomes["passed"] += 1
        elif status == "warn":
            outcomes["warned"] += 1
            warnings.append(NodeFailure(node.unique_id, status, _message(result)))
        elif status in _FAILED:
            outcomes["failed"] += 1
            failures.append(NodeFailure(node.unique_id, status, _message(result)))
        else:
            outcomes["skipped"] += 1
    return BuildSummary(
        models=counts["model"],
        seeds=counts["seed"],
        tests=counts["test"],
        seconds=round(seconds, 2),
        failures=tuple(failures),
        warnings=tuple(warnings),
        node_seconds=tuple(node_seconds),
        through_load_id=through_load_id,
        **outcomes,
    )


def _message(result: Any) -> str:
    where = getattr(result.node, "original_file_path", "") or ""
    failing_rows = getattr(result, "failures", None)
    if str(result.status) in {"fail", "warn"} and failing_rows:
        what = f"{failing_rows} row(s) break it"
    else:
        what = " ".join(str(result.message or "").split())[:400]
    return f"{what} (defined in {where})" if where else what


def _failure_title(summary: BuildSummary) -> str:
    shown = summary.failures[:_FAILURES_SHOWN]
    skipped = f", {summary.skipped} node(s) after them skipped" if summary.skipped else ""
    lines = [f"dbt build failed on {summary.failed} node(s){skipped}:"]
    lines += [f"  {failure.node} ({failure.status}): {failure.message}" for failure in shown]
    if summary.failed > len(shown):
        lines.append(f"  ... and {summary.failed - len(shown)} more")
    return "\n".join(lines)


def _failure_hint(summary: BuildSummary) -> str:
    if any(failure.status == "fail" for failure in summary.failures):
        return (
            "a failing data test names a rule the loaded rows break: query the model it names "
            "to see the offending rows, fix the input or the registry, reload and rebuild"
        )
    return "a model did not build: fix the SQL or the raw rows it names, then rebuild"
