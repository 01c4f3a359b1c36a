"""Recalls: on chain, traced forward to every descendant batch and holder, notified, acknowledged."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, parse_rfc3339, utc_now

from ..batches.models import Batch
from ..batches.service import get_batch
from ..chainops import owe_chain, record_chain_status
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import RecallAcknowledged, RecallIssued
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import Text
from .drill import reached_at, recall_drill
from .holdings import holdings_of, recall_scope
from .models import NoticeDelivery, Recall, RecallClass, RecallNotice, RecallStatus
from .notify import deliveries_of, delivery_status, describe_delivery, notified_via, owe_notices


class RecallIn(BaseModel):
    batch_id: str = Field(max_length=64)
    reason: Text = Field(min_length=3, max_length=500)
    recall_class: RecallClass


class AcknowledgementIn(BaseModel):
    quantity_quarantined: float = Field(
        ge=0, allow_inf_nan=False, description="at most what the holder holds under the recall"
    )
    note: Text | None = Field(default=None, max_length=500)
    supersedes: str | None = Field(
        default=None,
        max_length=256,
        description="to correct an acknowledgement: its ack_record_id (the latest one); the new one "
        "replaces it in the recall's progress, and both stay in the ledger",
    )


def _actor(member: Member) -> Actor:
    return Actor(org=member.org.uscc, key_id=member.key_id)


def issue_recall(services: Services, session: Session, member: Member, data: RecallIn) -> Recall:
    batch = get_batch(session, data.batch_id)
    if batch.recalled:
        raise Conflict(f"batch {batch.id} is under recall already")
    scope = recall_scope(session, batch)
    recall_id = uuid.uuid4().hex
    record = Record(
        kind=RecallIssued.KIND,
        record_id=f"recall:{recall_id}",
        time=utc_now(),
        actor=_actor(member),
        subjects=[*(Subject(type="batch", id=b.id) for b in scope), Subject(type="org", id=member.org.uscc)],
        payload=RecallIssued(
            recall_id=recall_id,
            batch_id=batch.id,
            scope=[b.id for b in scope],
            reason=data.reason,
            recall_class=data.recall_class.value,
        ).payload(),
    )
    services.ledger.append(record, conn=session.connection())
    batch.recalled = True
    session.add(batch)
    recall = Recall(
        id=recall_id,
        batch_id=batch.id,
        reason=data.reason,
        recall_class=data.recall_class,
        issued_by=member.org.id,
        issued_at=dt.datetime.now(dt.UTC),
        record_id=record.record_id,
        scope=json.dumps([b.id for b in scope]),
    )
    session.add(recall)
    session.flush()
    owe_chain(session, record.kind, record.record_id, batch.id, [batch.id])
    _notify_holders(services, session, recall, scope)
    session.flush()
    return recall


def _notify_holders(services: Services, session: Session, recall: Recall, scope: list[Batch]) -> None:
    """One notice per holder, and the deliveries it is owed: the worker delivers them after commit."""
    for holding in holdings_of(session, scope):
        notice = RecallNotice(
            recall_id=recall.id,
            org_id=holding.org.id,
            batch_ids=json.dumps(holding.batch_ids),
            quantity=holding.quantity,
            item_codes=holding.item_codes,
            notified_via="",
            notified_at=recall.issued_at,
        )
        session.add(notice)
        session.flush()
        notice.notified_via = notified_via(
            owe_notices(session, notice, holding.org, services.settings.mqtt_url, recall.issued_at)
        )
        session.add(notice)


def get_recall(session: Session, recall_id: str) -> Recall:
    recall = session.get(Recall, recall_id)
    if recall is None:
        raise NotFound(f"no recall {recall_id!r}")
    return recall


def notices_of(session: Session, recall_id: str) -> list[RecallNotice]:
    return list(
        session.exec(
            select(RecallNotice).where(RecallNotice.recall_id == recall_id).order_by(col(RecallNotice.id))
        )
    )


#: The lift's columns, answered together as ``lifted``.
LIFT_FIELDS = frozenset({"lifted_at", "lifted_by", "lift_reason", "lift_record_id"})


def recall_status(recall: Recall) -> RecallStatus:
    return RecallStatus.active if recall.lifted_at is None else RecallStatus.lifted


def describe_lot(batch: Batch | None) -> dict[str, Any]:
    """The recalled lot as a recall's answer names it."""
    if batch is None:
        return {"lot": None, "product_name": None, "unit": None}
    return {"lot": batch.lot, "product_name": batch.product_name, "unit": batch.unit}


def describe_lift(session: Session, recall: Recall, handles: dict[str, str]) -> dict[str, Any] | None:
    """Who lifted the recall, when and why, and where its ``liftRecall`` stands on chain (None: in force)."""
    if recall.lifted_at is None or recall.lift_record_id is None:
        return None
    return {
        "at": recall.lifted_at.isoformat(),
        "by": handles.get(recall.lifted_by or ""),
        "reason": recall.lift_reason,
        "record_id": recall.lift_record_id,
        "chain": record_chain_status(session, recall.lift_record_id),
    }


def describe_recall(session: Session, ledger: Ledger, recall: Recall, member: Member) -> dict[str, Any]:
    notices = notices_of(session, recall.id)
    if member.org.org_type is not OrgType.regulator:
        notices = [n for n in notices if n.org_id == member.org.id]
        if not notices:
            raise Forbidden(f"{member.org.handle} holds nothing under recall {recall.id}")
    orgs = {o.id: o for o in session.exec(select(Organisation))}
    handles = {org_id: org.handle for org_id, org in orgs.items()}
    deliveries = deliveries_of(session, [n.id for n in notices if n.id is not None])
    return {
        **recall.model_dump(mode="json", exclude={"scope", "issued_by", *LIFT_FIELDS}),
        **describe_lot(session.get(Batch, recall.batch_id)),
        "status": recall_status(recall).value,
        "lifted": describe_lift(session, recall, handles),
        "chain": record_chain_status(session, recall.record_id),
        "scope": json.loads(recall.scope),
        "issued_by": handles.get(recall.issued_by),
        "notices": [describe_notice(n, orgs.get(n.org_id), deliveries.get(n.id or 0, [])) for n in notices],
        "progress": recall_progress(notices),
        "delivery": delivery_summary([d for found in deliveries.values() for d in found]),
        "drill": recall_drill(ledger, recall, notices, deliveries, orgs),
    }


def describe_notice(
    notice: RecallNotice, org: Organisation | None, deliveries: list[NoticeDelivery] | None = None
) -> dict[str, Any]:
    """The notice, with each channel's delivery when given: who has been reached, how and when."""
    described = {
        **notice.model_dump(mode="json", exclude={"id", "org_id", "batch_ids"}),
        "org": None if org is None else org.handle,
        "org_name": None if org is None else org.name,
        "batch_ids": json.loads(notice.batch_ids),
    }
    if deliveries is not None:
        first = reached_at(deliveries)
        described["deliveries"] = [describe_delivery(d) for d in deliveries]
        described["reached"] = first is not None
        described["reached_at"] = None if first is None else first.isoformat()
    return described


def delivery_summary(deliveries: list[NoticeDelivery]) -> dict[str, int]:
    """How many of the recall's notices owed are delivered, pending (not tried yet) or failed (retried)."""
    summary = {"delivered": 0, "pending": 0, "failed": 0}
    for delivery in deliveries:
        summary[delivery_status(delivery)] += 1
    return summary


def recall_progress(notices: list[RecallNotice]) -> dict[str, Any]:
    """Each holder's latest acknowledgement counts, never more than it holds: at most 100 %."""
    quantity = sum(n.quantity for n in notices)
    quarantined = sum(min(n.quantity_quarantined or 0, n.quantity) for n in notices)
    return {
        "holders": len(notices),
        "acknowledged": sum(1 for n in notices if n.acknowledged_at is not None),
        "quantity": quantity,
        "quantity_quarantined": quarantined,
        "percent_quarantined": round(100 * quarantined / quantity, 1) if quantity else 0.0,
    }


def acknowledge(
    services: Services, session: Session, member: Member, recall_id: str, data: AcknowledgementIn
) -> RecallNotice:
    """The holder's acknowledgement, or a correction of its latest one (``supersedes``)."""
    recall = get_recall(session, recall_id)
    if recall.lifted_at is not None:
        raise Conflict(f"recall {recall_id} was lifted: there is nothing to acknowledge")
    notice = session.exec(
        select(RecallNotice).where(RecallNotice.recall_id == recall.id, RecallNotice.org_id == member.org.id)
    ).first()
    if notice is None:
        raise Forbidden(f"{member.org.handle} received no notice of recall {recall_id}")
    _require_current(notice, member, data.supersedes)
    _require_held(session, notice, member, data.quantity_quarantined)
    base = f"recall:{recall_id}:ack:{member.org.uscc}"
    record = Record(
        kind=RecallAcknowledged.KIND,
        record_id=base if notice.acknowledgements == 0 else f"{base}:{notice.acknowledgements + 1}",
        time=utc_now(),
        actor=_actor(member),
        subjects=[
            *(Subject(type="batch", id=b) for b in json.loads(notice.batch_ids)),
            Subject(type="org", id=member.org.uscc),
        ],
        payload=RecallAcknowledged(
            recall_id=recall_id,
            batch_ids=json.loads(notice.batch_ids),
            quantity_quarantined=data.quantity_quarantined,
            note=data.note,
            supersedes=data.supersedes,
        ).payload(),
    )
    services.ledger.append(record, conn=session.connection())
    notice.acknowledged_at = parse_rfc3339(record.time)  # the ledger's time, to the millisecond
    notice.quantity_quarantined = data.quantity_quarantined
    notice.ack_record_id = record.record_id
    notice.acknowledgements += 1
    session.add(notice)
    session.flush()
    return notice


def _require_current(notice: RecallNotice, member: Member, supersedes: str | None) -> None:
    """A first acknowledgement names nothing; a correction names the latest one, not an older one."""
    if notice.ack_record_id is None:
        if supersedes is not None:
            raise Unprocessable.field("supersedes", f"{member.org.handle} has no acknowledgement to correct")
        return
    if supersedes is None:
        raise Conflict(
            f"{member.org.handle} acknowledged recall {notice.recall_id} already ({notice.ack_record_id}); "
            "to correct it, send supersedes with that record id",
            ack_record_id=notice.ack_record_id,
        )
    if supersedes != notice.ack_record_id:
        raise Conflict(
            f"{supersedes} is not {member.org.handle}'s latest acknowledgement ({notice.ack_record_id})",
            ack_record_id=notice.ack_record_id,
        )


def _require_held(session: Session, notice: RecallNotice, member: Member, quantity: float) -> None:
    if quantity <= notice.quantity:
        return
    units = {
        b.unit for b in session.exec(select(Batch).where(col(Batch.id).in_(json.loads(notice.batch_ids))))
    }
    unit = f" {units.pop()}" if len(units) == 1 else ""
    raise Unprocessable(
        f"quantity_quarantined: {quantity:g} is more than the {notice.quantity:g}{unit} "
        f"{member.org.handle} holds under this recall",
        errors=[
            {
                "field": "quantity_quarantined",
                "reason": f"more than the {notice.quantity:g}{unit} held under this recall",
            }
        ],
        held=notice.quantity,
    )
