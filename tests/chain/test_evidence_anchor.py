"""EvidenceAnchor on a real anvil node: write-once, strictly growing checkpoints per evidence log."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain import (
    AccessDenied,
    AnchoredCheckpoint,
    CheckpointConflict,
    Role,
    TxResult,
    id_hash,
)
from tests.chain._contracts import emitted_by, member, reverts
from tests.conftest import Network

ZERO32 = b"\x00" * 32
MAX_TREE_SIZE = 2**64 - 1
LOG = id_hash("suyuan.example/evidence/importer")
OTHER_LOG = id_hash("suyuan.example/evidence/trader-a")


def emitted(result: TxResult) -> list[tuple[str, dict[str, Any]]]:
    return emitted_by("EvidenceAnchor", result)


def root(tree_size: int, log_id: bytes = LOG) -> bytes:
    """A stand-in root hash, distinct per log and size."""
    return id_hash(f"root:{log_id.hex()}:{tree_size}")


def commit(network: Network, tree_size: int, log_id: bytes = LOG) -> TxResult:
    return network.client.commit_checkpoint(network.anchorer, log_id, tree_size, root(tree_size, log_id))


def committed_event(
    index: int, tree_size: int, anchorer: LocalAccount, log_id: bytes = LOG
) -> tuple[str, dict[str, Any]]:
    args = {"logId": log_id, "index": index, "treeSize": tree_size, "rootHash": root(tree_size, log_id)}
    return ("CheckpointCommitted", {**args, "anchorer": anchorer.address})


def committed_as(
    w3: Web3, result: TxResult, index: int, tree_size: int, log_id: bytes = LOG
) -> AnchoredCheckpoint:
    """The checkpoint a successful commit must have stored: the tx's block number and timestamp."""
    block = w3.eth.get_block(result.block_number)
    return AnchoredCheckpoint(
        index, tree_size, root(tree_size, log_id), result.block_number, block["timestamp"]
    )


# -- commitCheckpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("tree_size", [1, 1_000, MAX_TREE_SIZE])
def test_commit_checkpoint_emits_checkpoint_committed_with_index(network: Network, tree_size: int) -> None:
    anchorer = network.anchorer

    result = network.client.commit_checkpoint(anchorer, LOG, tree_size, root(tree_size))

    assert emitted(result) == [
        (
            "CheckpointCommitted",
            {
                "logId": LOG,
                "index": 0,
                "treeSize": tree_size,
                "rootHash": root(tree_size),
                "anchorer": anchorer.address,
            },
        )
    ]


def test_commit_checkpoint_numbers_checkpoints_in_commit_order(network: Network) -> None:
    results = [commit(network, size) for size in (3, 7, 12)]

    assert [emitted(r) for r in results] == [
        [committed_event(index, size, network.anchorer)] for index, size in enumerate((3, 7, 12))
    ]
    assert network.client.checkpoint_count(LOG) == 3


def test_commit_checkpoint_stores_the_block_number_and_timestamp_of_its_transaction(
    network: Network, w3: Web3
) -> None:
    result = commit(network, 5)

    assert network.client.checkpoint_at(LOG, 0) == committed_as(w3, result, 0, 5)
    assert network.client.latest_checkpoint(LOG) == committed_as(w3, result, 0, 5)
    assert network.client.checkpoint_for_size(LOG, 5) == committed_as(w3, result, 0, 5)


def test_commit_checkpoint_by_a_second_anchorer_names_that_anchorer(network: Network) -> None:
    second = network.outsider
    network.client.grant_member(network.regulator, second.address, Role.ANCHOR, Network.REGULATOR_ORG)

    result = network.client.commit_checkpoint(second, LOG, 1, root(1))

    assert emitted(result) == [committed_event(0, 1, second)]


@pytest.mark.parametrize("caller", ["regulator", "importer", "trader_a", "outsider"])
def test_commit_checkpoint_rejected_when_caller_is_not_anchorer(network: Network, caller: str) -> None:
    sender = member(network, caller)

    with pytest.raises(AccessDenied) as caught:
        network.client.commit_checkpoint(sender, LOG, 1, root(1))

    assert (caught.value.error_name, caught.value.error_args) == (
        "EvidenceAnchorMissingRole",
        {"account": sender.address, "role": Role.ANCHOR.id},
    )
    assert network.client.checkpoint_count(LOG) == 0


def test_commit_checkpoint_rejected_when_anchor_role_was_revoked(network: Network) -> None:
    anchorer = network.anchorer
    network.client.revoke_member(network.regulator, anchorer.address, Role.ANCHOR)

    with reverts("EvidenceAnchorMissingRole", account=anchorer.address, role=Role.ANCHOR.id):
        commit(network, 1)


@pytest.mark.parametrize(
    ("log_id", "root_hash"), [(ZERO32, root(1)), (LOG, ZERO32)], ids=["log-id", "root-hash"]
)
def test_commit_checkpoint_rejected_when_value_is_zero(
    network: Network, log_id: bytes, root_hash: bytes
) -> None:
    with reverts("EvidenceAnchorZeroValue"):
        network.client.commit_checkpoint(network.anchorer, log_id, 1, root_hash)


@pytest.mark.parametrize("tree_size", [10, 9, 1, 0], ids=["equal", "smaller", "one", "zero"])
def test_commit_checkpoint_rejected_when_tree_size_does_not_grow(network: Network, tree_size: int) -> None:
    commit(network, 10)

    with pytest.raises(CheckpointConflict) as caught:
        network.client.commit_checkpoint(network.anchorer, LOG, tree_size, id_hash("root:other"))

    assert (caught.value.error_name, caught.value.error_args) == (
        "EvidenceAnchorTreeSizeNotIncreasing",
        {"logId": LOG, "latestSize": 10, "treeSize": tree_size},
    )
    assert network.client.checkpoint_count(LOG) == 1


def test_commit_checkpoint_rejected_when_first_tree_size_is_zero(network: Network) -> None:
    with reverts("EvidenceAnchorTreeSizeNotIncreasing", logId=LOG, latestSize=0, treeSize=0):
        commit(network, 0)


def test_commit_checkpoint_rejected_after_the_largest_tree_size(network: Network) -> None:
    commit(network, MAX_TREE_SIZE)

    with reverts(
        "EvidenceAnchorTreeSizeNotIncreasing", logId=LOG, latestSize=MAX_TREE_SIZE, treeSize=MAX_TREE_SIZE
    ):
        commit(network, MAX_TREE_SIZE)


# -- reads -----------------------------------------------------------------------------------


def test_earlier_checkpoints_are_unchanged_by_later_commits(network: Network, w3: Web3) -> None:
    client, sizes = network.client, [3, 7, 12]
    expected = [committed_as(w3, commit(network, size), index, size) for index, size in enumerate(sizes)]

    assert [client.checkpoint_at(LOG, index) for index in range(len(sizes))] == expected
    assert [client.checkpoint_for_size(LOG, size) for size in sizes] == expected
    assert client.latest_checkpoint(LOG) == expected[-1]
    assert len({checkpoint.block_number for checkpoint in expected}) == len(sizes)


def test_latest_checkpoint_is_none_for_a_new_log(network: Network) -> None:
    assert network.client.latest_checkpoint(LOG) is None
    assert network.client.checkpoint_count(LOG) == 0


def test_latest_checkpoint_call_rejected_for_a_new_log(network: Network) -> None:
    fn = network.client.contracts["EvidenceAnchor"].functions.latestCheckpoint(LOG)

    with reverts("EvidenceAnchorUnknownCheckpoint", logId=LOG, key=0):
        network.client.call(fn)


def test_logs_are_anchored_independently(network: Network, w3: Web3) -> None:
    client = network.client
    first = commit(network, 5)

    # A smaller, then an equal size is accepted for another log: sizes only grow per log.
    other = [commit(network, size, OTHER_LOG) for size in (3, 5)]

    assert [emitted(r) for r in other] == [
        [committed_event(0, 3, network.anchorer, OTHER_LOG)],
        [committed_event(1, 5, network.anchorer, OTHER_LOG)],
    ]
    assert (client.checkpoint_count(LOG), client.checkpoint_count(OTHER_LOG)) == (1, 2)
    assert client.latest_checkpoint(LOG) == committed_as(w3, first, 0, 5)
    assert client.latest_checkpoint(OTHER_LOG) == committed_as(w3, other[1], 1, 5, OTHER_LOG)
    assert client.checkpoint_for_size(OTHER_LOG, 3) == committed_as(w3, other[0], 0, 3, OTHER_LOG)
    with reverts("EvidenceAnchorUnknownCheckpoint", logId=LOG, key=3):
        client.checkpoint_for_size(LOG, 3)


@pytest.mark.parametrize("index", [2, 3, 2**256 - 1], ids=["count", "beyond-count", "max"])
def test_checkpoint_at_rejected_when_index_is_not_below_count(network: Network, index: int) -> None:
    commit(network, 3)
    commit(network, 7)

    with reverts("EvidenceAnchorUnknownCheckpoint", logId=LOG, key=index):
        network.client.checkpoint_at(LOG, index)


def test_checkpoint_at_rejected_for_a_new_log(network: Network) -> None:
    with reverts("EvidenceAnchorUnknownCheckpoint", logId=LOG, key=0):
        network.client.checkpoint_at(LOG, 0)


@pytest.mark.parametrize(
    "tree_size", [0, 2, 5, 8, MAX_TREE_SIZE], ids=["zero", "below", "between", "above", "max"]
)
def test_checkpoint_for_size_rejected_when_size_was_not_committed(network: Network, tree_size: int) -> None:
    commit(network, 3)
    commit(network, 7)

    with reverts("EvidenceAnchorUnknownCheckpoint", logId=LOG, key=tree_size):
        network.client.checkpoint_for_size(LOG, tree_size)
