"""Chain reconciliation: lost chain facts replayed from the ledger, unproven ones only reported."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlmodel import Session, select
from web3 import Web3

from chain import ChainClient, LocalNode, Role, connect, deploy_contracts, id_hash
from evidence import Actor, Record, Subject, open_ledger, utc_now, write_transaction
from tests.api.conftest import Api, batch_payload, make_uscc, serve_api
from tests.api.test_cli import _run
from trace_api.batches.models import Batch, StorageClass
from trace_api.chainops import batch_chain_id
from trace_api.orgs.models import Organisation
from trace_api.reconcile import service as reconcile_service
from trace_api.reconcile.service import DIFFERENCE_KIND, reconcile, reconcile_loop
from trace_api.settings import ServiceSettings

BATCH = "09506000134352.L2026-001"


def _scan(api: Api, handle: str, **body: Any) -> Any:
    return api.as_org(
        handle, "POST", "/v1/scans", json={"location": "urn:epc:id:sgln:9506000.13435.0", **body}
    )


def _members(api: Api) -> dict[str, str]:
    """An importer with one admitted lot, a wholesaler and a retailer; their chain addresses."""
    addresses = {
        handle: Web3.to_checksum_address(api.add_org(handle, kind)["chain_address"])
        for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer"))
    }
    response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    assert response.status_code == 201, response.text
    api.mined()
    return addresses


def _holder(api: Api) -> str:
    return api.services.chain.batch(batch_chain_id(BATCH)).holder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def persisted(tmp_path: Path, database_url: str, mqtt_url: str) -> Iterator[tuple[Api, LocalNode]]:
    """The API over its own node that persists its state but dumps it only when stopped cleanly."""
    node = LocalNode(tmp_path / "node", chain_id=31337, port=_free_port(), state_interval_s=3600)
    w3 = connect(node.start())
    regulator = Account.create()
    client = ChainClient(w3, deploy_contracts(w3, regulator, id_hash("org:regulator")))
    try:
        with serve_api(tmp_path, client, regulator, database_url, mqtt_url) as api:
            yield api, node
    finally:
        node.stop()


def test_reconcile_replays_an_acknowledged_ship_the_killed_node_lost(
    persisted: tuple[Api, LocalNode],
) -> None:
    api, node = persisted
    addresses = _members(api)
    node.stop()  # a clean stop dumps the state: members and the admitted lot survive
    node.start()
    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    assert shipped.status_code == 201, shipped.text
    api.mined()
    assert _holder(api) == addresses["wholesale"]
    node.kill()  # before its next dump: the acknowledged transfer is gone from the chain
    node.start()
    assert _holder(api) == addresses["haixian"]

    report = reconcile(api.services, repair=True)

    assert [(r.kind, r.record_id) for r in report.repairs] == [("scan.ship", shipped.json()["record_id"])]
    assert [d.kind for d in report.found] == ["holder"]
    assert report.remaining == []
    assert _holder(api) == addresses["wholesale"]
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH)
    assert received.status_code == 201, received.text
    onward = _scan(api, "wholesale", action="ship", batch_id=BATCH, counterparty="shop")
    assert onward.status_code == 201, onward.text
    api.mined()
    assert _holder(api) == addresses["shop"]
    again = reconcile(api.services, repair=True)
    assert (again.checked, again.found, again.repairs, again.remaining) == (1, [], [], [])


def test_reconcile_reports_a_transfer_never_committed_once_and_leaves_it(api: Api) -> None:
    addresses = _members(api)
    # What a crash between the mined transfer and the database commit leaves behind.
    api.services.chain.transfer_custody(
        api.services.account_of("haixian"), batch_chain_id(BATCH), addresses["wholesale"], b"\x07" * 32
    )

    first = reconcile(api.services, repair=True)
    second = reconcile(api.services, repair=True)

    assert first.repairs == []
    assert second.repairs == []
    assert sorted(d.kind for d in first.remaining) == ["chain_only", "holder"]
    assert _holder(api) == addresses["wholesale"]  # not undone: a regulator decides
    assert len(first.recorded) == 2
    assert second.recorded == []
    assert [d.key for d in second.remaining] == [d.key for d in first.remaining]
    listed = api.as_org("samr", "GET", "/v1/chain/differences")
    assert listed.status_code == 200, listed.text
    differences = listed.json()["differences"]
    assert sorted(d["record_id"] for d in differences) == sorted(first.recorded)
    assert {d["batch_id"] for d in differences} == {BATCH}
    holder = next(d for d in differences if d["kind"] == "holder")
    assert "haixian" in holder["detail"]
    assert "wholesale" in holder["detail"]
    assert all(api.services.ledger.get(r).kind == DIFFERENCE_KIND for r in first.recorded)
    assert api.as_org("haixian", "GET", "/v1/chain/differences").status_code == 403


def test_reconcile_reports_a_role_on_chain_no_member_accounts_for_once_and_leaves_it(api: Api) -> None:
    addresses = _members(api)
    # A role granted outside the service, and one an admission whose commit was lost left behind.
    stranger = Account.create().address
    api.services.chain.grant_member(api.services.regulator_key, stranger, Role.IMPORTER, id_hash("uscc:x"))
    haixian = api.as_org("samr", "GET", "/v1/organisations/haixian").json()
    api.services.chain.grant_member(
        api.services.regulator_key, addresses["haixian"], Role.TRADER, id_hash(f"uscc:{haixian['uscc']}")
    )

    looked = reconcile(api.services, repair=False)
    first = reconcile(api.services, repair=True)
    second = reconcile(api.services, repair=True)

    expected = [
        (f"account:{stranger}", "unknown_member", None, "importer"),
        (f"account:{addresses['haixian']}", "foreign_role", "haixian", "trader"),
    ]
    for report in (looked, first, second):
        assert [(d.batch_id, d.kind, d.database, d.chain) for d in report.remaining] == expected
    assert looked.recorded == []
    assert (first.repairs, second.repairs) == ([], [])
    assert len(first.recorded) == 2
    assert second.recorded == []  # each once
    assert api.services.chain.has_role(stranger, Role.IMPORTER)  # not revoked: a regulator decides
    assert api.services.chain.has_role(addresses["haixian"], Role.TRADER)
    differences = api.as_org("samr", "GET", "/v1/chain/differences").json()["differences"]
    unknown = next(d for d in differences if d["kind"] == "unknown_member")
    assert unknown["batch_id"] == f"account:{stranger}"
    assert "no organisation of the database has that account" in unknown["detail"]


def test_reconcile_without_repair_only_reports_what_the_chain_lost(
    persisted: tuple[Api, LocalNode],
) -> None:
    api, node = persisted
    addresses = _members(api)
    node.stop()
    node.start()
    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    assert shipped.status_code == 201, shipped.text
    api.mined()
    node.kill()
    node.start()

    report = reconcile(api.services, repair=False)

    assert report.repairs == []
    assert report.recorded == []
    assert [(f["kind"], f["record_id"]) for f in report.replayable] == [
        ("scan.ship", shipped.json()["record_id"])
    ]
    assert [d.kind for d in report.remaining] == ["holder"]
    assert _holder(api) == addresses["haixian"]


def _admitted_off_chain(cli_env: dict[str, str]) -> str:
    """A lot the CLI's database and ledger admitted whose registration the chain does not have."""
    added = _run(
        cli_env,
        "org",
        "add",
        "--handle",
        "haixian",
        "--name",
        "Haixian Import",
        "--type",
        "importer",
        "--uscc",
        make_uscc(),
        "--jurisdiction",
        "Shanghai",
    )
    assert added.returncode == 0, added.stderr
    settings = ServiceSettings(data_dir=Path(cli_env["SUYUAN_DATA_DIR"]))
    ledger = open_ledger(settings)
    try:
        with write_transaction(ledger.engine, ledger.lock_name) as conn, Session(bind=conn) as session:
            org = session.exec(select(Organisation).where(Organisation.handle == "haixian")).one()
            record = Record(
                kind="batch.admitted",
                record_id=f"batch:{BATCH}:admitted",
                time=utc_now(),
                actor=Actor(org=org.uscc, key_id="test"),
                subjects=[Subject(type="batch", id=BATCH), Subject(type="org", id=org.uscc)],
                payload={"batch_id": BATCH},
            )
            ledger.append(record, conn=conn)
            session.add(
                Batch(
                    id=BATCH,
                    gtin="09506000134352",
                    lot="L2026-001",
                    product_name="Frozen white shrimp",
                    quantity=1200,
                    unit="KGM",
                    storage_class=StorageClass.frozen,
                    origin_country="EC",
                    producer="Camaronera del Pacifico S.A.",
                    establishment_number="EC-1234",
                    production_date=dt.date(2026, 9, 1),
                    expiry_date=dt.date(2027, 9, 1),
                    importer_org_id=org.id,
                    holder_org_id=org.id,
                    admission_record_id=record.record_id,
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            session.flush()
    finally:
        ledger.engine.dispose()
    return f"batch:{BATCH}:admitted"


def test_chain_reconcile_command_reports_repairs_and_exits_by_what_remains(cli_env: dict[str, str]) -> None:
    clean = _run(cli_env, "chain", "reconcile")
    assert clean.returncode == 0, clean.stderr
    assert "0 lots checked, 0 differences found, 0 repaired, 0 remaining" in clean.stdout
    record_id = _admitted_off_chain(cli_env)

    reported = _run(cli_env, "chain", "reconcile")
    as_json = _run(cli_env, "chain", "reconcile", "--json")
    repaired = _run(cli_env, "chain", "reconcile", "--json", "--repair")
    after = _run(cli_env, "chain", "reconcile")

    assert reported.returncode == 1, reported.stderr
    assert f"differs   {BATCH}: lot {BATCH} is not registered on chain" in reported.stdout
    assert "1 lots checked, 1 differences found, 0 repaired, 1 remaining" in reported.stdout
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["consistent"] is False
    assert [d["kind"] for d in report["remaining"]] == ["unregistered"]
    assert [(f["kind"], f["record_id"]) for f in report["replayable"]] == [("batch.admitted", record_id)]
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    fixed = json.loads(repaired.stdout)
    assert (fixed["consistent"], fixed["remaining"]) == (True, [])
    assert [(r["kind"], r["record_id"]) for r in fixed["repairs"]] == [("batch.admitted", record_id)]
    assert after.returncode == 0, after.stderr
    assert "1 lots checked, 0 differences found, 0 repaired, 0 remaining" in after.stdout


def _ready_parts(api: Api) -> dict[str, Any]:
    response = api.client.get("/readyz")
    assert response.status_code in (200, 503), response.text
    return dict(response.json()["parts"])


def _until(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)  # polling the service's own loop, bounded by the deadline
    raise AssertionError(f"not within {timeout_s} s")


def test_reconcile_loop_repairs_once_the_restarted_node_answers(persisted: tuple[Api, LocalNode]) -> None:
    api, node = persisted
    addresses = _members(api)
    node.stop()
    node.start()
    loop = reconcile_loop(api.services, probe_s=0.1)
    api.services.background.append(loop.health)
    stop = loop.start()
    try:
        _until(lambda: "chain_differences" in _ready_parts(api))
        shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
        assert shipped.status_code == 201, shipped.text
        api.mined()
        node.kill()
        _until(lambda: _ready_parts(api)["chain_reconcile"]["consecutive_failures"] > 0)
        node.start()

        # The pass publishes its report before the loop counts the step a success: wait for both.
        parts = _until(
            lambda: (
                (p := _ready_parts(api))["chain_differences"]["repaired"] == 1
                and p["chain_reconcile"]["consecutive_failures"] == 0
                and p
            ),
        )

        assert parts["chain_differences"]["remaining"] == 0
        assert _holder(api) == addresses["wholesale"]
    finally:
        stop()


def test_reconcile_replays_a_lost_split_before_the_ship_of_its_child(
    persisted: tuple[Api, LocalNode],
) -> None:
    api, node = persisted
    addresses = _members(api)
    child = f"{BATCH}A"
    node.stop()
    node.start()
    split = _scan(
        api, "haixian", action="split", batch_id=BATCH, children=[{"lot": "L2026-001A", "quantity": 100}]
    )
    assert split.status_code == 201, split.text
    shipped = _scan(api, "haixian", action="ship", batch_id=child, counterparty="wholesale")
    assert shipped.status_code == 201, shipped.text
    api.mined()
    node.kill()
    node.start()

    report = reconcile(api.services, repair=True)

    assert [(r.kind, r.batch_id) for r in report.repairs] == [("batch.split", BATCH), ("scan.ship", child)]
    assert report.remaining == []
    on_chain = api.services.chain.batch(batch_chain_id(child))
    assert on_chain.holder == addresses["wholesale"]
    assert on_chain.parent == batch_chain_id(BATCH)
    assert reconcile(api.services, repair=True).found == []


def test_writes_are_answered_while_a_repair_replays_and_the_worker_waits_for_it(
    persisted: tuple[Api, LocalNode], monkeypatch: pytest.MonkeyPatch
) -> None:
    api, node = persisted
    addresses = _members(api)
    node.stop()
    node.start()
    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    assert shipped.status_code == 201, shipped.text
    api.mined()
    node.kill()
    node.start()
    replaying, resume = threading.Event(), threading.Event()
    real_send = reconcile_service.send_fact

    def send_when_resumed(*args: Any, **kwargs: Any) -> Any:
        replaying.set()
        assert resume.wait(60), "the test never let the replay go on"
        return real_send(*args, **kwargs)

    monkeypatch.setattr(reconcile_service, "send_fact", send_when_resumed)
    reports: list[reconcile_service.Report] = []
    repairing = threading.Thread(target=lambda: reports.append(reconcile(api.services, repair=True)))
    repairing.start()
    try:
        assert replaying.wait(30), "the repair replayed nothing"
        received = _scan(api, "wholesale", action="receive", batch_id=BATCH)
        assert received.status_code == 201, received.text
        admitted = api.as_org(
            "haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot="L2026-002")
        )
        assert api.chain_worker is not None
        sent_meanwhile = api.chain_worker.drain()
    finally:
        resume.set()
        repairing.join(60)

    assert admitted.status_code == 201, admitted.text
    assert sent_meanwhile == 0  # the reconciler held the chain lease: nothing went out of order
    assert [(r.kind, r.record_id) for r in reports[0].repairs] == [("scan.ship", shipped.json()["record_id"])]
    assert reports[0].remaining == []
    assert _holder(api) == addresses["wholesale"]
    api.mined()
    second = api.services.chain.batch(batch_chain_id("09506000134352.L2026-002"))
    assert second.holder == addresses["haixian"]
