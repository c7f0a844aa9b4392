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
