"""Shared setup for scoring tests: an in-memory warehouse with hand-filled marts, rules files.

The marts are created here with the contract's columns (briefs/marts.md), so scoring is
tested without dbt. Rows are given as a few fields; the rest take neutral defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from warehouse.paths import RULES_DIR

ENTERPRISE_COLUMNS = {
    "credit_code": "varchar",
    "year": "integer",
    "enterprise_name": "varchar",
    "enterprise_type": "varchar",
    "county_code": "varchar",
    "county_name": "varchar",
    "city_code": "varchar",
    "city_name": "varchar",
    "belts": "varchar",
    "demonstration_kind": "varchar",
    "is_demonstration": "boolean",
    "first_year": "integer",
    "is_time_honoured": "boolean",
    "is_focused": "boolean",
    "gmv": "decimal(18,2)",
    "refund": "decimal(18,2)",
    "net_sales": "decimal(18,2)",
    "refund_rate": "decimal(9,4)",
    "net_sales_prev_year": "decimal(18,2)",
    "growth_rate": "decimal(9,4)",
    "active_months": "integer",
    "store_count": "integer",
    "products_with_sales": "integer",
    "gi_products_with_sales": "integer",
    "events_joined": "integer",
}
STORE_COLUMNS = {
    "platform": "varchar",
    "store_id": "varchar",
    "year": "integer",
    "store_name": "varchar",
    "credit_code": "varchar",
    "enterprise_name": "varchar",
    "county_code": "varchar",
    "city_code": "varchar",
    "gmv": "decimal(18,2)",
    "refund": "decimal(18,2)",
    "net_sales": "decimal(18,2)",
    "refund_rate": "decimal(9,4)",
    "net_sales_prev_year": "decimal(18,2)",
    "growth_rate": "decimal(9,4)",
    "active_months": "integer",
    "events_joined": "integer",
}
COUNTY_COLUMNS = {
    "county_code": "varchar",
    "year": "integer",
    "county_name": "varchar",
    "city_code": "varchar",
    "city_name": "varchar",
    "gmv": "decimal(18,2)",
    "refund": "decimal(18,2)",
    "net_sales": "decimal(18,2)",
    "net_sales_prev_year": "decimal(18,2)",
    "growth_rate": "decimal(9,4)",
    "enterprise_count": "integer",
    "store_count": "integer",
    "top_product_code": "varchar",
    "top_product_name": "varchar",
    "top_product_origin_county_code": "varchar",
    "top_product_net_sales": "decimal(18,2)",
}
STREAMER_COLUMNS = {
    "platform": "varchar",
    "streamer_id": "varchar",
    "year": "integer",
    "streamer_name": "varchar",
    "agency_credit_code": "varchar",
    "agency_name": "varchar",
    "is_registered": "boolean",
    "gmv": "decimal(18,2)",
    "refund": "decimal(18,2)",
    "net_sales": "decimal(18,2)",
    "active_months": "integer",
    "store_count": "integer",
}
FCT_SALES_COLUMNS = {
    "year": "integer",
    "credit_code": "varchar",
    "county_code": "varchar",
    "belt": "varchar",
    "net_sales": "decimal(18,2)",
}

ENTERPRISE_DEFAULTS: dict[str, Any] = {
    "enterprise_type": "enterprise",
    "county_code": "510104",
    "county_name": "锦江区",
    "city_code": "510100",
    "city_name": "成都市",
    "belts": "liquor",
    "demonstration_kind": None,
    "is_demonstration": False,
    "first_year": 2015,
    "is_time_honoured": False,
    "is_focused": False,
    "refund": Decimal("0"),
    "refund_rate": Decimal("0.0100"),
    "growth_rate": None,
    "active_months": 12,
    "store_count": 1,
    "products_with_sales": 1,
    "gi_products_with_sales": 0,
    "events_joined": 1,
}
STORE_DEFAULTS: dict[str, Any] = {
    "platform": "tmall",
    "credit_code": None,
    "enterprise_name": None,
    "county_code": "510104",
    "city_code": "510100",
    "refund": Decimal("0"),
    "refund_rate": Decimal("0.0100"),
    "growth_rate": None,
    "active_months": 12,
    "events_joined": 1,
}
COUNTY_DEFAULTS: dict[str, Any] = {
    "city_code": "510100",
    "city_name": "成都市",
    "refund": Decimal("0"),
    "growth_rate": None,
    "enterprise_count": 1,
    "store_count": 1,
}

STREAMER_DEFAULTS: dict[str, Any] = {
    "platform": "douyin",
    "agency_credit_code": None,
    "agency_name": None,
    "is_registered": True,
    "refund": Decimal("0"),
    "active_months": 12,
    "store_count": 1,
}


class Marts:
    """Hand-filled marts in one in-memory DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute("create schema marts")
        for table, columns in (
            ("enterprise_years", ENTERPRISE_COLUMNS),
            ("store_years", STORE_COLUMNS),
            ("county_years", COUNTY_COLUMNS),
            ("streamer_years", STREAMER_COLUMNS),
            ("fct_sales", FCT_SALES_COLUMNS),
        ):
            ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
            con.execute(f"create table marts.{table} ({ddl})")

    def _insert(self, table: str, columns: dict[str, str], row: dict[str, Any]) -> None:
        unknown = set(row) - set(columns)
        assert not unknown, f"not a column of {table}: {unknown}"
        names = list(row)
        self.con.execute(
            f"insert into marts.{table} ({', '.join(names)}) "
            f"values ({', '.join('?' for _ in names)})",
            [row[name] for name in names],
        )

    def enterprise(self, credit_code: str, year: int, net_sales: str, **fields: Any) -> None:
        row = {
            **ENTERPRISE_DEFAULTS,
            "credit_code": credit_code,
            "year": year,
            "enterprise_name": f"企业{credit_code}",
            "net_sales": Decimal(net_sales),
            **fields,
        }
        row.setdefault("gmv", row["net_sales"] + row["refund"])
        self._insert("enterprise_years", ENTERPRISE_COLUMNS, row)

    def store(self, store_id: str, year: int, net_sales: str, **fields: Any) -> None:
        row = {
            **STORE_DEFAULTS,
            "store_id": store_id,
            "year": year,
            "store_name": f"店铺{store_id}",
            "net_sales": Decimal(net_sales),
            **fields,
        }
        row.setdefault("gmv", row["net_sales"] + row["refund"])
        self._insert("store_years", STORE_COLUMNS, row)

    def county(self, county_code: str, year: int, net_sales: str, **fields: Any) -> None:
        row = {
            **COUNTY_DEFAULTS,
            "county_code": county_code,
            "year": year,
            "county_name": f"县{county_code}",
            "net_sales": Decimal(net_sales),
            **fields,
        }
        row.setdefault("gmv", row["net_sales"] + row["refund"])
        self._insert("county_years", COUNTY_COLUMNS, row)

    def streamer(self, streamer_id: str, year: int, net_sales: str, **fields: Any) -> None:
        row = {
            **STREAMER_DEFAULTS,
            "streamer_id": streamer_id,
            "year": year,
            "streamer_name": f"主播{streamer_id}",
            "net_sales": Decimal(net_sales),
            **fields,
        }
        row.setdefault("gmv", row["net_sales"] + row["refund"])
        self._insert("streamer_years", STREAMER_COLUMNS, row)

    def belt_sale(
        self,
        year: int,
        belt: str,
        net_sales: str,
        *,
        credit_code: str | None = None,
        county_code: str | None = None,
    ) -> None:
        self._insert(
            "fct_sales",
            FCT_SALES_COLUMNS,
            {
                "year": year,
                "credit_code": credit_code,
                "county_code": county_code,
                "belt": belt,
                "net_sales": Decimal(net_sales),
            },
        )


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def marts(con: duckdb.DuckDBPyConnection) -> Marts:
    return Marts(con)


@pytest.fixture
def default_rules_data() -> dict[str, Any]:
    """The shipped 2022 rules, parsed, for tests to change one key at a time."""
    return yaml.safe_load((RULES_DIR / "2022.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def write_rules(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    """Write a rules mapping as YAML under tmp_path and return the file's path."""

    def write(data: dict[str, Any], name: str | None = None) -> Path:
        path = tmp_path / (name or f"{data.get('year', 'rules')}.yaml")
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    return write


# The hand-computed fixture of golden/README.md, shared by the evaluation, compare and
# determinism tests.
HAND_YEAR = 2022


@pytest.fixture
def hand_rules(
    default_rules_data: dict[str, Any], write_rules: Callable[[dict[str, Any]], Path]
) -> Path:
    """The shipped rules with the few changes golden/README.md lists."""
    data = default_rules_data
    data["indicators"]["sales_scale"]["normalisation"] = "minmax"
    data["pools"]["leading"]["weights"] = {"sales_scale": 0.5, "growth": 0.3, "quality": 0.2}
    data["pools"]["leading"]["admission"] = {
        "sichuan_county": True,
        "min_net_sales": 100000,
        "min_active_months": 3,
        "max_refund_rate": 0.5,
    }
    data["pools"]["agency"]["weights"] = {"growth": 1.0}
    data["pools"]["agency"]["admission"] = {"sichuan_county": True}
    data["pools"]["county"]["weights"] = {"sales_scale": 1.0}
    data["pools"]["county"]["admission"] = {"sichuan_county": True}
    data["lists"]["goods_bases"]["min_belt_net_sales"] = 150000
    data["pools"]["store"]["weights"] = {"sales_scale": 1.0}
    # log_minmax on its own indicator, since sales_scale is minmax here
    data["indicators"]["sales_log"] = {
        "title": "带货规模",
        "columns": ["net_sales"],
        "direction": "higher",
        "normalisation": "log_minmax",
        "missing": "share",
    }
    data["pools"]["streamer"]["weights"] = {"sales_log": 0.8, "reach": 0.2}
    data["pools"]["streamer"]["admission"] = {"registered": True, "min_net_sales": 1000}
    return write_rules(data)


def _tied_counties(marts: Marts) -> None:
    """13 counties; the 10th and 11th sell the same, so they share rank 10."""
    sales = [
        "1300",
        "1200",
        "1100",
        "1000",
        "900",
        "800",
        "700",
        "600",
        "500",
        "400",
        "400",
        "300",
        "100",
    ]
    for index, amount in enumerate(sales, start=1):
        marts.county(
            f"5101{index:02d}",
            HAND_YEAR,
            amount,
            top_product_name=f"产品{index}",
            top_product_code=f"P{index:02d}",
            top_product_origin_county_code="510101",
        )


def hand_marts_rows(marts: Marts) -> Marts:
    """Fill `marts` with the fixture's rows (also used on a warehouse file)."""
    leading = {
        "91510100A": ("500000", "0.2000", "0.1000", 12),
        "91510100B": ("300000", None, "0.0500", 12),
        "91510100C": ("100000", "0.1000", "0.3000", 12),
        "91510100D": ("50000", "0.1000", "0.1000", 12),
        "91510100F": ("200000", "0.1000", "0.6000", 2),
    }
    for code, (net, growth, refund_rate, months) in leading.items():
        marts.enterprise(
            code, HAND_YEAR, net, growth_rate=growth, refund_rate=refund_rate, active_months=months
        )
    marts.enterprise("91510100G", HAND_YEAR, "80000", enterprise_type="agency", growth_rate=None)
    marts.enterprise(
        "91510100H", HAND_YEAR, "90000", enterprise_type="agency", growth_rate="0.5000"
    )
    marts.belt_sale(HAND_YEAR, "tea", "200000", credit_code="91510100A")
    marts.belt_sale(HAND_YEAR, "tea", "100000", credit_code="91510100B")
    _tied_counties(marts)
    for store_id, net in (
        ("T1", "500000"),
        ("T2", "300000"),
        ("T3", "100000"),
        ("T4", "20000"),
        ("T5", "5000"),
    ):
        marts.store(store_id, HAND_YEAR, net)
    for streamer_id, net, stores, registered in (
        ("S1", "999999", 3, True),
        ("S2", "99999", 1, True),
        ("S3", "9999", 2, True),
        ("S4", "500000", 5, False),
        ("S5", "99", 1, True),
    ):
        marts.streamer(streamer_id, HAND_YEAR, net, store_count=stores, is_registered=registered)
    return marts


@pytest.fixture
def hand_marts(marts: Marts) -> Marts:
    return hand_marts_rows(marts)
