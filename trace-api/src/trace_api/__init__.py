"""The Suyuan trace API: the HTTP service of the traceability network, over the evidence ledger
(``evidence``) and the chain (``chain``).

Each domain is a package with its own public surface (``__all__``): organisations, documents, lots
(``batches``), item codes, scans, recalls, EPCIS, exports, cold chain, kitchens, devices, webhooks,
the chain outbox (``chainops``), the reconciler, the resolver; the record kinds they write are the
catalogue in :mod:`trace_api.facts`. The web layer (:func:`create_app`, ``auth``, ``context``, each
domain's ``routes``) sits on top (see docs/architecture.md).

This package names the service's entry points, each imported on first use, so that importing a
domain package (say ``trace_api.facts``) does not load the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._exports import lazy_exports

if TYPE_CHECKING:
    from .app import create_app
    from .services import Services, build_services
    from .settings import ServiceSettings

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "create_app": ".app",
    "build_services": ".services",
    "Services": ".services",
    "ServiceSettings": ".settings",
}

__all__ = ["ServiceSettings", "Services", "build_services", "create_app"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
