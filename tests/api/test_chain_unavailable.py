"""While the chain node is down, writes that need it answer 503 with Retry-After, not 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from chain import LocalNode, connect
from tests.api.conftest import Api, batch_payload
from tests.api.test_scans import BATCH, _scan


@pytest.fixture
def private_node(tmp_path: Path) -> Iterator[LocalNode]:
    """A node of this test's own, so that stopping it leaves the other tests' node alone."""
    node = LocalNode(tmp_path / "anvil", chain_id=31337, persist=False)
    node.start()
    yield node
    node.stop()


@pytest.fixture
def w3(private_node: LocalNode) -> Web3:
    assert private_node.rpc_url is not None
    return connect(private_node.rpc_url)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ship_while_the_chain_node_is_down_answers_503_with_retry_after(
    api: Api, private_node: LocalNode
) -> None:
    api.add_org("haixian", "importer")
    api.add_org("wholesale", "wholesaler")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    private_node.stop()

    response = _scan(api, "haixian", action="ship", batch_id=BATCH, counterparty="wholesale")

    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/chain-unavailable")
    assert [s.kind for s in api.services.ledger.about("batch", BATCH)] == ["batch.admitted"]
