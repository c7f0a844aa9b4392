"""One evaluation per unit per year: pool, admission, indicators, score, rank and grade.

A unit is placed in exactly one pool of the year's rules, checked against the pool's
admission thresholds (each miss is recorded with the threshold and the unit's value), and
the admitted are scored within the pool: indicators normalised among the pool's present
values, missing weight shared as the rules say, an exact Decimal score, a competition rank
(1, 1, 3) and a grade by position. This module computes; it must never write to the
warehouse, and it never uses float.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from scoring.indicators import DECIMAL_CONTEXT, normalise_values, raw_value
from scoring.marts import (
    UNIT_KINDS,
    latest_enterprise_rows_before,
    read_units,
    sichuan_county_codes,
)
from scoring.rules import Band, Pool, Rules, TieBreaker

if TYPE_CHECKING:
    from scoring.bulk import BulkEvaluation

log = logging.getLogger(__name__)

SCORE_PLACES = Decimal("0.000001")
_SICHUAN_COUNTY_PATTERN = re.compile(r"^51\d{4}$")
NO_DATA = "no_data"

T = TypeVar("T")


@dataclass(slots=True)  # a million of them: no per-object dict
class IndicatorValue:
    indicator_id: str
    raw: Decimal | None
    normalised: Decimal | None = None
    weight: Decimal = Decimal(0)
    effective_weight: Decimal | None = None


@dataclass(slots=True)  # a million of them: no per-object dict
class AdmissionFailure:
    year: int
    unit_kind: str
    unit_id: str
    unit_name: str
    pool_id: str | None
    threshold: str
    required: str
    actual: str
    reason: str


@dataclass(slots=True)  # a million of them: no per-object dict
class Evaluation:
    year: int
    rules_version: str
    unit_kind: str
    unit_id: str
    unit_name: str
    pool_id: str | None
    pool_title: str | None
    row: dict[str, Any]
    is_demonstration: bool = False
    is_new_participant: bool = False
    admitted: bool = False
    admission_reason: str | None = None
    score: Decimal | None = None
    rank: int | None = None
    grade: str | None = None
    grade_reason: str | None = None
    indicators: list[IndicatorValue] = field(default_factory=list)

    @property
    def net_sales(self) -> Decimal | None:
        value = self.row.get("net_sales")
        return None if value is None else Decimal(value)


@dataclass
class YearEvaluation:
    """A year's evaluations: objects per unit, and the many-unit kinds as columns (bulk)."""

    year: int
    rules: Rules
    evaluations: list[Evaluation]
    failures: list[AdmissionFailure]
    bulk: list[BulkEvaluation] = field(default_factory=list)

    @property
    def evaluated(self) -> int:
        return len(self.evaluations) + sum(kind.count for kind in self.bulk)

    @property
    def admitted(self) -> int:
        own = sum(1 for evaluation in self.evaluations if evaluation.admitted)
        return own + sum(kind.admitted for kind in self.bulk)

    def roster_units(self) -> list[Evaluation]:
        """Every evaluation the roster reads: objects, plus those of the column kinds."""
        materialised = [
            unit
            for kind in self.bulk
            if kind.kind == "enterprise"
            for unit in kind.roster_units(self.year, self.rules.version)
        ]
        return self.evaluations + materialised


def is_new_participant(row: dict[str, Any], year: int, rules: Rules) -> bool:
    """DOMAIN.md: first programme year at most N years before `year`, and not a demo unit."""
    first_year = row.get("first_year")
    if row.get("is_demonstration") or first_year is None:
        return False
    return year - int(first_year) <= rules.new_participant_years


def _pool_for(row: dict[str, Any], new: bool, pools: Sequence[Pool]) -> Pool | None:
    for pool in pools:
        if pool.enterprise_types is not None and row.get("enterprise_type") not in (
            pool.enterprise_types
        ):
            continue
        if pool.new_participant is not None and pool.new_participant != new:
            continue
        return pool
    return None


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _admission_failures(
    evaluation: Evaluation, pool: Pool, counties: frozenset[str] | None
) -> list[AdmissionFailure]:
    """Every threshold of the pool the unit misses, with the threshold and its value."""
    row, admission = evaluation.row, pool.admission
    misses: list[tuple[str, str, str, str]] = []
    if admission.sichuan_county:
        code = row.get("county_code")
        known = counties is None or code in counties
        if code is None or not _SICHUAN_COUNTY_PATTERN.match(str(code)) or not known:
            misses.append(
                (
                    "sichuan_county",
                    "51xxxx",
                    str(code),
                    f"未注册在四川县级行政区 (county code {code} is not a Sichuan county)",
                ),
            )
    if admission.registered and not row.get("is_registered"):
        misses.append(
            (
                "registered",
                "true",
                str(bool(row.get("is_registered"))).lower(),
                "未入直播人才库 (not in the year's streamer registry)",
            ),
        )
    net_sales = evaluation.net_sales
    if admission.min_net_sales is not None and (
        net_sales is None or net_sales < admission.min_net_sales
    ):
        actual = "null" if net_sales is None else _money(net_sales)
        misses.append(
            (
                "min_net_sales",
                _money(admission.min_net_sales),
                actual,
                f"净销售额 {actual} 元低于门槛 {_money(admission.min_net_sales)} 元 "
                f"(net sales below the floor)",
            ),
        )
    months = row.get("active_months")
    if admission.min_active_months is not None and (
        months is None or int(months) < admission.min_active_months
    ):
        misses.append(
            (
                "min_active_months",
                str(admission.min_active_months),
                str(months),
                f"活跃月数 {months} 少于 {admission.min_active_months} "
                f"(fewer active months than required)",
            ),
        )
    rate = row.get("refund_rate")
    if (
        admission.max_refund_rate is not None
        and rate is not None
        and (Decimal(rate) > admission.max_refund_rate)
    ):
        misses.append(
            (
                "max_refund_rate",
                str(admission.max_refund_rate),
                str(rate),
                f"退款率 {rate} 高于上限 {admission.max_refund_rate} "
                "(refund rate above the ceiling)",
            ),
        )
    return [
        AdmissionFailure(
            evaluation.year,
            evaluation.unit_kind,
            evaluation.unit_id,
            evaluation.unit_name,
            pool.pool_id,
            threshold,
            required,
            actual,
            reason,
        )
        for threshold, required, actual, reason in misses
    ]


def ordered(
    items: Iterable[T],
    key_of: Callable[[T, str], Any],
    primary: str,
    breakers: Sequence[TieBreaker],
) -> list[T]:
    """Items by `primary` descending, then the tie-breakers, then unit_id ascending.

    Stable sorts from the last key to the first; a null key goes last whatever the
    direction.
    """
    result = list(items)
    plan = [(primary, True), *((b.column, b.descending) for b in breakers), ("unit_id", False)]
    for column, descending in reversed(plan):
        present = [item for item in result if key_of(item, column) is not None]
        absent = [item for item in result if key_of(item, column) is None]
        present.sort(key=lambda item, c=column: key_of(item, c), reverse=descending)
        result = present + absent
    return result


def competition_ranks(values: Sequence[Decimal]) -> list[int]:
    """Rank of each value (higher is better): 1 + the number of strictly better values."""
    ascending = sorted(values)
    return [1 + len(ascending) - bisect_right(ascending, value) for value in values]


def evaluation_key(evaluation: Evaluation, column: str) -> Any:
    if column == "score":
        return evaluation.score
    if column == "net_sales":
        return evaluation.net_sales
    return getattr(evaluation, column)


def _band(rank: int, ranked: int, rules: Rules) -> Band:
    """The band holding share (rank - 1) / ranked, compared without dividing (exact)."""
    position = Decimal(rank - 1)
    for band in rules.grades:
        if band.start * ranked <= position < band.end * ranked:
            return band
    return rules.grades[-1]


def band_reason(rank: int, ranked: int, band: Band) -> str:
    """The band rule applied to one unit, with its numbers, for explanations."""
    with localcontext(DECIMAL_CONTEXT):
        share = (Decimal(rank - 1) / Decimal(ranked)).quantize(SCORE_PLACES, ROUND_HALF_EVEN)
    return (
        f"第{rank}名/共{ranked}名，位置 ({rank}-1)/{ranked} = {share} "
        f"∈ [{band.start}, {band.end}) → {band.grade} "
        f"(rank {rank} of {ranked}: share (rank - 1) / ranked in the {band.grade} band)"
    )


def _effective_weights(
    values: list[IndicatorValue], counted: tuple[bool, ...]
) -> list[Decimal | None] | None:
    """Each counted indicator's weight over the counted ones' total; None if they weigh 0."""
    total_weight = sum(
        (value.weight for value, counts in zip(values, counted, strict=True) if counts),
        Decimal(0),
    )
    if total_weight == 0:
        return None
    return [
        value.weight / total_weight if counts else None
        for value, counts in zip(values, counted, strict=True)
    ]


def _score_pool(pool: Pool, members: list[Evaluation], rules: Rules) -> None:
    """Normalise, score, rank and grade the admitted members of one pool in place."""
    for indicator_id, weight in pool.weights.items():
        indicator = rules.indicators[indicator_id]
        raws = [raw_value(indicator, member.row) for member in members]
        normalised = normalise_values(indicator, raws)
        for member, raw, value in zip(members, raws, normalised, strict=True):
            member.indicators.append(IndicatorValue(indicator_id, raw, value, weight))
    zero_when_missing = [rules.indicators[i].missing == "zero" for i in pool.weights]
    # Effective weights depend only on which indicators count, so each pattern of present
    # indicators divides once per pool, not once per unit.
    shares: dict[tuple[bool, ...], list[Decimal | None] | None] = {}
    with localcontext(DECIMAL_CONTEXT):
        for member in members:
            pattern = tuple(
                value.normalised is not None or zero
                for value, zero in zip(member.indicators, zero_when_missing, strict=True)
            )
            if pattern not in shares:
                shares[pattern] = _effective_weights(member.indicators, pattern)
            effective = shares[pattern]
            if effective is None:
                member.grade_reason = "没有可用指标 (no indicator has a value)"
                continue
            score = Decimal(0)
            for value, weight in zip(member.indicators, effective, strict=True):
                if weight is not None:
                    value.effective_weight = weight
                    score += weight * (value.normalised or Decimal(0))
            member.score = score.quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)
    scored = [member for member in members if member.score is not None]
    ranks = competition_ranks([member.score for member in scored])  # type: ignore[misc]
    for member, rank in zip(scored, ranks, strict=True):
        band = _band(rank, len(scored), rules)
        member.rank = rank
        member.grade = band.grade
        member.grade_reason = band_reason(rank, len(scored), band)


def _new_evaluation(
    row: dict[str, Any],
    kind: str,
    year: int,
    rules: Rules,
    pools: Sequence[Pool] | None = None,
) -> Evaluation:
    """The unit's evaluation before admission; `pools` are the rules' pools of `kind`."""
    new = kind == "enterprise" and is_new_participant(row, year, rules)
    pool = _pool_for(row, new, rules.pools_of(kind) if pools is None else pools)
    return Evaluation(
        year=year,
        rules_version=rules.version,
        unit_kind=kind,
        unit_id=str(row["unit_id"]),
        unit_name=str(row["unit_name"] or row["unit_id"]),
        pool_id=pool.pool_id if pool else None,
        pool_title=pool.title if pool else None,
        row=row,
        is_demonstration=bool(row.get("is_demonstration")),
        is_new_participant=new,
    )


def _absent_demonstration_units(
    con: duckdb.DuckDBPyConnection,
    year: int,
    present: set[str],
    rules: Rules,
    removals: Mapping[str, int],
) -> tuple[list[Evaluation], list[AdmissionFailure]]:
    """Demo units with no row this year: graded by the missing-year rule.

    A unit is still a demonstration unit when its latest registry row (of any earlier
    year, not only last year's) says so and no removal has taken effect since; reading
    only last year's rows would let a unit absent two years running keep its status.
    """
    absent: list[Evaluation] = []
    failures: list[AdmissionFailure] = []
    for row in latest_enterprise_rows_before(con, year, demonstration_only=True):
        if not row.get("is_demonstration") or row["unit_id"] in present:
            continue
        removed_from = removals.get(row["unit_id"])
        if removed_from is not None and int(row["year"]) < removed_from <= year:
            continue
        last_year = {
            key: row.get(key)
            for key in (
                "unit_id",
                "unit_name",
                "enterprise_type",
                "county_code",
                "county_name",
                "city_name",
                "is_demonstration",
                "first_year",
                "demonstration_kind",
            )
        }
        evaluation = _new_evaluation(last_year, "enterprise", year, rules)
        evaluation.admission_reason = f"{year} 年无数据 (no data in {year})"
        evaluation.grade = rules.roster.missing_year_grade
        evaluation.grade_reason = (
            f"示范单位 {year} 年无数据，按规则评为{rules.roster.missing_year_grade} "
            f"(demonstration unit without data is graded {rules.roster.missing_year_grade})"
        )
        absent.append(evaluation)
        failures.append(
            AdmissionFailure(
                year,
                "enterprise",
                evaluation.unit_id,
                evaluation.unit_name,
                evaluation.pool_id,
                NO_DATA,
                f"a row in marts.enterprise_years for {year}",
                "none",
                evaluation.admission_reason,
            )
        )
    return absent, failures


def evaluate_year(
    con: duckdb.DuckDBPyConnection,
    year: int,
    rules: Rules,
    removals: Mapping[str, int] | None = None,
    bulk_kinds: Sequence[str] | None = None,
) -> YearEvaluation:
    """Every unit of every kind in `year`, evaluated within its pool by `rules`.

    `removals` maps a unit to the year from which a stored roster decision removed its
    demonstration status, so that a unit removed while absent is not graded again.
    `bulk_kinds` (default scoring.bulk.BULK_KINDS) are evaluated as columns by
    scoring/bulk.py, to the same digits, when their marts allow it.
    """
    # Imported here: bulk builds on this module's definitions.
    from scoring import bulk

    counties = sichuan_county_codes(con)
    evaluations: list[Evaluation] = []
    failures: list[AdmissionFailure] = []
    columns: list[BulkEvaluation] = []
    for kind in UNIT_KINDS:
        if kind in (bulk.BULK_KINDS if bulk_kinds is None else bulk_kinds):
            done = bulk.evaluate_kind(con, kind, year, rules, counties)
            if done is not None:
                columns.append(done[0])
                failures.extend(done[1])
                if kind == "enterprise":
                    present = set(done[0].units["unit_id"].to_list())
                    absent, no_data = _absent_demonstration_units(
                        con, year, present, rules, removals or {}
                    )
                    evaluations.extend(absent)
                    failures.extend(no_data)
                continue
        pools = rules.pools_of(kind)
        units = [
            _new_evaluation(row, kind, year, rules, pools) for row in read_units(con, kind, year)
        ]
        for unit in units:
            pool = rules.pools.get(unit.pool_id) if unit.pool_id else None
            if pool is None:
                failures.append(
                    AdmissionFailure(
                        year,
                        kind,
                        unit.unit_id,
                        unit.unit_name,
                        None,
                        "pool",
                        "a matching pool",
                        str(unit.row.get("enterprise_type")),
                        "没有适用的评价类别 (no pool of the rules takes this unit)",
                    )
                )
                unit.admission_reason = failures[-1].reason
                continue
            misses = _admission_failures(unit, pool, counties)
            failures.extend(misses)
            unit.admitted = not misses
            unit.admission_reason = "; ".join(miss.reason for miss in misses) or None
        for pool in rules.pools_of(kind):
            _score_pool(pool, [u for u in units if u.admitted and u.pool_id == pool.pool_id], rules)
        evaluations.extend(units)
        if kind == "enterprise":
            absent, no_data = _absent_demonstration_units(
                con, year, {u.unit_id for u in units}, rules, removals or {}
            )
            evaluations.extend(absent)
            failures.extend(no_data)
    for evaluation in evaluations:
        if evaluation.is_demonstration and evaluation.grade is None:
            evaluation.grade = rules.roster.missing_year_grade
            evaluation.grade_reason = (
                f"示范单位未通过入围或无有效得分，按规则评为{rules.roster.missing_year_grade} "
                f"(demonstration unit not admitted or without a score)"
            )
    evaluated = YearEvaluation(year, rules, evaluations, failures, columns)
    log.info(
        "evaluated %d units of %d with rules %s: %d admitted, %d threshold misses",
        evaluated.evaluated,
        year,
        rules.version,
        evaluated.admitted,
        len(failures),
    )
    return evaluated
