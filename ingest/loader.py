"""Loading platform exports into the raw tables: one file, one transaction, one loads row.

A file is read, matched to a layout by its header, cut down to the layout's
columns (personal data never gets further), validated, and written together
with its rejected rows and its raw.loads row in a single transaction: a file is
loaded whole or not at all. The same bytes offered again are recognised by
their hash and change nothing. This module never decides what the numbers mean
(layouts do) and never deletes or updates rows already loaded (re-exports are
settled in dbt, latest load wins).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from ingest import bookkeeping
from ingest.cells import identifier
from ingest.layouts import Layout, all_headers, detect_layout, platform_in_file
from ingest.reader import SOURCE_ROW, read_table
from ingest.validate import validate
from warehouse.errors import ChuanhuoError, InputFileError
from warehouse.vocab import PLATFORMS

log = logging.getLogger(__name__)

KIND = "platform_export"
NO_STORE = frozenset({"", "0"})

Status = Literal["loaded", "duplicate", "failed"]
# Rows written per insert: a progress step, and the bound on one statement's size.
INSERT_CHUNK_ROWS = 250_000

# Called as progress(stage, done, total): stage is "read", "validated" or "inserted";
# done and total count data rows. Library code never draws; the CLI does.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class LoadResult:
    """What happened to one file. `failed` only comes from load_directory, with `error`."""

    load_id: int | None
    source_file: str
    layout: str | None
    platform: str | None
    store_id: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    skipped_detail: dict[str, int] = field(default_factory=dict)
    status: Status = "loaded"
    error: str | None = None


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    platform: str | None = None,
    store_id: str | None = None,
    layout: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load one platform export; a file whose bytes were loaded before is a no-op.

    Everything the file writes (rows, rejected rows, its raw.loads row) is in one
    transaction: a crash or kill at any point leaves none of it.
    """
    source = Path(path)
    if platform is not None and platform not in PLATFORMS:
        raise InputFileError(
            source, f"unknown platform {platform!r}", "platforms: " + ", ".join(PLATFORMS)
        )
    try:
        # Read once: the same bytes are hashed and parsed.
        data = source.read_bytes()
    except OSError as error:
        raise InputFileError(
            source,
            f"cannot be read ({error.strerror or error})",
            "check that the file exists, is complete and is readable",
        ) from None
    content_hash = hashlib.sha256(data).hexdigest()
    earlier = bookkeeping.already_loaded(con, content_hash)
    if earlier is not None:
        log.info("skipped %s: same content as load %d", source.name, earlier)
        return _duplicate(con, earlier, source)

    folder_platform, folder_store = _folder_identity(source)
    wanted_platform = _agree(
        source, "platform", [("argument", platform), ("folder", folder_platform)]
    )
    table = read_table(source, all_headers(), data=data)
    del data
    if progress is not None:
        progress("read", table.rows_read, table.rows_read)
    chosen = detect_layout(table.headers, source, layout=layout, platform=wanted_platform)
    validated = validate(table, chosen)
    if progress is not None:
        progress("validated", table.rows_read, table.rows_read)
    column_platform = platform_in_file(chosen, validated.columns, table.frame, source)
    if column_platform is not None:
        # The standard template names its platform in a column: a third source.
        wanted_platform = _agree(
            source,
            "platform",
            [("argument", platform), ("folder", folder_platform), ("column 平台", column_platform)],
        )
    resolved_platform = _platform(source, chosen, wanted_platform)
    resolved_store = _store(source, chosen, validated.columns, table.frame, store_id, folder_store)

    rows_loaded = validated.rows.height
    rows_rejected = validated.rejects.height
    con.begin()
    try:
        load_id = bookkeeping.next_load_id(con)
        _insert_rows(
            con,
            chosen,
            validated.rows,
            load_id,
            source,
            resolved_platform,
            resolved_store,
            progress,
        )
        bookkeeping.record_rejects(con, load_id, source.name, validated.rejects)
        bookkeeping.record_load(
            con,
            load_id=load_id,
            source_path=source,
            content_hash=content_hash,
            kind=KIND,
            layout=chosen.name,
            platform=resolved_platform,
            store_id=resolved_store,
            encoding=table.encoding,
            rows_read=table.rows_read,
            rows_loaded=rows_loaded,
            rows_rejected=rows_rejected,
            rows_skipped=table.rows_skipped,
            skipped_detail=table.skipped,
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    log.info(
        "loaded %s as load %d (%s, %s/%s): %d rows read, %d loaded, %d rejected, %d skipped",
        source.name,
        load_id,
        chosen.name,
        resolved_platform,
        resolved_store,
        table.rows_read,
        rows_loaded,
        rows_rejected,
        table.rows_skipped,
    )
    if rows_rejected:
        log.warning(
            "%s: %d rows rejected (see raw.rejected_rows, load %d)",
            source.name,
            rows_rejected,
            load_id,
        )
    return LoadResult(
        load_id=load_id,
        source_file=source.name,
        layout=chosen.name,
        platform=resolved_platform,
        store_id=resolved_store,
        rows_read=table.rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=rows_rejected,
        rows_skipped=table.rows_skipped,
        skipped_detail=dict(table.skipped),
    )


def load_directory(
    con: duckdb.DuckDBPyConnection,
    root: Path | str,
    *,
    move_to: Path | None = None,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Load every export under `root` in path order; a bad file fails alone.

    README files and hidden files or folders are not exports. With `move_to`,
    loaded and duplicate files go to move_to/archive/<relative path>, failed ones
    to move_to/rejected/<relative path>, so the inbox holds only what is new.
    """
    base = Path(root)
    results: list[LoadResult] = []
    for path in export_files(base):
        try:
            result = load_file(con, path, progress=progress)
        except ChuanhuoError as error:
            log.error("failed %s: %s", path.name, error.title)
            result = failed_result(path, error)
        results.append(result)
        if move_to is not None:
            folder = "rejected" if result.status == "failed" else "archive"
            target = move_to / folder / path.relative_to(base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
    return results


def export_files(base: Path, *, skip_folders: Iterable[str] = ()) -> list[Path]:
    """The exports under `base`, in path order: not README, hidden or skipped-folder files.

    `skip_folders` are top-level folder names under `base` (an inbox's archive/ and
    rejected/) whose files were dealt with already.
    """
    skipped = frozenset(skip_folders)
    found = []
    for path in base.rglob("*"):
        parts = path.relative_to(base).parts
        if not path.is_file() or any(part.startswith(".") for part in parts):
            continue
        if parts[0] in skipped and len(parts) > 1:
            continue
        if path.stem.upper().startswith("README"):
            continue
        found.append(path)
    return sorted(found)


def failed_result(path: Path, error: ChuanhuoError) -> LoadResult:
    """The result of a file that could not be loaded at all."""
    return LoadResult(
        load_id=None,
        source_file=path.name,
        layout=None,
        platform=None,
        store_id=None,
        rows_read=0,
        rows_loaded=0,
        rows_rejected=0,
        rows_skipped=0,
        status="failed",
        error=str(error),
    )


def _duplicate(con: duckdb.DuckDBPyConnection, load_id: int, source: Path) -> LoadResult:
    rows = con.execute(
        "select layout, platform, store_id from raw.loads where load_id = ?", [load_id]
    ).fetchall()
    layout, platform, store_id = rows[0] if rows else (None, None, None)
    return LoadResult(
        load_id=load_id,
        source_file=source.name,
        layout=layout,
        platform=platform,
        store_id=store_id,
        rows_read=0,
        rows_loaded=0,
        rows_rejected=0,
        rows_skipped=0,
        status="duplicate",
    )


def _folder_identity(source: Path) -> tuple[str | None, str | None]:
    """(platform, store) from `<inbox>/<platform>/<store_id>/<file>`, when the folders say so."""
    store_folder = source.absolute().parent
    platform_folder = store_folder.parent
    if platform_folder.name in PLATFORMS:
        return platform_folder.name, store_folder.name
    return None, None


def _agree(source: Path, what: str, sources: list[tuple[str, str | None]]) -> str | None:
    """The one value the sources give, None if none does; disagreement is an error."""
    given = [(name, value) for name, value in sources if value is not None]
    values = {value for _, value in given}
    if len(values) > 1:
        told = ", ".join(f"{name} says {value!r}" for name, value in given)
        raise InputFileError(
            source,
            f"its {what} is ambiguous: {told}",
            f"move the file to the right inbox folder or pass the matching --{what}",
        )
    return given[0][1] if given else None


def _platform(source: Path, chosen: Layout, wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in chosen.platforms:
            raise InputFileError(
                source,
                f"layout {chosen.name} is not a {wanted} export",
                f"it comes from {', '.join(chosen.platforms)}; check the folder or --platform",
            )
        return wanted
    if len(chosen.platforms) == 1:
        return chosen.platforms[0]
    raise InputFileError(
        source,
        f"layout {chosen.name} is used by {' and '.join(chosen.platforms)}; which is it?",
        "put the file under <inbox>/<platform>/<store_id>/ or pass --platform",
    )


def _store(
    source: Path,
    chosen: Layout,
    columns: dict[str, str],
    frame: pl.DataFrame,
    argument: str | None,
    folder: str | None,
) -> str:
    column_store: str | None = None
    key = chosen.store_field
    if key is not None and key in columns:
        values = (
            frame.select(identifier(pl.col(columns[key])).alias("store"))
            .get_column("store")
            .drop_nulls()
            .unique()
            .to_list()
        )
        stores = sorted(set(values) - NO_STORE)
        if len(stores) > 1:
            raise InputFileError(
                source,
                f"column {columns[key]} names several stores ({', '.join(stores[:5])})",
                "a file belongs to one store: export each store separately",
            )
        column_store = stores[0] if stores else None
    store = _agree(
        source,
        "store",
        [
            ("argument", argument),
            ("folder", folder),
            (f"column {columns.get(key or '')}", column_store),
        ],
    )
    if store is None or store in NO_STORE:
        raise InputFileError(
            source,
            "no store identity: neither --store, nor an <inbox>/<platform>/<store_id>/ folder, "
            "nor a store column in the file",
            "pass --store STORE_ID (the platform's shop id, as in the store registry)",
        )
    return store


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    chosen: Layout,
    rows: pl.DataFrame,
    load_id: int,
    source: Path,
    platform: str,
    store_id: str,
    progress: Progress | None,
) -> None:
    """Insert in chunks of INSERT_CHUNK_ROWS, inside the caller's transaction."""
    if rows.height == 0:
        return
    frame = rows.with_columns(
        pl.lit(load_id, dtype=pl.Int64).alias("load_id"),
        pl.lit(source.name).alias("source_file"),
        pl.col(SOURCE_ROW).cast(pl.Int64),
        pl.lit(chosen.name).alias("layout"),
        pl.lit(platform).alias("platform"),
        pl.lit(store_id).alias("store_id"),
    )
    for start in range(0, frame.height, INSERT_CHUNK_ROWS):
        chunk = frame.slice(start, INSERT_CHUNK_ROWS)
        con.register("_rows_to_load", chunk)
        try:
            con.execute(f"insert into raw.{chosen.table} by name select * from _rows_to_load")
        finally:
            con.unregister("_rows_to_load")
        if progress is not None:
            progress("inserted", start + chunk.height, frame.height)
