"""The regulators' web console, served by the trace API's application at ``/console``.

Server-rendered pages (Jinja2, htmx for partial updates), Chinese first with an English switch;
every page calls the trace API in process with the signed-in regulator's key, so the console
holds no rule of its own. :func:`mount_console` adds it to an application; ``suyuan up`` does.
"""

from __future__ import annotations

from .settings import ConsoleSettings
from .web import MOUNT, DashboardCard, NavItem, create_console, mount_console

__all__ = ["MOUNT", "ConsoleSettings", "DashboardCard", "NavItem", "create_console", "mount_console"]
