"""Reading counterfeit signals: every one for a regulator, newest first and a page at a time; for
the importer or holder of goods, those about a lot or a code of theirs.

None of them is public: the consumer's page shows only what the network's own state confirms
(see ``resolver``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from .._paging import newest_after, page_of, since_bound
from ..batches.service import get_batch
from ..codes.models import ItemCode
from ..errors import Forbidden, Unprocessable
from ..gs1 import GS1Error, parse_item_code
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .models import CounterfeitSignal


def readable_signals(
    session: Session,
    member: Member,
    *,
    code: str | None = None,
    batch_id: str | None = None,
    reason: str | None = None,
    since: dt.datetime | None = None,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[CounterfeitSignal], str | None]:
    """Every signal for a regulator; for another organisation, those about a batch (or a code of a
    batch) it admitted or holds: the issuer and the owner hear what others claim about their goods.
    A page of them (recorded at or after ``since``, aware), newest first, and the next page's
    cursor."""
    if member.org.org_type is not OrgType.regulator:
        if code is None and batch_id is None:
            raise Forbidden("only regulators list every signal: give the code or batch_id of your goods")
        if batch_id is not None:
            _require_own_batch(session, member, batch_id)
        if code is not None:
            _require_own_batch(session, member, _code_batch(session, code))
    query = select(CounterfeitSignal)
    if code is not None:
        query = query.where(CounterfeitSignal.code == code)
    if batch_id is not None:
        query = query.where(CounterfeitSignal.batch_id == batch_id)
    if reason is not None:
        query = query.where(CounterfeitSignal.reason == reason)
    bound = since_bound(since)
    if bound is not None:
        query = query.where(col(CounterfeitSignal.created_at) >= bound)
    after = newest_after(session, CounterfeitSignal, cursor, "created_at", key_type=int)
    if after is not None:
        query = query.where(after)
    order = (col(CounterfeitSignal.created_at).desc(), col(CounterfeitSignal.id).desc())
    rows = session.exec(query.order_by(*order).limit(limit + 1)).all()
    return page_of(rows, limit, lambda signal: str(signal.id))


def describe_signals(session: Session, signals: list[CounterfeitSignal]) -> list[dict[str, Any]]:
    """The signals as the API answers them, each with the handle of the organisation that scanned."""
    ids = {s.org_id for s in signals}
    handles = dict(
        session.exec(select(Organisation.id, Organisation.handle).where(col(Organisation.id).in_(ids))).all()
    )
    return [{**s.model_dump(mode="json"), "organisation": handles.get(s.org_id)} for s in signals]


def _code_batch(session: Session, code: str) -> str:
    try:
        parsed = parse_item_code(code)
    except GS1Error as exc:
        raise Unprocessable.field("code", str(exc)) from exc
    row = session.exec(
        select(ItemCode).where(
            ItemCode.gtin == parsed.gtin, ItemCode.lot == parsed.lot, ItemCode.serial == parsed.serial
        )
    ).first()
    if row is None:
        raise Forbidden(f"code {code} was never issued: only regulators see its signals")
    return row.batch_id


def _require_own_batch(session: Session, member: Member, batch_id: str) -> None:
    batch = get_batch(session, batch_id)
    if member.org.id not in (batch.importer_org_id, batch.holder_org_id):
        raise Forbidden(f"{member.org.handle} neither admitted nor holds batch {batch_id}")
