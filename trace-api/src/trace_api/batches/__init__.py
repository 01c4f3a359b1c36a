"""Lots at the source (源头准入): admission with certificates, lot details, lists and the split lineage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .lineage import MAX_SPLIT_DEPTH, ancestors, descendants, with_ancestors
    from .listing import LotFilter, LotRole, list_lots
    from .models import REQUIRED_FOR_IMPORTED_COLD_CHAIN, Batch, Certificate, CertificateType, StorageClass
    from .service import BatchIn, CertificateIn, admit_batch, describe_batch, get_batch, require_batch_reader

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "admit_batch": ".service",
    "ancestors": ".lineage",
    "Batch": ".models",
    "BatchIn": ".service",
    "Certificate": ".models",
    "CertificateIn": ".service",
    "CertificateType": ".models",
    "descendants": ".lineage",
    "describe_batch": ".service",
    "get_batch": ".service",
    "list_lots": ".listing",
    "LotFilter": ".listing",
    "LotRole": ".listing",
    "MAX_SPLIT_DEPTH": ".lineage",
    "require_batch_reader": ".service",
    "REQUIRED_FOR_IMPORTED_COLD_CHAIN": ".models",
    "StorageClass": ".models",
    "with_ancestors": ".lineage",
}

__all__ = [
    "MAX_SPLIT_DEPTH",
    "REQUIRED_FOR_IMPORTED_COLD_CHAIN",
    "Batch",
    "BatchIn",
    "Certificate",
    "CertificateIn",
    "CertificateType",
    "LotFilter",
    "LotRole",
    "StorageClass",
    "admit_batch",
    "ancestors",
    "descendants",
    "describe_batch",
    "get_batch",
    "list_lots",
    "require_batch_reader",
    "with_ancestors",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
