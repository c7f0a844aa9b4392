"""The dynamic roster: two-year promotion of new participants, removal of demo units.

For year Y the decisions read the grades of the last `promotion_years` / `removal_years`
years (stored evaluations of earlier years plus Y's own) and take effect from Y + 1. Each
decision is a ledger row with a Chinese and English reason naming the grades and years.
The registry of Y + 1, when loaded, always wins; the ledger records what it says beside
the decision. This module decides; it must never write to the warehouse.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from scoring.evaluate import Evaluation
from scoring.rules import Rules
from warehouse.vocab import DEMONSTRATION_KINDS, GRADES

log = logging.getLogger(__name__)

PROMOTION = "promotion"
REMOVAL = "removal"
# Roster statuses stored in the ledger (codes), and how tables show them.
NEW_PARTICIPANT = "new_participant"
DEMONSTRATION = "demonstration"
RECOMMENDED = "recommended"
REMOVED = "removed"
STATUS_TITLES: dict[str, str] = {
    NEW_PARTICIPANT: "新参加单位",
    DEMONSTRATION: "示范单位",
    RECOMMENDED: "推荐示范",
    REMOVED: "取消示范资格",
}
_COUNT_WORDS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五"}


@dataclass(frozen=True)
class RosterDecision:
    year: int
    unit_id: str
    unit_name: str
    status_before: str
    status_after: str
    effective_year: int
    rule: str
    reason: str
    grades: str
    registry_next_year: str | None


def _demo_title(evaluation: Evaluation) -> str:
    kind = evaluation.row.get("demonstration_kind")
    if kind is None:
        kind = "base" if evaluation.row.get("enterprise_type") == "base" else "enterprise"
    return DEMONSTRATION_KINDS.get(str(kind), DEMONSTRATION_KINDS["enterprise"])


def _years_text(years: list[int]) -> str:
    return "、".join(str(year) for year in years)


def _registry_text(year: int, status: bool | None) -> str | None:
    if status is None:
        return None
    said = "示范单位 demonstration unit" if status else "非示范单位 not a demonstration unit"
    return f"{year} 企业库: {said}"


def decide_roster(
    rules: Rules,
    year: int,
    evaluations: list[Evaluation],
    history: Mapping[int, Mapping[str, str | None]],
    first_data_year: int,
    registry_next_year: Mapping[str, bool] | None = None,
) -> list[RosterDecision]:
    """The promotions and removals of `year` for the enterprise units of `evaluations`.

    `history` holds the stored grades of earlier years by year and unit id. A window of
    years reaching before `first_data_year` decides nothing, so the first year with data
    never has roster decisions.
    """
    excellent, poor = GRADES["excellent"], GRADES["poor"]
    registry = registry_next_year or {}
    decisions: list[RosterDecision] = []
    for evaluation in sorted(evaluations, key=lambda e: e.unit_id):
        if evaluation.unit_kind != "enterprise":
            continue
        if evaluation.is_new_participant:
            rule, needed, span = PROMOTION, excellent, rules.roster.promotion_years
        elif evaluation.is_demonstration:
            rule, needed, span = REMOVAL, poor, rules.roster.removal_years
        else:
            continue
        years = list(range(year - span + 1, year + 1))
        if years[0] < first_data_year:
            continue
        grades = []
        for past in years[:-1]:
            grade = history.get(past, {}).get(evaluation.unit_id)
            if grade is None and rule == REMOVAL:
                # A demonstration unit without data, or without a grade, that year.
                grade = rules.roster.missing_year_grade
            grades.append(grade)
        grades.append(evaluation.grade)
        if any(grade != needed for grade in grades):
            continue
        count = _COUNT_WORDS.get(span, str(span))
        graded = ", ".join(f"{y}:{g}" for y, g in zip(years, grades, strict=True))
        title = _demo_title(evaluation)
        if rule == PROMOTION:
            before, after = NEW_PARTICIPANT, RECOMMENDED
            reason = (
                f"新参加单位 {_years_text(years)} 连续{count}年评为{excellent} → 推荐为{title}"
                f"，自 {year + 1} 年起 (new participant graded {excellent} in "
                f"{' and '.join(map(str, years))}: recommended for demonstration status "
                f"from {year + 1})"
            )
        else:
            before, after = DEMONSTRATION, REMOVED
            reason = (
                f"{title} {_years_text(years)} 连续{count}年评为{poor} → 取消示范资格"
                f"，自 {year + 1} 年起 (demonstration unit graded {poor} in "
                f"{' and '.join(map(str, years))}: loses the status from {year + 1})"
            )
        decisions.append(
            RosterDecision(
                year=year,
                unit_id=evaluation.unit_id,
                unit_name=evaluation.unit_name,
                status_before=before,
                status_after=after,
                effective_year=year + 1,
                rule=rule,
                reason=reason,
                grades=graded,
                registry_next_year=_registry_text(year + 1, registry.get(evaluation.unit_id)),
            )
        )
    log.info(
        "roster %d: %d promoted, %d removed",
        year,
        sum(1 for d in decisions if d.rule == PROMOTION),
        sum(1 for d in decisions if d.rule == REMOVAL),
    )
    return decisions
