"""One odd file never stops a run: a cell too big for its column is a rejected row, an
unreadable file or an unforeseen error fails that file alone, and the rest still load."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import cells, loader
from ingest.inbox import load_inbox
from ingest.loader import load_directory, load_file

Fixture = Callable[[str], Path]
Inbox = Callable[[Path, str, str], Path]
DOUYIN = "douyin/1654131600_sub_orders_valid.csv"
TEMPLATE_HEADER = "平台,店铺ID,日期,商品名称,支付金额（元）,退款金额（元）,数量"


def _column(function: Callable[[pl.Expr], pl.Expr], values: list[str]) -> list[object]:
    frame = pl.DataFrame({"cell": values}, schema={"cell": pl.String})
    return frame.select(function(pl.col("cell"))).to_series().to_list()


def test_an_amount_beyond_decimal_18_2_reads_as_unreadable_not_as_an_error() -> None:
    # 17 digits before the point do not fit DECIMAL(18, 2); the column is plainly spelled.
    assert _column(cells.money, ["12345678901234567.00", "5.00"]) == [None, Decimal("5.00")]


def test_a_count_beyond_the_warehouse_integer_reads_as_unreadable() -> None:
    assert _column(cells.integer, ["2147483647", "2147483648", "-2147483649", "7"]) == [
        2147483647,
        None,
        None,
        7,
    ]


def test_a_huge_amount_and_a_huge_count_are_rejected_rows_and_the_rest_loads(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(
        "\n".join(
            [
                TEMPLATE_HEADER,
                "快手,KS1,2022-06-01,豆瓣酱,100.00,0,1",
                "快手,KS1,2022-06-02,豆瓣酱,12345678901234567.00,0,1",
                "快手,KS1,2022-06-03,豆瓣酱,20.00,0,3000000000",
            ]
        )
        + "\n",
        encoding="utf-8",
    )

    result = load_file(con, path, platform="kuaishou", store_id="KS1")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    rejects = con.execute(
        "select source_row, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    assert rejects == [(3, "bad_amount"), (4, "bad_integer")]
    assert con.execute("select sum(gmv) from raw.daily_sales").fetchall() == [(Decimal("100.00"),)]


def test_lines_ended_by_cr_alone_fail_that_file_with_a_hint(
    con: duckdb.DuckDBPyConnection, inbox: Inbox, fixture_file: Fixture, tmp_path: Path
) -> None:
    good = inbox(fixture_file(DOUYIN), "douyin", "dy1")
    old_mac = good.parent / "a_old_mac.csv"
    old_mac.write_bytes(f"{TEMPLATE_HEADER}\r快手,KS1,2022-06-01,豆瓣酱,1,0,1\r".encode())

    results = load_directory(con, tmp_path / "inbox")

    assert [(r.source_file, r.status) for r in results] == [
        ("1654131600_sub_orders_valid.csv", "loaded"),
        ("a_old_mac.csv", "failed"),
    ]
    assert "line ends" in (results[1].error or "")


@pytest.mark.parametrize("batch", ["directory", "inbox"])
def test_an_unforeseen_error_fails_its_file_alone_and_the_next_file_loads(
    batch: str,
    con: duckdb.DuckDBPyConnection,
    inbox: Inbox,
    fixture_file: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = inbox(fixture_file(DOUYIN), "douyin", "dy1")
    poisoned = good.parent / "0_poisoned.csv"
    poisoned.write_bytes(good.read_bytes().replace(b"\n", b"\r\n"))
    real_open = loader._open

    def breaking_on_the_poisoned(path: Path, *args: object) -> loader._Opened:
        if path.name == poisoned.name:
            raise RuntimeError("something no check foresaw")
        return real_open(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_open", breaking_on_the_poisoned)
    root = tmp_path / "inbox"

    if batch == "directory":
        results = load_directory(con, root)
    else:
        results = [filed.result for filed in load_inbox(con, root)]

    assert [(r.source_file, r.status) for r in results] == [
        ("0_poisoned.csv", "failed"),
        ("1654131600_sub_orders_valid.csv", "loaded"),
    ]
    assert "RuntimeError: something no check foresaw" in (results[0].error or "")
    assert "chuanhuo bug" in (results[0].error or "")
