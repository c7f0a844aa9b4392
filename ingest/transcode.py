"""Re-encoding a big GB18030 export as UTF-8, in child processes, one per core.

polars reads UTF-8 only, and Python's GB18030 decoder is the slowest step of a GBK
load (about two seconds per million order lines) and holds the interpreter while it
runs. A newline byte is never part of a GB18030 character, so the file is cut after
newlines into one range per core, each range is decoded strictly by a child
process running this file as a script, and the parts are joined in order.

This file must import nothing but the standard library: the children run it
directly, without the package. It never guesses: a byte that does not decode
fails the whole file, named by its offset.
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

# The encodings whose multibyte characters never contain the byte of a newline.
NEWLINE_SAFE = frozenset({"gb18030"})
# Bytes read, decoded and written at a time by a child: memory stays small (blocks
# bigger than a few MiB cost more in fresh pages than they save in calls).
_BLOCK_BYTES = 1 << 20
# A range smaller than this is not worth a process of its own.
_MIN_RANGE_BYTES = 32 << 20
_FAILED = 3
# How often the children are checked on, and `abandon` asked.
_POLL_SECONDS = 0.05


class UndecodableByte(Exception):
    """A byte of the source that its encoding does not decode, by offset in the file."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"undecodable byte at offset {offset}")
        self.offset = offset


class Abandoned(Exception):
    """The caller gave up on the file while it was being re-encoded."""


def transcode(
    source: Path,
    encoding: str,
    target: Path,
    workers: int | None = None,
    abandon: Callable[[], bool] | None = None,
) -> None:
    """Write `source`, decoded strictly from `encoding`, to `target` as UTF-8.

    Raises UndecodableByte with the first bad byte's offset. `encoding` must be one of
    NEWLINE_SAFE: the file is cut after newlines without knowing its characters.
    `abandon` is asked while the children work: once it says so, they are stopped
    and Abandoned is raised. Nothing but `target` is left behind, and only on success.
    """
    if encoding not in NEWLINE_SAFE:
        raise ValueError(f"{encoding} may hold a newline byte inside a character")
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
                    [
                        sys.executable,
                        __file__,
                        str(source),
                        str(start),
                        str(end),
                        encoding,
                        str(part),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        while any(child.poll() is None for child in children):
            if abandon is not None and abandon():
                raise Abandoned(source.name)
            time.sleep(_POLL_SECONDS)
        failures: list[int] = []
        for child in children:
            out, err = child.communicate()
            if child.returncode == _FAILED:
                failures.append(int(out))
            elif child.returncode != 0:
                raise RuntimeError(f"re-encoding {source.name} failed in a child process: {err}")
        if failures:
            raise UndecodableByte(min(failures))
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
    log.debug("re-encoded %s from %s in %d processes", source.name, encoding, count)


def _cuts(source: Path, size: int, count: int) -> list[int]:
    """`count` + 1 offsets from 0 to `size`, each inner one just after a newline."""
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


def _decode_range(source: Path, start: int, end: int, encoding: str, target: Path) -> int | None:
    """Bytes [start, end) of `source` decoded strictly to UTF-8 in `target`; the offset
    of the first byte that does not decode, or None. Blocks are cut after a newline."""
    with source.open("rb") as reading, target.open("wb") as writing:
        reading.seek(start)
        position, carry = start, b""
        while position < end:
            read = reading.read(min(_BLOCK_BYTES, end - position))
            if not read:
                break  # the file is shorter than it was: what is there is decoded
            position += len(read)
            block = carry + read
            cut = len(block) if position >= end else block.rfind(b"\n") + 1
            try:
                writing.write(block[:cut].decode(encoding).encode("utf-8"))
            except UnicodeDecodeError as error:
                return position - len(block) + error.start
            carry = block[cut:]
        if carry:
            try:
                writing.write(carry.decode(encoding).encode("utf-8"))
            except UnicodeDecodeError as error:
                return position - len(carry) + error.start
    return None


def _child(arguments: list[str]) -> int:
    source, start, end, encoding, target = arguments
    failed_at = _decode_range(Path(source), int(start), int(end), encoding, Path(target))
    if failed_at is None:
        return 0
    sys.stdout.write(str(failed_at))
    return _FAILED


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
