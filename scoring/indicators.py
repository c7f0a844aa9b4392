"""Indicator values: the raw value of a unit from its mart row, and its normalisation.

All arithmetic is exact Decimal under one fixed context, so the same marts give the same
digits on every machine and every run. Normalisation is within one pool's values only;
this module must never see units of another pool, nor use float.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal, getcontext, localcontext
from typing import Any

from scoring.rules import Indicator

log = logging.getLogger(__name__)

# 28 significant digits: far above the 6 decimal places a score keeps.
DECIMAL_CONTEXT = Context(prec=28)
ONE = Decimal(1)
ZERO = Decimal(0)


def raw_value(indicator: Indicator, row: Mapping[str, Any]) -> Decimal | None:
    """The sum of the indicator's columns (a true flag counts 1); None if any is null."""
    if len(indicator.columns) == 1:  # the usual case, without the loop
        value = row.get(indicator.columns[0])
        if value is None:
            return None
        if isinstance(value, bool):
            value = ONE if value else ZERO
        return ZERO + Decimal(value)
    total = ZERO
    for column in indicator.columns:
        value = row.get(column)
        if value is None:
            return None
        if isinstance(value, bool):
            value = ONE if value else ZERO
        total += Decimal(value)
    return total


# ln in integers, fixed point at 10^-50: a unit's ln(1 + x) for log_minmax costs a tenth of
# Decimal.ln at 28 digits, which is what a million stores' sales scale spent most time on.
_FIXED_DIGITS = 50
_FIXED_ONE = 10**_FIXED_DIGITS
_WIDE = Context(prec=_FIXED_DIGITS + 20)
_STEP_BITS = 10
_STEPS = 1 << _STEP_BITS
# Units of 10^-50 the fixed-point ln may be off by, with a wide margin (it is off by < 100).
_FIXED_TOLERANCE = 10**4


def _fixed(value: Decimal) -> int:
    return int(value.scaleb(_FIXED_DIGITS, _WIDE).to_integral_value(ROUND_HALF_EVEN))


_LN2 = _fixed(Decimal(2).ln(_WIDE))
_LN10 = _fixed(Decimal(10).ln(_WIDE))
_LN_STEPS: dict[int, int] = {}


def _ln_step(step: int) -> int:
    """ln(1 + step / 1024) in fixed point, computed once per step."""
    found = _LN_STEPS.get(step)
    if found is None:
        found = _LN_STEPS[step] = _fixed((Decimal(_STEPS + step) / _STEPS).ln(_WIDE))
    return found


def exact_ln(value: Decimal) -> Decimal:
    """value.ln() in the current context, digit for digit, about ten times faster.

    Decimal.ln is correctly rounded, so any ln known to within far less than half a unit
    of the last kept digit rounds to the same digits. This one is computed in integers
    to 50 places: value = a * 10^e = 2^k * m * 10^e with m in [1, 2), m = (1 + j/1024) * r,
    ln r by the atanh series (r - 1 < 1/1024, so seven terms reach 10^-50). When the
    result lies within 10^-46 of a rounding boundary, Decimal.ln decides.
    """
    context = getcontext()
    if not value.is_finite() or value <= ONE:
        return value.ln()
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite value has an integer exponent
    digits = int(value.scaleb(-exponent, _WIDE))
    power = digits.bit_length() - 1
    mantissa = (digits * _FIXED_ONE) >> power
    step = ((mantissa - _FIXED_ONE) << _STEP_BITS) // _FIXED_ONE
    rest = (mantissa << _STEP_BITS) // (_STEPS + step)
    z = ((rest - _FIXED_ONE) * _FIXED_ONE) // (rest + _FIXED_ONE)
    z_squared = (z * z) // _FIXED_ONE
    term, series, odd = z, z, 1
    while term:
        term = (term * z_squared) // _FIXED_ONE
        odd += 2
        series += term // odd
    fixed = power * _LN2 + _ln_step(step) + 2 * series + exponent * _LN10
    low = context.plus(Decimal(fixed - _FIXED_TOLERANCE).scaleb(-_FIXED_DIGITS, _WIDE))
    high = context.plus(Decimal(fixed + _FIXED_TOLERANCE).scaleb(-_FIXED_DIGITS, _WIDE))
    return low if low == high else value.ln()


def _log(value: Decimal) -> Decimal:
    return exact_ln(ONE + max(value, ZERO))


def _bare_normaliser(
    indicator: Indicator, values: Sequence[Decimal]
) -> Callable[[Decimal], Decimal]:
    """normaliser's function without its own context: call it under DECIMAL_CONTEXT.

    Entering a Decimal context costs as much as the arithmetic, so a pool of a million
    values enters it once (normalise_values), not once per value.
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
            position = (high - scale(value)) if lower_is_better else (scale(value) - low)
            return position / (high - low)

        return minmax


def normaliser(indicator: Indicator, values: Sequence[Decimal]) -> Callable[[Decimal], Decimal]:
    """A function mapping a value to 0..1 among `values` (the pool's present values).

    The pool's minimum, maximum or sorted values are computed once, so normalising a
    pool of n units costs n log n, not n squared.
    """
    bare = _bare_normaliser(indicator, values)

    def normalised(value: Decimal) -> Decimal:
        with localcontext(DECIMAL_CONTEXT):
            return bare(value)

    return normalised


def normalise(indicator: Indicator, values: Sequence[Decimal], value: Decimal) -> Decimal:
    """`value` mapped to 0..1 among `values` (the pool's present values, `value` included)."""
    return normaliser(indicator, values)(value)


def normalise_values(
    indicator: Indicator, raw_values: Sequence[Decimal | None]
) -> list[Decimal | None]:
    """Normalised value of each raw value, in order; a missing raw value stays None."""
    present = [value for value in raw_values if value is not None]
    if not present:
        return [None] * len(raw_values)
    bare = _bare_normaliser(indicator, present)
    with localcontext(DECIMAL_CONTEXT):
        return [None if value is None else bare(value) for value in raw_values]


def normalise_all(
    indicator: Indicator, raw_values: Mapping[str, Decimal | None]
) -> dict[str, Decimal | None]:
    """Normalised value per unit id; units whose raw value is missing stay None."""
    normalised = normalise_values(indicator, list(raw_values.values()))
    return dict(zip(raw_values, normalised, strict=True))
