"""chuanhuo's command line: parse options, call one pipeline function, render the result.

No logic lives here. Errors of the ChuanhuoError family are shown as a message
with a hint and the documented exit code (warehouse.errors.ExitCode); logging is
configured here, once, for every layer.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import pipeline
from exports.cells import to_wan
from warehouse import paths
from warehouse.errors import ChuanhuoError, ExitCode
from warehouse.vocab import BELTS, PLATFORMS

app = typer.Typer(
    help="川货电商节 sales warehouse: load platform exports, build marts, rank, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped or logged output (cron) gets wide lines instead of a table squeezed to 80
# columns; a terminal keeps its own width.
PIPED_WIDTH = 200
out = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)
err = Console(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DB = Path(paths.DEFAULT_DB_NAME)

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar=paths.DB_ENV_VAR,
        help="Warehouse file (DuckDB). Default ./chuanhuo.duckdb or $CHUANHUO_DB.",
    ),
]
YearOption = Annotated[int, typer.Option("--year", help="Programme year, e.g. 2022.")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder to write files into.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


class Engine(StrEnum):
    """Engines that can build the marts (pipeline.ENGINES)."""

    duckdb = "duckdb"
    spark = "spark"


TargetOption = Annotated[
    Engine,
    typer.Option(
        "--target",
        help="Engine that builds the marts: duckdb (embedded) or spark (local session).",
    ),
]
WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for a running load to finish.")
]


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
) -> None:
    if sys.stderr.isatty():
        handler: logging.Handler = RichHandler(console=err, show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        # cron and log files: one plain line per record, with its time and level
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    for noisy in ("dbt", "fsspec", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # `timeout`, systemd and kill stop a run with SIGTERM: unwound like Ctrl-C, so the
    # open load rolls back and its scratch copy and child processes go with it.
    signal.signal(signal.SIGTERM, _terminated)


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def handles_errors(command: F) -> F:
    """Turn a ChuanhuoError into its message and exit code instead of a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ChuanhuoError as error:
            err.print(f"[bold red]error:[/] {error.title}", highlight=False)
            if error.hint:
                err.print(f"[yellow]hint:[/] {error.hint}", highlight=False)
            raise typer.Exit(int(error.exit_code)) from None

    return wrapper  # type: ignore[return-value]


def _money(value: Decimal | None) -> str:
    wan = to_wan(value)
    return "" if wan is None else f"{wan:,.2f}"


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    return str(value)


# Long text columns the award files carry but a terminal table cannot show well;
# roster reasons are printed as lines under their table instead.
TERMINAL_HIDDEN = frozenset(
    {"reason", "grades", "registry_next_year", "product_origin_county_code", "pool_id"}
)


def render_lists(tables: Sequence[pipeline.ListTable], top: int | None) -> None:
    for table in tables:
        money = set(table.money_columns)
        shown = table.frame if top is None else table.frame.head(top)
        columns = [column for column in shown.columns if column not in TERMINAL_HIDDEN]
        unit = "（金额：万元）" if money else ""
        grid = Table(title=f"{table.title}{unit}", title_justify="left")
        for column in columns:
            title = table.column_titles.get(column, column)
            grid.add_column(title, justify="right" if column in money else "left")
        for row in shown.select(columns).iter_rows():
            grid.add_row(
                *(
                    _money(value) if column in money else _plain(value)
                    for column, value in zip(columns, row, strict=True)
                )
            )
        out.print(grid)
        if "reason" in shown.columns and table.list_id.startswith("roster"):
            for name, reason in shown.select("unit_name", "reason").iter_rows():
                out.print(f"  {name}: {reason}", highlight=False)
        if top is not None and table.frame.height > top:
            out.print(f"  … {table.frame.height - top} more rows (--top to show more)")


def _json_default(value: object) -> str:
    return str(value)


def render_comparison(comparison: pipeline.Comparison) -> None:
    out.print(comparison.to_text().splitlines()[0], highlight=False)
    if comparison.unchanged:
        out.print("no change: every list, grade and roster decision stays the same")
        return
    for change in comparison.lists:
        if not change.moves:
            continue
        grid = Table(
            title=escape(
                f"{change.title} [{change.table_id}] {change.size_before} → {change.size_after}"
            ),
            title_justify="left",
        )
        for column in ("变化", "单位名称", "代码", "原排名", "新排名", "名次", "获奖"):
            grid.add_column(
                column, justify="right" if "排名" in column or column == "名次" else "left"
            )
        for move in change.moves:
            places = "" if move.places is None else f"{move.places:+d}"
            grid.add_row(
                move.change_title,
                move.unit_name,
                move.unit_id,
                "" if move.rank_before is None else str(move.rank_before),
                "" if move.rank_after is None else str(move.rank_after),
                places,
                f"{'是' if move.awarded_before else '否'} → {'是' if move.awarded_after else '否'}",
            )
        out.print(grid)
    if comparison.grades:
        grid = Table(title="等级变化 grade changes", title_justify="left")
        for column in ("单位名称", "代码", "原等级", "新等级"):
            grid.add_column(column)
        for grade in comparison.grades:
            grid.add_row(
                grade.unit_name, grade.unit_id, grade.grade_before or "-", grade.grade_after or "-"
            )
        out.print(grid)
    for decision in comparison.roster:
        out.print(escape(f"roster {decision.change}: {decision.reason}"), highlight=False)


def lists_as_json(tables: Sequence[pipeline.ListTable]) -> str:
    return json.dumps(
        {table.list_id: {"title": table.title, "rows": table.frame.to_dicts()} for table in tables},
        ensure_ascii=False,
        default=_json_default,
        indent=2,
    )


LOADS_SHOWN_ONE_BY_ONE = 20


def render_loads(report: pipeline.IngestReport) -> None:
    """Each file when there are few; totals per layout and status when there are many."""
    numbers = ("read", "loaded", "rejected", "skipped")
    if not report.results:
        out.print("no files to load")
        return
    if len(report.results) <= LOADS_SHOWN_ONE_BY_ONE:
        grid = Table(title="files", title_justify="left")
        for column in ("file", "layout", "load", *numbers, "status"):
            grid.add_column(column, justify="right" if column in (*numbers, "load") else "left")
        for result in report.results:
            grid.add_row(
                result.source_file,
                result.layout or "",
                "" if result.load_id is None else str(result.load_id),
                *(f"{count:,}" for count in _counts(result)),
                result.status,
            )
    else:
        totals: dict[tuple[str, str], list[int]] = {}
        for result in report.results:
            key = (result.layout or "", result.status)
            counts = totals.setdefault(key, [0, 0, 0, 0, 0])
            counts[0] += 1
            for index, count in enumerate(_counts(result), start=1):
                counts[index] += count
        grid = Table(title=f"{len(report.results):,} files", title_justify="left")
        for column in ("layout", "status", "files", *numbers):
            grid.add_column(column, justify="left" if column in ("layout", "status") else "right")
        for (layout, status), counts in sorted(totals.items()):
            grid.add_row(layout, status, *(f"{count:,}" for count in counts))
    out.print(grid)
    for result in report.results:
        if result.status == "failed":
            err.print(f"[red]failed:[/] {result.source_file}: {result.error}", highlight=False)


def _counts(result: pipeline.LoadResult) -> tuple[int, int, int, int]:
    return result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped


def exit_for(report: pipeline.IngestReport) -> None:
    """Exit 2 when a file could not be loaded (1 when not for its content, e.g. a full
    disk), 3 when rows were rejected."""
    failed = {result.exit_code for result in report.results if result.status == "failed"}
    if failed:
        raise typer.Exit(int(ExitCode.FAILED if ExitCode.FAILED in failed else ExitCode.BAD_INPUT))
    if report.rows_rejected:
        err.print(f"[yellow]{report.rows_rejected:,} rows rejected: see raw.rejected_rows[/]")
        raise typer.Exit(int(ExitCode.ROWS_REJECTED))


DEMO_LISTS = (
    "county_top100",
    "enterprise_top100",
    "excellent_stores",
    "roster_promoted",
    "roster_removed",
)


@app.command()
@handles_errors
def demo(
    db: DbOption = DEFAULT_DB,
    out_dir: OutOption = Path("out"),
    year: YearOption = 2022,
    top: Annotated[int, typer.Option(help="Rows shown per list.", min=1)] = 10,
) -> None:
    """Run the main job on the bundled samples: load, build the marts, rank, export.

    Example: chuanhuo demo --db chuanhuo.duckdb --out out
    """
    report = pipeline.run_demo(db, out_dir, year=year)
    render_loads(report.ingest)
    render_lists([t for t in report.tables if t.list_id in DEMO_LISTS], top)
    out.print(f"wrote {len(report.written)} files to {out_dir}/ (workbook: {report.written[0]})")


# Files with more data rows than this get a progress bar.
PROGRESS_BAR_ROWS = 100_000


class RowProgress:
    """Draws the loader's progress(stage, done, total) as a bar, for big files only."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None:
            if total <= PROGRESS_BAR_ROWS:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        assert self.task is not None
        self.bar.update(self.task, description=f"rows {stage}", completed=done, total=total)
        if stage == "done":
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar, self.task = None, None


@app.command()
@handles_errors
def ingest(
    targets: Annotated[
        list[Path] | None, typer.Argument(help="Export files or folders.", show_default=False)
    ] = None,
    db: DbOption = DEFAULT_DB,
    inbox: Annotated[
        Path | None,
        typer.Option(
            help="Inbox folder <inbox>/<platform>/<store_id>/<file>: load everything, then "
            "move each file to <inbox>/archive/ or <inbox>/rejected/ with a .report.txt.",
        ),
    ] = None,
    platform: Annotated[str | None, typer.Option(help="Force the platform code.")] = None,
    store: Annotated[str | None, typer.Option(help="The store these files belong to.")] = None,
    layout: Annotated[str | None, typer.Option(help="Force a layout.")] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Validate and load platform exports; exit 3 when rows were rejected, 2 when a file failed.

    Example: chuanhuo ingest --platform tmall --store 12345678 ExportOrderList.csv

    Nightly batch: chuanhuo ingest --inbox /data/inbox --wait 600
    """
    if (inbox is None) == (not targets):
        raise typer.BadParameter("give export files or folders, or --inbox DIR (not both)")
    progress = RowProgress()
    try:
        if inbox is not None:
            if platform or store or layout:
                raise typer.BadParameter(
                    "--platform, --store and --layout come from the inbox folders with --inbox"
                )
            report = pipeline.ingest_inbox(db, inbox, wait_seconds=wait, progress=progress)
        else:
            report = pipeline.ingest_files(
                db,
                targets or [],
                platform=platform,
                store_id=store,
                layout=layout,
                wait_seconds=wait,
                progress=progress,
            )
    finally:
        progress.close()
    render_loads(report)
    exit_for(report)


@app.command()
@handles_errors
def nightly(
    inbox: Annotated[Path, typer.Option(help="Inbox folder <inbox>/<platform>/<store_id>/.")],
    db: DbOption = DEFAULT_DB,
    out_dir: OutOption = Path("out"),
    year: Annotated[
        int | None, typer.Option(help="Year to rank (default: the latest with sales).")
    ] = None,
    wait: WaitOption = 0.0,
) -> None:
    """The whole nightly chain: load the inbox, build, rank, export, report.

    Files are archived or rejected as `ingest --inbox` does; the chain goes on with
    what loaded, and exits 3 when rows were rejected, 2 when a file failed.

    Example (crontab): 0 2 * * * chuanhuo nightly --inbox /data/inbox --out /data/out --wait 600
    """
    progress = RowProgress()
    try:
        report = pipeline.run_nightly(
            db, inbox, out_dir, year=year, wait_seconds=wait, progress=progress
        )
    finally:
        progress.close()
    render_loads(report.ingest)
    render_build(report.build)
    out.print(
        f"ranked {report.year}: {len(report.ranking.promoted)} recommended, "
        f"{len(report.ranking.removed)} removed; wrote {len(report.written)} files to {out_dir}/"
    )
    exit_for(report.ingest)


@app.command()
@handles_errors
def registries(
    folder: Annotated[Path, typer.Argument(help="Folder of registry files (csv/xlsx).")],
    db: DbOption = DEFAULT_DB,
    wait: WaitOption = 0.0,
) -> None:
    """Load registries (企业库, 店铺, 四川好物库, 直播人才库) and the annual plans.

    Example: chuanhuo registries data/samples/registries
    """
    report = pipeline.load_reference_data(db, registries_dir=folder, wait_seconds=wait)
    render_loads(report)
    exit_for(report)


@app.command()
@handles_errors
def build(
    db: DbOption = DEFAULT_DB,
    full_refresh: Annotated[
        bool, typer.Option(help="Rebuild every model from the raw rows, not only new loads.")
    ] = False,
    target: TargetOption = Engine.duckdb,
    wait: WaitOption = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Build and test the dbt marts over what is loaded (on DuckDB, or on Spark).

    On DuckDB the sales facts take only the loads newer than the last build.

    Example: chuanhuo build --db chuanhuo.duckdb
    Example: chuanhuo build --full-refresh
    Example: chuanhuo build --target spark
    """
    with err.status(f"building the marts on {target.value}…"):
        summary = pipeline.build(
            db, full_refresh=full_refresh, target=target.value, wait_seconds=wait
        )
    if as_json:
        out.print_json(json.dumps(vars(summary), default=_json_default))
    else:
        render_build(summary)


def render_build(summary: pipeline.BuildSummary) -> None:
    out.print(
        f"built {summary.models} models and {summary.seeds} seeds and ran {summary.tests} "
        f"tests: {summary.passed} nodes passed, {summary.warned} warned, {summary.failed} "
        f"failed in {summary.seconds:.1f} s"
    )


@app.command()
@handles_errors
def docs(
    db: DbOption = DEFAULT_DB,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the site.")] = Path("out/docs"),
) -> None:
    """Write the marts' lineage and column docs (dbt docs) as a static site, offline.

    Example: chuanhuo docs --out out/docs
    """
    out.print(str(pipeline.docs(db, out_dir)))


@app.command()
@handles_errors
def rank(
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    rules: Annotated[Path | None, typer.Option(help="Rules file (default: the year's).")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="Show one list only.")] = None,
    top: Annotated[int | None, typer.Option(help="Rows shown per list.", min=1)] = 20,
    as_json: JsonOption = False,
    target: Annotated[
        Engine | None,
        typer.Option("--target", help="Rebuild the marts on this engine first, then rank."),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="With --rules: show what that file would change against the stored run; "
            "stores nothing.",
        ),
    ] = False,
) -> None:
    """Evaluate and rank a year by its rules file and print the lists.

    Example: chuanhuo rank --year 2022 --list county_top100 --top 10
    Example: chuanhuo rank --year 2022 --rules draft.yaml --compare
    """
    if compare:
        if rules is None:
            raise typer.BadParameter("--compare needs --rules FILE", param_hint="--compare")
        comparison = pipeline.compare(db, year, rules)
        if as_json:
            out.print_json(json.dumps(comparison.to_dict(), ensure_ascii=False))
        else:
            render_comparison(comparison)
        return
    if list_id is not None:
        # A misspelt list is refused before the year is ranked and stored.
        defined = pipeline.rule_lists(year, rules)
        if list_id.split(".")[0] not in defined:
            raise typer.BadParameter(
                f"no list {list_id!r} in {year}; the rules define: {', '.join(defined)}",
                param_hint="--list",
            )
    if target is not None:
        with err.status(f"building the marts on {target.value}…"):
            render_build(pipeline.build(db, target=target.value))
    with err.status(f"ranking {year}…"):
        _, all_tables = pipeline.rank(db, year, rules_path=rules)
    tables = all_tables
    if list_id is not None:
        tables = [table for table in all_tables if table.list_id == list_id]
        if not tables:
            known = ", ".join(table.list_id for table in all_tables)
            raise typer.BadParameter(
                f"no list {list_id!r} in {year}; the lists are: {known}", param_hint="--list"
            )
    if as_json:
        out.print_json(lists_as_json(tables))
    else:
        render_lists(tables, top)


@app.command()
@handles_errors
def explain(
    unit: Annotated[str, typer.Argument(help="Unit id (credit code, county code) or name.")],
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Why a unit ranked where it did: indicators, weights, score, grade, roster.

    Example: chuanhuo explain --year 2022 510522
    """
    explanation = pipeline.explain_unit(db, year, unit)
    if as_json:
        out.print_json(json.dumps(explanation.to_dict(), ensure_ascii=False, default=_json_default))
    else:
        out.print(explanation.to_text(), highlight=False)


@app.command()
@handles_errors
def export(
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    out_dir: OutOption = Path("out"),
) -> None:
    """Write the award workbook (xlsx, 万元), CSV for Excel and Parquet of a year's lists.

    Example: chuanhuo export --year 2022 --out out
    """
    written = pipeline.export(db, year, out_dir)
    for path in written:
        out.print(str(path))


@app.command()
@handles_errors
def report(
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    out_dir: OutOption = Path("out"),
) -> None:
    """Write the year's HTML report with charts: one file that opens offline.

    Example: chuanhuo report --year 2022 --out out
    """
    out.print(str(pipeline.report(db, year, out_dir)))


def _names(codes: Sequence[str], vocabulary: dict[str, str]) -> str:
    return "、".join(vocabulary.get(code, code) for code in codes) or "全部"


def _rate(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.2%}"


EVENT_PLAN_COLUMNS = (
    "编号",
    "活动",
    "时间（原文）",
    "起止",
    "地点",
    "平台",
    "产业带",
    "推定",
    "挂标",
)


def render_events(view: pipeline.EventsView) -> None:
    """The plan table, the months, the check against the aims, then each event's sales."""
    plan = Table(title=f"{view.year} 年度活动计划", title_justify="left")
    for column in EVENT_PLAN_COLUMNS:
        plan.add_column(column, justify="right" if column == "挂标" else "left")
    for event in view.events:
        plan.add_row(
            event.event_id,
            event.event_name,
            event.window_text,
            f"{event.start_date:%m-%d}..{event.end_date:%m-%d}"
            + (f" ({event.end_date.year})" if event.end_date.year != view.year else ""),
            event.place_text or f"({event.place_kind})",
            _names(event.platforms, PLATFORMS),
            _names(event.belts, BELTS),
            "、".join(event.inferred_fields),
            str(len(event.enrolled)),
        )
    out.print(plan)
    for month in view.months:
        aim = "*" if month.is_aim else " "
        shown = ", ".join(month.event_ids) or "—"
        out.print(f"  {month.month:>2}月{aim} {shown}", highlight=False)
    out.print("  (* a month the notice aims to fill)")
    if view.plan_problems is None:
        err.print(f"[yellow]no plan file for {view.year}: the notice's aims were not checked[/]")
    elif view.plan_problems:
        for problem in view.plan_problems:
            err.print(f"[yellow]plan:[/] {problem}", highlight=False)
    else:
        out.print(
            f"plan meets the notice's aims: {len(view.events)} activities "
            f"(at least {view.aims_min_activities}), every aimed month has one"
        )
    if not view.has_sales:
        out.print("event sales not built yet: load sales and run chuanhuo build")
        return
    results = Table(title="活动成效：活动期与活动前同等天数对比（万元）", title_justify="left")
    for column in (
        "编号",
        "天数",
        "净销售额",
        "活动前",
        "变化",
        "企业",
        "店铺",
        "挂标单位",
        "挂标且销售",
        "挂标单位净销售额",
    ):
        # a rate like +366.67% is never cut; the wide headers wrap instead
        results.add_column(
            column,
            justify="left" if column == "编号" else "right",
            no_wrap=column == "变化",
            min_width=9 if column == "变化" else None,
        )
    for event in view.events:
        result = event.result
        if result is None:
            continue
        results.add_row(
            event.event_id,
            str(result.window_days),
            _money(result.net_sales),
            _money(result.baseline_net_sales),
            _rate(result.net_sales_change_rate),
            str(result.enterprise_count),
            str(result.store_count),
            str(result.enrolled_count),
            str(result.joined_count),
            _money(result.enrolled_net_sales),
        )
    out.print(results)


@app.command()
@handles_errors
def events(
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """The year's events: the plan month by month, its check, enrolment and sales.

    Example: chuanhuo events --year 2022
    """
    view = pipeline.events(db, year)
    if as_json:
        out.print_json(json.dumps(view.to_dict(), ensure_ascii=False))
    else:
        render_events(view)


@app.command()
@handles_errors
def status(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Loads, rejected rows by reason, sales per year and ranked years at a glance.

    Example: chuanhuo status --db chuanhuo.duckdb
    """
    state = pipeline.status(db)
    if as_json:
        out.print_json(json.dumps(state.to_dict(), ensure_ascii=False, default=_json_default))
        return
    loads = Table(title="loads", title_justify="left")
    for column in ("kind", "files", "read", "loaded", "rejected", "skipped", "last load"):
        loads.add_column(column, justify="left" if column in ("kind", "last load") else "right")
    for row in state.loads:
        loads.add_row(
            row.kind,
            *(
                f"{count:,}"
                for count in (
                    row.files,
                    row.rows_read,
                    row.rows_loaded,
                    row.rows_rejected,
                    row.rows_skipped,
                )
            ),
            f"{row.last_loaded_at:%Y-%m-%d %H:%M}" if row.last_loaded_at else "",
        )
    out.print(loads)
    if state.rejects:
        rejects = Table(title="rejected rows by reason", title_justify="left")
        for column in ("reason", "rows", "files"):
            rejects.add_column(column, justify="left" if column == "reason" else "right")
        for reason in state.rejects:
            rejects.add_row(reason.reason_code, f"{reason.rows:,}", f"{reason.files:,}")
        out.print(rejects)
    if not state.marts_built:
        out.print("marts not built yet: run chuanhuo build")
        return
    sales = Table(title="sales per year（万元）", title_justify="left")
    for column in ("year", "gmv", "refund", "net sales", "not attributed"):
        sales.add_column(column, justify="right")
    for year in state.sales:
        sales.add_row(
            str(year.year),
            _money(year.gmv),
            _money(year.refund),
            _money(year.net_sales),
            _money(year.unattributed_net_sales),
        )
    out.print(sales)
    ranked = ", ".join(str(year) for year in state.ranked_years) or "none"
    out.print(f"ranked years: {ranked}")


@app.command()
@handles_errors
def rejects(
    db: DbOption = DEFAULT_DB,
    source_file: Annotated[
        str | None, typer.Option("--file", help="Only this file's rows (its name).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows shown.", min=1)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Rejected rows, newest load first: file, row number, column and reason.

    Example: chuanhuo rejects --file ExportOrderList202201031200.csv
    """
    rows = pipeline.rejects(db, source_file=source_file, limit=limit)
    if as_json:
        out.print_json(json.dumps([vars(row) for row in rows], ensure_ascii=False))
        return
    if not rows:
        out.print("no rejected rows")
        return
    grid = Table(title="rejected rows", title_justify="left")
    for column in ("load", "file", "row", "column", "reason code", "reason"):
        grid.add_column(column, justify="right" if column in ("load", "row") else "left")
    for row in rows:
        grid.add_row(
            str(row.load_id),
            row.source_file,
            "" if row.source_row is None else str(row.source_row),
            row.column_name or "",
            row.reason_code,
            row.reason,
        )
    out.print(grid)


if __name__ == "__main__":
    app()
