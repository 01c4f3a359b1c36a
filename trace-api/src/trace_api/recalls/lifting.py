"""Lifting a recall: a ``recall.lifted`` ledger record, the lot's recall flag cleared, and the
BatchRegistry's ``liftRecall`` owed to the chain (sent after commit, like every chain call).

Once lifted, the lot and the lots split from it may be scanned, shipped and given codes again,
and consumers' pages no longer show them recalled, unless another recall in force covers them (a
recall of an ancestor, or a child's own). A lifted recall stays lifted: lifting it again is a
conflict, and the lot can be recalled again only by a new recall.
"""

from __future__ import annotations

import datetime as dt
import json

from pydantic import BaseModel, Field
from sqlmodel import Session

from evidence import Actor, Record, Subject, utc_now

from ..batches.service import get_batch
from ..chainops import owe_chain
from ..errors import Conflict
from ..facts import RecallLifted
from ..orgs.service import Member
from ..services import Services
from ..text import Text
from .models import Recall
from .service import get_recall


class LiftIn(BaseModel):
    reason: Text = Field(min_length=3, max_length=500, description="why the recall is lifted")


def lift_recall(services: Services, session: Session, member: Member, recall_id: str, data: LiftIn) -> Recall:
    """Lifts the recall (the caller is a regulator: the route checks it)."""
    recall = get_recall(session, recall_id)
    if recall.lifted_at is not None:
        raise Conflict(
            f"recall {recall.id} was lifted already ({recall.lift_record_id})",
            lift_record_id=recall.lift_record_id,
        )
    batch = get_batch(session, recall.batch_id)
    scope: list[str] = json.loads(recall.scope)
    record = Record(
        kind=RecallLifted.KIND,
        record_id=f"recall:{recall.id}:lifted",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[*(Subject(type="batch", id=b) for b in scope), Subject(type="org", id=member.org.uscc)],
        payload=RecallLifted(
            recall_id=recall.id, batch_id=batch.id, scope=scope, reason=data.reason
        ).payload(),
    )
    services.ledger.append(record, conn=session.connection())
    batch.recalled = False
    recall.lifted_at = dt.datetime.now(dt.UTC)
    recall.lifted_by = member.org.id
    recall.lift_reason = data.reason
    recall.lift_record_id = record.record_id
    session.add_all([batch, recall])
    session.flush()
    owe_chain(session, record.kind, record.record_id, batch.id, [batch.id])
    session.flush()
    return recall
