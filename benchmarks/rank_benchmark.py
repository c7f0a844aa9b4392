"""`rank` and `explain` at provincial scale: 1M stores and 100k enterprises, timed (issue 8).

    python benchmarks/rank_benchmark.py [--stores 1000000] [--enterprises 100000]
        [--work DIR] [--reuse]

Generation (not measured; its times are printed): rank_generate.py writes a 2022 of
--stores stores and --enterprises enterprises over Sichuan's 183 counties, with products,
streamers, 挂标 enrolments and demonstration units, plus the 2021 the roster needs, straight
into the raw tables of <work>/rank.duckdb with DuckDB SQL (no export files, no ingest);
then the real `dbt build` builds every mart from them (pipeline.build, tests included),
and 2021 is ranked, as an analyst would have ranked it a year earlier. From the raw rows
it wrote, the generator keeps what the rankings must show: how many units of each kind,
how many enterprises meet the 2022 admission bars, each county's net sales.

The measured part, each call in a fresh child process so its peak RSS is its own
(VmHWM after the imports, reset through /proc/self/clear_refs):
- pipeline.rank(db, 2022), what `chuanhuo rank --year 2022` calls: against 30 s;
- pipeline.explain_unit(db, 2022, unit), what `chuanhuo explain` calls, for the top
  county, a demonstration enterprise and a store: each against 1 s.
Each prints wall time, CPU seconds (user + system, all threads), peak RSS and rows, and
the verdict on wall time and on CPU seconds. In the same run a baseline child times
DuckDB reading the year's four marts into Arrow (the floor under any rank); its wall
time against its CPU time, and the load average printed in the header, show how much of
a shared machine the measured runs had. --reuse keeps a warehouse built before at the
same scale, so only the measured part runs again.

Correctness at scale: units evaluated per kind, enterprises ranked, the sum of the
enterprises' net sales, the 百县百品榜's first county and its net sales, and the top
county's explanation must equal the generator's figures; the script exits non-zero when
any differs. A script, not a test: timings depend on the machine and on what else runs.
It never touches a warehouse outside --work.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))
sys.path.insert(0, str(REPO))

from measure import cpu_seconds, peak_mib, reset_peak  # noqa: E402
from rank_generate import FIRST_STORE_ID, PREVIOUS_YEAR, YEAR, Scale, generate  # noqa: E402

log = logging.getLogger("rank_benchmark")

RANK_SECONDS_TARGET = 30.0
EXPLAIN_SECONDS_TARGET = 1.0
DB_NAME = "rank.duckdb"
MANIFEST = "rank_expected.json"


# --- measuring ----------------------------------------------------------------------------


def measured(job: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """Run `job`, returning its result and wall seconds, CPU seconds and peak MiB."""
    reset_peak()
    cpu, started = cpu_seconds(), time.perf_counter()
    outcome = job()
    figures = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "peak_mib": peak_mib(),
    }
    return outcome, figures


# --- what the generator knows ----------------------------------------------------------------


def expected_from_raw(db_path: Path) -> dict[str, str]:
    """The 2022 figures the rankings must show, from the generated raw rows, not the marts.

    Admission is the 2022 rules' bars, read from the rules file: a Sichuan county (every
    generated county is one), net sales, active months (months with gmv > 0) and the
    refund rate rounded to 4 places as the marts carry it.
    """
    import duckdb

    from scoring.rules import rules_for_year

    bars = rules_for_year(YEAR).pools["leading"].admission
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        con.execute(
            f"""
            create temp table sales_2022 as
            select
                enterprises.credit_code,
                enterprises.county_code,
                daily_sales.sale_date,
                daily_sales.gmv,
                daily_sales.refund
            from raw.daily_sales
            join raw.stores
                on stores.year = {YEAR}
                and stores.platform = daily_sales.platform
                and stores.store_id = daily_sales.store_id
            join raw.enterprises
                on enterprises.year = {YEAR}
                and enterprises.credit_code = stores.credit_code
            where year(daily_sales.sale_date) = {YEAR}
            """
        )
        top_county, top_net = con.execute(
            "select county_code, sum(gmv - refund) as net from sales_2022 "
            "group by county_code order by net desc limit 1"
        ).fetchone()
        (admitted,) = con.execute(
            """
            select count(*) from (
                select
                    credit_code,
                    sum(gmv - refund) as net_sales,
                    round(sum(refund) / sum(gmv), 4) as refund_rate,
                    count(distinct month(sale_date)) filter (where gmv > 0) as months
                from sales_2022
                group by credit_code
            )
            where net_sales >= ? and months >= ? and refund_rate <= ?
            """,
            [bars.min_net_sales, bars.min_active_months, bars.max_refund_rate],
        ).fetchone()
        (enterprise_net,) = con.execute("select sum(gmv - refund) from sales_2022").fetchone()
        counts = dict(
            con.execute(
                f"""
                select 'enterprise', count(*) from raw.enterprises where year = {YEAR}
                union all
                select 'store', count(*) from raw.stores where year = {YEAR}
                union all
                select 'streamer', count(*) from (
                    select platform, streamer_id from raw.streamers where year = {YEAR}
                    union
                    select platform, streamer_id from raw.daily_sales
                    where year(sale_date) = {YEAR} and streamer_id is not null
                )
                """
            ).fetchall()
        )
        demo_enterprise = con.execute(
            f"select min(credit_code) from raw.enterprises "
            f"where year = {YEAR} and demonstration_kind is not null"
        ).fetchone()[0]
        store = con.execute(
            f"select platform || ':' || store_id from raw.stores "
            f"where year = {YEAR} and store_id = '{FIRST_STORE_ID + 1}'"
        ).fetchone()[0]
    finally:
        con.close()
    return {
        "evaluated_enterprise": str(counts["enterprise"]),
        "evaluated_store": str(counts["store"]),
        "evaluated_county": "183",
        "evaluated_streamer": str(counts["streamer"]),
        "ranked_enterprises": str(admitted),
        "enterprise_net_sales": str(enterprise_net),
        "top_county": str(top_county),
        "top_county_net_sales": str(top_net),
        "explain_county": str(top_county),
        "explain_enterprise": str(demo_enterprise),
        "explain_store": str(store),
    }


# --- the measured runs (each in a child process) ---------------------------------------------


def run_rank(work: Path) -> dict[str, Any]:
    import duckdb

    import pipeline

    db_path = work / DB_NAME
    (run, tables), figures = measured(lambda: pipeline.rank(db_path, YEAR))
    figures["rows"] = run.evaluated
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = dict(
            con.execute(
                "select 'evaluated_' || unit_kind, cast(count(*) as varchar) "
                "from scoring.evaluations where year = ? group by unit_kind",
                [YEAR],
            ).fetchall()
        )
        ranked, net = con.execute(
            "select count(rank), sum(net_sales) from scoring.evaluations "
            "where year = ? and unit_kind = 'enterprise'",
            [YEAR],
        ).fetchone()
        top = con.execute(
            "select unit_id, net_sales from scoring.list_entries "
            "where year = ? and list_id = 'county_top100' and position = 1",
            [YEAR],
        ).fetchone()
    finally:
        con.close()
    found.update(
        {
            "ranked_enterprises": str(ranked),
            "enterprise_net_sales": str(net),
            "top_county": str(top[0]) if top else "none",
            "top_county_net_sales": str(top[1]) if top else "none",
        }
    )
    return {
        "figures": figures,
        "found": found,
        "list_entries": sum(run.list_counts.values()),
        "list_tables": len(tables),
        "earlier_years": run.earlier_years_evaluated,
    }


def run_baseline(work: Path) -> dict[str, Any]:
    """The floor under any rank: DuckDB reading the year's four marts into Arrow.

    Run beside rank in the same benchmark, its wall time against its CPU time shows how
    much of the machine the measured runs had.
    """
    import duckdb

    def read() -> int:
        con = duckdb.connect(str(work / DB_NAME), read_only=True)
        try:
            rows = 0
            for table in ("enterprise_years", "store_years", "county_years", "streamer_years"):
                rows += (
                    con.sql(f"select * from marts.{table} where year = {YEAR}")
                    .to_arrow_table()
                    .num_rows
                )
            return rows
        finally:
            con.close()

    rows, figures = measured(read)
    figures["rows"] = rows
    return {"figures": figures}


def run_explain(work: Path, unit: str) -> dict[str, Any]:
    import pipeline

    explanation, figures = measured(lambda: pipeline.explain_unit(work / DB_NAME, YEAR, unit))
    evaluation = explanation.evaluation
    figures["rows"] = (
        1
        + len(explanation.indicators)
        + len(explanation.list_entries)
        + len(explanation.admission_failures)
        + len(explanation.roster)
    )
    return {
        "figures": figures,
        "unit_kind": evaluation["unit_kind"],
        "unit_id": evaluation["unit_id"],
        "rank": evaluation["rank"],
        "net_sales": str(evaluation["net_sales"]),
        "text_lines": len(explanation.to_text().splitlines()),
    }


def _child(kind: str, work: Path, unit: str | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and read the JSON line it prints last."""
    command = [sys.executable, __file__, "--child", kind, "--work", str(work)]
    if unit is not None:
        command += ["--unit", unit]
    outcome = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    if outcome.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{outcome.stderr[-4000:]}")
    return json.loads(outcome.stdout.strip().splitlines()[-1])


# --- setting up ------------------------------------------------------------------------------


def prepare(work: Path, scale: Scale, reuse: bool) -> dict[str, Any]:
    """Generate, build and rank 2021 unless --reuse finds the same scale already built."""
    manifest_path = work / MANIFEST
    if reuse and manifest_path.exists() and (work / DB_NAME).exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest["scale"] == asdict(scale):
            log.info("reusing the warehouse in %s", work)
            return manifest
    import pipeline

    work.mkdir(parents=True, exist_ok=True)
    db_path = work / DB_NAME
    manifest_path.unlink(missing_ok=True)
    setup: dict[str, dict[str, float]] = {}
    counts, setup["generate"] = measured(lambda: generate(db_path, scale))
    build, setup["dbt build"] = measured(lambda: pipeline.build(db_path))
    setup["dbt build"]["rows"] = build.models
    _, setup[f"rank {PREVIOUS_YEAR}"] = measured(lambda: pipeline.rank(db_path, PREVIOUS_YEAR))
    manifest = {
        "scale": asdict(scale),
        "raw_rows": counts,
        "setup": setup,
        "expected": expected_from_raw(db_path),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


# --- the report ------------------------------------------------------------------------------


def _figures_line(name: str, figures: dict[str, float], target: float | None) -> str:
    verdict = ""
    if target is not None:
        verdict = "met" if figures["seconds"] < target else "NOT met"
        cpu = "met" if figures["cpu_seconds"] < target else "NOT met"
        verdict = f"  < {target:g} s: {verdict} (on CPU seconds: {cpu})"
    rows = f"{int(figures['rows']):>10,}" if "rows" in figures else " " * 10
    return (
        f"  {name:<44} {figures['seconds']:8.2f} s wall {figures['cpu_seconds']:8.2f} s CPU "
        f"{figures['peak_mib']:8.0f} MiB {rows} rows{verdict}"
    )


def render(
    manifest: dict[str, Any],
    baseline: dict[str, Any],
    rank: dict[str, Any],
    explains: dict[str, dict],
) -> str:
    scale = manifest["scale"]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    lines = [
        f"rank benchmark: {scale['stores']:,} stores, {scale['enterprises']:,} enterprises, "
        f"{YEAR} (and {PREVIOUS_YEAR} for the roster); {os.cpu_count()} cores, "
        f"load average {load}",
        "raw rows: "
        + ", ".join(f"{name} {count:,}" for name, count in manifest["raw_rows"].items()),
        "setup (not measured against a target):",
        *(_figures_line(name, figures, None) for name, figures in manifest["setup"].items()),
        "measured, each in a fresh process:",
        _figures_line("baseline: DuckDB reads the marts", baseline["figures"], None),
        _figures_line(f"rank {YEAR}", rank["figures"], RANK_SECONDS_TARGET),
        *(
            _figures_line(
                f"explain {kind} {result['unit_id']}", result["figures"], EXPLAIN_SECONDS_TARGET
            )
            for kind, result in explains.items()
        ),
        f"  rank wrote {rank['list_entries']:,} list entries in {rank['list_tables']} tables"
        + (f"; ranked {rank['earlier_years']} first" if rank["earlier_years"] else ""),
    ]
    return "\n".join(lines)


def check(expected: dict[str, str], rank: dict[str, Any], explains: dict[str, dict]) -> list[str]:
    """Lines naming each figure that differs from the generator's."""
    found = dict(rank["found"])
    county = explains["county"]
    found["explain_county_rank"] = str(county["rank"])
    found["explain_county_net_sales"] = county["net_sales"]
    wanted = {key: value for key, value in expected.items() if not key.startswith("explain_")}
    wanted["explain_county_rank"] = "1"
    wanted["explain_county_net_sales"] = expected["top_county_net_sales"]
    mismatches = []
    for key, value in wanted.items():
        got = found.get(key, "missing")
        same = got == value
        if not same and key.endswith("net_sales") and got not in ("none", "missing"):
            same = Decimal(got) == Decimal(value)
        if not same:
            mismatches.append(f"  MISMATCH {key}: generator {value}, rankings {got}")
    return mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/chuanhuo-rank-benchmark"))
    parser.add_argument(
        "--reuse", action="store_true", help="keep the warehouse built earlier at the same scale"
    )
    parser.add_argument("--child", choices=("rank", "explain", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--unit", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING if arguments.child else logging.INFO)
    if arguments.child == "rank":
        sys.stdout.write(json.dumps(run_rank(arguments.work)) + "\n")
        return
    if arguments.child == "baseline":
        sys.stdout.write(json.dumps(run_baseline(arguments.work)) + "\n")
        return
    if arguments.child == "explain":
        sys.stdout.write(json.dumps(run_explain(arguments.work, arguments.unit)) + "\n")
        return
    if arguments.enterprises < 50 or arguments.stores < arguments.enterprises:
        raise SystemExit("need at least 50 enterprises and at least one store per enterprise")
    scale = Scale(stores=arguments.stores, enterprises=arguments.enterprises)
    manifest = prepare(arguments.work, scale, arguments.reuse)
    expected = manifest["expected"]
    baseline = _child("baseline", arguments.work)
    rank = _child("rank", arguments.work)
    explains = {
        kind: _child("explain", arguments.work, expected[f"explain_{kind}"])
        for kind in ("county", "enterprise", "store")
    }
    sys.stdout.write(render(manifest, baseline, rank, explains) + "\n")
    mismatches = check(expected, rank, explains)
    sys.stdout.write(
        "\n".join(mismatches) + "\n" if mismatches else "  correctness: all figures match\n"
    )
    if mismatches:
        raise SystemExit("the rankings do not show the generator's figures: see MISMATCH above")


if __name__ == "__main__":
    main()
