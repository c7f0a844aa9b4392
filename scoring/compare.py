"""What another rules file would change in a year's lists, grades and roster.

The stored run of a year and a candidate computed with other rules are compared table by
table (a list overall, one of its categories, one belt): who enters, who leaves, who moves
and by how many places, who gains or loses an award at the same place; then the grades
that change and the roster decisions that appear or vanish. This module only compares rows
it is given: it must never read or write the warehouse, nor score anything.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from scoring.lists import ALL
from scoring.store import YearRows

log = logging.getLogger(__name__)

ENTERED = "entered"
LEFT = "left"
MOVED = "moved"
AWARD = "award"
_CHANGE_TITLES = {ENTERED: "进榜", LEFT: "出榜", MOVED: "名次变化", AWARD: "获奖变化"}


@dataclass(frozen=True)
class Move:
    """One unit whose place in one list table differs between the two runs."""

    change: str
    unit_kind: str
    unit_id: str
    unit_name: str
    rank_before: int | None
    rank_after: int | None
    awarded_before: bool
    awarded_after: bool

    @property
    def change_title(self) -> str:
        """How a table headed in Chinese names the change."""
        return _CHANGE_TITLES.get(self.change, self.change)

    @property
    def places(self) -> int | None:
        """Places gained (positive) or lost (negative); None when it entered or left."""
        if self.rank_before is None or self.rank_after is None:
            return None
        return self.rank_before - self.rank_after


@dataclass(frozen=True)
class ListChange:
    table_id: str
    title: str
    size_before: int
    size_after: int
    moves: list[Move]


@dataclass(frozen=True)
class GradeChange:
    unit_kind: str
    unit_id: str
    unit_name: str
    grade_before: str | None
    grade_after: str | None


@dataclass(frozen=True)
class RosterChange:
    change: str
    unit_id: str
    unit_name: str
    rule: str
    reason: str


@dataclass(frozen=True)
class Comparison:
    year: int
    stored_rules_version: str
    candidate_rules_version: str
    candidate_rules_path: str
    lists: list[ListChange]
    grades: list[GradeChange]
    roster: list[RosterChange]

    @property
    def unchanged(self) -> bool:
        return not self.grades and not self.roster and not any(t.moves for t in self.lists)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for table, change in zip(data["lists"], self.lists, strict=True):
            for move, original in zip(table["moves"], change.moves, strict=True):
                move["places"] = original.places
        return data

    def to_text(self) -> str:
        """The changes as lines an analyst reads; tables without a change are left out."""
        lines = [
            f"{self.year}: rules {self.candidate_rules_version} ({self.candidate_rules_path}) "
            f"against the stored run by rules {self.stored_rules_version}"
        ]
        if self.unchanged:
            lines.append("no change: every list, grade and roster decision stays the same")
            return "\n".join(lines)
        for table in self.lists:
            if not table.moves:
                continue
            sizes = f"{table.size_before} -> {table.size_after} entries"
            lines.append(f"{table.title} [{table.table_id}]: {sizes}")
            for move in table.moves:
                lines.append(f"  {_move_text(move)}")
        if self.grades:
            lines.append("grades:")
            for grade in self.grades:
                lines.append(
                    f"  {grade.unit_name} ({grade.unit_kind} {grade.unit_id}): "
                    f"{grade.grade_before or '-'} -> {grade.grade_after or '-'}"
                )
        if self.roster:
            lines.append("roster:")
            for decision in self.roster:
                lines.append(
                    f"  {decision.change} {decision.rule} {decision.unit_name} "
                    f"({decision.unit_id}): {decision.reason}"
                )
        return "\n".join(lines)


def _move_text(move: Move) -> str:
    where = f"{move.unit_name} ({move.unit_kind} {move.unit_id})"
    if move.change == ENTERED:
        return f"entered {where} at rank {move.rank_after}"
    if move.change == LEFT:
        return f"left {where} (was rank {move.rank_before})"
    if move.change == AWARD:
        now = "now awarded" if move.awarded_after else "no longer awarded"
        return f"award {where} at rank {move.rank_after}: {now}"
    places = move.places or 0
    direction = f"up {places}" if places > 0 else f"down {-places}"
    return f"moved {where} {move.rank_before} -> {move.rank_after} ({direction})"


def _table_id(list_id: str, category: str) -> str:
    return list_id if category == ALL else f"{list_id}.{category}"


def _places(entries: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str], dict[str, Any]]]:
    tables: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for entry in entries:
        table = tables.setdefault(_table_id(entry["list_id"], entry["category"]), {})
        table[(entry["unit_kind"], entry["unit_id"])] = entry
    return tables


def _moves(before: dict[tuple[str, str], Any], after: dict[tuple[str, str], Any]) -> list[Move]:
    moves = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None:
            change = ENTERED
        elif new is None:
            change = LEFT
        elif old["rank"] != new["rank"]:
            change = MOVED
        elif bool(old["is_awarded"]) != bool(new["is_awarded"]):
            # Same place, but the award cut moved over it.
            change = AWARD
        else:
            continue
        shown = new if new is not None else old
        moves.append(
            Move(
                change=change,
                unit_kind=key[0],
                unit_id=key[1],
                unit_name=str(shown["unit_name"]),
                rank_before=None if old is None else int(old["rank"]),
                rank_after=None if new is None else int(new["rank"]),
                awarded_before=bool(old and old["is_awarded"]),
                awarded_after=bool(new and new["is_awarded"]),
            )
        )
    # Entered first, then left, then moved; within each by the rank that matters.
    order = {ENTERED: 0, LEFT: 1, MOVED: 2, AWARD: 3}
    return sorted(
        moves,
        key=lambda m: (order[m.change], m.rank_after or m.rank_before or 0, m.unit_id),
    )


def compare_year(
    *,
    year: int,
    stored_version: str,
    stored_tables: list[dict[str, Any]],
    stored_entries: list[dict[str, Any]],
    stored_evaluations: list[dict[str, Any]],
    stored_roster: list[dict[str, Any]],
    candidate: YearRows,
) -> Comparison:
    """The differences between a stored year (rows as dicts) and a candidate run."""
    before = _places(stored_entries)
    after = _places([asdict(entry) for entry in candidate.entries])
    titles = {_table_id(t["list_id"], t["category"]): t["title"] for t in stored_tables}
    order = [_table_id(t.list_id, t.category) for t in candidate.tables]
    for table in candidate.tables:
        titles[_table_id(table.list_id, table.category)] = table.title
    order += [key for key in (_table_id(t["list_id"], t["category"]) for t in stored_tables)]
    lists = []
    for table_id in dict.fromkeys(order):
        old, new = before.get(table_id, {}), after.get(table_id, {})
        lists.append(ListChange(table_id, titles[table_id], len(old), len(new), _moves(old, new)))
    grades_before = {(e["unit_kind"], e["unit_id"]): e for e in stored_evaluations}
    grades_after = candidate.grades()
    grades = []
    for key in sorted(set(grades_before) | set(grades_after)):
        old_row, new_row = grades_before.get(key, {}), grades_after.get(key)
        old_grade = old_row.get("grade")
        new_grade = None if new_row is None else new_row[1]
        if old_grade != new_grade:
            name = new_row[0] if new_row is not None else str(old_row.get("unit_name"))
            grades.append(GradeChange(key[0], key[1], name, old_grade, new_grade))
    decisions_before = {(d["rule"], d["unit_id"]): d for d in stored_roster}
    decisions_after = {(d.rule, d.unit_id): asdict(d) for d in candidate.decisions}
    roster = []
    for key in sorted(set(decisions_before) ^ set(decisions_after)):
        appeared = key in decisions_after
        decision = decisions_after[key] if appeared else decisions_before[key]
        roster.append(
            RosterChange(
                change="new" if appeared else "dropped",
                unit_id=key[1],
                unit_name=str(decision["unit_name"]),
                rule=key[0],
                reason=str(decision["reason"]),
            )
        )
    comparison = Comparison(
        year=year,
        stored_rules_version=stored_version,
        candidate_rules_version=candidate.rules_version,
        candidate_rules_path=candidate.rules_path,
        lists=lists,
        grades=grades,
        roster=roster,
    )
    log.info(
        "compared %d: %d list changes, %d grade changes, %d roster changes",
        year,
        sum(len(table.moves) for table in lists),
        len(grades),
        len(roster),
    )
    return comparison
