"""The rules file: the shipped years load, and each breach of its contract names its key."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scoring.rules import load_rules, rules_for_year
from warehouse.errors import ExitCode, RulesError
from warehouse.paths import RULES_DIR

WriteRules = Callable[[dict[str, Any]], Path]


@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_shipped_rules_load_for_their_own_year(year: int) -> None:
    rules = rules_for_year(year)
    assert rules.year == year
    assert rules.version == f"{year}.1"
    assert set(rules.lists) >= {
        "county_top100",
        "enterprise_top100",
        "excellent_enterprises",
        "excellent_stores",
        "goods_bases",
    }
    assert rules.lists["county_top100"].size == 100
    assert rules.lists["county_top100"].award_top == 10
    assert [band.grade for band in rules.grades] == ["优秀", "良好", "合格", "较差"]
    assert all(sum(pool.weights.values()) == 1 for pool in rules.pools.values())
    assert rules.roster.promotion_years == 2
    assert rules.roster.missing_year_grade == "较差"


def test_weights_are_exact_decimals_not_floats() -> None:
    weights = rules_for_year(2022).pools["leading"].weights
    assert weights["sales_scale"] == Decimal("0.40")
    assert all(isinstance(weight, Decimal) for weight in weights.values())


def _broken(data: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    change(copied)
    return copied


def _set_bands(bands: list[tuple[str, float, float]]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["grades"] = [{"grade": g, "from": start, "to": end} for g, start, end in bands]

    return change


BREACHES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown top-level key", lambda d: d.update(threshold=3), "threshold: unknown key"),
    (
        "unknown key in a pool",
        lambda d: d["pools"]["leading"].update(weight=1),
        "pools.leading.weight: unknown key",
    ),
    (
        "weights not summing to 1",
        lambda d: d["pools"]["leading"]["weights"].update(sales_scale=0.5),
        "pools.leading.weights: weights sum to 1.10, not 1",
    ),
    ("a missing list", lambda d: d["lists"].pop("goods_bases"), "lists.goods_bases: missing key"),
    (
        "overlapping bands",
        _set_bands([("优秀", 0, 0.3), ("良好", 0.2, 0.5), ("合格", 0.5, 0.8), ("较差", 0.8, 1)]),
        "grades[1].from: overlaps the band before",
    ),
    (
        "a gap between bands",
        _set_bands([("优秀", 0, 0.2), ("良好", 0.3, 0.5), ("合格", 0.5, 0.8), ("较差", 0.8, 1)]),
        "grades[1].from: leaves a gap",
    ),
    (
        "bands not reaching 1",
        _set_bands([("优秀", 0, 0.2), ("良好", 0.2, 0.5), ("合格", 0.5, 0.8), ("较差", 0.8, 0.9)]),
        "grades: bands end at 0.9, not 1",
    ),
    (
        "a bad normalisation",
        lambda d: d["indicators"]["growth"].update(normalisation="zscore"),
        "indicators.growth.normalisation: 'zscore' is not one of",
    ),
    (
        "an indicator the pool's mart lacks",
        lambda d: d["pools"]["county"]["weights"].update(sales_scale=0.7, growth=0.0, quality=0.3),
        "pools.county.weights.quality: county units have no refund_rate",
    ),
    (
        "a threshold the pool's mart lacks",
        lambda d: d["pools"]["county"]["admission"].update(min_active_months=3),
        "pools.county.admission.min_active_months: county units have no active_months",
    ),
    (
        "a list drawing on an unknown pool",
        lambda d: d["lists"]["excellent_stores"].update(pools=["shops"]),
        "lists.excellent_stores.pools[0]: 'shops' is not one of",
    ),
    (
        "a weight that is not a number",
        lambda d: d["pools"]["leading"]["weights"].update(sales_scale="much"),
        "pools.leading.weights.sales_scale: must be a number, got 'much'",
    ),
    (
        "award_top above the list size",
        lambda d: d["lists"]["county_top100"].update(award_top=101),
        "lists.county_top100.award_top: 101 is above size 100",
    ),
    (
        "grades not from best to worst",
        _set_bands([("良好", 0, 0.2), ("优秀", 0.2, 0.5), ("合格", 0.5, 0.8), ("较差", 0.8, 1)]),
        "grades[1].grade: grades must go from best to worst",
    ),
    (
        "no 较差 band for the roster",
        _set_bands([("优秀", 0, 0.2), ("良好", 0.2, 0.5), ("合格", 0.5, 1)]),
        "grades: no 较差 band",
    ),
    (
        "a missing-year grade that is no band",
        lambda d: d["roster"].update(missing_year_grade="差"),
        "roster.missing_year_grade: '差' is not one of",
    ),
    (
        "belts on a list ranked by score",
        lambda d: d["lists"]["county_top100"].update(belts=["tea"]),
        "lists.county_top100: belts only apply with rank_by: belt_net_sales",
    ),
    (
        "an unknown belt",
        lambda d: d["lists"]["goods_bases"].update(belts=["tea", "pandas"]),
        "lists.goods_bases.belts[1]: 'pandas' is not one of",
    ),
    (
        "a new-participant filter on a streamer pool",
        lambda d: d["pools"]["streamer"].update(new_participant=True),
        "pools.streamer: only enterprise pools can filter on type or new participant",
    ),
    (
        "a registry threshold on a pool whose mart has no registry flag",
        lambda d: d["pools"]["store"]["admission"].update(registered=True),
        "pools.store.admission.registered: store units have no is_registered",
    ),
    (
        "a streamer indicator the mart lacks",
        lambda d: d["pools"]["streamer"]["weights"].update(sales_scale=0.7, quality=0.1),
        "pools.streamer.weights.quality: streamer units have no refund_rate",
    ),
    ("the streamers list missing", lambda d: d["lists"].pop("streamers"), "lists.streamers"),
    ("no pool for streamers", lambda d: d["pools"].pop("streamer"), "no pool evaluates streamer"),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [(change, expected) for _, change, expected in BREACHES],
    ids=[name for name, _, _ in BREACHES],
)
def test_each_breach_of_the_rules_contract_is_refused_naming_its_key(
    default_rules_data: dict[str, Any],
    write_rules: WriteRules,
    change: Callable[[dict[str, Any]], None],
    expected: str,
) -> None:
    path = write_rules(_broken(default_rules_data, change))
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert expected in caught.value.title
    assert str(path) in caught.value.title
    assert caught.value.hint
    assert caught.value.exit_code == ExitCode.BAD_RULES


def test_rules_file_whose_year_disagrees_with_its_name_is_refused(
    default_rules_data: dict[str, Any], tmp_path: Path, write_rules: WriteRules
) -> None:
    write_rules({**default_rules_data, "year": 2021}, "2023.yaml")
    with pytest.raises(RulesError, match="year: says 2021, not 2023"):
        rules_for_year(2023, tmp_path)


def test_a_year_without_rules_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no rules file for 2019") as caught:
        rules_for_year(2019, tmp_path)
    assert "2019.yaml" in (caught.value.hint or "")


def test_a_key_given_twice_is_refused_rather_than_the_last_one_winning(tmp_path: Path) -> None:
    path = tmp_path / "2022.yaml"
    text = (RULES_DIR / "2022.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace('version: "2022.1"', 'version: "2022.1"\nyear: 2021'), encoding="utf-8"
    )
    with pytest.raises(RulesError, match="key 'year' appears twice"):
        load_rules(path)


def test_a_rules_file_that_is_not_yaml_is_refused_with_the_place(tmp_path: Path) -> None:
    path = tmp_path / "2022.yaml"
    path.write_text("year: 2022\npools: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    assert caught.value.title.startswith(f"{path}: not valid YAML")
    assert caught.value.hint == "fix the syntax"
