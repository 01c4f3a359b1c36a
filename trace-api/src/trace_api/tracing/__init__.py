"""A lot's trace: its lineage backward and forward, shipments and ledger events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .service import trace_batch

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "trace_batch": ".service",
}

__all__ = [
    "trace_batch",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
