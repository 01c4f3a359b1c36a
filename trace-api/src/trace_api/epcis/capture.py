"""EPCIS 2.0 capture of events: validate, identify by GS1 Event Hash ID, record in the ledger, index.

An event captured before (same hash id) is a duplicate, never a second record. Everything about
an event that needs no database (schema validation, its Event Hash ID, its ledger record and the
record's canonical bytes) is done by :func:`check_document` and :func:`prepare`, before the
writer lock is taken; :func:`store` and :func:`apply_custody` write, in a write transaction.
Query rows are plain column values, inserted with one ``executemany`` per table per write: building
an ORM object per row cost more than hashing the event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import insert
from sqlmodel import Session, col, select

from evidence import Actor, InvalidRecord, Record, Subject, utc_datetime

from ..facts import EpcisCaptured
from ..orgs.service import Member
from ..services import Services
from .documents import (
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
from .models import EpcisEvent, EpcisEventKey
from .subscriptions import enqueue
from .validation import EpcisValidationError, validate_document

Behaviour = Literal["rollback", "proceed"]
KEY_KINDS = ("epc", "anyEPC", "epcClass", "anyEPCClass")


@dataclass
class Prepared:
    """One event ready to write: its query row and keys (column values of :class:`EpcisEvent` and
    :class:`EpcisEventKey`), its ledger record and the record's bytes."""

    event_id: str
    index: int
    event: dict[str, Any]
    row: dict[str, Any]
    record: Record
    body: bytes
    keys: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Checked:
    """A document after the checks that need no database: its events ready to write, and the rest."""

    prepared: list[Prepared]
    errors: list[dict[str, Any]]
    document_level: bool  # the document itself is invalid: none of its events is kept


def _id_of(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def event_keys(
    event_id: str, event: dict[str, Any], lists: dict[str, list[str]] | None = None
) -> list[dict[str, str]]:
    """The :class:`EpcisEventKey` rows of an event: each identifier it names, as written and as a
    GS1 Digital Link URI, by the query parameter that matches it. ``lists``: the event's
    :func:`epc_lists`, where the caller has them."""
    lists = epc_lists(event) if lists is None else lists
    values: set[tuple[str, str]] = set()
    for kind in KEY_KINDS:
        for value in lists.get(kind, []):
            values.add((kind, value[:300]))
            with contextlib.suppress(IdentifierError):
                values.add((kind, urn_to_digital_link(value)[:300]))
    return [{"event_id": event_id, "kind": k, "value": v} for k, v in sorted(values)]


def prepare(
    event: dict[str, Any],
    index: int,
    context: Any,
    member: Member,
    now: dt.datetime,
    ignored: Set[str] = frozenset(),
) -> Prepared:
    """Everything about one event that needs no database; raises if it cannot be identified or recorded."""
    event_id = event_hash_id(without_fields(event, set(ignored)), context)
    standalone = with_context(event, context)
    row: dict[str, Any] = {
        "event_id": event_id,
        "declared_event_id": declared_event_id(event),
        "event_type": event_type(event),
        "action": event.get("action"),
        "event_time": utc_datetime(event["eventTime"]),
        "record_time": now,
        "biz_step": short_vocabulary(event.get("bizStep")),
        "disposition": short_vocabulary(event.get("disposition")),
        "read_point": _id_of(event.get("readPoint")),
        "biz_location": _id_of(event.get("bizLocation")),
        "org_id": member.org.id,
        "capture_id": None,
        "record_id": event_id,
        "body": json.dumps(standalone, ensure_ascii=False),
    }
    lists = epc_lists(event)
    record = _record(event_id, row["event_type"], standalone, member, lists)
    return Prepared(
        event_id, index, standalone, row, record, record.canonical_bytes(), event_keys(event_id, event, lists)
    )


#: The longest declared eventID kept (an index column): a UUID URN is 45 characters, an
#: Event Hash ID about 90.
MAX_DECLARED_EVENT_ID = 300


def declared_event_id(event: dict[str, Any]) -> str | None:
    """The eventID the capturing application set, if any; raises ValueError if it is too long to keep."""
    declared = event.get("eventID")
    if not isinstance(declared, str):
        return None
    if len(declared) > MAX_DECLARED_EVENT_ID:
        raise ValueError(f"eventID is longer than {MAX_DECLARED_EVENT_ID} characters")
    return declared


def _record(
    event_id: str, kind: str, event: dict[str, Any], member: Member, lists: dict[str, list[str]]
) -> Record:
    subjects = [Subject(type="epc", id=v[:512]) for v in lists.get("anyEPC", [])[:200]]
    subjects += [Subject(type="epc_class", id=v[:512]) for v in lists.get("anyEPCClass", [])[:200]]
    subjects.append(Subject(type="org", id=member.org.uscc))
    return Record(
        kind=EpcisCaptured.kind_for(kind),
        record_id=event_id,
        time=event["eventTime"],
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=subjects,
        payload=EpcisCaptured(event_id=event_id, epcis=event).payload(),
    )


@dataclass
class Validated:
    """A document after its schema check: the errors so far, and what preparing its events needs."""

    events: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    document_level: bool  # the document itself is invalid: none of its events is kept
    context: Any = None
    ignored: Set[str] = frozenset()
    bad: Set[int] = frozenset()


def validate_capture(document: dict[str, Any]) -> Validated:
    """Checks the document against the schema (CPU work only: no database, no lock)."""
    errors: list[dict[str, Any]] = []
    try:
        validate_document(document)
    except EpcisValidationError as exc:
        errors = [dict(e) for e in exc.errors]
    if any(e.get("event") is None for e in errors):
        return Validated([], errors, document_level=True)
    return Validated(
        events_of(document),
        errors,
        document_level=False,
        context=document_context(document),
        ignored=ignored_fields(document),
        bad={e["event"] for e in errors},
    )


def prepare_events(
    validated: Validated, start: int, stop: int, member: Member, now: dt.datetime
) -> list[Prepared]:
    """Prepares the valid events of ``validated`` from index ``start`` to ``stop`` (excluded); adds an
    error to ``validated.errors`` for each that cannot be identified or recorded."""
    prepared: list[Prepared] = []
    for index in range(start, min(stop, len(validated.events))):
        if index in validated.bad:
            continue
        try:
            event = validated.events[index]
            prepared.append(prepare(event, index, validated.context, member, now, validated.ignored))
        except (EventHashError, InvalidRecord, KeyError, ValueError) as exc:
            validated.errors.append(_event_error(index, str(exc)))
    return prepared


def check_document(document: dict[str, Any], member: Member, now: dt.datetime) -> Checked:
    """Validates the document and prepares each valid event (CPU work only: no database, no lock)."""
    validated = validate_capture(document)
    prepared = prepare_events(validated, 0, len(validated.events), member, now)
    return Checked(prepared, validated.errors, validated.document_level)


def _event_error(index: int, reason: str) -> dict[str, Any]:
    return {"event": index, "path": f"/epcisBody/eventList/{index}", "reason": reason}


def existing_ids(session: Session, event_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(event_ids), 500):
        chunk = event_ids[start : start + 500]
        found |= set(session.exec(select(EpcisEvent.event_id).where(col(EpcisEvent.event_id).in_(chunk))))
    return found


def store(
    services: Services, session: Session, prepared: list[Prepared], capture_id: str | None = None
) -> None:
    """Ledger records and query rows of new events, in the session's write transaction."""
    if not prepared:
        return
    records, bodies = [p.record for p in prepared], [p.body for p in prepared]
    connection = session.connection()
    services.ledger.append_many(records, conn=connection, bodies=bodies)
    rows = [{**p.row, "capture_id": capture_id} for p in prepared]
    connection.execute(insert(EpcisEvent), rows)
    keys = [k for p in prepared for k in p.keys]
    if keys:
        connection.execute(insert(EpcisEventKey), keys)
    enqueue(session, [p.event_id for p in prepared])


def apply_custody(
    services: Services,
    session: Session,
    member: Member,
    prepared: list[Prepared],
    behaviour: Behaviour,
    errors: list[dict[str, Any]],
) -> list[Prepared]:
    """Applies each event's custody effect (as a scan would), each in a savepoint; returns the events
    whose effect held. Under ``rollback`` one refusal undoes every effect of the document."""
    from ..errors import DomainError
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
            errors.append(_event_error(p.index, exc.detail))
        except DomainError as exc:
            inner.rollback()
            errors.append(_event_error(p.index, exc.detail))
    if behaviour == "rollback" and errors:
        outer.rollback()
        return []
    outer.commit()
    return kept


def fresh_events(session: Session, prepared: list[Prepared]) -> tuple[list[Prepared], int]:
    """The events neither captured before nor earlier in ``prepared``, and how many were."""
    seen = existing_ids(session, [p.event_id for p in prepared])
    fresh: list[Prepared] = []
    for p in prepared:
        if p.event_id not in seen:
            fresh.append(p)
            seen.add(p.event_id)
    return fresh, len(prepared) - len(fresh)
