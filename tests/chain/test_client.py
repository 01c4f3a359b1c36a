"""The transaction layer: local signing, explicit fees, nonces under concurrency, revert decoding."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eth_account import Account
from web3 import Web3

from chain import ChainClient, NodeError, NotHolder, Role, UnknownBatch, connect, id_hash
from tests.conftest import Network


def _admitted(network: Network, label: str) -> bytes:
    batch = id_hash(label)
    network.client.register_batch(network.importer, batch, b"\x01" * 32)
    return batch


def test_transaction_signed_locally_with_chain_id_and_zero_fees(network: Network, w3: Web3) -> None:
    result = network.client.register_batch(network.importer, id_hash("fees"), b"\x01" * 32)

    tx = w3.eth.get_transaction(result.tx_hash)
    assert tx["chainId"] == w3.eth.chain_id
    assert tx["gasPrice"] == 0
    assert tx["from"] == network.importer.address
    assert w3.eth.get_balance(network.importer.address) == 0  # unfunded accounts transact at zero fees


def test_concurrent_senders_on_one_account_never_collide_on_nonces(network: Network, w3: Web3) -> None:
    batches = [id_hash(f"concurrent-{i}") for i in range(40)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda b: network.client.register_batch(network.importer, b, b"\x02" * 32), batches)
        )

    nonces = sorted(w3.eth.get_transaction(r.tx_hash)["nonce"] for r in results)
    assert len(set(nonces)) == len(batches)
    assert nonces == list(range(nonces[0], nonces[0] + len(batches)))
    assert all(network.client.batch(b).holder == network.importer.address for b in batches)


def test_concurrent_senders_on_many_accounts_all_land(network: Network) -> None:
    senders = [network.trader_a, network.trader_b]
    batches = {}
    for sender in senders:
        for i in range(10):
            batch = _admitted(network, f"{sender.address}-{i}")
            network.client.transfer_custody(network.importer, batch, sender.address, b"\x03" * 32)
            batches[batch] = sender

    def ship(batch: bytes) -> None:
        holder = batches[batch]
        other = senders[1 - senders.index(holder)]
        network.client.transfer_custody(holder, batch, other.address, b"\x04" * 32)

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(ship, batches))

    for batch, first_holder in batches.items():
        assert network.client.batch(batch).holder != first_holder.address


def test_nonce_resynchronises_after_a_foreign_transaction(network: Network, w3: Web3) -> None:
    network.client.register_batch(network.importer, id_hash("before"), b"\x05" * 32)
    # Another process signs with the same key behind the client's back.
    registry = network.client.contracts["BatchRegistry"]
    foreign = registry.functions.registerBatch(id_hash("foreign"), b"\x05" * 32).build_transaction(
        {
            "from": network.importer.address,
            "chainId": w3.eth.chain_id,
            "gas": 200_000,
            "gasPrice": 0,
            "nonce": w3.eth.get_transaction_count(network.importer.address),
        }
    )
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(network.importer.sign_transaction(foreign).raw_transaction)
    )

    with pytest.raises(Exception, match="refused"):
        network.client.register_batch(network.importer, id_hash("stale"), b"\x05" * 32)
    result = network.client.register_batch(network.importer, id_hash("after"), b"\x05" * 32)

    assert result.event("BatchRegistered").args["batchId"] == id_hash("after")


def test_revert_at_estimation_raises_decoded_custom_error(network: Network) -> None:
    batch = _admitted(network, "estimate-revert")

    with pytest.raises(NotHolder) as caught:
        network.client.transfer_custody(network.trader_a, batch, network.trader_b.address, b"\x06" * 32)

    assert caught.value.error_name == "BatchRegistryNotHolder"
    assert caught.value.error_args == {
        "batchId": batch,
        "account": network.trader_a.address,
        "holder": network.importer.address,
    }


def test_revert_mined_with_status_zero_raises_decoded_custom_error(network: Network, w3: Web3) -> None:
    batch = _admitted(network, "mined-revert")
    registry = network.client.contracts["BatchRegistry"]
    tx = registry.functions.transferCustody(batch, network.trader_b.address, b"\x07" * 32).build_transaction(
        {
            "from": network.trader_a.address,
            "chainId": w3.eth.chain_id,
            "gas": 200_000,  # explicit gas: no estimation, so the node mines the revert
            "gasPrice": 0,
            "nonce": w3.eth.get_transaction_count(network.trader_a.address),
        }
    )
    tx_hash = w3.eth.send_raw_transaction(network.trader_a.sign_transaction(tx).raw_transaction).to_0x_hex()

    with pytest.raises(NotHolder) as caught:
        network.client.wait(tx_hash)

    assert caught.value.tx_hash == tx_hash
    assert caught.value.error_args["account"] == network.trader_a.address


def test_view_call_revert_is_decoded(network: Network) -> None:
    with pytest.raises(UnknownBatch) as caught:
        network.client.batch(id_hash("never registered"))

    assert caught.value.error_args == {"batchId": id_hash("never registered")}


def test_roles_of_lists_every_role_held(network: Network) -> None:
    network.client.grant_member(
        network.regulator, network.trader_a.address, Role.IMPORTER, Network.TRADER_A_ORG
    )

    assert network.client.roles_of(network.trader_a.address) == [Role.IMPORTER, Role.TRADER]
    assert network.client.roles_of(Account.create().address) == []


def test_connect_to_silent_port_names_the_url() -> None:
    with pytest.raises(NodeError, match=r"127\.0\.0\.1:9"):
        connect("http://127.0.0.1:9", timeout_s=2)


def test_client_events_reads_history_in_chain_order(network: Network) -> None:
    first = _admitted(network, "history-1")
    second = _admitted(network, "history-2")

    events = [e for e in network.client.events("BatchRegistry") if e.name == "BatchRegistered"]

    assert [e.args["batchId"] for e in events] == [first, second]


def test_poa_extra_data_middleware_is_injected(w3: Web3) -> None:
    from web3.middleware import ExtraDataToPOAMiddleware

    assert ExtraDataToPOAMiddleware in list(w3.middleware_onion)


def test_client_rejects_deployment_of_other_chain(network: Network, w3: Web3) -> None:
    from chain import DeploymentError, verify_deployment

    wrong = network.client.deployment.model_copy(update={"chain_id": 1})
    with pytest.raises(DeploymentError, match="chain 1"):
        verify_deployment(w3, wrong)
    ChainClient(w3, network.client.deployment)  # the real record still opens


def test_batches_reads_many_in_one_request_and_none_for_unregistered(network: Network) -> None:
    client, importer = network.client, network.importer
    ids = [id_hash(f"many-{i}") for i in range(3)]
    for i, batch_id in enumerate(ids):
        client.register_batch(importer, batch_id, bytes([i + 1]) * 32)

    registered = client.batches(ids)
    mixed = client.batches([ids[0], id_hash("never registered"), ids[2]])

    assert [r.admission_hash if r else None for r in registered] == [bytes([i + 1]) * 32 for i in range(3)]
    assert {r.holder for r in registered if r} == {importer.address}
    assert [r.admission_hash if r else None for r in mixed] == [b"\x01" * 32, None, b"\x03" * 32]
    assert client.batches([]) == []


def test_events_about_finds_a_batch_as_first_or_second_indexed_argument(network: Network) -> None:
    client, importer = network.client, network.importer
    parent, child = id_hash("evt-parent"), id_hash("evt-child")
    client.register_batch(importer, parent, b"\x01" * 32)
    client.split_batch(importer, parent, [child], b"\x02" * 32)
    client.transfer_custody(importer, child, network.trader_a.address, b"\x03" * 32)

    about_child = client.events_about("BatchRegistry", child)

    assert [e.name for e in about_child] == ["BatchSplit", "CustodyTransferred"]
    assert [e.name for e in client.events_about("BatchRegistry", parent)] == ["BatchRegistered", "BatchSplit"]
