"""What one more day of exports costs, for histories of different lengths (issue 8).

    python benchmarks/incremental_benchmark.py [--stores 50] [--lines-per-day 200]
        [--histories 30 120] [--work DIR]

For each history length D it writes, for every store, a Tmall 订单报表 (UTF-8 csv,
the generator's own cells: benchmarks/generate_exports.py `taobao_rows`) covering days
0 .. D-1 of 2022 and one file for each of the days D and D+1, with the 2022 企业库 and
店铺. It loads the registries and the history, builds the marts from scratch, then, day
after day, loads each new day and times, each with wall time, CPU seconds and peak RSS:

- the day's ingest;
- the incremental fact build (`+fct_sales`: the dedup, allocation and store-day models
  take only the new load; registries and the attribution join are rebuilt);
- the marts rebuild (every mart, fct_sales included, from the fact);
- in the same run, as baselines: the same fact build again with nothing new (dbt's fixed
  cost) and a full refresh of every model.

The seconds dbt spent in the five incremental models are printed apart from dbt's fixed
cost; the verdict takes the quicker of the two days, the machine being shared.
fct_sales must hold the generator's gmv, refund and quantity (computed from the
integer fen the cells were printed from), after the incremental build and after the
full refresh; the run exits non-zero otherwise. The last line is the verdict: whether
the one-day cost of the incremental models stayed flat while the history grew.

It never touches anything outside its work folder.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generate_exports import (
    FIRST_STORE_ID,
    YEAR,
    YEAR_START_EPOCH,
    Store,
    taobao_rows,
    write_registries,
)
from measure import cpu_seconds, peak_mib, reset_peak

log = logging.getLogger("incremental_benchmark")

DAY_SECONDS = 86_400
# The models that take only new loads on DuckDB (dbt_project/macros/incremental.sql).
INCREMENTAL_MODELS = (
    "int_order_lines_deduplicated",
    "int_item_lines_deduplicated",
    "int_daily_sales_deduplicated",
    "int_order_lines_allocated",
    "int_order_line_sales_aggregated",
)
# Flat enough: the one-day cost at the longest history within this factor of the shortest.
FLAT_FACTOR = 1.5
# New days loaded and built one after the other on top of each history.
NEW_DAYS = 2


@dataclass
class Truth:
    """What the generated rows add up to, in fen, from the generator's own amounts."""

    rows: int = 0
    gmv_fen: int = 0
    refund_fen: int = 0
    quantity: int = 0

    def plus(self, other: Truth) -> Truth:
        return Truth(
            self.rows + other.rows,
            self.gmv_fen + other.gmv_fen,
            self.refund_fen + other.refund_fen,
            self.quantity + other.quantity,
        )

    def add(self, truth: pl.DataFrame, rows: int) -> None:
        self.rows += rows
        self.gmv_fen += int(truth["gmv_fen"].sum())
        self.refund_fen += int(truth["refund_fen"].sum())
        self.quantity += int(truth["quantity"].sum())


@dataclass
class Stage:
    name: str
    rows: int
    seconds: float
    cpu_seconds: float
    peak_mib: float
    model_seconds: float | None = None  # seconds dbt spent in the incremental models
    note: str = ""


@dataclass
class Run:
    days: int
    history_rows: int
    day_rows: int
    stages: list[Stage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def day_cells(store: Store, first_day: int, days: int, lines_per_day: int) -> tuple:
    """The 订单报表 cells of `days` days from `first_day`, and the generator's truth.

    taobao_rows spreads a store's rows over the year; here row i is paid on day
    i // lines_per_day instead, at an even step through that day, so each file holds
    whole days. The amounts and statuses stay the generator's.
    """
    start = first_day * lines_per_day
    count = days * lines_per_day
    cells, truth = taobao_rows(store, start, count, xlsx=False)
    step = DAY_SECONDS // lines_per_day
    index = pl.int_range(start, start + count, dtype=pl.Int64)
    seconds = (index // lines_per_day) * DAY_SECONDS + (index % lines_per_day) * step
    moment = pl.from_epoch((pl.lit(YEAR_START_EPOCH, dtype=pl.Int64) + seconds) * 1_000_000, "us")
    stamp = moment.dt.strftime("%Y-%m-%d %H:%M:%S")
    paid = pl.col("订单付款时间 ")
    cells = cells.with_columns(
        stamp.alias("订单创建时间"),
        pl.when(paid == "").then(pl.lit("")).otherwise(stamp).alias("订单付款时间 "),
    )
    return cells, truth


def write_exports(work: Path, stores: list[Store], days: int, lines_per_day: int) -> tuple:
    """History and one-day files of every store, and their truths."""
    history = Truth()
    history_files: list[Path] = []
    new_days: list[tuple[list[Path], Truth]] = [([], Truth()) for _ in range(NEW_DAYS)]
    for store in stores:
        batches = [(0, days, "inbox", history_files, history)]
        batches += [
            (days + offset, 1, f"day-{days + offset}", files, truth)
            for offset, (files, truth) in enumerate(new_days)
        ]
        for first, count, folder, files, truth in batches:
            cells, rows_truth = day_cells(store, first, count, lines_per_day)
            path = work / folder / "tmall" / store.store_id / f"ExportOrderList-{first}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            cells.write_csv(path, quote_style="always")
            files.append(path)
            truth.add(rows_truth, cells.height)
    write_registries(work / "registries" / str(YEAR), stores)
    return history_files, history, new_days


def timed(run: Run, name: str, rows: int, job: Callable[[], Any], note: str = "") -> Any:
    reset_peak()
    cpu = cpu_seconds(children=True)
    started = time.perf_counter()
    outcome = job()
    stage = Stage(
        name,
        rows,
        time.perf_counter() - started,
        cpu_seconds(children=True) - cpu,
        peak_mib(),
        note=note,
    )
    node_seconds = getattr(outcome, "node_seconds", None)
    if node_seconds is not None:
        stage.model_seconds = sum(
            seconds
            for node, seconds in node_seconds
            if node.split(".")[0] == "model" and node.split(".")[-1] in INCREMENTAL_MODELS
        )
    run.stages.append(stage)
    log.info("%s days, %s: %.1f s", run.days, name, stage.seconds)
    return outcome


def check_fact(db_path: Path, truth: Truth, when: str) -> list[str]:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        gmv, refund, quantity = con.execute(
            "select sum(gmv), sum(refund), sum(quantity) from marts.fct_sales"
        ).fetchone()
    expected = (
        Decimal(truth.gmv_fen) / 100,
        Decimal(truth.refund_fen) / 100,
        truth.quantity,
    )
    found = (gmv, refund, quantity)
    if found == expected:
        return []
    return [f"{when}: fct_sales holds gmv/refund/quantity {found}, the generator {expected}"]


def run_history(work: Path, stores: list[Store], days: int, lines_per_day: int) -> Run:
    import pipeline
    from warehouse.dbt import build_marts

    history_files, history, new_days = write_exports(work, stores, days, lines_per_day)
    run = Run(days, history.rows, new_days[0][1].rows)
    db_path = work / "warehouse.duckdb"
    pipeline.load_reference_data(db_path, registries_dir=work / "registries")
    history_ingest = lambda: pipeline.ingest_files(db_path, history_files)  # noqa: E731
    timed(run, "history ingest", history.rows, history_ingest)
    timed(run, "full build", history.rows, lambda: pipeline.build(db_path), "every model, tests")
    total = history
    for number, (day_files, day) in enumerate(new_days, start=1):
        day_ingest = lambda files=day_files: pipeline.ingest_files(db_path, files)  # noqa: E731
        report = timed(run, f"day {number}: ingest", day.rows, day_ingest)
        if report.rows_loaded != day.rows:
            run.problems.append(f"day {number} loaded {report.rows_loaded} rows of {day.rows}")
        timed(
            run,
            f"day {number}: fact build",
            day.rows,
            lambda: build_marts(db_path, select="+fct_sales"),
            "incremental, +fct_sales with tests",
        )
        total = total.plus(day)
    timed(run, "marts rebuild", day.rows, lambda: build_marts(db_path, select="marts"), "all marts")
    run.problems += check_fact(db_path, total, "after the incremental builds")
    timed(
        run,
        "baseline: nothing new",
        0,
        lambda: build_marts(db_path, select="+fct_sales"),
        "dbt's fixed cost",
    )
    timed(
        run,
        "baseline: full refresh",
        total.rows,
        lambda: pipeline.build(db_path, full_refresh=True),
        "every model, tests",
    )
    run.problems += check_fact(db_path, total, "after the full refresh")
    return run


def render(runs: list[Run]) -> tuple[list[str], bool]:
    lines = [
        f"{'history':>8} {'stage':<24} {'rows':>11} {'wall s':>7} {'CPU s':>7} "
        f"{'peak MiB':>8} {'incr. models s':>14}  note"
    ]
    for run in runs:
        for stage in run.stages:
            models = "" if stage.model_seconds is None else f"{stage.model_seconds:.2f}"
            lines.append(
                f"{run.days:>5} d  {stage.name:<24} {stage.rows:>11,} {stage.seconds:>7.1f} "
                f"{stage.cpu_seconds:>7.1f} {stage.peak_mib:>8.0f} {models:>14}  {stage.note}"
            )
    shortest, longest = runs[0], runs[-1]
    first = _one_day(shortest)
    last = _one_day(longest)
    full_first = _stage(shortest, "baseline: full refresh").model_seconds or 0.0
    full_last = _stage(longest, "baseline: full refresh").model_seconds or 0.0
    growth = last / first if first else float("inf")
    history_growth = longest.days / shortest.days
    lines.append(
        f"incremental models for one day: {first:.2f} s at {shortest.days} days, "
        f"{last:.2f} s at {longest.days} days ({growth:.2f}x for {history_growth:.0f}x the "
        f"history); full refresh of the same models {full_first:.2f} s -> {full_last:.2f} s"
    )
    added_millions = (longest.history_rows - shortest.history_rows) / 1e6
    if added_millions > 0:
        lines.append(
            f"growth with the history: {(last - first) / added_millions:.2f} s per million "
            f"lines (the full refresh: {(full_last - full_first) / added_millions:.2f} s)"
        )
    flat = growth <= FLAT_FACTOR
    return lines, flat


def _one_day(run: Run) -> float:
    """The quicker new day's seconds in the incremental models."""
    return min(
        stage.model_seconds or 0.0 for stage in run.stages if stage.name.endswith("fact build")
    )


def _stage(run: Run, name: str) -> Stage:
    return next(stage for stage in run.stages if stage.name == name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--lines-per-day", type=int, default=200, help="per store")
    parser.add_argument("--histories", type=int, nargs="+", default=[30, 120], help="days")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp folder)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("ingest", "warehouse", "pipeline", "scoring"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    work = arguments.work or Path(tempfile.mkdtemp(prefix="chuanhuo-incremental-"))
    stores = [
        Store(index, str(FIRST_STORE_ID + index), "tmall", "tmall_orders_utf8", 0)
        for index in range(arguments.stores)
    ]
    runs = []
    for days in sorted(arguments.histories):
        folder = work / f"history-{days}"
        shutil.rmtree(folder, ignore_errors=True)
        runs.append(run_history(folder, stores, days, arguments.lines_per_day))
    lines, flat = render(runs)
    problems = [problem for run in runs for problem in run.problems]
    sys.stdout.write("\n".join([*lines, *problems]) + "\n")
    checked = "fct_sales matches the generator" if not problems else "fct_sales MISMATCH"
    verdict = (
        f"flat: one more day costs the same (within {FLAT_FACTOR}x) whatever the history"
        if flat
        else f"NOT flat: one more day costs more than {FLAT_FACTOR}x as the history grows"
    )
    sys.stdout.write(f"verdict: {verdict}; {checked}\n")
    sys.exit(0 if flat and not problems else 1)


if __name__ == "__main__":
    main()
