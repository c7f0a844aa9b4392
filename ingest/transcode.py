"""Widening a big GB18030 export into UTF-8 that polars can parse, in child processes.

polars reads UTF-8 only, and Python's GB18030 decoder was the slowest step of a GBK
load (about 2.4 CPU seconds per million order lines), most of it spent on columns no
layout reads (addresses, messages). So the file is not decoded here: every byte
above 0x7F is written as the character of the same number (U+0080 to U+00FF, two
bytes of UTF-8) and every other byte as it is. The copy is UTF-8 whose CSV structure
is the file's own, since no GB18030 character holds the byte of a quote, a comma or a
line end; the reader narrows the cells of the columns it reads back to their bytes
and decodes those strictly (reader._narrowed). The file is cut into one range per
core, each widened by a child process running this file as a script, and the parts
are joined in order.

This file must import nothing but the standard library: the children run it
directly, without the package.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

# Bytes read, widened and written at a time by a child: memory stays small (blocks
# bigger than a few MiB cost more in fresh pages than they save in calls).
_BLOCK_BYTES = 1 << 20
# A range smaller than this is not worth a process of its own.
_MIN_RANGE_BYTES = 32 << 20
# A child's exit code when reading or writing failed; it prints the errno.
_OS_ERROR = 4
# How often the children are checked on, and `abandon` asked.
_POLL_SECONDS = 0.05


class Abandoned(Exception):
    """The caller gave up on the file while it was being widened."""


def widen(
    source: Path,
    target: Path,
    workers: int | None = None,
    abandon: Callable[[], bool] | None = None,
) -> None:
    """Write `source` to `target` with every byte above 0x7F widened to UTF-8.

    `abandon` is asked while the children work: once it says so, they are stopped
    and Abandoned is raised. Nothing but `target` is left behind, and only on success.
    """
    size = source.stat().st_size
    count = max(1, min(workers or os.cpu_count() or 1, size // _MIN_RANGE_BYTES))
    cuts = _cuts(source, size, count)
    parts = [target, *(target.with_name(f"{target.name}.{index}") for index in range(1, count))]
    children: list[subprocess.Popen[str]] = []
    done = False
    try:
        for start, end, part in zip(cuts, cuts[1:], parts, strict=False):
            children.append(
                subprocess.Popen(
                    [sys.executable, __file__, str(source), str(start), str(end), str(part)],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        while any(child.poll() is None for child in children):
            if abandon is not None and abandon():
                raise Abandoned(source.name)
            time.sleep(_POLL_SECONDS)
        for child in children:
            out, err = child.communicate()
            if child.returncode == _OS_ERROR:
                number = int(out)
                raise OSError(number, os.strerror(number), str(target.parent))
            if child.returncode != 0:
                raise RuntimeError(f"widening {source.name} failed in a child process: {err}")
        with target.open("ab") as joined:
            for part in parts[1:]:
                with part.open("rb") as piece:
                    _append(piece, joined)
        done = True
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
            child.communicate()
        for part in parts[1:] if done else parts:
            part.unlink(missing_ok=True)
    log.debug("widened %s in %d processes", source.name, count)


def _cuts(source: Path, size: int, count: int) -> list[int]:
    """`count` + 1 offsets from 0 to `size`, each inner one just after a newline (any cut
    would do for the widening; whole lines keep each part a readable text)."""
    cuts = [0]
    with source.open("rb") as handle:
        for index in range(1, count):
            handle.seek(max(size * index // count, cuts[-1]))
            handle.readline()
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    return cuts


def _append(source: BinaryIO, target: BinaryIO) -> None:
    """Copy one open file onto the end of another, in the kernel where it can."""
    remaining = os.fstat(source.fileno()).st_size
    try:
        while remaining > 0:
            copied = os.copy_file_range(source.fileno(), target.fileno(), remaining)
            if copied == 0:
                break
            remaining -= copied
    except OSError:
        shutil.copyfileobj(source, target, _BLOCK_BYTES)


def _widen_range(source: Path, start: int, end: int, target: Path) -> None:
    """Bytes [start, end) of `source`, widened, in `target`."""
    with source.open("rb") as reading, target.open("wb") as writing:
        reading.seek(start)
        position = start
        while position < end and (block := reading.read(min(_BLOCK_BYTES, end - position))):
            position += len(block)
            writing.write(block.decode("latin-1").encode("utf-8"))


def _child(arguments: list[str]) -> int:
    source, start, end, target = arguments
    try:
        _widen_range(Path(source), int(start), int(end), Path(target))
    except OSError as error:  # a full disk, a file gone: the parent says so
        sys.stdout.write(str(error.errno or 0))
        return _OS_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
