"""What the CLI and the exports call: rank a year, compare rules, read tables, explain a unit.

`rank_year` evaluates, builds the lists and the roster, and stores them (first evaluating
any earlier year with data that has none yet, since the roster reads its grades, and
afterwards ranking again any later year already stored); `compare_rules` computes the same
with another rules file and stores nothing; `list_tables` and `explain` only read. Nothing
here prints or exits; errors are the warehouse.errors family.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from scoring.compare import Comparison, compare_year
from scoring.evaluate import YearEvaluation, evaluate_year
from scoring.lists import ALL, build_lists
from scoring.marts import arrow_rows, read_units, require_marts, years_with_data
from scoring.roster import PROMOTION, REMOVAL, STATUS_TITLES, decide_roster
from scoring.rules import Rules, load_rules, rules_for_year, rules_path_for_year
from scoring.store import (
    YearRows,
    evaluated_years,
    read_table,
    removals_in_effect,
    replace_year,
    stored_grades,
    stored_rules_path,
)
from warehouse.errors import NoDataError, RulesError
from warehouse.paths import RULES_DIR
from warehouse.vocab import BELTS

log = logging.getLogger(__name__)

MONEY_TYPE = pl.Decimal(18, 2)
SCORE_TYPE = pl.Decimal(9, 6)


@dataclass(frozen=True)
class RankingRun:
    """What one `rank_year` did: counts per list table, the roster, the years it needed."""

    year: int
    rules_version: str
    evaluated: int
    admitted: int
    not_admitted: int
    list_counts: dict[str, int]
    awarded_counts: dict[str, int]
    promoted: list[str]
    removed: list[str]
    earlier_years_evaluated: list[int] = field(default_factory=list)
    later_years_recomputed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ListTable:
    list_id: str
    title: str
    frame: pl.DataFrame
    column_titles: dict[str, str]
    money_columns: list[str]
    id_columns: list[str]


@dataclass(frozen=True)
class Explanation:
    year: int
    evaluation: dict[str, Any]
    indicators: list[dict[str, Any]]
    pool_ranked: int
    admission_failures: list[dict[str, Any]]
    list_entries: list[dict[str, Any]]
    roster: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: exact decimals as strings, so no digit is lost."""
        return _jsonable(asdict(self))

    def to_text(self) -> str:
        """The explanation as lines an analyst reads in a terminal."""
        e = self.evaluation
        lines = [
            f"{self.year} {e['unit_name']} ({e['unit_kind']} {e['unit_id']}), "
            f"pool {e['pool_title'] or '-'}, rules {e['rules_version']}",
            "admission: admitted" if e["admitted"] else "admission: not admitted",
        ]
        if not e["admitted"] and not self.admission_failures and e["admission_reason"]:
            lines.append(f"  {e['admission_reason']}")
        for miss in self.admission_failures:
            lines.append(
                f"  missed {miss['threshold']}: required {miss['required']}, "
                f"actual {miss['actual']}: {miss['reason']}"
            )
        if self.indicators:
            lines.append(
                "indicators (raw value, normalised within the pool, weight in the rules, "
                "effective weight after sharing missing ones):"
            )
        for row in self.indicators:
            lines.append(
                f"  {row['indicator_id']}: raw {_shown(row['raw_value'])}, normalised "
                f"{_shown(row['normalised'])}, weight {_shown(row['weight'])}, effective "
                f"{_shown(row['effective_weight'])}"
            )
        lines.append(
            f"score {_shown(e['score'])}, rank {_shown(e['rank'])} of {self.pool_ranked} "
            f"in the pool"
        )
        lines.append(
            f"grade {_shown(e['grade'])}" + (f": {e['grade_reason']}" if e["grade_reason"] else "")
        )
        if not self.list_entries:
            lines.append("lists: none")
        for entry in self.list_entries:
            awarded = ", awarded" if entry["is_awarded"] else ""
            lines.append(
                # Parentheses, not brackets: a terminal with markup would eat [list.category].
                f"list {entry['category_title']} ({entry['list_id']}.{entry['category']}): "
                f"rank {entry['rank']} of {entry['table_entries']}{awarded}"
            )
        if self.evaluation["unit_kind"] == "enterprise" and not self.roster:
            lines.append("roster: no decision")
        lines += [f"roster: {row['reason']}" for row in self.roster]
        return "\n".join(lines)


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _registry_next_year(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, bool]:
    return {
        str(row["unit_id"]): bool(row["is_demonstration"])
        for row in read_units(con, "enterprise", year + 1)
    }


def _compute_year(
    con: duckdb.DuckDBPyConnection, year: int, rules: Rules, first_data_year: int
) -> YearRows:
    """Evaluations, lists and roster of `year` by `rules`, read from the warehouse only."""
    evaluated: YearEvaluation = evaluate_year(con, year, rules, removals_in_effect(con, year))
    tables, entries = build_lists(con, evaluated.evaluations, rules, evaluated.bulk)
    history = stored_grades(
        con, range(year - max(rules.roster.promotion_years, rules.roster.removal_years) + 1, year)
    )
    decisions = decide_roster(
        rules,
        year,
        evaluated.roster_units(),
        history,
        first_data_year,
        _registry_next_year(con, year),
    )
    return YearRows(
        year=year,
        rules_version=rules.version,
        rules_path=str(rules.path),
        evaluations=evaluated.evaluations,
        bulk=evaluated.bulk,
        failures=evaluated.failures,
        tables=tables,
        entries=entries,
        decisions=decisions,
    )


def _run_year(
    con: duckdb.DuckDBPyConnection, year: int, rules: Rules, first_data_year: int
) -> YearRows:
    rows = _compute_year(con, year, rules, first_data_year)
    replace_year(con, rows)
    return rows


def _rules_for_earlier_year(year: int, fallback: Rules) -> Rules:
    path = rules_path_for_year(year, RULES_DIR)
    if path.exists():
        return rules_for_year(year, RULES_DIR)
    log.warning(
        "no rules file for %d at %s: using %s (version %s)",
        year,
        path,
        fallback.path,
        fallback.version,
    )
    return fallback


def _rules_of_stored_year(con: duckdb.DuckDBPyConnection, year: int) -> Rules:
    """The rules a stored year was ranked with, so recomputing it keeps its own policy."""
    stored = stored_rules_path(con, year)
    if stored is not None and Path(stored).exists():
        rules = load_rules(stored)
        if rules.year == year:
            return rules
    log.warning(
        "the rules file %s that ranked %d is gone or changed year: using %s",
        stored,
        year,
        rules_path_for_year(year, RULES_DIR),
    )
    return rules_for_year(year, RULES_DIR)


def _rules_given(year: int, rules_path: Path | str | None) -> Rules:
    if rules_path is None:
        return rules_for_year(year)
    rules = load_rules(rules_path)
    if rules.year != year:
        raise RulesError(
            f"{rules_path}: year: says {rules.year}, but {year} is being ranked",
            f"pass the rules file of {year}, or set year: {year} in it",
        )
    return rules


def _require_data_year(con: duckdb.DuckDBPyConnection, year: int) -> list[int]:
    """Years with data, ascending; refuses a year without marts rows."""
    require_marts(con)
    data_years = years_with_data(con)
    if year not in data_years:
        shown = ", ".join(map(str, data_years)) or "none"
        raise NoDataError(
            f"marts.enterprise_years has no rows for {year} (years with data: {shown})",
            "load that year's registries and sales, build the marts, then rank again",
        )
    return data_years


def rank_year(
    con: duckdb.DuckDBPyConnection, year: int, *, rules_path: Path | str | None = None
) -> RankingRun:
    """Evaluate, list and roster `year` and store it, replacing any earlier run of it.

    Later years already stored are ranked again after it, each by the rules it was ranked
    with: their roster decisions read this year's grades, and leaving them as they were
    would store a roster that no longer follows from the grades beside it.
    """
    data_years = _require_data_year(con, year)
    rules = _rules_given(year, rules_path)
    done = evaluated_years(con)
    earlier = [y for y in data_years if y < year and y not in done]
    for earlier_year in earlier:
        log.info("ranking %d first: the roster of %d reads its grades", earlier_year, year)
        _run_year(con, earlier_year, _rules_for_earlier_year(earlier_year, rules), data_years[0])
    rows = _run_year(con, year, rules, data_years[0])
    later = sorted(y for y in done if y > year and y in data_years)
    for later_year in later:
        log.info("ranking %d again: its roster reads the grades of %d", later_year, year)
        _run_year(con, later_year, _rules_of_stored_year(con, later_year), data_years[0])
    list_counts: dict[str, int] = {}
    awarded_counts: dict[str, int] = {}
    for entry in rows.entries:
        key = entry.list_id if entry.category == ALL else f"{entry.list_id}.{entry.category}"
        list_counts[key] = list_counts.get(key, 0) + 1
        awarded_counts[key] = awarded_counts.get(key, 0) + int(entry.is_awarded)
    admitted = rows.admitted
    return RankingRun(
        year=year,
        rules_version=rules.version,
        evaluated=rows.evaluated,
        admitted=admitted,
        not_admitted=rows.evaluated - admitted,
        list_counts=list_counts,
        awarded_counts=awarded_counts,
        promoted=[d.unit_id for d in rows.decisions if d.rule == PROMOTION],
        removed=[d.unit_id for d in rows.decisions if d.rule == REMOVAL],
        earlier_years_evaluated=earlier,
        later_years_recomputed=later,
    )


def compare_rules(con: duckdb.DuckDBPyConnection, year: int, rules_path: Path | str) -> Comparison:
    """What ranking `year` by `rules_path` would change against its stored run; stores nothing.

    The stored run is the one `rank_year` made (by the year's own rules unless told
    otherwise); the candidate is computed from the same marts and the same stored grades
    of earlier years, so the only difference is the rules file.
    """
    data_years = _require_data_year(con, year)
    _require_run(con, year)
    rules = _rules_given(year, rules_path)
    candidate = _compute_year(con, year, rules, data_years[0])
    stored_version = con.execute(
        "select rules_version from scoring.runs where year = ?", [year]
    ).fetchone()
    return compare_year(
        year=year,
        stored_version=str(stored_version[0]) if stored_version else "-",
        stored_tables=read_table(con, "list_tables", year, "table_order"),
        stored_entries=read_table(con, "list_entries", year, "table_order, position"),
        stored_evaluations=read_table(con, "evaluations", year, "unit_kind, unit_id"),
        stored_roster=read_table(con, "roster_ledger", year, "rule, unit_id"),
        candidate=candidate,
    )


# Column sets of the list tables, per kind of list: (column, Chinese header).
_COMMON_HEAD = [("rank", "排名")]
_COMMON_TAIL = [("score", "得分"), ("grade", "等级"), ("is_awarded", "获奖")]
_PRODUCT_COLUMNS = [
    ("rank", "排名"),
    ("product_name", "百品（代表产品）"),
    ("product_code", "商品编号"),
    ("product_origin_county_code", "原产地县代码"),
    ("product_net_sales", "产品净销售额"),
    ("unit_name", "县（市、区）"),
    ("city_name", "市（州）"),
    ("unit_id", "县代码"),
    ("is_awarded", "获奖"),
]
_LIST_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "county": [
        ("unit_name", "县（市、区）"),
        ("city_name", "市（州）"),
        ("unit_id", "县代码"),
        ("net_sales", "净销售额"),
        ("product_name", "百品（代表产品）"),
        ("product_code", "商品编号"),
        ("product_origin_county_code", "原产地县代码"),
        ("product_net_sales", "代表产品净销售额"),
    ],
    "enterprise": [
        ("unit_name", "企业名称"),
        ("unit_id", "统一社会信用代码"),
        ("pool_title", "类别"),
        ("county_name", "县（市、区）"),
        ("city_name", "市（州）"),
        ("net_sales", "净销售额"),
    ],
    "store": [
        ("unit_name", "店铺名称"),
        ("unit_id", "店铺"),
        ("county_code", "县代码"),
        ("net_sales", "净销售额"),
    ],
    "mixed": [
        ("unit_name", "单位名称"),
        ("unit_id", "代码"),
        ("unit_kind_title", "类型"),
        ("county_name", "县（市、区）"),
        ("net_sales", "净销售额"),
    ],
    "streamer": [
        ("unit_name", "主播昵称"),
        ("unit_id", "平台:主播ID"),
        ("net_sales", "带货净销售额"),
    ],
    "goods_base": [
        ("unit_name", "单位名称"),
        ("unit_id", "代码"),
        ("unit_kind_title", "类型"),
        ("belt_title", "产业带"),
        ("county_name", "县（市、区）"),
        ("measure", "产业带净销售额"),
        ("net_sales", "净销售额"),
    ],
}
_MONEY = {"net_sales", "product_net_sales", "measure"}
_IDS = {"unit_id", "product_code", "product_origin_county_code", "county_code"}
_KIND_TITLES = {"enterprise": "企业", "county": "县（市、区）", "store": "店铺", "streamer": "主播"}


def _frame(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> pl.DataFrame:
    schema: dict[str, Any] = {}
    for name, _ in columns:
        if name in _MONEY:
            schema[name] = MONEY_TYPE
        elif name == "score":
            schema[name] = SCORE_TYPE
        elif name in ("rank", "effective_year"):
            schema[name] = pl.Int64
        elif name == "is_awarded":
            schema[name] = pl.Boolean
        else:
            schema[name] = pl.String
    data = {name: [row.get(name) for row in rows] for name in schema}
    return pl.DataFrame(data, schema=schema)


def _table(
    list_id: str, title: str, rows: list[dict[str, Any]], columns: list[tuple[str, str]]
) -> ListTable:
    return ListTable(
        list_id=list_id,
        title=title,
        frame=_frame(rows, columns),
        column_titles=dict(columns),
        money_columns=[name for name, _ in columns if name in _MONEY],
        id_columns=[name for name, _ in columns if name in _IDS],
    )


def _require_run(con: duckdb.DuckDBPyConnection, year: int) -> None:
    if year not in evaluated_years(con):
        raise NoDataError(f"{year} has not been ranked", f"run: chuanhuo rank --year {year}")


def list_tables(con: duckdb.DuckDBPyConnection, year: int) -> list[ListTable]:
    """Every stored list table of `year`, then the roster tables, each ordered by rank."""
    _require_run(con, year)
    # Pool titles of the listed units only: a year evaluates about a million units.
    pools = dict(
        con.execute(
            "select unit_id, pool_title from scoring.evaluations where year = ? and unit_id in "
            "(select unit_id from scoring.list_entries where year = ?) order by unit_kind, unit_id",
            [year, year],
        ).fetchall()
    )
    entries = read_table(con, "list_entries", year, "table_order, position")
    groups: dict[int, list[dict[str, Any]]] = {}
    for entry in entries:
        entry["pool_title"] = pools.get(entry["unit_id"])
        entry["unit_kind_title"] = _KIND_TITLES.get(entry["unit_kind"], entry["unit_kind"])
        entry["belt_title"] = BELTS.get(entry["belt"] or "", entry["belt"])
        groups.setdefault(entry["table_order"], []).append(entry)
    tables = []
    for spec in read_table(con, "list_tables", year, "table_order"):
        list_id = spec["list_id"]
        if spec["category"] != ALL:
            list_id = f"{list_id}.{spec['category']}"
        columns = _COMMON_HEAD + _LIST_COLUMNS[spec["kind"]] + _COMMON_TAIL
        rows = groups.get(spec["table_order"], [])
        tables.append(_table(list_id, spec["title"], rows, columns))
        if spec["kind"] == "county" and spec["category"] == ALL:
            # 百品: the same ranking seen from each county's signature product.
            tables.append(
                _table(f"{list_id}.products", f"{year}年度百品榜", rows, _PRODUCT_COLUMNS)
            )
    ledger = read_table(con, "roster_ledger", year, "rule, unit_id")
    for row in ledger:
        row["status_before_title"] = STATUS_TITLES.get(row["status_before"], row["status_before"])
        row["status_after_title"] = STATUS_TITLES.get(row["status_after"], row["status_after"])
    roster_columns = [
        ("unit_name", "单位名称"),
        ("unit_id", "统一社会信用代码"),
        ("status_before_title", "原状态"),
        ("status_after_title", "新状态"),
        ("effective_year", "生效年度"),
        ("grades", "历年等级"),
        ("reason", "理由"),
        ("registry_next_year", "次年企业库"),
    ]
    for rule, list_id, label in (
        (PROMOTION, "roster_promoted", "推荐示范"),
        (REMOVAL, "roster_removed", "取消示范资格"),
    ):
        rows = [row for row in ledger if row["rule"] == rule]
        tables.append(_table(list_id, f"{year}年度{label}名单", rows, roster_columns))
    # Read as columns: a province's year has a few hundred thousand misses.
    failure_columns = [
        ("unit_kind_title", "类型"),
        ("unit_name", "单位名称"),
        ("unit_id", "代码"),
        ("pool_id", "评价类别"),
        ("threshold", "门槛"),
        ("required", "要求"),
        ("actual", "实际"),
        ("reason", "原因"),
    ]
    failures = pl.from_arrow(
        arrow_rows(
            con,
            "select * from scoring.admission_failures where year = ? "
            "order by unit_kind, unit_id, threshold",
            [year],
        )
    )
    assert isinstance(failures, pl.DataFrame)
    kind = pl.col("unit_kind").cast(pl.String)
    frame = failures.with_columns(
        kind.replace_strict(_KIND_TITLES, default=kind, return_dtype=pl.String).alias(
            "unit_kind_title"
        )
    ).select([pl.col(name).cast(pl.String) for name, _ in failure_columns])
    tables.append(
        ListTable(
            list_id="admission_failures",
            title=f"{year}年度未入围单位",
            frame=frame,
            column_titles=dict(failure_columns),
            money_columns=[],
            id_columns=[name for name, _ in failure_columns if name in _IDS],
        )
    )
    return tables


def explain(con: duckdb.DuckDBPyConnection, year: int, unit: str) -> Explanation:
    """Why `unit` (an id, or an exact name) scored, ranked and was graded as it was."""
    _require_run(con, year)
    order = "unit_kind, unit_id"
    matches = read_table(con, "evaluations", year, order, {"unit_id": unit}) or read_table(
        con, "evaluations", year, order, {"unit_name": unit}
    )
    if not matches:
        raise NoDataError(
            f"no unit {unit!r} was evaluated in {year}",
            "give a credit code, county code, platform:store_id or the exact name",
        )
    if len(matches) > 1:
        ids = ", ".join(f"{row['unit_kind']} {row['unit_id']}" for row in matches)
        raise NoDataError(
            f"{unit!r} names several units in {year}: {ids}", "ask again with one of the ids"
        )
    evaluation = matches[0]
    unit_id, kind = evaluation["unit_id"], evaluation["unit_kind"]

    def of_unit(table: str, order_by: str) -> list[dict[str, Any]]:
        where: dict[str, Any] = {"unit_id": unit_id}
        if table != "roster_ledger":  # the ledger holds enterprise units only, kind unstored
            where["unit_kind"] = kind
        return read_table(con, table, year, order_by, where)

    sizes = dict(
        con.execute(
            "select table_order, count(*) from scoring.list_entries where year = ? group by all",
            [year],
        ).fetchall()
    )
    ranked = con.execute(
        "select count(*) from scoring.evaluations where year = ? and pool_id = ? "
        "and rank is not null",
        [year, evaluation["pool_id"]],
    ).fetchone()
    return Explanation(
        year=year,
        evaluation=evaluation,
        indicators=of_unit("indicator_values", "unit_kind, unit_id, indicator_id"),
        pool_ranked=int(ranked[0]) if ranked else 0,
        admission_failures=of_unit("admission_failures", "unit_kind, unit_id, threshold"),
        list_entries=[
            {**entry, "table_entries": sizes.get(entry["table_order"], 0)}
            for entry in of_unit("list_entries", "table_order, position")
        ],
        roster=of_unit("roster_ledger", "rule, unit_id") if kind == "enterprise" else [],
    )
