"""The marts scoring reads, per unit kind: which table, which columns, which id.

This is scoring's copy of the marts contract (dbt_project/models/marts/_marts__models.yml:
enterprise_years, store_years, county_years, streamer_years). Rows come back as dicts of
exact Python values (Decimal money). This module only reads: it must never write to the
marts or change what a column means.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import table_exists
from warehouse.errors import NoDataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UnitKind:
    """One kind of evaluated unit and the mart table it is read from."""

    kind: str
    table: str
    id_sql: str
    name_column: str
    columns: frozenset[str]


_ENTERPRISE_COLUMNS = frozenset(
    [
        "credit_code",
        "year",
        "enterprise_name",
        "enterprise_type",
        "county_code",
        "county_name",
        "city_code",
        "city_name",
        "belts",
        "demonstration_kind",
        "is_demonstration",
        "first_year",
        "is_time_honoured",
        "is_focused",
        "gmv",
        "refund",
        "net_sales",
        "refund_rate",
        "net_sales_prev_year",
        "growth_rate",
        "active_months",
        "store_count",
        "products_with_sales",
        "gi_products_with_sales",
        "events_joined",
    ]
)
_STORE_COLUMNS = frozenset(
    [
        "platform",
        "store_id",
        "year",
        "store_name",
        "credit_code",
        "enterprise_name",
        "county_code",
        "city_code",
        "gmv",
        "refund",
        "net_sales",
        "refund_rate",
        "net_sales_prev_year",
        "growth_rate",
        "active_months",
        "events_joined",
    ]
)
_COUNTY_COLUMNS = frozenset(
    [
        "county_code",
        "year",
        "county_name",
        "city_code",
        "city_name",
        "gmv",
        "refund",
        "net_sales",
        "net_sales_prev_year",
        "growth_rate",
        "enterprise_count",
        "store_count",
        "top_product_code",
        "top_product_name",
        "top_product_origin_county_code",
        "top_product_net_sales",
    ]
)

_STREAMER_COLUMNS = frozenset(
    [
        "platform",
        "streamer_id",
        "year",
        "streamer_name",
        "agency_credit_code",
        "agency_name",
        "is_registered",
        "gmv",
        "refund",
        "net_sales",
        "active_months",
        "store_count",
    ]
)

UNIT_KINDS: dict[str, UnitKind] = {
    "enterprise": UnitKind(
        "enterprise",
        "marts.enterprise_years",
        "credit_code",
        "enterprise_name",
        _ENTERPRISE_COLUMNS,
    ),
    "store": UnitKind(
        "store",
        "marts.store_years",
        "platform || ':' || store_id",
        "store_name",
        _STORE_COLUMNS,
    ),
    "county": UnitKind(
        "county",
        "marts.county_years",
        "county_code",
        "county_name",
        _COUNTY_COLUMNS,
    ),
    "streamer": UnitKind(
        "streamer",
        "marts.streamer_years",
        "platform || ':' || streamer_id",
        "streamer_name",
        _STREAMER_COLUMNS,
    ),
}

# Columns an admission threshold reads, per threshold key.
ADMISSION_COLUMNS: dict[str, str] = {
    "sichuan_county": "county_code",
    "registered": "is_registered",
    "min_net_sales": "net_sales",
    "min_active_months": "active_months",
    "max_refund_rate": "refund_rate",
}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def arrow_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pa.Table:
    """A query's rows as Arrow, for the readers that work in columns.

    Through execute, not con.sql: execute also settles a result an earlier fetchone left
    open on the connection. DuckDB warns that this copies the rows once; at a million
    rows the copy is a fraction of a second.
    """
    result = con.execute(sql, params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return result.to_arrow_table()


def require_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Fail with a hint when the marts scoring needs have not been built."""
    for unit_kind in UNIT_KINDS.values():
        schema, table = unit_kind.table.split(".")
        if not table_exists(con, schema, table):
            raise NoDataError(
                f"the warehouse has no {unit_kind.table}",
                "build the marts first (chuanhuo build), then rank again",
            )


def read_units(con: duckdb.DuckDBPyConnection, kind: str, year: int) -> list[dict[str, Any]]:
    """One dict per unit of `kind` in `year`, with `unit_id` and `unit_name` added."""
    unit_kind = UNIT_KINDS[kind]
    rows = _rows(
        con,
        f"select {unit_kind.id_sql} as unit_id, {unit_kind.name_column} as unit_name, * "
        f"from {unit_kind.table} where year = ? order by unit_id",
        [year],
    )
    log.debug("read %d %s rows of %d from %s", len(rows), kind, year, unit_kind.table)
    return rows


def latest_enterprise_rows_before(
    con: duckdb.DuckDBPyConnection, year: int, *, demonstration_only: bool = False
) -> list[dict[str, Any]]:
    """Each enterprise's row of the latest year before `year` that has one, by unit id.

    `demonstration_only` keeps the rows whose latest year says demonstration unit (the
    latest row is chosen first, then filtered).
    """
    latest = (
        "select credit_code as unit_id, enterprise_name as unit_name, * "
        "from marts.enterprise_years where year < ? "
        "qualify row_number() over (partition by credit_code order by year desc) = 1"
    )
    where = " where is_demonstration" if demonstration_only else ""
    return _rows(con, f"select * from ({latest}){where} order by unit_id", [year])


def years_with_data(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Years present in marts.enterprise_years, ascending."""
    if not table_exists(con, "marts", "enterprise_years"):
        return []
    rows = con.execute("select distinct year from marts.enterprise_years order by year")
    return [int(row[0]) for row in rows.fetchall()]


def sichuan_county_codes(con: duckdb.DuckDBPyConnection) -> frozenset[str] | None:
    """County-level codes of reference.divisions, or None when the seed is not loaded."""
    if not table_exists(con, "reference", "divisions"):
        return None
    rows = con.execute(
        "select cast(code as varchar) from reference.divisions where level = 'county'"
    ).fetchall()
    return frozenset(row[0] for row in rows)


def belt_net_sales(
    con: duckdb.DuckDBPyConnection, kind: str, year: int, at_least: Decimal | None = None
) -> dict[tuple[str, str], Decimal]:
    """Net sales per (unit_id, belt) in `year` from marts.fct_sales (empty when absent).

    `at_least` keeps only amounts above zero and at least that, so a province's hundreds
    of thousands of (unit, belt) sums stay in DuckDB.
    """
    key = {"enterprise": "credit_code", "county": "county_code"}.get(kind)
    if key is None or not table_exists(con, "marts", "fct_sales"):
        return {}
    having = "" if at_least is None else " having sum(net_sales) > 0 and sum(net_sales) >= ?"
    rows = con.execute(
        f"select {key}, belt, sum(net_sales) from marts.fct_sales "
        f"where year = ? and {key} is not null and belt is not null group by all{having}",
        [year] if at_least is None else [year, at_least],
    ).fetchall()
    return {(str(unit), str(belt)): Decimal(total) for unit, belt, total in rows}


def has_belt_sales(con: duckdb.DuckDBPyConnection, year: int) -> bool:
    """Whether marts.fct_sales holds any sale with a belt in `year`."""
    if not table_exists(con, "marts", "fct_sales"):
        return False
    found = con.execute(
        "select 1 from marts.fct_sales where year = ? and belt is not null limit 1", [year]
    ).fetchall()
    return bool(found)
