"""Deciding how a platform's CSV export is encoded, and decoding it.

Taobao/Tmall and JD write GBK, Douyin writes UTF-8 with a BOM, hand-made files
are anything. The order of trust is fixed: a BOM, then strict UTF-8, then
GB18030 (a superset of GBK and GB2312). This module must never guess silently:
a file no candidate decodes is an InputFileError, never mojibake in the warehouse.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

from warehouse.errors import InputFileError

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
FALLBACKS: tuple[str, ...] = ("utf-8", "gb18030")


def decode_bytes(data: bytes, path: Path | str) -> tuple[str, str]:
    """The text of `data` and the name of the encoding that decoded it strictly."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as error:
                raise _undecodable(path, name, error) from None
    failures: list[tuple[str, UnicodeDecodeError]] = []
    for name in FALLBACKS:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as error:
            failures.append((name, error))
    # The encoding that read furthest is the file's, broken where it stopped (a UTF-8
    # file with one stray byte fails GB18030 early, in its first Chinese text).
    name, error = max(failures, key=lambda failure: failure[1].start)
    raise _undecodable(path, name, error)


def read_text(path: Path) -> tuple[str, str]:
    """Read and decode a whole text file; see decode_bytes for the order of trust."""
    return decode_bytes(path.read_bytes(), path)


def _undecodable(path: Path | str, tried: str, error: UnicodeDecodeError) -> InputFileError:
    bad = error.object[error.start : error.start + 4]
    return InputFileError(
        path,
        f"cannot be decoded as {tried} (byte {error.start} is {bad!r})",
        "save the file again as UTF-8 or GBK CSV (Excel: 另存为 → CSV UTF-8), or as .xlsx",
    )
