"""Scans in and out (进出扫码): ship, receive, split, sell, destroy, and counterfeit signals."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import CounterfeitSignal, Shipment
    from .service import ChildLot, CounterfeitSuspected, ScanIn, apply_scan, readable_signals

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
_EXPORTS = {
    "apply_scan": ".service",
    "ChildLot": ".service",
    "CounterfeitSignal": ".models",
    "CounterfeitSuspected": ".service",
    "readable_signals": ".service",
    "ScanIn": ".service",
    "Shipment": ".models",
}

__all__ = [
    "ChildLot",
    "CounterfeitSignal",
    "CounterfeitSuspected",
    "ScanIn",
    "Shipment",
    "apply_scan",
    "readable_signals",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
