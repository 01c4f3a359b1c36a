"""Item codes (一品一码): GS1 Digital Link codes per item, QR images and label sheets."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .labels import Label, LabelFontMissing, render_label_sheet
    from .models import CodeStatus, ItemCode
    from .service import code_uri, find_code, issue_codes, serials_sha256

#: Each public name and the module that defines it, imported on first use: domain packages use
#: each other's services, and importing them all eagerly here would make those imports circular.
_EXPORTS = {
    "code_uri": ".service",
    "CodeStatus": ".models",
    "find_code": ".service",
    "issue_codes": ".service",
    "ItemCode": ".models",
    "Label": ".labels",
    "LabelFontMissing": ".labels",
    "render_label_sheet": ".labels",
    "serials_sha256": ".service",
}

__all__ = [
    "CodeStatus",
    "ItemCode",
    "Label",
    "LabelFontMissing",
    "code_uri",
    "find_code",
    "issue_codes",
    "render_label_sheet",
    "serials_sha256",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
