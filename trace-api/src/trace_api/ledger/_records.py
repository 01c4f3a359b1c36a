"""Ledger records: the envelope every fact is wrapped in, and its canonical bytes (RFC 8785).

The leaf bytes of the evidence log are the RFC 8785 (JSON Canonicalization Scheme) bytes of
the envelope; the ledger stores exactly those bytes, so anyone can recompute the leaf hash from
what the ledger serves.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ._canonical import canonical_json
from ._errors import InvalidRecord

KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-zA-Z][a-zA-Z0-9_]*)*$"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


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
    time: str = Field(description="RFC 3339 timestamp with offset, e.g. 2026-01-02T03:04:05.678Z")
    actor: Actor
    subjects: list[Subject] = Field(default_factory=list, max_length=1000)
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("time")
    @classmethod
    def _rfc3339(cls, value: str) -> str:
        if not RFC3339.match(value):
            raise ValueError("must be an RFC 3339 timestamp with offset, e.g. 2026-01-02T03:04:05.678Z")
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"is not a valid date and time: {exc}") from exc
        return value

    def canonical_bytes(self) -> bytes:
        """RFC 8785 canonical JSON of the envelope: the leaf bytes."""
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
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def utc_now() -> str:
    """The current time as an RFC 3339 UTC timestamp with milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
