"""A big CSV loaded batch by batch gives the same warehouse as the file read whole.

The batches are forced small here (a few rows) so the fixtures cross batch
boundaries: counts, skipped lines, rejected rows with their row numbers, and the
loaded rows must not depend on where a batch ends.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest import loader, reader, transcode
from ingest.layouts import Layout, all_headers
from ingest.loader import load_file
from ingest.validate import Validated
from warehouse.errors import InputFileError
from warehouse.schema import create_raw_schema

Fixture = Callable[[str], Path]
TAOBAO_VALID = "taobao/ExportOrderList202206020800_valid.csv"  # GBK
TAOBAO_BAD = "taobao/ExportOrderList202206020800_invalid.csv"  # GBK, blank and total lines
DOUYIN = "douyin/1654131600_sub_orders_valid.csv"  # UTF-8 with a BOM
# An order's SKU lines repeat its amounts (JD) or are numbered within it (宝贝报表): a
# batch must never split an order.
JD = "jd/jd_orders_202206_valid.csv"
JD_BAD = "jd/jd_orders_202206_invalid.csv"
TAOBAO_ITEMS = "taobao/ExportOrderDetailList202206020800_valid.csv"
DOUYIN_BAD = "douyin/1654304400_sub_orders_invalid.csv"
COUNTS = ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped", "skipped_detail")


def _warehouse() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    create_raw_schema(connection)
    return connection


@pytest.fixture
def pair() -> Iterator[tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]]:
    """Two empty warehouses: one loads files whole, the other in batches."""
    whole, batched = _warehouse(), _warehouse()
    yield whole, batched
    whole.close()
    batched.close()


def _placed(fixture_file: Fixture, relative: str, tmp_path: Path) -> Path:
    platform = {"douyin": "douyin", "jd": "jd"}.get(relative.split("/")[0], "tmall")
    target = tmp_path / "inbox" / platform / "s1" / Path(relative).name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(fixture_file(relative), target)
    return target


def _in_batches_of(rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    monkeypatch.setattr(reader, "BATCH_ROWS", rows)


def _stored(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    rows = (
        con.execute(
            "select * exclude (load_id) from raw.order_lines order by source_row"
        ).fetchall()
        + con.execute(
            "select * exclude (load_id) from raw.item_lines order by source_row"
        ).fetchall()
    )
    rejects = con.execute(
        "select source_row, column_name, reason_code from raw.rejected_rows order by source_row"
    ).fetchall()
    return rows, rejects


@pytest.mark.parametrize("relative", [TAOBAO_BAD, DOUYIN, DOUYIN_BAD, JD, JD_BAD, TAOBAO_ITEMS])
@pytest.mark.parametrize("batch_rows", [1, 2, 3])
def test_a_file_loaded_in_batches_stores_what_it_stores_read_whole(
    relative: str,
    batch_rows: int,
    pair: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection],
    fixture_file: Fixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole, batched = pair
    path = _placed(fixture_file, relative, tmp_path)
    expected = load_file(whole, path)
    _in_batches_of(batch_rows, monkeypatch)

    result = load_file(batched, path)

    assert [getattr(result, name) for name in COUNTS] == [
        getattr(expected, name) for name in COUNTS
    ]
    assert _stored(batched) == _stored(whole)


def test_a_gbk_cell_spanning_lines_survives_every_cut_and_batch_size(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A GB18030 file is widened in ranges cut after newlines, one child process each,
    # then read in batches: a buyer's message holding a newline and a doubled quote must
    # never become two records, wherever a range or a batch ends.
    text = fixture_file(TAOBAO_VALID).read_bytes().decode("gb18030")
    lines = text.split("\r\n")
    cells = lines[2].split('","')
    cells[11] = '请周五前发货\n""加急""'
    lines[2] = '","'.join(cells)
    path = tmp_path / "multiline.csv"
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    whole = reader.read_table(path, all_headers())
    assert whole.frame.get_column("买家留言").to_list()[1] == '请周五前发货\n"加急"'
    # every newline of the file, the one inside the message included, starts a range
    monkeypatch.setattr(transcode, "_MIN_RANGE_BYTES", 1)
    real_widen = transcode.widen
    monkeypatch.setattr(
        transcode,
        "widen",
        lambda source, target, **options: real_widen(
            source, target, **{**options, "workers": text.count("\n") + 1}
        ),
    )

    for rows in range(1, 6):
        monkeypatch.setattr(reader, "BATCH_ROWS", rows)
        tables = list(reader.read_batches(path, all_headers(), reader.scan_file(path)))
        frame = pl.concat([table.frame for table in tables])
        assert frame.equals(whole.frame), f"batches of {rows} rows"


def test_a_key_repeated_in_a_later_batch_is_rejected_at_its_own_row(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The invalid Taobao fixture repeats row 2's order on row 7; with batches of two
    # data rows they sit in different batches.
    path = _placed(fixture_file, TAOBAO_BAD, tmp_path)
    _in_batches_of(2, monkeypatch)
    con = _warehouse()

    load_file(con, path)

    duplicates = con.execute(
        "select source_row, original_row from raw.rejected_rows "
        "where reason_code = 'duplicate_in_file'"
    ).fetchall()
    # An order report has one line per order: its line_id is empty by the layout's rule.
    assert duplicates == [(7, '{"order_id":"20220601000000011","line_id":""}')]
    con.close()


def test_progress_counts_rows_batch_by_batch_then_the_insert_then_done(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _placed(fixture_file, DOUYIN, tmp_path)
    _in_batches_of(1, monkeypatch)
    calls: list[tuple[str, int]] = []
    con = _warehouse()

    result = load_file(con, path, progress=lambda stage, done, total: calls.append((stage, done)))

    # The valid Douyin fixture: 4 data rows, in blocks of about one row's bytes.
    assert result.rows_read == 4
    validated = [done for stage, done in calls if stage == "validated"]
    assert len(validated) > 1
    assert validated == sorted(set(validated))
    assert calls[len(validated) - 1 :] == [("validated", 4), ("inserted", 4), ("done", 4)]
    con.close()


def test_a_big_file_with_a_header_and_no_rows_is_an_empty_load(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = fixture_file(DOUYIN).read_bytes()
    path = tmp_path / "inbox" / "douyin" / "s1" / "header_only.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(source[: source.index(b"\n") + 1])
    _in_batches_of(2, monkeypatch)
    con = _warehouse()

    result = load_file(con, path)

    assert (result.status, result.rows_read, result.store_id) == ("loaded", 0, "s1")
    assert con.execute("select rows_read from raw.loads").fetchall() == [(0,)]
    con.close()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_big_file_that_no_encoding_decodes_is_refused_by_name(
    bom: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "inbox" / "tmall" / "s1" / "noise.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(bom + random.Random(7).randbytes(50_000))
    _in_batches_of(2, monkeypatch)
    con = _warehouse()

    with pytest.raises(InputFileError, match=r"noise\.csv: cannot be decoded"):
        load_file(con, path)
    assert con.execute("select count(*) from raw.loads").fetchall() == [(0,)]
    con.close()


def test_an_error_in_a_later_batch_leaves_nothing_of_the_earlier_ones(
    fixture_file: Fixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Batches are validated in a worker thread while earlier ones are being inserted:
    # a failure there must still undo the whole file.
    path = _placed(fixture_file, DOUYIN, tmp_path)
    _in_batches_of(1, monkeypatch)
    calls = []
    real_validate = loader.validate

    def failing_on_the_third(table: reader.RawTable, layout: Layout) -> Validated:
        calls.append(table.rows_read)
        if len(calls) == 3:
            raise InputFileError(path, "fails on its third batch", "nothing to do")
        return real_validate(table, layout)

    monkeypatch.setattr(loader, "validate", failing_on_the_third)
    con = _warehouse()

    with pytest.raises(InputFileError, match="third batch"):
        load_file(con, path)

    assert len(calls) == 3
    for table in ("loads", "order_lines", "rejected_rows"):
        assert con.execute(f"select count(*) from raw.{table}").fetchone() == (0,)
    con.close()
