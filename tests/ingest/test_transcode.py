"""A big GB18030 file is widened for polars and its cells read are decoded back exactly.

The ranges are forced small (one per few lines) so that every claim crosses the cuts
between child processes; files are made "big" by a streaming threshold of zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import reader, transcode
from ingest.layouts import all_headers
from ingest.loader import load_file
from warehouse.errors import InputFileError

Fixture = Callable[[str], Path]
TAOBAO_VALID = "taobao/ExportOrderList202206020800_valid.csv"  # GBK, CRLF


@pytest.fixture(autouse=True)
def _tiny_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transcode, "_MIN_RANGE_BYTES", 1)


def test_every_byte_above_0x7f_is_widened_to_its_latin1_character_in_file_order(
    tmp_path: Path,
) -> None:
    data = "".join(f"第{n}行,¥{n}.00,“引号”\n" for n in range(40)).encode("gb18030")
    data += bytes(range(256)) + b"\n\xff\x80"  # every byte, undecodable ones too
    source = tmp_path / "gbk.csv"
    source.write_bytes(data)
    target = tmp_path / "wide.csv"

    transcode.widen(source, target, workers=3)

    assert target.read_bytes() == data.decode("latin-1").encode("utf-8")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["gbk.csv", "wide.csv"]


def test_widening_stops_when_the_caller_abandons_it_and_leaves_no_file(tmp_path: Path) -> None:
    source = tmp_path / "gbk.csv"
    source.write_bytes(("甲,1\n" * 1000).encode("gb18030"))

    with pytest.raises(transcode.Abandoned):
        transcode.widen(source, tmp_path / "wide.csv", abandon=lambda: True)

    assert [path.name for path in tmp_path.iterdir()] == ["gbk.csv"]


def _taobao_with(
    fixture_file: Fixture, tmp_path: Path, column: str | None, raw: bytes, row: int = 3
) -> Path:
    """The GBK Taobao fixture with the cell of `column` in data row `row` replaced by
    `raw` bytes (None: `raw` added as a field past the last); the line is split and
    joined as Latin-1, so bytes are kept. Edits accumulate in one file."""
    target = tmp_path / "inbox" / "tmall" / "s1" / "orders.csv"
    source = target if target.exists() else fixture_file(TAOBAO_VALID)
    lines = source.read_bytes().decode("latin-1").split("\r\n")
    header = [
        name.strip() for name in next(csv.reader([lines[0].encode("latin-1").decode("gb18030")]))
    ]
    cells = next(csv.reader([lines[row - 1]]))
    if column is None:
        cells.append(raw.decode("latin-1"))
    else:
        cells[header.index(column)] = raw.decode("latin-1")
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="").writerow(cells)
    lines[row - 1] = buffer.getvalue()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes("\r\n".join(lines).encode("latin-1"))
    return target


@pytest.fixture(params=["big", "small"])
def either_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test twice: the file loaded as a big one (streamed) and as a small one."""
    if request.param == "big":
        monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    return str(request.param)


def test_a_cell_read_that_gb18030_cannot_decode_refuses_the_file_by_row_and_column(
    fixture_file: Fixture, tmp_path: Path, con: object, either_size: str
) -> None:
    # 0x81 0x20: a lead byte followed by a space, which no GB18030 character has
    path = _taobao_with(fixture_file, tmp_path, "宝贝标题", "豆瓣".encode("gb18030") + b"\x81 ")

    with pytest.raises(
        InputFileError, match=r"cannot be decoded as gb18030 \(row 3, column 宝贝标题\)"
    ):
        load_file(con, path)  # type: ignore[arg-type]


@pytest.mark.parametrize("big", [True, False])
def test_a_cell_never_read_is_never_decoded_and_the_rows_load(
    fixture_file: Fixture, tmp_path: Path, big: bool
) -> None:
    # A damaged buyer's address (a column no layout reads, personal data) costs nothing,
    # in a big file as in a small one: the rows read exactly as from the undamaged file.
    clean = reader.read_table(fixture_file(TAOBAO_VALID), all_headers(), keep=_taobao_columns)
    path = _taobao_with(fixture_file, tmp_path, "收货地址", b"\x81 ")

    if big:
        scanned = reader.scan_file(path)
        frames = [
            table.frame
            for table in reader.read_batches(path, all_headers(), scanned, _taobao_columns)
        ]
    else:
        frames = [reader.read_table(path, all_headers(), keep=_taobao_columns).frame]

    assert len(frames) == 1
    assert frames[0].equals(clean.frame)


def _taobao_columns(names: list[str]) -> list[str]:
    return [name for name in names if name in {"订单编号", "宝贝标题", "订单状态", "总金额"}]


def test_of_two_undecodable_cells_the_earlier_row_is_named(
    fixture_file: Fixture, tmp_path: Path, con: object, either_size: str
) -> None:
    _taobao_with(fixture_file, tmp_path, "宝贝标题", b"\x81 ", row=3)
    path = _taobao_with(fixture_file, tmp_path, "订单状态", b"\xff", row=2)

    with pytest.raises(InputFileError, match=r"\(row 2, column 订单状态\)"):
        load_file(con, path)  # type: ignore[arg-type]


def test_a_bad_byte_in_the_last_column_or_past_it_is_not_decoded(
    fixture_file: Fixture, tmp_path: Path, con: object, either_size: str
) -> None:
    # The file's last column (not a layout's) is read only to find rows cut short, and a
    # field past it only to find a row too long: neither is ever decoded strictly.
    header = fixture_file(TAOBAO_VALID).read_bytes().split(b"\r\n")[0].decode("gb18030")
    last = next(csv.reader([header]))[-1].strip()
    _taobao_with(fixture_file, tmp_path, last, "小".encode("gb18030") + b"\xff", row=2)
    path = _taobao_with(fixture_file, tmp_path, None, b"\xff", row=3)

    result = load_file(con, path, platform="tmall", store_id="s1")  # type: ignore[arg-type]

    assert (result.rows_loaded, result.rows_rejected) == (result.rows_read - 1, 1)
    rejected = con.execute("select source_row, reason_code from raw.rejected_rows").fetchall()  # type: ignore[attr-defined]
    assert rejected == [(3, "row_too_long")]


def test_a_big_gbk_file_refused_for_a_bad_cell_is_widened_once(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, con: object
) -> None:
    # The load starts before the file's scan ends; once the scan agrees, the error
    # stands as it is: the file is not read a second time to say the same.
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    path = _taobao_with(fixture_file, tmp_path, "宝贝标题", b"\x81 ")
    calls: list[Path] = []
    real_widen = transcode.widen

    def counted(source: Path, target: Path, **options: object) -> None:
        calls.append(source)
        real_widen(source, target, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(transcode, "widen", counted)

    with pytest.raises(InputFileError, match=r"gb18030 \(row 3, column 宝贝标题\)"):
        load_file(con, path)  # type: ignore[arg-type]

    assert calls == [path]
