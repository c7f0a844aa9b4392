"""Indicator values: the raw value of a unit from its mart row, and its normalisation.

All arithmetic is exact Decimal under one fixed context, so the same marts give the same
digits on every machine and every run. Normalisation is within one pool's values only;
this module must never see units of another pool, nor use float.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
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


def _minmax(values: Sequence[Decimal], value: Decimal, lower_is_better: bool) -> Decimal:
    low, high = min(values), max(values)
    if high == low:
        # Everyone equal: the indicator tells the units nothing apart, so none loses by it.
        return ONE
    position = (high - value) if lower_is_better else (value - low)
    return position / (high - low)


def _log(value: Decimal) -> Decimal:
    return (ONE + max(value, ZERO)).ln()


def _percentile(values: Sequence[Decimal], value: Decimal, lower_is_better: bool) -> Decimal:
    """Mid-rank: (units worse + half the other units equal) / (units - 1)."""
    count = len(values)
    if count == 1:
        return ONE
    worse = sum(1 for other in values if (other > value if lower_is_better else other < value))
    equal_others = sum(1 for other in values if other == value) - 1
    return (Decimal(worse) + Decimal(equal_others) / 2) / Decimal(count - 1)


def normalise(indicator: Indicator, values: Sequence[Decimal], value: Decimal) -> Decimal:
    """`value` mapped to 0..1 among `values` (the pool's present values, `value` included)."""
    lower_is_better = indicator.direction == "lower"
    with localcontext(DECIMAL_CONTEXT):
        if indicator.normalisation == "minmax":
            return _minmax(values, value, lower_is_better)
        if indicator.normalisation == "log_minmax":
            return _minmax([_log(other) for other in values], _log(value), lower_is_better)
        if indicator.normalisation == "percentile":
            return _percentile(values, value, lower_is_better)
    raise ValueError(f"unknown normalisation {indicator.normalisation}")


def normalise_all(
    indicator: Indicator, raw_values: Mapping[str, Decimal | None]
) -> dict[str, Decimal | None]:
    """Normalised value per unit id; units whose raw value is missing stay None."""
    present = [value for value in raw_values.values() if value is not None]
    return {
        unit_id: None if value is None else normalise(indicator, present, value)
        for unit_id, value in raw_values.items()
    }
