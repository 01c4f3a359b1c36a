"""Background loops survive real failures, and ``/readyz`` says when they stall."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from web3 import Web3

from chain import LocalNode
from evidence import Anchorer, BackgroundLoop, Ledger, make_engine, write_transaction
from tests._webhooks import Receiver
from tests.api.conftest import Api, batch_payload
from tests.api.test_epcis import SHIPPING_DOC, _capture, _load, _subscribe
from tests.api.test_reconcile import _members, persisted
from tests.conftest import Network, make_record
from trace_api.app import create_app
from trace_api.chainops import batch_chain_id
from trace_api.epcis.models import Delivery
from trace_api.epcis.subscriptions import DeliveryWorker
from trace_api.recalls.models import NoticeDelivery
from trace_api.recalls.notify import NoticeWorker
from trace_api.reconcile import reconcile
from trace_api.services import Services

__all__ = ["persisted"]  # the fixture of a node that loses what it did not dump

BATCH = "09506000134352.L2026-001"

EVERY_S = 0.3  # anchoring bound: max(3 * 0.3, 0.3 + 2) = 2.3 s


def _poll(check: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)  # polling a real loop's effect, bounded by the deadline
    raise AssertionError(f"not within {timeout_s} s")


@pytest.fixture
def impatient(api: Api, database_url: str) -> Iterator[Services]:
    """The test's services over an engine whose writers give up on the lock after 0.2 s."""
    engine = make_engine(database_url, lock_timeout_s=0.2)
    ledger = Ledger(engine, api.services.ledger.origin, api.services.ledger.signer)
    settings = api.services.settings.model_copy(update={"anchor_every_seconds": EVERY_S})
    yield dataclasses.replace(api.services, settings=settings, engine=engine, ledger=ledger, background=[])
    engine.dispose()


def _ready(client: TestClient, status: int) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        response = client.get("/readyz")
        return dict(response.json()) if response.status_code == status else None

    return check


def _failed(client: TestClient, part: str) -> Callable[[], dict[str, Any] | None]:
    """/readyz's 503 once ``part`` has failed a pass. (A loop whose first pass has not ended yet is
    reported stalled, with no error, before that: on a loaded machine the poll may see it first.)"""
    ready = _ready(client, 503)

    def check() -> dict[str, Any] | None:
        report = ready()
        return report if report is not None and report["parts"][part]["last_error"] else None

    return check


def _stalled_then_recovered(services: Services, loop: BackgroundLoop) -> tuple[Any, Any]:
    """Starts the loop while another writer holds the lock: /readyz's 503 naming the loop's failure,
    then its 200 once released."""
    with TestClient(create_app(services)) as client:
        with write_transaction(services.engine, services.ledger.lock_name):  # another writer
            stop = loop.start()
            stalled = _poll(_failed(client, loop.health.name))
        recovered = _poll(_ready(client, 200))
        stop()
    return stalled, recovered


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_anchorer_survives_a_locked_database_and_readyz_reports_it(
    impatient: Services, network: Network
) -> None:
    services = impatient
    anchorer = Anchorer(services.ledger, lambda: network.client, network.anchorer, every_seconds=EVERY_S)
    loop = anchorer.loop(tick_s=0.05)
    services.background.append(loop.health)
    stop = loop.start()
    try:
        with TestClient(create_app(services)) as client:
            first = services.ledger.append(make_record(0)).index + 1  # after samr's admission
            _poll(lambda: services.ledger.latest_anchored_size() == first)
            assert client.get("/readyz").status_code == 200
            services.ledger.append(make_record(1))
            with write_transaction(services.engine, services.ledger.lock_name):  # another writer, for long
                stalled = _poll(_failed(client, "anchorer"))
            recovered = _poll(_ready(client, 200))
    finally:
        stop()

    assert {f["part"] for f in stalled["failing"]} <= {"anchorer", "checkpoints"}
    assert "database is locked" in (stalled["parts"]["anchorer"]["last_error"] or "")
    assert recovered["parts"]["anchorer"]["consecutive_failures"] == 0
    assert services.ledger.latest_anchored_size() == first + 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_delivery_worker_survives_a_locked_database_and_readyz_names_it(
    api: Api, impatient: Services
) -> None:
    services = dataclasses.replace(
        impatient, settings=impatient.settings.model_copy(update={"anchor_every_seconds": 60.0})
    )
    api.add_org("partner", "wholesaler")
    receiver = Receiver(path="/epcis")
    loop = DeliveryWorker(services).loop(tick_s=0.05)
    loop.health.stall_after_s = 1.0
    services.background.append(loop.health)
    try:
        _subscribe(api, {}, receiver.url)
        assert _capture(api, "partner", _load(SHIPPING_DOC)).status_code == 202
        stalled, recovered = _stalled_then_recovered(services, loop)
    finally:
        receiver.close()

    assert [f["part"] for f in stalled["failing"]] == ["deliveries"]
    assert "database is locked" in stalled["parts"]["deliveries"]["last_error"]
    assert recovered["parts"]["deliveries"]["consecutive_failures"] == 0
    with Session(services.engine) as session:
        deliveries = session.exec(select(Delivery)).all()
    assert deliveries
    assert all(d.delivered_at is not None for d in deliveries)
    assert receiver.received  # at least once: receivers deduplicate by eventID


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_notice_worker_survives_a_locked_database_and_readyz_names_it(api: Api, impatient: Services) -> None:
    services = dataclasses.replace(
        impatient, settings=impatient.settings.model_copy(update={"anchor_every_seconds": 60.0})
    )
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    receiver = Receiver(path="/recall")
    loop = NoticeWorker(services).loop(tick_s=0.05)
    loop.health.stall_after_s = 1.0
    services.background.append(loop.health)
    try:
        assert api.as_org("haixian", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
        body = {"batch_id": BATCH, "reason": "Vibrio found", "recall_class": "I"}
        assert api.as_org("samr", "POST", "/v1/recalls", json=body).status_code == 201
        stalled, recovered = _stalled_then_recovered(services, loop)
    finally:
        receiver.close()

    assert [f["part"] for f in stalled["failing"]] == ["recall notices"]
    assert "database is locked" in stalled["parts"]["recall notices"]["last_error"]
    assert recovered["parts"]["recall notices"]["consecutive_failures"] == 0
    with Session(services.engine) as session:
        deliveries = session.exec(select(NoticeDelivery)).all()
    assert [(d.channel.value, d.delivered_at is not None) for d in deliveries] == [
        ("mqtt", True),
        ("webhook", True),
    ]
    assert receiver.received  # at least once: receivers deduplicate by the Suyuan-Delivery header


def _with_settings(services: Services, **settings: Any) -> Services:
    """The services with other settings and no background loops of their own."""
    return dataclasses.replace(
        services, settings=services.settings.model_copy(update=settings), background=[]
    )


def test_an_old_checkpoint_alone_makes_the_service_not_ready(api: Api, network: Network) -> None:
    services = _with_settings(api.services, anchor_every_seconds=EVERY_S)
    anchorer = Anchorer(services.ledger, lambda: network.client, network.anchorer, every_seconds=EVERY_S)
    stop = anchorer.loop(tick_s=0.05).start()
    try:
        services.ledger.append(make_record(0))
        size = services.ledger.size()
        _poll(lambda: services.ledger.latest_anchored_size() == size)
    finally:
        stop()  # the anchorer (a process of its own, say) stops
    with TestClient(create_app(services)) as client:
        assert client.get("/readyz").status_code == 200
        services.ledger.append(make_record(1))
        stalled = _poll(_ready(client, 503))

    assert [f["part"] for f in stalled["failing"]] == ["checkpoints"]
    assert stalled["parts"]["checkpoints"]["bound_s"] == 2.3
    assert stalled["parts"]["checkpoints"]["oldest_unanchored_record_age_s"] > 2.3


def test_chain_calls_owed_past_their_bound_make_the_service_not_ready(
    persisted: tuple[Api, LocalNode],
) -> None:
    api, node = persisted
    _members(api)
    payload = batch_payload(api, "haixian", lot="L2026-002")
    # Long enough for the first look to come before the bound on a loaded machine.
    services = _with_settings(api.services, chain_outbox_bound_seconds=3.0, anchor_every_seconds=60.0)
    node.stop()  # the chain worker cannot send what the admission owes
    with TestClient(create_app(services)) as client:
        admitted = client.post("/v1/batches", json=payload, headers=api.headers("haixian"))
        assert admitted.status_code == 201, admitted.text
        first = client.get("/readyz")
        # Ready while the call is younger than its bound (a loaded machine may look later).
        waited = first.json()["parts"]["chain_outbox"]["oldest_pending_age_s"]
        assert first.status_code == (200 if waited <= 3.0 else 503), first.text
        stalled = _poll(_ready(client, 503))

    assert [f["part"] for f in stalled["failing"]] == ["chain_outbox"]
    assert stalled["parts"]["chain_outbox"]["pending"] == 1
    assert stalled["parts"]["chain_outbox"]["bound_s"] == 3.0


def test_differences_the_reconciler_could_not_repair_make_the_service_not_ready(api: Api) -> None:
    wholesale = Web3.to_checksum_address(api.add_org("wholesale", "wholesaler")["chain_address"])
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    api.mined()
    services = _with_settings(api.services, anchor_every_seconds=60.0)
    with TestClient(create_app(services)) as client:
        services.reconcile_report = reconcile(services, repair=True)
        agreeing = client.get("/readyz")
        # What a transfer sent outside the service leaves: a chain fact no ledger record proves.
        services.chain.transfer_custody(
            services.account_of("haixian"), batch_chain_id(BATCH), wholesale, b"\x07" * 32
        )
        services.reconcile_report = reconcile(services, repair=True)
        differing = client.get("/readyz")

    assert agreeing.status_code == 200, agreeing.text
    assert agreeing.json()["parts"]["chain_differences"]["remaining"] == 0
    assert differing.status_code == 503
    assert [f["part"] for f in differing.json()["failing"]] == ["chain_differences"]
    assert "2 way(s)" in differing.json()["failing"][0]["reason"]
    assert differing.json()["parts"]["chain_differences"]["remaining"] == 2
