"""Chain calls after commit: facts owe their chain call in their own transaction, the chain worker
sends them in commit order, never twice, one worker at a time, and a refusal is reported and
repaired, never lost."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select
from web3 import Web3

from chain import LocalNode, Role, TxResult
from evidence import leaf_hash
from tests.api.conftest import Api, batch_payload
from tests.api.test_epcis import _capture, _doc, _lot_event
from tests.api.test_scans import BATCH, _scan
from tests.conftest import REPO_ROOT, Network
from trace_api.chainops import (
    MEMBERSHIP_OPERATIONS,
    ChainOp,
    ChainStatus,
    ChainWorker,
    ChainWorkerLease,
    Orgs,
    batch_chain_id,
    hash_of,
    send_fact,
)
from trace_api.chainops import worker as chain_worker
from trace_api.chainops.worker import LeaseLost
from trace_api.reconcile.service import reconcile
from trace_api.services import writing
from trace_api.settings import ServiceSettings


def _members(api: Api) -> dict[str, str]:
    """Three members, holding their roles on chain."""
    addresses = {
        handle: Web3.to_checksum_address(api.add_org(handle, kind)["chain_address"])
        for handle, kind in (("haixian", "importer"), ("partner", "wholesaler"), ("rival", "retailer"))
    }
    api.mined()
    return addresses


def _admit(api: Api) -> dict[str, Any]:
    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def _ops(api: Api) -> list[ChainOp]:
    """Every chain operation, in order: the first grants samr its role."""
    with Session(api.services.engine) as session:
        return list(session.exec(select(ChainOp).order_by(col(ChainOp.id))))


def _lot_ops(api: Api) -> list[ChainOp]:
    """The operations about lots (not the members' roles), in order."""
    return [op for op in _ops(api) if op.operation not in MEMBERSHIP_OPERATIONS]


def test_a_rolled_back_capture_leaves_nothing_on_chain(api: Api) -> None:
    addresses = _members(api)
    _admit(api)
    api.mined()
    # The first shipment is applied before the second is refused: the document rolls back whole.
    document = _doc(_lot_event(api, "shipping", to="partner"), _lot_event(api, "shipping", to="rival"))

    job = _capture(api, "haixian", document, "rollback").json()
    api.mined()

    assert job["status"] == "failed", job
    assert [op.operation.value for op in _lot_ops(api)] == ["register"]
    assert api.services.chain.batch(batch_chain_id(BATCH)).holder == addresses["haixian"]
    assert [e.name for e in api.services.chain.events_about("BatchRegistry", batch_chain_id(BATCH))] == [
        "BatchRegistered"
    ]


def test_facts_reach_the_chain_in_commit_order_with_their_transactions(api: Api) -> None:
    addresses = _members(api)
    _admit(api)
    split = _scan(
        api, "haixian", action="split", batch_id=BATCH, children=[{"lot": "L2026-001A", "quantity": 100}]
    )
    shipped = _scan(api, "haixian", action="ship", batch_id=f"{BATCH}A", counterparty="partner")
    recall = api.as_org(
        "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Listeria", "recall_class": "I"}
    )
    assert (split.status_code, shipped.status_code, recall.status_code) == (201, 201, 201)
    assert recall.json()["chain"]["status"] == "pending"

    api.mined()

    ops = _lot_ops(api)
    assert [op.operation.value for op in ops] == ["register", "split", "transfer", "recall"]
    assert all(op.status is ChainStatus.mined and op.attempts == 1 for op in ops)
    blocks = [op.block_number or 0 for op in ops]
    assert blocks == sorted(blocks)
    child = api.services.chain.batch(batch_chain_id(f"{BATCH}A"))
    assert (child.holder, child.parent) == (addresses["partner"], batch_chain_id(BATCH))
    assert api.services.chain.is_recalled(batch_chain_id(f"{BATCH}A"))
    lot = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()
    assert lot["chain_tx"] == ops[0].tx_hash
    assert lot["chain"]["status"] == "confirmed"
    issued = api.as_org("samr", "GET", f"/v1/recalls/{recall.json()['id']}").json()
    assert issued["chain"] == {
        "status": "confirmed",
        "tx_hash": ops[3].tx_hash,
        "block_number": ops[3].block_number,
        "error": None,
    }


def test_a_worker_that_died_after_sending_finds_the_call_mined_and_never_sends_it_again(api: Api) -> None:
    _members(api)
    _admit(api)
    api.mined()
    assert api.chain_worker is not None
    dead = ChainWorker(api.services)
    with api.chain_worker._pass:  # the service's worker stays out while the other one lives and dies
        _expire_lease(api)
        assert dead.lease.take()
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        assert shipped.status_code == 201, shipped.text
        # It recorded `sending`, sent, and died before recording the outcome.
        op = next(op for op in _lot_ops(api) if op.record_id == shipped.json()["record_id"])
        dead._mark_sending(op)
        with Session(api.services.engine) as session:
            sent = send_fact(api.services, Orgs(session), api.services.ledger.get(op.record_id), BATCH)
        _expire_lease(api)

    api.mined()

    after = next(o for o in _lot_ops(api) if o.id == op.id)
    assert (after.status, after.attempts, after.tx_hash) == (ChainStatus.mined, 1, sent.tx_hash)
    events = api.services.chain.events_about("BatchRegistry", batch_chain_id(BATCH))
    assert [e.tx_hash for e in events if e.name != "BatchRegistered"] == [sent.tx_hash]


def _expire_lease(api: Api) -> None:
    with Session(api.services.engine) as session:
        lease = session.get(ChainWorkerLease, "chain")
        assert lease is not None
        lease.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.add(lease)
        session.commit()


def test_a_worker_killed_between_sending_and_noting_is_not_sent_again_by_the_next(
    api: Api, anvil: LocalNode, network: Network, database_url: str, tmp_path: Path
) -> None:
    _members(api)
    _admit(api)
    api.mined()
    assert api.chain_worker is not None
    config = tmp_path / "worker.json"
    config.write_text(
        json.dumps(
            {
                "data_dir": str(api.services.settings.data_dir),
                "database_url": database_url,
                "rpc_url": anvil.rpc_url,
                "deployment": network.client.deployment.model_dump(),
                "regulator_key": network.regulator.key.hex(),
            }
        )
    )
    with api.chain_worker._pass:  # the service's worker stays out while the other one lives and dies
        _expire_lease(api)
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        assert shipped.status_code == 201, shipped.text
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.api._chain_worker_process", str(config)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert worker.stdout is not None
            said = worker.stdout.readline()  # the worker's own word that its call is mined
            assert said.startswith("sent 0x"), said + (worker.stderr.read() if worker.stderr else "")
            during = next(op for op in _lot_ops(api) if op.record_id == shipped.json()["record_id"])
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=60)
        # The next worker (a restarted service) takes over once the dead one's lease expires.
        lease_s = api.services.settings.chain_lease_seconds
        later = ChainWorker(
            api.services, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lease_s + 1)
        )
        drained = later.drain()

    after = next(op for op in _lot_ops(api) if op.id == during.id)
    assert worker.returncode == -signal.SIGKILL
    assert (during.status, during.attempts, during.tx_hash) == (ChainStatus.sending, 1, None)
    assert drained == 1
    assert (after.status, after.attempts, after.tx_hash) == (ChainStatus.mined, 1, said.split()[1])
    events = api.services.chain.events_about("BatchRegistry", batch_chain_id(BATCH))
    leaves = [hash_of(event) for event in events]
    for op in _lot_ops(api):
        assert leaves.count(leaf_hash(api.services.ledger.get(op.record_id).body)) == 1, op.operation
    assert [event.name for event in events] == ["BatchRegistered", "CustodyTransferred"]
    shipment = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()
    assert shipment["chain"]["status"] == "confirmed"


def test_one_worker_sends_at_a_time_and_another_takes_over_when_its_lease_expires(api: Api) -> None:
    _members(api)
    _admit(api)
    assert api.chain_worker is not None
    api.mined()
    other = ChainWorker(api.services)

    with api.chain_worker._pass:  # the service's worker is alive, in a pass (its lease is fresh)
        assert api.chain_worker.lease.take()
        _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        blocked = other.drain()
        pending = [op.status for op in _lot_ops(api)]
        _expire_lease(api)
        taken = other.drain()

    assert blocked == 0
    assert pending == [ChainStatus.mined, ChainStatus.pending]
    assert taken == 1
    assert [op.status for op in _lot_ops(api)] == [ChainStatus.mined, ChainStatus.mined]
    assert api.chain_worker.drain() == 0  # nothing is left for it


def test_a_worker_gives_the_lease_up_when_its_pass_ends(api: Api) -> None:
    _members(api)
    _admit(api)
    assert api.chain_worker is not None
    api.mined()
    other = ChainWorker(api.services)

    assert other.lease.take()  # the service's worker finished its pass: it no longer holds the lease
    _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
    assert api.chain_worker.drain() == 0
    assert other.drain() == 1


def test_a_call_the_chain_refuses_is_marked_failed_then_replayed_by_the_reconciler(api: Api) -> None:
    addresses = _members(api)
    assert api.chain_worker is not None
    # The node lost the importer's grant (say, a restart from older state) before the admission went out.
    api.services.chain.revoke_member(api.services.regulator_key, addresses["haixian"], Role.IMPORTER)
    _admit(api)

    api.mined()
    failed = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()["chain"]
    refused = _lot_ops(api)
    report = reconcile(api.services, repair=True)
    repaired = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()

    assert failed["status"] == "failed"
    assert [(op.status, op.attempts) for op in refused] == [(ChainStatus.failed, 1)]
    assert (refused[0].last_error or "").startswith("BatchRegistryMissingRole(")
    assert [(op.status, op.last_error) for op in _lot_ops(api)] == [(ChainStatus.mined, None)]
    assert [(r.kind, r.batch_id) for r in report.repairs] == [
        ("member.granted", "org:haixian"),
        ("batch.admitted", BATCH),
    ]
    assert report.remaining == []
    assert repaired["chain"]["status"] == "confirmed"
    assert repaired["chain_tx"] == report.repairs[1].tx_hash
    assert api.services.chain.batch(batch_chain_id(BATCH)).holder == addresses["haixian"]


def _sent_elsewhere(api: Api) -> tuple[ChainOp, TxResult]:
    """A shipment whose call an earlier send put on chain while its operation still reads pending."""
    _members(api)
    _admit(api)
    api.mined()
    assert api.chain_worker is not None
    with api.chain_worker._pass:
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        assert shipped.status_code == 201, shipped.text
        op = next(op for op in _lot_ops(api) if op.record_id == shipped.json()["record_id"])
        with Session(api.services.engine) as session:
            sent = send_fact(api.services, Orgs(session), api.services.ledger.get(op.record_id), BATCH)
    return op, sent


def test_a_call_refused_because_an_earlier_send_was_mined_meanwhile_is_marked_mined(api: Api) -> None:
    # A send whose receipt came too late, and a second send refused because the first was mined.
    op, sent = _sent_elsewhere(api)

    api.mined()

    after = next(o for o in _lot_ops(api) if o.id == op.id)
    assert (after.status, after.tx_hash, after.last_error) == (ChainStatus.mined, sent.tx_hash, None)
    lot = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()
    assert lot["chain"]["status"] == "confirmed"


def test_the_reconciler_settles_a_refused_call_whose_fact_stands_on_chain(api: Api) -> None:
    op, sent = _sent_elsewhere(api)
    with writing(api.services) as session:  # refused, as a worker without the second look left it
        row = session.get(ChainOp, op.id)
        assert row is not None
        row.status, row.last_error = ChainStatus.failed, "BatchRegistryNotHolder()"
        session.add(row)

    report = reconcile(api.services, repair=True)

    after = next(o for o in _lot_ops(api) if o.id == op.id)
    assert (after.status, after.tx_hash, after.last_error) == (ChainStatus.mined, sent.tx_hash, None)
    assert (report.repairs, report.remaining) == ([], [])
    assert api.as_org("haixian", "GET", "/readyz").json()["parts"]["chain_outbox"]["failed"] == 0


def test_a_worker_whose_lease_lapsed_mid_send_sends_nothing_more_and_never_unmarks_a_mined_call(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _members(api)
    _admit(api)
    api.mined()
    assert api.chain_worker is not None
    lease_s = api.services.settings.chain_lease_seconds
    slow = ChainWorker(api.services)
    # The other replica's clock reads past the slow one's lease: to it, that lease has lapsed.
    late = ChainWorker(
        api.services, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=lease_s + 1)
    )
    sent_by_slow: list[TxResult] = []
    taken_over: list[int] = []
    real_send = send_fact

    def send_then_lapse(*args: Any) -> TxResult:
        result = real_send(*args)
        if not sent_by_slow:  # the slow worker's first call is mined; its lease lapses before it notes so
            sent_by_slow.append(result)
            taken_over.append(late.drain())
        return result

    monkeypatch.setattr(chain_worker, "send_fact", send_then_lapse)
    with api.chain_worker._pass:  # the service's own worker stays out
        _expire_lease(api)
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="partner")
        recall = api.as_org(
            "samr", "POST", "/v1/recalls", json={"batch_id": BATCH, "reason": "Listeria", "recall_class": "I"}
        )
        assert (shipped.status_code, recall.status_code) == (201, 201)
        stale = _lot_ops(api)[2]  # the recall, as the slow worker read it: pending
        finished = slow.drain()
        with pytest.raises(LeaseLost):
            slow._mark_sending(stale)
        stored = api.services.ledger.get(stale.record_id)
        slow._finish(stale, stored, ChainStatus.failed, error="BatchRegistryAlreadyRecalled()")

    ops = _lot_ops(api)
    assert [op.operation.value for op in ops] == ["register", "transfer", "recall"]
    assert (finished, taken_over) == (1, [2])  # the slow worker noted its one call; the other sent the rest
    assert [(op.status, op.attempts, op.last_error) for op in ops[1:]] == [(ChainStatus.mined, 1, None)] * 2
    assert ops[1].tx_hash == sent_by_slow[0].tx_hash
    events = api.services.chain.events_about("BatchRegistry", batch_chain_id(BATCH))
    leaves = [hash_of(event) for event in events]
    for op in ops:
        assert leaves.count(leaf_hash(api.services.ledger.get(op.record_id).body)) == 1, op.operation
    assert len(events) == 3
    with Session(api.services.engine) as session:
        lease = session.get(ChainWorkerLease, "chain")
        assert lease is not None
        assert lease.holder == late.holder


def test_settings_refuse_a_chain_lease_that_ends_before_a_receipt_wait() -> None:
    with pytest.raises(
        ValidationError, match=r"chain_lease_seconds \(60\) must be longer than receipt_timeout_s \(60\)"
    ):
        ServiceSettings(chain_lease_seconds=60, receipt_timeout_s=60)
    assert ServiceSettings(chain_lease_seconds=3, receipt_timeout_s=2).chain_lease_seconds == 3
