"""Taobao / Tmall 订单报表 (ExportOrderList): one row per order into raw.order_lines.

Header versions recognised by name: v2015 (44 columns), v2017 (+ 退款金额, 预约门店),
v2019 (56 columns), the 2021 xlsx (61 columns) and the reduced report of the Tianchi
teaching file (订单编号, 总金额, 买家实际支付金额, 订单付款时间, 退款金额).

Money, following DOMAIN.md:
- paid means 订单付款时间 is present; an unpaid order has gmv 0 and refund 0;
- 买家实际支付金额 is after refunds, so for a paid order
  gmv = 买家实际支付金额 + 退款金额 and refund = 退款金额 (postage is included:
  it is part of 总金额);
- identity relied on, checked per paid row: 买家实际支付金额 + 退款金额 = 总金额.
  It holds on every paid row of the real 2017 excerpt (refund 0, paid = total) and
  of the Tianchi file (e.g. 327.7 = 148.9 + 178.8, 64.8 = 0 + 64.8); there, unpaid
  rows show 买家实际支付金额 0 and 退款金额 0.
- v2015 has no 退款金额: the refund is unknown, so gmv = 买家实际支付金额 (already net
  of any refund) and refund = 0; the checked identity weakens to 买家实际支付金额 <= 总金额.

Buyer nick, Alipay account, names, phones, addresses and messages are not declared
and so never read. The order has no product id here: item lines come from 宝贝报表.
"""

from __future__ import annotations

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import Field, Layout, Rule, present_or_null

NAME = "taobao_order_report"

FIELDS = (
    Field("order_id", ("订单编号",), "id", required=True),
    Field("total", ("总金额",), "money", required=True),
    Field("paid_amount", ("买家实际支付金额",), "money", required=True),
    Field("paid_at", ("订单付款时间",), "timestamp", required=True),
    Field("refund_amount", ("退款金额",), "money"),
    Field("order_status", ("订单状态",), "text"),
    Field("close_reason", ("订单关闭原因",), "text"),
    Field("quantity", ("宝贝总数量",), "integer"),
    Field("product_name", ("宝贝标题",), "text"),
    Field("store_column", ("店铺Id", "店铺ID"), "id"),
)

ZERO = pl.lit(0, dtype=MONEY_DTYPE)


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    is_paid = pl.col("paid_at").is_not_null()
    refund = pl.col("refund_amount").fill_null(ZERO) if "refund_amount" in present else ZERO
    return parsed.with_columns(
        line_id=pl.lit(""),
        product_id=pl.lit(None, dtype=pl.String),
        gmv=pl.when(is_paid).then(pl.col("paid_amount") + refund).otherwise(ZERO),
        refund=pl.when(is_paid).then(refund).otherwise(ZERO),
        refund_status=present_or_null(present, "close_reason", pl.String()),
        unpaid_refund=pl.when(is_paid).then(ZERO).otherwise(refund),
    )


def rules(present: frozenset[str]) -> list[Rule]:
    is_unpaid = pl.col("paid_at").is_null()
    if "refund_amount" in present:
        identity = Rule(
            "paid_plus_refund_is_total",
            "买家实际支付金额, 退款金额, 总金额",
            "买家实际支付金额 + 退款金额 differs from 总金额 on a paid order",
            is_unpaid | (pl.col("paid_amount") + pl.col("refund") == pl.col("total")),
        )
    else:
        identity = Rule(
            "paid_above_total",
            "买家实际支付金额, 总金额",
            "买家实际支付金额 is larger than 总金额 on a paid order",
            is_unpaid | (pl.col("paid_amount") <= pl.col("total")),
        )
    return [
        identity,
        Rule(
            "refund_without_payment",
            "退款金额, 订单付款时间",
            "退款金额 is not zero on an order that was never paid",
            pl.col("unpaid_refund") == 0,
        ),
        Rule(
            "missing_paid_amount",
            "买家实际支付金额",
            "买家实际支付金额 is empty on a paid order",
            is_unpaid | pl.col("paid_amount").is_not_null(),
        ),
    ]


LAYOUT = Layout(
    name=NAME,
    platforms=("taobao", "tmall"),
    table="order_lines",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    store_field="store_column",
    description="Taobao/Tmall 订单报表 (ExportOrderList), one row per order",
)

LAYOUTS = (LAYOUT,)
