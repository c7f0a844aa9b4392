"""A big CSV is loaded while its scan runs: the load stands only when the scan bears it out.

The load starts on the encoding the file's head shows; the scan (the whole file's
hash and encoding) decides whether it may commit. Files are made "big" here by
setting the streaming threshold to zero and the head to a few hundred bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ingest import loader, reader, scratch
from ingest.layouts import Layout
from ingest.loader import load_file
from ingest.validate import Validated
from warehouse.errors import ChuanhuoError, InputFileError

DOUYIN = "douyin/1654131600_sub_orders_valid.csv"  # UTF-8 with a BOM

Fixture = Callable[[str], Path]


@pytest.fixture(autouse=True)
def _streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(reader, "BATCH_ROWS", 2)


def _placed(source: Path, tmp_path: Path, data: bytes | None = None) -> Path:
    target = tmp_path / "inbox" / "douyin" / "s1" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if data is None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data)
    return target


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    (count,) = con.execute(f"select count(*) from raw.{table}").fetchall()[0]
    return int(count)


def test_a_big_file_offered_again_is_a_duplicate_and_adds_nothing(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, tmp_path: Path
) -> None:
    path = _placed(fixture_file(DOUYIN), tmp_path)
    first = load_file(con, path)
    rows = _count(con, "order_lines")

    again = load_file(con, path)

    assert first.status == "loaded" and first.rows_loaded == rows > 0
    assert again.status == "duplicate"
    assert again.load_id == first.load_id
    assert _count(con, "order_lines") == rows
    assert _count(con, "loads") == 1


def test_a_file_whose_head_is_utf8_but_not_its_body_loads_nothing(
    con: duckdb.DuckDBPyConnection,
    fixture_file: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The last row's buyer message (a column never read) gets 急 in GBK, two bytes no
    # UTF-8 text holds: the load starts as UTF-8 on the head, loads every row it reads,
    # and must still be undone, the file refused at the byte where its BOM's UTF-8 failed.
    data = fixture_file(DOUYIN).read_bytes()
    last_row = data.rstrip(b"\r\n").rindex(b"\n") + 1
    cells = data[last_row:].split(b'","')
    offset = last_row + sum(len(cell) + 3 for cell in cells[:18])  # start of 买家留言
    data = data[:offset] + "急".encode("gb18030") + data[offset:]
    monkeypatch.setattr(reader, "_HEAD_BYTES", 300)
    path = _placed(fixture_file(DOUYIN), tmp_path, data)

    with pytest.raises(InputFileError, match=rf"cannot be decoded as utf-8-sig \(byte {offset}\)"):
        load_file(con, path)

    for table in ("loads", "order_lines", "rejected_rows"):
        assert _count(con, table) == 0


def test_a_big_utf8_file_with_one_stray_byte_is_refused_at_that_byte(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # 50 lines of 23 bytes, then "1,2\n": the stray byte is byte 1154. Its head is not
    # UTF-8, so the load starts as GB18030, which fails on the first line; the scan
    # then says UTF-8 read further, and the message names UTF-8's byte.
    path = tmp_path / "inbox" / "tmall" / "s1" / "stray.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(("订单编号,总金额\n" * 50 + "1,2\n").encode() + b"\xff3,4\n")

    with pytest.raises(InputFileError, match=r"cannot be decoded as utf-8 \(byte 1154\)"):
        load_file(con, path)


def test_a_big_file_that_grows_while_it_loads_is_refused_and_leaves_nothing(
    con: duckdb.DuckDBPyConnection,
    fixture_file: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A copy still being written when the nightly run starts: the rows read so far must
    # not load under the hash of bytes that are not the file's.
    path = _placed(fixture_file(DOUYIN), tmp_path)
    real_validate = loader.validate

    def validate_while_copying(table: reader.RawTable, layout: Layout) -> Validated:
        with path.open("ab") as copying:
            copying.write(b"\n")
        return real_validate(table, layout)

    monkeypatch.setattr(loader, "validate", validate_while_copying)

    with pytest.raises(ChuanhuoError, match="changed while it was being loaded") as raised:
        load_file(con, path)

    assert not isinstance(raised.value, InputFileError)  # an inbox keeps the file

    for table in ("loads", "order_lines", "rejected_rows"):
        assert _count(con, table) == 0


def test_a_big_file_with_lines_ended_by_cr_alone_is_refused_with_what_to_do(
    con: duckdb.DuckDBPyConnection, fixture_file: Fixture, tmp_path: Path
) -> None:
    data = fixture_file(DOUYIN).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    path = _placed(fixture_file(DOUYIN), tmp_path, data)

    with pytest.raises(InputFileError, match="carriage return alone") as raised:
        load_file(con, path)

    assert raised.value.hint is not None and "ordinary line ends" in raised.value.hint


def test_scratch_folders_of_stopped_loads_are_swept_and_running_ones_kept(
    tmp_path: Path,
) -> None:
    gone_pid = _pid_of_a_finished_process()
    stale = tmp_path / f"chuanhuo-{gone_pid}-utf8-abc"
    mine = tmp_path / f"chuanhuo-{os.getpid()}-utf8-def"
    other = tmp_path / "chuanhuo-notes"
    for folder in (stale, mine, other):
        folder.mkdir()
        (folder / "utf8.csv").write_text("x")

    assert scratch.sweep(tmp_path) == 1

    assert not stale.exists() and mine.exists() and other.exists()


def _pid_of_a_finished_process() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
