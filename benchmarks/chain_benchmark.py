"""The whole chain at provincial scale: every layout, skewed stores, timed stage by stage.

    python benchmarks/chain_benchmark.py --order-lines 5000000 --work DIR --generate-only
    python benchmarks/chain_benchmark.py --order-lines 5000000 --work DIR [--history FILE]

The first command writes the exports (benchmarks/generate_exports.py: every
supported layout, GBK and UTF-8, csv and xlsx, stores of skewed sizes, registries,
and manifest.json with the generator's own totals). The second reuses them when
DIR already holds the same size (so a size's timed command is the chain, not the
generation), or generates them first. `--lines-per-store K` keeps the old uniform
stores of K lines; `--only-tmall` the old Tmall-only mix.

Then, each in a fresh child process so its memory figures are its own, it runs:

- the chain through the library, one process as `chuanhuo nightly` would be:
  pipeline.load_reference_data, pipeline.ingest_files once per inbox folder
  `<work>/inbox/<layout>-<utf8|gbk|xlsx>/` (so each layout and encoding has its own
  line, loaded as the nightly job loads a folder), pipeline.build, pipeline.rank(db, 2022),
  pipeline.export; each stage's wall time, CPU seconds (user + system, this
  process and its children: steadier than wall time on a shared machine), rows/s
  and peak RSS (VmHWM, reset between stages through /proc/self/clear_refs);
- DuckDB's own read_csv of the same csv files into a typed table, the columns each
  layout reads cast as it casts them (for GBK files, of their UTF-8 copies: DuckDB's
  reader takes UTF-8 only); xlsx files have no DuckDB baseline;
- when N <= 1,000,000 and pandas is installed, a straightforward pandas load of the
  same csv files (read_csv in their own encodings, the layout's columns converted,
  concatenated per layout, inserted into DuckDB).

It checks that every file loaded with no rejected row and that marts.fct_sales holds
exactly the generator's totals per platform (rows at store x product x day, gmv,
refund, quantity), then prints one table with each issue-8 target and whether it is
met; the 20-million-line targets are judged on a linear projection below 20M. With
--history it appends the run to a JSON-lines file and prints how time and memory
grow across the sizes recorded there. It exits non-zero on any failed file,
rejected row or totals mismatch. A script, not a test: its figures depend on the
machine and on whatever else runs on it. It never touches anything outside --work.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(REPO))

from generate_exports import FEEDS, MANIFEST_FORMAT, ONLY_TMALL, YEAR, generate  # noqa: E402
from measure import cpu_seconds, peak_mib, reset_peak  # noqa: E402

log = logging.getLogger("chain_benchmark")

PANDAS_LIMIT = 1_000_000
PROVINCIAL_LINES = 20_000_000
CHAIN_SECONDS_TARGET = 600
CHAIN_MIB_TARGET = 6 * 1024
INGEST_TARGETS = {"utf8": 0.5, "gbk": 0.33}
PANDAS_TARGET = 3.0
CHECKED = ("fct_rows", "gmv", "refund", "quantity")


def groups(manifest: dict) -> dict[str, list[dict]]:
    """The manifest's files by inbox (`<layout>-<utf8|gbk|xlsx>`), in a fixed order."""
    found: dict[str, list[dict]] = {}
    for entry in manifest["files"]:
        found.setdefault(entry["group"], []).append(entry)
    return dict(sorted(found.items()))


def _timed(stages: list[dict], name: str, job: Callable[[], Any], rows: int) -> Any:
    reset_peak()
    cpu = cpu_seconds(children=True)
    started = time.perf_counter()
    outcome = job()
    seconds = time.perf_counter() - started
    stages.append(
        {
            "stage": name,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds(children=True) - cpu,
            "rows": rows,
            "peak_mib": peak_mib(),
        }
    )
    log.info("%s: %.1f s", name, seconds)
    return outcome


# --- the measured runs (each in a child process) -----------------------------------------


def run_chain(work: Path) -> dict[str, object]:
    import duckdb

    import pipeline

    manifest = json.loads((work / "manifest.json").read_text())
    db_path = work / "chain.duckdb"
    db_path.unlink(missing_ok=True)
    stages: list[dict] = []
    order_lines = manifest["order_lines"]
    report = _timed(
        stages,
        "reference",
        lambda: pipeline.load_reference_data(db_path, registries_dir=work / "registries"),
        0,
    )
    stages[-1]["rows"] = report.rows_loaded
    problems = []
    for key, entries in groups(manifest).items():
        # one inbox folder per call, loaded as the nightly job loads a folder
        report = _timed(
            stages,
            f"ingest {key}",
            lambda key=key: pipeline.ingest_files(db_path, [work / "inbox" / key]),
            sum(entry["rows"] for entry in entries),
        )
        stages[-1]["loaded"] = report.rows_loaded
        stages[-1]["files"] = len(entries)
        for result in report.results:
            if result.status == "failed" or result.rows_rejected:
                problems.append(
                    f"{result.source_file} ({result.layout}): {result.status}, "
                    f"{result.rows_rejected} rows rejected {result.error or ''}"
                )
    slowest = _record_node_times()
    _timed(stages, "build", lambda: pipeline.build(db_path), order_lines)
    _timed(stages, "rank", lambda: pipeline.rank(db_path, YEAR), order_lines)
    _timed(
        stages,
        "export",
        lambda: pipeline.export(db_path, YEAR, work / "out", rank_first=False),
        order_lines,
    )
    con = duckdb.connect(str(db_path), read_only=True)
    marts = {
        platform_code: {
            "fct_rows": rows,
            "gmv": str(gmv),
            "refund": str(refund),
            "quantity": quantity,
            "unattributed": unattributed,
        }
        for platform_code, rows, gmv, refund, quantity, unattributed in con.execute(
            "select platform, count(*), sum(gmv), sum(refund), sum(quantity),"
            " count(*) filter (where not is_attributed) from marts.fct_sales group by platform"
        ).fetchall()
    }
    reasons = con.execute(
        "select reason_code, count(*) from raw.rejected_rows group by 1 order by 2 desc limit 5"
    ).fetchall()
    con.close()
    return {
        "stages": stages,
        "marts": marts,
        "problems": problems,
        "reasons": reasons,
        "slowest_nodes": sorted(slowest, key=lambda node: -node[1])[:8],
    }


def _record_node_times() -> list[tuple[str, float]]:
    """A list that the next dbt build fills with (node, seconds), to say where it spends.

    warehouse.dbt exposes only the build's total; this wraps its private summariser
    in this benchmark process alone, reading the result and changing nothing.
    """
    from warehouse import dbt

    times: list[tuple[str, float]] = []
    summarise = dbt._summarise

    def recording(execution: Any, *rest: Any, **named: Any) -> Any:
        for result in getattr(execution, "results", None) or []:
            name = result.node.unique_id.split(".")[2][:48]  # test names end in a hash
            times.append((name, float(result.execution_time or 0.0)))
        return summarise(execution, *rest, **named)

    dbt._summarise = recording
    return times


# How the baselines read each kind of cell: what the layout's cleaner does, in DuckDB SQL.
_DUCKDB_CASTS = {
    "id": "trim(replace(replace(replace({c}, '=\"', ''), '\"', ''), chr(9), ''))",
    "text": "{c}",
    "money": "try_cast(replace(replace({c}, ',', ''), chr(9), '') as decimal(18, 2))",
    "integer": "try_cast({c} as integer)",
    "timestamp": "try_strptime(nullif(nullif(trim({c}), ''), '-'), '%Y-%m-%d %H:%M:%S')",
    "date": "try_cast(nullif(trim({c}), '-') as date)",
}


def layout_columns(layout_name: str, feed_name: str) -> list[tuple[str, str, str]]:
    """(header as written, field key, kind) of the columns a layout reads from a feed's files."""
    from ingest.cells import normalise_header
    from ingest.layouts import LAYOUTS

    written = {normalise_header(name): name for name in FEEDS[feed_name].header}
    found = []
    for item in LAYOUTS[layout_name].fields:
        for alias in item.aliases:
            if normalise_header(alias) in written:
                found.append((written[normalise_header(alias)], item.key, item.kind))
                break
    return found


def _quoted(header: str) -> str:
    """A header as a DuckDB identifier: read_csv trims the spaces Taobao leaves after names."""
    return '"' + header.strip().replace('"', '""') + '"'


def run_duckdb_baseline(work: Path) -> dict[str, dict]:
    import duckdb

    manifest = json.loads((work / "manifest.json").read_text())
    measured = {}
    for key, entries in groups(manifest).items():
        if key.endswith("xlsx"):
            continue
        columns = layout_columns(entries[0]["layout"], entries[0]["feed"])
        select = ",\n    ".join(
            _DUCKDB_CASTS[kind].format(c=_quoted(header)) + f" as {name}"
            for header, name, kind in columns
        )
        sql = (
            f"create table rows_read as select\n    {select}\n"
            "from read_csv(?, header = true, all_varchar = true)"
        )
        db_path = work / "baseline-duckdb.duckdb"
        db_path.unlink(missing_ok=True)
        cpu = cpu_seconds(children=True)
        started = time.perf_counter()
        con = duckdb.connect(str(db_path))
        con.execute(sql, [[entry["utf8_path"] for entry in entries]])
        (rows,) = con.execute("select count(*) from rows_read").fetchone()
        con.close()
        measured[key] = {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": cpu_seconds(children=True) - cpu,
            "rows": rows,
            "peak_mib": peak_mib(),
        }
        db_path.unlink(missing_ok=True)
    return measured


def run_pandas_baseline(work: Path) -> dict[str, dict]:
    """What an analyst's script does: read each file, convert the columns, concat, insert."""
    import duckdb
    import pandas as pd

    manifest = json.loads((work / "manifest.json").read_text())
    measured = {}
    for key, entries in groups(manifest).items():
        if key.endswith("xlsx"):
            continue
        columns = layout_columns(entries[0]["layout"], entries[0]["feed"])
        wanted = {header for header, _, _ in columns}
        db_path = work / "baseline-pandas.duckdb"
        db_path.unlink(missing_ok=True)
        cpu = cpu_seconds(children=True)
        started = time.perf_counter()
        frames = []
        for entry in entries:
            frame = pd.read_csv(
                entry["path"], encoding=entry["encoding"], dtype=str, usecols=sorted(wanted)
            )
            for header, name, kind in columns:
                cells = frame.pop(header)
                if kind == "id":
                    cells = cells.str.strip('="\t')
                elif kind == "money":
                    cells = pd.to_numeric(cells.str.replace(",", ""), errors="coerce")
                elif kind == "integer":
                    cells = pd.to_numeric(cells, errors="coerce")
                elif kind in ("timestamp", "date"):
                    cells = pd.to_datetime(cells, errors="coerce", format="ISO8601")
                frame[name] = cells
            frame["store_id"] = entry["store_id"]
            frames.append(frame)
        loaded = pd.concat(frames, ignore_index=True)
        con = duckdb.connect(str(db_path))
        con.register("loaded", loaded)
        con.execute("create table rows_read as select * from loaded")
        (rows,) = con.execute("select count(*) from rows_read").fetchone()
        con.close()
        measured[key] = {
            "seconds": time.perf_counter() - started,
            "cpu_seconds": cpu_seconds(children=True) - cpu,
            "rows": rows,
            "peak_mib": peak_mib(),
        }
        db_path.unlink(missing_ok=True)
    return measured


CHILDREN: dict[str, Callable[[Path], dict]] = {
    "chain": run_chain,
    "duckdb": run_duckdb_baseline,
    "pandas": run_pandas_baseline,
}


def _child(kind: str, work: Path) -> dict:
    """Run one measurement in a fresh interpreter and read the JSON line it prints last."""
    outcome = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--work", str(work)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    if outcome.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{outcome.stderr[-4000:]}")
    return json.loads(outcome.stdout.strip().splitlines()[-1])


# --- the report --------------------------------------------------------------------------


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _line(name: str, rows: int, seconds: float, cpu: float, peak: float | None, note: str) -> str:
    peak_text = f"{peak:>9,.0f}" if peak is not None else f"{'':>9}"
    return (
        f"{name:<34}{rows:>11,}{seconds:>8.1f}{cpu:>8.1f}{rows / max(seconds, 1e-9):>12,.0f}"
        f"{peak_text}  {note}"
    ).rstrip()


def _sum(runs: list[dict], name: str) -> float:
    return sum(run[name] for run in runs)


def render_stages(chain: dict, duck: dict, pandas: dict | None) -> tuple[list[str], dict]:
    """The per-stage table and the figures the verdicts need."""
    stages = chain["stages"]
    lines = [f"{'stage':<34}{'rows':>11}{'wall s':>8}{'CPU s':>8}{'rows/s':>12}{'peak MiB':>9}"]
    by_class: dict[str, list[dict]] = {"utf8": [], "gbk": [], "xlsx": []}
    for stage in stages:
        note = ""
        name = stage["stage"]
        if name.startswith("ingest "):
            key = name.removeprefix("ingest ")
            by_class[key.rsplit("-", 1)[1]].append(stage)
            note = f"{stage['files']:,} files"
            if key in duck:
                base = duck[key]
                ratio = (stage["rows"] / stage["seconds"]) / (base["rows"] / base["seconds"])
                note += f"; {ratio:.2f} of DuckDB raw ({base['rows'] / base['seconds']:,.0f}/s)"
        lines.append(
            _line(
                name, stage["rows"], stage["seconds"], stage["cpu_seconds"], stage["peak_mib"], note
            )
        )
    figures: dict[str, float] = {}
    for kind in ("utf8", "gbk"):
        ours = by_class[kind]
        keys = [stage["stage"].removeprefix("ingest ") for stage in ours]
        bases = [duck[key] for key in keys if key in duck]
        if not ours or not bases:
            continue
        rate = _sum(ours, "rows") / _sum(ours, "seconds")
        base_rate = _sum(bases, "rows") / _sum(bases, "seconds")
        figures[kind] = rate / base_rate
        target = INGEST_TARGETS[kind]
        lines.append(
            _line(
                f"ingest {kind} csv, all layouts",
                int(_sum(ours, "rows")),
                _sum(ours, "seconds"),
                _sum(ours, "cpu_seconds"),
                None,
                f"{figures[kind]:.3f} of DuckDB raw {base_rate:,.0f}/s "
                f"(target >= {target}: {_verdict(figures[kind] >= target)})",
            )
        )
    ingests = [stage for stage in stages if stage["stage"].startswith("ingest ")]
    note = ""
    if pandas:
        csv_stages = [s for s in ingests if not s["stage"].endswith("xlsx")]
        ours = _sum(csv_stages, "rows") / _sum(csv_stages, "seconds")
        theirs = _sum(list(pandas.values()), "rows") / _sum(list(pandas.values()), "seconds")
        figures["pandas"] = ours / theirs
        note = (
            f"csv: {figures['pandas']:.2f}x pandas {theirs:,.0f}/s "
            f"(target >= {PANDAS_TARGET}x: {_verdict(figures['pandas'] >= PANDAS_TARGET)})"
        )
    lines.append(
        _line(
            "ingest, all",
            int(_sum(ingests, "rows")),
            _sum(ingests, "seconds"),
            _sum(ingests, "cpu_seconds"),
            max(stage["peak_mib"] for stage in ingests),
            note,
        )
    )
    return lines, figures


def check_totals(chain: dict, manifest: dict) -> tuple[list[str], bool]:
    """fct_sales per platform against the generator's totals, to the fen."""
    lines, same = [], True
    marts = chain["marts"]
    for code, want in sorted(manifest["by_platform"].items()):
        got = marts.get(code, {"fct_rows": 0, "gmv": "0", "refund": "0", "quantity": 0})
        wrong = [
            f"{name} {got[name]} (generator {want[name]})"
            for name in CHECKED
            if Decimal(str(got[name])) != Decimal(str(want[name]))
        ]
        if got.get("unattributed"):
            wrong.append(f"{got['unattributed']} unattributed rows")
        same = same and not wrong
        lines.append(
            f"fct_sales {code:<11} rows {got['fct_rows']:>10,} gmv {got['gmv']:>17} "
            f"refund {got['refund']:>15} quantity {got['quantity']:>11,}  "
            + ("ok" if not wrong else "MISMATCH: " + "; ".join(wrong))
        )
    extra = sorted(set(marts) - set(manifest["by_platform"]))
    if extra:
        same = False
        lines.append(f"fct_sales has platforms the generator never wrote: {extra} MISMATCH")
    for stage in chain["stages"]:
        if "loaded" in stage and stage["loaded"] != stage["rows"]:
            lines.append(f"{stage['stage']}: {stage['loaded']:,} of {stage['rows']:,} loaded")
            same = False
    for problem in chain["problems"][:20]:
        lines.append(f"FAILED FILE {problem}")
    if chain["problems"]:
        same = False
        lines.append(f"rejected rows by reason: {chain['reasons']}")
    return lines, same


def render(
    manifest: dict, chain: dict, duck: dict, pandas: dict | None, commit: str
) -> tuple[str, bool, dict]:
    """The printed report, whether every correctness check held, and the run's summary."""
    order_lines = manifest["order_lines"]
    lines = [
        f"{order_lines:,} order lines, {manifest['stores']:,} stores, "
        f"{len(manifest['files']):,} files (generated in {manifest['seconds']:.0f} s); "
        f"commit {commit}; {os.cpu_count()} cores, {platform.machine()}"
    ]
    stage_lines, figures = render_stages(chain, duck, pandas)
    lines += stage_lines
    stages = chain["stages"]
    chain_seconds = _sum(stages, "seconds")
    chain_cpu = _sum(stages, "cpu_seconds")
    chain_peak = max(stage["peak_mib"] for stage in stages)
    lines.append(_line("whole chain", order_lines, chain_seconds, chain_cpu, chain_peak, ""))
    for name, runs in (("DuckDB", duck), ("pandas", pandas or {})):
        if runs:
            values = list(runs.values())
            lines.append(
                _line(
                    f"base {name} read_csv, csv files",
                    int(_sum(values, "rows")),
                    _sum(values, "seconds"),
                    _sum(values, "cpu_seconds"),
                    max(run["peak_mib"] for run in values),
                    "",
                )
            )
    if pandas is None:
        lines.append(f"(no pandas baseline: pandas missing or N > {PANDAS_LIMIT:,})")
    if order_lines < PROVINCIAL_LINES:
        projected = chain_seconds * PROVINCIAL_LINES / order_lines
        lines.append(
            f"20M-line chain, projected linearly from {order_lines:,} (fixed costs scaled too, "
            f"so an upper bound): {projected:.0f} s (target < {CHAIN_SECONDS_TARGET} s: "
            f"{_verdict(projected < CHAIN_SECONDS_TARGET)}); peak here {chain_peak:,.0f} MiB "
            "(memory target judged at 20M)"
        )
    else:
        lines.append(
            f"{order_lines:,}-line chain: {chain_seconds:.0f} s (target < {CHAIN_SECONDS_TARGET}"
            f" s: {_verdict(chain_seconds < CHAIN_SECONDS_TARGET)}); peak {chain_peak:,.0f} MiB "
            f"(target < {CHAIN_MIB_TARGET:,}: {_verdict(chain_peak < CHAIN_MIB_TARGET)})"
        )
    nodes = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in chain["slowest_nodes"])
    lines.append(f"build, slowest dbt nodes: {nodes}")
    total_lines, correct = check_totals(chain, manifest)
    lines += total_lines
    summary = {
        "order_lines": order_lines,
        "stores": manifest["stores"],
        "files": len(manifest["files"]),
        "commit": commit,
        "seconds": round(chain_seconds, 1),
        "cpu_seconds": round(chain_cpu, 1),
        "peak_mib": round(chain_peak),
        "stages": {
            s["stage"]: [round(s["seconds"], 1), round(s["cpu_seconds"], 1)] for s in stages
        },
        "figures": {key: round(value, 3) for key, value in figures.items()},
        "correct": correct,
    }
    return "\n".join(lines), correct, summary


def growth(history: Path) -> str:
    """How time and memory grow across the sizes recorded in `history` (last run per size)."""
    runs: dict[int, dict] = {}
    for line in history.read_text().splitlines():
        if line.strip():
            run = json.loads(line)
            runs[run["order_lines"]] = run
    lines = [
        f"{'order lines':>12}{'files':>7}{'wall s':>8}{'CPU s':>8}{'peak MiB':>9}"
        f"{'s per M':>9}{'x lines':>8}{'x wall':>8}{'x CPU':>7}{'x peak':>7}  commit"
    ]
    previous = None
    for size in sorted(runs):
        run = runs[size]
        ratios = "" if previous is None else (
            f"{size / previous['order_lines']:>8.1f}{run['seconds'] / previous['seconds']:>8.2f}"
            f"{run['cpu_seconds'] / previous['cpu_seconds']:>7.2f}"
            f"{run['peak_mib'] / previous['peak_mib']:>7.2f}"
        )  # fmt: skip
        lines.append(
            f"{size:>12,}{run['files']:>7,}{run['seconds']:>8.0f}{run['cpu_seconds']:>8.0f}"
            f"{run['peak_mib']:>9,}{run['seconds'] / size * 1e6:>9.1f}"
            f"{ratios or '':<30}  {run['commit']}"
        )
        previous = run
    return "\n".join(lines)


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        )
    except OSError:
        found = None
    if found is not None and found.returncode == 0:
        return found.stdout.strip()
    return os.environ.get("CHUANHUO_COMMIT", "unknown")


def prepared(work: Path, arguments: argparse.Namespace) -> dict:
    """The manifest of the exports in `work`, generating them unless they already match."""
    uniform = arguments.lines_per_store is not None
    mean = arguments.lines_per_store or arguments.mean_lines_per_store
    wanted = {"format": MANIFEST_FORMAT, "order_lines": arguments.order_lines}
    wanted |= {"mean_lines_per_store": mean}
    wanted |= {"uniform": uniform, "seed": arguments.seed}
    path = work / "manifest.json"
    if path.exists() and not arguments.regenerate:
        manifest = json.loads(path.read_text())
        if all(manifest.get(key) == value for key, value in wanted.items()):
            log.info("reusing the exports in %s (generated in %.0f s)", work, manifest["seconds"])
            return manifest
    cpu = cpu_seconds(children=True)
    manifest = generate(
        work,
        arguments.order_lines,
        mean_lines_per_store=mean,
        uniform=uniform,
        seed=arguments.seed,
        feeds=ONLY_TMALL if arguments.only_tmall else None,
    )
    manifest_cpu = cpu_seconds(children=True) - cpu
    size = sum(Path(entry["path"]).stat().st_size for entry in manifest["files"]) / 2**20
    sys.stdout.write(
        f"generated {manifest['order_lines']:,} rows, {manifest['stores']:,} stores, "
        f"{len(manifest['files']):,} files, {size:,.0f} MiB in {manifest['seconds']:.0f} s "
        f"wall, {manifest_cpu:.0f} s CPU "
        f"({manifest['order_lines'] / manifest['seconds']:,.0f} rows/s)\n"
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order-lines", type=int, default=1_000_000)
    parser.add_argument("--mean-lines-per-store", type=int, default=10_000)
    parser.add_argument("--lines-per-store", type=int, help="uniform stores of this many lines")
    parser.add_argument("--only-tmall", action="store_true", help="the old Tmall-only mix")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--regenerate", action="store_true", help="even if --work matches")
    parser.add_argument("--history", type=Path, help="JSON-lines file of runs to compare")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if arguments.child else logging.INFO)
    if arguments.child:
        print(json.dumps(CHILDREN[arguments.child](arguments.work)))
        return
    with tempfile.TemporaryDirectory(prefix="chuanhuo-chain-") as default_work:
        work = arguments.work or Path(default_work)
        work.mkdir(parents=True, exist_ok=True)
        manifest = prepared(work, arguments)
        if arguments.generate_only:
            return
        duck = _child("duckdb", work)
        pandas = None
        if manifest["order_lines"] <= PANDAS_LIMIT:
            try:
                import pandas as _  # noqa: F401
            except ImportError:
                log.warning("pandas is not installed: no pandas baseline")
            else:
                pandas = _child("pandas", work)
        chain = _child("chain", work)
        table, correct, summary = render(manifest, chain, duck, pandas, _commit())
        sys.stdout.write(table + "\n")
        if arguments.history:
            with arguments.history.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(summary) + "\n")
            sys.stdout.write(growth(arguments.history) + "\n")
    if not correct:
        raise SystemExit("failed files, rejected rows or totals mismatch: see above")


if __name__ == "__main__":
    main()
