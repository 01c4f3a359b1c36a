"""Chinese first, English on request: message catalogues, and dates and numbers as a Chinese
regulator reads them.

Messages are written in English in the templates and the code (``_("…")``); each page's
catalogue ``locale/zh/LC_MESSAGES/<page>.po`` gives the Chinese. Every ``.po`` file under a
language is read at start-up (Babel's reader, no compiled ``.mo`` files), so a new page brings its
own catalogue and touches no other. The language of the request being answered is a context
variable, set by the console for every request from the ``lang`` cookie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"
#: The cookie holding the chosen language.
LANG_COOKIE = "suyuan_lang"
#: Regulators read times in China Standard Time whatever the server's zone.
TIMEZONE = ZoneInfo("Asia/Shanghai")
LOCALE_DIR = Path(__file__).parent / "locale"
_LOCALES = {"zh": Locale.parse("zh_Hans_CN"), "en": Locale.parse("en_GB")}

_current: ContextVar[Language] = ContextVar("console_language", default=DEFAULT_LANGUAGE)


#: Catalogue folders of pages kept outside this package (:func:`add_catalogues`).
_page_locales: list[Path] = []


@cache
def catalogue(language: Language) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of ``language`` (English needs none: it is the source): the
    console's own, and those of the pages' folders added; the console's win a message id both
    translate."""
    messages: dict[str, str | tuple[str, ...]] = {}
    for folder in _page_locales:
        messages.update(read_catalogue(folder, language))
    messages.update(read_catalogue(LOCALE_DIR, language))
    return messages


def add_catalogues(locale_dir: Path) -> None:
    """Reads the catalogues of ``locale_dir`` (laid out as :data:`LOCALE_DIR`) with the console's
    from now on, for every console of this process (as the pages' modules are)."""
    if locale_dir not in _page_locales:
        _page_locales.append(locale_dir)
        catalogue.cache_clear()


def read_catalogue(locale_dir: Path, language: Language) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of the ``.po`` files in ``locale_dir/<language>/LC_MESSAGES``."""
    messages: dict[str, str | tuple[str, ...]] = {}
    folder = locale_dir / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with path.open("rb") as handle:
            for message in read_po(handle, locale=_LOCALES[language]):
                if not message.id or not message.string:
                    continue
                key = str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id)
                if isinstance(message.string, (tuple, list)):
                    if all(message.string):
                        messages[key] = tuple(str(s) for s in message.string)
                else:
                    messages[key] = str(message.string)
    return messages


def language() -> Language:
    return _current.get()


@contextmanager
def speaking(lang: Language) -> Iterator[None]:
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def pick_language(cookie: str | None) -> Language:
    return "en" if cookie == "en" else DEFAULT_LANGUAGE


def gettext(message: str) -> str:
    if _current.get() == "en":
        return message
    found = catalogue("zh").get(message)
    return found if isinstance(found, str) else message


def ngettext(singular: str, plural: str, n: int) -> str:
    if _current.get() == "en":
        return singular if n == 1 else plural
    found = catalogue("zh").get(singular)
    if isinstance(found, tuple):
        return found[0]  # Chinese has one form
    return found if isinstance(found, str) else (singular if n == 1 else plural)


def _(message: str, **values: Any) -> str:
    """A message in the request's language, with ``%(name)s`` values filled in."""
    text = gettext(message)
    return text % values if values else text


def N_(message: str) -> str:  # noqa: N802 (gettext's name for it)
    """Marks ``message`` for the catalogue where it is defined; it is translated where shown."""
    return message


#: Units of measure (UN/ECE Recommendation 20 codes, as admissions carry them) in words a market
#: regulator reads; a code not listed is shown as it is.
UNITS = {
    "KGM": N_("kg"),
    "GRM": N_("g"),
    "TNE": N_("t"),
    "LTR": N_("L"),
    "MLT": N_("mL"),
    "H87": N_("pieces"),
    "C62": N_("pieces"),
    "CT": N_("cartons"),
    "BX": N_("boxes"),
    "CS": N_("cases"),
    "PK": N_("packs"),
    "BG": N_("bags"),
}


def unit(code: str | None) -> str:
    """``KGM`` → ``千克`` (``kg`` in English)."""
    if not code:
        return ""
    found = UNITS.get(code.upper())
    return _(found) if found else code


def local_time(value: str | dt.datetime | None, with_seconds: bool = False) -> str:
    """An instant in Asia/Shanghai: ``2026-12-04 17:05`` (the same shape in both languages: the
    ISO order is what a Chinese form uses and it does not wrap on a phone)."""
    if value is None or value == "":
        return "—"
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    pattern = "yyyy-MM-dd HH:mm:ss" if with_seconds else "yyyy-MM-dd HH:mm"
    return format_datetime(moment, pattern, tzinfo=TIMEZONE, locale=_LOCALES[_current.get()])


def number(value: float | int | None, digits: int = 0) -> str:
    """``12,345`` / ``12,345.6``: grouped, as both locales group."""
    if value is None:
        return "—"
    pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=_LOCALES[_current.get()])


def duration(seconds: float | None) -> str:
    """A short age: ``45 秒`` / ``12 分钟`` / ``3 小时`` / ``2 天`` (or English)."""
    if seconds is None:
        return "—"
    whole = int(max(0.0, seconds))
    if whole >= 86400:
        return _("%(n)s days", n=whole // 86400)
    if whole >= 3600:
        return _("%(n)s hours", n=whole // 3600)
    if whole >= 60:
        return _("%(n)s minutes", n=whole // 60)
    return _("%(n)s seconds", n=whole)
