"""What mobile enforcement takes from callers, checked field by field: an inspector, an
inspector's public key, and an on-site inspection with its findings."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, Field, field_validator

from ..paperwork import fields
from ..text import Line, Text
from .models import DocumentKind, FindingResult

SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")


class InspectorIn(BaseModel):
    """A person of the calling regulator who inspects on site (执法人员)."""

    name: Line = Field(min_length=1, max_length=50, description="姓名")
    badge_no: str = Field(pattern=r"^[0-9A-Za-z-]{4,32}$", description="执法证号")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return fields.not_blank(value)


def parse_public_key(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key given as PEM (SubjectPublicKeyInfo) or as the
    raw key in base64 or hex; ValueError for anything else."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise ValueError("is not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    try:
        raw = (
            bytes.fromhex(text)
            if re.fullmatch(r"[0-9a-fA-F]{64}", text)
            else base64.b64decode(text, validate=True)
        )
    except (binascii.Error, ValueError) as exc:
        raise ValueError("is neither PEM, base64 nor hex") from exc
    if len(raw) != 32:
        raise ValueError(f"is {len(raw)} bytes; an Ed25519 public key is 32")
    Ed25519PublicKey.from_public_bytes(raw)
    return raw


class SigningKeyIn(BaseModel):
    """The inspector's own Ed25519 public key; the private key stays on their device."""

    public_key: str = Field(max_length=1000, description="PEM, or the raw 32 bytes in base64 or hex")

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        try:
            return parse_public_key(value).hex()
        except ValueError as exc:
            raise fields.refusal("public_key", str(exc)) from exc


class FindingIn(BaseModel):
    item: str = Field(max_length=16, description="the template item's code")
    result: FindingResult
    note: Text = Field(default="", max_length=1000)
    #: SHA-256 (hex) of the evidence files sent with the inspection that show this item.
    evidence: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("evidence")
    @classmethod
    def _hashes(cls, values: list[str]) -> list[str]:
        if any(not SHA256_PATTERN.match(v) for v in values):
            raise fields.refusal("sha256", "each entry must be a file's SHA-256 in lower-case hex")
        return values


class InspectionIn(BaseModel):
    """An on-site inspection as the inspector's phone sends it (JSON in the form field ``inspection``)."""

    client_id: str = Field(pattern=r"^[0-9A-Za-z_-]{8,64}$", description="the phone's id for it (a UUID)")
    template: str = Field(max_length=32)
    party: str = Field(max_length=64, description="the inspected organisation's handle")
    place: Line = Field(default="", max_length=200, description="where; the party's address if blank")
    inspected_at: dt.datetime | None = Field(default=None, description="when (with offset); now if left out")
    findings: list[FindingIn] = Field(min_length=1, max_length=100)
    summary: Text = Field(default="", max_length=2000, description="检查情况 in the inspector's words")
    task: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{32}$",
        description="the open self-inspection task (现场检查任务, GET /v1/enforcement/tasks) it does",
    )

    @field_validator("inspected_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise fields.refusal("timezone", "needs a UTC offset (e.g. 2026-12-05T09:30:00+08:00)")
        return value


class DocumentIn(BaseModel):
    """A document to draw up from an inspection: its record (现场检查笔录), or an order to rectify
    (责令改正通知书) with a deadline and what the party must do."""

    kind: DocumentKind
    deadline: dt.date | None = Field(default=None, description="with rectification_order: 改正期限")
    requirements: Text | None = Field(
        default=None, max_length=2000, description="with rectification_order: 改正要求"
    )


class SignatureIn(BaseModel):
    """The inspector's Ed25519 signature over the document's PDF bytes, made on their device."""

    signature: str = Field(max_length=200, description="64 bytes, base64")
    pdf_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the PDF the inspector signed")

    @field_validator("signature")
    @classmethod
    def _signature(cls, value: str) -> str:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise fields.refusal("signature", "is not base64") from exc
        if len(raw) != 64:
            raise fields.refusal("signature", f"is {len(raw)} bytes; an Ed25519 signature is 64")
        return value
