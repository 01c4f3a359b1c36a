"""The phone scanner's words: Chinese first, English on request, one catalogue for the server's pages
and the app's scripts.

Messages are written in English and passed to ``t`` (in the scripts and the templates); the catalogue
``locale/zh/LC_MESSAGES/scanner.po`` gives the Chinese. The server renders the sign-in page and the
app shell with it, and serves it as JSON (``/scan/i18n/zh.json``) so that the scripts translate the
same way when the app runs offline. The chosen language is the ``suyuan_lang`` cookie of ``/scan``,
which the app's language switch sets too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from regulator_console.i18n import LANG_COOKIE, LANGUAGES, Language, pick_language, read_catalogue

__all__ = ["LANGUAGES", "LANG_COOKIE", "Language", "messages", "pick_language", "translator"]

LOCALE_DIR = Path(__file__).parent / "locale"


@cache
def messages(language: Language) -> dict[str, str]:
    """Every message of ``language`` that has a translation (English has none: it is the source)."""
    if language == "en":
        return {}
    found = read_catalogue(LOCALE_DIR, language)
    return {key: value for key, value in found.items() if isinstance(value, str)}


def translator(language: Language) -> Callable[..., str]:
    """``t(message, **values)`` in ``language``, with ``%(name)s`` values filled in."""
    known = messages(language)

    def t(message: str, **values: Any) -> str:
        text = known.get(message, message)
        return text % values if values else text

    return t
