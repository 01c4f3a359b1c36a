"""Item codes (一品一码): GS1 Digital Link codes per item, QR images and label sheets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._exports import lazy_exports

if TYPE_CHECKING:
    from .labels import Label, LabelFontMissing, render_label_sheet
    from .models import CodeStatus, ItemCode
    from .service import code_uri, find_code, issue_codes, serials_sha256

#: Each public name and the module that defines it, imported on first use (see ``_exports``).
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

__getattr__ = lazy_exports(__name__, _EXPORTS)
