"""The award lists of a year: views of its evaluations, never a second scoring.

Each list takes the admitted units of its pools that pass its bars (grade, net sales, belt
sales), ranks them by competition rank (1, 1, 3) on the list's measure, keeps those whose
rank is within the list size (ties at the edge all stay) and marks as awarded those within
the award cut (ties at the cut all awarded). This module must never change an evaluation.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl

from scoring.bulk import BulkEvaluation
from scoring.evaluate import Evaluation, competition_ranks, evaluation_key, ordered
from scoring.marts import belt_net_sales, has_belt_sales
from scoring.rules import GRADE_ORDER, ListRule, Rules
from warehouse.vocab import BELTS

log = logging.getLogger(__name__)

ALL = "all"


@dataclass(frozen=True)
class ListTableSpec:
    """One table of a year's lists: a list overall, one of its categories, or one belt."""

    year: int
    table_order: int
    list_id: str
    category: str
    title: str
    kind: str


@dataclass(slots=True)
class ListEntry:
    year: int
    list_id: str
    category: str
    category_title: str
    rank: int
    position: int
    unit_kind: str
    unit_id: str
    unit_name: str
    pool_id: str | None
    county_code: str | None
    county_name: str | None
    city_name: str | None
    score: Decimal | None
    grade: str | None
    net_sales: Decimal | None
    measure: Decimal | None
    is_awarded: bool
    belt: str | None = None
    product_code: str | None = None
    product_name: str | None = None
    product_origin_county_code: str | None = None
    product_net_sales: Decimal | None = None
    table_order: int = 0


def _passes_bars(evaluation: Evaluation, rule: ListRule) -> bool:
    if not evaluation.admitted or evaluation.pool_id not in rule.pools:
        return False
    if rule.min_grade is not None and (
        evaluation.grade is None
        or GRADE_ORDER.index(evaluation.grade) > GRADE_ORDER.index(rule.min_grade)
    ):
        return False
    net_sales = evaluation.net_sales
    return rule.min_net_sales is None or (net_sales is not None and net_sales >= rule.min_net_sales)


def _entries(
    rule: ListRule,
    category: str,
    category_title: str,
    members: list[tuple[Evaluation, Decimal]],
    rules: Rules,
    belt: str | None = None,
    ranks: dict[int, int] | None = None,
) -> list[ListEntry]:
    """Rank `members` (evaluation, measure) on the measure and keep those within the size.

    `ranks` (by id of the evaluation) are given when members are only the candidates of a
    larger field, ranked among all of it.
    """
    measures = {id(evaluation): measure for evaluation, measure in members}

    def key_of(evaluation: Evaluation, column: str) -> Any:
        return (
            measures[id(evaluation)] if column == "measure" else evaluation_key(evaluation, column)
        )

    if ranks is None:
        ranks = dict(
            zip(
                (id(e) for e, _ in members),
                competition_ranks([m for _, m in members]),
                strict=True,
            )
        )
    # Only units within the size enter, so only they are ordered: a list of 100 drawn from a
    # million stores sorts a hundred, not a million (a stable sort orders a subset alike).
    within = (e for e, _ in members if ranks[id(e)] <= rule.size)
    entries = []
    for evaluation in ordered(within, key_of, "measure", rules.tie_breakers):
        rank = ranks[id(evaluation)]
        row = evaluation.row
        entry = ListEntry(
            year=evaluation.year,
            list_id=rule.list_id,
            category=category,
            category_title=category_title,
            rank=rank,
            position=len(entries) + 1,
            unit_kind=evaluation.unit_kind,
            unit_id=evaluation.unit_id,
            unit_name=evaluation.unit_name,
            pool_id=evaluation.pool_id,
            county_code=row.get("county_code"),
            county_name=row.get("county_name"),
            city_name=row.get("city_name"),
            score=evaluation.score,
            grade=evaluation.grade,
            net_sales=evaluation.net_sales,
            measure=measures[id(evaluation)],
            is_awarded=rank <= rule.award_top,
            belt=belt,
        )
        if evaluation.unit_kind == "county":
            entry.product_code = row.get("top_product_code")
            entry.product_name = row.get("top_product_name")
            entry.product_origin_county_code = row.get("top_product_origin_county_code")
            entry.product_net_sales = row.get("top_product_net_sales")
        entries.append(entry)
    return entries


def _kind_of(rule: ListRule, rules: Rules) -> str:
    """Which column set a table of this list shows: one unit kind, goods bases or mixed."""
    if rule.rank_by == "belt_net_sales":
        return "goods_base"
    kinds = {rules.pools[pool_id].unit_kind for pool_id in rule.pools}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _grades_at_least(rule: ListRule) -> set[str] | None:
    """The grades that pass the list's min_grade bar (None: no bar)."""
    if rule.min_grade is None:
        return None
    return set(GRADE_ORDER[: GRADE_ORDER.index(rule.min_grade) + 1])


def _with_bulk(
    rule: ListRule,
    pools: set[str],
    group: list[Evaluation],
    bulk: Sequence[BulkEvaluation],
    rules: Rules,
) -> tuple[list[Evaluation], dict[int, int] | None]:
    """The group plus the column-evaluated units that can enter, and everyone's rank.

    A unit ranked below the size within its own kind ranks below it in the whole field,
    so only each kind's units within the size become Evaluation objects; their ranks,
    and the group's, count every member of the field (scores are whole millionths).
    """
    grades = _grades_at_least(rule)
    fields = [kind.list_members(pools, grades, rule.min_net_sales) for kind in bulk]
    if not any(field.height for field in fields):
        return group, None
    own = [int(member.score.scaleb(6)) for member in group if member.score is not None]
    field_scores = pl.concat(
        [pl.Series(own, dtype=pl.Int64), *(field["score_micro"] for field in fields)]
    ).sort()
    candidates = list(group)
    for kind, field in zip(bulk, fields, strict=True):
        within = field.filter(pl.col("score_micro").rank("min", descending=True) <= rule.size)
        candidates += kind.materialise(within, rules.year, rules.version)
    ranks = {
        id(member): 1
        + field_scores.len()
        - int(field_scores.search_sorted(int(member.score.scaleb(6)), side="right"))
        for member in candidates
        if member.score is not None
    }
    return candidates, ranks


def _score_list(
    rule: ListRule,
    evaluations: list[Evaluation],
    rules: Rules,
    bulk: Sequence[BulkEvaluation] = (),
) -> list[tuple[str, str, list[ListEntry]]]:
    members = [e for e in evaluations if _passes_bars(e, rule) and e.score is not None]
    year_title = f"{rules.year}年度{rule.title}"
    categories = [(ALL, rule.title, year_title, set(rule.pools), members)]
    if rule.by_category:
        categories += [
            (
                pool_id,
                rules.pools[pool_id].title,
                f"{year_title}·{rules.pools[pool_id].title}",
                {pool_id},
                [m for m in members if m.pool_id == pool_id],
            )
            for pool_id in rule.pools
        ]
    tables = []
    for category, category_title, title, pools, group in categories:
        candidates, ranks = _with_bulk(rule, pools, group, bulk, rules)
        pairs = [(member, member.score) for member in candidates]
        entries = _entries(
            rule,
            category,
            category_title,
            pairs,  # type: ignore[arg-type]
            rules,
            ranks=ranks,
        )
        tables.append((category, title, entries))
    return tables


def _belt_list(
    con: duckdb.DuckDBPyConnection,
    rule: ListRule,
    evaluations: list[Evaluation],
    rules: Rules,
    bulk: Sequence[BulkEvaluation] = (),
) -> list[tuple[str, str, list[ListEntry]]]:
    members = [e for e in evaluations if _passes_bars(e, rule)]
    bar = rule.min_belt_net_sales or Decimal(0)
    grades = _grades_at_least(rule)
    fields = {
        kind.kind: kind.list_members(set(rule.pools), grades, rule.min_net_sales, False)
        for kind in bulk
    }
    kinds = sorted(
        {member.unit_kind for member in members} | {k for k, f in fields.items() if f.height}
    )
    sales = {kind: belt_net_sales(con, kind, rules.year, at_least=bar) for kind in kinds}
    if (
        (members or any(field.height for field in fields.values()))
        and not any(sales.values())
        and not has_belt_sales(con, rules.year)
    ):
        log.warning("list %s: marts.fct_sales has no belt sales for %d", rule.list_id, rules.year)
    # The column kinds' sellers per belt, as (kind, unit id, amount): numbers, not objects.
    sellers: dict[str, list[tuple[BulkEvaluation, str, Decimal]]] = {}
    for kind in bulk:
        ids = set(fields[kind.kind]["unit_id"].to_list())
        for (unit, belt), amount in sales.get(kind.kind, {}).items():
            if unit in ids and amount > 0 and amount >= bar:
                sellers.setdefault(belt, []).append((kind, unit, amount))
    tables = []
    for belt in rule.belts:
        pairs = []
        for member in members:
            amount = sales[member.unit_kind].get((member.unit_id, belt))
            if amount is not None and amount > 0 and amount >= bar:
                pairs.append((member, amount))
        ranks = None
        if sellers.get(belt):
            pairs, ranks = _with_belt_sellers(pairs, sellers[belt], rule, rules, fields)
        category_title = f"{rule.title}（{BELTS[belt]}）"
        entries = _entries(rule, belt, category_title, pairs, rules, belt, ranks=ranks)
        tables.append((belt, f"{rules.year}年度{category_title}", entries))
    return tables


def _with_belt_sellers(
    pairs: list[tuple[Evaluation, Decimal]],
    sellers: list[tuple[BulkEvaluation, str, Decimal]],
    rule: ListRule,
    rules: Rules,
    fields: dict[str, pl.DataFrame],
) -> tuple[list[tuple[Evaluation, Decimal]], dict[int, int]]:
    """The belt's pairs plus the column kinds' sellers ranked within the size, and all ranks."""
    measures = sorted([amount for _, amount in pairs] + [amount for _, _, amount in sellers])

    def rank_of(amount: Decimal) -> int:
        return 1 + len(measures) - bisect_right(measures, amount)

    chosen: dict[str, dict[str, Decimal]] = {}
    for kind, unit, amount in sellers:
        if rank_of(amount) <= rule.size:
            chosen.setdefault(kind.kind, {})[unit] = amount
    everyone = list(pairs)
    for kind, _, _ in sellers:
        amounts = chosen.pop(kind.kind, None)
        if amounts:
            field = fields[kind.kind].filter(pl.col("unit_id").is_in(list(amounts)))
            everyone += [
                (member, amounts[member.unit_id])
                for member in kind.materialise(field, rules.year, rules.version)
            ]
    return everyone, {id(member): rank_of(amount) for member, amount in everyone}


def build_lists(
    con: duckdb.DuckDBPyConnection,
    evaluations: list[Evaluation],
    rules: Rules,
    bulk: Sequence[BulkEvaluation] = (),
) -> tuple[list[ListTableSpec], list[ListEntry]]:
    """Every table of every list of the rules (empty ones too), and their entries.

    Tables keep the order of the rules file: list, then overall before categories.
    `bulk` are the kinds evaluated as columns; belt lists read enterprises and counties,
    which are never among them.
    """
    specs: list[ListTableSpec] = []
    entries: list[ListEntry] = []
    for rule in rules.lists.values():
        if rule.rank_by == "belt_net_sales":
            built = _belt_list(con, rule, evaluations, rules, bulk)
        else:
            built = _score_list(rule, evaluations, rules, bulk)
        kind = _kind_of(rule, rules)
        for category, title, table_entries in built:
            order = len(specs)
            specs.append(ListTableSpec(rules.year, order, rule.list_id, category, title, kind))
            for entry in table_entries:
                entry.table_order = order
            entries += table_entries
        log.info(
            "list %s of %d: %d entries in %d tables",
            rule.list_id,
            rules.year,
            sum(len(table) for _, _, table in built),
            len(built),
        )
    return specs, entries
