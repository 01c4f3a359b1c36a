"""Public names of a package loaded on first use (PEP 562): trace-api's domain packages use each
other's services, so importing every public name eagerly in each ``__init__`` would be circular."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The package's ``__getattr__``: each name in ``exports`` from the module named beside it."""

    def attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(module, package), name)

    return attribute
