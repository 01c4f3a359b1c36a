"""While the chain node is down, scans and admissions of members are accepted and owed to the
chain, and reach it in order once it answers again: a member's role is granted before its own
chain calls are sent, and no other write waits for the grant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from web3 import Web3

from chain import LocalNode, Role, connect
from tests.api.conftest import Api, batch_payload, make_uscc
from tests.api.test_scans import BATCH, _scan
from trace_api.chainops import ChainOp, ChainStatus, batch_chain_id


@pytest.fixture
def private_node(tmp_path: Path) -> Iterator[LocalNode]:
    """A node of this test's own, so that stopping it leaves the other tests' node alone; it keeps
    its state across a clean stop and comes back on the same port."""
    node = LocalNode(tmp_path / "anvil", chain_id=31337, state_interval_s=3600)
    node.start()
    assert node.rpc_url is not None
    node.port = int(node.rpc_url.rsplit(":", 1)[1])
    yield node
    node.stop()


@pytest.fixture
def w3(private_node: LocalNode) -> Web3:
    assert private_node.rpc_url is not None
    return connect(private_node.rpc_url)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_scans_during_a_chain_outage_are_accepted_and_reach_the_chain_in_order_once_it_answers(
    api: Api, private_node: LocalNode
) -> None:
    addresses = {
        handle: Web3.to_checksum_address(api.add_org(handle, kind)["chain_address"])
        for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer"))
    }
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    api.mined()
    private_node.stop()

    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH)
    onward = _scan(api, "wholesale", action="ship", batch_id=BATCH, counterparty="shop")
    pending = api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").json()["chain"]
    traced = api.as_org("samr", "GET", f"/v1/trace/{BATCH}").json()
    private_node.start()
    api.mined()

    assert [r.status_code for r in (shipped, received, onward)] == [201, 201, 201]
    assert shipped.json()["chain"] == {"status": "pending"}
    assert pending["status"] == "pending"
    assert pending["pending"] == 2  # both shipments wait for the node
    assert [s["chain"] for s in traced["shipments"]] == ["pending", "pending"]
    assert [(e["kind"], e["chain"]) for e in traced["events"]] == [
        ("batch.admitted", "confirmed"),
        ("scan.ship", "pending"),
        ("scan.receive", None),
        ("scan.ship", "pending"),
    ]
    assert api.services.chain.batch(batch_chain_id(BATCH)).holder == addresses["shop"]
    confirmed = api.as_org("samr", "GET", f"/v1/batches/{BATCH}").json()["chain"]
    assert (confirmed["status"], confirmed["pending"]) == ("confirmed", 0)
    assert confirmed["tx_hash"].startswith("0x")
    kinds = [s.kind for s in api.services.ledger.about("batch", BATCH)]
    assert kinds == ["batch.admitted", "scan.ship", "scan.receive", "scan.ship"]


def test_members_admitted_during_a_chain_outage_are_granted_their_roles_before_their_own_calls(
    api: Api, private_node: LocalNode
) -> None:
    private_node.stop()

    admitted = api.client.post(
        "/v1/organisations",
        json={
            "handle": "haixian",
            "name": "Haixian Import",
            "org_type": "importer",
            "uscc": make_uscc(),
            "jurisdiction": "Shanghai",
        },
        headers=api.headers("samr"),
    )
    api.keys["haixian"] = admitted.json()["api_key"]
    wholesale = api.add_org("wholesale", "wholesaler")
    lot = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian"))
    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    standing = api.as_org("samr", "GET", "/v1/organisations/haixian").json()["chain"]
    private_node.start()
    api.mined()

    assert [r.status_code for r in (admitted, lot, shipped)] == [201, 201, 201]
    assert admitted.json()["chain"]["status"] == "pending"
    assert (standing["holds_role"], standing["pending_changes"]) == (None, 1)
    haixian = admitted.json()["organisation"]["chain_address"]
    assert api.services.chain.has_role(haixian, Role.IMPORTER)
    assert api.services.chain.has_role(wholesale["chain_address"], Role.TRADER)
    assert api.services.chain.batch(batch_chain_id(BATCH)).holder == Web3.to_checksum_address(
        wholesale["chain_address"]
    )
    with Session(api.services.engine) as session:
        ops = list(session.exec(select(ChainOp).order_by(col(ChainOp.id))))
    sent = [(op.operation.value, op.status.value) for op in ops[1:]]  # after samr's own grant
    assert sent == [("grant", "mined"), ("grant", "mined"), ("register", "mined"), ("transfer", "mined")]
    blocks = [op.block_number or 0 for op in ops[1:]]
    assert blocks == sorted(blocks)  # each mined after the one before it
    confirmed = api.as_org("samr", "GET", "/v1/organisations/haixian").json()["chain"]
    assert (confirmed["holds_role"], confirmed["pending_changes"]) == (True, 0)


def test_other_writes_go_on_while_an_admission_grant_is_owed(api: Api, private_node: LocalNode) -> None:
    api.add_org("importer", "importer")
    api.mined()
    private_node.stop()

    api.add_org("haixian", "importer")  # its grant now waits for the node
    uploaded = api.as_org(
        "importer", "POST", "/v1/documents", files={"file": ("c.pdf", b"c", "application/pdf")}
    )
    lot = api.as_org("importer", "POST", "/v1/batches", json=batch_payload(api, "importer", lot="L-OTHER"))
    positioned = api.as_org(
        "samr", "PUT", "/v1/organisations/importer/position", json={"latitude": 31.2, "longitude": 121.4}
    )
    with Session(api.services.engine) as session:
        owed = [
            op.operation.value
            for op in session.exec(select(ChainOp).where(ChainOp.status != ChainStatus.mined))
        ]
    private_node.start()
    api.mined()

    assert [r.status_code for r in (uploaded, lot, positioned)] == [201, 201, 200]
    assert owed == ["grant", "register"]
