"""The award workbook: one sheet per list, Chinese headers, amounts in 万元.

Each sheet has a title row naming the year and list, a frozen header row, codes
and IDs as text (leading zeros kept, Excel's "number stored as text" warning
switched off), amounts as numbers in 万元 with two decimals, column widths that
fit their contents and a landscape page one page wide. xlsxwriter writes every
string cell as a string, so no name from the input can become a formula.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import xlsxwriter

from exports.cells import to_wan

if TYPE_CHECKING:
    from scoring.api import ListTable

log = logging.getLogger(__name__)

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FIXED_DATE = dt.datetime(2000, 1, 1)
MONEY_FORMAT = "#,##0.00"


def display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def sheet_name(title: str, taken: set[str]) -> str:
    """A legal, unique sheet name (31 characters at most) for a list title."""
    base = _SHEET_FORBIDDEN.sub("", title)[:31] or "Sheet"
    name, counter = base, 2
    while name in taken:
        suffix = f"({counter})"
        name, counter = base[: 31 - len(suffix)] + suffix, counter + 1
    taken.add(name)
    return name


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def write_workbook(tables: Sequence[ListTable], path: Path, *, year: int) -> Path:
    """Write every list table as a sheet of one workbook at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    workbook.set_properties(
        {"title": f"{year}年度川货电商节榜单", "author": "chuanhuo", "created": _FIXED_DATE}
    )
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    header_format = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    money_format = workbook.add_format({"num_format": MONEY_FORMAT})
    number_format = workbook.add_format({"num_format": "0.0000"})
    taken: set[str] = set()
    for table in tables:
        _write_sheet(
            workbook.add_worksheet(sheet_name(table.title, taken)),
            table,
            title_format=title_format,
            header_format=header_format,
            money_format=money_format,
            number_format=number_format,
        )
    workbook.close()
    log.info("wrote award workbook %s with %d sheets", path, len(tables))
    return path


def _write_sheet(
    sheet: xlsxwriter.worksheet.Worksheet, table: ListTable, **formats: object
) -> None:
    columns = list(table.frame.columns)
    money = set(table.money_columns)
    ids = set(table.id_columns)
    headers = [
        table.column_titles.get(column, column) + ("（万元）" if column in money else "")
        for column in columns
    ]
    sheet.write_string(0, 0, f"{table.title}（金额单位：万元）", formats["title_format"])
    widths = [display_width(header) for header in headers]
    for index, header in enumerate(headers):
        sheet.write_string(1, index, header, formats["header_format"])
    for row_index, row in enumerate(table.frame.iter_rows(), start=2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True)):
            if value is None:
                continue
            if column in money:
                wan = to_wan(value)
                sheet.write_number(row_index, index, float(wan), formats["money_format"])
                text = f"{wan:,.2f}"
            elif column not in ids and isinstance(value, Decimal):
                sheet.write_number(row_index, index, float(value), formats["number_format"])
                text = f"{value:.4f}"
            elif (
                column not in ids and isinstance(value, int | float) and not isinstance(value, bool)
            ):
                sheet.write_number(row_index, index, value)
                text = str(value)
            else:
                text = _cell_text(value)
                sheet.write_string(row_index, index, text)
            widths[index] = max(widths[index], display_width(text))
    for index, width in enumerate(widths):
        sheet.set_column(index, index, min(width + 2, 60))
    sheet.freeze_panes(2, 0)
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
