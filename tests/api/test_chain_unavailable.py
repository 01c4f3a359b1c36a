"""While the chain node is down, scans are accepted and owed to the chain, and reach it in order
once it answers again; the one write that needs the node at once (admitting a member, whose role
is granted on chain) answers 503 with Retry-After, not 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from chain import LocalNode, connect
from tests.api.conftest import Api, batch_payload, make_uscc
from tests.api.test_scans import BATCH, _scan
from trace_api.chainops import batch_chain_id


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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_admitting_a_member_while_the_chain_node_is_down_answers_503_with_retry_after(
    api: Api, private_node: LocalNode
) -> None:
    private_node.stop()

    response = api.client.post(
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

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/chain-unavailable")
    listed = api.client.get("/v1/organisations?name=Haixian", headers=api.headers("samr")).json()
    assert listed["organisations"] == []
