"""Tmall/Taobao 生意参谋 product daily (商品_全部 .xls/.xlsx) into raw.daily_sales.

One row per product and day: sale_date = 统计日期, product_id = 商品ID, gmv =
支付金额 (paid that day, before refunds), refund = 成功退款金额, quantity = 支付件数,
buyers = 支付买家数 (支付用户数 in newer exports). `-` means none, read as 0 for
the amounts and counts. A day's refund may exceed its gmv (it refunds earlier
sales), so the identity checked is only that amounts are not negative and that a
product appears once per day. The header sits below metadata rows; the reader
finds it. 生意参谋 serves both Taobao and Tmall stores, so the platform comes from
the argument or the inbox folder.
"""

from __future__ import annotations

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import Field, Layout, Rule

NAME = "sycm_product_daily"

FIELDS = (
    Field("sale_date", ("统计日期",), "date", required=True),
    Field("product_id", ("商品ID", "商品id"), "id", required=True),
    Field("paid_amount", ("支付金额",), "money", required=True),
    Field("refund_amount", ("成功退款金额", "售中售后成功退款金额"), "money"),
    Field("quantity", ("支付件数",), "integer"),
    Field("buyers", ("支付买家数", "支付用户数"), "integer"),
    Field("product_name", ("商品名称",), "text"),
)

ZERO = pl.lit(0, dtype=MONEY_DTYPE)


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    refund = pl.col("refund_amount").fill_null(ZERO) if "refund_amount" in present else ZERO
    counts = [pl.col(key).fill_null(0) for key in ("quantity", "buyers") if key in present]
    return parsed.with_columns(
        pl.col("paid_amount").fill_null(ZERO).alias("gmv"),
        refund.alias("refund"),
        *counts,
    )


def rules(present: frozenset[str]) -> list[Rule]:
    return [
        Rule("negative_amount", "支付金额", "支付金额 is negative", pl.col("gmv") >= 0),
        Rule("negative_amount", "成功退款金额", "成功退款金额 is negative", pl.col("refund") >= 0),
    ]


LAYOUT = Layout(
    name=NAME,
    platforms=("tmall", "taobao"),
    table="daily_sales",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    description="生意参谋 商品_全部 product daily report",
)

LAYOUTS = (LAYOUT,)
