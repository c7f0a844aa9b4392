"""Pinduoduo 拼多多 订单查询 → 导出: one row per order into raw.order_lines.

A Pinduoduo order holds one item (商品 × 商品数量), so the order is the line and
line_id is ''. The encoding is not documented anywhere: it is detected (BOM,
UTF-8, then GB18030). The 商家编码 column is 商家编码-规格维度 in some versions and
商家编码-SKU维度 in others; both are read. product_id is 商品id, else the merchant's
product code.

Money, following DOMAIN.md:
- gmv = 用户实付金额(元): what the buyer paid, postage (邮费) included; 平台优惠折扣
  and 多多支付立减 are paid by the platform, not the buyer, so they are not gmv;
- refund = 退款金额(元) where the export has that column (partial refunds), else
  the whole gmv when 售后状态 is 退款成功 (售后处理中, 无售后或售后取消 refund nothing);
- the sale's time is 支付时间 where exported, else 订单成交时间 (when the group
  order formed, which needs payment), else 拼单成功时间. A row with none of them is
  unpaid when it shows 用户实付金额 0 or a 待支付 status: gmv 0. A row that shows a
  paid amount but no time at all cannot be dated and is rejected
  (`paid_without_time`): real exports have whole runs of such rows, and guessing
  the day from the order number is not verified, so the file should be exported
  again with 支付时间 ticked.
Identity relied on, checked per row where the columns exist:
0 <= 用户实付金额 <= 商品总价 + 邮费 (the buyer never pays more than the list price
and postage); refund <= gmv. Province, city, district, recipient and phone
columns are not declared, never read.
"""

from __future__ import annotations

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import Field, Layout, Rule, present_or_null

NAME = "pinduoduo_order_export"

FIELDS = (
    Field("order_id", ("订单号",), "id", required=True),
    Field("buyer_paid", ("用户实付金额(元)", "用户实付金额"), "money", required=True),
    Field("paid_time", ("支付时间",), "timestamp"),
    Field("deal_time", ("订单成交时间",), "timestamp"),
    Field("group_time", ("拼单成功时间",), "timestamp"),
    Field("product_name", ("商品",), "text"),
    Field("order_status", ("订单状态",), "text"),
    Field("goods_total", ("商品总价(元)",), "money"),
    Field("postage", ("邮费(元)",), "money"),
    Field("quantity", ("商品数量(件)", "商品数量"), "integer"),
    Field("item_id", ("商品id", "商品ID"), "id"),
    Field("goods_code", ("商家编码-商品维度",), "id"),
    Field("sku_code", ("商家编码-SKU维度", "商家编码-规格维度"), "id"),
    Field("after_sale", ("售后状态",), "text"),
    Field("refund_amount", ("退款金额(元)",), "money"),
)

REFUND_DONE = "退款成功"
UNPAID_STATUSES = ("待支付", "待付款", "未支付")
ZERO = pl.lit(0, dtype=MONEY_DTYPE)
TIMES = ("paid_time", "deal_time", "group_time")


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    paid_at = pl.coalesce(
        *[pl.col(key) for key in TIMES if key in present],
        pl.lit(None, dtype=pl.Datetime("us")),
    )
    is_paid = paid_at.is_not_null()
    gmv = pl.when(is_paid).then(pl.col("buyer_paid")).otherwise(ZERO)
    if "refund_amount" in present:
        refund = pl.col("refund_amount").fill_null(ZERO)
    elif "after_sale" in present:
        refund = pl.when(pl.col("after_sale") == REFUND_DONE).then(gmv).otherwise(ZERO)
    else:
        refund = ZERO
    status = present_or_null(present, "order_status", pl.String())
    return parsed.with_columns(
        line_id=pl.lit(""),
        paid_at=paid_at,
        product_id=pl.coalesce(
            present_or_null(present, "item_id", pl.String()),
            present_or_null(present, "goods_code", pl.String()),
        ),
        gmv=gmv,
        refund=pl.when(is_paid).then(refund).otherwise(ZERO),
        unpaid_refund=pl.when(is_paid).then(ZERO).otherwise(refund),
        refund_status=present_or_null(present, "after_sale", pl.String()),
        undated_payment=~is_paid
        & (pl.col("buyer_paid").fill_null(ZERO) != 0)
        & ~status.is_in(UNPAID_STATUSES).fill_null(False),
    )


def rules(present: frozenset[str]) -> list[Rule]:
    found = [
        Rule(
            "negative_amount",
            "用户实付金额(元)",
            "用户实付金额(元) is negative",
            pl.col("buyer_paid") >= 0,
        ),
        Rule(
            "paid_without_time",
            "支付时间, 订单成交时间",
            "a paid amount but no 支付时间 or 订单成交时间: the sale cannot be dated "
            "(export again with 支付时间 ticked)",
            ~pl.col("undated_payment"),
        ),
        Rule(
            "refund_above_gmv",
            "退款金额(元), 用户实付金额(元)",
            "the refund is larger than what the buyer paid",
            pl.col("refund") <= pl.col("gmv"),
        ),
        Rule(
            "refund_without_payment",
            "退款金额(元), 订单成交时间",
            "a refund on an order that was never paid",
            pl.col("unpaid_refund") == 0,
        ),
    ]
    if {"goods_total", "postage"} <= present:
        found.append(
            Rule(
                "paid_above_list_price",
                "用户实付金额(元), 商品总价(元), 邮费(元)",
                "用户实付金额(元) exceeds 商品总价(元) + 邮费(元)",
                pl.col("buyer_paid") <= pl.col("goods_total") + pl.col("postage").fill_null(0),
            )
        )
    return found


LAYOUT = Layout(
    name=NAME,
    platforms=("pinduoduo",),
    table="order_lines",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    any_of=(TIMES,),
    description="Pinduoduo 订单导出, one row per order",
)

LAYOUTS = (LAYOUT,)
