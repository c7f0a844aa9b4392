"""Opening the DuckDB warehouse file, for reading or for one writer at a time.

DuckDB lets one read-write process or several read-only ones hold a file. A
second loader waits for the first up to a timeout; a reader that meets a running
load gets WarehouseBusyError with a message, never DuckDB's raw IO error.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import NoDataError, WarehouseBusyError
from warehouse.schema import create_raw_schema

log = logging.getLogger(__name__)

_LOCK_PATTERN = re.compile(r"Could not set lock on file|Conflicting lock is held")
_PID_PATTERN = re.compile(r"\(PID (\d+)\)")


def _is_lock_conflict(error: duckdb.Error) -> bool:
    return bool(_LOCK_PATTERN.search(str(error)))


def open_warehouse(
    db_path: Path | str,
    *,
    read_only: bool = False,
    wait_seconds: float = 0.0,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer creates the raw schema if it is missing.

    A conflicting lock is retried for `wait_seconds`, then reported as
    WarehouseBusyError naming the process that holds it.
    """
    path = Path(db_path)
    if read_only and not path.exists():
        raise NoDataError(
            f"no warehouse at {path}",
            "load some files first (chuanhuo ingest) or point --db / CHUANHUO_DB at one",
        )
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as error:
            if not _is_lock_conflict(error):
                raise
            if time.monotonic() >= deadline:
                pid = _PID_PATTERN.search(str(error))
                holder = f" (process {pid.group(1)})" if pid else ""
                raise WarehouseBusyError(
                    f"another load is running on {path}{holder}",
                    "try again when it has finished (ingest, registries, build and nightly "
                    "take --wait SECONDS to wait for it)",
                ) from None
            time.sleep(0.5)
    # DuckDB draws its own progress bar on long statements; ours are the CLI's to draw.
    con.execute("set enable_progress_bar = false")
    if not read_only:
        create_raw_schema(con)
    return con


@contextmanager
def warehouse(
    db_path: Path | str, *, read_only: bool = False, wait_seconds: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse as a context manager that always releases the file."""
    con = open_warehouse(db_path, read_only=read_only, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open, and the next
    # con.sql(...) on the connection then fails.
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return bool(rows and rows[0][0])
