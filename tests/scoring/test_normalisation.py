"""Each normalisation against values computed by hand (see the docstrings)."""

from __future__ import annotations

import random
from decimal import Context, Decimal, localcontext

import pytest

from scoring.indicators import exact_ln, normalise, normalise_all, raw_value
from scoring.rules import Indicator

SIX = Decimal("0.000001")


def _indicator(normalisation: str, direction: str = "higher") -> Indicator:
    return Indicator("x", "x", ("value",), direction, normalisation, "share")


def _d(*values: str) -> list[Decimal]:
    return [Decimal(value) for value in values]


def _six(value: Decimal) -> Decimal:
    return value.quantize(SIX)


def test_minmax_places_a_value_between_the_pool_minimum_and_maximum() -> None:
    # (20 - 10) / (40 - 10) = 1/3; lower is better: (40 - 20) / 30 = 2/3
    values = _d("10", "20", "40")
    assert _six(normalise(_indicator("minmax"), values, Decimal(20))) == Decimal("0.333333")
    assert _six(normalise(_indicator("minmax", "lower"), values, Decimal(20))) == Decimal(
        "0.666667"
    )
    assert normalise(_indicator("minmax"), values, Decimal(10)) == 0
    assert normalise(_indicator("minmax"), values, Decimal(40)) == 1


def test_minmax_of_a_pool_where_all_values_are_equal_gives_everyone_one() -> None:
    assert normalise(_indicator("minmax"), _d("5", "5"), Decimal(5)) == 1


def test_percentile_uses_mid_ranks_for_ties() -> None:
    # 4 values: 10 has 0 worse -> 0/3; each 20 has 1 worse + half of 1 equal -> 1.5/3 = 0.5;
    # 40 has 3 worse -> 1. Lower is better: 10 has 3 worse (higher) values -> 1.
    values = _d("10", "20", "20", "40")
    indicator = _indicator("percentile")
    assert [normalise(indicator, values, v) for v in values] == _d("0", "0.5", "0.5", "1")
    assert normalise(_indicator("percentile", "lower"), values, Decimal(10)) == 1


def test_percentile_of_a_single_unit_is_one() -> None:
    assert normalise(_indicator("percentile"), _d("7"), Decimal(7)) == 1


def test_log_minmax_compares_orders_of_magnitude() -> None:
    # ln(1 + 0) = 0, ln(1 + 9) = ln 10, ln(1 + 99) = ln 100 = 2 ln 10: 9 sits half way.
    values = _d("0", "9", "99")
    assert _six(normalise(_indicator("log_minmax"), values, Decimal(9))) == Decimal("0.500000")


def test_log_minmax_takes_negative_net_sales_as_zero() -> None:
    # -50 counts as 0: the same position as a unit with no sales.
    values = _d("-50", "0", "99")
    assert normalise(_indicator("log_minmax"), values, Decimal(-50)) == 0
    assert normalise(_indicator("log_minmax"), values, Decimal(0)) == 0


def test_missing_raw_values_stay_missing_and_do_not_move_the_others() -> None:
    normalised = normalise_all(_indicator("minmax"), {"a": Decimal(1), "b": None, "c": Decimal(3)})
    assert normalised == {"a": Decimal(0), "b": None, "c": Decimal(1)}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"p": 3, "g": 1, "t": True}, Decimal(5)),
        ({"p": 3, "g": 1, "t": False}, Decimal(4)),
        ({"p": 3, "g": None, "t": True}, None),
    ],
)
def test_raw_value_sums_columns_counting_a_true_flag_as_one(
    row: dict[str, object], expected: Decimal | None
) -> None:
    indicator = Indicator("brand", "品牌", ("p", "g", "t"), "higher", "minmax", "share")
    assert raw_value(indicator, row) == expected


def _money_values() -> list[Decimal]:
    """1 + x for amounts a log_minmax pool meets: fen to ten billion yuan, and edge shapes."""
    generator = random.Random(20221231)
    amounts = [Decimal(generator.randrange(0, 10**12)) / 100 for _ in range(3000)]
    amounts += [Decimal(generator.randrange(1, 10**6)) / 10**6 for _ in range(500)]
    shapes = ["0.01", "1", "1023", "1024", "1e20", "123456789.12", "0.0000000001", "2.5E+30"]
    amounts += [Decimal(text) for text in shapes]
    amounts += [Decimal(2) ** power - 1 for power in range(1, 70)]
    return [1 + amount for amount in amounts]


@pytest.mark.parametrize("precision", [28, 12, 40])
def test_fast_ln_gives_the_digits_of_decimal_ln_in_the_same_context(precision: int) -> None:
    # Decimal.ln is correctly rounded: the reference here is the standard library's own.
    with localcontext(Context(prec=precision)):
        for value in _money_values():
            expected = value.ln()
            assert str(exact_ln(value)) == str(expected), value


def test_fast_ln_of_one_and_below_is_decimal_ln() -> None:
    with localcontext(Context(prec=28)):
        assert str(exact_ln(Decimal(1))) == str(Decimal(1).ln()) == "0"
        assert exact_ln(Decimal("0.5")) == Decimal("0.5").ln()
