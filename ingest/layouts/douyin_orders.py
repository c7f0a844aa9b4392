"""Douyin 抖店 order export: one row per 子订单 (or per 主订单) into raw.order_lines.

The 商品维度 file has one row per 子订单 (line_id = 子订单编号); the 订单维度 file
has none (line_id = ''). Money, following DOMAIN.md:
- paid means 支付完成时间 is present; an unpaid row has gmv 0 and refund 0;
- gmv = 订单应付金额: what the buyer pays, postage included, platform subsidies
  (平台优惠 the buyer never paid) excluded;
- refund = the refund amount column where the export has one, else gmv when
  售后状态 is 退款成功; 售后关闭 (after-sale closed) is not a refund.
Identity relied on, checked per row of a 商品维度 file where the columns exist:
0 <= 订单应付金额 <= 商品单价 × 商品数量 + 运费 (the buyer never pays more than list
price plus postage). It catches a file that repeats the 主订单's total on each
子订单 row, which would count the order several times. And refund <= gmv.
channel from 流量体裁: 直播 live, 短视频 video, 商品卡 and 其他 shelf.
Recipient, phone, address and buyer message columns are not declared, never read.
"""

from __future__ import annotations

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import Field, Layout, Rule, map_values, present_or_null

NAME = "douyin_order_export"

FIELDS = (
    Field("order_id", ("主订单编号", "订单编号"), "id", required=True),
    Field("paid_at", ("支付完成时间",), "timestamp", required=True),
    Field("payable", ("订单应付金额",), "money", required=True),
    Field("line_id", ("子订单编号",), "id"),
    Field("product_id", ("商品ID", "商品id"), "id"),
    Field("product_name", ("选购商品", "商品名称"), "text"),
    Field("quantity", ("商品数量",), "integer"),
    Field("unit_price", ("商品单价", "商品金额"), "money"),
    Field("postage", ("运费",), "money"),
    Field("order_status", ("订单状态",), "text"),
    Field("after_sale", ("售后状态",), "text"),
    Field("refund_amount", ("退款金额", "售后退款金额"), "money"),
    Field("genre", ("流量体裁",), "text"),
    Field("streamer_id", ("达人ID", "达人id"), "id"),
)

CHANNELS = {"直播": "live", "短视频": "video", "商品卡": "shelf", "其他": "shelf"}
REFUND_DONE = "退款成功"
ZERO = pl.lit(0, dtype=MONEY_DTYPE)


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    is_paid = pl.col("paid_at").is_not_null()
    gmv = pl.when(is_paid).then(pl.col("payable")).otherwise(ZERO)
    if "refund_amount" in present:
        refund = pl.col("refund_amount").fill_null(ZERO)
    elif "after_sale" in present:
        refund = pl.when(pl.col("after_sale") == REFUND_DONE).then(gmv).otherwise(ZERO)
    else:
        refund = ZERO
    streamer = present_or_null(present, "streamer_id", pl.String())
    return parsed.with_columns(
        line_id=pl.col("line_id").fill_null("") if "line_id" in present else pl.lit(""),
        gmv=gmv,
        refund=pl.when(is_paid).then(refund).otherwise(ZERO),
        unpaid_refund=pl.when(is_paid).then(ZERO).otherwise(refund),
        refund_status=present_or_null(present, "after_sale", pl.String()),
        channel=map_values(pl.col("genre"), CHANNELS) if "genre" in present else pl.lit(None),
        streamer_id=pl.when(streamer != "0").then(streamer),
    )


def rules(present: frozenset[str]) -> list[Rule]:
    found = [
        Rule(
            "negative_amount",
            "订单应付金额",
            "订单应付金额 is negative",
            pl.col("payable") >= 0,
        ),
        Rule(
            "refund_above_gmv",
            "退款金额, 订单应付金额",
            "the refund is larger than what the buyer paid",
            pl.col("refund") <= pl.col("gmv"),
        ),
        Rule(
            "refund_without_payment",
            "退款金额, 支付完成时间",
            "a refund on an order that was never paid",
            pl.col("unpaid_refund") == 0,
        ),
    ]
    if {"line_id", "unit_price", "quantity"} <= present:
        postage = pl.col("postage").fill_null(0) if "postage" in present else pl.lit(0)
        found.append(
            Rule(
                "payable_above_list_price",
                "订单应付金额, 商品单价, 商品数量, 运费",
                "订单应付金额 exceeds 商品单价 × 商品数量 + 运费 (is the 主订单 total repeated?)",
                pl.col("payable") <= pl.col("unit_price") * pl.col("quantity") + postage,
            )
        )
    return found


LAYOUT = Layout(
    name=NAME,
    platforms=("douyin",),
    table="order_lines",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    description="Douyin 抖店 订单导出, per 子订单 or per 主订单",
)

LAYOUTS = (LAYOUT,)
