"""Free text accepted from callers: no control characters, which no name, URL or note needs.

A NUL cannot be stored by PostgreSQL and would fail the write late; other C0 and C1 controls
(and DEL) hide or rewrite what a reader of a label, a page or a CSV export sees.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def check_line(value: str) -> str:
    """``value`` if it has no control characters at all, else ValueError naming the first."""
    return _refuse(_CONTROL_IN_LINE, value)


def check_text(value: str) -> str:
    """``value`` if its only control characters are tabs and line breaks, else ValueError."""
    return _refuse(_CONTROL_IN_TEXT, value)


def _refuse(pattern: re.Pattern[str], value: str) -> str:
    found = pattern.search(value)
    if found is not None:
        raise ValueError(f"contains the control character U+{ord(found.group()):04X} at {found.start()}")
    return value


Line = Annotated[str, AfterValidator(check_line)]
"""One line of free text: a name, a number, a place, a URL."""

Text = Annotated[str, AfterValidator(check_text)]
"""Free text that may span lines: a reason, a note."""
