"""A halted chain: the node answers every call but mines nothing, as a QBFT network does with two of
its four validators down. The ledger keeps accepting, /readyz says the chain calls are overdue, and
once blocks resume the chain worker and the anchorer catch up without sending anything twice."""

from __future__ import annotations

import time
from typing import Any

import pytest
from web3 import Web3

from chain import LocalNode, ReceiptWait, TransactionFailed
from evidence import Anchorer, AnchorError, log_id_of
from tests.api.conftest import Api, batch_payload
from tests.api.test_chain_unavailable import private_node, w3  # noqa: F401 - fixtures: a node of its own
from tests.api.test_scans import BATCH, _scan
from tests.conftest import Network
from trace_api.chainops import batch_chain_id

#: Short enough for the test, as SUYUAN_RECEIPT_TIMEOUT_BLOCKS block periods would be on a real network.
RECEIPT_WAIT = ReceiptWait(poll_s=0.05, timeout_s=1.0)


def _mining(node: Web3, on: bool) -> None:
    """Switches the node's block production: off, it still answers and keeps what it is sent."""
    if not on:  # anvil: an interval of 0 is no mining at all, automine included
        node.provider.make_request("evm_setIntervalMining", [0])  # type: ignore[arg-type]
    node.provider.make_request("evm_setAutomine", [on])  # type: ignore[arg-type]
    if on:
        node.provider.make_request("evm_mine", [])  # type: ignore[arg-type] # what waited is mined now


def _sent(node: Web3, address: str) -> int:
    return node.eth.get_transaction_count(Web3.to_checksum_address(address), "latest")


def _readyz_when(api: Api, condition: Any, what: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = api.client.get("/readyz")
        if condition(answer):
            return dict(answer.json())
        assert time.monotonic() < deadline, f"{what}: {answer.text}"
        time.sleep(0.1)  # polling the chain worker's background passes, bounded by the deadline


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_halted_chain_leaves_the_ledger_accepting_and_both_outboxes_catch_up_once_it_mines(
    api: Api,
    network: Network,
    w3: Web3,  # noqa: F811 - the fixtures imported above
    private_node: LocalNode,  # noqa: F811
) -> None:
    addresses = {
        handle: api.add_org(handle, kind)["chain_address"]
        for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer"))
    }
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    api.mined()
    ledger = api.services.ledger
    anchorer = Anchorer(ledger, lambda: network.client, network.anchorer, every_records=1)
    anchorer.reconcile()
    assert anchorer.step() == 1
    sent_before = {who: _sent(w3, address) for who, address in addresses.items()}
    anchors_before = _sent(w3, network.anchorer.address)
    network.client.receipt_wait = RECEIPT_WAIT
    api.services.settings.chain_outbox_bound_seconds = 1.0
    _mining(w3, False)

    shipped = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")
    received = _scan(api, "wholesale", action="receive", batch_id=BATCH)
    onward = _scan(api, "wholesale", action="ship", batch_id=BATCH, counterparty="shop")
    with pytest.raises(TransactionFailed, match="not mined within 1 s"):
        anchorer.step()  # sent, and kept by the node
    with pytest.raises(AnchorError, match="1 anchoring transaction"):
        anchorer.step()  # not sent again while the first waits
    halted = _readyz_when(
        api,
        lambda r: r.status_code == 503 and "chain_outbox" in r.text,
        "readyz tells the chain calls are overdue",
    )

    _mining(w3, True)
    api.mined()
    anchorer.reconcile()
    anchorer.step()
    caught_up = _readyz_when(
        api, lambda r: r.json()["parts"]["chain_outbox"]["pending"] == 0, "the outbox is empty"
    )

    assert [r.status_code for r in (shipped, received, onward)] == [201, 201, 201]
    assert [r.json()["chain"] for r in (shipped, onward)] == [{"status": "pending"}] * 2
    assert [s.kind for s in ledger.about("batch", BATCH)] == [
        "batch.admitted", "scan.ship", "scan.receive", "scan.ship",
    ]  # fmt: skip
    assert halted["parts"]["chain_outbox"]["pending"] == 2
    assert any(f["part"] == "chain_outbox" for f in halted["failing"])
    assert caught_up["parts"]["chain_outbox"]["failed"] == 0
    assert api.services.chain.batch(batch_chain_id(BATCH)).holder == Web3.to_checksum_address(
        addresses["shop"]
    )
    # Nothing sent twice: one transaction per shipment, one per checkpoint.
    assert {who: _sent(w3, a) - sent_before[who] for who, a in addresses.items()} == {
        "haixian": 1, "wholesale": 1, "shop": 0,
    }  # fmt: skip
    log_id = log_id_of(ledger.origin)
    on_chain = [
        network.client.checkpoint_at(log_id, i) for i in range(network.client.checkpoint_count(log_id))
    ]
    local = ledger.checkpoints()
    assert [(c.tree_size, c.root_hash) for c in on_chain] == [(c.tree_size, c.root_hash) for c in local]
    assert local[-1].tree_size == ledger.size()
    assert _sent(w3, network.anchorer.address) - anchors_before == len(on_chain) - 1
