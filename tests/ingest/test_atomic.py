"""A load is all or nothing, and one writer at a time: tested with real processes.

A loader killed with SIGKILL after it started writing leaves no row and no
raw.loads row of its file, and the next run loads the file whole. A second
loader, or a reader, meeting a running load gets a message and exit code 4.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.loader import load_file
from warehouse.db import warehouse
from warehouse.errors import ExitCode

Fixture = Callable[[str], Path]
TAOBAO = "taobao/ExportOrderList202206020800_valid.csv"
ROOT = Path(__file__).resolve().parents[2]
CHUANHUO = [sys.executable, "-c", "import cli; cli.app()"]
# Copies of the valid fixture's 4 orders: enough rows for several insert chunks.
COPIES = 2_000
CHUNK_ROWS = 1_000


@pytest.fixture
def big_export(tmp_path: Path, fixture_file: Fixture) -> Path:
    """The valid Taobao fixture with its 4 orders repeated under new order numbers (GBK)."""
    source = fixture_file(TAOBAO).read_bytes().decode("gb18030").splitlines()
    header, rows = source[0], source[1:]
    lines = [header]
    for copy in range(COPIES):
        for row in rows:
            original = row.split(",", 1)
            number = int(original[0].strip('="')) + copy * 100
            lines.append(f'="{number}",{original[1]}')
    target = tmp_path / "inbox" / "taobao" / "s1" / "ExportOrderList_big.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    return target


def _counts(db: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return (
            con.execute("select count(*) from raw.order_lines").fetchall()[0][0],
            con.execute("select count(*) from raw.loads").fetchall()[0][0],
            con.execute("select count(*) from raw.rejected_rows").fetchall()[0][0],
        )


# Loads the file in small batches, as a big file is loaded, and once its rows are
# written inside the open transaction, says so and waits to be killed.
LOADER = textwrap.dedent(
    """
    import sys, time
    from ingest import loader, reader
    from warehouse.db import warehouse

    reader.STREAM_BYTES = 0
    reader.BATCH_ROWS = {chunk}

    def progress(stage, done, total):
        if stage == "inserted":
            print("writing", done, flush=True)
            time.sleep(60)

    with warehouse(sys.argv[1]) as con:
        loader.load_file(con, sys.argv[2], progress=progress)
    """
)


def test_a_loader_killed_mid_write_leaves_nothing_and_the_next_run_loads_it_whole(
    tmp_path: Path, big_export: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    with warehouse(db):
        pass  # the raw schema exists before the loader starts
    child = subprocess.Popen(
        [sys.executable, "-c", LOADER.format(chunk=CHUNK_ROWS), str(db), str(big_export)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.split() == ["writing", str(4 * COPIES)]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    assert _counts(db) == (0, 0, 0)
    with warehouse(db) as con:
        result = load_file(con, big_export)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4 * COPIES,) * 2 + (0,)
    assert _counts(db) == (4 * COPIES, 1, 0)


@pytest.fixture
def held_warehouse(tmp_path: Path) -> Iterator[Path]:
    """A warehouse file held open for writing by another process, as a running load does."""
    db = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from warehouse.db import open_warehouse\n"
            "con = open_warehouse(sys.argv[1])\n"
            "print('holding', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n"
            "con.close()\n",
            str(db),
            "6",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    yield db
    holder.kill()
    holder.wait(timeout=30)


def _chuanhuo(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHUANHUO, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_second_loader_exits_four_with_a_message_while_a_load_runs(
    held_warehouse: Path, big_export: Path
) -> None:
    outcome = _chuanhuo(
        "ingest", "--db", str(held_warehouse), "--inbox", str(big_export.parents[2])
    )
    assert outcome.returncode == ExitCode.WAREHOUSE_BUSY
    assert "another load is running" in outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert big_export.is_file()


def test_a_reader_meeting_a_running_load_gets_the_same_message(held_warehouse: Path) -> None:
    outcome = _chuanhuo("rank", "--db", str(held_warehouse), "--year", "2022")
    assert outcome.returncode == ExitCode.WAREHOUSE_BUSY
    assert "another load is running" in outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_a_second_loader_with_wait_loads_once_the_first_is_done(
    held_warehouse: Path, big_export: Path
) -> None:
    started = time.monotonic()
    outcome = _chuanhuo(
        "ingest", "--db", str(held_warehouse), "--wait", "60", "--inbox", str(big_export.parents[2])
    )
    assert outcome.returncode == ExitCode.OK, outcome.stderr
    assert time.monotonic() - started > 1
    assert _counts(held_warehouse) == (4 * COPIES, 1, 0)
    assert not big_export.exists()


def test_the_big_export_has_distinct_orders(big_export: Path) -> None:
    frame = pl.read_csv(big_export.read_bytes().decode("gb18030").encode(), infer_schema=False)
    assert frame.get_column("订单编号").n_unique() == 4 * COPIES
