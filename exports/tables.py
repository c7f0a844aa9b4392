"""CSV for Excel (UTF-8 with BOM, CRLF) and Parquet of the ranking tables.

CSV shows amounts in 万元 like the workbook, with Chinese headers; Parquet keeps
the exact yuan decimals and the English column names, for scripts.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from exports.cells import inert_text, to_wan

if TYPE_CHECKING:
    from scoring.api import ListTable

log = logging.getLogger(__name__)


def _csv_cell(column: str, value: object, money: set[str]) -> str:
    if value is None:
        return ""
    if column in money:
        return f"{to_wan(value):.2f}"  # type: ignore[arg-type]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.4f}"
    if isinstance(value, int | float):
        return str(value)
    return inert_text(str(value))


def write_csv(table: ListTable, path: Path) -> Path:
    """One list as an Excel-friendly CSV: UTF-8 with BOM, CRLF, headers in Chinese."""
    path.parent.mkdir(parents=True, exist_ok=True)
    money = set(table.money_columns)
    columns = list(table.frame.columns)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(
            table.column_titles.get(column, column) + ("（万元）" if column in money else "")
            for column in columns
        )
        for row in table.frame.iter_rows():
            writer.writerow(
                _csv_cell(column, value, money) for column, value in zip(columns, row, strict=True)
            )
    return path


def write_tables(tables: Sequence[ListTable], out_dir: Path, *, year: int) -> list[Path]:
    """CSV and Parquet files of every list, named <year>_<list_id>.<ext>."""
    written: list[Path] = []
    for table in tables:
        stem = f"{year}_{table.list_id}"
        written.append(write_csv(table, out_dir / "csv" / f"{stem}.csv"))
        parquet = out_dir / "parquet" / f"{stem}.parquet"
        parquet.parent.mkdir(parents=True, exist_ok=True)
        table.frame.write_parquet(parquet)
        written.append(parquet)
    log.info("wrote %d CSV and Parquet files to %s", len(written), out_dir)
    return written
