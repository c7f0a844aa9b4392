"""Stores and streamers evaluated as columns (scoring/bulk.py) store what the per-unit path does.

The reference is evaluate.py's per-unit path on the same marts (scoring.bulk.BULK_KINDS
emptied): every scoring table must come out equal row for row, to the last digit, for
pools built to hit the guard (normalised values and scores exactly on a 7th-place tie),
ties in scores, missing indicators, failed admissions and units without a name.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import scoring.bulk as bulk
from scoring.api import rank_year
from tests.scoring.conftest import Marts

YEAR = 2022
TABLES = (
    "runs",
    "evaluations",
    "indicator_values",
    "list_tables",
    "list_entries",
    "roster_ledger",
    "admission_failures",
)


def _fill(marts: Marts) -> None:
    """300 enterprises over 2021 and 2022, 400 stores and 200 streamers, seeded.

    Enterprises of every type, new participants and demonstration units (one absent in
    2022), so pools by type and new participation, demonstration grades and the roster
    all take part.
    """
    generator = random.Random(8)
    for year in (YEAR - 1, YEAR):
        for number in range(300):
            if year == YEAR and number == 7:
                continue  # a demonstration unit without 2022 data
            marts.enterprise(
                f"915101{number:03d}",
                year,
                str(Decimal(generator.choice([50, 10**5, 10**7])) + number),
                enterprise_type=generator.choice(["enterprise", "enterprise", "agency", "base"]),
                is_demonstration=number % 7 == 0,
                demonstration_kind="enterprise" if number % 7 == 0 else None,
                first_year=generator.choice([2015, 2020, 2021, None]),
                growth_rate=None if year < YEAR else Decimal(generator.randrange(-50, 90)) / 100,
                products_with_sales=generator.choice([0, 1, 4]),
                is_time_honoured=number % 11 == 0,
                events_joined=generator.choice([0, 2, 3]),
                active_months=generator.choice([2, 12]),
                enterprise_name="" if number == 13 else f"企业{number}",
            )
            if number % 3 == 0:  # goods-base belt sales around the 1,000,000 bar, with ties
                marts.belt_sale(
                    year,
                    generator.choice(["liquor", "tea"]),
                    generator.choice(["999999.99", "1000000", "2500000", "7300000.5"]),
                    credit_code=f"915101{number:03d}",
                )
    for number in range(400):
        net = Decimal(generator.choice([0, 5, 9999, 10000, 12345678, -300])) + Decimal(
            generator.randrange(0, 10**9)
        ) / 100 * (number % 3)
        marts.store(
            f"S{number:04d}",
            YEAR,
            str(net),
            platform=generator.choice(["tmall", "jd", "douyin"]),
            # 0..128 events: a minmax of 1/128 = 0.0078125 sits on a 7th-place tie
            events_joined=generator.choice([0, 1, 64, 128, 3]),
            growth_rate=None
            if number % 4 == 0
            else Decimal(generator.randrange(-9999, 30000)) / 10**4,
            refund_rate=None if number % 7 == 0 else Decimal(generator.randrange(0, 7000)) / 10**4,
            active_months=generator.choice([1, 3, 12]),
            county_code=generator.choice(["510104", "510104", "510104", "999999", None]),
            store_name="" if number % 50 == 0 else f"店铺{number}",
        )
    for number in range(200):
        marts.streamer(
            f"Z{number:03d}",
            YEAR,
            str(Decimal(generator.randrange(0, 10**8)) / 100),
            is_registered=number % 9 != 0,
            store_count=generator.choice([1, 2, 2, 5]),
        )


def _ranked(
    rules_path: Path, monkeypatch: pytest.MonkeyPatch, *, per_unit: bool
) -> dict[str, list[Any]]:
    con = duckdb.connect(":memory:")
    try:
        _fill(Marts(con))
        with monkeypatch.context() as patch:
            if per_unit:
                patch.setattr(bulk, "BULK_KINDS", ())
            rank_year(con, YEAR, rules_path=rules_path)
        return {
            table: con.execute(
                f"select * exclude (year) from scoring.{table} order by all"
            ).fetchall()
            for table in TABLES
        }
    finally:
        con.close()


def _variant(name: str, data: dict[str, Any]) -> dict[str, Any]:
    if name == "percentile and lower is better":
        data["pools"]["store"]["weights"] = {"sales_scale": 0.3, "growth": 0.3, "quality": 0.4}
        data["indicators"]["sales_scale"]["normalisation"] = "percentile"
        data["indicators"]["growth"]["direction"] = "lower"
    if name == "a missing value scores zero":
        data["indicators"]["growth"]["missing"] = "zero"
        data["indicators"]["quality"]["missing"] = "zero"
        data["pools"]["store"]["weights"] = {"growth": 0.5, "quality": 0.5}
        data["pools"]["store"]["admission"] = {"min_net_sales": 1}
    return data


@pytest.mark.parametrize(
    "variant",
    ["shipped 2022 rules", "percentile and lower is better", "a missing value scores zero"],
)
def test_columns_and_per_unit_paths_store_the_same_rows_to_the_last_digit(
    variant: str,
    default_rules_data: dict[str, Any],
    write_rules: Callable[[dict[str, Any]], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rules_path = write_rules(_variant(variant, default_rules_data))
    taken: list[str] = []
    original = bulk.evaluate_kind

    def spy(*args: Any, **kwargs: Any) -> Any:
        outcome = original(*args, **kwargs)
        if outcome is not None:
            taken.append(args[1])
        return outcome

    monkeypatch.setattr(bulk, "evaluate_kind", spy)
    columns = _ranked(rules_path, monkeypatch, per_unit=False)
    assert sorted(taken) == ["enterprise", "enterprise", "store", "store", "streamer", "streamer"]
    per_unit = _ranked(rules_path, monkeypatch, per_unit=True)
    assert len(taken) == 6  # the per-unit run never asked
    for table in TABLES:
        assert columns[table] == per_unit[table], table
    assert len(columns["evaluations"]) == 300 + 300 + 400 + 200
    assert columns["list_entries"]
    assert columns["roster_ledger"]
    assert any(entry[0] == "goods_bases" for entry in columns["list_entries"])


def test_a_score_on_a_seventh_place_tie_is_rounded_half_even_as_decimal_does() -> None:
    # 1/128 = 0.0078125: half-even to six places is 0.007812, not 0.007813.
    assert bulk._micro(Decimal(1) / 128) == 7812
    assert bulk._micro(Decimal(3) / 128) == 23438
