"""GS1 element strings as scanners deliver them (GS1 General Specifications, sections 3 and 7.8).

A GS1 DataMatrix, GS1 QR Code or GS1-128 symbol carries application identifiers (AIs) and their
values: ``]d2`` + ``0109506000134352`` + ``10L2026-001`` + FNC1 + ``21ABC``, where the FNC1 that
ends a variable-length value arrives as the ASCII group separator (GS, 0x1D). Decoders and
labels also show them bracketed, ``(01)09506000134352(10)L2026-001(21)ABC`` (the human-readable
interpretation). :func:`parse_element_string` reads both into AI → value.

Only the AIs a food label carries are known (identification, dates, lot, serial, weights,
origin, internal use); an unknown AI is refused rather than guessed at, since its length decides
where the next AI begins.
"""

from __future__ import annotations

import re

from ._errors import NotACode

#: The group separator that stands for FNC1 between a variable-length value and the next AI.
GS = "\x1d"


def _known_ais() -> dict[str, tuple[int | None, int]]:
    """AI → (fixed value length or None, the most characters its value may have)."""
    fixed = {"00": 18, "01": 14, "02": 14, "11": 6, "12": 6, "13": 6, "15": 6, "16": 6, "17": 6, "20": 2}
    fixed |= {"402": 17, "422": 3, "424": 3, "426": 3, "7003": 10, "7006": 6}
    fixed |= {f"41{d}": 13 for d in "01234567"}
    fixed |= {f"{ai}{n}": 6 for ai in range(310, 370) for n in range(10)}
    variable = {"10": 20, "21": 20, "22": 20, "30": 8, "37": 8, "235": 28, "240": 30, "241": 30}
    variable |= {"242": 6, "250": 30, "251": 30, "253": 30, "254": 20, "400": 30, "401": 30, "403": 30}
    variable |= {"420": 20, "421": 12, "423": 15, "425": 15, "7001": 13, "7002": 30, "7004": 4}
    variable |= {"7005": 12, "7007": 12, "7008": 3, "7009": 10, "7010": 2, "8003": 30, "8004": 30}
    variable |= {"8008": 12, "8020": 25, "90": 30} | {f"9{d}": 90 for d in "123456789"}
    variable |= {f"{ai}{n}": 18 for ai in (390, 391, 392, 393) for n in range(10)}
    table: dict[str, tuple[int | None, int]] = {ai: (n, n) for ai, n in fixed.items()}
    return table | {ai: (None, n) for ai, n in variable.items()}


KNOWN_AIS = _known_ais()
#: AIs whose values are digits only.
_NUMERIC = re.compile(r"0[0-2]|1[1-7]|20|3\d{3}|41\d|402|42[246]|700[36]")
_BRACKETED_AI = re.compile(r"\((\d{2,4})\)")


def looks_like_element_string(text: str) -> bool:
    """Whether ``text`` is written as GS1 element strings (bracketed, or raw starting with an AI
    of identification, such as ``01``), rather than as a URI or free text."""
    return text.startswith("(") or bool(re.match(r"0[0-2]\d{14}", text))


def parse_element_string(text: str) -> dict[str, str]:
    """AI → value of a GS1 element string, bracketed or raw (GS between fields); :class:`NotACode`
    says what is wrong. Each AI may appear once."""
    pairs = _bracketed(text) if text.startswith("(") else _raw(text)
    found: dict[str, str] = {}
    for ai, value in pairs:
        if ai in found:
            raise NotACode(f"AI ({ai}) appears twice")
        _check_value(ai, value)
        found[ai] = value
    return found


def _bracketed(text: str) -> list[tuple[str, str]]:
    marks = list(_BRACKETED_AI.finditer(text))
    if not marks or marks[0].start() != 0:
        raise NotACode("a bracketed element string starts with an AI in brackets, e.g. (01)")
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [(m.group(1), text[m.end() : end]) for m, end in zip(marks, ends, strict=True)]


def _raw(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        ai = _ai_at(text, at)
        fixed, _ = KNOWN_AIS[ai]
        start = at + len(ai)
        if fixed is not None:
            end = start + fixed
            if end > len(text):
                raise NotACode(f"AI ({ai}) needs {fixed} characters, the code ends before")
        else:
            separator = text.find(GS, start)
            end = len(text) if separator < 0 else separator
        pairs.append((ai, text[start:end]))
        at = end + 1 if text[end : end + 1] == GS else end
    return pairs


def _ai_at(text: str, at: int) -> str:
    """The known AI starting at ``at`` (GS1's AIs are prefix-free: no AI begins another)."""
    for length in (2, 3, 4):
        if text[at : at + length] in KNOWN_AIS:
            return text[at : at + length]
    raise NotACode(f"unknown GS1 application identifier at {text[at : at + 4]!r}")


def _check_value(ai: str, value: str) -> None:
    fixed, longest = KNOWN_AIS.get(ai, (None, 0))
    if not longest:
        raise NotACode(f"unknown GS1 application identifier ({ai})")
    if fixed is not None and len(value) != fixed:
        raise NotACode(f"AI ({ai}) has {fixed} characters, not {len(value)}")
    if not 1 <= len(value) <= longest:
        raise NotACode(f"AI ({ai}) has 1 to {longest} characters, not {len(value)}")
    if _NUMERIC.fullmatch(ai) and not (value.isascii() and value.isdigit()):
        raise NotACode(f"AI ({ai}) is digits only")
    if GS in value:
        raise NotACode(f"AI ({ai}) has a group separator inside its value")
