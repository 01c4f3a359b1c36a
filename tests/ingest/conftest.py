"""Cold-chain ingest over the real trace API services: an importer's cold store with its devices."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from ingest import AlertRules, Ingestor, IngestResult, IngestWorker, Message, WorkerOptions
from ingest._process import rfc3339
from tests.api.conftest import Api, api, batch_payload

__all__ = ["Api", "api"]

STORE = "urn:epc:id:sgln:9506000.00001.0"
PLATE = "沪A12345"
MARKET = "Market cold room 3"


@dataclass
class Clock:
    """The ingest's clock, moved by the tests (device times are given explicitly)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class ColdStore:
    api: Api
    ingestor: Ingestor
    clock: Clock
    batch_id: str
    devices: dict[str, dict[str, Any]]
    seqs: dict[str, int] = field(default_factory=dict)

    def add_device(self, handle: str, name: str, **body: Any) -> dict[str, Any]:
        response = self.api.as_org(handle, "POST", "/v1/devices", json={"name": name, **body})
        assert response.status_code == 201, response.text
        self.devices[name] = response.json()
        return dict(response.json())

    def message(self, name: str, kind: str, at: dt.datetime | None = None, **values: Any) -> Message:
        """A well-formed reading of device ``name`` (the next sequence number unless ``seq`` is given)."""
        username = self.devices[name]["device"]["username"]
        seq = values.pop("seq", None)
        if seq is None:
            seq = self.seqs.get(name, 0)
            self.seqs[name] = seq + 1
        body = {"seq": seq, "time": rfc3339(at or self.clock.now), **values}
        return Message(f"suyuan/v1/{username}/{kind}", json.dumps(body).encode())

    def at(self, seconds: float) -> dt.datetime:
        return self.clock.now + dt.timedelta(seconds=seconds)


def make_ingestor(api: Api, clock: Callable[[], dt.datetime], rules: AlertRules | None = None) -> Ingestor:
    services = api.services
    return Ingestor(
        services.engine, services.ledger, rules or AlertRules(), services.settings.public_url, clock,
        mqtt_url=services.settings.mqtt_url,
    )  # fmt: skip


@pytest.fixture
def cold_store(api: Api) -> ColdStore:
    """Importer ``haixian`` holds a frozen shrimp lot in its cold store, watched by ``cs-01``."""
    api.add_org("haixian", "importer")
    api.add_org("shichang", "wholesaler")
    payload = {**batch_payload(api, "haixian"), "location": STORE}
    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)
    assert response.status_code == 201, response.text
    clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1))
    store = ColdStore(api, make_ingestor(api, clock), clock, response.json()["id"], {})
    store.add_device(
        "haixian", "cs-01", kinds=["temperature", "door"], location=STORE, storage_class="frozen"
    )
    return store


class Counted:
    """Outcomes of every batch a worker committed, to wait on."""

    def __init__(self) -> None:
        self.total = 0
        self.changed = threading.Condition()

    def __call__(self, result: IngestResult) -> None:
        with self.changed:
            self.total += len(result.outcomes)
            self.changed.notify_all()

    def wait_for(self, count: int, timeout: float = 20) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.total >= count, timeout), (
                f"{self.total} of {count} taken"
            )


@pytest.fixture
def run_worker(cold_store: ColdStore) -> Iterator[Callable[..., tuple[IngestWorker, Counted]]]:
    """Starts in-process workers (threads) on a broker; stops them at the end of the test."""
    running: list[tuple[threading.Event, threading.Thread]] = []

    def start(
        url: str, client_id: str | None = None, group: str | None = None
    ) -> tuple[IngestWorker, Counted]:
        counted = Counted()
        options = WorkerOptions(
            url=url,
            client_id=client_id or f"test-{uuid.uuid4().hex[:12]}",
            share_group=group or f"g{uuid.uuid4().hex[:12]}",
            session_expiry_s=30,
            batch_size=50,
            sweep_every_s=3600,
        )
        worker = IngestWorker(cold_store.ingestor, options, on_batch=counted)
        stop = threading.Event()
        thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
        thread.start()
        assert worker.subscribed.wait(10), "the worker did not subscribe"
        running.append((stop, thread))
        return worker, counted

    yield start
    for stop, thread in running:
        stop.set()
        thread.join(10)
