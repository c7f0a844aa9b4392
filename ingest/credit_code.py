"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character.

18 characters from a 31-character alphabet (digits and capitals without I, O, S,
V, Z); the 18th is a check character over the first 17 with weights 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, position, 31) for position in range(17)]
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(_VALUES[char] * weight for char, weight in zip(first17, _WEIGHTS, strict=True))
    except KeyError as error:
        raise ValueError(f"character {error.args[0]!r} is not in the code alphabet") from None
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """None for a valid code, else what is wrong with it (naming the expected check)."""
    text = code.strip().upper()
    if len(text) != LENGTH:
        return f"credit code {code!r} has {len(text)} characters, not 18"
    bad = [char for char in text if char not in _VALUES]
    if bad:
        return f"credit code {code!r} has characters outside the code alphabet: {''.join(bad)}"
    expected = check_character(text[:17])
    if text[17] != expected:
        return (
            f"credit code {code!r} ends in {text[17]!r} but its check character "
            f"should be {expected!r}"
        )
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
