"""Loading platform exports into the raw tables: one file, one transaction, one loads row.

A file is read, matched to a layout by its header, cut down to the layout's
columns (personal data is never even parsed), validated, and written together
with its rejected rows and its raw.loads row in a single transaction: a file is
loaded whole or not at all. The same bytes offered again are recognised by
their hash and change nothing. A big CSV (over reader.STREAM_BYTES) is read and
validated in batches that stream into one insert in that one transaction, so memory
stays flat whatever the file's size; a big file's batches
never split an order whose lines its layout reads together. A directory's next small
file is read and validated while the current one is written. This module never
decides what the numbers mean (layouts do) and never deletes or updates rows of
earlier loads (re-exports are settled in dbt, latest load wins).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import shutil
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

import duckdb
import polars as pl
import pyarrow as pa

from ingest import bookkeeping, reader, transcode
from ingest.cells import identifier
from ingest.layouts import Layout, all_headers, detect_layout, platform_in_file
from ingest.layouts.base import NATURAL_KEYS
from ingest.reader import (
    CSV_SUFFIXES,
    SKIP_KINDS,
    SOURCE_ROW,
    HeaderNotFoundError,
    RawTable,
    ScannedFile,
    head_encoding,
    read_batches,
    read_table,
    scan_file,
)
from ingest.scratch import scratch_folder
from ingest.validate import validate
from warehouse.errors import ChuanhuoError, ExitCode, InputFileError
from warehouse.vocab import PLATFORMS

log = logging.getLogger(__name__)

KIND = "platform_export"
NO_STORE = frozenset({"", "0"})

Status = Literal["loaded", "duplicate", "failed"]
# A batch ready to insert: the table read, its rows with lineage, its rejected rows.
_Prepared = tuple[RawTable, pl.DataFrame, pl.DataFrame]
_Item = TypeVar("_Item")
_Done = TypeVar("_Done")
# Called as progress(stage, done, total): "validated" after each batch of a file (total
# estimated from the file's size), "inserted" once its rows are written inside the open
# transaction, "done" after the commit.
# Library code never draws; the CLI does.
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
    # For a failed file, the exit code its error calls for (bad input, or something else).
    exit_code: ExitCode | None = None


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
    transaction: a crash or kill at any point leaves none of it. A CSV bigger than
    reader.STREAM_BYTES is read, validated and inserted a batch at a time, so memory
    is bounded by a batch, not by the file.
    """
    source = Path(path)
    if platform is not None and platform not in PLATFORMS:
        raise InputFileError(
            source, f"unknown platform {platform!r}", "platforms: " + ", ".join(PLATFORMS)
        )
    data = _small_bytes(source)
    if data is None:
        return _load_big(con, source, (platform, store_id, layout), progress)
    content_hash = hashlib.sha256(data).hexdigest()
    seen = _seen_before(con, content_hash, source)
    if seen is not None:
        return seen
    opened = _open(source, data, None, content_hash, platform, store_id, layout)
    return _write(con, opened, progress)


def _load_big(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    wanted: tuple[str | None, str | None, str | None],
    progress: Progress | None,
) -> LoadResult:
    """A big CSV loaded while its scan (the hash, the whole file's encoding) runs beside.

    The scan reads the whole file; waiting for it before reading would add its time to
    the load's. So the load starts on the encoding the file's head shows, and commits
    only once the scan agrees that the bytes are new and the encoding right. If not,
    it stops as soon as the scan says so, rolls back, and the file is handled as the
    scan found it: a duplicate, or loaded again in its true encoding.
    """
    platform, store_id, layout = wanted
    stat = _stat(source)
    guess = head_encoding(source)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chuanhuo-scan") as pool:
        scanning = pool.submit(scan_file, source)
        if guess in _GUESSED:
            check = _ScanCheck(scanning, guess, bookkeeping.loaded_hashes(con))
            try:
                opened = _open(
                    source, b"", check.provisional(source), "", platform, store_id, layout, check
                )
                opened.stat = stat
                return _write(con, opened, progress, check)
            except (_ScanDisagrees, transcode.Abandoned):
                pass
            except ChuanhuoError as error:
                # The error stands if the scan bears the load out, naming the encoding
                # that read further now that the scan knows where UTF-8 failed.
                if check.agrees():
                    utf8_at = scanning.result().utf8_failed_at
                    raise reader.named_further(error, source, utf8_at) from None
        scanned = scanning.result()
    seen = _seen_before(con, scanned.content_hash, source)
    if seen is not None:
        return seen
    if guess in _GUESSED:
        log.info(
            "reading %s again as %s (its head looked %s)", source.name, scanned.encoding, guess
        )
    opened = _open(source, b"", scanned, scanned.content_hash, platform, store_id, layout)
    opened.stat = stat
    return _write(con, opened, progress)


def _stat(source: Path) -> tuple[int, int]:
    details = source.stat()
    return details.st_size, details.st_mtime_ns


def _unchanged(source: Path, before: tuple[int, int]) -> None:
    """Refuse a big file that changed while it was loaded: a copy still being written
    would load as far as it had got, under the hash of other bytes."""
    after = _stat(source)
    if after != before:
        # not an input error: the file is fine once copied, and stays in an inbox
        raise ChuanhuoError(
            f"{source}: changed while it was being loaded ({before[0]:,} bytes, then "
            f"{after[0]:,}): was it still being copied?",
            "load it again once the copy is complete (an inbox keeps it for the next run); "
            "copy files into the inbox under a dot-name (.name.csv) and rename them when done",
        )


# The encodings a big file is read in before its scan is done (UTF-16 waits for it).
_GUESSED = frozenset({"utf-8", "utf-8-sig", "gb18030"})


class _ScanDisagrees(Exception):
    """The scan found the file's bytes loaded before, or its encoding not the guessed one."""


class _ScanCheck:
    """A big file's scan, run in a thread, against the encoding its load started on."""

    def __init__(self, scanning: Future[ScannedFile], guess: str, loaded: set[str]) -> None:
        self._scanning, self._guess, self._loaded = scanning, guess, loaded

    def provisional(self, source: Path) -> ScannedFile:
        """What is known before the scan: the guessed encoding and the size."""
        return ScannedFile(content_hash="", encoding=self._guess, size=source.stat().st_size)

    def abandoned(self) -> bool:
        """Whether the scan, if done, already says the load cannot stand (never waits)."""
        return self._scanning.done() and not self.agrees()

    def agrees(self) -> bool:
        """Whether the finished scan bears the load out (waits for it)."""
        try:
            scanned = self._scanning.result()
        except Exception:
            return False
        return scanned.encoding == self._guess and scanned.content_hash not in self._loaded

    def confirmed(self, con: duckdb.DuckDBPyConnection) -> ScannedFile:
        """The finished scan, if it bears the load out; else _ScanDisagrees."""
        if not self.agrees():
            raise _ScanDisagrees
        scanned = self._scanning.result()
        if bookkeeping.already_loaded(con, scanned.content_hash) is not None:
            raise _ScanDisagrees  # loaded since this load began
        return scanned


@dataclass
class _Opened:
    """A file read and matched to its layout, not yet written: its tables (one, or a big
    file's batches) and what validates them, or for a small file read ahead, the tables
    validated already."""

    source: Path
    content_hash: str
    chosen: Layout
    tables: Iterable[RawTable]
    encoding: str
    estimated_rows: int
    big: bool
    preparer: _Preparer
    prepared: list[_Prepared] | None = None
    # A big file loaded before its scan ended: what the scan says, once it has.
    check: _ScanCheck | None = None
    # A big file's size and modification time when its load began.
    stat: tuple[int, int] | None = None


def _open(
    source: Path,
    data: bytes,
    scanned: ScannedFile | None,
    content_hash: str,
    platform: str | None,
    store_id: str | None,
    layout: str | None,
    check: _ScanCheck | None = None,
) -> _Opened:
    """Read the file as far as its layout (a small file whole, a big one's header)."""
    folder_platform, folder_store = _folder_identity(source)
    wanted_platform = _agree(
        source, "platform", [("argument", platform), ("folder", folder_platform)]
    )
    tables: Iterable[RawTable]
    chooser = _Chooser(source, layout, wanted_platform)
    try:
        if scanned is None:
            whole = read_table(source, all_headers(), data=data, keep=chooser)
            tables, encoding, estimated = [whole], whole.encoding, 0
        else:
            batches = read_batches(
                source,
                all_headers(),
                scanned,
                keep=chooser,
                abandon=None if check is None else check.abandoned,
            )
            tables, encoding = batches, batches.encoding
            estimated = batches.estimated_rows
    except HeaderNotFoundError as unknown:
        # An unknown file: name the layout its first row comes closest to, and what
        # that layout needs that the file lacks.
        detect_layout(unknown.first_row, source, layout=layout, platform=wanted_platform)
        raise
    group_field = chooser.layout.group_field
    if scanned is not None and group_field is not None:
        column = chooser.layout.columns_in(batches.headers).get(group_field)
        if column is not None:
            tables = _whole_groups(tables, column)
    preparer = _Preparer(
        source,
        chooser.layout,
        (platform, folder_platform, wanted_platform),
        (store_id, folder_store),
    )
    return _Opened(
        source=source,
        content_hash=content_hash,
        chosen=chooser.layout,
        tables=tables,
        encoding=encoding,
        estimated_rows=estimated,
        big=scanned is not None,
        preparer=preparer,
        check=check,
    )


class _Preparer:
    """Validates a file's tables in order; the (platform, store) the first one settles
    binds the later ones (a big file's batches must all name the same store)."""

    def __init__(
        self,
        source: Path,
        chosen: Layout,
        platforms: tuple[str | None, str | None, str | None],
        stores: tuple[str | None, str | None],
    ) -> None:
        self._source, self._chosen = source, chosen
        self._platforms, self._stores = platforms, stores
        self._identity: tuple[str, str] | None = None

    def __call__(self, table: RawTable) -> _Prepared:
        validated = validate(table, self._chosen)
        self._identity = self._settle(validated.columns, table.frame)
        rows = validated.rows.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
        return table, rows, validated.rejects

    @property
    def identity(self) -> tuple[str, str]:
        """The file's (platform, store); a big file with a header and no rows still has one."""
        if self._identity is None:
            self._identity = self._settle({}, pl.DataFrame())
        return self._identity

    def _settle(self, columns: dict[str, str], frame: pl.DataFrame) -> tuple[str, str]:
        return _identity(
            self._source,
            self._chosen,
            columns,
            frame,
            self._identity,
            self._platforms,
            self._stores,
        )


def _write(
    con: duckdb.DuckDBPyConnection,
    opened: _Opened,
    progress: Progress | None,
    check: _ScanCheck | None = None,
) -> LoadResult:
    """Validate what is not validated yet and write it all in one transaction.

    A big file's validated batches stream into one insert statement while the next
    ones are read and validated (_Stream): DuckDB holds memory for every statement
    of an open transaction until the commit, so one statement keeps memory flat in
    the file's size, and nothing is written twice.
    """
    source, chosen, counts = opened.source, opened.chosen, _Counts()
    stream: _Stream | None = None
    whole: list[_Prepared] = []
    try:
        if opened.big:
            # The next batch is read and validated by a worker thread while DuckDB
            # inserts this one (polars and DuckDB let go of the GIL there).
            stream = _Stream(_ahead(opened.tables, opened.preparer), counts, opened, progress)
        else:
            prepared = opened.prepared
            for item in prepared if prepared is not None else map(opened.preparer, opened.tables):
                whole.append(item)
                counts.add(item[0], item[1].height, item[2].height)
                _report(progress, "validated", counts, opened)
        # A big file's first batch is validated before the transaction opens: it
        # settles the store, written on every row.
        first = stream.first() if stream is not None else None
        identity = opened.preparer.identity
        con.begin()
        try:
            load_id = bookkeeping.next_load_id(con)
            if stream is None:
                for _, rows, rejects in whole:
                    _insert_rows(con, opened, rows, load_id)
                    bookkeeping.record_rejects(con, load_id, source.name, rejects)
            else:
                stream.insert(con, load_id, first)
                later = _reject_later_copies(con, chosen, load_id, source)
                counts.loaded -= later
                counts.rejected += later
            if progress is not None:
                progress("inserted", counts.loaded, counts.loaded)
            if check is not None:
                scanned = check.confirmed(con)
                opened.content_hash, opened.encoding = scanned.content_hash, scanned.encoding
            if opened.stat is not None:
                _unchanged(opened.source, opened.stat)
            _record(con, load_id, opened, identity, counts)
            con.commit()
        except BaseException:
            con.rollback()
            if stream is not None:
                stream.restore(con)
            raise
    finally:
        if stream is not None:
            stream.close()
    resolved_platform, resolved_store = identity
    if progress is not None:
        progress("done", counts.read, counts.read)
    log.info(
        "loaded %s as load %d (%s, %s/%s): %d rows read, %d loaded, %d rejected, %d skipped",
        source.name,
        load_id,
        chosen.name,
        resolved_platform,
        resolved_store,
        counts.read,
        counts.loaded,
        counts.rejected,
        sum(counts.skipped.values()),
    )
    if counts.rejected:
        log.warning(
            "%s: %d rows rejected (see raw.rejected_rows, load %d)",
            source.name,
            counts.rejected,
            load_id,
        )
    return LoadResult(
        load_id=load_id,
        source_file=source.name,
        layout=chosen.name,
        platform=resolved_platform,
        store_id=resolved_store,
        rows_read=counts.read,
        rows_loaded=counts.loaded,
        rows_rejected=counts.rejected,
        rows_skipped=sum(counts.skipped.values()),
        skipped_detail=dict(counts.skipped),
    )


def _report(progress: Progress | None, stage: str, counts: _Counts, opened: _Opened) -> None:
    if progress is not None:
        progress(stage, counts.read, max(opened.estimated_rows, counts.read))


class _Chooser:
    """The reader's `keep`: detects the layout from the header row the reader found, and
    keeps only that layout's columns, so nothing else is parsed (personal data included)."""

    def __init__(self, source: Path, layout: str | None, platform: str | None) -> None:
        self._source, self._layout, self._platform = source, layout, platform
        self._chosen: Layout | None = None

    def __call__(self, headers: list[str]) -> list[str]:
        self._chosen = detect_layout(
            headers, self._source, layout=self._layout, platform=self._platform
        )
        return list(self._chosen.columns_in(headers).values())

    @property
    def layout(self) -> Layout:
        if self._chosen is None:
            raise RuntimeError("the reader found no header: no layout was chosen")
        return self._chosen


def _record(
    con: duckdb.DuckDBPyConnection,
    load_id: int,
    opened: _Opened,
    identity: tuple[str, str],
    counts: _Counts,
) -> None:
    bookkeeping.record_load(
        con,
        load_id=load_id,
        source_path=opened.source,
        content_hash=opened.content_hash,
        kind=KIND,
        layout=opened.chosen.name,
        platform=identity[0],
        store_id=identity[1],
        encoding=opened.encoding,
        rows_read=counts.read,
        rows_loaded=counts.loaded,
        rows_rejected=counts.rejected,
        rows_skipped=sum(counts.skipped.values()),
        skipped_detail=counts.skipped,
    )


# DuckDB's memory while a big file's rows stream in: as fast as with no cap at 5M rows.
_INSERT_MEMORY = "512MB"


class _Stream:
    """A big file's validated batches as one Arrow stream, inserted by one statement.

    DuckDB pulls the batches as it inserts; each one pulled is counted and its
    rejected rows are spooled to Parquet in a scratch folder (they are few, and are
    inserted after the rows). An error while a batch is read or validated ends the
    stream early and is raised by insert(), whose caller then rolls back.
    """

    _RELATION = "_chuanhuo_batches"

    def __init__(
        self,
        prepared: Iterator[_Prepared],
        counts: _Counts,
        opened: _Opened,
        progress: Progress | None,
    ) -> None:
        self._prepared, self._counts, self._opened = prepared, counts, opened
        self._progress = progress
        self._scratch = scratch_folder("rejects")
        self._reject_parts = 0
        self._error: BaseException | None = None
        self._unsettled = False

    def first(self) -> pa.Table | None:
        """The first batch's rows, validated (None when the file has no rows at all)."""
        item = next(self._prepared, None)
        if item is None:
            return None
        return self._take(item)

    def insert(self, con: duckdb.DuckDBPyConnection, load_id: int, first: pa.Table | None) -> None:
        """Every batch's rows in one statement, then the rejected rows, in the caller's
        transaction; the error that ended the stream, if any, is raised here."""
        if first is not None:
            batches = pa.RecordBatchReader.from_batches(first.schema, self._batches(first))
            con.register(self._RELATION, batches)
            # Rows carry their source_row; the order they are stored in means nothing,
            # and not keeping it lets DuckDB's threads share the insert (twice as fast).
            con.execute("set preserve_insertion_order = false")
            # DuckDB keeps the blocks it writes cached up to its memory limit (80 % of
            # the machine by default): 5M rows held 0.5 GiB more at the end than at the
            # start. Written blocks are on disk already; under this cap they are let go.
            con.execute(f"set memory_limit = '{_INSERT_MEMORY}'")
            try:
                _insert_from(con, self._opened, self._RELATION, load_id, [])
            except BaseException:
                # an aborted transaction runs no statement: restore() after the rollback
                self._unsettled = True
                raise
            self._settle(con)
        if self._error is not None:
            raise self._error
        if self._reject_parts:
            bookkeeping.record_rejects_from_parquet(
                con, load_id, self._opened.source.name, str(self._folder / "rejects-*.parquet")
            )

    def restore(self, con: duckdb.DuckDBPyConnection) -> None:
        """After a rollback: DuckDB's settings back as they were before insert()."""
        if self._unsettled:
            self._settle(con)

    def _settle(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("reset memory_limit")
        con.execute("reset preserve_insertion_order")
        con.unregister(self._RELATION)
        self._unsettled = False

    def close(self) -> None:
        close = getattr(self._prepared, "close", None)
        if close is not None:
            close()
        self._scratch.cleanup()

    @property
    def _folder(self) -> Path:
        return Path(self._scratch.name)

    def _batches(self, first: pa.Table) -> Iterator[pa.RecordBatch]:
        yield from first.to_batches()
        check = self._opened.check
        try:
            for item in self._prepared:
                if check is not None and check.abandoned():
                    raise _ScanDisagrees
                yield from self._take(item).cast(first.schema).to_batches()
        # Raised again by insert(), in the caller's frame: an error, or a stop (Ctrl-C,
        # SIGTERM) whose handler ran here, as DuckDB pulls batches on the caller's thread
        # too (a GeneratorExit, DuckDB dropping the stream, is not caught).
        except (Exception, KeyboardInterrupt, SystemExit) as error:
            self._error = error

    def _take(self, item: _Prepared) -> pa.Table:
        table, rows, rejects = item
        self._counts.add(table, rows.height, rejects.height)
        if rejects.height:
            self._reject_parts += 1
            rejects.write_parquet(self._folder / f"rejects-{self._reject_parts:06d}.parquet")
        _report(self._progress, "validated", self._counts, self._opened)
        return rows.to_arrow()


@dataclass
class _Counts:
    """Rows of a file so far, summed over its batches."""

    read: int = 0
    loaded: int = 0
    rejected: int = 0
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_KINDS, 0))

    def add(self, table: RawTable, loaded: int, rejected: int) -> None:
        self.read += table.rows_read
        self.loaded += loaded
        self.rejected += rejected
        for kind, count in table.skipped.items():
            self.skipped[kind] = self.skipped.get(kind, 0) + count


def _ahead(items: Iterable[_Item], work: Callable[[_Item], _Done]) -> Iterator[_Done]:
    """work(item) for each item in order, the next one computed by a worker thread while
    the consumer deals with the current one. An error in the worker is raised here; a
    consumer that stops early waits for the one step under way, no more."""
    iterator = iter(items)
    finished = object()

    def step() -> _Done | object:
        item = next(iterator, finished)
        return finished if item is finished else work(item)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chuanhuo-read-ahead") as pool:
        pending = pool.submit(step)
        while (done := pending.result()) is not finished:
            pending = pool.submit(step)
            yield done  # type: ignore[misc]


def _whole_groups(tables: Iterable[RawTable], column: str) -> Iterator[RawTable]:
    """A big file's batches re-cut so that no group of rows (an order's lines, next to
    each other in the file) is split between two: each batch's trailing group moves to
    the front of the next. A batch keeps its counts (rows read, skipped); the rows it
    hands on are counted once, where they were read."""
    held: RawTable | None = None
    for table in tables:
        if held is not None:
            table = dataclasses.replace(
                table,
                frame=pl.concat([held.frame, table.frame], how="vertical"),
                short_rows={**held.short_rows, **table.short_rows},
                rows_read=held.rows_read + table.rows_read,
                skipped={
                    kind: held.skipped.get(kind, 0) + table.skipped.get(kind, 0)
                    for kind in {*held.skipped, *table.skipped}
                },
            )
            held = None
        keys = table.frame.get_column(column)
        last = keys[-1] if len(keys) else None
        if last is None:
            yield table
            continue
        others = (keys != last).fill_null(True).arg_true()
        cut = int(others[-1]) + 1 if len(others) else 0
        if cut == 0:
            # one group fills the batch: it may go on in the next one
            held = table
            continue
        head, tail = table.frame.slice(0, cut), table.frame.slice(cut)
        tail_rows = set(tail.get_column(SOURCE_ROW).to_list())
        held = dataclasses.replace(
            table,
            frame=tail,
            rows_read=0,
            skipped={},
            short_rows={row: n for row, n in table.short_rows.items() if row in tail_rows},
        )
        yield dataclasses.replace(
            table,
            frame=head,
            short_rows={row: n for row, n in table.short_rows.items() if row not in tail_rows},
        )
    if held is not None:
        yield held


def _small_bytes(source: Path) -> bytes | None:
    """A small file's bytes (read once: hashed and parsed); None for a big CSV, which is
    streamed (_load_big)."""
    try:
        if source.suffix.lower() in CSV_SUFFIXES and source.stat().st_size > reader.STREAM_BYTES:
            return None
        return source.read_bytes()
    except OSError as error:
        raise InputFileError(
            source,
            f"cannot be read ({error.strerror or error})",
            "check that the file exists, is complete and is readable",
        ) from None


def _identity(
    source: Path,
    chosen: Layout,
    columns: dict[str, str],
    frame: pl.DataFrame,
    known: tuple[str, str] | None,
    platforms: tuple[str | None, str | None, str | None],
    stores: tuple[str | None, str | None],
) -> tuple[str, str]:
    """(platform, store) of the file; a later batch must name the same ones as the first."""
    argument, folder_platform, wanted = platforms
    if known is not None:
        argument, folder_platform, wanted = known[0], None, known[0]
        stores = (known[1], None)
    column_platform = platform_in_file(chosen, columns, frame, source) if columns else None
    if column_platform is not None:
        # The standard template names its platform in a column: a third source.
        wanted = _agree(
            source,
            "platform",
            [("argument", argument), ("folder", folder_platform), ("column 平台", column_platform)],
        )
    return (
        _platform(source, chosen, wanted),
        _store(source, chosen, columns, frame, stores[0], stores[1]),
    )


def _reject_later_copies(
    con: duckdb.DuckDBPyConnection, chosen: Layout, load_id: int, source: Path
) -> int:
    """Reject rows whose natural key an earlier batch of the same file already loaded.

    Each batch rejects its own repeats; only a key repeated across batches reaches
    here. The original text is gone by then, so the rejected row keeps the key.
    """
    key = NATURAL_KEYS[chosen.table]
    listed = ", ".join(key)
    # Few rows or none: fetchall is cheapest, and keeps DuckDB's types out of the way.
    found = con.execute(
        f"""
        select source_row, {listed}
        from raw.{chosen.table}
        where load_id = ?
        qualify row_number() over (partition by {listed} order by source_row) > 1
        """,
        [load_id],
    ).fetchall()
    later = pl.DataFrame(found, schema=["source_row", *key], orient="row")
    if later.height == 0:
        return 0
    label = " + ".join(key)
    con.register("_later_copies", later.select("source_row"))
    try:
        con.execute(
            f"delete from raw.{chosen.table} where load_id = ? "
            "and source_row in (select source_row from _later_copies)",
            [load_id],
        )
    finally:
        con.unregister("_later_copies")
    rejects = later.select(
        pl.col("source_row"),
        pl.lit(label).alias("column_name"),
        pl.lit("duplicate_in_file").alias("reason_code"),
        pl.lit(f"the same {label} appears on an earlier row of this file").alias("reason"),
        pl.struct(list(key)).struct.json_encode().alias("original_row"),
    )
    bookkeeping.record_rejects(con, load_id, source.name, rejects)
    return later.height


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

    While one file is written (DuckDB lets go of the GIL for the insert and the
    commit), a worker thread reads and validates the next small file.
    """
    base = Path(root)
    results: list[LoadResult] = []
    paths = export_files(base)
    checker = con.cursor()
    try:
        early_reads = _ahead(paths, lambda path: _read_early(checker, path))
        for path, early in zip(paths, early_reads, strict=True):
            try:
                if isinstance(early, ChuanhuoError):
                    raise early
                result = (
                    load_file(con, path, progress=progress)
                    if early is None
                    else _write_opened(con, early, progress)
                )
            except ChuanhuoError as error:
                log.error("failed %s: %s", path.name, error.title)
                result = failed_result(path, error)
            except Exception as error:  # a bug: this file fails, the others still load
                failure = unexpected_failure(path, error)
                log.error("failed %s: %s", path.name, failure.title)
                result = failed_result(path, failure)
            results.append(result)
            if move_to is not None:
                folder = "rejected" if result.status == "failed" else "archive"
                target = move_to / folder / path.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
    finally:
        checker.close()
    return results


def _read_early(checker: duckdb.DuckDBPyConnection, path: Path) -> _Opened | ChuanhuoError | None:
    """A small file read and validated ahead of its turn; None for a big file (streamed in
    its turn) or one loaded before (load_file says so); its error if it cannot be read.

    `checker` is a connection of its own: this runs in the worker thread."""
    try:
        data = _small_bytes(path)
        if data is None:
            return None
        content_hash = hashlib.sha256(data).hexdigest()
        if bookkeeping.already_loaded(checker, content_hash) is not None:
            return None
        opened = _open(path, data, None, content_hash, None, None, None)
        opened.prepared = [opened.preparer(table) for table in opened.tables]
        return opened
    except ChuanhuoError as error:
        return error
    except Exception as error:  # a bug: raised in the file's turn, as its failure
        return unexpected_failure(path, error)


def _write_opened(
    con: duckdb.DuckDBPyConnection, opened: _Opened, progress: Progress | None
) -> LoadResult:
    """Write a file read ahead, unless the same bytes were loaded since it was read."""
    seen = _seen_before(con, opened.content_hash, opened.source)
    return seen if seen is not None else _write(con, opened, progress)


def _seen_before(
    con: duckdb.DuckDBPyConnection, content_hash: str, source: Path
) -> LoadResult | None:
    """The duplicate result of bytes loaded before, None for new bytes."""
    earlier = bookkeeping.already_loaded(con, content_hash)
    if earlier is None:
        return None
    log.info("skipped %s: same content as load %d", source.name, earlier)
    return _duplicate(con, earlier, source)


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


def unexpected_failure(path: Path, error: Exception) -> InputFileError:
    """An error no check foresaw, as the failure of this one file; the traceback goes to
    the debug log, so a nightly run files it under rejected/ and goes on."""
    log.debug("unexpected error loading %s", path, exc_info=error)
    return InputFileError(
        path,
        f"could not be loaded ({type(error).__name__}: {error})",
        "this is a chuanhuo bug: send the file to its maintainers; the other files loaded",
    )


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
        exit_code=error.exit_code,
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
    con: duckdb.DuckDBPyConnection, opened: _Opened, rows: pl.DataFrame, load_id: int
) -> None:
    """One insert of a small file's rows, inside the caller's transaction."""
    if rows.height == 0:
        return
    con.register("_rows_to_load", rows)
    try:
        _insert_from(con, opened, "_rows_to_load", load_id, [])
    finally:
        con.unregister("_rows_to_load")


def _insert_from(
    con: duckdb.DuckDBPyConnection,
    opened: _Opened,
    relation: str,
    load_id: int,
    parameters: list[object],
) -> None:
    """Insert `relation`'s rows with where they came from.

    The lineage is the same on every row: DuckDB adds it as constants, cheaper than
    columns of a million equal strings built in polars and converted row by row.
    """
    platform, store_id = opened.preparer.identity
    con.execute(
        f"insert into raw.{opened.chosen.table} by name "
        "select *, ? as source_file, ? as layout, ? as platform, ? as store_id, "
        f"?::bigint as load_id from {relation}",
        [
            opened.source.name,
            opened.chosen.name,
            platform,
            store_id,
            load_id,
            *[str(value) for value in parameters],
        ],
    )
