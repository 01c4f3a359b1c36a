"""Messages ingest could not take (dead letters), newest first, with counts by reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from .._paging import decode_cursor, encode_cursor, unknown_cursor
from ..errors import Forbidden
from ..orgs.models import OrgType
from ..orgs.service import Member
from .models import DeadLetter


def list_dead_letters(
    session: Session,
    member: Member,
    *,
    reason: str | None,
    org: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Dead letters of the caller's devices' topics, or every one for a regulator (``org``: one
    organisation's); ``counts`` are by reason over the same scope, whatever ``reason`` picks."""
    scope = _scope(member, org)
    query = select(DeadLetter).where(*scope)
    if reason is not None:
        query = query.where(col(DeadLetter.reason) == reason)
    if cursor is not None:
        query = query.where(col(DeadLetter.id) < _cursor_id(cursor))
    rows = session.exec(query.order_by(col(DeadLetter.id).desc()).limit(limit + 1)).all()
    page = list(rows[:limit])
    next_cursor = encode_cursor(str(page[-1].id)) if len(rows) > limit else None
    counts = (
        select(DeadLetter.reason, func.sum(DeadLetter.repeats)).where(*scope).group_by(col(DeadLetter.reason))
    )
    return {
        "counts": {name: int(total) for name, total in session.exec(counts).all()},
        "dead_letters": [describe_dead_letter(d) for d in page],
        "next_cursor": next_cursor,
    }


def _scope(member: Member, org: str | None) -> list[ColumnElement[bool]]:
    if member.org.org_type is OrgType.regulator:
        return [] if org is None else [col(DeadLetter.org_handle) == org]
    if org is not None and org != member.org.handle:
        raise Forbidden(f"{member.org.handle} may list its own devices' dead letters only")
    return [col(DeadLetter.org_handle) == member.org.handle]


def _cursor_id(cursor: str) -> int:
    try:
        return int(decode_cursor(cursor))
    except ValueError as exc:
        raise unknown_cursor() from exc


def describe_dead_letter(letter: DeadLetter) -> dict[str, Any]:
    data = letter.model_dump(mode="json", exclude={"payload"})
    data["payload"] = letter.payload.decode("utf-8", errors="replace")[:2000]
    return data
