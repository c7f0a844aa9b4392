"""A store that changes enterprise between years: each year's sales stay with that year's owner.

Its own tiny warehouse (built once for the module), every amount in yuan:

- 2021 and 2022: enterprise A (锦江区 510104) and enterprise B (翠屏区 511502).
- Taobao store T belongs to A in the 2021 store registry and to B in 2022's.
- T sold 100.00 on 2021-05-01 and 250.00 with 50.00 refunded on 2022-05-01.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from warehouse.db import warehouse
from warehouse.dbt import build_marts

D = Decimal
A = "91510104MA000000AA"
B = "91511502MA000000BB"


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for number, row in enumerate(rows, start=2):
        values = {"load_id": 1, "source_file": f"{table}.csv", "source_row": number, **row}
        marks = ", ".join("?" for _ in values)
        con.execute(
            f"insert into raw.{table} ({', '.join(values)}) values ({marks})",
            list(values.values()),
        )


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    db_path = tmp_path_factory.mktemp("moved") / "moved.duckdb"
    with warehouse(db_path) as con:
        _insert(
            con,
            "enterprises",
            [
                {
                    "year": year,
                    "credit_code": code,
                    "enterprise_name": name,
                    "county_code": county,
                    "enterprise_type": "enterprise",
                    "belts": "tea",
                    "first_year": 2021,
                    "is_time_honoured": False,
                    "is_focused": False,
                }
                for year in (2021, 2022)
                for code, name, county in [(A, "锦江甲", "510104"), (B, "翠屏乙", "511502")]
            ],
        )
        _insert(
            con,
            "stores",
            [
                {
                    "year": year,
                    "platform": "taobao",
                    "store_id": "T",
                    "store_name": "T店",
                    "credit_code": owner,
                }
                for year, owner in [(2021, A), (2022, B)]
            ],
        )
        _insert(
            con,
            "daily_sales",
            [
                {
                    "layout": "sycm_product_daily",
                    "platform": "taobao",
                    "store_id": "T",
                    "product_id": "t-1",
                    "sale_date": dt.date.fromisoformat(day),
                    "gmv": D(gmv),
                    "refund": D(refund),
                }
                for day, gmv, refund in [
                    ("2021-05-01", "100.00", "0.00"),
                    ("2022-05-01", "250.00", "50.00"),
                ]
            ],
        )
    build_marts(db_path)
    con = duckdb.connect(str(db_path), read_only=True)
    yield con
    con.close()


def test_moved_store_sales_belong_to_each_years_owner_in_the_fact(marts) -> None:
    found = marts.execute(
        "select year, credit_code, county_code, net_sales from marts.fct_sales order by year"
    ).fetchall()
    assert found == [(2021, A, "510104", D("100.00")), (2022, B, "511502", D("200.00"))]


def test_moved_store_keeps_its_2021_sales_with_its_2021_owner(marts) -> None:
    found = marts.execute(
        "select credit_code, year, net_sales, net_sales_prev_year, growth_rate "
        "from marts.enterprise_years order by credit_code, year"
    ).fetchall()
    assert found == [
        # A: 100.00 in 2021; registered in 2022 without sales: (0 - 100) / 100 = -1.
        (A, 2021, D("100.00"), None, None),
        (A, 2022, D("0.00"), D("100.00"), D("-1.0000")),
        # B: nothing in 2021; the store's 2022 sales 250.00 - 50.00; no growth from 0.
        (B, 2021, D("0.00"), None, None),
        (B, 2022, D("200.00"), D("0.00"), None),
    ]


def test_moved_store_sales_stay_in_each_years_county(marts) -> None:
    found = marts.execute(
        "select county_code, year, net_sales from marts.county_years "
        "where county_code in ('510104', '511502') order by county_code, year"
    ).fetchall()
    assert found == [
        ("510104", 2021, D("100.00")),
        ("510104", 2022, D("0.00")),
        ("511502", 2021, D("0.00")),
        ("511502", 2022, D("200.00")),
    ]


def test_moved_store_row_names_each_years_owner(marts) -> None:
    found = marts.execute(
        "select year, credit_code, net_sales, net_sales_prev_year from marts.store_years "
        "order by year"
    ).fetchall()
    # The store's own history runs on: its 2022 row compares with its 2021 sales.
    assert found == [(2021, A, D("100.00"), None), (2022, B, D("200.00"), D("100.00"))]
