"""EPCIS 2.0 capture: validate, identify by GS1 Event Hash ID, record in the ledger, index for queries.

``GS1-Capture-Error-Behaviour``: ``rollback`` (default) keeps nothing of a document with any
invalid event; ``proceed`` keeps the valid events and reports the others. An event captured
before (same hash id) is a duplicate, never a second record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlmodel import Session, col, select

from ..context import Services
from ..ledger import Actor, Record, Subject, utc_datetime
from ..orgs.service import Member
from ..problems import Unprocessable
from .documents import (
    EpcisError,
    IdentifierError,
    document_context,
    epc_lists,
    event_type,
    events_of,
    short_vocabulary,
    urn_to_digital_link,
    with_context,
)
from .hashing import EventHashError, event_hash_id, ignored_fields, without_fields
from .models import CaptureJob, EpcisEvent, EpcisEventKey
from .subscriptions import enqueue
from .validation import EpcisValidationError, validate_document

Behaviour = Literal["rollback", "proceed"]
KEY_KINDS = ("epc", "anyEPC", "epcClass", "anyEPCClass")


@dataclass
class Prepared:
    event_id: str
    index: int
    event: dict[str, Any]
    row: EpcisEvent
    keys: list[EpcisEventKey] = field(default_factory=list)


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def _keys(event_id: str, event: dict[str, Any]) -> list[EpcisEventKey]:
    lists = epc_lists(event)
    values: set[tuple[str, str]] = set()
    for kind in KEY_KINDS:
        for value in lists.get(kind, []):
            values.add((kind, value[:300]))
            with contextlib.suppress(IdentifierError):
                values.add((kind, urn_to_digital_link(value)[:300]))
    return [EpcisEventKey(event_id=event_id, kind=k, value=v) for k, v in sorted(values)]


def prepare(
    event: dict[str, Any],
    index: int,
    context: Any,
    member: Member,
    now: dt.datetime,
    ignored: Set[str] = frozenset(),
) -> Prepared:
    event_id = event_hash_id(without_fields(event, set(ignored)), context)
    standalone = with_context(event, context)
    row = EpcisEvent(
        event_id=event_id,
        event_type=event_type(event),
        action=event.get("action"),
        event_time=utc_datetime(event["eventTime"]),
        record_time=now,
        biz_step=short_vocabulary(event.get("bizStep")),
        disposition=short_vocabulary(event.get("disposition")),
        read_point=_id_of(event.get("readPoint")),
        biz_location=_id_of(event.get("bizLocation")),
        org_id=member.org.id,
        record_id=event_id,
        body=json.dumps(standalone, ensure_ascii=False),
    )
    return Prepared(event_id, index, standalone, row, _keys(event_id, event))


def _record(prepared: Prepared, member: Member) -> Record:
    lists = epc_lists(prepared.event)
    subjects = [Subject(type="epc", id=v[:512]) for v in lists.get("anyEPC", [])[:200]]
    subjects += [Subject(type="epc_class", id=v[:512]) for v in lists.get("anyEPCClass", [])[:200]]
    subjects.append(Subject(type="org", id=member.org.uscc))
    return Record(
        kind=f"epcis.{prepared.row.event_type}",
        record_id=prepared.event_id,
        time=prepared.event["eventTime"],
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=subjects,
        payload={"event_id": prepared.event_id, "epcis": prepared.event},
    )


def existing_ids(session: Session, event_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        found |= set(session.exec(select(EpcisEvent.event_id).where(col(EpcisEvent.event_id).in_(chunk))))
    return found


def store(services: Services, session: Session, member: Member, prepared: list[Prepared]) -> None:
    """Ledger records and query rows of new events, in the session's write transaction."""
    if not prepared:
        return
    services.ledger.append_many([_record(p, member) for p in prepared], conn=session.connection())
    session.add_all([p.row for p in prepared])
    session.flush()
    session.add_all([k for p in prepared for k in p.keys])
    session.flush()
    enqueue(session, [p.event_id for p in prepared])


def capture_document(
    services: Services, session: Session, member: Member, document: dict[str, Any], behaviour: Behaviour
) -> CaptureJob:
    started = dt.datetime.now(dt.UTC)
    errors: list[dict[str, Any]] = []
    try:
        validate_document(document)
    except EpcisValidationError as exc:
        errors = [dict(e) for e in exc.errors]
    try:
        events = events_of(document)
    except EpcisError as exc:
        raise Unprocessable.field("epcisBody.eventList", str(exc)) from exc
    context = document_context(document) if isinstance(document, dict) else []
    document_level = [e for e in errors if e.get("event") is None]
    bad = {e["event"] for e in errors if e.get("event") is not None}
    prepared: list[Prepared] = []
    ignored = ignored_fields(document) if isinstance(document, dict) else set()
    if not document_level:
        for index, event in enumerate(events):
            if index in bad:
                continue
            try:
                prepared.append(prepare(event, index, context, member, started, ignored))
            except (EventHashError, KeyError, ValueError) as exc:
                errors.append({"event": index, "path": f"/epcisBody/eventList/{index}", "reason": str(exc)})
                bad.add(index)
    keep = not document_level and (behaviour == "proceed" or not errors)
    fresh, duplicates = _fresh(session, prepared) if keep else ([], 0)
    fresh = _apply_custody(services, session, member, fresh, behaviour, errors)
    keep = keep and (behaviour == "proceed" or not errors)
    store(services, session, member, fresh if keep else [])
    if not keep:
        fresh = []
    status = "succeeded" if not errors else ("partial" if keep and fresh else "failed")
    job = CaptureJob(
        id=uuid.uuid4().hex,
        org_id=member.org.id,
        behaviour=behaviour,
        status=status,
        events=len(events),
        captured=len(fresh),
        duplicates=duplicates,
        errors=json.dumps(sorted(errors, key=lambda e: (e.get("event") is not None, e.get("event") or 0))),
        created_at=started,
        finished_at=dt.datetime.now(dt.UTC),
    )
    for p in fresh:
        p.row.capture_id = job.id
    session.add(job)
    session.flush()
    return job


def _apply_custody(
    services: Services,
    session: Session,
    member: Member,
    prepared: list[Prepared],
    behaviour: Behaviour,
    errors: list[dict[str, Any]],
) -> list[Prepared]:
    """Applies each event's custody effect (as a scan would), each in a savepoint; returns the events
    whose effect held. Under ``rollback`` one refusal undoes every effect of the document."""
    from ..problems import ApiProblem
    from ..scans.service import CounterfeitSuspected, apply_scan
    from .custody import custody_scan

    outer = session.begin_nested()
    kept: list[Prepared] = []
    for p in prepared:
        scan = custody_scan(session, p.event, p.event_id)
        if scan is None:
            kept.append(p)
            continue
        inner = session.begin_nested()
        try:
            apply_scan(services, session, member, scan)
            inner.commit()
            kept.append(p)
        except CounterfeitSuspected as exc:
            inner.commit()  # the signal is evidence; the event is refused
            errors.append({"event": p.index, "path": f"/epcisBody/eventList/{p.index}", "reason": exc.detail})
        except ApiProblem as exc:
            inner.rollback()
            errors.append({"event": p.index, "path": f"/epcisBody/eventList/{p.index}", "reason": exc.detail})
    if behaviour == "rollback" and errors:
        outer.rollback()
        return []
    outer.commit()
    return kept


def _fresh(session: Session, prepared: list[Prepared]) -> tuple[list[Prepared], int]:
    seen = existing_ids(session, [p.event_id for p in prepared])
    fresh: list[Prepared] = []
    for p in prepared:
        if p.event_id not in seen:
            fresh.append(p)
            seen.add(p.event_id)
    return fresh, len(prepared) - len(fresh)
