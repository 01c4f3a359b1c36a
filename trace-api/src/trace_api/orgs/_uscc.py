"""China's unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters, the last a check."""

from __future__ import annotations

from typing import Any, Literal

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18

#: What can be wrong with a code, in the order it is checked.
UsccProblem = Literal["length", "character", "region", "check_character"]


class UsccError(ValueError):
    """A code that is not a valid unified social credit code: ``problem`` says which rule it breaks
    and ``details`` the facts a reader needs to correct it (the length, the characters, the check
    character it should have)."""

    def __init__(self, problem: UsccProblem, message: str, **details: Any) -> None:
        super().__init__(message)
        self.problem = problem
        self.details = details


def uscc_check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def with_check_character(first17: str) -> str:
    """A complete code from its first 17 characters (for seeding demo and benchmark networks)."""
    return first17 + uscc_check_character(first17)


def validate_uscc(value: str) -> str:
    """The code, upper-cased, or :class:`UsccError` saying what is wrong with it."""
    code = value.strip().upper()
    if len(code) != LENGTH:
        raise UsccError(
            "length",
            f"a unified social credit code has 18 characters; this one has {len(code)}",
            length=len(code),
        )
    bad = [(i + 1, c) for i, c in enumerate(code) if c not in ALPHABET]
    if bad:
        where = ", ".join(f"{c!r} at position {i}" for i, c in bad)
        raise UsccError(
            "character",
            f"{where}: not allowed (digits and capital letters except I, O, S, V, Z)",
            characters="".join(c for _, c in bad),
            positions=[i for i, _ in bad],
        )
    if not code[2:8].isdigit():
        raise UsccError("region", "characters 3-8 are the administrative region code (digits)")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise UsccError(
            "check_character",
            f"check character should be {expected!r}, not {code[17]!r}",
            expected=expected,
            found=code[17],
        )
    return code
