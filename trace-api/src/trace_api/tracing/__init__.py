"""A lot's trace: its lineage backward and forward, shipments and ledger events."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import trace_batch

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
_EXPORTS = {
    "trace_batch": ".service",
}

__all__ = [
    "trace_batch",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
