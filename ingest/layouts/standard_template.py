"""The programme's own standard template (川货电商节销售数据模板), in two grains.

For platforms without a known export (Kuaishou, 1919, the mini-program, others),
a clerk fills in the template: Chinese headers, csv (UTF-8 or GBK) or xlsx. The
blank files and their 填写说明 sheet come from data/templates/make_templates.py.

Required columns: 平台, 店铺ID, 日期, 商品编号 or 商品名称, 支付金额（元）,
退款金额（元）. Optional: 订单编号, 数量, 买家数, 主播ID, 渠道 (直播/短视频/货架).
- With 订单编号 the rows are order lines (raw.order_lines): line_id is the row's
  product key, paid_at is 日期 (a date alone means midnight);
- without it they are store × product × day rows (raw.daily_sales).
Detection is by header, so the grain is the file's: a clerk reporting daily totals
deletes the 订单编号 column (the 填写说明 sheet says so); an order file whose
订单编号 cell is empty has that row rejected with the same advice.
The product key is 商品编号, else 商品名称.

Money, following DOMAIN.md: the clerk enters what the buyers paid (gmv =
支付金额（元）, postage included, platform subsidies excluded) and what was paid
back (refund = 退款金额（元）, empty meaning 0). Identity relied on, checked per
row: both amounts are not negative, and on an order line refund <= gmv (a day's
refunds may exceed its sales, as they settle earlier days). 平台 holds a
platform's Chinese name or code, as in the store registry; a row naming an
unknown one is rejected. The loader takes the file's platform from this column
too (platform_in_file), beside the folder and --platform: a file naming two
platforms, or one the folder contradicts, is refused whole.
"""

from __future__ import annotations

import polars as pl

from ingest.cells import MONEY_DTYPE
from ingest.layouts.base import Field, Layout, Rule, map_values, platform_code, present_or_null
from warehouse.vocab import CHANNELS, PLATFORMS

ORDERS_NAME = "standard_template_orders"
DAILY_NAME = "standard_template_daily"

PLATFORM = Field("platform", ("平台",), "text", required=True)
STORE = Field("store_column", ("店铺ID", "店铺Id", "店铺编号"), "id", required=True)
PRODUCT_CODE = Field("product_code", ("商品编号", "商品ID", "商品id"), "id")
PRODUCT_NAME = Field("product_name", ("商品名称",), "text")
GMV = Field("paid_amount", ("支付金额（元）", "支付金额"), "money", required=True)
REFUND = Field("refund_amount", ("退款金额（元）", "退款金额"), "money", required=True)
QUANTITY = Field("quantity", ("数量",), "integer")
STREAMER = Field("streamer_id", ("主播ID", "主播id"), "id")
CHANNEL = Field("channel_name", ("渠道",), "text")

ORDER_FIELDS = (
    PLATFORM,
    STORE,
    Field("order_id", ("订单编号",), "id", required=True),
    Field("paid_at", ("日期",), "timestamp", required=True),
    PRODUCT_CODE,
    PRODUCT_NAME,
    GMV,
    REFUND,
    QUANTITY,
    STREAMER,
    CHANNEL,
)
DAILY_FIELDS = (
    PLATFORM,
    STORE,
    Field("sale_date", ("日期",), "date", required=True),
    PRODUCT_CODE,
    PRODUCT_NAME,
    GMV,
    REFUND,
    QUANTITY,
    Field("buyers", ("买家数",), "integer"),
    STREAMER,
    CHANNEL,
)
PRODUCT_KEY = ("product_code", "product_name")

# The blank template's columns, in order: (header, 必填, what a clerk writes there).
TEMPLATE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    (
        "平台",
        "必填",
        "销售平台：快手、1919、川货电商节小程序、淘宝、天猫、京东、抖音、拼多多或其他平台；"
        "一个文件只填一个店铺",
    ),
    ("店铺ID", "必填", "平台给店铺的编号，与店铺名录中的店铺ID一致"),
    ("日期", "必填", "支付日期，北京时间，如 2022-06-01；按订单填写时可写到时分秒"),
    (
        "订单编号",
        "选填",
        "按订单填写时每行是一笔订单中的一个商品，此列必填；按天汇总填写（每行是一个商品一天的合计）"
        "时请删除此列",
    ),
    (
        "商品编号",
        "二选一",
        "平台商品ID或商家编码，与四川好物库的平台商品ID一致；没有编号时填商品名称",
    ),
    ("商品名称", "二选一", "商品名称；商品编号与商品名称至少填一项"),
    ("数量", "选填", "售出件数，整数"),
    ("支付金额（元）", "必填", "买家实际支付的金额（含运费，不含平台补贴），单位元，最多两位小数"),
    ("退款金额（元）", "必填", "已退给买家的金额，单位元；没有退款填 0"),
    ("买家数", "选填", "按天填写时的支付买家数，整数"),
    ("主播ID", "选填", "带货主播在平台上的ID，与直播人才库一致"),
    ("渠道", "选填", "直播、短视频或货架"),
)
CHANNEL_CODES = {name: code for code, name in CHANNELS.items()}
ZERO = pl.lit(0, dtype=MONEY_DTYPE)


def _common(parsed: pl.DataFrame, present: frozenset[str]) -> dict[str, pl.Expr]:
    code = present_or_null(present, "product_code", pl.String())
    name = present_or_null(present, "product_name", pl.String())
    channel = present_or_null(present, "channel_name", pl.String())
    return {
        "product_id": pl.coalesce(code, name),
        "gmv": pl.col("paid_amount"),
        "refund": pl.col("refund_amount").fill_null(ZERO),
        "channel": map_values(channel, CHANNEL_CODES),
        "platform_code": platform_code(pl.col("platform")),
        "channel_known": channel.is_null() | channel.is_in(list(CHANNEL_CODES)),
    }


def derive_orders(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    common = _common(parsed, present)
    # A row without any product key is rejected by `missing_product`, not as a null key.
    return parsed.with_columns(**common).with_columns(line_id=pl.col("product_id").fill_null(""))


def derive_daily(parsed: pl.DataFrame, present: frozenset[str]) -> pl.DataFrame:
    return parsed.with_columns(**_common(parsed, present))


def _rules(present: frozenset[str], *, order_lines: bool) -> list[Rule]:
    found = [
        Rule(
            "negative_amount",
            "支付金额(元), 退款金额(元)",
            "支付金额(元) or 退款金额(元) is negative",
            (pl.col("gmv") >= 0) & (pl.col("refund") >= 0),
        ),
        Rule(
            "missing_product",
            "商品编号, 商品名称",
            "neither 商品编号 nor 商品名称 is filled in",
            pl.col("product_id").is_not_null(),
        ),
        Rule(
            "unknown_platform",
            "平台",
            "平台 is not one of " + "、".join(PLATFORMS.values()),
            pl.col("platform_code").is_not_null(),
        ),
        Rule(
            "unknown_channel",
            "渠道",
            "渠道 is not one of 直播、短视频、货架",
            pl.col("channel_known"),
        ),
    ]
    if order_lines:
        found.append(
            Rule(
                "missing_order_id",
                "订单编号",
                "订单编号 is empty: fill it in, or for daily totals delete the 订单编号 column",
                pl.col("order_id").is_not_null(),
            )
        )
        found.append(
            Rule(
                "refund_above_gmv",
                "退款金额(元), 支付金额(元)",
                "the refund is larger than what the buyer paid",
                pl.col("refund") <= pl.col("gmv"),
            )
        )
    return found


def rules_orders(present: frozenset[str]) -> list[Rule]:
    return _rules(present, order_lines=True)


def rules_daily(present: frozenset[str]) -> list[Rule]:
    return _rules(present, order_lines=False)


ORDERS = Layout(
    name=ORDERS_NAME,
    platforms=tuple(PLATFORMS),
    table="order_lines",
    fields=ORDER_FIELDS,
    derive=derive_orders,
    rules=rules_orders,
    store_field="store_column",
    description="川货电商节 standard template, one row per order line (订单编号 given)",
    any_of=(PRODUCT_KEY,),
    platform_field="platform",
)
DAILY = Layout(
    name=DAILY_NAME,
    platforms=tuple(PLATFORMS),
    table="daily_sales",
    fields=DAILY_FIELDS,
    derive=derive_daily,
    rules=rules_daily,
    store_field="store_column",
    description="川货电商节 standard template, one row per store, product and day",
    any_of=(PRODUCT_KEY,),
    platform_field="platform",
)

LAYOUTS = (DAILY, ORDERS)
