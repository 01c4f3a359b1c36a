"""The lists' query parameters, shared by the routes (web layer): page size and cursor.

The paging itself (cursors, keyset conditions, pages) is :mod:`trace_api._paging`, below the web
layer, which imports no FastAPI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from ._paging import DEFAULT_LIMIT, MAX_LIMIT

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page, at most {MAX_LIMIT}")]
Cursor = Annotated[
    str | None, Query(max_length=400, description="the previous page's next_cursor; unset: the first page")
]

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "Cursor", "Limit"]
