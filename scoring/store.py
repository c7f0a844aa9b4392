"""Schema `scoring` in the warehouse: evaluations, indicator values, lists, roster, misses.

A year is written whole or not at all: re-running it deletes and inserts all its rows in
one transaction, so a reader sees the old year or the new one, never a mix. Column types
come from one table spec that builds both the DDL and the Arrow batches. This module must
never compute a score or a decision; it stores and reads them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import duckdb
import pyarrow as pa

from scoring.bulk import BulkEvaluation
from scoring.evaluate import AdmissionFailure, Evaluation
from scoring.lists import ListEntry, ListTableSpec
from scoring.roster import RosterDecision
from warehouse.db import table_exists

log = logging.getLogger(__name__)

MONEY = "decimal(18, 2)"
SCORE = "decimal(9, 6)"
MEASURE = "decimal(38, 6)"

TABLES: dict[str, list[tuple[str, str]]] = {
    # One row per ranked year: which rules produced it.
    "runs": [
        ("year", "integer"),
        ("rules_version", "varchar"),
        ("rules_path", "varchar"),
        ("evaluated", "integer"),
        ("admitted", "integer"),
    ],
    # One row per unit per year: the evaluation.
    "evaluations": [
        ("year", "integer"),
        ("rules_version", "varchar"),
        ("unit_kind", "varchar"),
        ("unit_id", "varchar"),
        ("unit_name", "varchar"),
        ("pool_id", "varchar"),
        ("pool_title", "varchar"),
        ("enterprise_type", "varchar"),
        ("county_code", "varchar"),
        ("county_name", "varchar"),
        ("city_name", "varchar"),
        ("first_year", "integer"),
        ("is_demonstration", "boolean"),
        ("is_new_participant", "boolean"),
        ("net_sales", MONEY),
        ("admitted", "boolean"),
        ("admission_reason", "varchar"),
        ("score", SCORE),
        ("rank", "integer"),
        ("grade", "varchar"),
        ("grade_reason", "varchar"),
    ],
    # One row per unit per year per weighted indicator of its pool.
    "indicator_values": [
        ("year", "integer"),
        ("unit_kind", "varchar"),
        ("unit_id", "varchar"),
        ("indicator_id", "varchar"),
        ("raw_value", MEASURE),
        ("normalised", SCORE),
        ("weight", SCORE),
        ("effective_weight", SCORE),
    ],
    # One row per table of the year's lists (a list overall, a category, a belt).
    "list_tables": [
        ("year", "integer"),
        ("table_order", "integer"),
        ("list_id", "varchar"),
        ("category", "varchar"),
        ("title", "varchar"),
        ("kind", "varchar"),
    ],
    # One row per list x category x entry.
    "list_entries": [
        ("year", "integer"),
        ("list_id", "varchar"),
        ("category", "varchar"),
        ("category_title", "varchar"),
        ("rank", "integer"),
        ("position", "integer"),
        ("unit_kind", "varchar"),
        ("unit_id", "varchar"),
        ("unit_name", "varchar"),
        ("pool_id", "varchar"),
        ("county_code", "varchar"),
        ("county_name", "varchar"),
        ("city_name", "varchar"),
        ("score", SCORE),
        ("grade", "varchar"),
        ("net_sales", MONEY),
        ("measure", MEASURE),
        ("is_awarded", "boolean"),
        ("belt", "varchar"),
        ("product_code", "varchar"),
        ("product_name", "varchar"),
        ("product_origin_county_code", "varchar"),
        ("product_net_sales", MONEY),
        ("table_order", "integer"),
    ],
    # One row per roster decision of a year.
    "roster_ledger": [
        ("year", "integer"),
        ("unit_id", "varchar"),
        ("unit_name", "varchar"),
        ("status_before", "varchar"),
        ("status_after", "varchar"),
        ("effective_year", "integer"),
        ("rule", "varchar"),
        ("reason", "varchar"),
        ("grades", "varchar"),
        ("registry_next_year", "varchar"),
    ],
    # One row per unit per missed admission threshold.
    "admission_failures": [
        ("year", "integer"),
        ("unit_kind", "varchar"),
        ("unit_id", "varchar"),
        ("unit_name", "varchar"),
        ("pool_id", "varchar"),
        ("threshold", "varchar"),
        ("required", "varchar"),
        ("actual", "varchar"),
        ("reason", "varchar"),
    ],
}


@dataclass
class YearRows:
    """Everything one ranking of one year writes."""

    year: int
    rules_version: str
    rules_path: str
    evaluations: list[Evaluation]
    failures: list[AdmissionFailure]
    tables: list[ListTableSpec]
    entries: list[ListEntry]
    decisions: list[RosterDecision]
    bulk: list[BulkEvaluation] = field(default_factory=list)

    @property
    def evaluated(self) -> int:
        return len(self.evaluations) + sum(kind.count for kind in self.bulk)

    @property
    def admitted(self) -> int:
        own = sum(1 for evaluation in self.evaluations if evaluation.admitted)
        return own + sum(kind.admitted for kind in self.bulk)

    def grades(self) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(unit name, grade) by (unit kind, unit id), for every unit evaluated."""
        found = {(e.unit_kind, e.unit_id): (e.unit_name, e.grade) for e in self.evaluations}
        for kind in self.bulk:
            rows = kind.units.select("unit_id", "evaluation_name", "grade").iter_rows()
            found.update(((kind.kind, unit_id), (name, grade)) for unit_id, name, grade in rows)
        return found


def _arrow_type(sql_type: str) -> pa.DataType:
    if sql_type.startswith("decimal"):
        precision, scale = (int(part) for part in sql_type[8:-1].split(","))
        return pa.decimal128(precision, scale)
    return {"integer": pa.int64(), "varchar": pa.string(), "boolean": pa.bool_()}[sql_type]


def _column(values: list[Any], sql_type: str) -> pa.Array:
    arrow_type = _arrow_type(sql_type)
    if isinstance(arrow_type, pa.Decimal128Type):
        # Arrow refuses a decimal with more places than the column; round half-even first.
        quantum = Decimal(1).scaleb(-arrow_type.scale)
        values = [
            None if value is None else Decimal(value).quantize(quantum, ROUND_HALF_EVEN)
            for value in values
        ]
    return pa.array(values, arrow_type)


def _arrow(table: str, columns: Mapping[str, list[Any]]) -> pa.Table:
    """One Arrow table from column lists; a column the batch lacks is all null."""
    length = len(next(iter(columns.values()), []))
    return pa.table(
        {
            name: _column(columns[name] if name in columns else [None] * length, kind)
            for name, kind in TABLES[table]
        }
    )


def _attribute_columns(items: Sequence[Any], names: Iterable[str]) -> dict[str, list[Any]]:
    """Column lists of dataclass attributes: a million evaluations built no dict per row."""
    return {name: [getattr(item, name) for item in items] for name in names}


def create_scoring_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `scoring` and its tables where missing; never drops anything."""
    con.execute("create schema if not exists scoring")
    for table, spec in TABLES.items():
        columns = ", ".join(f"{name} {kind}" for name, kind in spec)
        con.execute(f"create table if not exists scoring.{table} ({columns})")


_EVALUATION_ROW_COLUMNS = (
    "enterprise_type",
    "county_code",
    "county_name",
    "city_name",
    "first_year",
)


def _evaluation_columns(evaluations: Sequence[Evaluation]) -> dict[str, list[Any]]:
    # Field by field rather than dataclasses.asdict, which deep-copies each mart row.
    names = [f.name for f in fields(Evaluation) if f.name not in ("row", "indicators")]
    columns = _attribute_columns(evaluations, names)
    for column in _EVALUATION_ROW_COLUMNS:
        columns[column] = [evaluation.row.get(column) for evaluation in evaluations]
    columns["net_sales"] = [evaluation.net_sales for evaluation in evaluations]
    return columns


def _indicator_columns(evaluations: Sequence[Evaluation]) -> dict[str, list[Any]]:
    pairs = [(e, value) for e in evaluations for value in e.indicators]
    return {
        "year": [e.year for e, _ in pairs],
        "unit_kind": [e.unit_kind for e, _ in pairs],
        "unit_id": [e.unit_id for e, _ in pairs],
        "indicator_id": [value.indicator_id for _, value in pairs],
        "raw_value": [value.raw for _, value in pairs],
        "normalised": [value.normalised for _, value in pairs],
        "weight": [value.weight for _, value in pairs],
        "effective_weight": [value.effective_weight for _, value in pairs],
    }


def _dataclass_columns(items: Sequence[Any], kind: type) -> dict[str, list[Any]]:
    """Like asdict per row, for flat dataclasses, without its deep copy of every value."""
    return _attribute_columns(items, [f.name for f in fields(kind)])


def replace_year(con: duckdb.DuckDBPyConnection, rows: YearRows) -> None:
    """Replace every scoring row of `rows.year` in one transaction."""
    create_scoring_schema(con)
    batches = {
        "runs": {
            "year": [rows.year],
            "rules_version": [rows.rules_version],
            "rules_path": [rows.rules_path],
            "evaluated": [rows.evaluated],
            "admitted": [rows.admitted],
        },
        "evaluations": _evaluation_columns(rows.evaluations),
        "indicator_values": _indicator_columns(rows.evaluations),
        "list_tables": _dataclass_columns(rows.tables, ListTableSpec),
        "list_entries": _dataclass_columns(rows.entries, ListEntry),
        "roster_ledger": _dataclass_columns(rows.decisions, RosterDecision),
        "admission_failures": _dataclass_columns(rows.failures, AdmissionFailure),
    }
    # The kinds evaluated as columns go in as Arrow straight from their frames.
    bulk_batches = {
        "evaluations": [
            kind.evaluation_rows(rows.year, rows.rules_version).to_arrow() for kind in rows.bulk
        ],
        "indicator_values": [kind.indicator_rows(rows.year).to_arrow() for kind in rows.bulk],
    }
    con.execute("begin transaction")
    try:
        for table, batch in batches.items():
            con.execute(f"delete from scoring.{table} where year = ?", [rows.year])
            columns = ", ".join(name for name, _ in TABLES[table])
            for arrow_batch in (_arrow(table, batch), *bulk_batches.get(table, [])):  # noqa: B007
                con.execute(
                    f"insert into scoring.{table} ({columns}) select {columns} from arrow_batch"
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    log.info(
        "stored %d: %d evaluations, %d list entries, %d roster decisions",
        rows.year,
        rows.evaluated,
        len(rows.entries),
        len(rows.decisions),
    )


def evaluated_years(con: duckdb.DuckDBPyConnection) -> set[int]:
    if not table_exists(con, "scoring", "runs"):
        return set()
    return {int(row[0]) for row in con.execute("select year from scoring.runs").fetchall()}


def stored_grades(
    con: duckdb.DuckDBPyConnection, years: Iterable[int]
) -> dict[int, dict[str, str | None]]:
    """Grades of enterprise units by year and unit id, for the roster of a later year."""
    wanted = sorted(set(years))
    grades: dict[int, dict[str, str | None]] = {year: {} for year in wanted}
    if not wanted or not table_exists(con, "scoring", "evaluations"):
        return grades
    rows = con.execute(
        "select year, unit_id, grade from scoring.evaluations "
        "where unit_kind = 'enterprise' and list_contains(?, year)",
        [wanted],
    ).fetchall()
    for year, unit_id, grade in rows:
        grades[int(year)][str(unit_id)] = grade
    return grades


def removals_in_effect(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, int]:
    """Units a stored removal has taken off the roster by `year`, with its effective year."""
    if not table_exists(con, "scoring", "roster_ledger"):
        return {}
    rows = con.execute(
        "select unit_id, max(effective_year) from scoring.roster_ledger "
        "where rule = 'removal' and effective_year <= ? group by unit_id",
        [year],
    ).fetchall()
    return {str(unit_id): int(effective) for unit_id, effective in rows}


def stored_rules_path(con: duckdb.DuckDBPyConnection, year: int) -> str | None:
    """The rules file the stored run of `year` was made with, or None when not ranked."""
    if not table_exists(con, "scoring", "runs"):
        return None
    row = con.execute("select rules_path from scoring.runs where year = ?", [year]).fetchone()
    return None if row is None else str(row[0])


def read_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    year: int,
    order_by: str,
    where: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows of one scoring table for one year, as dicts, in a fixed order.

    `where` narrows the rows to those whose columns equal the given values, so one unit's
    rows are found by DuckDB rather than by reading a million rows into Python.
    """
    conditions = "".join(f" and {column} = ?" for column in where or {})
    cursor = con.execute(
        f"select * from scoring.{table} where year = ?{conditions} order by {order_by}",
        [year, *(where or {}).values()],
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
