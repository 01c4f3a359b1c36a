"""Scans in and out (进出扫码): ship, receive, split, sell, destroy, and counterfeit signals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .models import CounterfeitSignal, Shipment
    from .service import ChildLot, CounterfeitSuspected, ScanIn, apply_scan
    from .signals import describe_signals, readable_signals

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "apply_scan": ".service",
    "ChildLot": ".service",
    "CounterfeitSignal": ".models",
    "CounterfeitSuspected": ".service",
    "describe_signals": ".signals",
    "readable_signals": ".signals",
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
    "describe_signals",
    "readable_signals",
]

__getattr__ = lazy_exports(__name__, _EXPORTS)
