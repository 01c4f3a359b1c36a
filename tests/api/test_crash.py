"""The whole service under a bounded load, killed mid-run (the `suyuan up` process, or the chain
node alone) and started again: every acknowledged record is present exactly once, a resent
request is answered with what was stored, the chain and the database agree again, and the audit
of the ledger is clean."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from chain import ChainClient, Deployment, connect, running_node_url
from evidence import UnknownRecord, leaf_hash, open_ledger
from tests.api.conftest import admission_body
from tests.api.test_cli import _exited, _node_pid, _run, _start_up
from trace_api.chainops import ON_CHAIN_KINDS, batch_chain_id, hash_of
from trace_api.settings import ServiceSettings

GTIN = "09506000134352"
#: Threads sending requests at once, and the lots each takes through its five steps at most.
CLIENTS, LOTS_EACH = 3, 6
#: Acknowledged records before the kill.
KILL_AFTER = 24
#: Each lot: admitted, shipped to the wholesaler, received, shipped to a shop, received.
STEPS = 5


@dataclass
class Step:
    lot: str
    number: int
    handle: str
    method: str
    path: str
    body: dict[str, Any]

    @property
    def record_id(self) -> str:
        return f"batch:{GTIN}.{self.lot}:admitted" if self.number == 0 else f"scan:{self.body['scan_id']}"


@dataclass
class Load:
    """Clients taking lots through their steps; what the service acknowledged, and what it did not answer."""

    keys: dict[str, str]
    acknowledged: dict[str, list[str]] = field(default_factory=dict)
    unanswered: list[Step] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    count: int = 0

    def send(self, http: httpx.Client, step: Step) -> bool:
        """Sends one step; True when the service stored it (now or before)."""
        headers = {"Authorization": f"Bearer {self.keys[step.handle]}"}
        try:
            response = http.request(step.method, step.path, json=step.body, headers=headers)
        except httpx.TransportError:
            with self.cond:
                self.unanswered.append(step)
            return False
        stored_before = (
            step.number == 0 and response.status_code == 409 and "admitted already" in response.text
        )
        if response.status_code >= 500:
            with self.cond:
                self.server_errors.append(f"{step.path} {response.status_code} {response.text}")
            return False
        assert response.status_code in (200, 201) or stored_before, response.text
        if step.number > 0:
            assert response.json()["record_id"] == step.record_id
        with self.cond:
            self.acknowledged.setdefault(step.lot, []).append(step.record_id)
            self.count += 1
            self.cond.notify_all()
        return True

    def wait_for(self, count: int, timeout_s: float = 120.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: self.count >= count, timeout_s), self.count


def _steps(lot: str, documents: dict[str, str]) -> list[Step]:
    def scan(number: int, handle: str, **body: Any) -> Step:
        body = {"batch_id": f"{GTIN}.{lot}", "location": "Shanghai", "scan_id": str(uuid.uuid4()), **body}
        return Step(lot, number, handle, "POST", "/v1/scans", body)

    return [
        Step(lot, 0, "demo-haixian", "POST", "/v1/batches", admission_body(lot, documents, GTIN)),
        scan(1, "demo-haixian", action="ship", counterparty="demo-wholesale"),
        scan(2, "demo-wholesale", action="receive"),
        scan(3, "demo-wholesale", action="ship", counterparty="demo-shop-a"),
        scan(4, "demo-shop-a", action="receive"),
    ]


def _run_client(load: Load, url: str, lots: list[list[Step]], done: dict[str, int]) -> None:
    """Takes each lot through its steps until the service stops answering."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for steps in lots:
            for step in steps[done.get(steps[0].lot, 0) :]:
                if not load.send(http, step):
                    return
                done[step.lot] = step.number + 1


def _url(lines: list[str]) -> str:
    line = next(line for line in lines if line.startswith("trace API: "))
    return line.split()[2]


def _upload_certificates(url: str, key: str) -> dict[str, str]:
    with httpx.Client(base_url=url, timeout=30) as http:
        shas = {}
        for kind in ("quarantine", "nucleic_acid_test", "disinfection"):
            files = {"file": (f"{kind}.pdf", f"%PDF-1.4 {kind} {uuid.uuid4()}".encode(), "application/pdf")}
            response = http.post("/v1/documents", files=files, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 201, response.text
            shas[kind] = response.json()["sha256"]
        return shas


def _wait_for_a_mined_admission(url: str, key: str, load: Load, timeout_s: float = 120.0) -> None:
    """Returns once the chain worker has mined the admission of one of the lots the load took in."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {key}"}) as http:
        while time.monotonic() < deadline:
            with load.cond:
                lots = list(load.acknowledged)
            for lot in lots:
                if http.get(f"/v1/batches/{GTIN}.{lot}").json()["chain"]["status"] == "confirmed":
                    return
            time.sleep(0.2)  # polling the service's own chain worker, bounded by the deadline
    raise AssertionError(f"no admission of the load was mined within {timeout_s} s")


def _settled(url: str, timeout_s: float = 120.0) -> dict[str, Any]:
    """/readyz once nothing is owed to the chain and no call stands refused."""
    deadline = time.monotonic() + timeout_s
    parts: dict[str, Any] = {}
    while time.monotonic() < deadline:
        parts = httpx.get(f"{url}/readyz", timeout=30).json().get("parts", {})
        outbox = parts.get("chain_outbox", {})
        if outbox.get("pending") == 0 and outbox.get("failed") == 0 and "chain_differences" in parts:
            return parts
        time.sleep(0.2)  # polling the service's own loops, bounded by the deadline
    raise AssertionError(f"the chain did not catch up within {timeout_s} s: {parts}")


def _chain_leaves(env: dict[str, str], lots: list[str]) -> dict[str, list[bytes]]:
    """The leaf hashes the BatchRegistry events about each lot carry, on the running node."""
    settings = ServiceSettings(data_dir=Path(env["SUYUAN_DATA_DIR"]))
    url = running_node_url(settings.chain_dir)
    assert url is not None
    chain = ChainClient(connect(url), Deployment.load(settings.deployment_file))
    return {
        lot: [hash_of(e) for e in chain.events_about("BatchRegistry", batch_chain_id(f"{GTIN}.{lot}"))]
        for lot in lots
    }


@pytest.mark.parametrize("kill", ["service", "node"])
def test_killed_mid_run_nothing_acknowledged_is_lost_or_doubled_and_chain_and_ledger_agree(
    cli_env: dict[str, str], kill: str
) -> None:
    # The node writes its state when stopped and otherwise never during the test: killed, it
    # loses every fact it mined since the last start, which the reconciler must put back.
    env = {
        **cli_env,
        "SUYUAN_CHAIN_LEASE_SECONDS": "2",
        "SUYUAN_RECEIPT_TIMEOUT_S": "1.5",
        "SUYUAN_ANVIL_STATE_INTERVAL_SECONDS": "3600",
    }
    up, lines = _start_up(env, "--demo")
    if kill == "node":  # the demo network's chain state kept, as a node stopped cleanly keeps it
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)
        up, lines = _start_up(env)
    url = _url(lines)
    keys = {
        o["handle"]: o["api_key"]
        for o in json.loads((Path(env["SUYUAN_DATA_DIR"]) / "demo.json").read_text())["organisations"]
    }
    load = Load(keys)
    documents = _upload_certificates(url, keys["demo-haixian"])
    lots = [[_steps(f"CRASH-{c}-{n}", documents) for n in range(LOTS_EACH)] for c in range(CLIENTS)]
    done: list[dict[str, int]] = [{} for _ in range(CLIENTS)]
    clients = [
        threading.Thread(target=_run_client, args=(load, url, lots[c], done[c]), daemon=True)
        for c in range(CLIENTS)
    ]
    for client in clients:
        client.start()

    load.wait_for(KILL_AFTER)
    assert load.count < CLIENTS * LOTS_EACH * STEPS  # the load is still running when it is killed
    if kill == "service":
        up.send_signal(signal.SIGKILL)
        up.wait()
    else:
        _wait_for_a_mined_admission(url, keys["demo-haixian"], load)  # so that the kill loses at least it
        node = _node_pid(env)
        os.kill(node, signal.SIGKILL)  # it never dumped its state: what it mined since its start is gone
        assert _exited(node)
        load.wait_for(KILL_AFTER + 6)  # scans are still accepted while the node is gone
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)
    for client in clients:
        client.join(timeout=60)
    up, lines = _start_up(env)
    url = _url(lines)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            resent = list(load.unanswered)
            load.unanswered.clear()
            for step in resent:  # what was sent and never answered, sent again as it was
                assert load.send(http, step)
                done[int(step.lot.split("-")[1])][step.lot] = step.number + 1
        for client in range(CLIENTS):
            _run_client(load, url, lots[client], done[client])
        parts = _settled(url)
        on_chain = _chain_leaves(env, list(load.acknowledged))
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=60)

    assert load.server_errors == []
    assert load.unanswered == []
    assert sum(len(ids) for ids in load.acknowledged.values()) == CLIENTS * LOTS_EACH * STEPS
    ledger = open_ledger(ServiceSettings(data_dir=Path(env["SUYUAN_DATA_DIR"])))
    try:
        for lot, acknowledged in load.acknowledged.items():
            assert len(set(acknowledged)) == STEPS, (lot, acknowledged)
            about = [s.record_id for s in ledger.about("batch", f"{GTIN}.{lot}")]
            assert sorted(about) == sorted(set(acknowledged)), lot  # each once, nothing else
            for record_id in acknowledged:
                try:
                    stored = ledger.get(record_id)
                except UnknownRecord:
                    pytest.fail(f"acknowledged {record_id} is not in the ledger")
                if stored.kind in ON_CHAIN_KINDS:  # an admission or a shipment: on chain exactly once
                    assert on_chain[lot].count(leaf_hash(stored.body)) == 1, (lot, record_id)
            assert len(on_chain[lot]) == 3, lot  # admitted and shipped twice, nothing else
    finally:
        ledger.engine.dispose()
    assert parts["chain_outbox"]["failed"] == 0
    if kill == "node":  # what the node lost was put back on chain by the restarted service
        assert parts["chain_differences"]["repaired_since_start"] >= 1, parts
    reconciled = _run(env, "chain", "reconcile", "--json")
    audit = _run(env, "audit", "--json")
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    assert json.loads(reconciled.stdout)["consistent"] is True
    assert audit.returncode == 0, audit.stdout + audit.stderr
