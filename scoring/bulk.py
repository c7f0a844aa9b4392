"""The pools of the many-unit kinds (enterprises, stores, streamers), column by column.

A province has a million stores and a hundred thousand enterprises: evaluate.py's one
Python object per unit costs a minute or two there. This module gives the same
evaluations, digit for digit, from polars columns: admission, raw values, normalisation,
effective weights, score, competition rank, grade and its reason, as evaluate.py defines
them. Floats serve only as a first guess with a proven error bound: a normalised value
or a score whose guess lies too near a rounding boundary of its 6 stored places is
computed again in Decimal exactly as evaluate.py computes it, so the stored digits never
depend on floating point.

Enterprises come here with their pools by type and new participation and the grade a
demonstration unit takes without a score; the roster, and the lists, get Evaluation
objects for the few units they need (materialise). Demonstration units absent from the
year stay with evaluate.py. A kind comes here only when its marts have the usual column
types (indicator columns of at most 6 places); otherwise evaluate_kind returns None and
evaluate.py's path runs. This module computes; it must never write to the warehouse.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import duckdb
import polars as pl

from scoring.evaluate import (
    SCORE_PLACES,
    AdmissionFailure,
    Evaluation,
    _admission_failures,
)
from scoring.indicators import DECIMAL_CONTEXT, ONE, ZERO, exact_ln
from scoring.marts import UNIT_KINDS, arrow_rows
from scoring.rules import Indicator, Pool, Rules

log = logging.getLogger(__name__)

# Kinds evaluated here when their marts allow it (see module docstring); counties are a
# few hundred and stay with evaluate.py.
BULK_KINDS = ("enterprise", "store", "streamer")
MICRO = 10**6
_MICRO_DECIMAL = Decimal("0.000001")
# Relative error of one float operation, with room: the guards use 20 times the bound.
_FLOAT_ERROR = 1e-14
_NO_INDICATOR = "没有可用指标 (no indicator has a value)"
_SICHUAN_COUNTY_PATTERN = re.compile(r"^51\d{4}$")
_EMPTY_SCORES = pl.DataFrame(
    schema={"unit_id": pl.String, "score_micro": pl.Int64, "no_indicator": pl.Boolean}
)
_EMPTY_GRADES = pl.DataFrame(
    schema={"unit_id": pl.String, "rank": pl.Int64, "grade": pl.String, "grade_reason": pl.String}
)
_INDICATOR_SCHEMA = {
    "unit_id": pl.String,
    "indicator_id": pl.String,
    "raw_value": pl.Decimal(38, 6),
    "normalised_micro": pl.Int64,
    "weight_micro": pl.Int64,
    "effective_micro": pl.Int64,
}


@dataclass
class BulkEvaluation:
    """One kind's evaluations of a year as columns; failures are AdmissionFailure rows."""

    kind: str
    units: pl.DataFrame
    indicators: pl.DataFrame
    mart_columns: list[str]

    @property
    def count(self) -> int:
        return self.units.height

    @property
    def admitted(self) -> int:
        return int(self.units["admitted"].sum())

    def evaluation_rows(self, year: int, rules_version: str) -> pl.DataFrame:
        """The scoring.evaluations columns (store.TABLES), money and scores as decimals."""
        units = self.units
        return units.select(
            pl.lit(year, pl.Int64).alias("year"),
            pl.lit(rules_version).alias("rules_version"),
            pl.lit(self.kind).alias("unit_kind"),
            "unit_id",
            pl.col("evaluation_name").alias("unit_name"),
            "pool_id",
            "pool_title",
            _mart_column(units, "enterprise_type", pl.String),
            _mart_column(units, "county_code", pl.String),
            _mart_column(units, "county_name", pl.String),
            _mart_column(units, "city_name", pl.String),
            _mart_column(units, "first_year", pl.Int64),
            pl.col("demonstration_flag").alias("is_demonstration"),
            "is_new_participant",
            _mart_column(units, "net_sales", pl.Decimal(18, 2)),
            "admitted",
            "admission_reason",
            _micro_decimal("score_micro").alias("score"),
            pl.col("rank").cast(pl.Int64),
            "grade",
            "grade_reason",
        )

    def indicator_rows(self, year: int) -> pl.DataFrame:
        """The scoring.indicator_values columns of the kind's scored units."""
        return self.indicators.select(
            pl.lit(year, pl.Int64).alias("year"),
            pl.lit(self.kind).alias("unit_kind"),
            "unit_id",
            "indicator_id",
            pl.col("raw_value").cast(pl.Decimal(38, 6)),
            _micro_decimal("normalised_micro").alias("normalised"),
            _micro_decimal("weight_micro").alias("weight"),
            _micro_decimal("effective_micro").alias("effective_weight"),
        )

    def list_members(
        self, pools: set[str], grades: set[str] | None, min_net: Any, scored: bool = True
    ) -> pl.DataFrame:
        """Admitted units of `pools` passing a list's grade and net-sales bars (and scored,
        unless `scored` is false: belt lists rank by belt sales)."""
        units = self.units.filter(pl.col("admitted") & pl.col("pool_id").is_in(pools))
        if scored:
            units = units.filter(pl.col("score_micro").is_not_null())
        if grades is not None:
            units = units.filter(pl.col("grade").is_in(grades))
        if min_net is not None:
            units = units.filter(
                pl.col("net_sales").is_not_null() & (pl.col("net_sales") >= min_net)
            )
        return units

    def roster_units(self, year: int, rules_version: str) -> list[Evaluation]:
        """The new participants and demonstration units, the only ones the roster reads."""
        chosen = self.units.filter(pl.col("is_new_participant") | pl.col("demonstration_flag"))
        return self.materialise(chosen, year, rules_version)

    def materialise(self, units: pl.DataFrame, year: int, rules_version: str) -> list[Evaluation]:
        """Evaluation objects for a few rows (a list's candidates), as evaluate.py makes them."""
        evaluations = []
        for row in units.to_dicts():
            mart_row = {name: row[name] for name in self.mart_columns}
            score = row["score_micro"]
            evaluations.append(
                Evaluation(
                    year=year,
                    rules_version=rules_version,
                    unit_kind=self.kind,
                    unit_id=str(row["unit_id"]),
                    unit_name=row["evaluation_name"],
                    pool_id=row["pool_id"],
                    pool_title=row["pool_title"],
                    row=mart_row,
                    is_demonstration=bool(row["demonstration_flag"]),
                    is_new_participant=bool(row["is_new_participant"]),
                    admitted=bool(row["admitted"]),
                    admission_reason=row["admission_reason"],
                    score=None if score is None else Decimal(score).scaleb(-6),
                    rank=row["rank"],
                    grade=row["grade"],
                    grade_reason=row["grade_reason"],
                )
            )
        return evaluations


def _mart_column(units: pl.DataFrame, name: str, dtype: Any) -> pl.Expr:
    if name in units.columns:
        return pl.col(name).cast(dtype)
    return pl.lit(None, dtype).alias(name)


def _micro_decimal(column: str) -> pl.Expr:
    """Millionths (an integer) as an exact decimal with 6 places."""
    return (pl.col(column).cast(pl.Decimal(38, 0)) * pl.lit(_MICRO_DECIMAL)).cast(pl.Decimal(38, 6))


def _micro(value: Decimal) -> int:
    """A Decimal rounded half-even to 6 places, in millionths (what the store keeps)."""
    return int(value.quantize(SCORE_PLACES, ROUND_HALF_EVEN).scaleb(6))


def read_units_frame(con: duckdb.DuckDBPyConnection, kind: str, year: int) -> pl.DataFrame:
    """marts.read_units as one polars frame: the same rows and columns, in no set order.

    Nothing here depends on the order (every table is written and read by key), so a
    million ids are not sorted.
    """
    unit_kind = UNIT_KINDS[kind]
    table = arrow_rows(
        con,
        f"select {unit_kind.id_sql} as unit_id, {unit_kind.name_column} as unit_name, * "
        f"from {unit_kind.table} where year = ?",
        [year],
    )
    return pl.from_arrow(table)  # type: ignore[return-value]


# --- admission ------------------------------------------------------------------------------


def _misses(units: pl.DataFrame, pool: Pool, counties: frozenset[str] | None) -> list[pl.Expr]:
    """One boolean per threshold of the pool, true where the unit misses it."""
    admission = pool.admission
    misses: list[pl.Expr] = []
    if admission.sichuan_county:
        if "county_code" not in units.columns:
            misses.append(pl.lit(True))
        else:
            codes = units["county_code"].drop_nulls().unique().to_list()
            bad = [
                code
                for code in codes
                if not _SICHUAN_COUNTY_PATTERN.match(str(code))
                or (counties is not None and code not in counties)
            ]
            misses.append(pl.col("county_code").is_null() | pl.col("county_code").is_in(bad))
    if admission.registered:
        present = "is_registered" in units.columns
        misses.append(pl.col("is_registered").fill_null(False).not_() if present else pl.lit(True))
    if admission.min_net_sales is not None:
        misses.append(
            pl.col("net_sales").is_null() | (pl.col("net_sales") < admission.min_net_sales)
        )
    if admission.min_active_months is not None:
        misses.append(
            pl.col("active_months").is_null()
            | (pl.col("active_months") < admission.min_active_months)
        )
    if admission.max_refund_rate is not None:
        misses.append(
            pl.col("refund_rate").is_not_null()
            & (pl.col("refund_rate") > admission.max_refund_rate)
        )
    return misses


def _failures(
    units: pl.DataFrame,
    kind: str,
    year: int,
    pool: Pool,
    counties: frozenset[str] | None,
    rules_version: str,
) -> list[AdmissionFailure]:
    """evaluate.py's failure rows (same words, same figures) for the units that miss."""
    wanted = ["unit_id", "evaluation_name"] + [
        name
        for name in ("county_code", "is_registered", "net_sales", "active_months", "refund_rate")
        if name in units.columns
    ]
    failures: list[AdmissionFailure] = []
    for row in units.select(wanted).iter_rows(named=True):
        evaluation = Evaluation(
            year=year,
            rules_version=rules_version,
            unit_kind=kind,
            unit_id=row["unit_id"],
            unit_name=row["evaluation_name"],
            pool_id=pool.pool_id,
            pool_title=pool.title,
            row=row,
        )
        failures.extend(_admission_failures(evaluation, pool, counties))
    return failures


# --- indicators -----------------------------------------------------------------------------


@dataclass
class _Normalised:
    """One indicator of a pool: exact pool statistics and the columns of its values."""

    indicator: Indicator
    weight: Decimal
    raw: pl.Series  # exact raw values (decimal or integer), null when missing
    guess: pl.Series  # float normalised value, null when missing
    micro: pl.Series  # stored normalised value in millionths, null when missing or unsure
    tolerance: float  # bound on |guess - exact|
    low: Decimal | None = None
    high: Decimal | None = None
    below: pl.Series | None = None
    above: pl.Series | None = None
    count: int = 0

    def exact(self, position: int) -> Decimal | None:
        """evaluate.py's normalised value of the unit at `position`, in DECIMAL_CONTEXT."""
        raw = self.raw[position]
        if raw is None:
            return None
        value = ZERO + Decimal(raw)
        indicator = self.indicator
        lower = indicator.direction == "lower"
        with localcontext(DECIMAL_CONTEXT):
            if indicator.normalisation == "percentile":
                if self.count == 1:
                    return ONE
                below = int(self.below[position])  # type: ignore[index]
                above = int(self.above[position])  # type: ignore[index]
                worse = above if lower else below
                equal_others = self.count - below - above - 1
                return (Decimal(worse) + Decimal(equal_others) / 2) / Decimal(self.count - 1)
            assert self.low is not None and self.high is not None
            if self.high == self.low:
                return ONE
            if indicator.normalisation == "log_minmax":
                value = exact_ln(ONE + max(value, ZERO))
            position_in_range = (self.high - value) if lower else (value - self.low)
            return position_in_range / (self.high - self.low)


def _raw_expression(indicator: Indicator, schema: pl.Schema) -> pl.Expr | None:
    """The sum of the indicator's columns (a flag counts 1), null if any is null."""
    parts = []
    for name in indicator.columns:
        if name not in schema:
            return None
        dtype = schema[name]
        if dtype == pl.Boolean or dtype.is_integer():
            parts.append(pl.col(name).cast(pl.Int64).cast(pl.Decimal(38, 0)))
        else:
            parts.append(pl.col(name))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _rounded_micro(guess: pl.Expr, tolerance: float) -> pl.Expr:
    """Millionths of `guess` rounded half-even, or null where the guess cannot tell."""
    scaled = guess * MICRO
    fraction = scaled - scaled.floor()
    unsure = (fraction - 0.5).abs() <= tolerance * MICRO + 1e-6
    return pl.when(unsure).then(None).otherwise((scaled + 0.5).floor().cast(pl.Int64))


def _normalise(members: pl.DataFrame, indicator: Indicator, weight: Decimal) -> _Normalised | None:
    """The indicator over the pool's members; None when its columns are not usable here."""
    expression = _raw_expression(indicator, members.schema)
    if expression is None:
        # A column the mart lacks: every raw value is missing, as row.get gives None.
        nulls = pl.Series([None] * members.height, dtype=pl.Float64)
        return _Normalised(indicator, weight, nulls, nulls, nulls.cast(pl.Int64), 0.0)
    raw = members.select(expression.alias("raw"))["raw"]
    if isinstance(raw.dtype, pl.Decimal) and (raw.dtype.scale or 0) > 6:
        return None
    if not isinstance(raw.dtype, pl.Decimal):
        return None
    values = pl.DataFrame({"raw": raw, "value": raw.cast(pl.Float64)})
    present = raw.drop_nulls()
    lower = indicator.direction == "lower"
    if present.len() == 0:
        nulls = pl.Series([None] * members.height, dtype=pl.Float64)
        return _Normalised(indicator, weight, raw, nulls, nulls.cast(pl.Int64), 0.0)
    if indicator.normalisation == "percentile":
        count = present.len()
        ranks = values.select(
            (pl.col("raw").rank("min") - 1).cast(pl.Int64).alias("below"),
            (count - pl.col("raw").rank("max")).cast(pl.Int64).alias("above"),
        )
        if count == 1:
            one = pl.when(pl.col("raw").is_null()).then(None).otherwise(pl.lit(1.0))
            frame = values.select(one.alias("guess"))
            micro = frame.select(pl.col("guess").cast(pl.Int64) * MICRO)["guess"]
            return _Normalised(indicator, weight, raw, frame["guess"], micro, 0.0, count=1)
        worse = pl.col("above") if lower else pl.col("below")
        # (worse + equal/2) / (count - 1) = (2 worse + equal) / (2 (count - 1)), exactly
        numerator = 2 * worse + (count - pl.col("below") - pl.col("above") - 1)
        denominator = 2 * (count - 1)
        frame = ranks.select(
            (numerator / denominator).alias("guess"),
            _half_even_micro(numerator, denominator).alias("micro"),
        )
        return _Normalised(
            indicator,
            weight,
            raw,
            frame["guess"],
            frame["micro"],
            _FLOAT_ERROR,
            below=ranks["below"],
            above=ranks["above"],
            count=count,
        )
    if indicator.normalisation not in ("minmax", "log_minmax"):
        raise ValueError(f"unknown normalisation {indicator.normalisation}")
    low_raw, high_raw = ZERO + Decimal(present.min()), ZERO + Decimal(present.max())  # type: ignore[arg-type]
    value = pl.col("value")
    with localcontext(DECIMAL_CONTEXT):
        if indicator.normalisation == "log_minmax":
            low, high = exact_ln(ONE + max(low_raw, ZERO)), exact_ln(ONE + max(high_raw, ZERO))
            value = pl.max_horizontal(value, pl.lit(0.0)).log1p()
        else:
            low, high = low_raw, high_raw
    if high == low:
        one = pl.when(pl.col("raw").is_null()).then(None).otherwise(pl.lit(1.0))
        frame = values.select(one.alias("guess"))
        micro = frame.select((pl.col("guess") * MICRO).cast(pl.Int64))["guess"]
        return _Normalised(indicator, weight, raw, frame["guess"], micro, 0.0, low, high)
    low_f, high_f = float(low), float(high)
    span = high_f - low_f
    tolerance = _FLOAT_ERROR * ((1 + max(abs(low_f), abs(high_f))) / span + 1)
    guess = ((high_f - value) if lower else (value - low_f)) / span
    frame = values.select(guess.alias("guess")).with_columns(
        _rounded_micro(pl.col("guess"), tolerance).alias("micro")
    )
    return _Normalised(indicator, weight, raw, frame["guess"], frame["micro"], tolerance, low, high)


def _half_even_micro(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """round_half_even(numerator * 10^6 / denominator) in integers (exact)."""
    scaled = numerator * MICRO
    quotient = scaled // denominator
    twice_rest = 2 * (scaled - quotient * denominator)
    up = (twice_rest > denominator) | ((twice_rest == denominator) & (quotient % 2 == 1))
    return quotient + up.cast(pl.Int64)


# --- the pool -------------------------------------------------------------------------------


def _effective_weights(
    weights: list[Decimal], counted: tuple[bool, ...]
) -> list[Decimal | None] | None:
    """evaluate._effective_weights on plain weights, in DECIMAL_CONTEXT."""
    with localcontext(DECIMAL_CONTEXT):
        total = sum((w for w, c in zip(weights, counted, strict=True) if c), Decimal(0))
        if total == 0:
            return None
        return [w / total if c else None for w, c in zip(weights, counted, strict=True)]


def _score_members(
    members: pl.DataFrame, pool: Pool, rules: Rules
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """Score columns of the admitted members and their indicator rows (None: not here)."""
    normalised: list[_Normalised] = []
    for indicator_id, weight in pool.weights.items():
        one = _normalise(members, rules.indicators[indicator_id], weight)
        if one is None:
            return None
        normalised.append(one)
    weights = [one.weight for one in normalised]
    zero = [one.indicator.missing == "zero" for one in normalised]
    columns: dict[str, pl.Series] = {"unit_id": members["unit_id"]}
    for index, one in enumerate(normalised):
        columns[f"guess_{index}"] = one.guess
        columns[f"micro_{index}"] = one.micro
        columns[f"present_{index}"] = one.guess.is_not_null()
    frame = pl.DataFrame(columns).with_row_index("position")
    pattern = sum(
        (
            (pl.col(f"present_{index}") | pl.lit(zero[index])).cast(pl.Int64) * (1 << index)
            for index in range(len(normalised))
        ),
        pl.lit(0, pl.Int64),
    )
    frame = frame.with_columns(pattern.alias("pattern"))
    shares: dict[int, list[Decimal | None] | None] = {}
    for code in frame["pattern"].unique().to_list():
        counted = tuple(bool(code >> index & 1) for index in range(len(normalised)))
        shares[code] = _effective_weights(weights, counted)
    codes = list(shares)
    guess_score = pl.lit(0.0)
    tolerance = pl.lit(_FLOAT_ERROR)
    for index, one in enumerate(normalised):
        share = pl.col("pattern").replace_strict(
            codes,
            [float(s[index]) if s and s[index] is not None else 0.0 for s in shares.values()],
            return_dtype=pl.Float64,
        )
        guess_score = guess_score + share * pl.col(f"guess_{index}").fill_null(0.0)
        tolerance = tolerance + share * one.tolerance
    no_weight = [code for code, share in shares.items() if share is None]
    frame = frame.with_columns(
        guess_score.alias("guess_score"), tolerance.alias("score_tolerance")
    ).with_columns(
        pl.when(pl.col("pattern").is_in(no_weight))
        .then(None)
        .otherwise(_rounded_micro(pl.col("guess_score"), 0.0))
        .alias("score_micro")
    )
    # The guard, per unit: a tolerance of its own (its pattern's weights).
    scaled = pl.col("guess_score") * MICRO
    unsure_score = ((scaled - scaled.floor()) - 0.5).abs() <= pl.col(
        "score_tolerance"
    ) * MICRO + 1e-6
    unsure = unsure_score & ~pl.col("pattern").is_in(no_weight)
    for index in range(len(normalised)):
        unsure = unsure | (pl.col(f"present_{index}") & pl.col(f"micro_{index}").is_null())
    frame = frame.with_columns(unsure.alias("unsure"))
    exact_rows = frame.filter(pl.col("unsure"))["position"].to_list()
    score_micro = frame["score_micro"].to_list()
    micros = [frame[f"micro_{index}"].to_list() for index in range(len(normalised))]
    for position in exact_rows:
        values = [one.exact(position) for one in normalised]
        for index, value in enumerate(values):
            micros[index][position] = None if value is None else _micro(value)
        counted = tuple(v is not None or z for v, z in zip(values, zero, strict=True))
        effective = _effective_weights(weights, counted)
        if effective is None:
            score_micro[position] = None
            continue
        with localcontext(DECIMAL_CONTEXT):
            score = Decimal(0)
            for value, share in zip(values, effective, strict=True):
                if share is not None:
                    score += share * (value or Decimal(0))
        score_micro[position] = _micro(score)
    if exact_rows:
        log.debug("%d scores of pool %s recomputed in Decimal", len(exact_rows), pool.pool_id)
    scores = pl.DataFrame(
        {
            "unit_id": members["unit_id"],
            "score_micro": pl.Series(score_micro, dtype=pl.Int64),
            "no_indicator": frame["pattern"].is_in(no_weight),
        }
    )
    indicator_frames = []
    for index, one in enumerate(normalised):
        effective_micro = frame["pattern"].replace_strict(
            codes,
            [
                _micro(s[index]) if s and s[index] is not None else None  # type: ignore[arg-type]
                for s in shares.values()
            ],
            return_dtype=pl.Int64,
        )
        indicator_frames.append(
            pl.DataFrame(
                {
                    "unit_id": members["unit_id"],
                    "indicator_id": pl.Series([one.indicator.indicator_id] * members.height),
                    "raw_value": one.raw.cast(pl.Decimal(38, 6)),
                    "normalised_micro": pl.Series(micros[index], dtype=pl.Int64),
                    "weight_micro": pl.Series(
                        [_micro(one.weight)] * members.height, dtype=pl.Int64
                    ),
                    "effective_micro": effective_micro,
                }
            )
        )
    if not indicator_frames:
        return scores, pl.DataFrame(schema=_INDICATOR_SCHEMA)
    return scores, pl.concat(indicator_frames)


def _grades(scores: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """Competition rank, grade band and its reason, as evaluate._band and band_reason give."""
    scored = scores.filter(pl.col("score_micro").is_not_null())
    ranked = scored.height
    if ranked == 0:
        return scored.select("unit_id").with_columns(
            pl.lit(None, pl.Int64).alias("rank"),
            pl.lit(None, pl.String).alias("grade"),
            pl.lit(None, pl.String).alias("band_start"),
            pl.lit(None, pl.String).alias("band_end"),
            pl.lit(None, pl.String).alias("grade_reason"),
        )
    frame = scored.select(
        "unit_id", pl.col("score_micro").rank("min", descending=True).cast(pl.Int64).alias("rank")
    )
    # band.start * ranked <= rank - 1 < band.end * ranked, in integers: rank - 1 >= ceil(...)
    position = pl.col("rank") - 1
    chosen = pl.lit(len(rules.grades) - 1)
    for number in reversed(range(len(rules.grades))):
        band = rules.grades[number]
        start = (band.start * ranked).to_integral_value(rounding=ROUND_CEILING)
        end = (band.end * ranked).to_integral_value(rounding=ROUND_CEILING)
        chosen = (
            pl.when((position >= int(start)) & (position < int(end))).then(number).otherwise(chosen)
        )
    bands = pl.DataFrame(
        {
            "band": list(range(len(rules.grades))),
            "grade": [band.grade for band in rules.grades],
            "band_start": [str(band.start) for band in rules.grades],
            "band_end": [str(band.end) for band in rules.grades],
        },
        schema_overrides={"band": pl.Int64},
    )
    share = _half_even_micro(position, ranked)
    frame = frame.with_columns(chosen.cast(pl.Int64).alias("band"), share.alias("share"))
    return frame.join(bands, on="band", how="left").with_columns(
        pl.format(
            "第{}名/共{}名，位置 ({}-1)/{} = {}.{} ∈ [{}, {}) → {} "
            "(rank {} of {}: share (rank - 1) / ranked in the {} band)",
            "rank",
            pl.lit(ranked),
            "rank",
            pl.lit(ranked),
            pl.col("share") // MICRO,
            (pl.col("share") % MICRO).cast(pl.String).str.zfill(6),
            "band_start",
            "band_end",
            "grade",
            "rank",
            pl.lit(ranked),
            "grade",
        ).alias("grade_reason")
    )


def _pool_expression(kind: str, pools: list[Pool], columns: list[str], new: pl.Expr) -> pl.Expr:
    """The index of each unit's pool in `pools`, as evaluate._pool_for picks it, else null."""
    chosen: pl.Expr = pl.lit(None, pl.Int64)
    for number in reversed(range(len(pools))):
        pool = pools[number]
        takes: pl.Expr = pl.lit(True)
        if pool.enterprise_types is not None:
            if "enterprise_type" in columns:
                takes = takes & pl.col("enterprise_type").is_in(list(pool.enterprise_types))
            else:
                takes = pl.lit(False)
        if pool.new_participant is not None:
            takes = takes & (new == pool.new_participant)
        chosen = pl.when(takes.fill_null(False)).then(pl.lit(number, pl.Int64)).otherwise(chosen)
    return chosen


def _pool_misses(units: pl.DataFrame, kind: str, year: int, rules: Rules) -> list[AdmissionFailure]:
    """The "pool" failure of each unit no pool takes, worded as evaluate_year words it."""
    failures = []
    for unit_id, name, unit_type in units.select(
        "unit_id",
        "evaluation_name",
        _mart_column(units, "enterprise_type", pl.String),
    ).iter_rows():
        failures.append(
            AdmissionFailure(
                year,
                kind,
                unit_id,
                name,
                None,
                "pool",
                "a matching pool",
                str(unit_type),
                "没有适用的评价类别 (no pool of the rules takes this unit)",
            )
        )
    return failures


def evaluate_kind(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    year: int,
    rules: Rules,
    counties: frozenset[str] | None,
) -> tuple[BulkEvaluation, list[AdmissionFailure]] | None:
    """Every unit of `kind` in `year` as columns, or None when evaluate.py must do it."""
    units = read_units_frame(con, kind, year)
    if kind != "enterprise" and "enterprise_type" in units.columns:
        return None
    mart_columns = list(units.columns)
    if kind == "enterprise":
        # evaluate.is_new_participant: not a demonstration unit, first year within N years
        demonstration = pl.col("is_demonstration").fill_null(False)
        new = (
            ~demonstration
            & pl.col("first_year").is_not_null()
            & ((year - pl.col("first_year")) <= rules.new_participant_years)
        ).fill_null(False)
    else:
        demonstration, new = pl.lit(False), pl.lit(False)
    pools = rules.pools_of(kind)
    name = pl.col("unit_name").cast(pl.String)
    units = units.with_columns(
        pl.when(name.is_null() | (name == ""))
        .then(pl.col("unit_id").cast(pl.String))
        .otherwise(name)
        .alias("evaluation_name"),
        demonstration.alias("demonstration_flag"),
        new.alias("is_new_participant"),
    )
    pool_frame = pl.DataFrame(
        {
            "pool_number": list(range(len(pools))),
            "pool_id": [pool.pool_id for pool in pools],
            "pool_title": [pool.title for pool in pools],
        },
        schema={"pool_number": pl.Int64, "pool_id": pl.String, "pool_title": pl.String},
    )
    units = units.with_columns(
        _pool_expression(kind, pools, mart_columns, pl.col("is_new_participant")).alias(
            "pool_number"
        )
    ).join(pool_frame, on="pool_number", how="left")
    failures = _pool_misses(units.filter(pl.col("pool_number").is_null()), kind, year, rules)
    scores_parts, indicator_parts, grade_parts = [], [], []
    for number, pool in enumerate(pools):
        in_pool = units.filter(pl.col("pool_number") == number)
        misses = _misses(in_pool, pool, counties)
        missed = pl.any_horizontal(misses) if misses else pl.lit(False)
        # The columns pick who may miss; evaluate.py's own checks say what and why.
        pool_failures = _failures(in_pool.filter(missed), kind, year, pool, counties, rules.version)
        failures.extend(pool_failures)
        # Flagged units evaluate.py finds no miss for (none, while both agree) stay in.
        flagged = set(in_pool.filter(missed)["unit_id"].to_list())
        kept = flagged - {failure.unit_id for failure in pool_failures}
        members = in_pool.filter(~missed | pl.col("unit_id").is_in(list(kept)))
        if not members.height:
            continue
        scored = _score_members(members, pool, rules)
        if scored is None:
            return None
        scores_parts.append(scored[0])
        indicator_parts.append(scored[1])
        grade_parts.append(_grades(scored[0], rules))
    reasons: dict[str, list[str]] = {}
    for failure in failures:
        reasons.setdefault(failure.unit_id, []).append(failure.reason)
    reason_frame = pl.DataFrame(
        {
            "unit_id": list(reasons),
            "admission_reason": ["; ".join(texts) for texts in reasons.values()],
        },
        schema={"unit_id": pl.String, "admission_reason": pl.String},
    )
    scores = pl.concat(scores_parts) if scores_parts else _EMPTY_SCORES
    grades = pl.concat(grade_parts) if grade_parts else _EMPTY_GRADES
    indicators = (
        pl.concat(indicator_parts) if indicator_parts else pl.DataFrame(schema=_INDICATOR_SCHEMA)
    )
    missing_grade = rules.roster.missing_year_grade
    units = (
        units.join(scores, on="unit_id", how="left")
        .join(grades.select("unit_id", "rank", "grade", "grade_reason"), on="unit_id", how="left")
        .join(reason_frame, on="unit_id", how="left")
        .with_columns(
            (pl.col("pool_number").is_not_null() & pl.col("admission_reason").is_null()).alias(
                "admitted"
            )
        )
        .with_columns(
            pl.when(pl.col("no_indicator").fill_null(False))
            .then(pl.lit(_NO_INDICATOR))
            .otherwise(pl.col("grade_reason"))
            .alias("grade_reason")
        )
    )
    # evaluate_year: a demonstration unit without a grade takes the missing-year grade.
    ungraded_demonstration = pl.col("demonstration_flag") & pl.col("grade").is_null()
    units = units.with_columns(
        pl.when(ungraded_demonstration)
        .then(pl.lit(missing_grade))
        .otherwise(pl.col("grade"))
        .alias("grade"),
        pl.when(ungraded_demonstration)
        .then(
            pl.lit(
                f"示范单位未通过入围或无有效得分，按规则评为{missing_grade} "
                f"(demonstration unit not admitted or without a score)"
            )
        )
        .otherwise(pl.col("grade_reason"))
        .alias("grade_reason"),
    )
    log.debug("evaluated %d %s units of %d in columns", units.height, kind, year)
    return BulkEvaluation(kind, units, indicators, mart_columns), failures
