"""Verifying ledger records and proof bundles step by step, and the ledger's state, over the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .service import bundle_verification, ledger_info, record_at, record_verification
    from .views import LedgerInfo, ProofBundleIn, Verification

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "bundle_verification": ".service",
    "ledger_info": ".service",
    "LedgerInfo": ".views",
    "ProofBundleIn": ".views",
    "record_at": ".service",
    "record_verification": ".service",
    "Verification": ".views",
}

__all__ = [
    "LedgerInfo",
    "ProofBundleIn",
    "Verification",
    "bundle_verification",
    "ledger_info",
    "record_at",
    "record_verification",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
