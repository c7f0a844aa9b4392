"""Generating big platform exports for benchmarks: Tmall 订单报表 at millions of rows.

The rows follow the Taobao/Tmall order report as sellers download it (54
columns, IDs wrapped as ="…", amounts with thousands separators, a partial
refund on some orders, closed and unpaid orders) and carry made-up buyer
columns, so a benchmark pays for the columns it must drop. Everything is built
with polars expressions over a row index: no Python loop per row, so a later
performance issue can grow it to other layouts and sizes. The GBK copy is
transcoded from the UTF-8 file in blocks, in bounded memory.

It never writes real people's data: every name, phone and address is invented
from the row number.
"""

from __future__ import annotations

import argparse
import codecs
import logging
from pathlib import Path

import polars as pl

log = logging.getLogger(__name__)

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
PRODUCTS: tuple[str, ...] = ("郫县豆瓣酱", "蒙顶山甘露", "五粮液 52度", "汉源花椒", "竹编茶盘")
BLOCK_BYTES = 16 << 20
WRITE_BATCH_ROWS = 500_000


def _money_text(cents: pl.Expr) -> pl.Expr:
    """Cents as `1,250.50`: thousands separated, as the report prints large amounts."""
    yuan = cents // 100
    thousands = yuan // 1000
    below = (yuan % 1000).cast(pl.String).str.zfill(3)
    whole = (
        pl.when(thousands > 0)
        .then(pl.format("{},{}", thousands, below))
        .otherwise(yuan.cast(pl.String))
    )
    return pl.format("{}.{}", whole, (cents % 100).cast(pl.String).str.zfill(2))


def tmall_order_rows(
    start: int,
    count: int,
    *,
    first_order: int = 2022_0601_0000_0000_00,
    seconds_apart: int = 37,
) -> pl.DataFrame:
    """`count` order rows numbered from `start`: 85% paid, 10% refunded in part, 5% unpaid.

    Row n is paid `n * seconds_apart` seconds into 2022 (wrapping within the year), so
    a wide step spreads a few thousand rows of one store over the whole year.
    """
    n = pl.int_range(start, start + count, dtype=pl.Int64, eager=False)
    frame = pl.select(n.alias("n"))
    row = pl.col("n")
    bucket = row % 20
    total = 500 + (row * 7919) % 250_000  # cents: 5.00 to 2,504.99 yuan
    refund = pl.when(bucket < 2).then(total // 4).otherwise(0)
    unpaid = bucket == 19
    second = (row * seconds_apart) % (365 * 86_400)
    paid_at = (pl.lit(1_640_995_200, dtype=pl.Int64) + second) * 1_000_000
    paid_text = pl.from_epoch(paid_at, time_unit="us").dt.strftime("%Y-%m-%d %H:%M:%S")
    values = {
        "订单编号": pl.format('="{}"', pl.lit(first_order, dtype=pl.Int64) + row),
        "买家会员名": pl.format("buyer_{}", row),
        "买家支付宝账号": pl.format("buyer_{}@example.invalid", row),
        "买家应付货款": _money_text(total),
        "买家应付邮费": pl.lit("0.00"),
        "总金额": _money_text(total),
        "买家实际支付金额": pl.when(unpaid)
        .then(pl.lit("0.00"))
        .otherwise(_money_text(total - refund)),
        "订单状态": pl.when(unpaid).then(pl.lit("交易关闭")).otherwise(pl.lit("交易成功")),
        "收货人姓名": pl.format("收货人{}", row),
        "收货地址 ": pl.format("四川省 成都市 武侯区 某路{}号(610000)", row % 999),
        "联系手机": pl.format("'139{}", (row % 100_000_000).cast(pl.String).str.zfill(8)),
        "订单创建时间": paid_text,
        "订单付款时间 ": pl.when(unpaid).then(pl.lit("")).otherwise(paid_text),
        "宝贝标题 ": pl.lit(pl.Series(PRODUCTS)).gather(row % len(PRODUCTS)),
        "宝贝总数量": (1 + row % 3).cast(pl.String),
        "店铺Id": pl.lit("0"),
        "店铺名称": pl.lit("川货旗舰店"),
        "订单关闭原因": pl.when(unpaid).then(pl.lit("买家未付款")).otherwise(pl.lit("订单未关闭")),
        "退款金额": pl.when(unpaid).then(pl.lit("0.00")).otherwise(_money_text(refund)),
    }
    return frame.select([values.get(name, pl.lit("")).alias(name) for name in TMALL_ORDER_HEADER])


def write_tmall_orders(path: Path, rows: int) -> Path:
    """A UTF-8 Tmall order report of `rows` orders, written in batches."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        for start in range(0, rows, WRITE_BATCH_ROWS):
            batch = tmall_order_rows(start, min(WRITE_BATCH_ROWS, rows - start))
            batch.write_csv(handle, include_header=start == 0, quote_style="non_numeric")
    log.info("wrote %s: %d rows, %.0f MiB", path, rows, path.stat().st_size / 2**20)
    return path


def transcode(source: Path, target: Path, encoding: str = "gb18030") -> Path:
    """`source` (UTF-8) re-encoded, one block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with source.open("rb") as reading, target.open("wb") as writing:
        while block := reading.read(BLOCK_BYTES):
            writing.write(decoder.decode(block).encode(encoding))
        writing.write(decoder.decode(b"", final=True).encode(encoding))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--gbk", action="store_true", help="also write a GBK copy")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    utf8 = write_tmall_orders(arguments.folder / "tmall_orders_utf8.csv", arguments.rows)
    if arguments.gbk:
        transcode(utf8, arguments.folder / "tmall_orders_gbk.csv")


if __name__ == "__main__":
    main()
