"""The warehouse at a glance: what was loaded, what was rejected and why, what is built.

Read-only. It answers "is last night's load fine?" from the bookkeeping tables
(raw.loads, raw.rejected_rows) and, when the marts exist, from fct_sales's own
attribution flag; it never changes anything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from warehouse.db import table_exists


@dataclass(frozen=True)
class LoadTotals:
    kind: str
    files: int
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    last_loaded_at: dt.datetime | None


@dataclass(frozen=True)
class RejectReason:
    reason_code: str
    rows: int
    files: int


@dataclass(frozen=True)
class SalesYear:
    year: int
    gmv: Decimal
    refund: Decimal
    net_sales: Decimal
    unattributed_net_sales: Decimal


@dataclass
class WarehouseStatus:
    loads: list[LoadTotals] = field(default_factory=list)
    rejects: list[RejectReason] = field(default_factory=list)
    sales: list[SalesYear] = field(default_factory=list)
    marts_built: bool = False
    ranked_years: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "loads": [vars(row) for row in self.loads],
            "rejects": [vars(row) for row in self.rejects],
            "sales": [vars(row) for row in self.sales],
            "marts_built": self.marts_built,
            "ranked_years": self.ranked_years,
        }


def warehouse_status(con: duckdb.DuckDBPyConnection) -> WarehouseStatus:
    """Counts per kind of load, rejects per reason, sales per year, ranked years."""
    status = WarehouseStatus()
    if table_exists(con, "raw", "loads"):
        status.loads = [
            LoadTotals(*row)
            for row in con.execute(
                """
                select kind, count(*), sum(rows_read), sum(rows_loaded),
                       sum(rows_rejected), sum(rows_skipped), max(loaded_at)
                from raw.loads group by kind order by kind
                """
            ).fetchall()
        ]
    if table_exists(con, "raw", "rejected_rows"):
        status.rejects = [
            RejectReason(*row)
            for row in con.execute(
                """
                select reason_code, count(*), count(distinct load_id)
                from raw.rejected_rows group by reason_code order by count(*) desc, reason_code
                """
            ).fetchall()
        ]
    status.marts_built = table_exists(con, "marts", "fct_sales")
    if status.marts_built:
        status.sales = [
            SalesYear(*row)
            for row in con.execute(
                """
                select year, sum(gmv), sum(refund), sum(net_sales),
                       coalesce(sum(case when not is_attributed then net_sales end), 0)
                from marts.fct_sales group by year order by year
                """
            ).fetchall()
        ]
    if table_exists(con, "scoring", "evaluations"):
        status.ranked_years = [
            year
            for (year,) in con.execute(
                "select distinct year from scoring.evaluations order by year"
            ).fetchall()
        ]
    return status


@dataclass(frozen=True)
class RejectedRow:
    load_id: int
    source_file: str
    source_row: int | None
    column_name: str | None
    reason_code: str
    reason: str


def rejected_rows(
    con: duckdb.DuckDBPyConnection, *, source_file: str | None = None, limit: int = 50
) -> list[RejectedRow]:
    """The latest rejected rows (or those of one file), with their row numbers and reasons."""
    if not table_exists(con, "raw", "rejected_rows"):
        return []
    where, params = ("where source_file = ?", [source_file]) if source_file else ("", [])
    return [
        RejectedRow(*row)
        for row in con.execute(
            f"""
            select load_id, source_file, source_row, column_name, reason_code, reason
            from raw.rejected_rows {where}
            order by load_id desc, source_row
            limit ?
            """,
            [*params, limit],
        ).fetchall()
    ]
