"""The fast canonicaliser writes exactly the bytes of the RFC 8785 reference implementation."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from evidence import InvalidRecord, Record
from evidence._canonical import canonical_json

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

TRICKY_NUMBERS = [
    0, -0.0, 1.0, -1.5, 0.1 + 0.2, 1e-4, 9.99e-5, 1e-5, 1e-7, 5e-324, 123456789.125, 1e15, 1e16,
    9007199254740991, -9007199254740991, 9007199254740991.0, 1e21, 1.7976931348623157e308, 2.5e-8, 100.0,
]  # fmt: skip
TRICKY_STRINGS = [
    "", "plain", "引号\"与\\反斜杠", "\b\f\n\r\t", "\x00\x01\x1f\x7f", "\u2028\u2029", "€", "😀 emoji",
    "\ue000 private use", "tab\tin text", "/slash/",
]  # fmt: skip
TRICKY_KEYS = ["a", "B", "é", "\ue000", "😀", "aa", "a\u0000b", "10", "9", "_", "\u20ac", "\U0001f600x"]


def corpus_documents() -> list[Path]:
    """Every JSON and JSON-LD file of the corpus: EPCIS examples, event-hash and Merkle vectors."""
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in {".json", ".jsonld"})


def random_value(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.random()
    if depth > 3 or choice < 0.45:
        pool: list[Any] = [None, True, False, *TRICKY_NUMBERS, *TRICKY_STRINGS, rng.uniform(-1e6, 1e6)]
        pool.append(rng.randint(-(2**53) + 1, 2**53 - 1))
        return rng.choice(pool)
    if choice < 0.7:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(TRICKY_KEYS) + str(rng.randint(0, 3)): random_value(rng, depth + 1) for _ in range(4)}


def reference(value: Any) -> bytes:
    return bytes(rfc8785.dumps(value))


def outcome(canonicalise: Any, value: Any) -> bytes | str:
    """The bytes, or the name of the error refusing the value."""
    try:
        return bytes(canonicalise(value))
    except (rfc8785.CanonicalizationError, ValueError) as exc:
        return type(exc).__name__


@pytest.mark.parametrize("number", TRICKY_NUMBERS)
def test_canonical_json_number_matches_reference(number: float) -> None:
    assert canonical_json({"n": number, "list": [number]}) == reference({"n": number, "list": [number]})


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_canonical_json_string_matches_reference(text: str) -> None:
    assert canonical_json({text or "empty": text}) == reference({text or "empty": text})


def test_canonical_json_key_order_is_utf16_order_as_reference() -> None:
    value = {key: i for i, key in enumerate(TRICKY_KEYS)}
    assert canonical_json(value) == reference(value)


def test_canonical_json_generated_values_match_reference() -> None:
    rng = random.Random(8785)
    for _ in range(3000):
        value = random_value(rng)
        assert canonical_json(value) == reference(value), value


def test_canonical_json_corpus_documents_match_reference() -> None:
    documents = corpus_documents()
    assert len(documents) > 20, f"the EPCIS corpus was not found under {CORPUS}"
    for path in documents:
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue  # the corpus holds a few deliberately broken documents
        assert outcome(canonical_json, value) == outcome(reference, value), path.name


@pytest.mark.parametrize(
    "value",
    [{"n": math.nan}, {"n": math.inf}, {"n": 2**53}, {"s": "\ud800 lone surrogate"}],
    ids=["nan", "infinity", "unsafe-integer", "lone-surrogate"],
)
def test_canonical_json_refuses_what_reference_refuses(value: Any) -> None:
    with pytest.raises((rfc8785.CanonicalizationError, ValueError)) as ours:
        canonical_json(value)
    with pytest.raises(type(ours.value)):
        reference(value)


NOT_PLAIN = [
    dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC), (1, 2.0), {1: "a", "b": 2}, 2**53, -0.0, 1e21, 1.0,
    math.nan, "\ud800", {"😀": 1, "\ue000": 2}, [{"deep": (None, 5.0)}],
]  # fmt: skip


def dumped_bytes(record: Record) -> bytes | str:
    """What the envelope's bytes were made from before the fast path: pydantic's JSON-mode dump."""
    return outcome(canonical_json, record.model_dump(mode="json"))


def test_record_bytes_equal_those_of_its_json_mode_dump() -> None:
    """``Record.canonical_bytes`` writes the envelope without dumping it when the payload is plain
    JSON; every payload, plain or not, gives the bytes (or the refusal) of the dumped envelope."""
    rng = random.Random(9162)
    payloads: list[dict[str, Any]] = [{"value": value} for value in NOT_PLAIN]
    payloads += [{f"k{i}": random_value(rng) for i in range(rng.randint(0, 5))} for _ in range(1500)]
    for payload in payloads:
        record = Record(
            kind="sensor.reading", record_id="reading:t-1:1", time="2026-11-27T08:00:00Z",
            actor={"org": "91310000MA1K4XYZ0A", "key_id": "device:t-1"},
            subjects=[{"type": "device", "id": "t-1"}, {"type": "code", "id": "引号\"😀"}], payload=payload,
        )  # fmt: skip
        try:
            ours: bytes | str = record.canonical_bytes()
        except InvalidRecord:
            ours = "refused"
        expected = dumped_bytes(record)
        assert ours == (expected if isinstance(expected, bytes) else "refused"), payload


def test_canonical_json_of_a_value_nested_past_the_fast_encoders_depth_matches_reference() -> None:
    value: Any = {"leaf": [1.5, "end"]}
    for depth in range(300):  # orjson stops at 254 levels; the reference takes it from there
        value = {"d": value} if depth % 2 else [value]
    assert canonical_json(value) == reference(value)
