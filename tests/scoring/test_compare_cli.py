"""`chuanhuo rank --compare` on a warehouse file holding the hand fixture's marts."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from scoring.api import rank_year
from tests.scoring.conftest import HAND_YEAR, Marts, hand_marts_rows


@pytest.fixture
def ranked_file(tmp_path: Path, hand_rules: Path) -> Path:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    try:
        hand_marts_rows(Marts(con))
        rank_year(con, HAND_YEAR, rules_path=hand_rules)
    finally:
        con.close()
    return db


def test_rank_compare_prints_the_changes_and_stores_nothing(
    ranked_file: Path, hand_rules: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load(hand_rules.read_text(encoding="utf-8"))
    data["lists"]["streamers"]["min_grade"] = "良好"
    draft = tmp_path / "draft.yaml"
    draft.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    args = ["rank", "--year", "2022", "--db", str(ranked_file), "--rules", str(draft)]
    shown = CliRunner().invoke(app, [*args, "--compare"])
    assert shown.exit_code == 0, shown.output
    assert "主播S2" in shown.output
    as_json = CliRunner().invoke(app, [*args, "--compare", "--json"])
    assert as_json.exit_code == 0, as_json.output
    streamers = next(t for t in json.loads(as_json.stdout)["lists"] if t["table_id"] == "streamers")
    assert [(m["change"], m["unit_id"], m["rank_after"]) for m in streamers["moves"]] == [
        ("entered", "douyin:S2", 2)
    ]
    con = duckdb.connect(str(ranked_file), read_only=True)
    try:
        stored = con.execute(
            "select count(*) from scoring.list_entries where list_id = 'streamers'"
        ).fetchone()
    finally:
        con.close()
    assert stored == (1,)


def test_rank_compare_without_rules_is_a_bad_option(ranked_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["rank", "--year", "2022", "--db", str(ranked_file), "--compare"]
    )
    assert result.exit_code == 2


def test_rank_with_an_unknown_list_is_refused_before_anything_is_ranked(
    tmp_path: Path, hand_rules: Path
) -> None:
    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    try:
        hand_marts_rows(Marts(con))
    finally:
        con.close()
    result = CliRunner().invoke(
        app,
        ["rank", "--year", "2022", "--db", str(db), "--rules", str(hand_rules), "--list", "nosuch"],
    )
    assert result.exit_code == 2, result.output
    assert "no list 'nosuch'" in result.output and "streamers" in result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        schemas = con.execute(
            "select count(*) from information_schema.schemata where schema_name = 'scoring'"
        ).fetchone()
    finally:
        con.close()
    assert schemas == (0,)
