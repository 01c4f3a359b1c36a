"""``/v1/ledger``, ``/v1/records/{record_id}/verification`` and ``/v1/verifications``.

A stored record's verification shows its bytes: regulators only, as the record may be any
member's business. Checking a bundle is open to anyone, without a key: a bundle reveals nothing
beyond itself (the resolver hands bundles to every consumer, and `suyuan verify --bundle` checks
one offline), and the answer adds only what is public (the log's key, the chain's roots).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from ..auth import Regulator
from ..context import get_services
from ..services import Services
from .service import bundle_verification, ledger_info, record_at, record_verification
from .views import LedgerInfo, LedgerRecordRef, ProofBundleIn, RecordVerification, Verification

router = APIRouter(tags=["evidence"])


@router.get("/v1/ledger")
def ledger(_: Regulator, services: Annotated[Services, Depends(get_services)]) -> LedgerInfo:
    """The evidence log (regulators only): its size, latest signed checkpoint, latest on-chain anchor
    (`age_s`: seconds since), records no anchor covers yet, the last audit, and the key and contract
    it is verified with."""
    return ledger_info(services)


@router.get("/v1/ledger/records/{index}")
def ledger_record(
    index: Annotated[int, Path(ge=0, description="the leaf index")],
    _: Regulator,
    services: Annotated[Services, Depends(get_services)],
) -> LedgerRecordRef:
    """Which record sits at a leaf index (regulators only)."""
    return record_at(services, index)


@router.get("/v1/records/{record_id:path}/verification")
def record_verification_route(
    record_id: str, _: Regulator, services: Annotated[Services, Depends(get_services)]
) -> RecordVerification:
    """A stored record (regulators only) verified step by step: (1) its bytes are canonical JSON and
    hash to the leaf hash the log recorded when it was appended; (2) the inclusion proof leads from
    that leaf to the checkpoint's root; (3) the checkpoint is signed by the log's key; (4) that root,
    or a later one consistent with it, is anchored on chain. Each step passed, failed (the first
    failure is `failed_step`) or pending; `bundle` is the record's proof bundle.

    A record id holding `/` or `?` (an EPCIS event hash id) is sent percent-encoded."""
    return record_verification(services, record_id)


@router.post("/v1/verifications")
def verify_bundle_route(
    bundle: ProofBundleIn, services: Annotated[Services, Depends(get_services)]
) -> Verification:
    """Check a proof bundle step by step, as `suyuan verify --bundle FILE --key KEY` does with the
    log's own key (the bundle's `verifier_key` is not trusted). Open to anyone: a bundle reveals
    nothing beyond itself. 200 whatever the outcome: `status` and each step say it; 422 only for a
    bundle that cannot be read (the field and why)."""
    return bundle_verification(services, bundle)
