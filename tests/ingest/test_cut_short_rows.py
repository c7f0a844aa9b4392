"""A row cut short (fewer fields than the header) is rejected, never loaded with blanks.

polars fills a short row's missing tail with nulls; without this check the Tmall
order below would load as an unpaid order with gmv 0 and the sale would vanish.
"""

from __future__ import annotations

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


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
@pytest.mark.parametrize("batch_rows", [None, 1, 3])
def test_a_row_cut_after_its_fourth_field_is_rejected_with_its_row_number(
    con: duckdb.DuckDBPyConnection,
    real_exports: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    encoding: str,
    batch_rows: int | None,
):
    # line 7 is order 6: 总金额 327.7, paid 148.9, refunded 178.8 (gmv 327.70)
    cut = _cut(real_exports, tmp_path, line_number=7, keep_fields=4, encoding=encoding)
    if batch_rows is not None:
        # read as a big file is: in batches of about `batch_rows` rows
        monkeypatch.setattr(reader, "STREAM_BYTES", 0)
        monkeypatch.setattr(reader, "BATCH_ROWS", batch_rows)

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
