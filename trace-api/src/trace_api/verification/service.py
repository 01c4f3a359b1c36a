"""Verifying a ledger record, or any proof bundle, step by step, with the evidence ledger's own
checks (:func:`evidence.check_bundle`): the bytes, the inclusion proof, the checkpoint's signature
with the log's key, and the root on chain (or a later on-chain root consistent with it).

A bundle is checked with the log's own verifier key, never the one it names: a bundle of another
log, or one re-signed with another key, fails the signature step.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from evidence import (
    BundleCheck,
    ChainAnchors,
    MalformedBundle,
    UnknownRecord,
    VerificationError,
    check_bundle,
    check_record,
)

from ..errors import NotFound, Unprocessable
from ..overview.service import ledger_state
from ..services import Services
from .views import (
    AnchorView,
    CheckpointView,
    LedgerInfo,
    LedgerRecordRef,
    LogView,
    ProofBundleIn,
    RecordVerification,
    StepView,
    Verification,
)

#: A check's status as the API names it.
STATUS_NAMES = {"passed": "verified", "failed": "failed", "pending": "pending"}


def record_verification(services: Services, record_id: str) -> RecordVerification:
    """The stored record, checked step by step against the bytes the log recorded when it was appended."""
    try:
        bundle, check = check_record(services.ledger, record_id, services.chain)
    except VerificationError as exc:
        if isinstance(exc.__cause__, UnknownRecord):
            raise NotFound(f"no record {record_id!r} in the ledger") from exc
        raise
    return RecordVerification(**_verification(services, check).model_dump(), bundle=bundle)


def bundle_verification(services: Services, bundle: ProofBundleIn) -> Verification:
    """A proof bundle, checked step by step with the log's own key; a malformed one is a 422."""
    try:
        check = check_bundle(
            bundle.model_dump(),
            services.ledger.signer.verifier_key(),
            ChainAnchors(services.chain),
            services.ledger,
        )
    except MalformedBundle as exc:
        raise Unprocessable.field(exc.field, exc.detail.removeprefix(f"{exc.field}: ")) from exc
    return _verification(services, check)


def _verification(services: Services, check: BundleCheck) -> Verification:
    failure = check.first_failure
    checkpoint, anchor, record = check.checkpoint, check.anchor, _json_of(check.body)
    return Verification(
        status=STATUS_NAMES[check.status],
        failed_step=failure.step if failure else None,
        record_id=check.record_id,
        index=check.index,
        kind=_kind_of(record),
        record=record,
        body_text=check.body.decode("utf-8", errors="replace"),
        leaf_hash=check.leaf_hash.hex(),
        checkpoint=None
        if checkpoint is None
        else CheckpointView(
            origin=checkpoint.origin,
            tree_size=checkpoint.size,
            root_hash=checkpoint.root_hash.hex(),
            note=check.note or "",
        ),
        anchor=None
        if anchor is None
        else AnchorView(
            tree_size=anchor.tree_size,
            root_hash=anchor.root_hash.hex(),
            block=anchor.block_number,
            timestamp=dt.datetime.fromtimestamp(anchor.timestamp, dt.UTC),
        ),
        steps=[StepView(step=s.step, status=s.status, detail=s.detail) for s in check.steps],
        log=log_view(services),
    )


def _json_of(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _kind_of(record: Any) -> str | None:
    kind = record.get("kind") if isinstance(record, dict) else None
    return kind if isinstance(kind, str) else None


def log_view(services: Services) -> LogView:
    return LogView(
        origin=services.ledger.origin,
        verifier_key=services.ledger.signer.verifier_key(),
        chain_id=services.chain.chain_id,
        anchor_contract=services.chain.contracts["EvidenceAnchor"].address,
    )


def ledger_info(services: Services) -> LedgerInfo:
    """The log's size, latest checkpoint and anchor (with its age), last audit, and its keys."""
    state = ledger_state(services, dt.datetime.now(dt.UTC))
    return LedgerInfo(**state.model_dump(), log=log_view(services))


def record_at(services: Services, index: int) -> LedgerRecordRef:
    """Which record sits at leaf ``index``."""
    try:
        stored = services.ledger.at(index)
    except UnknownRecord as exc:
        raise NotFound(f"no record at index {index}; the log holds {services.ledger.size()}") from exc
    return LedgerRecordRef(index=stored.index, record_id=stored.record_id, kind=stored.kind)
