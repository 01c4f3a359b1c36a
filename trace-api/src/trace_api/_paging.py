"""Keyset paging for the lists: each page starts after the last row of the one before.

The cursor is opaque to clients (the last row's key, base64url-encoded). There is no OFFSET:
a deep page costs what the first does, and rows added meanwhile neither repeat nor go missing.
The lists' query parameters (``Limit``, ``Cursor``) are the web layer's, in :mod:`trace_api.params`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col

from .errors import Unprocessable

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The key a cursor stands for; a 422 naming ``cursor`` for anything this API did not hand out."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable.field("cursor", "not a cursor this list handed out") from exc


def unknown_cursor() -> Unprocessable:
    return Unprocessable.field("cursor", "not a cursor this list handed out")


def newest_after(
    session: Session,
    model: type[Any],
    cursor: str | None,
    time_field: str,
    key_type: Callable[[str], Any] = str,
) -> ColumnElement[bool] | None:
    """Newest first: the rows after the cursor's row in (``time_field``, id) descending order.

    The cursor holds the last row's id (``key_type`` turns it back into one: ``int`` for integer
    ids); the row itself gives the time to continue from.
    """
    if cursor is None:
        return None
    try:
        key = key_type(decode_cursor(cursor))
    except ValueError as exc:
        raise unknown_cursor() from exc
    anchor = session.get(model, key)
    if anchor is None:
        raise unknown_cursor()
    when, ident = col(getattr(model, time_field)), col(model.id)
    anchor_time = getattr(anchor, time_field)
    return or_(when < anchor_time, and_(when == anchor_time, ident < anchor.id))


def since_bound(moment: dt.datetime | None) -> dt.datetime | None:
    """A list's ``since`` (aware) in UTC, as rows store their times; a 422 naming ``since`` when
    it falls outside the years a datetime holds once in UTC."""
    if moment is None:
        return None
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise Unprocessable.field("since", "is out of range") from exc


def page_of(rows: Sequence[T], limit: int, key: Callable[[T], str]) -> tuple[list[T], str | None]:
    """``rows`` fetched with ``limit + 1``: the page, and the cursor of the next one (None at the end)."""
    page = list(rows[:limit])
    return page, encode_cursor(key(page[-1])) if len(rows) > limit else None
