"""Each committed export fixture is recognised as its own layout, by header alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.layouts import all_headers, detect_layout
from ingest.reader import read_table

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = {
    "taobao/ExportOrderList201506020800_v2015.csv": "taobao_order_report",
    "taobao/ExportOrderList202206020800_valid.csv": "taobao_order_report",
    "taobao/ExportOrderDetailList202206020800_valid.csv": "taobao_item_report",
    "douyin/1654131600_sub_orders_valid.csv": "douyin_order_export",
    "douyin/1654390800_custom_columns_valid.csv": "douyin_order_export",
    "douyin/1654477200_custom_main_orders_valid.csv": "douyin_order_export",
    "sycm/【生意参谋平台】商品_全部_2022-06-01_2022-06-02.xls": "sycm_product_daily",
    "jd/jd_orders_202206_valid.csv": "jd_order_export",
    "pinduoduo/pdd_orders_20220602_valid.csv": "pinduoduo_order_export",
    "pinduoduo/pdd_orders_sku_variant_valid.csv": "pinduoduo_order_export",
    "kuaishou/template_orders_valid.csv": "standard_template_orders",
    "miniprogram/template_daily_valid.csv": "standard_template_daily",
    "real/01_taobao_ExportOrderList_2017_excerpt.csv": "taobao_order_report",
    "real/02_taobao_ExportOrderDetailList_2017_excerpt.csv": "taobao_item_report",
    "real/03_tmall_order_report_head40.csv": "taobao_order_report",
}


@pytest.mark.parametrize(("relative", "layout"), sorted(EXPECTED.items()))
def test_fixture_is_detected_as_its_layout(relative: str, layout: str) -> None:
    path = FIXTURES / relative
    table = read_table(path, all_headers())
    assert detect_layout(table.headers, path).name == layout
