"""JD (京东) POP 订单导出: one row per SKU line into raw.order_lines.

The export (GBK csv, or xlsx) has one row per SKU line of an order, but its money
columns (订单金额, 结算金额, 余额支付, 应付金额, 运费金额) are the order's, repeated on
each line. When every order that has several lines shows one 应付金额 on all of
them, the file is taken as repeating: each order is counted once, its paid amount
shared over its lines pro rata to 京东价 × 订购数量 (rounded to the fen, the last
line in file order takes the remainder), so lines sum to the order. A file where
some order's lines show different 应付金额 carries line amounts, used as they are.

Money, following DOMAIN.md:
- paid means 付款确认时间 is present; an unpaid order has gmv 0 and refund 0;
- gmv = 应付金额 + 余额支付: what the buyer paid online plus what came from the
  buyer's own JD balance (postage included, as 运费金额 is part of the order);
- 订单状态 is read after dropping the `(删除)` prefix (the buyer hid the order,
  it still happened): 已取消 after payment is a full refund (refund = gmv);
  锁定 (held for a dispute), 等待出库, 等待确认收货 and 完成 carry no refund. The
  export has no refund amount, so a partial after-sale refund is not seen here.
Identities relied on, checked per row: 0 <= 应付金额 + 余额支付 <= 订单金额 + 运费金额
(where 订单金额 is exported; the buyer never pays more than the order and its
postage); refund <= gmv; the lines of one order agree on 付款确认时间 and 订单状态,
and an order one of whose lines is rejected is rejected whole, so that no order is
ever half counted.

line_id is 商品ID (the JD SKU); a SKU seen again in the same order gets `#2`, `#3`.
下单帐号, 客户姓名, 客户地址, 联系电话, 订单备注, 发票抬头, 普通发票纳税编号 and 商家备注
are not declared, so never read.
"""

from __future__ import annotations

import logging

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import HAS_TEXT, Field, Layout, Rule, share_over_lines

log = logging.getLogger(__name__)

NAME = "jd_order_export"

FIELDS = (
    Field("order_id", ("订单号",), "id", required=True),
    Field("sku_id", ("商品ID", "商品编号"), "id", required=True),
    Field("product_name", ("商品名称",), "text"),
    Field("quantity", ("订购数量",), "integer", required=True),
    Field("unit_price", ("京东价",), "money", required=True),
    Field("order_amount", ("订单金额",), "money"),
    Field("balance_paid", ("余额支付",), "money"),
    Field("payable", ("应付金额",), "money", required=True),
    Field("order_status", ("订单状态",), "text", required=True),
    Field("postage", ("运费金额",), "money"),
    Field("paid_at", ("付款确认时间",), "timestamp", required=True),
)

HIDDEN_PREFIX = r"^[(（]删除[)）]"
CANCELLED = "已取消"
ZERO = pl.lit(0, dtype=MONEY_DTYPE)
# Parsed kinds whose unreadable cell rejects the row, and with it its whole order.
_CHECKED = ("quantity", "unit_price", "order_amount", "balance_paid", "payable", "postage")


def _repeats_order_amounts(parsed: pl.DataFrame) -> bool:
    """Whether every order with several lines shows a single 应付金额 on all of them."""
    per_order = parsed.group_by("order_id").agg(
        pl.len().alias("lines"), pl.col("payable").n_unique().alias("amounts")
    )
    several = per_order.filter(pl.col("lines") > 1)
    repeated = several.height == 0 or bool((several.get_column("amounts") == 1).all())
    if several.height:
        log.info(
            "JD export: %d orders with several lines, amounts %s",
            several.height,
            "repeated per order (each order counted once)" if repeated else "given per line",
        )
    return repeated


def derive(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    balance = pl.col("balance_paid").fill_null(ZERO) if "balance_paid" in present else ZERO
    status = pl.col("order_status").str.replace(HIDDEN_PREFIX, "").str.strip_chars()
    unreadable = [
        pl.col(HAS_TEXT + key) & pl.col(key).is_null()
        for key in (*_CHECKED, "paid_at")
        if key in present
    ]
    frame = parsed.with_columns(
        (pl.col("payable") + balance).alias("order_paid"),
        (pl.col("unit_price").fill_null(ZERO) * pl.col("quantity").fill_null(0))
        .cast(MONEY_DTYPE)
        .alias("list_amount"),
        status.alias("base_status"),
        pl.any_horizontal(unreadable).alias("has_unreadable_cell"),
    )
    if _repeats_order_amounts(frame):
        frame = share_over_lines(frame, "order_paid", "list_amount", "order_id", "line_paid")
    else:
        frame = frame.with_columns(pl.col("order_paid").alias("line_paid"))
    is_paid = pl.col("paid_at").is_not_null()
    gmv = pl.when(is_paid).then(pl.col("line_paid")).otherwise(ZERO)
    repeat = pl.int_range(pl.len()).over("order_id", "sku_id") + 1
    by_order = "order_id"
    return frame.with_columns(
        line_id=pl.when(repeat == 1)
        .then(pl.col("sku_id"))
        .otherwise(pl.format("{}#{}", pl.col("sku_id"), repeat)),
        product_id=pl.col("sku_id"),
        gmv=gmv,
        refund=pl.when(is_paid & (pl.col("base_status") == CANCELLED)).then(gmv).otherwise(ZERO),
        order_is_whole=(
            (pl.col("paid_at").n_unique().over(by_order) == 1)
            & (pl.col("base_status").n_unique().over(by_order) == 1)
            & ~pl.col("has_unreadable_cell").any().over(by_order)
        ),
    )


def rules(present: frozenset[str]) -> list[Rule]:
    found = [
        Rule(
            "negative_amount",
            "应付金额, 余额支付",
            "应付金额 + 余额支付 is negative",
            pl.col("order_paid") >= 0,
        ),
        Rule(
            "quantity_not_positive",
            "订购数量",
            "订购数量 is not a positive number of items",
            pl.col("quantity") > 0,
        ),
        Rule(
            "refund_above_gmv",
            "应付金额, 订单状态",
            "the refund is larger than what the buyer paid",
            pl.col("refund") <= pl.col("gmv"),
        ),
        Rule(
            "order_not_whole",
            "订单号",
            "a line of this order is unreadable, or its lines disagree on 付款确认时间 or "
            "订单状态: the whole order is kept out so it is never half counted",
            pl.col("order_is_whole"),
        ),
    ]
    if "order_amount" in present:
        postage = pl.col("postage").fill_null(0) if "postage" in present else pl.lit(0)
        found.append(
            Rule(
                "paid_above_order_amount",
                "应付金额, 余额支付, 订单金额, 运费金额",
                "应付金额 + 余额支付 exceeds 订单金额 + 运费金额",
                pl.col("order_paid") <= pl.col("order_amount") + postage,
            )
        )
    return found


LAYOUT = Layout(
    name=NAME,
    platforms=("jd",),
    table="order_lines",
    fields=FIELDS,
    derive=derive,
    rules=rules,
    group_field="order_id",
    description="JD POP 订单导出, one row per SKU line",
)

LAYOUTS = (LAYOUT,)
