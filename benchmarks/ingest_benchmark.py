"""How fast and in how much memory a big Tmall order report is ingested, against DuckDB's own.

Generates a Tmall 订单报表 export (UTF-8, and a GBK copy) of --rows orders, then
times, each in a fresh child process so peak memory is its own:

- the baseline: DuckDB's read_csv of the UTF-8 file into a table whose columns are
  the layout's, cast to explicit types (what a bare load costs, with no checks);
- our validated ingest of the UTF-8 file (ingest.loader.load_file);
- our validated ingest of the GBK file.

It prints rows/s, CPU seconds, peak RSS and each ingest's ratio to the baseline, against the
targets (UTF-8 at least 0.5 of the baseline, GBK at least 0.33). A script, not a
test: its figures depend on the machine and on whatever else it runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_exports import transcode, write_tmall_orders
from measure import cpu_seconds, peak_mib

log = logging.getLogger("ingest_benchmark")

TARGETS = {"utf8": 0.5, "gbk": 0.33}
BASELINE_SQL = """
create table orders as
select
    trim(replace(replace("订单编号", '="', ''), '"', '')) as order_id,
    cast(replace("总金额", ',', '') as decimal(18, 2)) as total,
    cast(replace("买家实际支付金额", ',', '') as decimal(18, 2)) as paid_amount,
    cast(replace("退款金额", ',', '') as decimal(18, 2)) as refund,
    try_strptime(nullif(trim("订单付款时间"), ''), '%Y-%m-%d %H:%M:%S') as paid_at,
    cast("宝贝总数量" as integer) as quantity,
    "宝贝标题" as product_name,
    "订单状态" as order_status
from read_csv(?, header = true, all_varchar = true)
"""


def run_baseline(csv_path: Path, db_path: Path) -> dict[str, float]:
    import duckdb

    started, cpu_started = time.perf_counter(), cpu_seconds()
    con = duckdb.connect(str(db_path))
    con.execute(BASELINE_SQL, [str(csv_path)])
    (rows,) = con.execute("select count(*) from orders").fetchall()[0]
    con.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "rows": rows,
        "peak_mib": peak_mib(),
    }


def run_ingest(csv_path: Path, db_path: Path) -> dict[str, float]:
    from ingest.loader import load_file
    from warehouse.db import warehouse

    started, cpu_started = time.perf_counter(), cpu_seconds(children=True)
    with warehouse(db_path) as con:
        result = load_file(con, csv_path, platform="tmall", store_id="bench")
    if result.rows_loaded != result.rows_read:
        raise SystemExit(f"{csv_path.name}: {result.rows_rejected} rows rejected, expected none")
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds(children=True) - cpu_started,
        "rows": result.rows_loaded,
        "peak_mib": peak_mib(),
    }


def _child(kind: str, csv_path: Path, scratch: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and read its JSON line."""
    db_path = scratch / f"{kind}-{csv_path.stem}.duckdb"
    db_path.unlink(missing_ok=True)
    outcome = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(csv_path), str(db_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if outcome.returncode != 0:
        raise SystemExit(f"{kind} of {csv_path.name} failed:\n{outcome.stderr}")
    db_path.unlink(missing_ok=True)
    return json.loads(outcome.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--folder", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the exports a previous run left in --folder (same --rows) instead of "
        "generating them again",
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CSV", "DB"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        kind, csv_path, db_path = arguments.child
        runner = run_baseline if kind == "baseline" else run_ingest
        print(json.dumps(runner(Path(csv_path), Path(db_path))))
        return

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="chuanhuo-bench-") as default_scratch:
        scratch = arguments.folder or Path(default_scratch)
        # The inbox shape gives the files their platform and store, as in production.
        folder = scratch / "inbox" / "tmall" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        utf8, gbk = folder / "tmall_orders_utf8.csv", folder / "tmall_orders_gbk.csv"
        if not (arguments.reuse and utf8.exists() and gbk.exists()):
            started = time.perf_counter()
            write_tmall_orders(utf8, arguments.rows)
            transcode(utf8, gbk)
            log.info("generated %d rows in %.0f s", arguments.rows, time.perf_counter() - started)

        runs = {
            "baseline": _child("baseline", utf8, scratch),
            "utf8": _child("ingest", utf8, scratch),
            "gbk": _child("ingest", gbk, scratch),
        }
    if any(run["rows"] != arguments.rows for run in runs.values()):
        raise SystemExit(f"the exports in {scratch} do not hold {arguments.rows:,} rows")
    baseline_rate = runs["baseline"]["rows"] / runs["baseline"]["seconds"]
    lines = [
        f"{'run':<9}{'rows':>11}{'seconds':>9}{'cpu s':>8}{'rows/s':>11}{'peak MiB':>10}  ratio"
    ]
    for name, run in runs.items():
        rate = run["rows"] / run["seconds"]
        ratio = rate / baseline_rate
        verdict = ""
        if name in TARGETS:
            met = "met" if ratio >= TARGETS[name] else "NOT met"
            verdict = f"{ratio:.3f} (target >= {TARGETS[name]}: {met})"
        lines.append(
            f"{name:<9}{run['rows']:>11,}{run['seconds']:>9.1f}{run['cpu_seconds']:>8.1f}{rate:>11,.0f}"
            f"{run['peak_mib']:>10,.0f}  {verdict}"
        )
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
