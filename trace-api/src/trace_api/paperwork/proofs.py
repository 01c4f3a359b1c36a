"""A certificate's ledger record checked for whoever scans its QR code: the record's bytes, its
inclusion proof (RFC 9162), the signed checkpoint covering it and that checkpoint's anchor on
chain (:func:`trace_api.verification.service.record_verification`), as a verification page shows
them."""

from __future__ import annotations

from typing import Any, Literal

from ..services import Services
from ..verification.service import record_verification

#: ``verified``: every step passed; ``pending``: in the ledger, not yet under an anchored
#: checkpoint; ``failed``: the record does not check.
ProofStatus = Literal["verified", "pending", "failed"]


def record_proof(services: Services, record_id: str) -> dict[str, Any]:
    """The record's check, step by step, with its inclusion proof and the anchored root."""
    checked = record_verification(services, record_id)
    return {
        "status": checked.status,
        "failed_step": checked.failed_step,
        "record_id": checked.record_id,
        "index": checked.index,
        "leaf_hash": checked.leaf_hash,
        "steps": [step.model_dump() for step in checked.steps],
        "tree_size": checked.checkpoint.tree_size if checked.checkpoint else None,
        "root_hash": checked.checkpoint.root_hash if checked.checkpoint else None,
        "anchor_block": checked.anchor.block if checked.anchor else None,
        "inclusion_proof": checked.bundle.get("inclusion_proof") or [],
    }
