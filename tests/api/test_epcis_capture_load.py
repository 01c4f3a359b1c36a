"""Large EPCIS captures over a real uvicorn: the service stays responsive, other writers get the
writer lock between a ``proceed`` capture's chunks, and nothing accepted is lost or recorded twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, func, select

from tests.api.conftest import Api, batch_payload
from tests.api.test_scans import _code
from trace_api.app import create_app
from trace_api.epcis import EPCIS_CONTEXT, capture_jobs, document_hash_ids
from trace_api.epcis.models import CaptureJob, EpcisEvent
from trace_api.server import start_server

#: Enough events that checking them takes seconds on the slowest machine the tests run on.
LARGE = 1500
#: The largest capture the suite runs: above the default rollback limit (5,000), so captured with
#: proceed, in chunks. A 30,000-event document takes minutes on a two-core CI machine (its events'
#: schema checks and hashes alone); ``suyuan bench epcis`` measures how fast captures go.
HUGE = 6_000
#: How long the largest capture may take on a loaded machine before the test gives up (a bound, not
#: a measure: the test asserts no time).
HUGE_TIMEOUT_S = 600.0
#: Events per write transaction in the chunked tests: many chunks from a modest document.
SMALL_CHUNK = 50
#: How long a test waits for a capture to reach a stage.
STAGE_TIMEOUT_S = 60.0
LOCATION = "urn:epc:id:sgln:9506000.13435.0"


def _event(n: int) -> dict[str, Any]:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=n)
    return {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": at.isoformat().replace("+00:00", "Z"),
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"urn:epc:id:sgtin:0614141.107346.{n}"],
        "bizStep": "storing",
        "disposition": "in_progress",
        "readPoint": {"id": f"urn:epc:id:sgln:0614141.00777.{n % 50}"},
    }


def _document(count: int) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00Z",
        "epcisBody": {"eventList": [_event(n) for n in range(count)]},
    }


class Capture(threading.Thread):
    """``POST /epcis/capture`` from its own client thread; ``done`` is set once it is answered."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        document: dict[str, Any],
        behaviour: str,
        timeout_s: float = STAGE_TIMEOUT_S,
    ) -> None:
        super().__init__(daemon=True)
        self.url, self.document, self.timeout_s = url, document, timeout_s
        self.headers = {**headers, "GS1-Capture-Error-Behaviour": behaviour}
        self.done = threading.Event()
        self.response: httpx.Response | None = None

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, timeout=self.timeout_s) as client:
                self.response = client.post("/epcis/capture", json=self.document, headers=self.headers)
        finally:
            self.done.set()

    def answer(self) -> httpx.Response:
        self.join(timeout=self.timeout_s)
        assert self.response is not None, "the capture was not answered"
        return self.response


def _until(what: str, check: Callable[[], Any], capture: Capture) -> Any:
    """Waits for ``check`` to hold while ``capture`` is still in flight."""
    deadline = time.monotonic() + capture.timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if capture.done.wait(0.02):  # paces the polling; wakes at once if the capture is answered
            raise AssertionError(f"the capture was answered before {what}")
    raise AssertionError(f"not within {capture.timeout_s} s: {what}")


class ChunkGate:
    """Holds a ``proceed`` capture between its first and second write transactions, and with
    ``hold_checks`` after its checks too (before anything is written), each until the test lets it
    go (wraps :func:`capture_jobs.prepare_events` and :func:`capture_jobs._let_other_writers_in`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, hold_checks: bool = False) -> None:
        self.checked, self.write = threading.Event(), threading.Event()
        if not hold_checks:
            self.write.set()
        self.between, self.go = threading.Event(), threading.Event()
        prepare_events = capture_jobs.prepare_events
        let_other_writers_in = capture_jobs._let_other_writers_in

        def prepare_then_hold(*args: Any) -> Any:
            prepared = prepare_events(*args)
            self._hold(self.checked, self.write)
            return prepared

        def let_in_then_hold(services: Any, released: float) -> None:
            let_other_writers_in(services, released)
            self._hold(self.between, self.go)

        monkeypatch.setattr(capture_jobs, "prepare_events", prepare_then_hold)
        monkeypatch.setattr(capture_jobs, "_let_other_writers_in", let_in_then_hold)

    def release(self) -> None:
        self.write.set()
        self.go.set()

    @staticmethod
    def _hold(reached: threading.Event, go: threading.Event) -> None:
        if not reached.is_set():
            reached.set()
            assert go.wait(STAGE_TIMEOUT_S), "the test did not let the capture go on"


def _job(api: Api, **where: Any) -> CaptureJob | None:
    with Session(api.services.engine) as session:
        query = select(CaptureJob)
        for name, value in where.items():
            query = query.where(getattr(CaptureJob, name) == value)
        return session.exec(query).first()


def _stored_events(api: Api) -> int:
    with Session(api.services.engine) as session:
        return int(session.exec(select(func.count()).select_from(EpcisEvent)).one())


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    """The test's app behind a real uvicorn on 127.0.0.1, with organisation ``partner``."""
    api.add_org("partner", "wholesaler")
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(capture_jobs, "CHUNK_EVENTS", SMALL_CHUNK)
    return SMALL_CHUNK


def test_livez_is_answered_while_a_large_document_is_captured(api: Api, served: str) -> None:
    """The capture runs off the event loop: ``/livez`` answers come back while its job is still
    running (read from the database after each answer). How fast they come back is measured by
    ``suyuan bench epcis``, not asserted here."""
    capture = Capture(served, api.headers("partner"), _document(LARGE), "rollback")
    capture.start()
    _until("its job was running", lambda: _job(api, status="running"), capture)

    answered_while_running = 0
    with httpx.Client(base_url=served, timeout=STAGE_TIMEOUT_S) as client:
        while not capture.done.is_set():
            assert client.get("/livez").status_code == 200
            answered_while_running += _job(api, status="running") is not None
            capture.done.wait(0.05)  # paces the probes; wakes at once if the capture is answered

    job = capture.answer().json()
    assert (job["status"], job["captured"]) == ("succeeded", LARGE), job["errors"][:3]
    assert answered_while_running >= 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_livez_is_answered_while_a_document_above_the_rollback_limit_is_captured_with_proceed(
    api: Api, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the default limits: refused under ``rollback``, captured in chunks under ``proceed``, and
    ``/livez`` answered while the job checks the events and while it is between two chunks."""
    document = _document(HUGE)
    refused = api.as_org("partner", "POST", "/epcis/capture", json=document)
    assert refused.status_code == 413, refused.text
    gate = ChunkGate(monkeypatch, hold_checks=True)
    capture = Capture(served, api.headers("partner"), document, "proceed", timeout_s=HUGE_TIMEOUT_S)
    capture.start()
    try:
        _until("its job was running", lambda: _job(api, status="running"), capture)
        with httpx.Client(base_url=served, timeout=STAGE_TIMEOUT_S) as client:
            checking = _probe_until(client, api, gate.checked, capture)  # the checks (held after them)
            gate.write.set()
            _probe_until(client, api, gate.between, capture)  # the first chunk
            between = _probe_until(client, api, threading.Event(), capture, once=True)
            gate.go.set()
            _probe_until(client, api, capture.done, capture)
    finally:
        gate.release()
    job = capture.answer().json()

    assert (job["status"], job["captured"], job["processed"]) == ("succeeded", HUGE, HUGE), job["errors"][:3]
    assert _stored_events(api) == HUGE
    assert 0 in checking  # answered while the events were checked (nothing written yet)
    assert between == [capture_jobs.CHUNK_EVENTS]  # answered between two write transactions


def _probe_until(
    client: httpx.Client, api: Api, stage: threading.Event, capture: Capture, *, once: bool = False
) -> list[int]:
    """Probes ``/livez`` until ``stage`` is set (or once); the job's progress after each answer."""
    progress = []
    while True:
        assert client.get("/livez").status_code == 200
        running = _job(api, status="running")
        if running is not None:
            progress.append(running.processed)
        if once or stage.wait(0.05):  # paces the probes; wakes at once when the stage is reached
            return progress
        if stage is not capture.done and capture.done.is_set():
            raise AssertionError(f"the capture was answered early: {capture.answer().text[:300]}")


@pytest.fixture
def holder(api: Api, served: str) -> str:
    """``haixian``, an importer holding a batch with an item code; returns the code."""
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    return _code(api)


def test_proceed_capture_lets_a_scan_write_between_its_chunks(
    api: Api, served: str, holder: str, small_chunks: int
) -> None:
    count = 12 * small_chunks
    ids = document_hash_ids(_document(count))
    document = _document(count)
    events = document["epcisBody"]["eventList"]
    del events[7]["eventTime"]  # invalid: reported, the rest kept
    events.append(dict(events[3]))  # the same event twice: one record
    accepted = [event_id for n, event_id in enumerate(ids) if n != 7]
    ledger_before = api.services.ledger.size()
    capture = Capture(served, api.headers("partner"), document, "proceed")
    capture.start()
    _until("its first chunk was written", lambda: _progress(api) > 0, capture)

    with httpx.Client(base_url=served, headers=api.headers("haixian"), timeout=STAGE_TIMEOUT_S) as client:
        sold = client.post("/v1/scans", json={"action": "sell", "code": holder, "location": LOCATION})
    job = capture.answer().json()

    assert sold.status_code == 201, sold.text
    assert job["status"] == "partial"
    assert [e["event"] for e in job["errors"]] == [7]
    assert (job["captured"], job["duplicates"], job["processed"]) == (len(accepted), 1, len(events))
    indexes = sorted(api.services.ledger.get(event_id).index for event_id in accepted)
    assert indexes[0] < sold.json()["index"] < indexes[-1]  # the scan was written between two chunks
    assert api.services.ledger.size() == ledger_before + len(accepted) + 1  # each event once
    assert _stored_events(api) == len(accepted)


def _progress(api: Api) -> int:
    job = _job(api, status="running")
    return job.processed if job is not None else 0


#: A trigger that refuses to store one event: the database fails the write transaction holding it.
REFUSE_EVENT = {
    "sqlite": [
        "CREATE TRIGGER refuse_event BEFORE INSERT ON epcis_events WHEN NEW.event_id = '{event_id}' "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.event_id = '{event_id}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_event BEFORE INSERT ON epcis_events "
        "FOR EACH ROW EXECUTE FUNCTION refuse_event()",
    ],
}
ALLOW_EVENTS = {
    "sqlite": ["DROP TRIGGER refuse_event"],
    "postgresql": ["DROP TRIGGER refuse_event ON epcis_events", "DROP FUNCTION refuse_event()"],
}


def _execute(api: Api, statements: list[str], **values: str) -> None:
    with api.services.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement.format(**values)))


def test_interrupted_proceed_capture_keeps_its_chunks_and_its_retry_adds_only_the_rest(
    api: Api, served: str, small_chunks: int
) -> None:
    count = 4 * small_chunks
    document = _document(count)
    ids = document_hash_ids(document)
    dialect = api.services.engine.dialect.name
    ledger_before = api.services.ledger.size()
    headers = {**api.headers("partner"), "GS1-Capture-Error-Behaviour": "proceed"}

    with httpx.Client(base_url=served, headers=headers, timeout=STAGE_TIMEOUT_S) as client:
        _execute(api, REFUSE_EVENT[dialect], event_id=ids[2 * small_chunks + 1])  # in the third chunk
        failed = client.post("/epcis/capture", json=document)
        interrupted = _job(api)
        _execute(api, ALLOW_EVENTS[dialect])
        retried = client.post("/epcis/capture", json=document)

    assert failed.status_code == 500
    assert failed.headers["content-type"] == "application/problem+json"
    assert interrupted is not None
    assert (interrupted.status, interrupted.processed) == ("interrupted", 2 * small_chunks)
    assert interrupted.captured == 2 * small_chunks
    job = retried.json()
    assert (job["status"], job["captured"], job["duplicates"]) == (
        "succeeded",
        count - 2 * small_chunks,
        2 * small_chunks,
    )
    assert api.services.ledger.size() == ledger_before + count  # each event once
    assert {api.services.ledger.get(event_id).record_id for event_id in ids} == set(ids)
    assert _stored_events(api) == count


def test_rollback_capture_larger_than_a_chunk_keeps_nothing_when_one_event_is_bad(
    api: Api, served: str, small_chunks: int
) -> None:
    document = _document(3 * small_chunks)
    del document["epcisBody"]["eventList"][-1]["eventTime"]
    ledger_before = api.services.ledger.size()

    capture = Capture(served, api.headers("partner"), document, "rollback")
    capture.start()
    job = capture.answer().json()

    assert (job["status"], job["captured"], job["processed"]) == ("failed", 0, 3 * small_chunks)
    assert [e["event"] for e in job["errors"]] == [3 * small_chunks - 1]
    assert job["finished_at"] is not None
    assert api.services.ledger.size() == ledger_before
    assert _stored_events(api) == 0


@pytest.fixture
def rollback_limit(api: Api, monkeypatch: pytest.MonkeyPatch) -> int:
    """A rollback capture takes at most 2 chunks' worth of events here."""
    limit = 2 * SMALL_CHUNK
    monkeypatch.setattr(api.services.settings, "epcis_rollback_max_events", limit)
    return limit


def _nothing_written(api: Api, ledger_before: int) -> None:
    assert api.services.ledger.size() == ledger_before
    assert _job(api) is None
    assert _stored_events(api) == 0


@pytest.mark.parametrize("header", [{}, {"GS1-Capture-Error-Behaviour": "rollback"}])
def test_rollback_capture_above_its_limit_is_refused_before_anything_is_written(
    api: Api, served: str, rollback_limit: int, header: dict[str, str]
) -> None:
    ledger_before = api.services.ledger.size()

    response = api.client.post(
        "/epcis/capture", json=_document(rollback_limit + 1), headers={**api.headers("partner"), **header}
    )

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["epcisBody.eventList"]
    assert problem["max_events"] == rollback_limit
    assert f"at most {rollback_limit:,}" in problem["detail"]
    assert "GS1-Capture-Error-Behaviour: proceed" in problem["detail"]
    _nothing_written(api, ledger_before)


def test_rollback_capture_at_its_limit_is_captured(api: Api, served: str, rollback_limit: int) -> None:
    response = api.as_org("partner", "POST", "/epcis/capture", json=_document(rollback_limit))

    assert response.status_code == 202, response.text
    assert (response.json()["status"], response.json()["captured"]) == ("succeeded", rollback_limit)


def test_document_refused_for_rollback_is_captured_with_proceed_in_chunks_while_another_writer_commits(
    api: Api,
    served: str,
    holder: str,
    small_chunks: int,
    rollback_limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    count = 2 * rollback_limit
    document = _document(count)
    ids = document_hash_ids(document)
    ledger_before = api.services.ledger.size()
    refused = api.as_org("partner", "POST", "/epcis/capture", json=document)
    assert refused.status_code == 413, refused.text
    _nothing_written(api, ledger_before)
    gate = ChunkGate(monkeypatch)

    capture = Capture(served, api.headers("partner"), document, "proceed")
    capture.start()
    try:
        assert gate.between.wait(STAGE_TIMEOUT_S), "the capture did not finish its first chunk"
        running = _job(api)
        with httpx.Client(base_url=served, headers=api.headers("haixian"), timeout=STAGE_TIMEOUT_S) as client:
            sold = client.post("/v1/scans", json={"action": "sell", "code": holder, "location": LOCATION})
    finally:
        gate.go.set()
    job = capture.answer().json()

    assert running is not None
    assert (running.status, running.processed, running.captured) == ("running", small_chunks, small_chunks)
    assert sold.status_code == 201, sold.text  # committed while the capture job was running
    assert (job["status"], job["captured"], job["processed"]) == ("succeeded", count, count)
    indexes = sorted(api.services.ledger.get(event_id).index for event_id in ids)
    assert indexes[small_chunks - 1] < sold.json()["index"] < indexes[small_chunks]
    assert api.services.ledger.size() == ledger_before + count + 1
    assert _stored_events(api) == count


def test_document_above_the_event_limit_is_refused_whatever_the_behaviour(
    api: Api, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.services.settings, "epcis_max_events", SMALL_CHUNK)
    ledger_before = api.services.ledger.size()
    headers = {**api.headers("partner"), "GS1-Capture-Error-Behaviour": "proceed"}

    response = api.client.post("/epcis/capture", json=_document(SMALL_CHUNK + 1), headers=headers)

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["epcisBody.eventList"]
    assert response.json()["max_events"] == SMALL_CHUNK
    _nothing_written(api, ledger_before)


def test_document_above_the_size_limit_is_refused_before_it_is_read_whole(
    api: Api, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _document(SMALL_CHUNK)
    body = json.dumps(document).encode()
    monkeypatch.setattr(api.services.settings, "epcis_max_document_bytes", len(body) - 1)
    ledger_before = api.services.ledger.size()
    headers = {**api.headers("partner"), "Content-Type": "application/json"}

    def streamed() -> Iterator[bytes]:  # no Content-Length: the limit holds while the body arrives
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    with httpx.Client(base_url=served, timeout=STAGE_TIMEOUT_S) as client:
        declared = client.post("/epcis/capture", content=body, headers=headers)
        chunked = client.post("/epcis/capture", content=streamed(), headers=headers)

    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == ["body"]
        assert response.json()["max_bytes"] == len(body) - 1
    _nothing_written(api, ledger_before)
