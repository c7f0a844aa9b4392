"""A row cut short (fewer fields than the header) is rejected, never loaded with blanks.

polars fills a short row's missing tail with nulls; without this check the Tmall
order below would load as an unpaid order with gmv 0 and the sale would vanish.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingest import reader
from ingest.loader import load_file

REAL_TMALL = "03_tmall_order_report_head40.csv"


def _cut(
    real_exports: Path, tmp_path: Path, line_number: int, keep_fields: int, encoding: str = "utf-8"
) -> Path:
    lines = (real_exports / REAL_TMALL).read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[line_number - 1].rstrip("\r\n").split(",")
    lines[line_number - 1] = ",".join(fields[:keep_fields]) + "\n"
    cut = tmp_path / REAL_TMALL
    cut.write_text("".join(lines), encoding=encoding)
    return cut


@pytest.fixture(params=["utf-8", "gb18030"])
def encoding(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[None, 1, 3], ids=["whole", "batches-of-1", "batches-of-3"])
def read_as(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int | None:
    """Each claim for a file read whole and read as a big file is, in batches of
    `param` rows."""
    if request.param is not None:
        monkeypatch.setattr(reader, "STREAM_BYTES", 0)
        monkeypatch.setattr(reader, "BATCH_ROWS", request.param)
    return request.param


def test_a_row_cut_after_its_fourth_field_is_rejected_with_its_row_number(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    encoding: str,
    read_as: int | None,
):
    # line 7 is order 6: 总金额 327.7, paid 148.9, refunded 178.8 (gmv 327.70)
    cut = _cut(real_exports, tmp_path, line_number=7, keep_fields=4, encoding=encoding)

    result = load_file(con, cut, platform="tmall", store_id="qinyida")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (40, 39, 1)
    reject = con.execute("select source_row, reason_code, reason from raw.rejected_rows").fetchall()
    assert reject[0][:2] == (7, "row_cut_short")
    assert "4 of the header's 7 fields" in reject[0][2]
    # the whole file's 4123.50 / 733.40 without order 6's 327.70 / 178.80
    sums = con.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchone()
    assert sums == (Decimal("3795.80"), Decimal("554.60"))


def test_rows_whose_last_cells_are_empty_are_not_cut_short(
    con: duckdb.DuckDBPyConnection, real_exports: Path
):
    """Order 1 has an empty 订单付款时间 but all seven fields: it loads as unpaid."""
    result = load_file(con, real_exports / REAL_TMALL, platform="tmall", store_id="qinyida")
    assert result.rows_rejected == 0 and result.rows_loaded == 40


def _edited(
    real_exports: Path, tmp_path: Path, edit: Callable[[list[str]], None], encoding: str
) -> Path:
    lines = (real_exports / REAL_TMALL).read_text(encoding="utf-8").splitlines()
    edit(lines)
    path = tmp_path / REAL_TMALL
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def _sums(con: duckdb.DuckDBPyConnection) -> tuple:
    return con.execute("select sum(gmv), sum(refund) from raw.order_lines").fetchone()


def test_two_rows_joined_into_one_are_rejected_not_cut_to_the_header(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    encoding: str,
    read_as: int | None,
):
    # order 7 (line 8: gmv 357.00, refund 0) pasted onto the end of order 6 (line 7)
    def join(lines: list[str]) -> None:
        lines[6] = lines[6] + "," + lines.pop(7)

    path = _edited(real_exports, tmp_path, join, encoding)

    result = load_file(con, path, platform="tmall", store_id="qinyida")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (39, 38, 1)
    reject = con.execute("select source_row, reason_code, reason from raw.rejected_rows").fetchall()
    assert reject[0][:2] == (7, "row_too_long")
    assert "more fields than the header's 7" in reject[0][2]
    # 4123.50 / 733.40 without order 6's 327.70 / 178.80 and order 7's 357.00 / 0
    assert _sums(con) == (Decimal("3438.80"), Decimal("554.60"))


def test_a_row_cut_short_is_found_even_when_a_quoted_cell_spans_lines(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    read_as: int | None,
):
    def edit(lines: list[str]) -> None:
        cells = lines[3].split(",")
        cells[3] = '"安徽省\n合肥市"'  # order 3's address on two lines
        lines[3] = ",".join(cells)
        lines[6] = ",".join(lines[6].split(",")[:4])  # order 6 cut after its 4th field

    path = _edited(real_exports, tmp_path, edit, "utf-8")

    result = load_file(con, path, platform="tmall", store_id="qinyida")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (40, 39, 1)
    reject = con.execute("select source_row, reason_code from raw.rejected_rows").fetchall()
    # rows are numbered by record: the spanning cell does not shift order 6's number
    assert reject == [(7, "row_cut_short")]
    assert _sums(con) == (Decimal("3795.80"), Decimal("554.60"))


def test_a_header_ending_in_a_comma_does_not_make_every_row_short(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    read_as: int | None,
):
    def edit(lines: list[str]) -> None:
        lines[0] = lines[0] + ","

    path = _edited(real_exports, tmp_path, edit, "utf-8")

    result = load_file(con, path, platform="tmall", store_id="qinyida")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (40, 40, 0)
    assert _sums(con) == (Decimal("4123.50"), Decimal("733.40"))


def test_fields_are_counted_per_record_across_quoted_newlines_and_doubled_quotes(
    tmp_path: Path,
) -> None:
    # A big file's rows that may be short are looked up in these counts.
    path = tmp_path / "records.csv"
    path.write_text(
        "header line,skipped\n"
        "1,,3\n"  # 3 fields, one empty
        '"a,b",c\n'  # 2: the comma is quoted
        '"x\ny,z",1,2\n'  # 3: one record on two lines
        '"say ""hi, there""",2\r\n'  # 2: doubled quotes, CRLF
        "\n"  # an empty line holds no field
        '"p\n\n""q,""\nr",s,t,u\n'  # 4: four lines, commas inside
        '"a\nb,c\nd",x\n'  # 2: a line wholly inside a quoted cell
        "last,without,newline",
        encoding="utf-8",
    )

    counts = reader.record_field_counts(path, skip_lines=1)

    assert counts.to_list() == [3, 2, 3, 2, 0, 4, 2, 3]


def test_a_quote_never_closed_makes_one_last_record_to_the_end_of_the_file(
    tmp_path: Path,
) -> None:
    # a copy cut short inside a quoted cell: everything after the quote is that cell
    path = tmp_path / "open.csv"
    path.write_text('h\n1,2\n"never closed,3\n4,5\n', encoding="utf-8")

    assert reader.record_field_counts(path, skip_lines=1).to_list() == [2, 1]


def test_field_counts_agree_with_the_csv_module_on_random_well_formed_records(
    tmp_path: Path,
) -> None:
    pieces = ["a", "", "1,5", "x\ny", 'say "hi"', "\n", ",", "甲,乙", '""', "x\r\ny"]
    chooser = random.Random(20221104)
    records = [[chooser.choice(pieces) for _ in range(chooser.randint(1, 6))] for _ in range(300)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    text = "header\n" + buffer.getvalue()
    path = tmp_path / "random.csv"
    path.write_text(text, encoding="utf-8")
    expected = [len(record) for record in csv.reader(io.StringIO(text.split("\n", 1)[1]))]

    counts = reader.record_field_counts(path, skip_lines=1)

    assert counts.to_list() == expected


def test_rows_cut_short_are_found_in_a_file_that_ends_inside_a_quoted_cell(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    encoding: str,
    read_as: int | None,
):
    # A copy that stopped inside a quoted cell of the last row (order 40, gmv 0.00), in a
    # file whose order 6 (line 7, gmv 327.70, refund 178.80) was cut to four fields too.
    def cut(lines: list[str]) -> None:
        lines[6] = ",".join(lines[6].split(",")[:4])
        lines[40] = '40,139.0,0.0,"江西'

    path = _edited(real_exports, tmp_path, cut, encoding)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))

    result = load_file(con, path, platform="tmall", store_id="qinyida")

    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (40, 38, 2)
    rejects = con.execute(
        "select source_row, reason_code, reason from raw.rejected_rows order by source_row"
    ).fetchall()
    assert [(row, code) for row, code, _ in rejects] == [
        (7, "row_cut_short"),
        (41, "row_cut_short"),
    ]
    assert "4 of the header's 7 fields" in rejects[0][2]
    assert "4 of the header's 7 fields" in rejects[1][2]
    assert _sums(con) == (Decimal("3795.80"), Decimal("554.60"))
