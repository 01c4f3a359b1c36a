"""Write transactions over a real uvicorn server: committed before answering, no 500 for contention."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, text

from evidence import Ledger, UnknownRecord, make_engine, write_transaction
from tests._webhooks import Receiver
from tests.api.conftest import Api, batch_payload
from tests.api.test_scans import BATCH, _code
from trace_api.app import create_app
from trace_api.server import start_server

CLIENTS = 20
LOCATION = "urn:epc:id:sgln:9506000.13435.0"

#: A deferred foreign key the row inserted by the trigger breaks: the database refuses the
#: COMMIT itself, after every statement of the transaction succeeded.
REFUSE_COMMIT = {
    "sqlite": [
        "CREATE TABLE guard_parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE guard (parent INTEGER REFERENCES guard_parent(id) DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TRIGGER refuse_commit AFTER INSERT ON ledger_records BEGIN INSERT INTO guard VALUES (1); END",
    ],
    "postgresql": [
        "CREATE TABLE guard_parent (id INTEGER PRIMARY KEY)",
        "CREATE TABLE guard (parent INTEGER REFERENCES guard_parent(id) DEFERRABLE INITIALLY DEFERRED)",
        "CREATE FUNCTION refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN INSERT INTO guard VALUES (1); RETURN NEW; END $$",
        "CREATE TRIGGER refuse_commit AFTER INSERT ON ledger_records "
        "FOR EACH ROW EXECUTE FUNCTION refuse_commit()",
    ],
}


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    """The test's app behind a real uvicorn on 127.0.0.1."""
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


@pytest.fixture
def holder(api: Api) -> Api:
    """``haixian``, an importer holding batch BATCH."""
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    return api


def _sell(scan_id: str, code: str) -> dict[str, Any]:
    return {"action": "sell", "code": code, "scan_id": scan_id, "location": LOCATION}


def test_write_commit_refused_is_answered_as_an_error_not_201(holder: Api, served: str) -> None:
    api = holder
    code = _code(api)
    with api.services.engine.begin() as conn:
        for statement in REFUSE_COMMIT[api.services.engine.dialect.name]:
            conn.execute(text(statement))
    scan_id = str(uuid.uuid4())

    with httpx.Client(base_url=served, headers=api.headers("haixian")) as client:
        response = client.post("/v1/scans", json=_sell(scan_id, code))

    assert response.status_code == 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    with pytest.raises(UnknownRecord):
        api.services.ledger.get(f"scan:{scan_id}")


def test_write_failure_keeps_the_keep_alive_connection_usable(api: Api, served: str) -> None:
    api.add_org("haixian", "importer")
    documents = api.services.settings.documents_dir
    documents.mkdir(parents=True, exist_ok=True)
    documents.rmdir()
    documents.write_text("not a directory")  # every upload now fails on the file system
    address = urlsplit(served)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    boundary = "suyuan-test"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\ncertificate\r\n--{boundary}--\r\n"
    ).encode()
    headers = {**api.headers("haixian"), "Content-Type": f"multipart/form-data; boundary={boundary}"}

    connection.request("POST", "/v1/documents", body=body, headers=headers)
    failed = connection.getresponse()
    failed_body = failed.read()
    connection.request("GET", "/v1/organisations/me", headers=api.headers("haixian"))
    after = connection.getresponse()  # on a connection the server closed: RemoteDisconnected

    assert failed.status == 500
    assert failed.getheader("content-type") == "application/problem+json"
    assert json.loads(failed_body)["status"] == 500
    assert after.status == 200
    assert json.loads(after.read())["handle"] == "haixian"
    connection.close()


Answer = tuple[str, int, dict[str, Any]]


class Answers:
    """What each concurrent client was answered: (call, status, body)."""

    def __init__(self) -> None:
        self.all: list[Answer] = []
        self._lock = threading.Lock()

    def note(self, what: str, response: httpx.Response) -> None:
        with self._lock:
            self.all.append((what, response.status_code, response.json()))


def _write_as_client(api: Api, served: str, n: int, code: str, answers: Answers) -> None:
    """Client ``n`` of haixian: sells ``code``, sends the same sale again, uploads, registers a device."""
    scan_id = str(uuid.uuid4())
    with httpx.Client(base_url=served, headers=api.headers("haixian"), timeout=60) as client:
        answers.note("sell", client.post("/v1/scans", json=_sell(scan_id, code)))
        answers.note("resend", client.post("/v1/scans", json=_sell(scan_id, code)))
        files = {"file": (f"{n}.pdf", f"doc {n}".encode())}
        answers.note("document", client.post("/v1/documents", files=files))
        device = {"name": f"probe-{n}", "kinds": ["temperature"], "location": LOCATION}
        answers.note("device", client.post("/v1/devices", json=device))


def _run_at_once(work: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=w) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [t for t in threads if t.is_alive()], "a client did not finish"


def _assert_each_write_recorded_once(api: Api, answers: list[Answer], clients: range) -> None:
    """Every client's sale in the ledger once (a resend answers the same record), each upload and
    device there."""
    assert len(answers) == 4 * len(clients)
    statuses = {(what, status) for what, status, _ in answers}
    assert statuses == {("sell", 201), ("resend", 200), ("document", 201), ("device", 201)}, [
        a for a in answers if a[1] >= 300
    ]
    sold = {body["record_id"]: body["index"] for what, _, body in answers if what == "sell"}
    resent = {body["record_id"]: body["index"] for what, _, body in answers if what == "resend"}
    in_ledger = [
        (s.record_id, s.index) for s in api.services.ledger.about("batch", BATCH) if s.kind == "scan.sell"
    ]
    assert sold == resent == dict(in_ledger)
    assert len(in_ledger) == len(sold) == len(clients)
    devices = api.as_org("haixian", "GET", "/v1/devices").json()["devices"]
    assert sorted(d["name"] for d in devices) == sorted(f"probe-{n}" for n in clients)
    for n in clients:
        assert api.as_org("haixian", "GET", f"/v1/documents/{_sha256(f'doc {n}')}").status_code == 200


def test_concurrent_writers_get_no_server_error_and_nothing_is_lost(holder: Api, served: str) -> None:
    api = holder
    codes = [_code(api) for _ in range(CLIENTS)]
    answers = Answers()

    _run_at_once(
        [functools.partial(_write_as_client, api, served, n, codes[n], answers) for n in range(CLIENTS)]
    )

    _assert_each_write_recorded_once(api, answers.all, range(CLIENTS))


def test_concurrent_writers_and_a_recall_with_slow_receivers_lose_nothing(
    holder: Api, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trace_api.recalls.notify import NoticeWorker
    from trace_api.webhooks import service as webhooks

    api = holder
    recalled = batch_payload(api, "haixian", lot="L2026-002")  # a lot of its own: sales of BATCH go on
    assert api.as_org("haixian", "POST", "/v1/batches", json=recalled).status_code == 201
    body = {"batch_id": "09506000134352.L2026-002", "reason": "Vibrio found", "recall_class": "I"}
    release = threading.Event()
    receiver = Receiver(path="/slow", hold=release)
    hooks = 8
    for i in range(hooks):
        hook = {"url": f"{receiver.url}/{i}"}
        assert api.as_org("haixian", "POST", "/v1/webhooks", json=hook).status_code == 201
    # Slow, not timed out: a receiver slower than the delivery timeout is retried (at least once).
    monkeypatch.setattr(webhooks, "TIMEOUT_S", 60.0)
    writers = range(1, CLIENTS)  # and client 0 issues the recall
    codes = {n: _code(api) for n in writers}
    answers, recall = Answers(), Answers()
    held_when_answered: list[bool] = []

    def issue_recall() -> None:
        with httpx.Client(base_url=served, headers=api.headers("samr"), timeout=60) as client:
            recall.note("recall", client.post("/v1/recalls", json=body))
        held_when_answered.append(not release.is_set() and not receiver.received)

    stop_notices = NoticeWorker(api.services).loop(tick_s=0.1).start()  # as `suyuan up` runs it
    try:
        work = [functools.partial(_write_as_client, api, served, n, codes[n], answers) for n in writers]
        _run_at_once([issue_recall, *work])
        entered = receiver.wait_entered(hooks)
        [(_, status, issued)] = recall.all
        assert status == 201, issued
        url = f"/v1/recalls/{issued['id']}"
        while_held = api.as_org("samr", "GET", url).json()
        release.set()
        after = _poll(lambda: api.as_org("samr", "GET", url).json(), lambda r: r["delivery"]["pending"] == 0)
    finally:
        release.set()
        stop_notices()
        receiver.close()

    assert [a for a in answers.all + recall.all if a[1] >= 500] == []
    _assert_each_write_recorded_once(api, answers.all, writers)
    assert held_when_answered == [True]
    assert entered, "the notice worker did not call every receiver"
    assert while_held["delivery"] == {"delivered": 0, "pending": hooks + 1, "failed": 0}  # + MQTT
    assert api.services.ledger.get(f"recall:{issued['id']}").kind == "recall.issued"
    assert [r["id"] for r in api.as_org("samr", "GET", "/v1/recalls").json()["recalls"]] == [issued["id"]]
    assert after["delivery"] == {"delivered": hooks + 1, "pending": 0, "failed": 0}
    [notice] = after["notices"]
    webhook_ids = sorted(str(d["id"]) for d in notice["deliveries"] if d["channel"] == "webhook")
    assert [d["attempts"] for d in notice["deliveries"]] == [1] * (hooks + 1)
    assert sorted(headers["Suyuan-Delivery"] for headers, _ in receiver.received) == webhook_ids


def _poll(fetch: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``fetch()`` until ``done`` says so, for 20 s at most; the last answer."""
    deadline = time.monotonic() + 20
    while not done(answer := fetch()) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    return answer


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def test_write_waiting_past_the_lock_bound_answers_503_with_retry_after(api: Api, database_url: str) -> None:
    api.add_org("haixian", "importer")
    impatient = dataclasses.replace(api.services, engine=make_engine(database_url, lock_timeout_s=0.3))
    with (
        TestClient(create_app(impatient)) as client,
        write_transaction(api.services.engine, api.services.ledger.lock_name),
    ):
        response = client.post(
            "/v1/webhooks", json={"url": "https://example.org/hook"}, headers=api.headers("haixian")
        )
    impatient.engine.dispose()

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/database-busy")


def test_a_resent_scan_is_answered_on_the_write_transactions_own_connection(
    holder: Api, database_url: str
) -> None:
    api = holder
    api.add_org("wholesale", "wholesaler")
    scan = {"action": "ship", "batch_id": BATCH, "counterparty": "wholesale", "location": LOCATION}
    scan["scan_id"] = str(uuid.uuid4())
    first = api.as_org("haixian", "POST", "/v1/scans", json=scan)
    assert first.status_code == 201, first.text
    # One connection in the pool, none beyond: a second checkout waits a second, then gives up (503).
    engine = make_engine(database_url, lock_timeout_s=1.0, pool_size=1, max_overflow=0)
    ledger = Ledger(engine, api.services.ledger.origin, api.services.ledger.signer)
    single = dataclasses.replace(api.services, engine=engine, ledger=ledger, background=[])
    try:
        with TestClient(create_app(single)) as client:
            again = client.post("/v1/scans", json=scan, headers=api.headers("haixian"))
            # A scan recorded before its outcome was kept (an older release): found in the ledger.
            with write_transaction(engine, ledger.lock_name) as conn:
                conn.execute(text("DELETE FROM scan_outcomes WHERE scan_id = :id"), {"id": scan["scan_id"]})
            from_ledger = client.post("/v1/scans", json=scan, headers=api.headers("haixian"))
    finally:
        engine.dispose()

    for answer in (again, from_ledger):
        assert answer.status_code == 200, answer.text
        assert answer.json()["duplicate"] is True
        assert (answer.json()["record_id"], answer.json()["index"]) == (
            first.json()["record_id"],
            first.json()["index"],
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_service_answers_while_an_upload_holding_the_writer_lock_waits(
    api: Api, served: str, database_url: str
) -> None:
    """An upload holds the writer lock while it stores up to 20 MiB and commits: it must do that off
    the event loop. Here it waits on the documents table, which another transaction has locked (a
    PostgreSQL lock: SQLite's only lock is the writer's, taken before the handler runs)."""
    api.add_org("haixian", "importer")
    content = b"%PDF-1.7\n" + bytes(16 * 1024 * 1024)
    engine = make_engine(database_url)
    try:
        with engine.connect() as blocker, engine.connect() as watcher:
            blocker.execute(text("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE"))
            with ThreadPoolExecutor(1) as pool:
                upload = pool.submit(
                    httpx.post,
                    f"{served}/v1/documents",
                    files={"file": ("big.pdf", content, "application/pdf")},
                    headers=api.headers("haixian"),
                    timeout=120,
                )
                try:
                    _wait_for_lock_waiter(watcher, "documents", upload)
                    live = httpx.get(f"{served}/livez", timeout=10)
                finally:
                    blocker.rollback()  # the upload goes on
                uploaded = upload.result()
    finally:
        engine.dispose()

    assert live.status_code == 200
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["size"] == len(content)


def _wait_for_lock_waiter(watcher: Connection, table: str, request: Future[httpx.Response]) -> None:
    """Returns once a transaction waits for a lock on ``table``; raises if ``request`` ended first."""
    deadline = time.monotonic() + 60
    query = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = :table AND NOT l.granted"
    )
    while not watcher.execute(query, {"table": table}).scalar_one():
        watcher.rollback()  # a fresh snapshot of pg_locks each time
        assert not request.done(), request.result().text
        assert time.monotonic() < deadline, f"nothing waited for {table}"
        time.sleep(0.02)  # another process's lock table: polled, bounded by the deadline
