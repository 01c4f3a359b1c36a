"""Audits of the whole evidence log, started by regulators and run in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .service import audit_report, find_audit, last_audit, list_audits, start_audit
    from .views import AuditView, LastAudit

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "audit_report": ".service",
    "AuditView": ".views",
    "find_audit": ".service",
    "last_audit": ".service",
    "LastAudit": ".views",
    "list_audits": ".service",
    "start_audit": ".service",
}

__all__ = ["AuditView", "LastAudit", "audit_report", "find_audit", "last_audit", "list_audits", "start_audit"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
