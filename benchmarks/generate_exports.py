"""Generating a province's platform exports at a chosen scale, with their own totals.

    python benchmarks/generate_exports.py WORK --order-lines 5000000

Writes `<WORK>/inbox/<layout>-<utf8|gbk|xlsx>/<platform>/<store_id>/<file>` (an
inbox per layout and encoding, so a benchmark can time each) for every store of a
made-up programme year (2022), `<WORK>/registries/2022/` naming every store and its
enterprise, and `<WORK>/manifest.json`: each file with its layout, encoding and row
count, and the totals the marts must hold, per platform and per feed, computed here
from the integer fen the cells were printed from (never by reading the files back
through chuanhuo).

**Feeds** (what a store sends), as shares of the stores, and why:

| feed | stores | layout, encoding, format |
| --- | --- | --- |
| tmall_orders_gbk, _utf8, _xlsx | 15, 6, 3 % | 订单报表 csv GBK (as downloaded), UTF-8, 2021 xlsx |
| taobao_orders_gbk, _utf8, _xlsx | 8, 3, 1 % | the same report from Taobao C stores |
| sycm_daily_xlsx | 3 % | 生意参谋 商品_全部 xlsx, product x day, header on row 5 |
| jd_orders_gbk, _xlsx | 13, 2 % | JD POP 订单导出 per SKU line, order amounts repeated |
| douyin_orders | 22 % | 抖店 商品维度 csv, UTF-8 BOM, per 子订单, tab-wrapped ids |
| pinduoduo_orders_utf8, _gbk | 8, 4 % | 拼多多 订单导出 (the importers' 23 columns), per order |
| template_orders_utf8, _gbk, _xlsx | 6, 2, 1 % | the template per order (快手, 1919, 小程序...) |
| template_daily_csv | 3 % | the template per store x product x day |

Taobao/Tmall and Douyin are where most Sichuan stores sell (about half the stores
here); JD matters for liquor, Pinduoduo for farm goods, Kuaishou comes through the
template. CSV encodings follow PLATFORM_EXPORTS.md (Taobao/Tmall and JD GBK, Douyin
UTF-8 with BOM, Pinduoduo undocumented so both); a minority of files were opened
and re-saved (UTF-8 copies, xlsx). Excel files are only for stores of at most
XLSX_MAX_ROWS rows: real xlsx exports are small (and xlsx is slow to write); a
bigger store drawn for an xlsx feed sends the same platform's csv instead, so the
share of xlsx *lines* stays well under 1 % (0.3 % at 20M).

**Store sizes** are skewed as programmes have them: many small stores, a few big
ones. Sizes are log-normal with sigma 1.5 around --mean-lines-per-store (default
10,000: issue 8's "thousands of enterprises ... tens to hundreds of millions of
order lines"), at least MIN_STORE_ROWS, scaled to sum to exactly N. At 20M lines
that gives 2,000 stores: the top 1 % hold 22 % of the lines, the top 10 % hold 60 %,
the median store has 3,300 lines, the biggest 965k. `--uniform` keeps equal
stores. A store bigger than FILE_MAX_ROWS sends several files (exports are per
period). N counts the data rows of all files (order lines, SKU lines, 子订单 and
daily rows alike).

Rows are built with polars expressions over a row index (no Python loop per row),
except the xlsx cells, written one row at a time by xlsxwriter for small files.
Amounts come from integer fen and follow each layout's `derive`: Tmall gmv is
买家实际支付金额 + 退款金额 of paid orders; JD's repeated order amount is counted
once per order and 已取消 after payment is a full refund; Douyin's 售后关闭 is not a
refund, 退款成功 refunds the 子订单; unpaid rows have no gmv and no sale date.

It never writes real people's data: names, phones and addresses are invented from
the row number. It never touches anything outside WORK.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import json
import logging
import math
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from ingest.credit_code import check_character  # noqa: E402
from warehouse.vocab import PLATFORMS  # noqa: E402

log = logging.getLogger(__name__)

YEAR = 2022
YEAR_START_EPOCH = 1_640_995_200  # 2022-01-01 00:00:00, read as Beijing time by the loader
YEAR_SECONDS = 365 * 86_400
FIRST_STORE_ID = 7_100_000_000
TAOBAO_ORDER_BASE = 2_022_000_000_000_000_000  # 19-digit ids, as Taobao's are
JD_ORDER_BASE = 230_000_000_000  # 12-digit ids
STORES_PER_ENTERPRISE = 2
MIN_STORE_ROWS = 200
SIZE_SIGMA = 1.5
XLSX_MAX_ROWS = 2_000
FILE_MAX_ROWS = 200_000  # a multiple of ORDER_CYCLE, so no order is split between files
BLOCK_BYTES = 16 << 20
GBK = "gb18030"
MANIFEST_FORMAT = 2  # 2: one inbox per layout and encoding class
# Orders with several lines: 8 rows make 5 orders of 1, 1, 2, 1 and 3 lines.
ORDER_CYCLE = 8
ORDERS_PER_CYCLE = 5
CYCLE_ORDER = (0, 1, 2, 2, 3, 4, 4, 4)
CYCLE_LINE = (0, 0, 0, 1, 0, 0, 1, 2)
PRODUCTS = (
    "郫县豆瓣酱",
    "蒙顶山甘露",
    "五粮液 52度",
    "汉源花椒",
    "竹编茶盘",
    "灯影牛肉",
    "眉山泡菜",
)

# The order report's header as Tmall and Taobao print it (trailing spaces included).
TMALL_ORDER_HEADER: tuple[str, ...] = (
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注",
    "宝贝总数量", "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头",
    "是否手机订单", "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票",
    "是否代付", "定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣",
    "集分宝抵扣", "是否是O2O交易", "新零售交易类型", "新零售导购门店名称", "新零售导购门店id",
    "新零售发货门店名称", "新零售发货门店id", "退款金额", "预约门店", "确认收货时间",
    "打款商家金额", "含应开票给个人的个人红包",
)  # fmt: skip
# The 2021 xlsx: 支付单号, 支付详情 after the Alipay account, five columns appended.
TMALL_XLSX_HEADER: tuple[str, ...] = (
    *TMALL_ORDER_HEADER[:3], "支付单号", "支付详情", *TMALL_ORDER_HEADER[3:],
    "是否信用购", "体验期结束时间", "前N有礼", "配送类型", "主订单编号",
)  # fmt: skip
SYCM_HEADER: tuple[str, ...] = (
    "统计日期", "商品ID", "商品名称", "主商品ID", "商品类型", "货号", "商品状态", "商品访客数",
    "商品浏览量", "下单买家数", "下单件数", "下单金额", "支付买家数", "支付件数", "支付金额",
    "商品支付转化率", "成功退款金额", "年累计支付金额",
)  # fmt: skip
JD_HEADER: tuple[str, ...] = (
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
    "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名",
    "客户地址", "联系电话", "订单备注", "发票类型", "发票抬头", "发票内容", "商家备注",
    "商家备注等级（等级1-5为由高到低）", "运费金额", "付款确认时间", "增值税发票", "货号",
    "订单完成时间", "订单来源", "订单渠道",
)  # fmt: skip
DOUYIN_HEADER: tuple[str, ...] = (
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码",
    "商品单价", "订单应付金额", "运费", "优惠总金额", "平台优惠", "商家优惠", "达人优惠",
    "支付方式", "收件人", "收件人手机号", "省", "市", "区", "详细地址", "买家留言",
    "订单提交时间", "商家备注", "订单完成时间", "支付完成时间", "APP渠道", "订单状态",
    "订单类型", "达人ID", "达人昵称", "售后状态", "取消原因", "流量类型", "流量体裁",
)  # fmt: skip
PINDUODUO_HEADER: tuple[str, ...] = (
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
    "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
    "商品数量(件)", "发货时间", "确认收货时间", "商品id", "商品规格", "样式ID",
    "商家编码-规格维度", "商家编码-商品维度", "商家备注", "售后状态", "快递单号", "快递公司",
)  # fmt: skip
TEMPLATE_ORDER_HEADER: tuple[str, ...] = (
    "平台", "店铺ID", "日期", "订单编号", "商品编号", "商品名称", "数量", "支付金额（元）",
    "退款金额（元）", "主播ID", "渠道",
)  # fmt: skip
TEMPLATE_DAILY_HEADER: tuple[str, ...] = (
    "平台", "店铺ID", "日期", "商品编号", "商品名称", "数量", "支付金额（元）", "退款金额（元）",
    "买家数", "主播ID", "渠道",
)  # fmt: skip
TEMPLATE_PLATFORMS = ("kuaishou",) * 7 + ("1919", "miniprogram", "other")
TRUTH_SCHEMA = {
    "product_id": pl.String,
    "sale_date": pl.Date,
    "gmv_fen": pl.Int64,
    "refund_fen": pl.Int64,
    "quantity": pl.Int64,
}


# --- cells -------------------------------------------------------------------------------


def _mix(index: pl.Expr, salt: int, modulus: int) -> pl.Expr:
    """A well-spread pseudo-random integer in [0, modulus) from a row index."""
    return ((index * 2_654_435_761 + salt * 40_503) % 4_294_967_291) % modulus


def _money_text(fen: pl.Expr, *, thousands: bool = False) -> pl.Expr:
    """Fen as `1250.50`, or `1,250.50` as the Taobao report prints large amounts."""
    yuan = fen // 100
    whole = yuan.cast(pl.String)
    if thousands:
        whole = (
            pl.when(yuan >= 1000)
            .then(pl.format("{},{}", yuan // 1000, (yuan % 1000).cast(pl.String).str.zfill(3)))
            .otherwise(whole)
        )
    return pl.format("{}.{}", whole, (fen % 100).cast(pl.String).str.zfill(2))


def _moment(seconds: pl.Expr) -> pl.Expr:
    """Seconds into the year as a naive datetime (Beijing wall-clock time)."""
    return pl.from_epoch((pl.lit(YEAR_START_EPOCH, dtype=pl.Int64) + seconds) * 1_000_000, "us")


def _stamp(moment: pl.Expr) -> pl.Expr:
    return moment.dt.strftime("%Y-%m-%d %H:%M:%S")


def _spread(unit: pl.Expr, units: int) -> pl.Expr:
    """Seconds into the year for unit `unit` of `units`: even spread plus jitter."""
    step = max(1, YEAR_SECONDS // max(units, 1))
    return (unit * step + _mix(unit, 7, min(step, 3_600))) % YEAR_SECONDS


def _product_name(index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(PRODUCTS)).gather(index % len(PRODUCTS))


def _empty_truth() -> pl.DataFrame:
    return pl.DataFrame(schema=TRUTH_SCHEMA)


# --- stores, feeds and files ---------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """One store of the programme: which feed it sends and its rows' place in the run."""

    index: int
    store_id: str
    platform: str
    feed: str
    rows: int


def encoding_class(encoding: str) -> str:
    return {GBK: "gbk", "xlsx": "xlsx"}.get(encoding, "utf8")


def inbox_group(feed: Feed) -> str:
    """The inbox a feed's files go to, one per layout and encoding class."""
    return f"{feed.layout}-{encoding_class(feed.encoding)}"


@dataclass
class FileEntry:
    path: str
    utf8_path: str | None  # the same cells in UTF-8 (a GBK file's copy), None for xlsx
    feed: str
    layout: str
    platform: str
    store_id: str
    encoding: str  # utf-8, utf-8-sig, gb18030, xlsx
    rows: int
    group: str  # the inbox under <work>/inbox/ that holds it


# A row builder: (store, first row of the store, rows) -> (cells to write, truth of paid rows).
Rows = Callable[[Store, int, int], tuple[pl.DataFrame, pl.DataFrame]]


@dataclass(frozen=True)
class Feed:
    name: str
    platform: str  # a platform code, or "template" (drawn per store)
    layout: str
    encoding: str
    share: float
    rows: Rows
    header: tuple[str, ...]
    fallback: str | None = None  # for xlsx feeds: the csv feed a big store sends instead
    file_name: str = "export"


def _order_key(local: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(order number within the store, line within the order) for multi-line layouts."""
    cycle_order = pl.lit(pl.Series(CYCLE_ORDER, dtype=pl.Int64))
    cycle_line = pl.lit(pl.Series(CYCLE_LINE, dtype=pl.Int64))
    position = local % ORDER_CYCLE
    order = (local // ORDER_CYCLE) * ORDERS_PER_CYCLE + cycle_order.gather(position)
    return order, cycle_line.gather(position)


def _index_frame(start: int, count: int) -> pl.DataFrame:
    return pl.select(pl.int_range(start, start + count, dtype=pl.Int64).alias("i"))


def taobao_rows(store: Store, start: int, count: int, *, xlsx: bool) -> tuple:
    """订单报表 rows: 80 % paid, 10 % partly refunded, 5 % closed by a full refund, 5 % unpaid."""
    i = pl.col("i")
    bucket = _mix(i, store.index, 20)
    total = 500 + _mix(i, 11, 250_000)
    unpaid = bucket == 19
    full_refund = bucket == 18
    refund = pl.when(full_refund).then(total).when(bucket < 2).then(total // 4).otherwise(0)
    paid_amount = pl.when(unpaid).then(0).otherwise(total - refund)
    moment = _moment(_spread(i, store.rows))
    stamp = _stamp(moment)
    order_id = pl.lit(TAOBAO_ORDER_BASE + store.index * 10**11, dtype=pl.Int64) + i
    money = lambda fen: _money_text(fen, thousands=not xlsx)  # noqa: E731
    quantity = 1 + i % 3
    values = {
        "订单编号": order_id.cast(pl.String) if xlsx else pl.format('="{}"', order_id),
        "买家会员名": pl.format("buyer_{}", i),
        "买家支付宝账号": pl.format("buyer_{}@example.invalid", i),
        "买家应付货款": money(total),
        "买家应付邮费": pl.lit("0.00"),
        "总金额": money(total),
        "买家实际支付金额": money(paid_amount),
        "订单状态": pl.when(unpaid | full_refund)
        .then(pl.lit("交易关闭"))
        .otherwise(pl.lit("交易成功")),
        "收货人姓名": pl.format("收货人{}", i),
        "收货地址 ": pl.format("四川省 成都市 武侯区 某路{}号(610000)", i % 999),
        "联系手机": pl.format("'139{}", (i % 100_000_000).cast(pl.String).str.zfill(8)),
        "订单创建时间": stamp,
        "订单付款时间 ": pl.when(unpaid).then(pl.lit("")).otherwise(stamp),
        "宝贝标题 ": _product_name(i),
        "宝贝总数量": quantity.cast(pl.String),
        "店铺Id": pl.lit("0"),
        "店铺名称": pl.lit(f"川货{store.store_id}旗舰店"),
        "订单关闭原因": pl.when(unpaid)
        .then(pl.lit("买家未付款"))
        .when(full_refund)
        .then(pl.lit("退款"))
        .otherwise(pl.lit("订单未关闭")),
        "退款金额": money(pl.when(unpaid).then(0).otherwise(refund)),
    }
    header = TMALL_XLSX_HEADER if xlsx else TMALL_ORDER_HEADER
    frame = _index_frame(start, count)
    cells = frame.select([values.get(name, pl.lit("")).alias(name) for name in header])
    truth = frame.filter(~unpaid).select(
        pl.lit("").alias("product_id"),
        moment.dt.date().alias("sale_date"),
        (paid_amount + refund).alias("gmv_fen"),
        refund.alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def sycm_rows(store: Store, start: int, count: int) -> tuple:
    """生意参谋 product x day rows: product i // 365, day i % 365; `-` where nothing."""
    i = pl.col("i")
    day = i % 365
    product = pl.format("6{}", (pl.lit(store.index * 1000, dtype=pl.Int64) + i // 365))
    price = 990 + _mix(i // 365, 3, 20_000)
    quantity = _mix(i, 5, 12)
    gmv = quantity * price
    refund = pl.when(_mix(i, 9, 10) == 0).then(gmv // 2).otherwise(0)
    buyers = pl.when(quantity > 0).then(1 + quantity // 2).otherwise(0)
    sale_date = pl.date(YEAR, 1, 1) + pl.duration(days=day)

    def dash(fen: pl.Expr) -> pl.Expr:
        return pl.when(fen > 0).then(_money_text(fen, thousands=True)).otherwise(pl.lit("-"))

    values = {
        "统计日期": sale_date.dt.strftime("%Y-%m-%d"),
        "商品ID": product,
        "商品名称": _product_name(i // 365),
        "商品状态": pl.lit("当前在线"),
        "商品访客数": (buyers * 17 + 20).cast(pl.String),
        "支付买家数": buyers.cast(pl.String),
        "支付件数": quantity.cast(pl.String),
        "支付金额": dash(gmv),
        "成功退款金额": dash(refund),
    }
    frame = _index_frame(start, count)
    cells = frame.select([values.get(name, pl.lit("-")).alias(name) for name in SYCM_HEADER])
    truth = frame.select(
        product.alias("product_id"),
        sale_date.alias("sale_date"),
        gmv.alias("gmv_fen"),
        refund.alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def jd_rows(store: Store, start: int, count: int) -> tuple:
    """JD SKU lines: the order's 订单金额, 应付金额, 余额支付 repeated on each of its lines."""
    frame = _index_frame(start, count)
    order, line = _order_key(pl.col("i"))
    frame = frame.with_columns(order.alias("order"), line.alias("line"))
    o, ln = pl.col("order"), pl.col("line")
    sku = 100_000 + (o + ln * 7) % 30
    price = 1_000 + _mix(sku, 13, 50_000)
    quantity = 1 + (o + ln) % 2
    frame = frame.with_columns(
        sku.alias("sku"), price.alias("price"), quantity.alias("quantity")
    ).with_columns((pl.col("price") * pl.col("quantity")).sum().over("order").alias("amount"))
    amount = pl.col("amount")
    postage = pl.when(o % 4 == 0).then(600).otherwise(0)
    discount = pl.when(o % 5 == 0).then(pl.min_horizontal(pl.lit(500), amount // 10)).otherwise(0)
    balance = pl.when(o % 10 == 3).then((amount - discount) // 2).otherwise(0)
    payable = amount + postage - discount - balance
    unpaid = o % 25 == 24
    cancelled = o % 25 == 23
    status = (
        pl.when(unpaid)
        .then(pl.lit("等待付款"))
        .when(cancelled)
        .then(pl.lit("已取消"))
        .when(o % 50 == 7)
        .then(pl.lit("(删除)完成"))
        .otherwise(pl.lit("完成"))
    )
    moment = _moment(_spread(o, store.rows * ORDERS_PER_CYCLE // ORDER_CYCLE + 1))
    order_id = pl.lit(JD_ORDER_BASE + store.index * 10**7, dtype=pl.Int64) + o
    values = {
        "订单号": order_id.cast(pl.String),
        "商品ID": pl.col("sku").cast(pl.String),
        "商品名称": _product_name(pl.col("sku")),
        "订购数量": pl.col("quantity").cast(pl.String),
        "支付方式": pl.lit("在线支付"),
        "下单时间": _stamp(moment),
        "京东价": _money_text(pl.col("price")),
        "订单金额": _money_text(amount),
        "结算金额": _money_text(amount - discount),
        "余额支付": _money_text(balance),
        "应付金额": _money_text(payable),
        "订单状态": status,
        "订单类型": pl.lit("SOP"),
        "下单帐号": pl.format("jd_user_{}", o),
        "客户姓名": pl.format("客户{}", o % 1000),
        "客户地址": pl.format("四川成都市锦江区某街{}号", o % 500),
        "联系电话": pl.format("138{}", (o % 100_000_000).cast(pl.String).str.zfill(8)),
        "运费金额": _money_text(postage),
        "付款确认时间": pl.when(unpaid).then(pl.lit("")).otherwise(_stamp(moment)),
        "订单来源": pl.lit("移动端"),
    }
    cells = frame.select([values.get(name, pl.lit("")).alias(name) for name in JD_HEADER])
    order_paid = payable + balance
    truth = frame.filter(~unpaid).select(
        pl.col("sku").cast(pl.String).alias("product_id"),
        moment.dt.date().alias("sale_date"),
        pl.when(ln == 0).then(order_paid).otherwise(0).alias("gmv_fen"),
        pl.when((ln == 0) & cancelled).then(order_paid).otherwise(0).alias("refund_fen"),
        pl.col("quantity"),
    )
    return cells, truth


def douyin_rows(store: Store, start: int, count: int) -> tuple:
    """抖店 商品维度: one row per 子订单; 退款成功 refunds it, 售后关闭 does not."""
    frame = _index_frame(start, count)
    order, line = _order_key(pl.col("i"))
    frame = frame.with_columns(order.alias("order"), line.alias("line"))
    o, ln = pl.col("order"), pl.col("line")
    product = 3_500_000_000_000_000_000 + pl.lit(store.index * 100, dtype=pl.Int64) + (o + ln) % 40
    price = 990 + _mix((o + ln) % 40, 17, 30_000)
    quantity = 1 + _mix(o * 3 + ln, 19, 3)
    postage = pl.when((ln == 0) & (o % 3 == 0)).then(500).otherwise(0)
    subsidy = pl.when(o % 6 == 1).then(pl.min_horizontal(pl.lit(300), price // 10)).otherwise(0)
    shop_discount = pl.when(o % 7 == 2).then(price // 20).otherwise(0)
    payable = price * quantity + postage - subsidy - shop_discount
    unpaid = o % 40 == 39
    after = _mix(o * 3 + ln, 23, 25)
    after_sale = (
        pl.when(unpaid)
        .then(pl.lit("-"))
        .when(after == 0)
        .then(pl.lit("退款成功"))
        .when(after == 1)
        .then(pl.lit("售后关闭"))
        .otherwise(pl.lit("-"))
    )
    refunded = ~unpaid & (after == 0)
    moment = _moment(_spread(o, store.rows * ORDERS_PER_CYCLE // ORDER_CYCLE + 1))
    order_id = (
        pl.lit(6_900_000_000_000_000_000, dtype=pl.Int64)
        + pl.lit(store.index * 10**9, dtype=pl.Int64)
        + o * 10
    )
    genre = pl.lit(pl.Series(("直播", "短视频", "商品卡", "其他"))).gather(_mix(o, 29, 4))
    tab = lambda text: pl.format("\t{}", text)  # noqa: E731
    values = {
        "主订单编号": tab(order_id),
        "子订单编号": tab(order_id + 1 + ln),
        "选购商品": _product_name(product),
        "商品规格": pl.lit("默认"),
        "商品数量": quantity.cast(pl.String),
        "商品ID": tab(product),
        "商家编码": pl.format("SC{}", (o + ln) % 40),
        "商品单价": _money_text(price),
        "订单应付金额": _money_text(payable),
        "运费": _money_text(postage),
        "优惠总金额": _money_text(subsidy + shop_discount),
        "平台优惠": _money_text(subsidy),
        "商家优惠": _money_text(shop_discount),
        "达人优惠": pl.lit("0.00"),
        "支付方式": pl.when(unpaid).then(pl.lit("-")).otherwise(pl.lit("抖音支付")),
        "收件人": pl.format("虚构收件人{}", o % 1000),
        "收件人手机号": pl.format("138{}", (o % 100_000_000).cast(pl.String).str.zfill(8)),
        "省": pl.lit("四川省"),
        "市": pl.lit("成都市"),
        "区": pl.lit("武侯区"),
        "详细地址": pl.format("虚构路{}号", o % 97 + 1),
        "买家留言": pl.lit("-"),
        "订单提交时间": _stamp(moment),
        "商家备注": pl.lit("-"),
        "订单完成时间": pl.lit("-"),
        "支付完成时间": pl.when(unpaid).then(pl.lit("-")).otherwise(_stamp(moment)),
        "APP渠道": pl.lit("抖音"),
        "订单状态": pl.when(unpaid)
        .then(pl.lit("已关闭"))
        .when(refunded)
        .then(pl.lit("已关闭"))
        .otherwise(pl.lit("已完成")),
        "订单类型": pl.lit("普通订单"),
        "达人ID": pl.lit("-"),
        "达人昵称": pl.lit("-"),
        "售后状态": after_sale,
        "取消原因": pl.when(unpaid).then(pl.lit("超时未支付")).otherwise(pl.lit("-")),
        "流量类型": pl.lit("自然流量"),
        "流量体裁": genre,
    }
    cells = frame.select([values.get(name, pl.lit("-")).alias(name) for name in DOUYIN_HEADER])
    truth = frame.filter(~unpaid).select(
        product.cast(pl.String).alias("product_id"),
        moment.dt.date().alias("sale_date"),
        payable.alias("gmv_fen"),
        pl.when(refunded).then(payable).otherwise(0).alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def pinduoduo_rows(store: Store, start: int, count: int) -> tuple:
    """拼多多 orders (one item each): platform discounts are not gmv; 2 % never paid."""
    i = pl.col("i")
    product = pl.lit(300_000_000 + store.index * 100, dtype=pl.Int64) + i % 25
    price = 590 + _mix(i % 25, 31, 8_000)
    quantity = 1 + _mix(i, 37, 4)
    goods = price * quantity
    shop_discount = pl.when(i % 4 == 0).then(goods // 20).otherwise(0)
    platform_discount = (
        pl.when(i % 5 == 0).then(pl.min_horizontal(pl.lit(200), goods // 10)).otherwise(0)
    )
    paid = goods - shop_discount - platform_discount
    unpaid = _mix(i, 41, 50) == 0
    after = _mix(i, 43, 40)
    refunded = ~unpaid & (after == 0)
    moment = _moment(_spread(i, store.rows))
    day_code = moment.dt.strftime("%y%m%d")
    values = {
        "订单成交时间": pl.when(unpaid).then(pl.lit("")).otherwise(_stamp(moment)),
        "商品": _product_name(i),
        "订单号": pl.format("{}-{}", day_code, (pl.lit(store.index * 10**8) + i)),
        "订单状态": pl.when(unpaid)
        .then(pl.lit("待支付"))
        .when(refunded)
        .then(pl.lit("已取消"))
        .otherwise(pl.lit("已签收")),
        "商品总价(元)": _money_text(goods),
        "邮费(元)": pl.lit("0.00"),
        "店铺优惠折扣(元)": _money_text(shop_discount),
        "平台优惠折扣(元)": _money_text(platform_discount),
        "多多支付立减金额(元)": pl.lit("0.00"),
        "用户实付金额(元)": pl.when(unpaid).then(pl.lit("0.00")).otherwise(_money_text(paid)),
        "商家实收金额(元)": _money_text(goods - shop_discount),
        "商品数量(件)": quantity.cast(pl.String),
        "商品id": product.cast(pl.String),
        "商品规格": pl.lit("默认"),
        "商家编码-商品维度": pl.format("PDD{}", i % 25),
        "售后状态": pl.when(after == 0)
        .then(pl.lit("退款成功"))
        .when(after == 1)
        .then(pl.lit("售后处理中"))
        .otherwise(pl.lit("无售后或售后取消")),
    }
    frame = _index_frame(start, count)
    cells = frame.select([values.get(name, pl.lit("")).alias(name) for name in PINDUODUO_HEADER])
    truth = frame.filter(~unpaid).select(
        product.cast(pl.String).alias("product_id"),
        moment.dt.date().alias("sale_date"),
        paid.alias("gmv_fen"),
        pl.when(refunded).then(paid).otherwise(0).alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def template_platform(store: Store) -> str:
    return TEMPLATE_PLATFORMS[store.index % len(TEMPLATE_PLATFORMS)]


def template_order_rows(store: Store, start: int, count: int) -> tuple:
    """The template at order grain: one product per order, every row paid (a clerk's sales)."""
    i = pl.col("i")
    product = pl.format("KS{}", i % 15)
    price = 1_990 + _mix(i % 15, 47, 20_000)
    quantity = 1 + _mix(i, 53, 3)
    gmv = price * quantity
    refund = pl.when(_mix(i, 59, 25) == 0).then(gmv).otherwise(0)
    moment = _moment(_spread(i, store.rows))
    values = {
        "平台": pl.lit(PLATFORMS[store.platform]),
        "店铺ID": pl.lit(store.store_id),
        "日期": _stamp(moment),
        "订单编号": pl.format("{}{}", pl.lit(store.store_id), i.cast(pl.String).str.zfill(8)),
        "商品编号": product,
        "商品名称": _product_name(i),
        "数量": quantity.cast(pl.String),
        "支付金额（元）": _money_text(gmv),
        "退款金额（元）": _money_text(refund),
        "渠道": pl.lit(pl.Series(("直播", "短视频", "货架"))).gather(_mix(i, 61, 3)),
    }
    frame = _index_frame(start, count)
    cells = frame.select(
        [values.get(name, pl.lit("")).alias(name) for name in TEMPLATE_ORDER_HEADER]
    )
    truth = frame.select(
        product.alias("product_id"),
        moment.dt.date().alias("sale_date"),
        gmv.alias("gmv_fen"),
        refund.alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def template_daily_rows(store: Store, start: int, count: int) -> tuple:
    """The template at day grain: product i // 365 on day i % 365."""
    i = pl.col("i")
    product = pl.format("D{}", i // 365)
    quantity = _mix(i, 67, 30)
    gmv = quantity * (2_990 + _mix(i // 365, 71, 10_000))
    refund = pl.when(_mix(i, 73, 8) == 0).then(gmv // 3).otherwise(0)
    sale_date = pl.date(YEAR, 1, 1) + pl.duration(days=i % 365)
    values = {
        "平台": pl.lit(PLATFORMS[store.platform]),
        "店铺ID": pl.lit(store.store_id),
        "日期": sale_date.dt.strftime("%Y-%m-%d"),
        "商品编号": product,
        "商品名称": _product_name(i // 365),
        "数量": quantity.cast(pl.String),
        "支付金额（元）": _money_text(gmv),
        "退款金额（元）": _money_text(refund),
        "买家数": (quantity // 2).cast(pl.String),
        "渠道": pl.lit("货架"),
    }
    frame = _index_frame(start, count)
    cells = frame.select(
        [values.get(name, pl.lit("")).alias(name) for name in TEMPLATE_DAILY_HEADER]
    )
    truth = frame.select(
        product.alias("product_id"),
        sale_date.alias("sale_date"),
        gmv.alias("gmv_fen"),
        refund.alias("refund_fen"),
        quantity.alias("quantity"),
    )
    return cells, truth


def _taobao_csv(store: Store, start: int, count: int) -> tuple:
    return taobao_rows(store, start, count, xlsx=False)


def _taobao_xlsx(store: Store, start: int, count: int) -> tuple:
    return taobao_rows(store, start, count, xlsx=True)


TAOBAO = "taobao_order_report"
DOUYIN = "douyin_order_export"
JD = "jd_order_export"
TEMPLATE_ORDERS = "standard_template_orders"
FEEDS: dict[str, Feed] = {
    feed.name: feed
    for feed in (
        Feed("tmall_orders_gbk", "tmall", TAOBAO, GBK, 0.15, _taobao_csv, TMALL_ORDER_HEADER,
             file_name="ExportOrderList"),
        Feed("tmall_orders_utf8", "tmall", TAOBAO, "utf-8", 0.06, _taobao_csv,
             TMALL_ORDER_HEADER, file_name="ExportOrderList"),
        Feed("tmall_orders_xlsx", "tmall", TAOBAO, "xlsx", 0.03, _taobao_xlsx, TMALL_XLSX_HEADER,
             fallback="tmall_orders_gbk", file_name="ExportOrderList"),
        Feed("taobao_orders_gbk", "taobao", TAOBAO, GBK, 0.08, _taobao_csv, TMALL_ORDER_HEADER,
             file_name="ExportOrderList"),
        Feed("taobao_orders_utf8", "taobao", TAOBAO, "utf-8", 0.03, _taobao_csv,
             TMALL_ORDER_HEADER, file_name="ExportOrderList"),
        Feed("taobao_orders_xlsx", "taobao", TAOBAO, "xlsx", 0.01, _taobao_xlsx,
             TMALL_XLSX_HEADER, fallback="taobao_orders_gbk", file_name="ExportOrderList"),
        Feed("sycm_daily_xlsx", "tmall", "sycm_product_daily", "xlsx", 0.03, sycm_rows,
             SYCM_HEADER, fallback="tmall_orders_gbk", file_name="【生意参谋平台】商品_全部"),
        Feed("jd_orders_gbk", "jd", JD, GBK, 0.13, jd_rows, JD_HEADER, file_name="订单导出"),
        Feed("jd_orders_xlsx", "jd", JD, "xlsx", 0.02, jd_rows, JD_HEADER,
             fallback="jd_orders_gbk", file_name="订单导出"),
        Feed("douyin_orders", "douyin", DOUYIN, "utf-8-sig", 0.22, douyin_rows,
             DOUYIN_HEADER, file_name="抖店订单商品维度"),
        Feed("pinduoduo_orders_utf8", "pinduoduo", "pinduoduo_order_export", "utf-8", 0.08,
             pinduoduo_rows, PINDUODUO_HEADER, file_name="orders_export"),
        Feed("pinduoduo_orders_gbk", "pinduoduo", "pinduoduo_order_export", GBK, 0.04,
             pinduoduo_rows, PINDUODUO_HEADER, file_name="orders_export"),
        Feed("template_orders_utf8", "template", TEMPLATE_ORDERS, "utf-8", 0.06,
             template_order_rows, TEMPLATE_ORDER_HEADER, file_name="川货电商节销售数据"),
        Feed("template_orders_gbk", "template", TEMPLATE_ORDERS, GBK, 0.02,
             template_order_rows, TEMPLATE_ORDER_HEADER, file_name="川货电商节销售数据"),
        Feed("template_orders_xlsx", "template", TEMPLATE_ORDERS, "xlsx", 0.01,
             template_order_rows, TEMPLATE_ORDER_HEADER, fallback="template_orders_utf8",
             file_name="川货电商节销售数据"),
        Feed("template_daily_csv", "template", "standard_template_daily", "utf-8", 0.03,
             template_daily_rows, TEMPLATE_DAILY_HEADER, file_name="川货电商节日汇总"),
    )
}  # fmt: skip
ONLY_TMALL = {"tmall_orders_gbk": 0.7, "tmall_orders_utf8": 0.3}  # the old benchmark's mix


# --- planning ------------------------------------------------------------------------------


def store_sizes(order_lines: int, mean: int, *, uniform: bool, seed: int) -> list[int]:
    """Rows per store summing to `order_lines`: log-normal (skewed) or all equal."""
    stores = max(1, math.ceil(order_lines / mean))
    if uniform:
        sizes = [mean] * stores
        sizes[-1] = order_lines - mean * (stores - 1)
        return sizes
    rng = random.Random(seed)
    draws = [rng.lognormvariate(0.0, SIZE_SIGMA) for _ in range(stores)]
    floor = min(MIN_STORE_ROWS, order_lines // stores)
    spare = order_lines - floor * stores
    scale = spare / sum(draws)
    sizes = [floor + int(draw * scale) for draw in draws]
    sizes[sizes.index(max(sizes))] += order_lines - sum(sizes)
    return sizes


def plan_stores(
    order_lines: int, mean: int, *, uniform: bool, seed: int, feeds: dict[str, float]
) -> list[Store]:
    """Each store's feed drawn by share; a store too big for Excel sends the csv fallback."""
    rng = random.Random(seed + 1)
    names, weights = list(feeds), list(feeds.values())
    stores = []
    for index, rows in enumerate(store_sizes(order_lines, mean, uniform=uniform, seed=seed)):
        feed = FEEDS[rng.choices(names, weights)[0]]
        if feed.encoding == "xlsx" and rows > XLSX_MAX_ROWS and feed.fallback:
            feed = FEEDS[feed.fallback]
        store = Store(index, str(FIRST_STORE_ID + index), feed.platform, feed.name, rows)
        if feed.platform == "template":
            store = Store(index, store.store_id, template_platform(store), feed.name, rows)
        stores.append(store)
    return stores


# --- writing -------------------------------------------------------------------------------


def transcode(source: Path, target: Path, encoding: str = GBK) -> Path:
    """`source` (UTF-8) re-encoded, one block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open("rb") as reading, target.open("wb") as writing:
        while block := reading.read(BLOCK_BYTES):
            writing.write(decoder.decode(block).encode(encoding))
        writing.write(decoder.decode(b"", final=True).encode(encoding))
    return target


def write_csv(cells: pl.DataFrame, path: Path, feed: Feed, copies: Path) -> Path:
    """Write `cells`; returns the file's UTF-8 cells (a GBK file's copy: DuckDB reads UTF-8).

    Taobao/Tmall and Douyin quote every field, as their back offices do; the others
    quote where needed, as Excel saves a csv.
    """
    quote = "always" if feed.layout in (TAOBAO, DOUYIN) else "necessary"
    if feed.encoding == GBK:
        copy = copies / f"{path.parent.name}-{path.name}"
        cells.write_csv(copy, quote_style=quote)
        transcode(copy, path)
        return copy
    with path.open("wb") as handle:
        if feed.encoding == "utf-8-sig":
            handle.write(codecs.BOM_UTF8)
        cells.write_csv(handle, quote_style=quote)
    return path


def write_xlsx(cells: pl.DataFrame, path: Path, feed: Feed) -> None:
    """Every cell as text (as back offices write ids and amounts), empty cells left out."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("商品_全部" if feed.layout == "sycm_product_daily" else "Sheet1")
    first = 0
    if feed.layout == "sycm_product_daily":
        metadata = (("店铺名称", path.parent.name), ("统计时间", f"{YEAR}-01-01 ~ {YEAR}-12-31"),
                    ("终端", "所有终端"), ("说明", "金额单位：元；“-”表示无数据"))  # fmt: skip
        for row, (label, value) in enumerate(metadata):
            sheet.write_string(row, 0, label)
            sheet.write_string(row, 1, value)
        first = len(metadata)
    for column, name in enumerate(cells.columns):
        sheet.write_string(first, column, name)
    for offset, row in enumerate(cells.iter_rows(), start=first + 1):
        for column, cell in enumerate(row):
            if cell:
                sheet.write_string(offset, column, cell)
    if feed.layout == "sycm_product_daily":
        sheet.write_string(first + cells.height + 1, 0, "合计")
    workbook.close()


@dataclass
class Totals:
    """What the marts must hold for a set of stores: fct_sales rows and sums, in fen."""

    rows_written: int = 0
    paid_lines: int = 0
    fct_rows: int = 0
    gmv_fen: int = 0
    refund_fen: int = 0
    quantity: int = 0
    files: int = 0

    def add(self, other: Totals) -> None:
        for name in asdict(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_json(self) -> dict[str, object]:
        return {
            "rows_written": self.rows_written,
            "paid_lines": self.paid_lines,
            "fct_rows": self.fct_rows,
            "gmv": f"{self.gmv_fen // 100}.{self.gmv_fen % 100:02d}",
            "refund": f"{self.refund_fen // 100}.{self.refund_fen % 100:02d}",
            "quantity": self.quantity,
            "files": self.files,
        }


@dataclass
class Manifest:
    order_lines: int
    seed: int
    mean_lines_per_store: int
    uniform: bool
    stores: int = 0
    files: list[FileEntry] = field(default_factory=list)
    by_platform: dict[str, Totals] = field(default_factory=dict)
    by_feed: dict[str, Totals] = field(default_factory=dict)
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        overall = Totals()
        for totals in self.by_platform.values():
            overall.add(totals)
        return {
            "format": MANIFEST_FORMAT,
            "order_lines": self.order_lines,
            "seed": self.seed,
            "mean_lines_per_store": self.mean_lines_per_store,
            "uniform": self.uniform,
            "stores": self.stores,
            "seconds": round(self.seconds, 1),
            "files": [asdict(entry) for entry in self.files],
            "expected": overall.as_json(),
            "by_platform": {key: value.as_json() for key, value in self.by_platform.items()},
            "by_feed": {key: value.as_json() for key, value in self.by_feed.items()},
        }


def write_store(store: Store, work: Path, copies: Path) -> tuple[list[FileEntry], Totals]:
    """The store's files (several for a big store), and its totals from their truth rows."""
    feed = FEEDS[store.feed]
    folder = work / "inbox" / inbox_group(feed) / store.platform / store.store_id
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if feed.encoding == "xlsx" else ".csv"
    entries, truths = [], []
    for part, start in enumerate(range(0, store.rows, FILE_MAX_ROWS)):
        count = min(FILE_MAX_ROWS, store.rows - start)
        cells, truth = feed.rows(store, start, count)
        path = folder / f"{feed.file_name}{store.store_id}_{part + 1:02d}{suffix}"
        utf8_path: Path | None = None
        if feed.encoding == "xlsx":
            write_xlsx(cells, path, feed)
        else:
            utf8_path = write_csv(cells, path, feed, copies)
        entries.append(
            FileEntry(
                str(path),
                str(utf8_path) if utf8_path else None,
                feed.name,
                feed.layout,
                store.platform,
                store.store_id,
                feed.encoding,
                count,
                inbox_group(feed),
            )
        )
        truths.append(truth)
    paid = pl.concat(truths) if truths else _empty_truth()
    fct = paid.group_by("product_id", "sale_date").agg(pl.len())
    sums = paid.select(pl.col("gmv_fen", "refund_fen", "quantity").sum()).row(0)
    totals = Totals(
        rows_written=store.rows,
        paid_lines=paid.height,
        fct_rows=fct.height,
        gmv_fen=int(sums[0] or 0),
        refund_fen=int(sums[1] or 0),
        quantity=int(sums[2] or 0),
        files=len(entries),
    )
    return entries, totals


def write_tmall_orders(path: Path, rows: int) -> Path:
    """One big UTF-8 Tmall order report of `rows` orders (for ingest_benchmark.py)."""
    store = Store(0, str(FIRST_STORE_ID), "tmall", "tmall_orders_utf8", rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for start in range(0, rows, FILE_MAX_ROWS):
            cells, _ = _taobao_csv(store, start, min(FILE_MAX_ROWS, rows - start))
            cells.write_csv(handle, include_header=start == 0, quote_style="always")
    log.info("wrote %s: %d rows, %.0f MiB", path, rows, path.stat().st_size / 2**20)
    return path


# --- registries ----------------------------------------------------------------------------


def _county_codes() -> list[str]:
    with (REPO / "dbt_project" / "seeds" / "divisions.csv").open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if row["level"] == "county"]


def credit_code(enterprise: int, counties: list[str]) -> str:
    """A valid 统一社会信用代码: 91 (company), the county, a 9-digit body, the check character."""
    first17 = f"91{counties[enterprise % len(counties)]}{enterprise:09d}"
    return first17 + check_character(first17)


def write_registries(folder: Path, stores: list[Store]) -> int:
    """The 2022 企业库 and 店铺 of the generated stores; returns the number of registry rows."""
    folder.mkdir(parents=True, exist_ok=True)
    counties = _county_codes()
    enterprises = range((len(stores) + STORES_PER_ENTERPRISE - 1) // STORES_PER_ENTERPRISE)
    with (folder / "企业库.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["年度", "统一社会信用代码", "企业名称", "县（市、区）代码", "类型", "产业带",
             "示范类型", "示范起始年度", "首次参加年度", "中华老字号", "重点培育"]
        )  # fmt: skip
        for enterprise in enterprises:
            writer.writerow(
                [YEAR, credit_code(enterprise, counties), f"基准川货{enterprise:05d}食品有限公司",
                 counties[enterprise % len(counties)], "企业", "川调味", "", "", YEAR - 1, "否",
                 "否"]
            )  # fmt: skip
    with (folder / "店铺.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["年度", "平台", "店铺ID", "店铺名称", "统一社会信用代码"])
        for store in stores:
            owner = credit_code(store.index // STORES_PER_ENTERPRISE, counties)
            name = f"川货{store.store_id}{PLATFORMS[store.platform]}店"
            writer.writerow([YEAR, PLATFORMS[store.platform], store.store_id, name, owner])
    return len(enterprises) + len(stores)


# --- the whole run -------------------------------------------------------------------------


def generate(
    work: Path,
    order_lines: int,
    *,
    mean_lines_per_store: int = 10_000,
    uniform: bool = False,
    seed: int = 2022,
    feeds: dict[str, float] | None = None,
) -> dict[str, object]:
    """Write the inbox, registries and manifest.json under `work`; returns the manifest."""
    started = time.perf_counter()
    for generated in ("inbox", "utf8-copies", "registries", "out"):
        shutil.rmtree(work / generated, ignore_errors=True)
    copies = work / "utf8-copies"
    copies.mkdir(parents=True)
    shares = feeds or {name: feed.share for name, feed in FEEDS.items()}
    stores = plan_stores(
        order_lines, mean_lines_per_store, uniform=uniform, seed=seed, feeds=shares
    )
    manifest = Manifest(order_lines, seed, mean_lines_per_store, uniform, stores=len(stores))
    for number, store in enumerate(stores, start=1):
        entries, totals = write_store(store, work, copies)
        manifest.files.extend(entries)
        manifest.by_platform.setdefault(store.platform, Totals()).add(totals)
        manifest.by_feed.setdefault(store.feed, Totals()).add(totals)
        if number % 500 == 0:
            log.info("%d of %d stores written", number, len(stores))
    write_registries(work / "registries" / str(YEAR), stores)
    manifest.seconds = time.perf_counter() - started
    document = manifest.as_json()
    (work / "manifest.json").write_text(json.dumps(document, ensure_ascii=False, indent=1))
    log.info(
        "generated %d rows in %d stores, %d files, in %.0f s",
        order_lines,
        len(stores),
        len(manifest.files),
        manifest.seconds,
    )
    return document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--order-lines", type=int, default=1_000_000)
    parser.add_argument("--mean-lines-per-store", type=int, default=10_000)
    parser.add_argument("--uniform", action="store_true", help="stores of equal size")
    parser.add_argument("--only-tmall", action="store_true", help="the old Tmall-only mix")
    parser.add_argument("--seed", type=int, default=2022)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    generate(
        arguments.work,
        arguments.order_lines,
        mean_lines_per_store=arguments.mean_lines_per_store,
        uniform=arguments.uniform,
        seed=arguments.seed,
        feeds=ONLY_TMALL if arguments.only_tmall else None,
    )


if __name__ == "__main__":
    main()
