"""Evaluations and lists of one year on a tiny hand-computed fixture (golden/README.md)."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scoring import store
from scoring.api import ListTable, explain, list_tables, rank_year
from tests.scoring.conftest import Marts
from warehouse.errors import NoDataError

GOLDEN = Path(__file__).parent / "golden"
YEAR = 2022


@pytest.fixture
def ranked(con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path) -> Any:
    return rank_year(con, YEAR, rules_path=hand_rules)


def _table(tables: list[ListTable], list_id: str) -> ListTable:
    return next(table for table in tables if table.list_id == list_id)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def test_enterprise_evaluations_match_the_hand_computed_golden_file(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    with (GOLDEN / "evaluations_2022.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    columns = list(expected[0])
    rows = con.execute(
        f"select {', '.join(columns)} from scoring.evaluations "
        "where year = ? and unit_kind = 'enterprise' order by unit_id",
        [YEAR],
    ).fetchall()
    actual = [dict(zip(columns, map(_as_text, row), strict=True)) for row in rows]
    assert actual == expected


def test_missing_growth_weight_is_shared_among_present_indicators(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    # B has no growth: 0.5 / 0.7 = 0.714286 and 0.2 / 0.7 = 0.285714 (half-even, 6 places).
    rows = con.execute(
        "select indicator_id, normalised, effective_weight from scoring.indicator_values "
        "where unit_id = '91510100B' order by indicator_id"
    ).fetchall()
    assert rows == [
        ("growth", None, None),
        ("quality", Decimal("1.000000"), Decimal("0.285714")),
        ("sales_scale", Decimal("0.500000"), Decimal("0.714286")),
    ]


def test_unit_without_any_indicator_value_gets_no_score_and_no_rank(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    row = con.execute(
        "select admitted, score, rank, grade from scoring.evaluations where unit_id = '91510100G'"
    ).fetchone()
    assert row == (True, None, None, None)


def test_admission_failures_record_each_threshold_missed_with_the_value(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    rows = con.execute(
        "select unit_id, pool_id, threshold, required, actual from scoring.admission_failures "
        "where year = ? order by unit_id, threshold",
        [YEAR],
    ).fetchall()
    assert rows == [
        ("91510100D", "leading", "min_net_sales", "100,000.00", "50,000.00"),
        ("91510100F", "leading", "max_refund_rate", "0.5", "0.6000"),
        ("91510100F", "leading", "min_active_months", "3", "2"),
        ("douyin:S4", "streamer", "registered", "true", "false"),
        ("douyin:S5", "streamer", "min_net_sales", "1,000.00", "99.00"),
        ("tmall:T5", "store", "min_net_sales", "10,000.00", "5,000.00"),
    ]
    assert ranked.not_admitted == 5


def test_counties_tied_at_the_award_cut_are_both_awarded_and_the_next_ranks_12th(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    table = _table(list_tables(con, YEAR), "county_top100")
    frame = table.frame
    assert table.title == "2022年度百县百品榜"
    assert frame["rank"].to_list() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 12, 13]
    assert frame["unit_id"].to_list()[9:12] == ["510110", "510111", "510112"]
    assert frame["is_awarded"].to_list() == [True] * 11 + [False] * 2
    # minmax over 100..1300: (400 - 100) / 1200 = 0.25
    assert frame["score"].to_list()[9] == Decimal("0.250000")
    assert frame["product_name"].to_list()[0] == "产品1"
    # The county's own sales come before its signature product's.
    assert table.money_columns == ["net_sales", "product_net_sales"]
    assert "unit_id" in table.id_columns
    assert ranked.awarded_counts["county_top100"] == 11


def test_enterprise_top100_has_an_overall_table_and_one_per_category(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    tables = list_tables(con, YEAR)
    overall = _table(tables, "enterprise_top100")
    assert overall.title == "2022年度四川省电子商务百强"
    # Scores: A 0.96, H 1 (agency), B 0.642857, C 0; G has no score and no place.
    assert overall.frame["unit_id"].to_list() == [
        "91510100H",
        "91510100A",
        "91510100B",
        "91510100C",
    ]
    leading = _table(tables, "enterprise_top100.leading")
    assert leading.title == "2022年度四川省电子商务百强·领军企业"
    assert leading.frame["rank"].to_list() == [1, 2, 3]
    # A category nobody entered still has its (empty) table, with its headers.
    service = _table(tables, "enterprise_top100.service")
    assert service.frame.height == 0
    assert service.column_titles["unit_name"] == "企业名称"


def test_goods_bases_take_units_over_the_belt_sales_bar(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    tea = _table(list_tables(con, YEAR), "goods_bases.tea")
    assert tea.title == "2022年度川货电商节货品基地（川茶）"
    assert tea.frame["unit_id"].to_list() == ["91510100A"]
    assert tea.frame["measure"].to_list() == [Decimal("200000.00")]


def test_excellent_enterprises_hold_only_units_graded_excellent(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    table = _table(list_tables(con, YEAR), "excellent_enterprises")
    assert set(table.frame["grade"].to_list()) == {"优秀"}
    assert table.frame["unit_id"].to_list() == ["91510100H", "91510100A"]


def test_ranking_a_year_twice_gives_byte_identical_tables(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path
) -> None:
    rank_year(con, YEAR, rules_path=hand_rules)
    first = [(t.list_id, t.title, t.frame.write_csv()) for t in list_tables(con, YEAR)]
    count = con.execute("select count(*) from scoring.evaluations").fetchone()
    rank_year(con, YEAR, rules_path=hand_rules)
    second = [(t.list_id, t.title, t.frame.write_csv()) for t in list_tables(con, YEAR)]
    assert first == second
    assert con.execute("select count(*) from scoring.evaluations").fetchone() == count


def test_a_rerun_that_fails_midway_leaves_the_stored_year_as_it_was(
    con: duckdb.DuckDBPyConnection,
    hand_marts: Marts,
    hand_rules: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rank_year(con, YEAR, rules_path=hand_rules)
    query = "select * from scoring.list_entries order by table_order, position"
    before = con.execute(query).fetchall()
    assert before
    original = store._arrow

    def failing(table: str, rows: Any) -> Any:
        if table == "list_entries":
            raise RuntimeError("disk full")
        return original(table, rows)

    monkeypatch.setattr(store, "_arrow", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        rank_year(con, YEAR, rules_path=hand_rules)
    # The list entries were deleted before the failure; the rollback brought them back.
    assert con.execute(query).fetchall() == before


def test_explain_text_of_one_unit_is_the_hand_checked_golden_text(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    text = explain(con, YEAR, "91510100B").to_text()
    assert text + "\n" == (GOLDEN / "explain_91510100B.txt").read_text(encoding="utf-8")


def test_explain_json_of_one_unit_is_the_hand_checked_golden_json(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    # By name: an exact unit name finds the unit as its id does.
    explained = explain(con, YEAR, "企业91510100B").to_dict()
    expected = json.loads((GOLDEN / "explain_91510100B.json").read_text(encoding="utf-8"))
    assert explained == expected


def test_explain_of_a_unit_not_admitted_lists_each_threshold_missed(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    text = explain(con, YEAR, "91510100F").to_text()
    assert text.splitlines()[1:4] == [
        "admission: not admitted",
        "  missed max_refund_rate: required 0.5, actual 0.6000: "
        "退款率 0.6000 高于上限 0.5 (refund rate above the ceiling)",
        "  missed min_active_months: required 3, actual 2: "
        "活跃月数 2 少于 3 (fewer active months than required)",
    ]
    assert "score -, rank - of 3 in the pool" in text
    assert "lists: none" in text


def test_every_list_matches_the_hand_computed_golden_file(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    with (GOLDEN / "lists_2022.csv").open(encoding="utf-8") as handle:
        expected = list(csv.DictReader(handle))
    columns = list(expected[0])
    rows = con.execute(
        f"select {', '.join(columns)} from scoring.list_entries "
        "where year = ? order by table_order, position",
        [YEAR],
    ).fetchall()
    actual = [dict(zip(columns, map(_as_text, row), strict=True)) for row in rows]
    assert actual == expected


def test_streamers_list_holds_registered_streamers_graded_excellent(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    table = _table(list_tables(con, YEAR), "streamers")
    assert table.title == "2022年度优秀带货主播"
    assert table.frame["unit_id"].to_list() == ["douyin:S1"]
    assert table.column_titles["unit_name"] == "主播昵称"
    # log_minmax over ln(10^4)..ln(10^6): S2 at ln(10^5) sits halfway; 0.8 x 0.5 = 0.4.
    scores = con.execute(
        "select unit_id, score, grade from scoring.evaluations "
        "where unit_kind = 'streamer' and score is not null order by unit_id"
    ).fetchall()
    assert scores == [
        ("douyin:S1", Decimal("1.000000"), "优秀"),
        ("douyin:S2", Decimal("0.400000"), "良好"),
        ("douyin:S3", Decimal("0.100000"), "合格"),
    ]


def test_explain_of_an_unknown_unit_says_what_to_give(
    con: duckdb.DuckDBPyConnection, ranked: Any
) -> None:
    with pytest.raises(NoDataError, match="no unit 'nobody'"):
        explain(con, YEAR, "nobody")


def test_ranking_a_year_without_marts_rows_is_refused(
    con: duckdb.DuckDBPyConnection, hand_marts: Marts, hand_rules: Path
) -> None:
    with pytest.raises(NoDataError, match="no rows for 2019"):
        rank_year(con, 2019, rules_path=hand_rules)
