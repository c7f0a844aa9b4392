"""chuanhuo's command line: parse options, call one pipeline function, render the result.

No logic lives here. Errors of the ChuanhuoError family are shown as a message
with a hint and the documented exit code (warehouse.errors.ExitCode); logging is
configured here, once, for every layer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

import pipeline
from exports.cells import to_wan
from warehouse import paths
from warehouse.errors import ChuanhuoError, ExitCode

app = typer.Typer(
    help="川货电商节 sales warehouse: load platform exports, build marts, rank, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

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
WaitOption = Annotated[
    float, typer.Option("--wait", help="Seconds to wait for a running load to finish.")
]


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
    )
    for noisy in ("dbt", "fsspec", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
    """Exit 2 when a file could not be loaded, 3 when rows were rejected."""
    if report.files_failed:
        raise typer.Exit(int(ExitCode.BAD_INPUT))
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
    top: Annotated[int, typer.Option(help="Rows shown per list.")] = 10,
) -> None:
    """Run the main job on the bundled samples: load, build the marts, rank, export.

    Example: chuanhuo demo --db chuanhuo.duckdb --out out
    """
    report = pipeline.run_demo(db, out_dir, year=year)
    render_loads(report.ingest)
    render_lists([t for t in report.tables if t.list_id in DEMO_LISTS], top)
    out.print(f"wrote {len(report.written)} files to {out_dir}/ (workbook: {report.written[0]})")


@app.command()
@handles_errors
def ingest(
    targets: Annotated[list[Path], typer.Argument(help="Export files or folders.")],
    db: DbOption = DEFAULT_DB,
    platform: Annotated[str | None, typer.Option(help="Force the platform code.")] = None,
    store: Annotated[str | None, typer.Option(help="The store these files belong to.")] = None,
    layout: Annotated[str | None, typer.Option(help="Force a layout.")] = None,
    wait: WaitOption = 0.0,
) -> None:
    """Validate and load platform export files; exit 3 when rows were rejected.

    Example: chuanhuo ingest --platform tmall --store 12345678 ExportOrderList.csv
    """
    report = pipeline.ingest_files(
        db, targets, platform=platform, store_id=store, layout=layout, wait_seconds=wait
    )
    render_loads(report)
    exit_for(report)


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
    full_refresh: Annotated[bool, typer.Option(help="Rebuild every model.")] = False,
) -> None:
    """Build and test the dbt marts over what is loaded.

    Example: chuanhuo build --db chuanhuo.duckdb
    """
    summary = pipeline.build(db, full_refresh=full_refresh)
    out.print(f"dbt build: {summary}")


@app.command()
@handles_errors
def rank(
    year: YearOption,
    db: DbOption = DEFAULT_DB,
    rules: Annotated[Path | None, typer.Option(help="Rules file (default: the year's).")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="Show one list only.")] = None,
    top: Annotated[int | None, typer.Option(help="Rows shown per list.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Evaluate and rank a year by its rules file and print the lists.

    Example: chuanhuo rank --year 2022 --list county_top100 --top 10
    """
    _, tables = pipeline.rank(db, year, rules_path=rules)
    if list_id is not None:
        tables = [table for table in tables if table.list_id == list_id]
        if not tables:
            raise typer.BadParameter(f"no list {list_id!r} in {year}", param_hint="--list")
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


if __name__ == "__main__":
    app()
