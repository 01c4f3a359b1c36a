"""What the verification and ledger endpoints take and answer, field by field (their OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..overview.views import LedgerState

#: A proof bundle's base64 SHA-256 hash: 44 characters.
Hash64 = Annotated[str, Field(max_length=64)]
#: Record bytes are small JSON documents; a megabyte of base64 is far beyond any of them.
MAX_BODY_CHARS = 1_400_000
#: A signed checkpoint note: an origin, a size, a root and a few signature lines.
MAX_NOTE_CHARS = 8192


class ProofBundleIn(BaseModel):
    """A proof bundle, as `suyuan ledger proof`, the resolver (`linkType=suyuan:proof`) and
    `GET /v1/records/{record_id}/verification` hand it out. Keys it does not name are ignored."""

    model_config = ConfigDict(extra="allow")

    version: int | None = None
    origin: str | None = Field(default=None, max_length=256)
    verifier_key: str | None = Field(
        default=None, max_length=512, description="ignored: bundles are checked with the log's own key"
    )
    record_id: str | None = Field(default=None, max_length=256)
    index: Annotated[int, Field(ge=0, strict=True, description="the record's leaf index")]
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS, description="the record's bytes, base64")]
    leaf_hash: Hash64 | None = Field(default=None, description="SHA-256(0x00 ‖ bytes), base64")
    checkpoint: str | None = Field(default=None, max_length=MAX_NOTE_CHARS, description="the signed note")
    inclusion_proof: list[Hash64] | None = Field(default=None, max_length=64, description="base64 hashes")
    anchor: dict[str, Any] | None = None


StepName = Literal["bytes", "inclusion", "signature", "anchor"]


class StepView(BaseModel):
    step: StepName = Field(
        description="bytes: the record's bytes are canonical JSON and hash to the leaf hash; inclusion: "
        "the inclusion proof leads from that leaf to the checkpoint's root; signature: the checkpoint "
        "is signed by the log's key; anchor: that root, or a later one consistent with it, is on chain"
    )
    status: Literal["passed", "failed", "pending"] = Field(
        description="pending: cannot be decided yet (no checkpoint covers the record, its root is not "
        "anchored yet, or the chain cannot be read)"
    )
    detail: str


class CheckpointView(BaseModel):
    origin: str
    tree_size: int
    root_hash: str = Field(description="hex")
    note: str = Field(description="the signed note (C2SP tlog-checkpoint)")


class AnchorView(BaseModel):
    tree_size: int = Field(description="the anchored checkpoint's size: the bundle's own, or a later one")
    root_hash: str = Field(description="hex")
    block: int
    timestamp: dt.datetime


class LogView(BaseModel):
    origin: str
    verifier_key: str = Field(description="the key every checkpoint is checked with")
    chain_id: int
    anchor_contract: str


class Verification(BaseModel):
    """A record checked step by step; ``failed_step`` names the first step that failed."""

    status: Literal["verified", "failed", "pending"]
    failed_step: StepName | None
    record_id: str | None
    index: int
    kind: str | None = Field(description="the record's kind, when its bytes are a record")
    record: Any = Field(description="the record, when its bytes are JSON")
    body_text: str = Field(description="the record's bytes as text (UTF-8)")
    leaf_hash: str = Field(description="hex: SHA-256(0x00 ‖ bytes), computed here")
    checkpoint: CheckpointView | None
    anchor: AnchorView | None
    steps: list[StepView]
    log: LogView


class RecordVerification(Verification):
    bundle: dict[str, Any] = Field(description="the record's proof bundle, for `suyuan verify --bundle`")


class LedgerRecordRef(BaseModel):
    index: int
    record_id: str
    kind: str


class LedgerInfo(LedgerState):
    """The log's state and the keys and contract it is verified with."""

    log: LogView
