"""China's unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a check."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def with_check_character(first17: str) -> str:
    """A complete code from its first 17 characters (for seeding demo and benchmark networks)."""
    return first17 + uscc_check_character(first17)


def validate_uscc(value: str) -> str:
    """The code, upper-cased, or ValueError saying what is wrong with it."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValueError("a unified social credit code has 18 characters")
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        raise ValueError(f"characters {''.join(bad)!r} are not allowed (no I, O, S, V, Z)")
    if not (code[2:8].isascii() and code[2:8].isdigit()):
        raise ValueError("characters 3-8 are the administrative region code (digits)")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValueError(f"check character should be {expected!r}, not {code[17]!r}")
    return code
