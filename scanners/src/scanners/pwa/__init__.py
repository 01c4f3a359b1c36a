"""The phone scanner: a progressive web app at ``/scan``, served by the trace API's application.

Members (importers, wholesalers, retailers, restaurants, markets) sign in with their organisation's
API key, choose an action once (receive, ship to a partner, split, sell, destroy) and scan many
codes with the phone's camera; every scan waits in the phone's IndexedDB and is sent, exactly
once, through ``POST /v1/scans:batch`` when the network is there. :func:`mount_scanner` adds it to
an application; ``suyuan up`` does.
"""

from __future__ import annotations

from .state import MOUNT
from .web import create_scanner, mount_scanner

__all__ = ["MOUNT", "create_scanner", "mount_scanner"]
