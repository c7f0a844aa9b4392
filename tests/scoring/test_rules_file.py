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
