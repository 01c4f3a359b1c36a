"""The console's pages. A page is a module with a ``router`` and a ``NAV`` (its place in the
navigation, or ``None``), its templates under ``templates/<page>/`` and its catalogue
``locale/zh/LC_MESSAGES/<page>.po``. Adding one is adding it to :data:`PAGES`."""

from __future__ import annotations

from types import ModuleType

from . import (
    alerts,
    credit,
    dashboard,
    enforcement,
    equipment,
    evidence,
    filings,
    kitchen,
    lots,
    map,
    markets,
    members,
    permits,
    recalls,
    risk,
    scans,
    selfcheck,
    signals,
)

PAGES: tuple[ModuleType, ...] = (
    dashboard,
    lots,
    scans,
    recalls,
    members,
    alerts,
    signals,
    kitchen,
    equipment,
    filings,
    permits,
    selfcheck,
    credit,
    enforcement,
    risk,
    markets,
    map,
    evidence,
)
