"""The ledger of loads: content hashes, load ids, the raw.loads row and the rejected rows.

Every file offered to the warehouse is identified by the sha256 of its bytes, so
the same export dropped twice (renamed or not) is recognised and never loaded
again. These helpers write inside the caller's transaction and never commit or
roll back themselves. Rejected rows arrive here already stripped of personal
data: this module stores what it is given and must never widen it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
REJECT_COLUMNS: tuple[str, ...] = (
    "source_row",
    "column_name",
    "reason_code",
    "reason",
    "original_row",
)


def file_hash(path: Path | str) -> str:
    """The sha256 of the file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def already_loaded(con: duckdb.DuckDBPyConnection, content_hash: str) -> int | None:
    """The load id of an earlier successful load of the same bytes, else None."""
    (found,) = con.execute(
        "select min(load_id) from raw.loads where content_hash = ? and status = 'loaded'",
        [content_hash],
    ).fetchall()[0]
    return None if found is None else int(found)


def loaded_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The content hashes of every successful load so far."""
    rows = con.execute(
        "select distinct content_hash from raw.loads where status = 'loaded'"
    ).fetchall()
    return {content_hash for (content_hash,) in rows}


def next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    """One more than the highest load id so far (1 for an empty warehouse).

    Safe because DuckDB admits one writing process per warehouse file.
    """
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    (load_id,) = con.execute("select coalesce(max(load_id), 0) + 1 from raw.loads").fetchall()[0]
    return int(load_id)


def record_load(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: int,
    source_path: Path | str,
    content_hash: str,
    kind: str,
    rows_read: int,
    rows_loaded: int,
    rows_rejected: int,
    rows_skipped: int,
    skipped_detail: Mapping[str, int] | None = None,
    layout: str | None = None,
    platform: str | None = None,
    store_id: str | None = None,
    encoding: str | None = None,
    status: str = "loaded",
    loaded_at: datetime | None = None,
) -> None:
    """Write the raw.loads row of one file; refuses counts that do not add up.

    `kind` says what the file was: 'platform_export', or a registry name.
    """
    accounted = rows_loaded + rows_rejected + rows_skipped
    if rows_read != accounted:
        raise AssertionError(
            f"load {load_id} of {source_path}: read {rows_read} rows but loaded "
            f"{rows_loaded} + rejected {rows_rejected} + skipped {rows_skipped} = {accounted}"
        )
    path = Path(source_path)
    detail = json.dumps(dict(skipped_detail), ensure_ascii=False) if skipped_detail else None
    stamp = loaded_at or datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        """
        insert into raw.loads (
            load_id, source_file, source_path, content_hash, kind, layout, platform,
            store_id, encoding, rows_read, rows_loaded, rows_rejected, rows_skipped,
            skipped_detail, loaded_at, status
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            load_id,
            path.name,
            str(path),
            content_hash,
            kind,
            layout,
            platform,
            store_id,
            encoding,
            rows_read,
            rows_loaded,
            rows_rejected,
            rows_skipped,
            detail,
            stamp,
            status,
        ],
    )


def record_rejects(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    source_file: str,
    rejects: pl.DataFrame,
) -> int:
    """Append rejected rows to raw.rejected_rows; returns how many were written.

    `rejects` has the columns source_row, column_name, reason_code, reason and
    original_row (missing ones are stored as null); original_row must already be
    free of personal data.
    """
    if rejects.height == 0:
        return 0
    frame = rejects.select(
        [
            (
                pl.col(name)
                if name in rejects.columns
                else pl.lit(None, dtype=pl.Int64 if name == "source_row" else pl.String)
            ).alias(name)
            for name in REJECT_COLUMNS
        ]
    ).with_columns(pl.col("source_row").cast(pl.Int64))
    con.register("_rejects_to_record", frame)
    try:
        con.execute(
            """
            insert into raw.rejected_rows (
                load_id, source_file, source_row, column_name, reason_code, reason,
                original_row
            )
            select ?, ?, source_row, column_name, reason_code, reason, original_row
            from _rejects_to_record
            """,
            [load_id, source_file],
        )
    finally:
        con.unregister("_rejects_to_record")
    return frame.height


def record_rejects_from_parquet(
    con: duckdb.DuckDBPyConnection, load_id: int, source_file: str, parquet_glob: str
) -> None:
    """Append rejected rows spooled as Parquet (REJECT_COLUMNS) to raw.rejected_rows.

    For big files, whose rejects are written batch by batch; the same contract as
    record_rejects: original_row is already free of personal data.
    """
    con.execute(
        """
        insert into raw.rejected_rows (
            load_id, source_file, source_row, column_name, reason_code, reason, original_row
        )
        select ?, ?, source_row, column_name, reason_code, reason, original_row
        from read_parquet(?)
        """,
        [load_id, source_file, parquet_glob],
    )
