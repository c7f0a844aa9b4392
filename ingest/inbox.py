"""The nightly batch: load every export waiting in an inbox folder, then file it away.

An inbox is `<inbox>/<platform>/<store_id>/<file>`. Each file is loaded in its
own transaction (ingest.loader); only after that transaction committed is the
file moved, to `<inbox>/archive/<same path>` when it was loaded (rejected rows
included: its good rows are in the warehouse) or was a duplicate, and to
`<inbox>/rejected/<same path>` when it failed as a whole. Beside it goes
`<file>.report.txt`: counts, load id and the reasons with row numbers. A crash
at any point leaves the file in the inbox, and the next run loads it (a file
whose load committed but was not moved yet is a duplicate the next time).

This module never moves a file before its load committed, never overwrites an
archived file (a clash gets a numbered suffix), and never writes cell contents
other than the layout's own columns into a report: no personal data.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.loader import (
    LoadResult,
    Progress,
    export_files,
    failed_result,
    load_file,
    unexpected_failure,
)
from warehouse.errors import ChuanhuoError, InputFileError

log = logging.getLogger(__name__)

ARCHIVE = "archive"
REJECTED = "rejected"
REPORT_SUFFIX = ".report.txt"
# Reasons listed in a report; the rest are counted, and all are in raw.rejected_rows.
REPORT_REASONS_SHOWN = 200

# Called with the path of the file about to be loaded (the CLI announces it).
FileStarted = Callable[[Path], None]


@dataclass(frozen=True)
class FiledExport:
    """One inbox file after its run: what the load did and where the file went."""

    relative_path: Path
    result: LoadResult
    moved_to: Path
    # None when the file could not be filed (it stays where it was)
    report: Path | None


def load_inbox(
    con: duckdb.DuckDBPyConnection,
    inbox: Path | str,
    *,
    progress: Progress | None = None,
    file_started: FileStarted | None = None,
) -> list[FiledExport]:
    """Load, then archive or reject, every export under `inbox` in path order.

    `archive/` and `rejected/` are never scanned; README and hidden files are not
    exports and stay where they are. A file that fails is logged and filed under
    rejected/; it never stops the files after it.
    """
    root = Path(inbox)
    filed: list[FiledExport] = []
    for path in export_files(root, skip_folders=(ARCHIVE, REJECTED)):
        relative = path.relative_to(root)
        if file_started is not None:
            file_started(path)
        stays = False
        try:
            result = load_file(con, path, progress=progress)
        except InputFileError as error:
            log.error("failed %s: %s", relative, error.title)
            result = failed_result(path, error)
        except ChuanhuoError as error:
            # not the file's fault (a full disk): it stays for the next run
            log.error("failed %s, left in the inbox: %s", relative, error.title)
            result, stays = failed_result(path, error), True
        except Exception as error:  # a bug: this file is rejected, the others still load
            failure = unexpected_failure(path, error)
            log.error("failed %s: %s", relative, failure.title)
            result = failed_result(path, failure)
        if stays:
            filed.append(FiledExport(relative, result, path, None))
            continue
        filed.append(_file(con, root, relative, result))
    return filed


def _file(
    con: duckdb.DuckDBPyConnection, root: Path, relative: Path, result: LoadResult
) -> FiledExport:
    """Move a file whose load committed (or failed whole) out of the inbox, its report
    beside it. A file that cannot be moved (taken away meanwhile) is logged, not fatal:
    its load stands."""
    folder = REJECTED if result.status == "failed" else ARCHIVE
    target = _free_name(root / folder / relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    report = target.with_name(target.name + REPORT_SUFFIX)
    report.write_text(report_text(con, relative, result), encoding="utf-8")
    try:
        shutil.move(root / relative, target)
    except OSError as error:
        report.unlink(missing_ok=True)
        log.error("could not file %s under %s/: %s", relative, folder, error.strerror or error)
        return FiledExport(relative, result, root / relative, None)
    log.info("filed %s under %s/", relative, folder)
    return FiledExport(relative, result, target, report)


def report_text(con: duckdb.DuckDBPyConnection, relative: Path, result: LoadResult) -> str:
    """The short report filed beside an export: counts, load id, reasons with row numbers."""
    lines = [
        f"file: {relative.as_posix()}",
        f"status: {result.status}",
        f"load id: {'' if result.load_id is None else result.load_id}",
        f"layout: {result.layout or ''}",
        f"platform: {result.platform or ''}",
        f"store: {result.store_id or ''}",
    ]
    if result.status == "failed":
        lines.append(f"error: {result.error}")
        return "\n".join(lines) + "\n"
    if result.status == "duplicate":
        lines.append(f"same content as load {result.load_id}: nothing was loaded again")
        return "\n".join(lines) + "\n"
    skipped = ", ".join(f"{kind} {count}" for kind, count in result.skipped_detail.items() if count)
    lines += [
        f"rows read: {result.rows_read}",
        f"rows loaded: {result.rows_loaded}",
        f"rows rejected: {result.rows_rejected}",
        f"rows skipped: {result.rows_skipped}" + (f" ({skipped})" if skipped else ""),
    ]
    if result.rows_rejected:
        lines.append("rejected rows (row number: column, reason):")
        reasons = con.execute(
            """
            select source_row, column_name, reason_code, reason
            from raw.rejected_rows
            where load_id = ?
            order by source_row
            limit ?
            """,
            [result.load_id, REPORT_REASONS_SHOWN],
        ).fetchall()
        for row, column, code, reason in reasons:
            lines.append(f"  row {row}: {column}: {code}: {reason}")
        if result.rows_rejected > len(reasons):
            lines.append(
                f"  ... {result.rows_rejected - len(reasons)} more in raw.rejected_rows "
                f"(load_id = {result.load_id})"
            )
    return "\n".join(lines) + "\n"


def _free_name(target: Path) -> Path:
    """`target`, or `name-2.csv`, `name-3.csv`... when an earlier file already has it."""
    candidate, number = target, 1
    while candidate.exists() or candidate.with_name(candidate.name + REPORT_SUFFIX).exists():
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    return candidate
