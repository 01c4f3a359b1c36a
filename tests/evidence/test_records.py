"""Record envelopes: validation that names the bad field, and RFC 8785 canonical bytes."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
from typing import Any

import pytest
import rfc8785

from evidence import InvalidRecord, Record, parse_record, parse_rfc3339, record_from_bytes, utc_now
from evidence._records import RFC3339, _parse_fields
from tests.conftest import make_record


def envelope(**changes: Any) -> dict[str, Any]:
    """A valid envelope as a client would send it, with ``changes`` applied (None removes a key)."""
    data: dict[str, Any] = {
        "kind": "scan.receive",
        "record_id": "rec-1",
        "time": "2026-11-27T08:00:00.000Z",
        "actor": {"org": "org-1", "key_id": "key-1"},
        "subjects": [{"type": "batch", "id": "b1"}],
        "payload": {},
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_canonical_bytes_is_rfc8785_of_the_json_envelope() -> None:
    record = make_record(7, payload={"z": [3, 2.5, None], "a": {"y": True, "x": "x"}})

    assert record.canonical_bytes() == rfc8785.dumps(record.model_dump(mode="json"))


def test_canonical_bytes_sorts_keys_without_whitespace() -> None:
    record = parse_record(envelope(payload={"weight_kg": 12.50, "count": 3, "Batch": "L-1"}))

    assert record.canonical_bytes() == (
        b'{"actor":{"key_id":"key-1","org":"org-1"},"kind":"scan.receive",'
        b'"payload":{"Batch":"L-1","count":3,"weight_kg":12.5},"record_id":"rec-1",'
        b'"subjects":[{"id":"b1","type":"batch"}],"time":"2026-11-27T08:00:00.000Z"}'
    )


def test_canonical_bytes_keeps_chinese_text_as_utf8() -> None:
    record = parse_record(envelope(payload={"product": "西湖龙井茶", "产地": "杭州"}))

    body = record.canonical_bytes()

    assert "西湖龙井茶".encode() in body
    assert "产地".encode() in body
    assert b"\\u" not in body
    assert json.loads(body)["payload"] == {"product": "西湖龙井茶", "产地": "杭州"}


def test_canonical_bytes_is_independent_of_key_order() -> None:
    one = parse_record(envelope(payload={"a": 1, "b": {"d": 2, "c": 3}}))
    other = parse_record(dict(reversed(envelope(payload={"b": {"c": 3, "d": 2}, "a": 1}).items())))

    assert one.canonical_bytes() == other.canonical_bytes()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param(envelope(actor=None), "actor", id="missing-actor"),
        pytest.param(envelope(actor={"org": "org-1"}), "actor.key_id", id="actor-without-key"),
        pytest.param(envelope(time="2026-11-27T08:00:00"), "time", id="time-without-offset"),
        pytest.param(envelope(time="yesterday"), "time", id="time-not-a-timestamp"),
        pytest.param(envelope(time="2026-02-31T10:00:00Z"), "time", id="time-day-not-in-month"),
        pytest.param(envelope(time="2026-11-27T25:61:00Z"), "time", id="time-hour-and-minute-out-of-range"),
        pytest.param(envelope(time="٢٠٢٦-١١-٢٧T08:00:00Z"), "time", id="time-non-ascii-digits"),
        pytest.param(envelope(time="2026-11-27T08:00:00+24:00"), "time", id="time-offset-beyond-23-59"),
        pytest.param(envelope(time="0001-01-01T00:00:00+23:59"), "time", id="time-before-1970-in-utc"),
        pytest.param(envelope(time="2026-11-27T08:00:00Z\n"), "time", id="time-trailing-newline"),
        pytest.param(envelope(kind="Scan.Receive"), "kind", id="kind-uppercase"),
        pytest.param(envelope(kind="scan..receive"), "kind", id="kind-empty-segment"),
        pytest.param(envelope(colour="red"), "colour", id="unknown-field"),
        pytest.param(envelope(record_id=""), "record_id", id="empty-record-id"),
        pytest.param(
            envelope(subjects=[{"type": "batch", "id": "b1"}, {"type": "Batch", "id": "b2"}]),
            "subjects.1.type",
            id="subject-type-uppercase",
        ),
        pytest.param(
            envelope(subjects=[{"type": "batch", "id": ""}]), "subjects.0.id", id="subject-empty-id"
        ),
        pytest.param(envelope(payload=[1, 2]), "payload", id="payload-not-an-object"),
    ],
)
def test_parse_record_names_the_bad_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_record(data)

    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize("value", [2**53 + 1, -(2**53) - 1, 10**30], ids=["2^53+1", "-2^53-1", "1e30-int"])
def test_canonical_bytes_rejects_integers_beyond_json_precision(value: int) -> None:
    record = make_record(1, payload={"count": value})

    with pytest.raises(InvalidRecord) as caught:
        record.canonical_bytes()

    assert caught.value.field == "payload"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_canonical_bytes_rejects_non_finite_numbers(value: float) -> None:
    record = make_record(1, payload={"temperature_c": value})

    with pytest.raises(InvalidRecord) as caught:
        record.canonical_bytes()

    assert caught.value.field == "payload"


def test_record_from_bytes_round_trips_the_canonical_bytes() -> None:
    record = parse_record(envelope(payload={"品名": "五常大米", "lot": ["A", 1, 0.25, None, False]}))

    again = record_from_bytes(record.canonical_bytes())

    assert again == record
    assert again.canonical_bytes() == record.canonical_bytes()


def test_record_from_bytes_rejects_an_invalid_envelope() -> None:
    body = json.dumps(envelope(actor=None)).encode()

    with pytest.raises(InvalidRecord) as caught:
        record_from_bytes(body)

    assert caught.value.field == "actor"


def test_record_is_immutable() -> None:
    record = make_record(1)

    with pytest.raises(ValueError, match="frozen"):
        record.record_id = "other"  # type: ignore[misc]


def test_utc_now_is_rfc3339_utc_with_milliseconds() -> None:
    before = dt.datetime.now(dt.UTC)
    value = utc_now()
    after = dt.datetime.now(dt.UTC)

    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", value)
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert before - dt.timedelta(milliseconds=1) <= parsed <= after
    assert parse_record(envelope(time=value)).time == value


def test_record_defaults_to_no_subjects_and_empty_payload() -> None:
    record = Record.model_validate(envelope(subjects=None, payload=None))

    assert (record.subjects, record.payload) == ([], {})
    assert b'"payload":{}' in record.canonical_bytes()
    assert b'"subjects":[]' in record.canonical_bytes()


def test_parse_rfc3339_converts_offsets_to_utc() -> None:
    assert parse_rfc3339("2026-11-27T08:00:00.1234567+08:00") == dt.datetime(
        2026, 11, 27, 0, 0, 0, 123456, dt.UTC
    )
    assert parse_rfc3339("9999-12-31T23:59:59Z").year == 9999


@pytest.mark.parametrize("value", [None, 20261127, ["2026-11-27T08:00:00Z"], b"2026-11-27T08:00:00Z"])
def test_parse_rfc3339_refuses_what_is_not_text(value: Any) -> None:
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_rfc3339(value)


def test_parse_rfc3339_refuses_a_bad_time_each_time_it_is_asked() -> None:
    # Answers are remembered; a refusal is not, and stays a refusal.
    for _ in range(3):
        with pytest.raises(ValueError, match="not a real date"):
            parse_rfc3339("2026-02-30T08:00:00Z")
    assert parse_rfc3339("2026-02-28T08:00:00+08:00") == dt.datetime(2026, 2, 28, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2026-11-27T08:00:00+08:60", "offset \\+08:60 is not within ±23:59"),
        ("2026-11-27T08:00:00-24:00", "offset -24:00 is not within ±23:59"),
        ("2026-11-27T24:00:00Z", "not a real date and time"),
        ("2026-11-27T08:00:60Z", "not a real date and time"),
        ("1970-01-01T07:59:59+08:00", "outside the years 1970 to 9999"),
        ("9999-12-31T23:59:59-00:01", "not a real date and time: date value out of range"),
        ("0000-01-01T00:00:00Z", "not a real date and time"),
    ],
)
def test_parse_rfc3339_says_why_a_time_is_refused(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_rfc3339(value)


def test_parse_rfc3339_reads_every_time_as_its_fields_say() -> None:
    """The C parser's answer is the fields' own, over dates, times, fractions of any length and
    offsets in and out of range, whichever of the two reads it."""
    chance = random.Random(3339)
    for _ in range(20_000):
        year = chance.choice([1969, 1970, 2026, 9999, chance.randint(0, 9999)])
        date = f"{year:04d}-{chance.randint(0, 13):02d}-{chance.randint(0, 32):02d}"
        time = f"{chance.randint(0, 25):02d}:{chance.randint(0, 60):02d}:{chance.randint(0, 61):02d}"
        digits = chance.randint(0, 12)
        fraction = "." + "".join(chance.choices("0123456789", k=digits)) if digits else ""
        sign, hours, minutes = chance.choice("+-"), chance.randint(0, 25), chance.randint(0, 61)
        offset = chance.choice(["Z", f"{sign}{hours:02d}:{minutes:02d}"])
        value = f"{date}T{time}{fraction}{offset}"
        match = RFC3339.fullmatch(value)
        assert match is not None
        try:
            expected: dt.datetime | str = _parse_fields(match)
        except ValueError as exc:
            expected = str(exc)
        try:
            got: dt.datetime | str = parse_rfc3339(value)
        except ValueError as exc:
            got = str(exc)
        assert got == expected, value
