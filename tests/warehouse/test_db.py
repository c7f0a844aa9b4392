"""Opening the warehouse: one writer at a time, readers told clearly when a load runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from warehouse.db import open_warehouse, table_exists
from warehouse.errors import ExitCode, NoDataError, WarehouseBusyError


@pytest.fixture
def held_warehouse(tmp_path: Path):
    """A warehouse file held read-write by another process, as a running load holds it."""
    db_path = tmp_path / "held.duckdb"
    open_warehouse(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(db_path)!r})
                print("held", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield db_path, holder.pid
    holder.kill()
    holder.wait()


def test_writer_creates_every_raw_table(tmp_path: Path):
    con = open_warehouse(tmp_path / "w.duckdb")
    for table in ("loads", "rejected_rows", "order_lines", "item_lines", "daily_sales"):
        assert table_exists(con, "raw", table)
    con.close()


def test_second_writer_is_told_another_load_is_running(held_warehouse):
    db_path, pid = held_warehouse
    with pytest.raises(WarehouseBusyError) as caught:
        open_warehouse(db_path)
    assert "another load is running" in caught.value.title
    assert str(pid) in caught.value.title
    assert caught.value.exit_code == ExitCode.WAREHOUSE_BUSY


def test_reader_waits_up_to_its_timeout_then_gives_up(held_warehouse):
    db_path, _ = held_warehouse
    started = time.monotonic()
    with pytest.raises(WarehouseBusyError):
        open_warehouse(db_path, read_only=True, wait_seconds=1.0)
    assert time.monotonic() - started >= 1.0


def test_reading_a_missing_warehouse_says_what_to_do(tmp_path: Path):
    with pytest.raises(NoDataError) as caught:
        open_warehouse(tmp_path / "nothing.duckdb", read_only=True)
    assert "chuanhuo ingest" in (caught.value.hint or "")
