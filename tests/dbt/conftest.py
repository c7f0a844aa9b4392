"""A tiny warehouse, built once per test session: a few hand-made raw rows, then the marts.

The rows (every amount below is in yuan):

- 2021: enterprise E1 (锦江区 510104) sells one Taobao order of 200.00 in store T1.
- 2022: E1 again, E2 (翠屏区 511502) new, E3 (锦江区) registered without sales.
  - T1 (E1, Taobao): order A of 99.99 with refund 10.01 paid on 03-01, with three
    item lines at list amounts 30, 40 and 10; order B of 60.00 without item
    lines; 生意参谋 daily rows of 300.00 on 03-01 (the day has order lines:
    dropped) and of 40.00 on 03-02 (kept).
  - D1 (E2, Douyin): a line of 100.00 refunded in full on 03-01; a line of
    50.00 first exported without refund, re-exported in a later load with
    20.00 refunded; an unpaid line; order DY4 of 80.00 on 05-20 exported
    both per order and per line (50.00 + 30.00), to be counted once. DY1 and
    DY4 were sold by streamer S1 (registered, agency E2).
  - M1 (E2, Tmall): a daily row of 500.00 with 50.00 refunded on 06-01.
  - D9 (Douyin, in no registry): a line of 70.00 on 03-03, by streamer S2 (in no
    registry).
- Products: P-001 (E1, liquor, GI) is T1's item 1001; P-002 (E2, seasoning)
  is D1's item 2001.
- Events of 2022: EV1 on Douyin from 03-01 to 03-03; EV2 on every platform
  from 06-01 to 06-18; EV3 for 宜宾 sellers (city 511500) in March; EV4 for
  锦江区 sellers (county 510104) in April.
- 挂标 (enrolments) of 2022: E1 in EV4 (every platform); E2 in EV1 on Douyin, in
  EV2 on Douyin only (so M1's Tmall sale does not count), in EV3 on every platform
  (and again on Douyin, in a later load: redundant); E3 in EV2, without sales.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from warehouse.db import warehouse
from warehouse.dbt import BuildSummary, build_marts

E1 = "91510104MA0000001E"
E2 = "91511502MA0000002M"
E3 = "91510104MA0000003L"

# Lineage columns every raw row carries; the tests only care about load order.
_ROW_COUNTER = iter(range(2, 10_000))


def _insert(con: duckdb.DuckDBPyConnection, table: str, load_id: int, rows: list[dict]) -> None:
    for row in rows:
        values = {
            "load_id": load_id,
            "source_file": f"load-{load_id}.csv",
            "source_row": next(_ROW_COUNTER),
            **row,
        }
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into raw.{table} ({columns}) values ({marks})", list(values.values()))


def _enterprise(year: int, code: str, name: str, county: str, belts: str) -> dict[str, Any]:
    return {
        "year": year,
        "credit_code": code,
        "enterprise_name": name,
        "county_code": county,
        "enterprise_type": "enterprise",
        "belts": belts,
        "demonstration_kind": None,
        "demonstration_since": None,
        "first_year": 2021,
        "is_time_honoured": False,
        "is_focused": False,
    }


def _order_line(
    platform: str,
    store_id: str,
    order_id: str,
    line_id: str,
    paid_at: str | None,
    gmv: str,
    refund: str,
    product_id: str | None = None,
    layout: str = "douyin_order_export",
    streamer_id: str | None = None,
) -> dict[str, Any]:
    return {
        "layout": layout,
        "platform": platform,
        "store_id": store_id,
        "order_id": order_id,
        "line_id": line_id,
        "product_id": product_id,
        "quantity": 1,
        "paid_at": dt.datetime.fromisoformat(paid_at) if paid_at else None,
        "gmv": Decimal(gmv),
        "refund": Decimal(refund),
        "streamer_id": streamer_id,
    }


def _daily(store_id: str, platform: str, product_id: str, day: str, gmv: str, refund: str):
    return {
        "layout": "sycm_product_daily",
        "platform": platform,
        "store_id": store_id,
        "product_id": product_id,
        "sale_date": dt.date.fromisoformat(day),
        "gmv": Decimal(gmv),
        "refund": Decimal(refund),
        "quantity": 1,
    }


def _place_event(
    event_id: str, name: str, month: dt.date, kind: str, city: str, county: str | None
) -> dict[str, Any]:
    """An event of one month on every platform, for the sellers of one place."""
    last_day = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return {
        "year": month.year,
        "event_id": event_id,
        "event_name": name,
        "window_text": f"{month.month}月",
        "window_precision": "month",
        "start_date": month,
        "end_date": last_day,
        "place_kind": kind,
        "place_text": name,
        "city_code": city,
        "county_code": county,
        "platforms": "",
    }


def fill_tiny_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """The raw rows described in this module's docstring."""
    _insert(
        con,
        "enterprises",
        1,
        [
            _enterprise(2021, E1, "锦江酒茶有限公司", "510104", "tea,liquor"),
            _enterprise(2022, E1, "锦江酒茶有限公司", "510104", "tea,liquor"),
            _enterprise(2022, E2, "翠屏调味有限公司", "511502", "seasoning"),
            _enterprise(2022, E3, "锦江新店有限公司", "510104", "farm"),
        ],
    )
    _insert(
        con,
        "stores",
        1,
        [
            {
                "year": 2021,
                "platform": "taobao",
                "store_id": "T1",
                "store_name": "锦江淘宝店",
                "credit_code": E1,
            },
            {
                "year": 2022,
                "platform": "taobao",
                "store_id": "T1",
                "store_name": "锦江淘宝店",
                "credit_code": E1,
            },
            {
                "year": 2022,
                "platform": "douyin",
                "store_id": "D1",
                "store_name": "翠屏抖音店",
                "credit_code": E2,
            },
            {
                "year": 2022,
                "platform": "tmall",
                "store_id": "M1",
                "store_name": "翠屏天猫店",
                "credit_code": E2,
            },
        ],
    )
    _insert(
        con,
        "products",
        1,
        [
            {
                "year": 2022,
                "product_code": "P-001",
                "product_name": "锦江白酒",
                "belt": "liquor",
                "origin_county_code": "511502",
                "is_gi": True,
                "credit_code": E1,
            },
            {
                "year": 2022,
                "product_code": "P-002",
                "product_name": "翠屏豆瓣",
                "belt": "seasoning",
                "origin_county_code": "510117",
                "is_gi": False,
                "credit_code": E2,
            },
        ],
    )
    _insert(
        con,
        "product_items",
        1,
        [
            {
                "year": 2022,
                "product_code": "P-001",
                "platform": "taobao",
                "store_id": "T1",
                "item_id": "1001",
            },
            {
                "year": 2022,
                "product_code": "P-002",
                "platform": "douyin",
                "store_id": "D1",
                "item_id": "2001",
            },
        ],
    )
    _insert(
        con,
        "streamers",
        1,
        [
            {
                "year": 2022,
                "platform": "douyin",
                "streamer_id": "S1",
                "streamer_name": "翠屏小川",
                "agency_credit_code": E2,
            }
        ],
    )
    taobao = {"layout": "taobao_order_report"}
    _insert(
        con,
        "order_lines",
        2,
        [
            _order_line(
                "taobao", "T1", "O21", "", "2021-06-10 09:00:00", "200.00", "0.00", **taobao
            ),
            _order_line("taobao", "T1", "A", "", "2022-03-01 10:00:00", "99.99", "10.01", **taobao),
            _order_line("taobao", "T1", "B", "", "2022-04-02 08:00:00", "60.00", "0.00", **taobao),
            _order_line(
                "douyin",
                "D1",
                "DY1",
                "DY1-1",
                "2022-03-01 12:00:00",
                "100.00",
                "100.00",
                "2001",
                streamer_id="S1",
            ),
            _order_line(
                "douyin", "D1", "DY2", "DY2-1", "2022-05-05 20:00:00", "50.00", "0.00", "2001"
            ),
            _order_line("douyin", "D1", "DY3", "DY3-1", None, "0.00", "0.00", "2001"),
            _order_line("douyin", "D1", "DY4", "", "2022-05-20 10:00:00", "80.00", "0.00"),
            _order_line(
                "douyin",
                "D1",
                "DY4",
                "DY4-1",
                "2022-05-20 10:00:00",
                "50.00",
                "0.00",
                "2002",
                streamer_id="S1",
            ),
            _order_line(
                "douyin",
                "D1",
                "DY4",
                "DY4-2",
                "2022-05-20 10:00:00",
                "30.00",
                "0.00",
                "2003",
                streamer_id="S1",
            ),
            _order_line(
                "douyin",
                "D9",
                "DY9",
                "DY9-1",
                "2022-03-03 23:59:59",
                "70.00",
                "0.00",
                "9001",
                streamer_id="S2",
            ),
        ],
    )
    # A later export of the same Douyin line, now with a partial refund.
    _insert(
        con,
        "order_lines",
        5,
        [
            _order_line(
                "douyin", "D1", "DY2", "DY2-1", "2022-05-05 20:00:00", "50.00", "20.00", "2001"
            ),
        ],
    )
    _insert(
        con,
        "item_lines",
        3,
        [
            {
                "layout": "taobao_item_report",
                "platform": "taobao",
                "store_id": "T1",
                "order_id": "A",
                "line_no": line_no,
                "product_id": product_id,
                "unit_price": Decimal(price),
                "quantity": quantity,
            }
            for line_no, product_id, price, quantity in [
                (1, "1001", "30.00", 1),
                (2, "1002", "20.00", 2),
                (3, "1003", "10.00", 1),
            ]
        ],
    )
    _insert(
        con,
        "daily_sales",
        4,
        [
            _daily("T1", "taobao", "1001", "2022-03-01", "300.00", "0.00"),
            _daily("T1", "taobao", "1001", "2022-03-02", "40.00", "0.00"),
            _daily("M1", "tmall", "M-1", "2022-06-01", "500.00", "50.00"),
        ],
    )
    _insert(
        con,
        "events",
        1,
        [
            {
                "year": 2022,
                "event_id": "EV1",
                "event_name": "抖音川货节",
                "window_text": "3月1日至3日",
                "window_precision": "day",
                "start_date": dt.date(2022, 3, 1),
                "end_date": dt.date(2022, 3, 3),
                "place_kind": "province",
                "place_text": "全省",
                "platforms": "douyin",
            },
            {
                "year": 2022,
                "event_id": "EV2",
                "event_name": "618川货节",
                "window_text": "6月1日至18日",
                "window_precision": "day",
                "start_date": dt.date(2022, 6, 1),
                "end_date": dt.date(2022, 6, 18),
                "place_kind": "province",
                "place_text": "全省",
                "platforms": "",
            },
            _place_event("EV3", "宜宾茶节", dt.date(2022, 3, 1), "city", "511500", None),
            _place_event("EV4", "锦江专场", dt.date(2022, 4, 1), "county", "510100", "510104"),
        ],
    )
    _insert(
        con,
        "enrolments",
        6,
        [
            {"year": 2022, "event_id": event_id, "credit_code": code, "platform": platform}
            for event_id, code, platform in [
                ("EV4", E1, None),
                ("EV1", E2, "douyin"),
                ("EV2", E2, "douyin"),
                ("EV3", E2, None),
                ("EV2", E3, None),
            ]
        ],
    )
    _insert(
        con,
        "enrolments",
        7,
        [{"year": 2022, "event_id": "EV3", "credit_code": E2, "platform": "douyin"}],
    )


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    """The tiny warehouse with its marts built, once for the whole tests/dbt folder.

    Tests only read it; each module opens (and closes) its own connection.
    """
    db_path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    with warehouse(db_path) as con:
        fill_tiny_warehouse(con)
    return db_path, build_marts(db_path)


@pytest.fixture(scope="module")
def marts(built_warehouse: tuple[Path, BuildSummary]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the built tiny warehouse."""
    db_path, _ = built_warehouse
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def credit_codes() -> dict[str, str]:
    """The enterprises of the tiny warehouse by their short names."""
    return {"E1": E1, "E2": E2, "E3": E3}
