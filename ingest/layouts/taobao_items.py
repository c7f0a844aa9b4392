"""Taobao / Tmall 宝贝报表 (ExportOrderDetailList): one row per item line into raw.item_lines.

Lines carry list prices (价格 × 购买数量), not what the buyer paid: the order's
paid amount is shared over its lines later, in dbt, so products sum to their
stores. This layout therefore states no gmv; what it checks per row is that a
line has an order, a non-negative price and a positive quantity. line_no is the
line's position within its order in file order (1, 2, ...). product_id is 商家编码,
else 外部系统编号. 备注 (which can hold buyer text) and 商品属性/套餐信息 are not read.
"""

from __future__ import annotations

import polars as pl

from ingest.layouts.base import Field, Layout, Rule, present_or_null

NAME = "taobao_item_report"

FIELDS = (
    Field("order_id", ("订单编号",), "id", required=True),
    Field("product_name", ("标题", "宝贝标题"), "text", required=True),
    Field("unit_price", ("价格",), "money", required=True),
    Field("quantity", ("购买数量",), "integer", required=True),
    Field("external_code", ("外部系统编号",), "id"),
    Field("merchant_code", ("商家编码",), "id"),
    Field("order_status", ("订单状态",), "text"),
)


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    return parsed.with_columns(
        line_no=(pl.int_range(pl.len()).over("order_id") + 1).cast(pl.Int32),
        product_id=pl.coalesce(
            present_or_null(present, "merchant_code", pl.String()),
            present_or_null(present, "external_code", pl.String()),
        ),
    )


def rules(present: frozenset[str]) -> list[Rule]:
    return [
        Rule(
            "negative_amount",
            "价格",
            "价格 is negative",
            pl.col("unit_price") >= 0,
        ),
        Rule(
            "quantity_not_positive",
            "购买数量",
            "购买数量 is not a positive number of items",
            pl.col("quantity") > 0,
        ),
        Rule(
            "missing_value",
            "价格, 购买数量",
            "价格 or 购买数量 is empty",
            pl.col("unit_price").is_not_null() & pl.col("quantity").is_not_null(),
        ),
    ]


LAYOUT = Layout(
    name=NAME,
    platforms=("taobao", "tmall"),
    table="item_lines",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    group_field="order_id",
    description="Taobao/Tmall 宝贝报表 (ExportOrderDetailList), one row per item line",
)

LAYOUTS = (LAYOUT,)
