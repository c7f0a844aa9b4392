"""Indicator values: the raw value of a unit from its mart row, and its normalisation.

All arithmetic is exact Decimal under one fixed context, so the same marts give the same
digits on every machine and every run. Normalisation is within one pool's values only;
this module must never see units of another pool, nor use float.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from decimal import Context, Decimal, localcontext
from typing import Any

from scoring.rules import Indicator

log = logging.getLogger(__name__)

# 28 significant digits: far above the 6 decimal places a score keeps.
DECIMAL_CONTEXT = Context(prec=28)
ONE = Decimal(1)
ZERO = Decimal(0)


def raw_value(indicator: Indicator, row: Mapping[str, Any]) -> Decimal | None:
    """The sum of the indicator's columns (a true flag counts 1); None if any is null."""
    total = ZERO
    for column in indicator.columns:
        value = row.get(column)
        if value is None:
            return None
        if isinstance(value, bool):
            value = ONE if value else ZERO
        total += Decimal(value)
    return total


def _log(value: Decimal) -> Decimal:
    return (ONE + max(value, ZERO)).ln()


def normaliser(indicator: Indicator, values: Sequence[Decimal]) -> Callable[[Decimal], Decimal]:
    """A function mapping a value to 0..1 among `values` (the pool's present values).

    The pool's minimum, maximum or sorted values are computed once, so normalising a
    pool of n units costs n log n, not n squared.
    """
    lower_is_better = indicator.direction == "lower"
    with localcontext(DECIMAL_CONTEXT):
        if indicator.normalisation == "percentile":
            ordered = sorted(values)
            count = len(ordered)

            def percentile(value: Decimal) -> Decimal:
                # Mid-rank: (units worse + half the other units equal) / (units - 1).
                if count == 1:
                    return ONE
                below = bisect_left(ordered, value)
                above = count - bisect_right(ordered, value)
                worse = above if lower_is_better else below
                equal_others = count - below - above - 1
                with localcontext(DECIMAL_CONTEXT):
                    return (Decimal(worse) + Decimal(equal_others) / 2) / Decimal(count - 1)

            return percentile
        if indicator.normalisation not in ("minmax", "log_minmax"):
            raise ValueError(f"unknown normalisation {indicator.normalisation}")
        if indicator.normalisation == "log_minmax":
            logs = {value: _log(value) for value in values}

            def scale(value: Decimal) -> Decimal:
                return logs[value] if value in logs else _log(value)
        else:

            def scale(value: Decimal) -> Decimal:
                return value

        scaled = [scale(value) for value in values]
        low, high = min(scaled), max(scaled)

        def minmax(value: Decimal) -> Decimal:
            if high == low:
                # Everyone equal: the indicator tells the units nothing apart; none loses by it.
                return ONE
            with localcontext(DECIMAL_CONTEXT):
                position = (high - scale(value)) if lower_is_better else (scale(value) - low)
                return position / (high - low)

        return minmax


def normalise(indicator: Indicator, values: Sequence[Decimal], value: Decimal) -> Decimal:
    """`value` mapped to 0..1 among `values` (the pool's present values, `value` included)."""
    return normaliser(indicator, values)(value)


def normalise_all(
    indicator: Indicator, raw_values: Mapping[str, Decimal | None]
) -> dict[str, Decimal | None]:
    """Normalised value per unit id; units whose raw value is missing stay None."""
    present = [value for value in raw_values.values() if value is not None]
    if not present:
        return dict.fromkeys(raw_values)
    scaled = normaliser(indicator, present)
    return {
        unit_id: None if value is None else scaled(value) for unit_id, value in raw_values.items()
    }
