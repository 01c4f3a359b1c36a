"""The regulators' overview: the figures of their dashboard, each from an aggregate query."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .service import OVERVIEW_TIMEZONE, day_start, regulator_overview
    from .views import Overview

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
_EXPORTS = {
    "day_start": ".service",
    "Overview": ".views",
    "OVERVIEW_TIMEZONE": ".service",
    "regulator_overview": ".service",
}

__all__ = ["OVERVIEW_TIMEZONE", "Overview", "day_start", "regulator_overview"]

__getattr__ = lazy_exports(__name__, _EXPORTS)
