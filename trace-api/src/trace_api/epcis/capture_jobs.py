"""EPCIS 2.0 capture of documents, as capture jobs.

``GS1-Capture-Error-Behaviour``: ``rollback`` (default) keeps nothing of a document with any
invalid event; ``proceed`` keeps the valid events and reports the others.

A capture is long work for a worker thread, never the event loop, in two phases: first
everything that needs no database (:func:`~.capture.check_document`), without the writer lock;
then the writes. ``rollback`` writes in one transaction; ``proceed`` writes :data:`CHUNK_EVENTS`
events per transaction, so that other writers get the lock in between, and records the job's
progress with each. ``proceed`` prepares each chunk's events (hash ids, records) while the lock is
free after the previous chunk, so the pause other writers need costs the capture no time.
An interrupted capture keeps what it wrote; sent again, those events are
duplicates, so nothing is recorded twice.

Ledger records are never taken back, so a ``rollback`` capture cannot be split into
transactions: it is bounded instead. A document with more events than
``SUYUAN_EPCIS_ROLLBACK_MAX_EVENTS`` is refused under ``rollback`` (413, advising ``proceed``),
and one with more than ``SUYUAN_EPCIS_MAX_EVENTS`` under either, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from ..errors import TooLarge, Unprocessable
from ..orgs.service import Member
from ..services import Services, writing
from ..settings import ServiceSettings
from .capture import (
    Behaviour,
    Checked,
    Validated,
    apply_custody,
    check_document,
    fresh_events,
    prepare_events,
    store,
    validate_capture,
)
from .documents import EpcisError, capture_form, events_of
from .models import CaptureJob

log = logging.getLogger(__name__)

#: The request header choosing what a capture does with invalid events (EPCIS 2.0, REST bindings).
BEHAVIOUR_HEADER = "GS1-Capture-Error-Behaviour"
#: Where a capture document's events are, as a refusal names the field.
EVENT_LIST = "epcisBody.eventList"

#: Events a ``proceed`` capture writes per write transaction; the writer lock is free in between.
CHUNK_EVENTS = 500
#: The pause between a capture's write transactions on SQLite. A waiting SQLite writer (in this
#: process or another) tries again every ``SQLITE_WRITER_POLL_MAX_S`` (2 ms) at most, so a pause
#: of ten such tries lets it in. PostgreSQL grants a released advisory lock to the first waiter:
#: no pause there.
SQLITE_WRITER_GAP_S = 0.02


def capture_document(
    services: Services, member: Member, document: dict[str, Any], behaviour: Behaviour
) -> CaptureJob:
    """Captures a document: blocking, long work for a worker thread, never the event loop.

    The job is written first (status ``running``); the answer is the finished job. If writing
    fails part way, the job is left ``interrupted`` and the error raised.
    """
    document = capture_form(document)
    try:
        count = len(events_of(document))
    except EpcisError as exc:
        raise Unprocessable.field(EVENT_LIST, str(exc)) from exc
    refuse_oversized(services.settings, count, behaviour)
    job = _start_job(services, member, behaviour, count)
    try:
        if behaviour == "proceed":
            _write_in_chunks(services, member, job, validate_capture(document))
        else:
            _write_at_once(services, member, job, check_document(document, member, job.created_at))
    except BaseException:
        _interrupt(services, job.id)
        raise
    return job


def refuse_oversized(settings: ServiceSettings, events: int, behaviour: Behaviour) -> None:
    """Raises :class:`TooLarge` for a document of more events than any capture takes, or than a
    ``rollback`` capture (one write transaction) takes; the problem names the limit (``max_events``)."""
    if events > settings.epcis_max_events:
        limit = settings.epcis_max_events
        raise TooLarge.field(
            EVENT_LIST,
            f"{events:,} events: a document carries at most {limit:,}; send the rest in other documents",
            max_events=limit,
        )
    if behaviour == "rollback" and events > settings.epcis_rollback_max_events:
        limit = settings.epcis_rollback_max_events
        raise TooLarge.field(
            EVENT_LIST,
            f"{events:,} events: a rollback capture is written in one transaction and carries at most "
            f"{limit:,}; send it with {BEHAVIOUR_HEADER}: proceed (written {CHUNK_EVENTS} events at a "
            "time, invalid events reported) or in smaller documents",
            max_events=limit,
        )


def _start_job(services: Services, member: Member, behaviour: Behaviour, events: int) -> CaptureJob:
    job = CaptureJob(
        id=uuid.uuid4().hex,
        org_id=member.org.id,
        behaviour=behaviour,
        status="running",
        events=events,
        captured=0,
        duplicates=0,
        errors="[]",
        created_at=dt.datetime.now(dt.UTC),
    )
    with writing(services) as session:
        session.add(job)
    return job


def _write_at_once(services: Services, member: Member, job: CaptureJob, checked: Checked) -> None:
    """``rollback``: every event or none, in one write transaction."""
    errors = checked.errors
    with writing(services) as session:
        if not errors:
            fresh, job.duplicates = fresh_events(session, checked.prepared)
            fresh = apply_custody(services, session, member, fresh, "rollback", errors)
            if not errors:
                store(services, session, fresh, job.id)
                job.captured = len(fresh)
        _finish(job, errors)
        job.processed = job.events
        session.merge(job)


def _write_in_chunks(services: Services, member: Member, job: CaptureJob, validated: Validated) -> None:
    """``proceed``: the events of each :data:`CHUNK_EVENTS` of the document in one write transaction,
    the job's progress with each; the next chunk is prepared while the writer lock is free."""
    errors, count = validated.errors, len(validated.events)
    starts = list(range(0, count, CHUNK_EVENTS)) or [0]
    chunk = prepare_events(validated, 0, CHUNK_EVENTS, member, job.created_at)
    for number, start in enumerate(starts):
        last = number == len(starts) - 1
        with writing(services) as session:
            fresh, duplicates = fresh_events(session, chunk)
            kept = apply_custody(services, session, member, fresh, "proceed", errors)
            store(services, session, kept, job.id)
            job.captured += len(kept)
            job.duplicates += duplicates
            job.processed = job.events if last else start + CHUNK_EVENTS
            if last:
                _finish(job, errors)
            else:
                job.errors = _errors_json(errors)
            session.merge(job)
        if not last:
            released = time.monotonic()
            chunk = prepare_events(
                validated, start + CHUNK_EVENTS, start + 2 * CHUNK_EVENTS, member, job.created_at
            )
            _let_other_writers_in(services, released)


def _let_other_writers_in(services: Services, released: float) -> None:
    """Keeps the writer lock free for :data:`SQLITE_WRITER_GAP_S` since ``released`` (on SQLite)."""
    if services.engine.dialect.name == "sqlite":
        time.sleep(max(0.0, released + SQLITE_WRITER_GAP_S - time.monotonic()))


def _finish(job: CaptureJob, errors: list[dict[str, Any]]) -> None:
    if not errors:
        job.status = "succeeded"
    else:
        job.status = "partial" if job.captured else "failed"
    job.errors = _errors_json(errors)
    job.finished_at = dt.datetime.now(dt.UTC)


def _errors_json(errors: list[dict[str, Any]]) -> str:
    return json.dumps(sorted(errors, key=lambda e: (e.get("event") is not None, e.get("event") or 0)))


def _interrupt(services: Services, job_id: str) -> None:
    """Marks the job interrupted; what its finished write transactions wrote stays, counted."""
    try:
        with writing(services) as session:
            job = session.get(CaptureJob, job_id)
            if job is not None:
                job.status, job.finished_at = "interrupted", dt.datetime.now(dt.UTC)
    except SQLAlchemyError:
        log.exception("capture job %s could not be marked interrupted", job_id)
