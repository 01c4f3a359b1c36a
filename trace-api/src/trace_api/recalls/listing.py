"""``GET /v1/recalls``: the recalls that concern a holder; every recall for a regulator."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from .._paging import newest_after, page_of
from ..batches.models import Batch
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .models import Recall, RecallNotice, RecallStatus
from .notify import deliveries_of
from .service import LIFT_FIELDS, describe_lift, describe_lot, describe_notice, recall_progress, recall_status

__all__ = ["RecallStatus", "list_recalls"]


def list_recalls(
    session: Session,
    member: Member,
    status: RecallStatus | None,
    batch_id: str | None,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    regulator = member.org.org_type is OrgType.regulator
    query = select(Recall, Batch).join(Batch, col(Batch.id) == Recall.batch_id)
    if not regulator:
        noticed = select(RecallNotice.recall_id).where(RecallNotice.org_id == member.org.id)
        query = query.where(col(Recall.id).in_(noticed))
    if status is not None:
        lifted_at = col(Recall.lifted_at)
        query = query.where(lifted_at.is_not(None) if status is RecallStatus.lifted else lifted_at.is_(None))
    if batch_id is not None:
        query = query.where(col(Recall.batch_id) == batch_id)
    after = newest_after(session, Recall, cursor, "issued_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Recall.issued_at).desc(), col(Recall.id).desc()).limit(limit + 1)
    rows, next_cursor = page_of(session.exec(query).all(), limit, lambda row: row[0].id)
    notices = _notices(session, [r.id for r, _ in rows], None if regulator else member.org.id)
    named = {r.issued_by for r, _ in rows} | {r.lifted_by for r, _ in rows if r.lifted_by}
    named |= {n.org_id for found in notices.values() for n in found}
    orgs = {o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(named)))}
    handles = {org_id: org.handle for org_id, org in orgs.items()}
    deliveries = deliveries_of(
        session, [n.id for found in notices.values() for n in found if n.id is not None]
    )
    recalls = [
        {
            **recall.model_dump(mode="json", exclude={"scope", "issued_by", *LIFT_FIELDS}),
            **describe_lot(batch),
            "scope": json.loads(recall.scope),
            "issued_by": handles.get(recall.issued_by),
            "status": recall_status(recall).value,
            "lifted": describe_lift(session, recall, handles),
            "notices": [
                describe_notice(n, orgs.get(n.org_id), deliveries.get(n.id or 0, []))
                for n in notices[recall.id]
            ],
            "progress": recall_progress(notices[recall.id]),
        }
        for recall, batch in rows
    ]
    return {"recalls": recalls, "next_cursor": next_cursor}


def _notices(session: Session, recall_ids: list[str], org_id: str | None) -> dict[str, list[RecallNotice]]:
    """The notices of these recalls (only ``org_id``'s when given), by recall."""
    query = select(RecallNotice).where(col(RecallNotice.recall_id).in_(recall_ids))
    if org_id is not None:
        query = query.where(RecallNotice.org_id == org_id)
    found: dict[str, list[RecallNotice]] = defaultdict(list)
    for notice in session.exec(query.order_by(col(RecallNotice.id))):
        found[notice.recall_id].append(notice)
    return found
