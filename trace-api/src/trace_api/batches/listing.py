"""``GET /v1/batches``: the lots a member holds, has coming or admitted; any lot for a regulator.

Besides its standing, a lot is found by GTIN and lot number, by the time it was admitted (or split
off), or by a GS1 Digital Link of it or of one of its items: an item's code finds the lot the item
is in now (a split hands items on to the child lot, their printed code unchanged).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from .._paging import newest_after, page_of, since_bound
from ..codes.service import find_code
from ..errors import Forbidden, Unprocessable
from ..gs1 import GS1Error, normalise_gtin, parse_digital_link
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..scans.models import Shipment
from .lineage import ancestors
from .models import Batch


class LotRole(StrEnum):
    """How an organisation stands to a lot."""

    holder = "holder"  # in its custody, not in transit
    incoming = "incoming"  # shipped to it, not received yet
    admitted = "admitted"  # it admitted the lot at the source


@dataclass(frozen=True)
class LotFilter:
    role: LotRole | None = None
    gtin: str | None = None
    lot: str | None = None
    org: str | None = None
    recalled: bool | None = None
    since: dt.datetime | None = None  # aware: admitted (or split off) at or after
    split: bool | None = None  # True: lots split from another; False: lots admitted at the source
    code: str | None = None  # a GS1 Digital Link of the lot (/01/…/10/…) or of one of its items


def _in_transit(to_org: str | None = None) -> ColumnElement[bool]:
    moving = select(Shipment.id).where(
        col(Shipment.batch_id) == col(Batch.id), col(Shipment.received_at).is_(None)
    )
    if to_org is not None:
        moving = moving.where(Shipment.to_org_id == to_org)
    return moving.exists()


def _standing(party: str | None, role: LotRole | None) -> ColumnElement[bool] | None:
    """Lots in ``role`` to ``party`` (every organisation's when None); None: no condition."""
    held = col(Batch.holder_org_id) == party if party is not None else None
    if role is LotRole.holder:
        return and_(held, ~_in_transit()) if held is not None else ~_in_transit()
    if role is LotRole.incoming:
        return _in_transit(party)
    if role is LotRole.admitted:
        return col(Batch.importer_org_id) == party if party is not None else None
    # shipped lots name the receiver as holder already: held or incoming is holder_org_id
    return or_(held, col(Batch.importer_org_id) == party) if held is not None else None


def _party(session: Session, member: Member, org: str | None) -> str | None:
    """Whose lots: the caller's own unless a regulator, who sees every lot (or ``org``'s)."""
    if member.org.org_type is not OrgType.regulator:
        if org is not None and org != member.org.handle:
            raise Forbidden(f"{member.org.handle} may list its own lots only")
        return member.org.id
    if org is None:
        return None
    found = session.exec(select(Organisation.id).where(Organisation.handle == org)).first()
    if found is None:
        raise Unprocessable.field("org", f"no organisation {org!r}")
    return found


def _conditions(session: Session, member: Member, wanted: LotFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    standing = _standing(_party(session, member, wanted.org), wanted.role)
    if standing is not None:
        conditions.append(standing)
    if wanted.gtin is not None:
        try:
            conditions.append(col(Batch.gtin) == normalise_gtin(wanted.gtin))
        except GS1Error as exc:
            raise Unprocessable.field("gtin", str(exc)) from exc
    if wanted.lot is not None:
        conditions.append(col(Batch.lot) == wanted.lot)
    if wanted.recalled is not None:
        conditions.append(col(Batch.recalled) == wanted.recalled)
    since = since_bound(wanted.since)
    if since is not None:
        conditions.append(col(Batch.created_at) >= since)
    if wanted.split is not None:
        parent = col(Batch.parent_id)
        conditions.append(parent.is_not(None) if wanted.split else parent.is_(None))
    if wanted.code is not None:
        conditions.append(_coded(session, wanted.code))
    return conditions


def _coded(session: Session, code: str) -> ColumnElement[bool]:
    """The lots a Digital Link names: an item's current lot, a lot, or every lot of a GTIN."""
    try:
        link = parse_digital_link(code)
    except GS1Error as exc:
        raise Unprocessable.field("code", f"not a GS1 Digital Link: {exc}") from exc
    if link.lot is not None and link.serial is not None:
        item = find_code(session, link.gtin, link.lot, link.serial)
        # A code never issued names no lot (the resolver calls it "not a genuine code").
        return col(Batch.id) == item.batch_id if item is not None else false()
    if link.serial is not None:
        raise Unprocessable.field("code", "names a serial without its lot (AI 10): Suyuan codes carry both")
    same_gtin = col(Batch.gtin) == link.gtin
    return and_(same_gtin, col(Batch.lot) == link.lot) if link.lot is not None else same_gtin


def under_recall(session: Session, batch: Batch) -> bool:
    """Whether the lot is recalled, itself or through a lot it was split from (a recall covers
    every lot split from the recalled one)."""
    return batch.recalled or (
        batch.parent_id is not None and any(b.recalled for b in ancestors(session, batch))
    )


def list_lots(
    session: Session, member: Member, wanted: LotFilter, limit: int, cursor: str | None
) -> dict[str, Any]:
    conditions = _conditions(session, member, wanted)
    after = newest_after(session, Batch, cursor, "created_at")
    if after is not None:
        conditions.append(after)
    query = (
        select(Batch, _in_transit().label("in_transit"))
        .where(*conditions)
        .order_by(col(Batch.created_at).desc(), col(Batch.id).desc())
        .limit(limit + 1)
    )
    rows, next_cursor = page_of(session.exec(query).all(), limit, lambda row: row[0].id)
    ids = {b.holder_org_id for b, _ in rows} | {b.importer_org_id for b, _ in rows}
    named = select(Organisation.id, Organisation.handle).where(col(Organisation.id).in_(ids))
    handles = dict(session.exec(named).all())
    lots = [
        {
            **batch.model_dump(mode="json"),
            "holder": handles.get(batch.holder_org_id),
            "importer": handles.get(batch.importer_org_id),
            "in_transit": bool(moving),
            "under_recall": under_recall(session, batch),
        }
        for batch, moving in rows
    ]
    return {"batches": lots, "next_cursor": next_cursor}
