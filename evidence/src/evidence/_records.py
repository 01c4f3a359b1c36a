"""Ledger records: the envelope every fact is wrapped in, and its canonical bytes (RFC 8785).

The leaf bytes of the evidence log are the RFC 8785 (JSON Canonicalization Scheme) bytes of
the envelope; the ledger stores exactly those bytes, so anyone can recompute the leaf hash from
what the ledger serves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Annotated, Any

import rfc8785
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from ._canonical import canonical_json, plain_canonical_json
from ._errors import InvalidRecord

KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)*$"
# ASCII digits only: ``\d`` would also match Arabic-Indic and fullwidth digits.
RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)
EARLIEST_YEAR, LATEST_YEAR = 1970, 9999
RFC3339_HINT = "must be an RFC 3339 timestamp with offset, e.g. 2026-01-02T03:04:05.678Z"


def parse_rfc3339(value: str) -> dt.datetime:
    """An RFC 3339 timestamp (section 5.6) as an aware UTC datetime; ValueError saying why not.

    Requires a real calendar date and time, an offset within ±23:59 and, once converted to UTC,
    a year from 1970 to 9999, so every accepted value can be stored, compared and shifted.
    The last few thousand answers are remembered: a device reading's or a scan's time is parsed
    by its schema, its record's envelope and the code that stores it.
    """
    if not isinstance(value, str):
        raise ValueError(RFC3339_HINT)
    return _parse_rfc3339(str.__str__(value))  # its text, as a plain str (the cache's key)


@lru_cache(maxsize=4096)
def _parse_rfc3339(value: str) -> dt.datetime:
    match = RFC3339.fullmatch(value)
    if match is None:
        raise ValueError(RFC3339_HINT)
    # The pattern admits only what ``fromisoformat`` reads the same way (its own parser, in C),
    # but for offsets past ±23:59, which it takes: those, and anything it refuses or that lands
    # outside the years allowed, are read field by field below, which says what is wrong.
    offset = match.group(8)
    if offset == "Z" or (offset[1:3] <= "23" and offset[4:6] <= "59"):
        try:
            instant = dt.datetime.fromisoformat(value).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            pass
        else:
            if EARLIEST_YEAR <= instant.year <= LATEST_YEAR:
                return instant
    return _parse_fields(match)


def _parse_fields(match: re.Match[str]) -> dt.datetime:
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        zone = dt.UTC if offset == "Z" else _offset(offset)
        local = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
        instant = local.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"is not a real date and time: {exc}") from exc
    if not EARLIEST_YEAR <= instant.year <= LATEST_YEAR:
        raise ValueError(f"is outside the years {EARLIEST_YEAR} to {LATEST_YEAR} (UTC)")
    return instant


def _offset(text: str) -> dt.timezone:
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text} is not within ±23:59")
    sign = -1 if text[0] == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _check_rfc3339(value: str) -> str:
    parse_rfc3339(value)
    return value


Timestamp = Annotated[str, AfterValidator(_check_rfc3339)]
"""A field holding an RFC 3339 timestamp, kept as sent and checked by :func:`parse_rfc3339`."""


class Actor(BaseModel):
    """Who caused the record: an organisation and the key (API key, device, signer) it acted with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    org: str = Field(min_length=1, max_length=128)
    key_id: str = Field(min_length=1, max_length=128)


class Subject(BaseModel):
    """Something the record is about: a batch, an item code, a device, an organisation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)
    id: str = Field(min_length=1, max_length=512)


class Record(BaseModel):
    """The envelope of one fact. ``record_id`` is also the idempotency key."""

    # NaN and infinities stay floats when dumped, so that canonicalisation rejects them
    # instead of pydantic quietly turning them into null.
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")

    kind: str = Field(pattern=KIND_PATTERN, max_length=64)
    record_id: str = Field(min_length=1, max_length=256)
    time: Timestamp = Field(description="RFC 3339 timestamp with offset, e.g. 2026-01-02T03:04:05.678Z")
    actor: Actor
    subjects: list[Subject] = Field(default_factory=list, max_length=1000)
    payload: dict[str, Any] = Field(default_factory=dict)

    def canonical_bytes(self) -> bytes:
        """RFC 8785 canonical JSON of the envelope: the leaf bytes."""
        # The envelope's fields are plain strings, so the dict is built here: when the payload holds
        # plain JSON values too, it is what ``model_dump(mode="json")`` returns, at a fraction of the
        # cost. Anything else (a datetime, a tuple, a number JCS writes otherwise) takes the dump.
        envelope = {
            "kind": self.kind,
            "record_id": self.record_id,
            "time": self.time,
            "actor": {"org": self.actor.org, "key_id": self.actor.key_id},
            "subjects": [{"type": s.type, "id": s.id} for s in self.subjects],
            "payload": self.payload,
        }
        plain = plain_canonical_json(envelope)
        if plain is not None:
            return plain
        try:
            return canonical_json(self.model_dump(mode="json"))
        except (rfc8785.CanonicalizationError, ValueError) as exc:
            raise InvalidRecord("payload", f"cannot be canonicalised: {exc}") from exc


def parse_record(data: dict[str, Any]) -> Record:
    """Validates an envelope, raising :class:`InvalidRecord` naming the first bad field."""
    try:
        return Record.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidRecord(".".join(str(p) for p in first["loc"]) or "record", first["msg"]) from exc


def record_from_bytes(body: bytes) -> Record:
    """The envelope stored as ``body``."""
    return parse_record(json.loads(body))


def utc_datetime(value: str) -> dt.datetime:
    """An RFC 3339 timestamp with offset as an aware UTC datetime; ValueError if it is not one."""
    return parse_rfc3339(value)


def rfc3339(moment: dt.datetime) -> str:
    """An aware time as an RFC 3339 UTC timestamp with milliseconds, as records carry it."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utc_now() -> str:
    """The current time as an RFC 3339 UTC timestamp with milliseconds."""
    return rfc3339(dt.datetime.now(dt.UTC))
