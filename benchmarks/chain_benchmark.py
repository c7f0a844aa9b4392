"""The whole chain at provincial scale: N Tmall order lines over many stores, timed stage by stage.

    python benchmarks/chain_benchmark.py --order-lines 1000000 [--work DIR]

Generates Tmall 订单报表 exports for N order lines spread over stores of
--lines-per-store lines each (default 5,000), filed in an inbox as
`<work>/inbox/tmall/<store_id>/`: 70% of the stores send GBK files (what the back
office downloads), 30% UTF-8 ones. Beside them it writes the registries of those
stores for 2022 (企业库 and 店铺 CSVs, two stores per enterprise, valid credit codes,
enterprises spread over Sichuan's 183 counties from dbt_project/seeds/divisions.csv),
so the marts attribute every sale.

Then, each in a fresh child process so memory figures are its own, it runs:

- the chain through the library, one process as `chuanhuo nightly` would be:
  pipeline.load_reference_data, pipeline.ingest_files (UTF-8 stores, then GBK
  stores), pipeline.build, pipeline.rank(db, 2022), pipeline.export; each stage's
  wall time, rows/s and peak RSS (VmHWM, reset between stages through
  /proc/self/clear_refs);
- DuckDB's own read_csv of the same files into a typed table (for the GBK stores,
  of their UTF-8 copies: DuckDB's reader takes UTF-8 only);
- when N <= 1,000,000 and pandas is installed, a straightforward pandas load of the
  same files (read_csv in their own encodings, amounts to numbers, one DataFrame
  inserted into DuckDB).

It checks that every line loaded and that marts.fct_sales holds exactly the generator's
own totals (rows, gmv, refund, quantity; the 订单报表 has no product id, so its rows
there are store x day), then prints one table with each issue-8
target and whether it is met. The 20-million-line targets are judged on a linear
projection from N. A script, not a test: its figures depend on the machine and on
whatever else runs on it. It never touches a warehouse or inbox outside --work.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(REPO))

from generate_exports import tmall_order_rows, transcode  # noqa: E402
from ingest_benchmark import BASELINE_SQL  # noqa: E402

log = logging.getLogger("chain_benchmark")

YEAR = 2022
GBK_SHARE_IN_TEN = 7  # 7 of every 10 stores send GBK, interleaved so small runs have both
STORES_PER_ENTERPRISE = 2
FIRST_STORE_ID = 7_100_000_000
PANDAS_LIMIT = 1_000_000
PROVINCIAL_LINES = 20_000_000
CHAIN_SECONDS_TARGET = 600
CHAIN_MIB_TARGET = 6 * 1024
INGEST_TARGETS = {"utf8": 0.5, "gbk": 0.33}
PANDAS_TARGET = 3.0
MONEY_COLUMNS = ("总金额", "买家实际支付金额", "退款金额")


@dataclass(frozen=True)
class StoreFile:
    store_id: str
    start: int
    count: int
    encoding: str  # "utf8" or "gbk"
    path: Path  # the file in the inbox
    utf8_path: Path  # the same rows in UTF-8 (the file itself for UTF-8 stores)


def _peak_mib() -> float:
    """Peak resident memory of this process since the last reset, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start a new peak: writing 5 to clear_refs resets VmHWM (Linux 4.0+); elsewhere a no-op."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        log.debug("cannot reset the peak RSS: stage peaks are peaks so far")


# --- generation -------------------------------------------------------------------------


def plan_stores(work: Path, order_lines: int, lines_per_store: int) -> list[StoreFile]:
    stores = []
    for index, start in enumerate(range(0, order_lines, lines_per_store)):
        store_id = str(FIRST_STORE_ID + index)
        encoding = "gbk" if (index * 3) % 10 < GBK_SHARE_IN_TEN else "utf8"
        path = work / "inbox" / "tmall" / store_id / f"ExportOrderList{store_id}.csv"
        utf8_path = path if encoding == "utf8" else work / "utf8-copies" / f"{store_id}.csv"
        count = min(lines_per_store, order_lines - start)
        stores.append(StoreFile(store_id, start, count, encoding, path, utf8_path))
    return stores


def write_exports(stores: list[StoreFile], seconds_apart: int) -> None:
    """Each store's rows numbered from its own start, so order ids never repeat across stores."""
    for store in stores:
        store.utf8_path.parent.mkdir(parents=True, exist_ok=True)
        store.path.parent.mkdir(parents=True, exist_ok=True)
        rows = tmall_order_rows(store.start, store.count, seconds_apart=seconds_apart)
        rows.write_csv(store.utf8_path, quote_style="non_numeric")
        if store.encoding == "gbk":
            transcode(store.utf8_path, store.path)


def _county_codes() -> list[str]:
    with (REPO / "dbt_project" / "seeds" / "divisions.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if row["level"] == "county"]


COUNTY_CODES = _county_codes()


def credit_code(enterprise: int) -> str:
    """A valid 统一社会信用代码: 91 (company), the county, a 9-digit body, the check character."""
    from ingest.credit_code import check_character

    first17 = f"91{COUNTY_CODES[enterprise % len(COUNTY_CODES)]}{enterprise:09d}"
    return first17 + check_character(first17)


def write_registries(folder: Path, stores: list[StoreFile]) -> int:
    """The 2022 企业库 and 店铺 of the generated stores; returns the number of registry rows."""
    folder.mkdir(parents=True, exist_ok=True)
    enterprises = range((len(stores) + STORES_PER_ENTERPRISE - 1) // STORES_PER_ENTERPRISE)
    with (folder / "企业库.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["年度", "统一社会信用代码", "企业名称", "县（市、区）代码", "类型", "产业带",
             "示范类型", "示范起始年度", "首次参加年度", "中华老字号", "重点培育"]
        )  # fmt: skip
        for enterprise in enterprises:
            county = COUNTY_CODES[enterprise % len(COUNTY_CODES)]
            writer.writerow(
                [YEAR, credit_code(enterprise), f"基准川货{enterprise:05d}食品有限公司", county,
                 "企业", "川调味", "", "", YEAR - 1, "否", "否"]
            )  # fmt: skip
    with (folder / "店铺.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["年度", "平台", "店铺ID", "店铺名称", "统一社会信用代码"])
        for index, store in enumerate(stores):
            owner = credit_code(index // STORES_PER_ENTERPRISE)
            writer.writerow([YEAR, "天猫", store.store_id, f"川货{store.store_id}旗舰店", owner])
    return len(enterprises) + len(stores)


def generator_totals(stores: list[StoreFile]) -> dict[str, str]:
    """What fct_sales must hold, from the generated rows themselves, read back as plain text.

    Paid orders only (an unpaid order has no gmv and no sale date); gmv is the order's
    总金额, the amount before refunds, refund its 退款金额, grouped by store x payment day
    as fct_sales holds an order report (it has no product id).
    """
    frames = []
    for store in stores:
        frame = pl.read_csv(store.utf8_path, infer_schema=False).filter(
            pl.col("订单付款时间 ") != ""
        )
        frames.append(
            frame.select(
                pl.lit(store.store_id).alias("store_id"),
                pl.col("订单付款时间 ").str.slice(0, 10).alias("sale_date"),
                *[
                    pl.col(name).str.replace_all(",", "").cast(pl.Decimal(18, 2)).alias(name)
                    for name in ("总金额", "退款金额")
                ],
                pl.col("宝贝总数量").cast(pl.Int64).alias("quantity"),
            )
        )
    paid = pl.concat(frames)
    return {
        "paid_lines": str(paid.height),
        "order_lines": str(sum(store.count for store in stores)),
        "rows": str(paid.select("store_id", "sale_date").n_unique()),
        "gmv": str(paid["总金额"].sum()),
        "refund": str(paid["退款金额"].sum()),
        "quantity": str(paid["quantity"].sum()),
    }


# --- the measured runs (each in a child process) -----------------------------------------


def run_chain(work: Path) -> dict[str, object]:
    import pipeline

    db_path = work / "chain.duckdb"
    db_path.unlink(missing_ok=True)
    stores = json.loads((work / "stores.json").read_text())
    folders = {
        kind: [Path(store["path"]).parent for store in stores if store["encoding"] == kind]
        for kind in ("utf8", "gbk")
    }
    stages: list[dict[str, object]] = []

    def timed(name: str, job: Callable[[], Any], rows_of: Callable[[Any], int]) -> Any:
        _reset_peak()
        started = time.perf_counter()
        outcome = job()
        seconds = time.perf_counter() - started
        stages.append(
            {"stage": name, "seconds": seconds, "rows": rows_of(outcome), "peak_mib": _peak_mib()}
        )
        log.info("%s: %.1f s", name, seconds)
        return outcome

    order_lines = sum(store["count"] for store in stores)
    timed(
        "reference",
        lambda: pipeline.load_reference_data(db_path, registries_dir=work / "registries"),
        lambda report: report.rows_loaded,
    )
    for kind in ("utf8", "gbk"):
        report = timed(
            f"ingest {kind}",
            lambda kind=kind: pipeline.ingest_files(db_path, folders[kind]),
            lambda report: report.rows_loaded,
        )
        if report.rows_rejected or report.files_failed:
            raise SystemExit(f"ingest {kind}: {report.rows_rejected} rows rejected, expected none")
    timed("build", lambda: pipeline.build(db_path), lambda _: order_lines)
    timed("rank", lambda: pipeline.rank(db_path, YEAR), lambda _: order_lines)
    timed(
        "export",
        lambda: pipeline.export(db_path, YEAR, work / "out", rank_first=False),
        lambda _: order_lines,
    )
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    count, gmv, refund, quantity, unattributed = con.execute(
        "select count(*), sum(gmv), sum(refund), sum(quantity),"
        " count(*) filter (where not is_attributed) from marts.fct_sales"
    ).fetchone()
    con.close()
    loaded = sum(stage["rows"] for stage in stages if str(stage["stage"]).startswith("ingest"))
    marts = {
        "order_lines": str(loaded),
        "rows": str(count),
        "gmv": str(gmv),
        "refund": str(refund),
        "quantity": str(quantity),
        "unattributed": str(unattributed),
    }
    return {"stages": stages, "marts": marts}


def run_duckdb_baseline(work: Path, kind: str) -> dict[str, object]:
    import duckdb

    files = [
        s["utf8_path"]
        for s in json.loads((work / "stores.json").read_text())
        if s["encoding"] == kind
    ]
    db_path = work / f"baseline-{kind}.duckdb"
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(db_path))
    con.execute(BASELINE_SQL, [files])
    (rows,) = con.execute("select count(*) from orders").fetchone()
    con.close()
    seconds = time.perf_counter() - started
    db_path.unlink(missing_ok=True)
    return {"seconds": seconds, "rows": rows, "peak_mib": _peak_mib()}


def run_pandas_baseline(work: Path) -> dict[str, object]:
    """What an analyst's script does: read each file, clean the amounts, concat, insert."""
    import duckdb
    import pandas as pd

    stores = json.loads((work / "stores.json").read_text())
    db_path = work / "baseline-pandas.duckdb"
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    frames = []
    for store in stores:
        frame = pd.read_csv(
            store["path"], encoding="gb18030" if store["encoding"] == "gbk" else "utf-8", dtype=str
        )
        frame.columns = [name.strip() for name in frame.columns]
        frame = frame[
            ["订单编号", *MONEY_COLUMNS, "订单付款时间", "宝贝总数量", "宝贝标题", "订单状态"]
        ]
        frame["订单编号"] = frame["订单编号"].str.strip('="')
        for name in MONEY_COLUMNS:
            frame[name] = pd.to_numeric(frame[name].str.replace(",", ""))
        frame["订单付款时间"] = pd.to_datetime(frame["订单付款时间"], format="%Y-%m-%d %H:%M:%S")
        frame["宝贝总数量"] = frame["宝贝总数量"].astype(int)
        frame["store_id"] = store["store_id"]
        frames.append(frame)
    orders = pd.concat(frames, ignore_index=True)
    con = duckdb.connect(str(db_path))
    con.register("orders_frame", orders)
    con.execute("create table orders as select * from orders_frame")
    (rows,) = con.execute("select count(*) from orders").fetchone()
    con.close()
    seconds = time.perf_counter() - started
    db_path.unlink(missing_ok=True)
    return {"seconds": seconds, "rows": rows, "peak_mib": _peak_mib()}


CHILDREN = {
    "chain": run_chain,
    "duckdb-utf8": lambda work: run_duckdb_baseline(work, "utf8"),
    "duckdb-gbk": lambda work: run_duckdb_baseline(work, "gbk"),
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


def render(
    order_lines: int, chain: dict, baselines: dict[str, dict], expected: dict[str, str]
) -> tuple[str, bool]:
    """The printed table, and whether every correctness check held."""
    stages = chain["stages"]
    rate = {stage["stage"]: stage["rows"] / stage["seconds"] for stage in stages}
    base_rate = {name: run["rows"] / run["seconds"] for name, run in baselines.items()}
    lines = [
        f"{'stage':<16}{'rows':>11}{'seconds':>9}{'rows/s':>11}{'peak MiB':>10}  against baselines"
    ]
    notes: dict[str, str] = {}
    for kind in ("utf8", "gbk"):
        ratio = rate[f"ingest {kind}"] / base_rate[f"duckdb-{kind}"]
        target = INGEST_TARGETS[kind]
        notes[f"ingest {kind}"] = (
            f"{ratio:.3f} of DuckDB raw (target >= {target}: {_verdict(ratio >= target)})"
        )
    ingested = sum(s["rows"] for s in stages if s["stage"].startswith("ingest"))
    ingest_seconds = sum(s["seconds"] for s in stages if s["stage"].startswith("ingest"))
    for stage in stages:
        lines.append(
            f"{stage['stage']:<16}{stage['rows']:>11,}{stage['seconds']:>9.1f}"
            f"{rate[stage['stage']]:>11,.0f}{stage['peak_mib']:>10,.0f}  "
            f"{notes.get(stage['stage'], '')}"
        )
    chain_seconds = sum(s["seconds"] for s in stages)
    chain_peak = max(s["peak_mib"] for s in stages)
    ingest_note = ""
    if "pandas" in baselines:
        times = (ingested / ingest_seconds) / base_rate["pandas"]
        ingest_note = f"{times:.2f}x pandas (target >= {PANDAS_TARGET}x: {_verdict(times >= 3)})"
    lines.append(
        f"{'ingest, all':<16}{ingested:>11,}{ingest_seconds:>9.1f}"
        f"{ingested / ingest_seconds:>11,.0f}{'':>10}  {ingest_note}"
    )
    lines.append(
        f"{'whole chain':<16}{order_lines:>11,}{chain_seconds:>9.1f}"
        f"{order_lines / chain_seconds:>11,.0f}{chain_peak:>10,.0f}"
    )
    for name, run in baselines.items():
        lines.append(
            f"{'base ' + name:<16}{run['rows']:>11,}{run['seconds']:>9.1f}"
            f"{base_rate[name]:>11,.0f}{run['peak_mib']:>10,.0f}"
        )
    if "pandas" not in baselines:
        lines.append(f"(no pandas baseline: pandas missing or N > {PANDAS_LIMIT:,})")
    projected = chain_seconds * PROVINCIAL_LINES / order_lines
    memory_verdict = (
        "not judged below 20M"
        if order_lines < PROVINCIAL_LINES
        else _verdict(chain_peak < CHAIN_MIB_TARGET)
    )
    lines.append(
        f"20M-line chain, projected linearly from {order_lines:,} (fixed costs scaled too, so "
        f"an upper bound): {projected:.0f} s "
        f"(target < {CHAIN_SECONDS_TARGET} s: {_verdict(projected < CHAIN_SECONDS_TARGET)}); "
        f"peak here {chain_peak:,.0f} MiB (target < {CHAIN_MIB_TARGET:,} MiB at 20M: "
        f"{memory_verdict})"
    )
    marts = chain["marts"]
    checks = [
        (name, expected[name], marts[name])
        for name in ("order_lines", "rows", "gmv", "refund", "quantity")
    ]
    checks.append(("unattributed rows", "0", marts["unattributed"]))
    all_same = True
    for name, want, got in checks:
        same = Decimal(want) == Decimal(got)
        all_same = all_same and same
        label = "order lines loaded" if name == "order_lines" else f"fct_sales {name}"
        lines.append(f"{label}: {got} (generator {want}) {'ok' if same else 'MISMATCH'}")
    return "\n".join(lines), all_same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order-lines", type=int, default=1_000_000)
    parser.add_argument("--lines-per-store", type=int, default=5_000)
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temp folder)")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if arguments.child else logging.INFO)
    if arguments.child:
        print(json.dumps(CHILDREN[arguments.child](arguments.work)))
        return
    with tempfile.TemporaryDirectory(prefix="chuanhuo-chain-") as default_work:
        work = arguments.work or Path(default_work)
        for generated in ("inbox", "utf8-copies", "registries", "out"):
            shutil.rmtree(work / generated, ignore_errors=True)
        stores = plan_stores(work, arguments.order_lines, arguments.lines_per_store)
        started = time.perf_counter()
        # a store's lines spread over the whole year, as a year of its exports would be
        write_exports(stores, seconds_apart=365 * 86_400 // arguments.lines_per_store + 1)
        write_registries(work / "registries" / str(YEAR), stores)
        (work / "stores.json").write_text(
            json.dumps(
                [
                    {**store.__dict__, "path": str(store.path), "utf8_path": str(store.utf8_path)}
                    for store in stores
                ]
            )
        )
        expected = generator_totals(stores)
        gbk = sum(store.encoding == "gbk" for store in stores)
        log.info(
            "generated %d order lines in %d stores (%d GBK, %d UTF-8) in %.0f s",
            arguments.order_lines,
            len(stores),
            gbk,
            len(stores) - gbk,
            time.perf_counter() - started,
        )
        baselines = {kind: _child(kind, work) for kind in ("duckdb-utf8", "duckdb-gbk")}
        if arguments.order_lines <= PANDAS_LIMIT:
            try:
                import pandas  # noqa: F401
            except ImportError:
                log.warning("pandas is not installed: no pandas baseline")
            else:
                baselines["pandas"] = _child("pandas", work)
        chain = _child("chain", work)
        table, correct = render(arguments.order_lines, chain, baselines, expected)
        sys.stdout.write(table + "\n")
    if not correct:
        raise SystemExit("the marts do not hold the generator's totals: see MISMATCH above")


if __name__ == "__main__":
    main()
