"""The dynamic roster on hand-made two-year histories, under the shipped 2021/2022 rules.

Every indicator of a unit rises with one "strength" number, so its rank in its pool is
the order of strengths, and the grade follows from the band share (rank - 1) / n:
2021 leading pool n = 6 (L1 6, D2 5, L2 4, L3 3, L4 2, D1 1): D1 rank 6, share 5/6 -> 较差.
2021: L1 0 优秀, L2 2/6 良好, L3 3/6 合格, L4 4/6 合格.
2022 leading pool n = 5 (L1, L2, L3, L4, D1): L3 rank 3, share 2/5 = 0.4 -> 良好;
L4 3/5 -> 合格; D1 rank 5, share 4/5 = 0.8 -> 较差.
Rising pool: 2021 N1 3 > N2 2 (n = 2: N1 优秀, N2 share 1/2 -> 合格); 2022 both 3, tied
at rank 1 -> both 优秀 (ties take the better grade).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest

from scoring.api import list_tables, rank_year
from scoring.evaluate import is_new_participant
from scoring.rules import rules_for_year
from tests.scoring.conftest import Marts


def _unit(marts: Marts, code: str, year: int, strength: int, **fields: Any) -> None:
    marts.enterprise(
        code,
        year,
        str(strength * 1_000_000),
        growth_rate=None if year == 2021 else Decimal(strength) / 10,
        products_with_sales=strength,
        events_joined=strength,
        refund_rate=Decimal("0.0600") - Decimal(strength) / 100,
        **fields,
    )


DEMO = {"is_demonstration": True, "demonstration_kind": "enterprise", "first_year": 2015}
NEW = {"first_year": 2021}


@pytest.fixture
def history(marts: Marts) -> Marts:
    for code, strength in (("L1", 6), ("L2", 4), ("L3", 3), ("L4", 2)):
        _unit(marts, code, 2021, strength)
        _unit(marts, code, 2022, strength)
    _unit(marts, "D1", 2021, 1, **DEMO)
    _unit(marts, "D1", 2022, 1, **DEMO)
    _unit(marts, "D2", 2021, 5, **DEMO)  # no data in 2022
    # D3 fails admission in 2021 (net sales below the floor) and has no data in 2022.
    marts.enterprise("D3", 2021, "1000", **DEMO)
    _unit(marts, "N1", 2021, 3, **NEW)
    _unit(marts, "N2", 2021, 2, **NEW)
    _unit(marts, "N1", 2022, 3, **NEW)
    _unit(marts, "N2", 2022, 3, **NEW)
    # The 2023 registry already says N1 is a demonstration unit.
    marts.enterprise(
        "N1", 2023, "0", is_demonstration=True, demonstration_kind="enterprise", first_year=2021
    )
    return marts


def _grades(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, str | None]:
    rows = con.execute(
        "select unit_id, grade from scoring.evaluations where year = ? order by unit_id", [year]
    ).fetchall()
    return dict(rows)


def _ledger(con: duckdb.DuckDBPyConnection, year: int) -> list[tuple[Any, ...]]:
    return con.execute(
        "select unit_id, rule, status_before, status_after, effective_year, grades "
        "from scoring.roster_ledger where year = ? order by unit_id",
        [year],
    ).fetchall()


def test_ranking_2022_first_evaluates_2021_which_has_no_roster_decisions(
    con: duckdb.DuckDBPyConnection, history: Marts
) -> None:
    run = rank_year(con, 2022)
    assert run.earlier_years_evaluated == [2021]
    assert _grades(con, 2021) == {
        "D1": "较差",
        "D2": "优秀",
        "D3": "较差",
        "L1": "优秀",
        "L2": "良好",
        "L3": "合格",
        "L4": "合格",
        "N1": "优秀",
        "N2": "合格",
    }
    assert _ledger(con, 2021) == []


def test_two_years_excellent_promotes_a_new_participant_and_two_poor_remove_a_demo_unit(
    con: duckdb.DuckDBPyConnection, history: Marts
) -> None:
    run = rank_year(con, 2022)
    assert _grades(con, 2022) == {
        "D1": "较差",
        "D2": "较差",
        "D3": "较差",
        "L1": "优秀",
        "L2": "良好",
        "L3": "良好",
        "L4": "合格",
        "N1": "优秀",
        "N2": "优秀",
    }
    assert _ledger(con, 2022) == [
        ("D1", "removal", "demonstration", "removed", 2023, "2021:较差, 2022:较差"),
        ("D3", "removal", "demonstration", "removed", 2023, "2021:较差, 2022:较差"),
        ("N1", "promotion", "new_participant", "recommended", 2023, "2021:优秀, 2022:优秀"),
    ]
    assert run.promoted == ["N1"]
    assert run.removed == ["D1", "D3"]


def test_promotion_reason_names_the_grades_and_years_and_the_registry_says_its_word(
    con: duckdb.DuckDBPyConnection, history: Marts
) -> None:
    rank_year(con, 2022)
    reason, registry = con.execute(
        "select reason, registry_next_year from scoring.roster_ledger where unit_id = 'N1'"
    ).fetchone()
    assert reason.startswith("新参加单位 2021、2022 连续两年评为优秀 → 推荐为示范企业")
    assert "graded 优秀 in 2021 and 2022" in reason
    assert registry == "2023 企业库: 示范单位 demonstration unit"


def test_demo_unit_without_data_is_graded_poor_and_not_admitted(
    con: duckdb.DuckDBPyConnection, history: Marts
) -> None:
    rank_year(con, 2022)
    row = con.execute(
        "select admitted, admission_reason, score, rank, grade from scoring.evaluations "
        "where year = 2022 and unit_id = 'D2'"
    ).fetchone()
    assert row == (False, "2022 年无数据 (no data in 2022)", None, None, "较差")
    # One poor year after an excellent one removes nothing.
    assert "D2" not in [entry[0] for entry in _ledger(con, 2022)]


def test_roster_tables_list_promoted_and_removed_units(
    con: duckdb.DuckDBPyConnection, history: Marts
) -> None:
    rank_year(con, 2022)
    tables = {table.list_id: table for table in list_tables(con, 2022)}
    assert tables["roster_promoted"].title == "2022年度推荐示范名单"
    assert tables["roster_promoted"].frame["unit_id"].to_list() == ["N1"]
    assert tables["roster_removed"].frame["unit_id"].to_list() == ["D1", "D3"]
    assert tables["roster_removed"].frame["status_after_title"].to_list() == ["取消示范资格"] * 2
    assert tables["roster_promoted"].frame["status_before_title"].to_list() == ["新参加单位"]
    failures = tables["admission_failures"].frame
    assert failures["unit_id"].to_list() == ["D2", "D3"]
    assert failures["threshold"].to_list() == ["no_data", "no_data"]
    assert tables["admission_failures"].title == "2022年度未入围单位"


@pytest.mark.parametrize(
    ("first_year", "is_demonstration", "expected"),
    [(2022, False, True), (2019, False, True), (2018, False, False), (2021, True, False)],
)
def test_new_participant_is_first_year_at_most_three_years_back_and_not_a_demo_unit(
    first_year: int, is_demonstration: bool, expected: bool
) -> None:
    # DOMAIN.md: first programme year at most new_participant_years (3) before 2022.
    row = {"first_year": first_year, "is_demonstration": is_demonstration}
    assert is_new_participant(row, 2022, rules_for_year(2022)) is expected


@pytest.fixture
def three_years(marts: Marts) -> Marts:
    """2020 to 2022, leading pool. 2020: L1 6, D4 5, D5 4, L2 2, so D4 is rank 2 of 4
    (share 1/4 -> 良好) and D5 rank 3 (share 2/4 -> 合格). D4 (demo) sells only in 2020;
    D5 (demo) sells below the admission floor in 2021 and 2022."""
    for year in (2020, 2021, 2022):
        _unit(marts, "L1", year, 6)
        _unit(marts, "L2", year, 2)
    _unit(marts, "D4", 2020, 5, **DEMO)
    _unit(marts, "D5", 2020, 4, **DEMO)
    for year in (2021, 2022):
        marts.enterprise("D5", year, "1000", **DEMO)
    return marts


def test_demo_unit_without_data_two_years_running_is_removed(
    con: duckdb.DuckDBPyConnection, three_years: Marts
) -> None:
    run = rank_year(con, 2022)
    assert run.earlier_years_evaluated == [2020, 2021]
    assert _grades(con, 2020)["D4"] == "良好"
    assert _grades(con, 2021)["D4"] == "较差"
    assert _grades(con, 2022)["D4"] == "较差"
    assert _grades(con, 2020)["D5"] == "合格"
    # 2021 removes nobody: each has one poor year only.
    assert _ledger(con, 2021) == []
    assert _ledger(con, 2022) == [
        ("D4", "removal", "demonstration", "removed", 2023, "2021:较差, 2022:较差"),
        ("D5", "removal", "demonstration", "removed", 2023, "2021:较差, 2022:较差"),
    ]
    reasons = con.execute(
        "select unit_id, admission_reason from scoring.evaluations "
        "where year = 2022 and unit_id in ('D4', 'D5') order by unit_id"
    ).fetchall()
    assert reasons[0] == ("D4", "2022 年无数据 (no data in 2022)")
    assert reasons[1][1].startswith("净销售额 1,000.00 元低于门槛 10,000.00 元")


def test_re_ranking_an_earlier_year_ranks_the_stored_later_years_again(
    con: duckdb.DuckDBPyConnection,
    history: Marts,
    default_rules_data: dict[str, Any],
    write_rules: Any,
) -> None:
    rank_year(con, 2022)
    assert [row[0] for row in _ledger(con, 2022)] == ["D1", "D3", "N1"]
    # A 2021 policy whose rising pool admits nobody: N1 has no 2021 grade any more, so
    # the 2022 promotion, which read N1's 2021 优秀, must go.
    data = default_rules_data
    data["year"], data["version"] = 2021, "2021.2"
    data["pools"]["rising"]["admission"]["min_net_sales"] = 100_000_000
    run = rank_year(con, 2021, rules_path=write_rules(data))
    assert run.later_years_recomputed == [2022]
    assert _grades(con, 2021)["N1"] is None
    assert [row[0] for row in _ledger(con, 2022)] == ["D1", "D3"]
    # 2022 was ranked again by its own rules, not by the file given for 2021.
    versions = con.execute("select year, rules_version from scoring.runs order by year")
    assert versions.fetchall() == [(2021, "2021.2"), (2022, "2022.1")]
