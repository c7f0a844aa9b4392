"""Turning a read export into raw rows and rejected rows, with every failure collected.

Three passes, all vectorised: cells that cannot be parsed for their kind (amount,
count, date, Excel-damaged ID); the raw table's contract checked by pandera
(lazy, so every failure of every row is collected: not-null keys, the layout's
identities); and duplicates of the natural key inside the file (the later copy is
rejected). A row with any failure is rejected as a whole, once, with its first
failure as column and reason code and all of them in the reason text. Only the
layout's declared columns are selected, right after reading, so personal data
never reaches the rejected rows either. Per-row Python runs only for rejected rows.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from ingest.layouts.base import NATURAL_KEYS, REQUIRED_TARGETS, Field, Layout, fill_targets
from ingest.reader import SOURCE_ROW, TOO_MANY, RawTable, fields_needed
from warehouse.errors import InputFileError

log = logging.getLogger(__name__)

_ROW = "_row"
REJECT_SCHEMA = {
    SOURCE_ROW: pl.Int64,
    "column_name": pl.String,
    "reason_code": pl.String,
    "reason": pl.String,
}


@dataclass(frozen=True)
class Validated:
    """Rows ready for the raw table (targets + source_row) and the rejected rows."""

    rows: pl.DataFrame
    rejects: pl.DataFrame
    columns: dict[str, str]


def select_fields(table: RawTable, layout: Layout) -> tuple[pl.DataFrame, dict[str, str]]:
    """Only the layout's columns, renamed to its keys: everything else is dropped here."""
    columns = layout.columns_in(table.headers)
    frame = table.frame.select(
        pl.col(SOURCE_ROW), *[pl.col(header).alias(key) for key, header in columns.items()]
    )
    return frame, columns


def validate(table: RawTable, layout: Layout) -> Validated:
    """Split the layout's rows of `table` into loadable rows and rejected rows."""
    text, columns = select_fields(table, layout)
    present = frozenset(columns)
    text = text.with_row_index(_ROW)
    fields = [item for item in layout.fields if item.key in present]

    presence = [item.presence() for item in fields]
    parsed = text.select(
        pl.col(_ROW),
        pl.col(SOURCE_ROW),
        *[item.parsed() for item in fields],
        *[flag for flag in presence if flag is not None],
    )
    parse_failures = _parse_failures(parsed, text, fields, columns)
    derived = layout.derive(parsed, present)
    contract_failures = _contract_failures(derived, layout, present, table)
    failures = pl.concat(
        [_cut_short(text, table), parse_failures, contract_failures], how="vertical_relaxed"
    )
    # A key repeated after a rejected first copy is not a duplicate of anything loaded.
    still_good = derived.filter(~pl.col(_ROW).is_in(failures.get_column(_ROW).implode()))
    failures = pl.concat([failures, _duplicates(still_good, layout)], how="vertical_relaxed")
    bad_rows = failures.get_column(_ROW).unique()
    good = derived.filter(~pl.col(_ROW).is_in(bad_rows.implode()))
    rows = pl.concat([good.select(SOURCE_ROW), fill_targets(good, layout.table)], how="horizontal")
    rejects = _reject_rows(failures, text, columns)
    return Validated(rows=rows, rejects=rejects, columns=columns)


def _parse_failures(
    parsed: pl.DataFrame, text: pl.DataFrame, fields: list[Field], columns: dict[str, str]
) -> pl.DataFrame:
    """Cells that held text their kind cannot read; the message quotes the original cell."""
    problems = [
        (order, item, problem)
        for order, item in enumerate(fields)
        if (problem := item.problem()) is not None
    ]
    if not problems:
        return _concat_failures([])
    # One pass counts every kind of bad cell; a clean file (the usual case) stops here.
    counts = parsed.select(
        [problem[1].sum().alias(str(order)) for order, _, problem in problems]
    ).row(0)
    parts = []
    for (order, item, (code, is_bad, message)), count in zip(problems, counts, strict=True):
        if not count:
            continue
        header = columns[item.key]
        rows = parsed.filter(is_bad).select(_ROW)
        bad = rows.join(text.select(_ROW, item.key), on=_ROW, how="left").select(
            pl.col(_ROW),
            pl.lit(order, dtype=pl.Int32).alias("_order"),
            pl.lit(header).alias("column_name"),
            pl.lit(code).alias("reason_code"),
            pl.format(
                "{} {} {}",
                pl.lit(header),
                pl.col(item.key).map_elements(repr, return_dtype=pl.String),
                pl.lit(message),
            ).alias("reason"),
        )
        parts.append(bad)
    return _concat_failures(parts)


def _row_check(name: str, expr: pl.Expr) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(True))

    return pa.Check(check, name=name)


def _contract_failures(
    derived: pl.DataFrame, layout: Layout, present: frozenset[str], table: RawTable
) -> pl.DataFrame:
    """Failures of the raw table's not-null columns and the layout's rules, via pandera."""
    required = REQUIRED_TARGETS[layout.table]
    rules = layout.rules(present)
    # One pass over the rows first: pandera's per-check passes (and its report of every
    # failure case) are only worth their cost when something fails.
    breaks = derived.select(
        pl.any_horizontal(
            pl.lit(False),
            *[pl.col(name).is_null().any() for name in required if name in derived.columns],
            *[(~rule.holds.fill_null(True)).any() for rule in rules],
        )
    ).item()
    if not breaks and set(required) <= set(derived.columns):
        return _concat_failures([])
    schema = pa.DataFrameSchema(
        {name: pa.Column(nullable=False) for name in required},
        checks=[_row_check(f"{index}:{rule.code}", rule.holds) for index, rule in enumerate(rules)],
    )
    try:
        schema.validate(derived, lazy=True)
        return _concat_failures([])
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    if cases.filter(pl.col("index").is_null()).height:
        raise InputFileError(
            table.path,
            f"rows do not fit the {layout.table} contract of layout {layout.name}: "
            + "; ".join(cases.filter(pl.col("index").is_null()).get_column("check").to_list()),
            "report this file to the chuanhuo maintainers",
        )
    # pandera's index is the row position in `derived`, which is _ROW by construction.
    parts = []
    null_cases = cases.filter(pl.col("check") == "not_nullable")
    if null_cases.height:
        labels = pl.col("column").replace(layout.columns_in(table.headers))
        parts.append(
            null_cases.select(
                pl.col("index").cast(pl.UInt32).alias(_ROW),
                pl.lit(100, dtype=pl.Int32).alias("_order"),
                labels.alias("column_name"),
                pl.lit("missing_value").alias("reason_code"),
                pl.format("{} is empty", labels).alias("reason"),
            )
        )
    for index, rule in enumerate(rules):
        hits = cases.filter(pl.col("check") == f"{index}:{rule.code}")
        parts.append(
            hits.select(
                pl.col("index").cast(pl.UInt32).alias(_ROW),
                pl.lit(200 + index, dtype=pl.Int32).alias("_order"),
                pl.lit(rule.columns).alias("column_name"),
                pl.lit(rule.code).alias("reason_code"),
                pl.lit(rule.message).alias("reason"),
            )
        )
    return _concat_failures(parts)


def _duplicates(derived: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    key = list(NATURAL_KEYS[layout.table])
    repeated = derived.filter(~pl.struct(key).is_first_distinct())
    label = " + ".join(key)
    return _concat_failures(
        [
            repeated.select(
                pl.col(_ROW),
                pl.lit(300, dtype=pl.Int32).alias("_order"),
                pl.lit(label).alias("column_name"),
                pl.lit("duplicate_in_file").alias("reason_code"),
                pl.lit(f"the same {label} appears on an earlier row of this file").alias("reason"),
            )
        ]
    )


def _cut_short(text: pl.DataFrame, table: RawTable) -> pl.DataFrame:
    """Rows with fewer fields than the header (their missing cells are not blanks) or
    more (the cells past the header's last would be lost)."""
    if not table.short_rows:
        return _concat_failures([])
    needed = fields_needed(table.raw_headers)
    short = pl.DataFrame(
        {
            SOURCE_ROW: list(table.short_rows),
            "_fields": list(table.short_rows.values()),
        },
        schema={SOURCE_ROW: pl.Int64, "_fields": pl.Int64},
    )
    rows = text.select(_ROW, SOURCE_ROW).join(short, on=SOURCE_ROW, how="inner")
    too_many = pl.col("_fields") == TOO_MANY
    return _concat_failures(
        [
            rows.select(
                pl.col(_ROW),
                pl.lit(-1, dtype=pl.Int32).alias("_order"),
                pl.lit("(whole row)").alias("column_name"),
                pl.when(too_many)
                .then(pl.lit("row_too_long"))
                .otherwise(pl.lit("row_cut_short"))
                .alias("reason_code"),
                pl.when(too_many)
                .then(
                    pl.lit(
                        f"the row has more fields than the header's {len(table.raw_headers)}: "
                        "two rows were joined, or a cell holds a comma outside quotes; "
                        "fix the row (or export the report again) and load the file again"
                    )
                )
                .otherwise(
                    pl.format(
                        "the row has {} of the header's {} fields: it was cut short; "
                        "export the report again",
                        pl.col("_fields"),
                        pl.lit(needed),
                    )
                )
                .alias("reason"),
            )
        ]
    )


def _concat_failures(parts: list[pl.DataFrame]) -> pl.DataFrame:
    empty = pl.DataFrame(
        schema={
            _ROW: pl.UInt32,
            "_order": pl.Int32,
            "column_name": pl.String,
            "reason_code": pl.String,
            "reason": pl.String,
        }
    )
    return pl.concat([empty, *[part.cast(empty.schema) for part in parts]], how="vertical")


def _reject_rows(
    failures: pl.DataFrame, text: pl.DataFrame, columns: dict[str, str]
) -> pl.DataFrame:
    """One rejected row per bad source row: first failure named, all failures in the reason."""
    if failures.height == 0:
        return pl.DataFrame(schema={**REJECT_SCHEMA, "original_row": pl.String})
    grouped = (
        failures.sort(_ROW, "_order")
        .group_by(_ROW, maintain_order=True)
        .agg(
            pl.col("column_name").first(),
            pl.col("reason_code").first(),
            pl.col("reason").unique(maintain_order=True).str.join("; "),
        )
    )
    kept = text.join(grouped, on=_ROW, how="inner").sort(_ROW)
    originals = [
        json.dumps({header: record[key] for key, header in columns.items()}, ensure_ascii=False)
        for record in kept.select(list(columns)).iter_rows(named=True)
    ]
    return kept.select(
        pl.col(SOURCE_ROW),
        pl.col("column_name"),
        pl.col("reason_code"),
        pl.col("reason"),
    ).with_columns(pl.Series("original_row", originals, dtype=pl.String))
