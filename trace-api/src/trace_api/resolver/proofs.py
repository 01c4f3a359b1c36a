"""Checking each record a consumer is shown, the way anyone can check it offline.

Each record's proof bundle (record bytes, RFC 9162 inclusion proof, signed checkpoint, chain
anchor) is verified with the log's published verifier key and the chain, exactly as
``suyuan verify --bundle FILE --key KEY`` does, so the server's mark can be reproduced without
trusting the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from evidence import (
    AnchorUnreadable,
    ChainAnchors,
    CheckpointError,
    NotAnchored,
    VerificationError,
    VerifiedRecord,
    parse_checkpoint,
    proof_bundle,
    verify_bundle,
)

from ..services import Services
from .views import CheckpointInfo, CheckStatus, RecordCheck, Verification

VERIFY_COMMAND = "suyuan verify --bundle proof.json --key '{key}'"
MAX_REMEMBERED_ROOTS = 100_000


def check_records(
    services: Services, records: Iterable[tuple[str, str]], proof_url: Callable[[str], str]
) -> Verification:
    """Verifies each (record id, kind) of ``records``; ``proof_url`` names where its bundle is served."""
    key = services.ledger.signer.verifier_key()
    checks = [
        check_record(services, record_id, kind, key, proof_url(record_id)) for record_id, kind in records
    ]
    return Verification(
        status=overall_status([c.status for c in checks]),
        origin=services.ledger.origin,
        verifier_key=key,
        chain_id=services.chain.chain_id,
        anchor_contract=services.chain.contracts["EvidenceAnchor"].address,
        records=checks,
        checkpoints=checkpoints_of(c.bundle for c in checks),
        command=VERIFY_COMMAND.format(key=key),
    )


def check_record(
    services: Services, record_id: str, kind: str, verifier_key: str, proof_url: str
) -> RecordCheck:
    bundle = proof_bundle(services.ledger, record_id)
    anchor = bundle["anchor"] or {}
    status: CheckStatus = "verified"
    step: str | None = None
    steps: list[str] = []
    try:
        verified = _verify(services, bundle, verifier_key)
        steps, detail = verified.steps, f"verified against block {verified.anchored_block}"
    except VerificationError as exc:
        status, step, detail = status_of(exc, bundle), exc.step, exc.detail
    return RecordCheck(
        record_id=record_id,
        index=bundle["index"],
        kind=kind,
        status=status,
        step=step,
        detail=detail,
        tree_size=_tree_size(bundle["checkpoint"]),
        anchor_block=anchor.get("block"),
        anchor_tx=anchor.get("tx"),
        steps=steps,
        proof_url=proof_url,
        bundle=bundle,
    )


def _verify(services: Services, bundle: dict[str, Any], verifier_key: str) -> VerifiedRecord:
    """verify_bundle, asking the chain only about roots not yet seen anchored."""
    note = bundle.get("checkpoint")
    seen = None
    if isinstance(note, str):
        try:
            checkpoint = parse_checkpoint(note)
            seen = services.anchored_roots.get((checkpoint.size, checkpoint.root_hash))
        except CheckpointError:
            seen = None
    if seen is None:
        verified = verify_bundle(bundle, verifier_key, ChainAnchors(services.chain))
        if verified.anchored_block is not None and len(services.anchored_roots) < MAX_REMEMBERED_ROOTS:
            services.anchored_roots[(verified.tree_size, verified.root_hash)] = verified.anchored_block
        return verified
    verified = verify_bundle(bundle, verifier_key)  # bytes, signature, inclusion: all local
    verified.anchored_block = seen
    verified.steps.append(f"root anchored on chain {services.chain.chain_id} in block {seen}")
    return verified


def status_of(exc: VerificationError, bundle: dict[str, Any]) -> CheckStatus:
    """Pending while no checkpoint covers the record or its checkpoint is not anchored yet."""
    if exc.step == "checkpoint":
        return "pending"
    cause = exc.__cause__
    if exc.step != "anchor" or not isinstance(cause, (AnchorUnreadable, NotAnchored)):
        return "failed"
    # A bundle that claims an anchor the chain does not hold has failed; one that claims none waits.
    unreachable = isinstance(cause, AnchorUnreadable)
    return "pending" if unreachable or bundle.get("anchor") is None else "failed"


def overall_status(statuses: list[CheckStatus]) -> CheckStatus:
    if "failed" in statuses:
        return "failed"
    if "pending" in statuses or not statuses:
        return "pending"
    return "verified"


def checkpoints_of(bundles: Iterable[dict[str, Any]]) -> list[CheckpointInfo]:
    """The distinct signed checkpoints the bundles rely on, smallest first."""
    found: dict[int, CheckpointInfo] = {}
    for bundle in bundles:
        size = _tree_size(bundle["checkpoint"])
        if size is None or size in found:
            continue
        anchor = bundle["anchor"] or {}
        found[size] = CheckpointInfo(
            tree_size=size,
            note=bundle["checkpoint"],
            anchor_block=anchor.get("block"),
            anchor_tx=anchor.get("tx"),
        )
    return [found[size] for size in sorted(found)]


def _tree_size(note: str | None) -> int | None:
    if note is None:
        return None
    try:
        return parse_checkpoint(note).size
    except CheckpointError:
        return None
