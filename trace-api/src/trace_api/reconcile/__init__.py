"""Chain reconciliation: on-chain custody compared with the database, repaired from the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .service import Difference, Repair, Report, reconcile, reconcile_loop, recorded_differences

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
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

__getattr__ = lazy_exports(__name__, _EXPORTS)
