"""Reading a platform export (csv, xlsx, xls) into an all-text table with its row numbers.

The reader finds the header row (not always row 1: 生意参谋 puts four metadata
rows above it), normalises header names, keeps the 1-based row number of every
data row as the file shows it, and sets aside the rows that are not data (blank
rows, repeated header lines, total rows), counting them by kind. It never
converts a cell to a number or date (layouts do that, with reasons for every
failure), never drops a row without counting it, and never logs cell contents:
exports carry buyers' personal data.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import logging
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import polars as pl
import pyarrow as pa

from ingest import transcode
from ingest.cells import normalise_header
from ingest.encoding import FALLBACKS, decode_bytes
from ingest.scratch import scratch_folder
from warehouse.errors import ChuanhuoError, InputFileError

log = logging.getLogger(__name__)

HEADER_SCAN_ROWS = 10
CSV_SUFFIXES = frozenset({".csv", ".txt"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls"})
SOURCE_ROW = "source_row"
# Cells that mark a total line rather than a sale (in any column).
TOTAL_MARKERS: tuple[str, ...] = ("合计", "总计", "总计:", "合计:")
SKIP_KINDS: tuple[str, ...] = ("blank", "repeated_header", "total")
# CSV files bigger than this are read in batches of BATCH_ROWS rows, so memory stays
# bounded by a batch whatever the file's size; smaller ones are read whole (faster).
STREAM_BYTES = 16 << 20
BATCH_ROWS = 100_000
_BLOCK_BYTES = 8 << 20
# Read as their bytes widened (ingest.transcode), the cells read decoded afterwards: no
# character of these encodings holds the byte of a quote, a comma or a line end.
_WIDENED = frozenset({"gb18030"})
_HEAD_BYTES = 1 << 20
# The BOMs ingest.encoding trusts first, in its order, for the streaming pass.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# Given the normalised names of a file's columns once its header row is found, the names
# of the columns to read. A loader keeps only its layout's: polars then parses only those
# (a Tmall 订单报表 has 54 columns, the layout needs 12), and personal data is never read.
Keep = Callable[[list[str]], Iterable[str]]


@dataclass(frozen=True)
class RawTable:
    """One export as text: data rows only, plus what was set aside and why."""

    path: Path
    frame: pl.DataFrame
    encoding: str
    header_row: int
    raw_headers: list[str]
    skipped: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    # source_row -> number of fields, for CSV rows with fewer fields than the header
    # (a row cut short) or more (two rows joined, an unquoted comma; counted as
    # TOO_MANY): such a row is rejected, never loaded with its tail blank or cut off.
    short_rows: dict[int, int] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        """Normalised names of the columns read, in file order (the frame's but source_row).

        `raw_headers` names every column of the file, read or not.
        """
        return [name for name in self.frame.columns if name != SOURCE_ROW]

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())


def read_table(
    path: Path | str,
    known_headers: Iterable[str],
    *,
    data: bytes | None = None,
    keep: Keep | None = None,
) -> RawTable:
    """Read a csv/xlsx/xls export as text, header row found by matching `known_headers`.

    `known_headers` are the names any accepted layout may use; the header is the
    row among the first ten that contains most of them. `data`, when given, is the
    file's bytes already read (the loader hashes them), so a CSV is read once. `keep`,
    when given, chooses the columns to read once the header is known (default: all).
    """
    source = Path(path)
    if data is None and not source.is_file():
        raise InputFileError(source, "no such file", "check the path")
    known = {normalise_header(name) for name in known_headers} - {""}
    suffix = source.suffix.lower()
    short_rows: dict[int, int] = {}
    if suffix in CSV_SUFFIXES:
        raw = source.read_bytes() if data is None else data
        grid, encoding, header_line, raw_headers, utf8 = _read_csv(source, known, raw, keep)
        short_rows = _short_rows(utf8, grid, header_line, raw_headers)
        grid = grid.drop(_extra(raw_headers))
    elif suffix in EXCEL_SUFFIXES:
        grid, encoding, header_line = _read_excel(source, known)
        raw_headers = ["" if cell is None else str(cell) for cell in grid.row(0)]
        if keep is not None:
            wanted = _kept(_column_names(raw_headers), keep)
            grid = grid.select([f"c{index}" for index in wanted])
    else:
        raise InputFileError(
            source,
            f"unsupported file type {suffix or '(none)'}",
            "export the report as .csv, .xlsx or .xls",
        )
    table = _split_rows(source, grid, encoding, header_line, raw_headers)
    if short_rows:
        kept = _rows(table)
        table = dataclasses.replace(
            table, short_rows={row: count for row, count in short_rows.items() if row in kept}
        )
    log.debug(
        "read %s: encoding %s, header on row %d, %d data rows, skipped %s",
        source.name,
        encoding,
        table.header_row,
        table.rows_read,
        table.skipped,
    )
    return table


# The field count recorded for a row with more fields than the header.
TOO_MANY = -1


def _extra(raw_headers: Sequence[str]) -> str:
    """The column read past the header's last: a cell there means a row too long."""
    return f"c{len(raw_headers)}"


def fields_needed(raw_headers: Sequence[str]) -> int:
    """Fields a complete row has: the header's, less unnamed ones at its end (a header
    line ending in a comma names a last column that the rows may leave out)."""
    needed = len(raw_headers)
    while needed > 1 and not normalise_header(raw_headers[needed - 1]):
        needed -= 1
    return needed


def _short_rows(
    utf8: bytes, grid: pl.DataFrame, header_line: int, raw_headers: list[str]
) -> dict[int, int]:
    """Source rows (as _split_rows numbers them) with fewer or more fields than the header.

    `grid` starts with the header record, on line `header_line` (0-based) of `utf8`.
    """
    lines_before = utf8.split(b"\n", header_line)
    body = lines_before[-1] if len(lines_before) > header_line else b""
    # grid row i (row 0 is the header) is source row header_line + 1 + i
    return {
        header_line + 1 + index: fields
        for index, fields in _ragged_lines(
            grid, raw_headers, lambda: _field_counts(body, grid.height)
        ).items()
    }


def _ragged_lines(
    grid: pl.DataFrame, raw_headers: list[str], counted: Callable[[], FieldCounts | None]
) -> dict[int, int]:
    """Grid rows holding fewer fields than a complete row, or more than the header:
    {row index: fields, or TOO_MANY}.

    polars fills the missing tail of a short row with nulls, which would load a cut row
    as an order with its amounts blank, and drops the cells past the header's last. The
    grid holds the file's last column and one past it (`_extra`), so a row too long
    shows a cell there, and only a row whose last cell is null can be short (an empty
    quoted cell reads as ""): only those rows are looked up in `counted()`, the field
    count of each of the grid's records, asked for only when some row could be short.
    """
    width, extra = len(raw_headers), _extra(raw_headers)
    found = dict.fromkeys(
        grid.with_row_index("index")
        .filter(pl.col(extra).is_not_null() & (pl.col(extra) != ""))
        .get_column("index")
        .to_list(),
        TOO_MANY,
    )
    last = f"c{width - 1}"
    needed = fields_needed(raw_headers)
    if width < 2 or last not in grid.columns or not grid.get_column(last).has_nulls():
        return found
    cells = [name for name in grid.columns if name != extra]
    blank = pl.concat_str([pl.col(name).fill_null("") for name in cells]) == ""
    candidates = (
        grid.with_row_index("index")
        .filter(pl.col(last).is_null())
        .filter(~blank)
        .get_column("index")
        .to_list()
    )
    if not candidates:
        return found
    counts = counted()
    if counts is None:
        log.debug("records of the text and the grid differ; cut-short rows not checked")
        return found
    for index in candidates:
        if counts(index) < needed:
            found[index] = counts(index)
    return found


# The number of fields of a record, by its index among the records read.
FieldCounts = Callable[[int], int]


def _field_counts(utf8: bytes, records: int) -> FieldCounts | None:
    """The number of fields of each record of `utf8`, by index; None if the text does not
    hold `records` records. Lines are counted one at a time when each is a record (the
    usual case); a quoted cell spanning lines makes the whole text parsed once."""
    lines = utf8.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    if len(lines) == records:
        return lambda index: len(next(csv.reader([lines[index].decode("utf-8").rstrip("\r")]), []))
    try:
        parsed = [len(record) for record in csv.reader(io.StringIO(utf8.decode("utf-8")))]
    except csv.Error:
        return None
    if len(parsed) != records:
        return None
    return parsed.__getitem__


def _rows(table: RawTable) -> set[int]:
    return set(table.frame.get_column(SOURCE_ROW).to_list())


def _score(cells: Sequence[object], known: set[str]) -> int:
    return len({normalise_header(cell) for cell in cells} & known)


class HeaderNotFoundError(InputFileError):
    """No scanned row names enough known columns; `first_row` is the file's first row,
    so the loader can name the layout it comes closest to and what it lacks."""

    def __init__(self, path: Path, first_row: list[str], hint: str) -> None:
        shown = ", ".join(cell for cell in first_row[:8] if cell) or "(blank)"
        super().__init__(
            path,
            f"no header row of a known layout in the first {HEADER_SCAN_ROWS} rows "
            f"(the first row reads: {shown})",
            hint,
        )
        self.first_row = first_row


def _best_header(rows: Sequence[Sequence[object]], known: set[str], path: Path) -> int:
    """Index of the scanned row that names most known headers (the first one on a tie)."""
    filled = [row for row in rows if any(str(cell or "").strip() for cell in row)]
    if not filled:
        raise InputFileError(path, "the file is empty", "export the report again")
    scores = [_score(row, known) for row in rows]
    best = max(scores, default=0)
    if best < min(2, len(known)):
        raise HeaderNotFoundError(
            path,
            [normalise_header(cell) for cell in filled[0]],
            "the file should have a header row naming its columns; known names include "
            + ", ".join(sorted(known)[:8]),
        )
    return scores.index(best)


def _kept(names: list[str], keep: Keep) -> list[int]:
    """Positions of the columns to read: those `keep` names, and the file's last column.

    The last is read whatever its name: a row cut short is found by its missing tail.
    """
    return sorted(_wanted(names, keep) | {len(names) - 1})


def _wanted(names: list[str], keep: Keep) -> set[int]:
    """Positions of the columns `keep` names (their values are what a load keeps)."""
    wanted = set(keep(names))
    return {index for index, name in enumerate(names) if name in wanted}


def _read_csv(
    path: Path, known: set[str], data: bytes, keep: Keep | None
) -> tuple[pl.DataFrame, str, int, list[str], bytes]:
    """Grid of the records from the header on, its encoding, header line index and cells,
    and the file as UTF-8 (without a BOM)."""
    has_bom = data.startswith(tuple(mark for mark, _ in _BOMS))
    utf8_at = None if has_bom else _utf8_failure(data)
    head = data if len(data) <= _HEAD_BYTES else data[: data.rfind(b"\n", 0, _HEAD_BYTES) + 1]
    bad_at: int | None = None
    if not has_bom and utf8_at is None:
        # Strict UTF-8 (checked by Arrow, fast): polars reads the bytes as they are, and
        # only the head is decoded, for the header.
        encoding, utf8 = "utf-8", data
        text = head.decode("utf-8")
    elif not has_bom:
        # GB18030, widened as a big file is (ingest.transcode): only the header and the
        # cells read are decoded, strictly; a column never read is never decoded.
        encoding, utf8 = FALLBACKS[-1], data.decode("latin-1").encode("utf-8")
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as error:
            bad_at, text = error.start, head.decode(encoding, "replace")
    else:
        text, encoding = decode_bytes(data, path)
        text = text.removeprefix("\ufeff")
        utf8 = text.encode("utf-8")
    reader = csv.reader(io.StringIO(text))
    scanned: list[list[str]] = []
    line_before: list[int] = []
    lines_read = 0
    try:
        try:
            for record in reader:
                line_before.append(lines_read)
                scanned.append(record)
                lines_read = reader.line_num
                if len(scanned) >= HEADER_SCAN_ROWS:
                    break
        except csv.Error as error:
            raise _unreadable(path, error, reader.line_num) from None
        header_index = _best_header(scanned, known, path)
    except InputFileError:
        if bad_at is not None:
            raise _gb18030_failure(path, utf8_at, bad_at) from None
        raise
    # lines up to the header's end: those before the next record, or all read so far
    header_end = (
        line_before[header_index + 1] if header_index + 1 < len(line_before) else lines_read
    )
    if bad_at is not None and bad_at < _offset_after_lines(head, header_end):
        raise _gb18030_failure(path, utf8_at, bad_at)
    width = len(scanned[header_index])
    wanted = None if keep is None else [*_kept(_column_names(scanned[header_index]), keep), width]
    del text
    try:
        grid = _grid(utf8, line_before[header_index], width)
        grid = (grid if wanted is None else grid.select(f"c{index}" for index in wanted)).collect()
    except pl.exceptions.PolarsError:
        raise _damaged(path, None) from None
    if encoding == FALLBACKS[-1] and not has_bom:
        names = _column_names(scanned[header_index])
        strict = None if keep is None else {f"c{index}" for index in _wanted(names, keep)}
        try:
            grid = _narrowed(grid, encoding, strict)
        except _CellUndecodable as bad:
            header = names[int(bad.column.removeprefix("c"))]
            row = line_before[header_index] + 1 + bad.index
            raise _cell_failure(path, encoding, row, header, utf8_at) from None
    # Row numbers count physical lines, as an editor shows them; a quoted cell that
    # spans lines after the header shifts them (not seen in platform exports).
    return grid, encoding, line_before[header_index], scanned[header_index], utf8


def _read_excel(path: Path, known: set[str]) -> tuple[pl.DataFrame, str, int]:
    """The sheet whose header matches best, every cell as text, from its first row."""
    try:
        workbook = fastexcel.read_excel(path)
    except Exception as error:  # calamine raises its own types for corrupt files
        raise InputFileError(
            path, f"cannot be opened as a workbook ({error})", "open it in Excel and save again"
        ) from None
    best_sheet, best_score = None, -1
    for name in workbook.sheet_names:
        head = workbook.load_sheet(
            name, header_row=None, n_rows=HEADER_SCAN_ROWS, dtypes="string"
        ).to_polars()
        rows = [list(row) for row in head.iter_rows()]
        scores = [_score(row, known) for row in rows]
        if scores and max(scores) > best_score:
            best_sheet, best_score = name, max(scores)
    if best_sheet is None:
        raise InputFileError(path, "the workbook has no sheet with rows", "check the file")
    grid = workbook.load_sheet(best_sheet, header_row=None, dtypes="string").to_polars()
    grid = grid.rename({old: f"c{index}" for index, old in enumerate(grid.columns)})
    rows = [list(row) for row in grid.head(HEADER_SCAN_ROWS).iter_rows()]
    header_index = _best_header(rows, known, path)
    suffix = path.suffix.lower().lstrip(".")
    # calamine starts the grid at the first row holding a value; row numbers must
    # count from the top of the sheet, as Excel shows them.
    offset = _xlsx_first_row(path, best_sheet) - 1 if suffix != "xls" else 0
    return grid.slice(header_index), suffix, header_index + offset


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _xlsx_first_row(path: Path, sheet: str) -> int:
    """The 1-based number of the first row with a value in an xlsx sheet (1 if unknown).

    Read from the sheet's XML, stopping at the first cell that holds a value, so a
    big sheet is not parsed twice. Legacy .xls is not inspected: there, row numbers
    count from the first row with a value (a known limitation).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rel_id = next(
                item.get(_REL_ID)
                for item in book.iter(f"{_MAIN}sheet")
                if item.get("name") == sheet
            )
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            target = next(
                item.get("Target", "")
                for item in rels.iter(f"{_RELS}Relationship")
                if item.get("Id") == rel_id
            )
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            with archive.open(member) as stream:
                for _, element in ElementTree.iterparse(stream, events=("end",)):
                    if element.tag != f"{_MAIN}c":
                        continue
                    if (
                        element.find(f"{_MAIN}v") is not None
                        or element.find(f"{_MAIN}is") is not None
                    ):
                        match = re.search(r"[0-9]+$", element.get("r", ""))
                        return int(match.group()) if match else 1
    except (KeyError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError) as error:
        log.debug(
            "%s: first row of sheet %s unknown (%s); counting from 1", path.name, sheet, error
        )
    return 1


def _column_names(raw_headers: Sequence[str]) -> list[str]:
    """Normalised, unique, non-empty column names (duplicates get _2, _3...)."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_headers, start=1):
        name = normalise_header(raw) or f"_column_{position}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        names.append(name if count == 1 else f"{name}_{count}")
    return names


def _normalised_cell(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.normalize("NFKC")
        .str.replace_all("\ufeff", "")
        .str.strip_chars()
        .str.strip_chars_start("=")
        .str.strip_chars()
        .str.strip_chars("\"'")
        .str.strip_chars()
    )


def _split_rows(
    path: Path, grid: pl.DataFrame, encoding: str, header_line: int, raw_headers: list[str]
) -> RawTable:
    """Header from the grid's first row; data rows numbered; blank/header/total rows counted.

    `raw_headers` names every column of the file; the grid may hold only some of them.
    """
    return _split_body(path, grid.slice(1), raw_headers, encoding, header_line + 1, 0)


def _split_body(
    path: Path,
    grid: pl.DataFrame,
    raw_headers: list[str],
    encoding: str,
    header_row: int,
    rows_before: int,
) -> RawTable:
    """Rows below the header (`rows_before` of them in earlier batches) numbered and sorted.

    The grid's columns are c<position in the file>; those read are named from the header.
    """
    every_name = _column_names(raw_headers)
    positions = [int(column.removeprefix("c")) for column in grid.columns]
    names = [every_name[position] for position in positions]
    body = grid.rename(dict(zip(grid.columns, names, strict=True)))
    body = body.with_row_index(SOURCE_ROW, offset=header_row + 1 + rows_before).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )
    cells = [pl.col(name) for name in names]
    joined = pl.concat_str([cell.fill_null("") for cell in cells])
    is_blank = joined.str.strip_chars() == ""
    named = [
        (pl.col(name), normalise_header(raw_headers[position]))
        for name, position in zip(names, positions, strict=True)
        if normalise_header(raw_headers[position])
    ]
    # Normalising every cell is slow; only rows that could be set aside are normalised
    # and compared: a blank row has a blank first cell, a repeated header has the first
    # header in its first cell, a total has a 计 in some cell. A file without such rows
    # (the usual case) costs one filter. The 计 test runs per column: concatenating the
    # row first (54 columns in a Tmall report) cost twice as much on a big batch.
    first_header = named[0][1] if named else ""
    first = cells[0].fill_null("")
    could_be_blank = first.str.strip_chars() == ""
    could_be_header = first.str.contains(first_header, literal=True) if first_header else False
    could_be_total = pl.any_horizontal(
        [cell.str.contains("计", literal=True).fill_null(False) for cell in cells]
    )
    candidates = body.filter(could_be_blank | could_be_header | could_be_total)
    skipped = dict.fromkeys(SKIP_KINDS, 0)
    if candidates.height == 0:
        frame = body
    else:
        is_header = pl.all_horizontal(
            [(_normalised_cell(cell) == header).fill_null(False) for cell, header in named]
        )
        # Any cell, not only the first: a seller may have moved the order column.
        is_total = pl.any_horizontal(
            [_normalised_cell(cell).is_in(TOTAL_MARKERS).fill_null(False) for cell in cells]
        )
        kind = (
            pl.when(is_blank)
            .then(pl.lit("blank"))
            .when(is_header)
            .then(pl.lit("repeated_header"))
            .when(is_total)
            .then(pl.lit("total"))
            .otherwise(None)
        )
        kinds = candidates.select(pl.col(SOURCE_ROW), kind.alias("_skip_kind")).drop_nulls()
        for kind_name, count in kinds.get_column("_skip_kind").value_counts().iter_rows():
            skipped[kind_name] = int(count)
        frame = body.join(
            kinds.select(SOURCE_ROW), on=SOURCE_ROW, how="anti", maintain_order="left"
        )
    frame = frame.select([SOURCE_ROW, *names])
    return RawTable(
        path=path,
        frame=frame,
        encoding=encoding,
        header_row=header_row,
        raw_headers=raw_headers,
        skipped=skipped,
        rows_read=body.height,
    )


@dataclass(frozen=True)
class ScannedFile:
    """What one streaming pass over a big CSV learns: its hash, encoding and size."""

    content_hash: str
    encoding: str
    size: int
    # Where strict UTF-8 failed, for a file taken as GB18030: if GB18030 fails too, the
    # error names the encoding that read further.
    utf8_failed_at: int | None = None


def scan_file(path: Path) -> ScannedFile:
    """The sha256 and the encoding of a file, in one pass of bounded memory.

    The order of trust is ingest.encoding's: a BOM, then strict UTF-8, then GB18030.
    Only the first is checked here; a file that is not UTF-8 is taken as GB18030,
    which the transcoding that must follow decodes strictly, so a file that neither
    decodes is still refused, and no file is decoded twice.
    """
    digest = hashlib.sha256()
    size = 0
    failed_at: int | None = None
    # A block is hashed by a worker thread (hashlib lets go of the GIL) while it is
    # checked here: the pass costs the slower of the two, not their sum.
    with path.open("rb") as handle, ThreadPoolExecutor(max_workers=1) as hasher:
        block = handle.read(_BLOCK_BYTES)
        bom = next((name for mark, name in _BOMS if block.startswith(mark)), None)
        candidate = bom or FALLBACKS[0]
        # UTF-8 is checked by Arrow's validator, six times faster than decoding it in
        # Python (the text itself is not needed here); other BOMs by Python's decoder.
        utf8 = candidate in ("utf-8", "utf-8-sig")
        decoder = codecs.getincrementaldecoder(candidate)("strict")
        carry = b""
        while block:
            hashed = hasher.submit(digest.update, block)
            if failed_at is None and utf8:
                chunk = carry + block if carry else block
                end = _complete_end(chunk)
                bad = _utf8_failure(memoryview(chunk)[:end])
                if bad is not None:
                    failed_at = size - len(carry) + bad
                carry = chunk[end:]
            elif failed_at is None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    failed_at = size + error.start
            size += len(block)
            hashed.result()
            block = handle.read(_BLOCK_BYTES)
    if failed_at is None and utf8 and carry:
        failed_at = size - len(carry)  # the file ends inside this character
    elif failed_at is None and not utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            failed_at = size
    if failed_at is None:
        encoding = candidate
    elif bom is not None:
        raise _undecodable(path, bom, failed_at)
    else:
        encoding = FALLBACKS[-1]
    return ScannedFile(
        content_hash=digest.hexdigest(),
        encoding=encoding,
        size=size,
        utf8_failed_at=failed_at if encoding == FALLBACKS[-1] else None,
    )


def head_encoding(path: Path) -> str:
    """The encoding a file's first MiB says it has: its BOM's, else UTF-8 if that head
    is strict UTF-8, else GB18030. A guess: only scan_file reads the whole file."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if bom is not None:
        return bom
    if len(head) == _HEAD_BYTES:
        head = head[: _complete_end(head)]
    return FALLBACKS[0] if _utf8_failure(head) is None else FALLBACKS[-1]


def _complete_end(chunk: bytes) -> int:
    """Length of `chunk` up to its last whole UTF-8 character (a block may split one)."""
    lead = len(chunk) - 1
    while lead >= 0 and len(chunk) - lead < 4 and chunk[lead] & 0xC0 == 0x80:
        lead -= 1
    if lead < 0:
        return len(chunk)
    first = chunk[lead]
    width = 2 if 0xC0 <= first < 0xE0 else 3 if 0xE0 <= first < 0xF0 else 4 if first >= 0xF0 else 1
    # A byte that starts no character (width 1 here) is left for the validator to refuse.
    return len(chunk) if lead + width <= len(chunk) or first >= 0xF8 else lead


def _utf8_failure(chunk: memoryview | bytes) -> int | None:
    """Offset of the first byte of `chunk` that is not strict UTF-8, or None if all are."""
    if not chunk:
        return None
    offsets = pa.array([0, len(chunk)], pa.int32()).buffers()[1]
    text = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(chunk)])
    try:
        text.validate(full=True)
        return None
    except pa.ArrowInvalid:
        pass
    # Arrow says only that the block is bad; Python's decoder says where.
    try:
        bytes(chunk).decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def _damaged(path: Path, from_row: int | None) -> InputFileError:
    """A CSV polars cannot split into records (from `from_row` on, when known: a big
    file is parsed 100k records at a time, and the rows before that batch were read)."""
    where = "" if from_row is None else f" from row {from_row} on"
    return InputFileError(
        path,
        f"is not a readable CSV{where}: a quoted cell never closes (the copy was cut short), "
        'or a quote (") stands inside a cell that is not itself quoted',
        "export the report again; if the file is whole, look for a stray quote in those rows "
        "(saving it again from Excel as CSV quotes such cells)",
    )


def _unreadable(path: Path, error: csv.Error, line: int) -> InputFileError:
    """A CSV the csv module cannot split into records (e.g. lines ended by CR alone)."""
    return InputFileError(
        path,
        f"is not a readable CSV on line {line} ({error})",
        "save it again as CSV with ordinary line ends (Excel: 另存为 → CSV UTF-8)",
    )


_RESAVE = "save the file again as UTF-8 or GBK CSV (Excel: 另存为 → CSV UTF-8), or as .xlsx"


class UndecodableError(InputFileError):
    """A byte the file's encoding does not decode, by its offset or the row holding it:
    where, so that the encoding which read further can be named (see named_further)."""

    def __init__(
        self, path: Path, tried: str, where: str, offset: int | None, at_row: int | None
    ) -> None:
        super().__init__(path, f"cannot be decoded as {tried} ({where})", _RESAVE)
        self.tried, self.offset, self.at_row = tried, offset, at_row


def _undecodable(path: Path, tried: str, offset: int) -> UndecodableError:
    return UndecodableError(path, tried, f"byte {offset}", offset, None)


def named_further(error: ChuanhuoError, path: Path, utf8_at: int | None) -> ChuanhuoError:
    """`error`, or if GB18030 failed before strict UTF-8 did (at `utf8_at`), the UTF-8
    failure instead: such a file is more likely UTF-8 with a stray byte."""
    if not isinstance(error, UndecodableError) or error.tried != FALLBACKS[-1] or utf8_at is None:
        return error
    if error.offset is not None and utf8_at > error.offset:
        return _undecodable(path, FALLBACKS[0], utf8_at)
    if error.at_row is not None and _line_of(path, utf8_at) > error.at_row:
        return _undecodable(path, FALLBACKS[0], utf8_at)
    return error


@dataclass
class Batches:
    """A big CSV as batches of RawTable: iterate once; `estimated_rows` is for progress."""

    path: Path
    encoding: str
    raw_headers: list[str]
    header_row: int
    estimated_rows: int
    # The UTF-8 text read: the file itself, or its UTF-8 scratch copy (GB18030, UTF-16).
    _source: Path
    # Lines of _source up to the header's end: the records after them are the data.
    _skip_lines: int
    _scratch: tempfile.TemporaryDirectory[str] | None
    # Positions of the columns read (all when None), as _kept chose them.
    _columns: list[int] | None = None
    # The encoding the cells read are narrowed back to and decoded from, when _source
    # is the file widened (ingest.transcode); None when _source is UTF-8 text.
    _narrow: str | None = None
    # The columns whose cells are decoded strictly (all when None): those kept.
    _strict: frozenset[str] | None = None
    # Where strict UTF-8 failed, for a file read as GB18030: see _cell_undecodable.
    _utf8_failed_at: int | None = None

    @property
    def headers(self) -> list[str]:
        """Normalised names of the columns read, as RawTable.headers gives them."""
        names = _column_names(self.raw_headers)
        return names if self._columns is None else [names[index] for index in self._columns]

    def __iter__(self) -> Iterator[RawTable]:
        """polars parses the file in its own threads, BATCH_ROWS records at a time, while
        the caller works on the batch before: memory holds a few batches, not the file."""
        extra = _extra(self.raw_headers)
        grid = _grid(self._source, self._skip_lines, len(self.raw_headers))
        if self._columns is not None:
            grid = grid.select(*(f"c{index}" for index in self._columns), extra)
        parsed = grid.collect_batches(chunk_size=BATCH_ROWS)
        counted = _Counted(self._source, self._skip_lines)
        rows_before = 0
        try:
            for batch in parsed:
                if self._narrow is not None:
                    batch = self._narrowed(batch.drop(extra), rows_before).with_columns(
                        batch.get_column(extra)
                    )
                table = _split_body(
                    self.path,
                    batch.drop(extra),
                    self.raw_headers,
                    self.encoding,
                    self.header_row,
                    rows_before,
                )
                first_row = self.header_row + 1 + rows_before
                short = {
                    first_row + index: fields
                    for index, fields in _ragged_lines(
                        batch, self.raw_headers, counted.after(rows_before)
                    ).items()
                }
                if short:
                    kept = _rows(table)
                    table = dataclasses.replace(
                        table, short_rows={row: n for row, n in short.items() if row in kept}
                    )
                rows_before += batch.height
                yield table
        except pl.exceptions.PolarsError:
            raise _damaged(self.path, self.header_row + 1 + rows_before) from None
        finally:
            # A caller that stops early (an error in a batch) drops `parsed` with this
            # frame, which stops polars' reading too.
            self.close()

    def _narrowed(self, batch: pl.DataFrame, rows_before: int) -> pl.DataFrame:
        """A batch of the widened file with its cells back in their own characters."""
        assert self._narrow is not None
        try:
            return _narrowed(batch, self._narrow, self._strict)
        except _CellUndecodable as bad:
            row = self.header_row + 1 + rows_before + bad.index
            header = _column_names(self.raw_headers)[int(bad.column.removeprefix("c"))]
            raise self._cell_undecodable(row, header) from None

    def _cell_undecodable(self, row: int, header: str) -> ChuanhuoError:
        assert self._narrow is not None
        return _cell_failure(self.path, self._narrow, row, header, self._utf8_failed_at)

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _grid(source: Path | bytes, skip_lines: int, width: int) -> pl.LazyFrame:
    """The records after `skip_lines` lines as text columns c0, c1, …, c<width>.

    A schema, not names: a batch holding only short rows would otherwise fail; their
    missing cells are null. One column past the header's last `width`: a cell there
    marks a row too long (the cells past it are dropped here).
    """
    return pl.scan_csv(
        source,
        has_header=False,
        skip_lines=skip_lines,
        schema={f"c{index}": pl.String for index in range(width + 1)},
        missing_columns="insert",
        extra_columns="ignore",
        truncate_ragged_lines=True,
        quote_char='"',
        raise_if_empty=False,
    )


class _CellUndecodable(Exception):
    """A cell of a widened frame that its encoding does not decode (row index, column)."""

    def __init__(self, index: int, column: str) -> None:
        super().__init__(f"row {index}, column {column}")
        self.index, self.column = index, column


def _narrowed(
    frame: pl.DataFrame, encoding: str, strict: Collection[str] | None = None
) -> pl.DataFrame:
    """A frame read from a widened file (ingest.transcode) with its cells back in their
    own characters.

    Each distinct cell holding a widened byte is narrowed to its bytes and decoded once:
    an export repeats its product names and statuses, so a batch of 100k rows decodes a
    few thousand cells. Columns in `strict` (all when None) are decoded strictly, and
    _CellUndecodable names the first row holding a cell that does not decode; the others
    (read only to find short rows and repeated headers) are decoded leniently.
    """
    replaced = []
    first_bad: _CellUndecodable | None = None
    for column in frame.columns:
        cells = frame.get_column(column)
        # a widened byte is two bytes of UTF-8 for one character (a third the regex's cost)
        wide = (cells.str.len_bytes() != cells.str.len_chars()).fill_null(False)
        if not wide.any():
            continue
        errors = "strict" if strict is None or column in strict else "replace"
        decoded: dict[str, str] = {}
        for cell in cells.filter(wide).unique(maintain_order=True).to_list():
            try:
                decoded[cell] = cell.encode("latin-1").decode(encoding, errors)
            except UnicodeDecodeError:
                index = int((cells == cell).fill_null(False).arg_true()[0])
                if first_bad is None or index < first_bad.index:
                    first_bad = _CellUndecodable(index, column)
        replaced.append(cells.replace(decoded))
    if first_bad is not None:
        raise first_bad
    return frame.with_columns(replaced) if replaced else frame


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line of `path` that holds byte `offset`."""
    lines, done = 1, 0
    with path.open("rb") as handle:
        while done < offset and (block := handle.read(min(_BLOCK_BYTES, offset - done))):
            lines += block.count(b"\n")
            done += len(block)
    return lines


class _Counted:
    """The field count of every record of a big file, counted once and only if asked.

    Only rows whose last cell is missing are looked up (see _ragged_lines); most files
    have none and never pay for this second pass over their text.
    """

    def __init__(self, source: Path, skip_lines: int) -> None:
        self._source, self._skip_lines = source, skip_lines
        self._counts: pl.Series | None = None

    def after(self, records_before: int) -> Callable[[], FieldCounts | None]:
        """Field counts of a batch, whose first record follows `records_before` others;
        None if the file's records and polars' rows disagree."""

        def counts() -> FieldCounts | None:
            if self._counts is None:
                self._counts = record_field_counts(self._source, self._skip_lines)
            every = self._counts
            if records_before >= len(every):
                return None

            def fields(index: int) -> int:
                position = records_before + index
                # past the records counted (should not be): taken as whole, and logged
                if position >= len(every):
                    log.debug("record %d of %s was not counted", position, self._source.name)
                    return sys.maxsize
                return int(every[position])

            return fields

        return counts


def record_field_counts(source: Path, skip_lines: int) -> pl.Series:
    """Fields of each CSV record of a UTF-8 file after its first `skip_lines` lines.

    Vectorised by polars, line by line. A field ends at a comma outside quotes: each
    quote toggles inside and outside, so a line's commas are split into those after an
    even and after an odd number of its quotes (one regex, run only on lines holding a
    quote), and the quotes of the lines before decide which of the two are outside. A
    line ends a record when the quotes up to it are even; a last record that never
    closes its quote (a file cut short) is counted to the file's end.
    """
    line = pl.col("line")
    quotes = line.str.count_matches('"', literal=True)
    commas = line.str.count_matches(",", literal=True)
    # every match is a quoted stretch (to its closing quote or the line's end) or a comma
    # outside one; the stretches number half the quotes, rounded up
    stretches_and_commas = line.str.count_matches(r'"[^"]*(?:"|$)|,')
    per_line = (
        pl.scan_lines(source)
        .slice(skip_lines)
        .select(
            quotes=quotes.cast(pl.Int64),
            commas=commas.cast(pl.Int64),
            even=pl.when(quotes > 0)
            .then(stretches_and_commas - (quotes + 1) // 2)
            .otherwise(commas)
            .cast(pl.Int64),
            empty=line.str.strip_chars_end("\r").str.len_bytes() == 0,
        )
        .collect(engine="streaming")
    )
    if per_line.height == 0:
        return pl.Series("fields", [], dtype=pl.Int64)
    total = pl.col("quotes").cum_sum()
    starts_inside = (total - pl.col("quotes")) % 2 == 1
    ends_record = total % 2 == 0
    counted = per_line.select(
        outside=pl.when(starts_inside)
        .then(pl.col("commas") - pl.col("even"))
        .otherwise(pl.col("even")),
        empty=pl.col("empty"),
        record=ends_record.shift(1, fill_value=True).cum_sum(),
    )
    return (
        counted.group_by("record", maintain_order=True)
        .agg(
            # an empty line is a record of no fields, as the csv module counts it
            pl.when((pl.len() == 1) & pl.col("empty").first())
            .then(0)
            .otherwise(pl.col("outside").sum() + 1)
            .alias("fields")
        )
        .get_column("fields")
        .cast(pl.Int64)
    )


def read_batches(
    path: Path | str,
    known_headers: Iterable[str],
    scanned: ScannedFile,
    keep: Keep | None = None,
    abandon: Callable[[], bool] | None = None,
) -> Batches:
    """A big CSV export, header found as read_table finds it, to be read in batches.

    `keep` chooses the columns to read, as for read_table.

    polars reads UTF-8 only: a file in any other encoding is first copied to UTF-8
    beside the system's temp files, removed once the batches are read (disk about the
    file's size, not memory). GB18030 is widened (ingest.transcode), its cells read
    decoded strictly batch by batch; UTF-16 is decoded whole, strictly. `abandon`,
    asked while a file is widened, stops that early (transcode.Abandoned).
    """
    source = Path(path)
    known = {normalise_header(name) for name in known_headers} - {""}
    scratch: tempfile.TemporaryDirectory[str] | None = None
    utf8 = source
    widened = scanned.encoding in _WIDENED
    if scanned.encoding not in ("utf-8", "utf-8-sig", *_WIDENED):
        scratch, utf8 = _copy_as_utf8(source, scanned, abandon)
    try:
        # The header is read from the file itself (a widened copy's would be garbled),
        # decoded strictly; line counts are the same in the file and in its copy.
        with (source if widened else utf8).open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
        if b"\n" not in head and b"\r" in head:
            raise InputFileError(
                source,
                "its lines end with a carriage return alone (CR, an old Mac format)",
                "save it again as CSV with ordinary line ends (Excel: 另存为 → CSV UTF-8)",
            )
        complete = head if len(head) < _HEAD_BYTES else head[: head.rfind(b"\n") + 1]
        # Data rows in a widened file's head are decoded as every other row is (only the
        # cells read, _narrowed): a bad byte there refuses the file only when it is in
        # the header or above it, or when no header can be read around it.
        bad_at: int | None = None
        try:
            text = complete.decode(scanned.encoding if widened else "utf-8")
        except UnicodeDecodeError as error:
            if not widened:
                # a file loaded before its scan ends, on its head's encoding, may not be one
                raise _undecodable(source, scanned.encoding, error.start) from None
            bad_at = error.start
            text = complete.decode(scanned.encoding, "replace")
        try:
            records, line_after = _head_records(source, text)
            header_index = _best_header(records[:HEADER_SCAN_ROWS], known, source)
        except InputFileError:
            if bad_at is not None:
                raise _gb18030_failure(source, scanned.utf8_failed_at, bad_at) from None
            raise
        if bad_at is not None and bad_at < _offset_after_lines(complete, line_after[header_index]):
            raise _gb18030_failure(source, scanned.utf8_failed_at, bad_at)
        if widened:
            # only now that the file has a header is it worth copying
            scratch, utf8 = _copy_as_utf8(source, scanned, abandon)
    except BaseException:
        if scratch is not None:
            scratch.cleanup()
        raise
    header_line = line_after[header_index - 1] if header_index else 0
    names = _column_names(records[header_index])
    rows_in_head = max(len(records) - header_index - 1, 1)
    estimated = int(scanned.size * rows_in_head / max(len(complete), 1))
    return Batches(
        path=source,
        encoding=scanned.encoding,
        raw_headers=records[header_index],
        header_row=header_line + 1,
        estimated_rows=estimated,
        _source=utf8,
        _skip_lines=line_after[header_index],
        _scratch=scratch,
        _columns=None if keep is None else _kept(names, keep),
        _narrow=scanned.encoding if widened else None,
        _strict=None if keep is None else frozenset(f"c{index}" for index in _wanted(names, keep)),
        _utf8_failed_at=scanned.utf8_failed_at,
    )


def _copy_as_utf8(
    source: Path, scanned: ScannedFile, abandon: Callable[[], bool] | None
) -> tuple[tempfile.TemporaryDirectory[str], Path]:
    """A scratch folder holding `source` as UTF-8 text polars can read: widened for
    GB18030 (ingest.transcode), decoded strictly otherwise (UTF-16)."""
    scratch = scratch_folder("utf8")
    target = Path(scratch.name) / "utf8.csv"
    try:
        if scanned.encoding in _WIDENED:
            transcode.widen(source, target, abandon=abandon)
        else:
            _decode_here(source, scanned.encoding, target)
    except OSError as error:
        scratch.cleanup()
        raise _no_scratch(source, scanned.size, error) from None
    except BaseException:
        scratch.cleanup()
        raise
    return scratch, target


def _head_records(source: Path, text: str) -> tuple[list[list[str]], list[int]]:
    """The records of a file's head, and the number of lines read after each."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    records: list[list[str]] = []
    line_after: list[int] = []
    try:
        for record in reader:
            records.append(record)
            line_after.append(reader.line_num)
    except csv.Error as error:
        raise _unreadable(source, error, reader.line_num) from None
    return records, line_after


def _offset_after_lines(data: bytes, lines: int) -> int:
    """The byte offset just past the first `lines` newlines of `data` (its end if fewer)."""
    offset = 0
    for _ in range(lines):
        found = data.find(b"\n", offset)
        if found < 0:
            return len(data)
        offset = found + 1
    return offset


def _cell_failure(
    path: Path, encoding: str, row: int, header: str, utf8_at: int | None
) -> ChuanhuoError:
    """A cell read that `encoding` does not decode, or UTF-8's failure if it read further."""
    error = UndecodableError(path, encoding, f"row {row}, column {header}", None, row)
    return named_further(error, path, utf8_at)


def _gb18030_failure(source: Path, utf8_at: int | None, offset: int) -> ChuanhuoError:
    """A byte GB18030 cannot decode, at `offset`, or UTF-8's if it read further."""
    return named_further(_undecodable(source, FALLBACKS[-1], offset), source, utf8_at)


def _no_scratch(source: Path, size: int, error: OSError) -> ChuanhuoError:
    """The UTF-8 copy of a big file could not be written: not the file's fault."""
    return ChuanhuoError(
        f"cannot write the UTF-8 copy of {source.name} in {tempfile.gettempdir()} "
        f"({error.strerror or error})",
        f"it needs {size / 2**20:,.0f} to {size * 2 / 2**20:,.0f} MiB free there (more "
        "the more Chinese text the file holds): free some space, or "
        "point TMPDIR at a bigger disk, and load the file again",
    )


def _decode_here(source: Path, encoding: str, target: Path) -> None:
    """`source` decoded strictly from `encoding` (UTF-16) into `target` as UTF-8."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    done = 0
    try:
        with source.open("rb") as reading, target.open("wb") as writing:
            while block := reading.read(_BLOCK_BYTES):
                writing.write(decoder.decode(block).encode("utf-8"))
                done += len(block)
            writing.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as error:
        raise _undecodable(source, encoding, done + error.start) from None
