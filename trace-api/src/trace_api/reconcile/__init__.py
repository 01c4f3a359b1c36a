"""Chain reconciliation: on-chain custody compared with the database, repaired from the ledger."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .service import Difference, Repair, Report, reconcile, reconcile_loop, recorded_differences

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
_EXPORTS = {
    "Difference": ".service",
    "reconcile": ".service",
    "reconcile_loop": ".service",
    "recorded_differences": ".service",
    "Repair": ".service",
    "Report": ".service",
}

__all__ = [
    "Difference",
    "Repair",
    "Report",
    "reconcile",
    "reconcile_loop",
    "recorded_differences",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
