"""`--compare` on the hand fixture of test_evaluation, and lists that never depend on threads.

The comparison's expected lines come from golden/README.md's hand computation: with the
agency pool asking 100,000 of net sales, H (90,000) leaves every table it was in and the
units below it move up one place; with the streamers list open to 良好, S2 (score 0.4,
良好) enters at rank 2; with the county award cut at 12, county 510112 (rank 12) is now
awarded at the same place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scoring.api import compare_rules, list_tables, rank_year
from tests.scoring.conftest import HAND_YEAR as YEAR
from tests.scoring.conftest import Marts
from warehouse.errors import NoDataError, RulesError


@pytest.fixture
def draft_rules(hand_rules: Path, write_rules: Callable[..., Path]) -> Path:
    import yaml

    data = yaml.safe_load(hand_rules.read_text(encoding="utf-8"))
    data["version"] = "2022.2"
    data["pools"]["agency"]["admission"]["min_net_sales"] = 100000
    data["lists"]["streamers"]["min_grade"] = "良好"
    data["lists"]["county_top100"]["award_top"] = 12
    return write_rules(data, "draft.yaml")


def _stored(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(
        "select * from scoring.list_entries order by table_order, position"
    ).fetchall()


def test_compare_names_who_enters_leaves_and_moves_and_the_grades_that_change(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path, draft_rules: Path
) -> None:
    rank_year(con, YEAR, rules_path=hand_rules)
    before = _stored(con)
    comparison = compare_rules(con, YEAR, draft_rules)
    assert comparison.to_text().splitlines() == [
        f"2022: rules 2022.2 ({draft_rules}) against the stored run by rules 2022.1",
        "2022年度百县百品榜 [county_top100]: 13 -> 13 entries",
        "  award 县510112 (county 510112) at rank 12: now awarded",
        "2022年度四川省电子商务百强 [enterprise_top100]: 4 -> 3 entries",
        "  left 企业91510100H (enterprise 91510100H) (was rank 1)",
        "  moved 企业91510100A (enterprise 91510100A) 2 -> 1 (up 1)",
        "  moved 企业91510100B (enterprise 91510100B) 3 -> 2 (up 1)",
        "  moved 企业91510100C (enterprise 91510100C) 4 -> 3 (up 1)",
        "2022年度四川省电子商务百强·直播机构 [enterprise_top100.agency]: 1 -> 0 entries",
        "  left 企业91510100H (enterprise 91510100H) (was rank 1)",
        "2022年度优秀销售电商企业 [excellent_enterprises]: 2 -> 1 entries",
        "  left 企业91510100H (enterprise 91510100H) (was rank 1)",
        "  moved 企业91510100A (enterprise 91510100A) 2 -> 1 (up 1)",
        "2022年度优秀带货主播 [streamers]: 1 -> 2 entries",
        "  entered 主播S2 (streamer douyin:S2) at rank 2",
        "grades:",
        "  企业91510100H (enterprise 91510100H): 优秀 -> -",
    ]
    as_dict = comparison.to_dict()
    top = next(t for t in as_dict["lists"] if t["table_id"] == "enterprise_top100")
    assert [(m["change"], m["unit_id"], m["places"]) for m in top["moves"]] == [
        ("left", "91510100H", None),
        ("moved", "91510100A", 1),
        ("moved", "91510100B", 1),
        ("moved", "91510100C", 1),
    ]
    assert as_dict["grades"] == [
        {
            "unit_kind": "enterprise",
            "unit_id": "91510100H",
            "unit_name": "企业91510100H",
            "grade_before": "优秀",
            "grade_after": None,
        }
    ]
    # Nothing was stored: the year still holds the run by its own rules.
    assert _stored(con) == before


def test_compare_with_the_same_rules_finds_no_change(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path
) -> None:
    rank_year(con, YEAR, rules_path=hand_rules)
    comparison = compare_rules(con, YEAR, hand_rules)
    assert comparison.unchanged
    assert comparison.to_text().splitlines()[1] == (
        "no change: every list, grade and roster decision stays the same"
    )


def test_compare_of_a_year_never_ranked_is_refused(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path
) -> None:
    with pytest.raises(NoDataError, match="2022 has not been ranked"):
        compare_rules(con, YEAR, hand_rules)


def test_compare_with_rules_of_another_year_is_refused(
    con: duckdb.DuckDBPyConnection,
    hand_marts: Marts,
    hand_rules: Path,
    default_rules_data: dict[str, Any],
    write_rules: Callable[..., Path],
) -> None:
    rank_year(con, YEAR, rules_path=hand_rules)
    default_rules_data["year"] = 2021
    with pytest.raises(RulesError, match="says 2021, but 2022 is being ranked"):
        compare_rules(con, YEAR, write_rules(default_rules_data, "other.yaml"))


def _frames(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, bytes]]:
    return [
        (table.list_id, table.title, table.frame.write_csv().encode("utf-8"))
        for table in list_tables(con, YEAR)
    ]


def test_lists_are_byte_identical_with_one_or_two_duckdb_threads(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path
) -> None:
    con.execute("set threads = 1")
    rank_year(con, YEAR, rules_path=hand_rules)
    single = _frames(con)
    evaluations = con.execute("select * from scoring.evaluations order by all").fetchall()
    con.execute("set threads = 2")
    rank_year(con, YEAR, rules_path=hand_rules)
    assert _frames(con) == single
    assert con.execute("select * from scoring.evaluations order by all").fetchall() == evaluations
    # A fresh warehouse built from the same rows gives the same bytes too.
    other = duckdb.connect(":memory:")
    try:
        other.execute("set threads = 2")
        _copy_marts(con, other)
        rank_year(other, YEAR, rules_path=hand_rules)
        assert _frames(other) == single
    finally:
        other.close()


def _copy_marts(source: duckdb.DuckDBPyConnection, target: duckdb.DuckDBPyConnection) -> None:
    target.execute("create schema marts")
    tables = source.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "order by table_name"
    ).fetchall()
    for (table,) in tables:
        # In reverse order, so that a result relying on insertion order would differ.
        rows = source.sql(f"select * from marts.{table} order by all desc").to_arrow_table()  # noqa: F841
        target.execute(f"create table marts.{table} as select * from rows")
