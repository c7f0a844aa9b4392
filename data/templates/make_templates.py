"""Write the blank 川货电商节销售数据模板 files that clerks download and fill in.

The columns, and the Chinese explanation on the 填写说明 sheet, come from the
standard-template layout (ingest/layouts/standard_template.py), so the files and
what the loader accepts cannot drift apart. Run from the repository root:

    python data/templates/make_templates.py

It writes 川货电商节销售数据模板.csv (UTF-8 with BOM, header only, so Excel opens it
in Chinese) and 川货电商节销售数据模板.xlsx (bold header, ID and date columns stored
as text so Excel keeps long IDs whole, a 填写说明 sheet). It never writes data rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import sys
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ingest.layouts.standard_template import TEMPLATE_COLUMNS

log = logging.getLogger(__name__)

FOLDER = Path(__file__).resolve().parent
STEM = "川货电商节销售数据模板"
CREATED = datetime.datetime(2022, 1, 1, tzinfo=datetime.UTC)
# Columns Excel would turn into numbers (long IDs lose digits, dates change form).
TEXT_COLUMNS = frozenset({"店铺ID", "日期", "订单编号", "商品编号", "主播ID"})


def write_csv(target: Path) -> Path:
    """Header only, UTF-8 with a BOM, CRLF as Excel writes it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([name for name, _, _ in TEMPLATE_COLUMNS])
    target.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return target


def write_xlsx(target: Path) -> Path:
    """A 数据 sheet with the bold header and a 填写说明 sheet explaining every column."""
    workbook = xlsxwriter.Workbook(target)
    # A fixed creation time, so that running the script again changes no byte.
    workbook.set_properties({"created": CREATED, "title": STEM})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    data = workbook.add_worksheet("数据")
    for column, (name, _, _) in enumerate(TEMPLATE_COLUMNS):
        width = 22 if name in TEXT_COLUMNS else 14
        data.set_column(column, column, width, text if name in TEXT_COLUMNS else None)
        data.write(0, column, name, bold)
    data.freeze_panes(1, 0)
    guide = workbook.add_worksheet("填写说明")
    guide.set_column(0, 0, 16)
    guide.set_column(1, 1, 8)
    guide.set_column(2, 2, 80, wrap)
    guide.write_row(0, 0, ["列名", "是否必填", "填写说明"], bold)
    for row, (name, need, explanation) in enumerate(TEMPLATE_COLUMNS, start=1):
        guide.write_row(row, 0, [name, need, explanation])
    notes = (
        "一个文件只填一个店铺的数据；同一店铺可按月或按活动分多个文件报送。",
        "按订单填写时保留订单编号列，每行是一笔订单中的一个商品；按天汇总填写时删除订单编号列，"
        "每行是一个商品一天的合计。",
        "金额单位为元，不要填写“万元”；不要合并单元格，不要在表中加合计行以外的说明文字。",
        "不要填写买家姓名、电话、地址等个人信息。",
    )
    start = len(TEMPLATE_COLUMNS) + 2
    guide.write(start, 0, "注意事项", bold)
    for offset, note in enumerate(notes, start=1):
        guide.write(start + offset, 0, f"{offset}. {note}")
    workbook.close()
    return target


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for path in (write_csv(FOLDER / f"{STEM}.csv"), write_xlsx(FOLDER / f"{STEM}.xlsx")):
        log.info("wrote %s", path.relative_to(FOLDER.parents[1]))


if __name__ == "__main__":
    main()
