"""Cell values as award tables show them: 万元 with two decimals, inert text.

Amounts are stored in yuan (exact decimals) and shown in 万元 only here, at the
edge. Text that a spreadsheet would take for a formula (=, +, -, @ first) is
neutralised in CSV, where the program opening it decides what a cell is.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
CENT = Decimal("0.01")
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def to_wan(yuan: Decimal | int | float | None) -> Decimal | None:
    """Yuan to 万元, rounded half up to two decimals (四舍五入), as award tables print."""
    if yuan is None:
        return None
    return (Decimal(str(yuan)) / WAN).quantize(CENT, rounding=ROUND_HALF_UP)


def inert_text(text: str) -> str:
    """Text a spreadsheet shows as written: a formula lead gets an apostrophe before it."""
    if text.startswith(FORMULA_LEADS):
        return "'" + text
    return text
