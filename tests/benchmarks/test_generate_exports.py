"""The scale generator's files load without a rejected row, to the totals it claims.

The chain benchmark trusts the generator's manifest to check the marts at 20M lines;
these tests hold that manifest to what chuanhuo's layouts derive from the same files,
one small store per feed, without dbt (raw tables only), so they stay quick.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

import pipeline

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    """benchmarks/generate_exports.py, which is a script folder, not a package."""
    path = REPO / "benchmarks" / "generate_exports.py"
    spec = importlib.util.spec_from_file_location("generate_exports", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _raw_totals(db_path: Path) -> dict[str, object]:
    """fct_sales' figures as the raw tables give them: paid order lines plus daily rows."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows, gmv, refund, quantity = con.execute(
            """
            with sales as (
                select coalesce(product_id, '') as product_id, cast(paid_at as date) as day,
                    gmv, refund, coalesce(quantity, 0) as quantity
                from raw.order_lines where paid_at is not null
                union all
                select product_id, sale_date, gmv, refund, coalesce(quantity, 0)
                from raw.daily_sales
            )
            select count(distinct (product_id, day)), sum(gmv), sum(refund), sum(quantity)
            from sales
            """
        ).fetchone()
    finally:
        con.close()
    return {"fct_rows": rows, "gmv": gmv, "refund": refund, "quantity": quantity}


@pytest.mark.parametrize(
    "feed",
    [
        "tmall_orders_gbk",
        "tmall_orders_xlsx",
        "sycm_daily_xlsx",
        "jd_orders_gbk",
        "jd_orders_xlsx",
        "douyin_orders",
        "pinduoduo_orders_gbk",
        "template_orders_xlsx",
        "template_daily_csv",
    ],
)
def test_each_feed_loads_without_rejects_to_the_generators_own_totals(
    generator: ModuleType, tmp_path: Path, feed: str
) -> None:
    manifest = generator.generate(
        tmp_path, 1_203, mean_lines_per_store=1_203, uniform=True, feeds={feed: 1.0}
    )
    (entry,) = manifest["files"]
    assert entry["feed"] == feed

    report = pipeline.ingest_files(tmp_path / "w.duckdb", [tmp_path / "inbox"])

    (result,) = report.results
    assert (result.status, result.rows_rejected, result.rows_loaded) == ("loaded", 0, 1_203)
    expected = manifest["expected"]
    got = _raw_totals(tmp_path / "w.duckdb")
    assert got["fct_rows"] == expected["fct_rows"]
    assert got["gmv"] == Decimal(expected["gmv"])
    assert got["refund"] == Decimal(expected["refund"])
    assert got["quantity"] == expected["quantity"]


def test_a_jd_order_repeated_over_three_lines_counts_once(
    generator: ModuleType, tmp_path: Path
) -> None:
    # rows 5..7 of the 8-row cycle are the three lines of order 4: one 应付金额 on each
    manifest = generator.generate(
        tmp_path, 8, mean_lines_per_store=8, uniform=True, feeds={"jd_orders_gbk": 1.0}
    )
    copy = Path(manifest["files"][0]["utf8_path"]).read_text(encoding="utf-8").splitlines()
    header = copy[0].split(",")
    cells = [line.split(",") for line in copy[1:]]
    payable = header.index("应付金额")
    order = header.index("订单号")
    assert len({row[order] for row in cells[5:8]}) == 1
    assert len({row[payable] for row in cells[5:8]}) == 1

    pipeline.ingest_files(tmp_path / "w.duckdb", [tmp_path / "inbox"])

    got = _raw_totals(tmp_path / "w.duckdb")
    balance = header.index("余额支付")
    paid_orders = {
        row[order]: Decimal(row[payable]) + Decimal(row[balance])
        for row in cells
        if row[header.index("付款确认时间")]
    }
    assert got["gmv"] == sum(paid_orders.values())


def test_store_sizes_are_skewed_and_sum_to_the_order_lines(generator: ModuleType) -> None:
    sizes = generator.store_sizes(1_000_000, 10_000, uniform=False, seed=7)

    assert sum(sizes) == 1_000_000
    assert len(sizes) == 100
    assert min(sizes) >= generator.MIN_STORE_ROWS
    assert max(sizes) > 10 * statistics.median(sizes)


def test_uniform_stores_keep_the_old_equal_sizes(generator: ModuleType) -> None:
    assert generator.store_sizes(12_000, 5_000, uniform=True, seed=7) == [5_000, 5_000, 2_000]


def test_a_store_too_big_for_excel_sends_its_platforms_csv(generator: ModuleType) -> None:
    stores = generator.plan_stores(
        30_000, 10_000, uniform=True, seed=1, feeds={"tmall_orders_xlsx": 1.0}
    )

    assert {store.feed for store in stores} == {"tmall_orders_gbk"}
