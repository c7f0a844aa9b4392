"""The load ledger: hashes, load ids, the loads row and rejected rows."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.bookkeeping import already_loaded, file_hash, next_load_id, record_load, record_rejects


def _record(con: duckdb.DuckDBPyConnection, load_id: int, **counts: int) -> None:
    record_load(
        con,
        load_id=load_id,
        source_path=Path("/inbox/taobao/s1/a.csv"),
        content_hash="h" * 64,
        kind="platform_export",
        rows_read=counts.get("read", 3),
        rows_loaded=counts.get("loaded", 1),
        rows_rejected=counts.get("rejected", 1),
        rows_skipped=counts.get("skipped", 1),
        skipped_detail={"blank": 1},
    )


def test_file_hash_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"abc")
    assert file_hash(path) == hashlib.sha256(b"abc").hexdigest()


def test_first_load_id_of_an_empty_warehouse_is_one(con: duckdb.DuckDBPyConnection) -> None:
    assert next_load_id(con) == 1


def test_recorded_load_is_found_by_its_hash_and_advances_the_id(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _record(con, 7)
    assert already_loaded(con, "h" * 64) == 7
    assert already_loaded(con, "other") is None
    assert next_load_id(con) == 8
    row = con.execute("select source_file, skipped_detail from raw.loads").fetchone()
    assert row == ("a.csv", '{"blank": 1}')


def test_counts_that_do_not_add_up_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(AssertionError, match="read 5 rows"):
        _record(con, 1, read=5)
    assert con.execute("select count(*) from raw.loads").fetchone() == (0,)


def test_rejects_are_stored_with_their_load_and_file(con: duckdb.DuckDBPyConnection) -> None:
    rejects = pl.DataFrame(
        {
            "source_row": [4],
            "column_name": ["总金额"],
            "reason_code": ["bad_amount"],
            "reason": ["总金额 'x' is not an amount"],
        }
    )
    assert record_rejects(con, 3, "a.csv", rejects) == 1
    rows = con.execute("select * from raw.rejected_rows").fetchall()
    assert rows == [(3, "a.csv", 4, "总金额", "bad_amount", "总金额 'x' is not an amount", None)]
