"""Damaged exports: every one is loaded with its rows accounted for, or refused by name.

Valid fixtures are cut short (mid-row, mid-character), mis-encoded, reshuffled,
emptied and replaced by garbage. Whatever happens, the loader gives either a
LoadResult whose rows read = loaded + rejected + skipped, or an InputFileError
naming the file: never another exception. And whatever it loaded, no personal
data from the buyer columns reaches any raw table.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from ingest.loader import load_file
from warehouse.errors import InputFileError
from warehouse.schema import create_raw_schema

TAOBAO = "taobao/ExportOrderList202206020800_valid.csv"  # GBK, no BOM
DOUYIN = "douyin/1654131600_sub_orders_valid.csv"
TAOBAO_BAD = "taobao/ExportOrderList202206020800_invalid.csv"
FIXTURES = Path(__file__).parent / "fixtures"
# Personal data printed in the fixtures' buyer columns.
PERSONAL = ("张秘密", "13912345678", "秘密路", "buyer_secret_nick", "secret@example.invalid")
RAW_TABLES = ("order_lines", "item_lines", "daily_sales", "rejected_rows", "loads")
SEED = 20220601
CUTS_PER_FILE = 12

Mutation = Callable[[bytes], bytes]


def _cut_mid_row(data: bytes) -> bytes:
    second_row = data.index(b"\n") + 1
    third_row = data.index(b"\n", second_row)
    return data[: (second_row + third_row) // 2]


def _cut_mid_character(encoding: str) -> Mutation:
    """Cut right after the first byte of a multi-byte character in the first data row."""

    def cut(data: bytes) -> bytes:
        text = data.decode(encoding)
        start = text.index("\n") + 1
        position = next(i for i in range(start, len(text)) if len(text[i].encode(encoding)) > 1)
        return text[:position].encode(encoding) + text[position].encode(encoding)[:1]

    return cut


def _utf8_read_as_latin1(data: bytes) -> bytes:
    return data.decode("utf-8-sig").encode("utf-8").decode("latin-1").encode("utf-8")


def _gbk_behind_a_utf8_bom(data: bytes) -> bytes:
    return codecs.BOM_UTF8 + data


def _shuffled_columns(encoding: str) -> Mutation:
    def shuffle(data: bytes) -> bytes:
        rows = list(csv.reader(io.StringIO(data.decode(encoding))))
        order = list(range(len(rows[0])))
        random.Random(SEED).shuffle(order)
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerows([row[i] if i < len(row) else "" for i in order] for row in rows)
        return text.getvalue().encode(encoding)

    return shuffle


def _header_only(data: bytes) -> bytes:
    return data[: data.index(b"\n") + 1]


def _empty(data: bytes) -> bytes:
    return b""


def _garbage(data: bytes) -> bytes:
    return random.Random(SEED).randbytes(len(data))


def _garbage_after_header(data: bytes) -> bytes:
    header = _header_only(data)
    return header + random.Random(SEED).randbytes(len(data) - len(header))


def _nul_bytes_in_a_row(data: bytes) -> bytes:
    second_row = data.index(b"\n") + 1
    return data[: second_row + 5] + b"\x00\x00\x00" + data[second_row + 5 :]


def _unclosed_quote(data: bytes) -> bytes:
    second_row = data.index(b"\n") + 1
    return data[:second_row] + b'"' + data[second_row:]


CASES: dict[str, tuple[str, Mutation]] = {
    "taobao_cut_mid_row": (TAOBAO, _cut_mid_row),
    "douyin_cut_mid_row": (DOUYIN, _cut_mid_row),
    "taobao_cut_mid_gbk_character": (TAOBAO, _cut_mid_character("gb18030")),
    "douyin_cut_mid_utf8_character": (DOUYIN, _cut_mid_character("utf-8-sig")),
    "douyin_utf8_read_as_latin1": (DOUYIN, _utf8_read_as_latin1),
    "taobao_gbk_behind_a_utf8_bom": (TAOBAO, _gbk_behind_a_utf8_bom),
    "taobao_shuffled_columns": (TAOBAO, _shuffled_columns("gb18030")),
    "douyin_shuffled_columns": (DOUYIN, _shuffled_columns("utf-8-sig")),
    "invalid_taobao_shuffled_columns": (TAOBAO_BAD, _shuffled_columns("gb18030")),
    "taobao_header_only": (TAOBAO, _header_only),
    "douyin_header_only": (DOUYIN, _header_only),
    "empty_csv": (TAOBAO, _empty),
    "binary_garbage": (TAOBAO, _garbage),
    "garbage_after_the_header": (DOUYIN, _garbage_after_header),
    "nul_bytes_in_a_row": (DOUYIN, _nul_bytes_in_a_row),
    "unclosed_quote": (TAOBAO, _unclosed_quote),
}


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    create_raw_schema(connection)
    yield connection
    connection.close()


def _stored_text(con: duckdb.DuckDBPyConnection) -> str:
    """Every value of every raw table, as text, for searching."""
    parts = []
    for table in RAW_TABLES:
        rows = con.execute(f"select * from raw.{table}").fetchall()
        parts.extend(str(value) for row in rows for value in row)
    return "\n".join(parts)


def _load_damaged(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str, data: bytes, suffix: str = ".csv"
) -> None:
    """The claim of this module, for one damaged file."""
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(data)
    try:
        result = load_file(con, path, platform=None, store_id="s1")
    except InputFileError as error:
        assert path.name in str(error)
    else:
        assert result.rows_read == result.rows_loaded + result.rows_rejected + result.rows_skipped
        if result.status == "loaded":
            (counted,) = con.execute(
                "select rows_read from raw.loads where load_id = ?", [result.load_id]
            ).fetchall()[0]
            assert counted == result.rows_read
    stored = _stored_text(con)
    assert not any(secret in stored for secret in PERSONAL)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_export_is_loaded_with_every_row_counted_or_refused_by_name(
    case: str, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    fixture, mutate = CASES[case]
    folder = tmp_path / "inbox" / ("douyin" if "douyin" in fixture else "tmall") / "s1"
    folder.mkdir(parents=True)
    _load_damaged(con, folder, case, mutate((FIXTURES / fixture).read_bytes()))


@pytest.mark.parametrize("fixture", [TAOBAO, DOUYIN, TAOBAO_BAD])
def test_an_export_cut_at_any_byte_is_loaded_with_every_row_counted_or_refused_by_name(
    fixture: str, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = (FIXTURES / fixture).read_bytes()
    folder = tmp_path / "inbox" / ("douyin" if "douyin" in fixture else "tmall") / "s1"
    folder.mkdir(parents=True)
    for cut in sorted(random.Random(SEED).sample(range(1, len(data)), CUTS_PER_FILE)):
        _load_damaged(con, folder, f"cut_at_{cut}", data[:cut])


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_garbage_with_a_workbook_suffix_is_refused_by_name(
    suffix: str, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox" / "tmall" / "s1"
    folder.mkdir(parents=True)
    with pytest.raises(InputFileError, match="garbage"):
        load_file(con, _write(folder / f"garbage{suffix}", random.Random(SEED).randbytes(4096)))


@pytest.mark.parametrize("fixture", [TAOBAO, TAOBAO_BAD])
def test_a_shuffled_export_loads_and_skips_the_same_rows_as_the_original(
    fixture: str, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    data = (FIXTURES / fixture).read_bytes()
    folder = tmp_path / "inbox" / "tmall" / "s1"
    folder.mkdir(parents=True)
    original = load_file(con, _write(folder / "original.csv", data))
    shuffled = load_file(con, _write(folder / "shuffled.csv", _shuffled_columns("gb18030")(data)))
    # The invalid fixture's 合计 line leaves the first column: still a total, not an order.
    assert shuffled.skipped_detail == original.skipped_detail
    counts = ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped")
    assert [getattr(shuffled, name) for name in counts] == [
        getattr(original, name) for name in counts
    ]
    by_load = con.execute(
        """
        select load_id, list(order_id || ' ' || gmv || ' ' || refund order by order_id)
        from raw.order_lines group by load_id order by load_id
        """
    ).fetchall()
    assert by_load[0][1] == by_load[1][1]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
