"""BatchRegistry on a real anvil node: admission, custody, splits with lineage, and recalls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount

from chain import BatchRecalled, BatchRecord, ContractRevert, NotHolder, Role, TxResult, UnknownBatch, id_hash
from tests.chain._contracts import emitted_by, member, reverts
from tests.conftest import Network

ZERO32 = b"\x00" * 32
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_LINEAGE_DEPTH = 16
MAX_SPLIT_CHILDREN = 64
ADMISSION = id_hash("evidence:admission")
SHIPMENT = id_hash("evidence:shipment")
SPLIT = id_hash("evidence:split")
RECALL = id_hash("evidence:recall")
LIFT = id_hash("evidence:lift")


def emitted(result: TxResult) -> list[tuple[str, dict[str, Any]]]:
    return emitted_by("BatchRegistry", result)


def batch_id(label: str) -> bytes:
    return id_hash(f"batch:{label}")


def admitted(network: Network, label: str = "lot") -> bytes:
    """A batch registered by the importer, who holds it."""
    batch = batch_id(label)
    network.client.register_batch(network.importer, batch, ADMISSION)
    return batch


def split_off(network: Network, holder: LocalAccount, parent: bytes, *labels: str) -> list[bytes]:
    children = [batch_id(label) for label in labels]
    network.client.split_batch(holder, parent, children, SPLIT)
    return children


def lineage(network: Network) -> tuple[bytes, bytes, bytes]:
    """Root, child and grandchild, all held by the importer."""
    root = admitted(network, "root")
    [child] = split_off(network, network.importer, root, "child")
    [grandchild] = split_off(network, network.importer, child, "grandchild")
    return root, child, grandchild


# -- registerBatch ---------------------------------------------------------------------------


def test_register_batch_emits_batch_registered_and_makes_importer_holder(network: Network) -> None:
    client, importer, batch = network.client, network.importer, batch_id("lot")

    result = client.register_batch(importer, batch, ADMISSION)

    assert emitted(result) == [
        (
            "BatchRegistered",
            {
                "batchId": batch,
                "importer": importer.address,
                "orgId": Network.IMPORTER_ORG,
                "admissionHash": ADMISSION,
            },
        )
    ]
    assert client.batch(batch) == BatchRecord(
        holder=importer.address, parent=None, depth=0, admission_hash=ADMISSION, recalled=False
    )
    assert client.is_recalled(batch) is False
    assert client.recall_origin(batch) is None


@pytest.mark.parametrize("caller", ["regulator", "trader_a", "anchorer", "outsider"])
def test_register_batch_rejected_when_caller_is_not_importer(network: Network, caller: str) -> None:
    sender, batch = member(network, caller), batch_id("lot")

    with reverts("BatchRegistryMissingRole", account=sender.address, role=Role.IMPORTER.id):
        network.client.register_batch(sender, batch, ADMISSION)

    with reverts("BatchRegistryUnknownBatch", batchId=batch):
        network.client.batch(batch)


def test_register_batch_rejected_when_importer_role_was_revoked(network: Network) -> None:
    client, importer = network.client, network.importer
    client.revoke_member(network.regulator, importer.address, Role.IMPORTER)

    with reverts("BatchRegistryMissingRole", account=importer.address, role=Role.IMPORTER.id):
        client.register_batch(importer, batch_id("lot"), ADMISSION)


@pytest.mark.parametrize(
    ("batch", "admission"),
    [(ZERO32, ADMISSION), (batch_id("lot"), ZERO32)],
    ids=["batch-id", "admission-hash"],
)
def test_register_batch_rejected_when_value_is_zero(network: Network, batch: bytes, admission: bytes) -> None:
    with reverts("BatchRegistryZeroValue"):
        network.client.register_batch(network.importer, batch, admission)


def test_register_batch_rejected_when_batch_exists(network: Network) -> None:
    batch = admitted(network, "lot")

    with reverts("BatchRegistryBatchExists", batchId=batch):
        network.client.register_batch(network.importer, batch, id_hash("evidence:other"))

    assert network.client.batch(batch).admission_hash == ADMISSION


def test_register_batch_rejected_when_id_is_a_split_child(network: Network) -> None:
    [child] = split_off(network, network.importer, admitted(network), "child")

    with reverts("BatchRegistryBatchExists", batchId=child):
        network.client.register_batch(network.importer, child, ADMISSION)


# -- reads of unknown batches ----------------------------------------------------------------


@pytest.mark.parametrize("read", ["batch", "is_recalled", "recall_origin"])
def test_batch_reads_rejected_when_batch_is_unknown(network: Network, read: str) -> None:
    unknown = batch_id("never-registered")

    with pytest.raises(UnknownBatch) as caught:
        getattr(network.client, read)(unknown)

    assert (caught.value.error_name, caught.value.error_args) == (
        "BatchRegistryUnknownBatch",
        {"batchId": unknown},
    )


# -- transferCustody -------------------------------------------------------------------------


def test_transfer_custody_emits_custody_transferred_and_moves_holder(network: Network) -> None:
    client, importer, trader = network.client, network.importer, network.trader_a
    batch = admitted(network)

    result = client.transfer_custody(importer, batch, trader.address, SHIPMENT)

    assert emitted(result) == [
        (
            "CustodyTransferred",
            {"batchId": batch, "from": importer.address, "to": trader.address, "shipmentHash": SHIPMENT},
        )
    ]
    assert client.batch(batch) == BatchRecord(
        holder=trader.address, parent=None, depth=0, admission_hash=ADMISSION, recalled=False
    )


def test_transfer_custody_along_a_chain_of_members_ends_with_an_importer(network: Network) -> None:
    client, importer, trader_a, trader_b = (
        network.client,
        network.importer,
        network.trader_a,
        network.trader_b,
    )
    batch = admitted(network)
    client.transfer_custody(importer, batch, trader_a.address, SHIPMENT)
    client.transfer_custody(trader_a, batch, trader_b.address, SHIPMENT)

    result = client.transfer_custody(trader_b, batch, importer.address, SHIPMENT)

    assert emitted(result) == [
        (
            "CustodyTransferred",
            {"batchId": batch, "from": trader_b.address, "to": importer.address, "shipmentHash": SHIPMENT},
        )
    ]
    assert client.batch(batch).holder == importer.address


@pytest.mark.parametrize("caller", ["trader_a", "trader_b", "regulator", "anchorer", "outsider"])
def test_transfer_custody_rejected_when_caller_is_not_holder(network: Network, caller: str) -> None:
    sender, batch = member(network, caller), admitted(network)

    with pytest.raises(NotHolder) as caught:
        network.client.transfer_custody(sender, batch, network.trader_b.address, SHIPMENT)

    assert (caught.value.error_name, caught.value.error_args) == (
        "BatchRegistryNotHolder",
        {"batchId": batch, "account": sender.address, "holder": network.importer.address},
    )
    assert network.client.batch(batch).holder == network.importer.address


def test_transfer_custody_rejected_when_caller_handed_the_batch_on(network: Network) -> None:
    client, importer, trader = network.client, network.importer, network.trader_a
    batch = admitted(network)
    client.transfer_custody(importer, batch, trader.address, SHIPMENT)

    with reverts("BatchRegistryNotHolder", batchId=batch, account=importer.address, holder=trader.address):
        client.transfer_custody(importer, batch, network.trader_b.address, SHIPMENT)


@pytest.mark.parametrize("recipient", ["outsider", "regulator", "anchorer"])
def test_transfer_custody_rejected_when_recipient_is_not_importer_or_trader(
    network: Network, recipient: str
) -> None:
    to, batch = member(network, recipient).address, admitted(network)

    with reverts("BatchRegistryRecipientNotMember", account=to):
        network.client.transfer_custody(network.importer, batch, to, SHIPMENT)

    assert network.client.batch(batch).holder == network.importer.address


def test_transfer_custody_rejected_when_recipient_is_zero_address(network: Network) -> None:
    with reverts("BatchRegistryRecipientNotMember", account=ZERO_ADDRESS):
        network.client.transfer_custody(network.importer, admitted(network), ZERO_ADDRESS, SHIPMENT)


def test_transfer_custody_rejected_when_recipient_trader_role_was_revoked(network: Network) -> None:
    client, trader = network.client, network.trader_b
    batch = admitted(network)
    client.revoke_member(network.regulator, trader.address, Role.TRADER)

    with reverts("BatchRegistryRecipientNotMember", account=trader.address):
        client.transfer_custody(network.importer, batch, trader.address, SHIPMENT)


def test_transfer_custody_rejected_when_batch_is_unknown(network: Network) -> None:
    unknown = batch_id("never-registered")

    with reverts("BatchRegistryUnknownBatch", batchId=unknown):
        network.client.transfer_custody(network.importer, unknown, network.trader_a.address, SHIPMENT)


def test_transfer_custody_rejected_when_shipment_hash_is_zero(network: Network) -> None:
    batch = admitted(network)

    with reverts("BatchRegistryZeroValue"):
        network.client.transfer_custody(network.importer, batch, network.trader_a.address, ZERO32)

    assert network.client.batch(batch).holder == network.importer.address


# -- splitBatch ------------------------------------------------------------------------------


def test_split_batch_emits_batch_split_per_child_and_records_lineage(network: Network) -> None:
    client, trader = network.client, network.trader_a
    parent = admitted(network)
    client.transfer_custody(network.importer, parent, trader.address, SHIPMENT)
    children = [batch_id(f"child-{i}") for i in range(3)]

    result = client.split_batch(trader, parent, children, SPLIT)

    assert emitted(result) == [
        ("BatchSplit", {"parentId": parent, "childId": child, "holder": trader.address, "splitHash": SPLIT})
        for child in children
    ]
    for child in children:
        assert client.batch(child) == BatchRecord(
            holder=trader.address, parent=parent, depth=1, admission_hash=ADMISSION, recalled=False
        )
    assert client.batch(parent) == BatchRecord(
        holder=trader.address, parent=None, depth=0, admission_hash=ADMISSION, recalled=False
    )


def test_split_batch_of_a_child_inherits_the_root_admission_hash(network: Network) -> None:
    client, importer = network.client, network.importer
    root, child, grandchild = lineage(network)

    assert client.batch(child) == BatchRecord(
        holder=importer.address, parent=root, depth=1, admission_hash=ADMISSION, recalled=False
    )
    assert client.batch(grandchild) == BatchRecord(
        holder=importer.address, parent=child, depth=2, admission_hash=ADMISSION, recalled=False
    )


def test_split_children_move_independently_of_their_parent(network: Network) -> None:
    client, importer = network.client, network.importer
    parent = admitted(network)
    first, second = split_off(network, importer, parent, "first", "second")

    client.transfer_custody(importer, first, network.trader_a.address, SHIPMENT)

    assert [client.batch(b).holder for b in (parent, first, second)] == [
        importer.address,
        network.trader_a.address,
        importer.address,
    ]


def test_split_batch_accepts_the_maximum_number_of_children(network: Network) -> None:
    client, importer, parent = network.client, network.importer, admitted(network)
    children = [batch_id(f"child-{i}") for i in range(MAX_SPLIT_CHILDREN)]

    result = client.split_batch(importer, parent, children, SPLIT)

    assert emitted(result) == [
        ("BatchSplit", {"parentId": parent, "childId": child, "holder": importer.address, "splitHash": SPLIT})
        for child in children
    ]
    assert client.batch(children[-1]).parent == parent


@pytest.mark.parametrize("count", [0, MAX_SPLIT_CHILDREN + 1])
def test_split_batch_rejected_when_child_count_is_out_of_range(network: Network, count: int) -> None:
    parent = admitted(network)
    children = [batch_id(f"child-{i}") for i in range(count)]

    with reverts("BatchRegistryInvalidSplit", count=count, max=MAX_SPLIT_CHILDREN):
        network.client.split_batch(network.importer, parent, children, SPLIT)


@pytest.mark.parametrize("clash", ["other-batch", "parent", "duplicate-in-call", "earlier-child"])
def test_split_batch_rejected_when_child_id_exists(network: Network, clash: str) -> None:
    client, importer = network.client, network.importer
    parent = admitted(network, "parent")
    fresh = batch_id("fresh")
    existing = {
        "other-batch": lambda: admitted(network, "other"),
        "parent": lambda: parent,
        "duplicate-in-call": lambda: fresh,
        "earlier-child": lambda: split_off(network, importer, parent, "earlier")[0],
    }[clash]()

    with reverts("BatchRegistryBatchExists", batchId=existing):
        client.split_batch(importer, parent, [fresh, existing], SPLIT)

    with reverts("BatchRegistryUnknownBatch", batchId=fresh):  # the whole split was undone
        client.batch(fresh)


@pytest.mark.parametrize(("children", "split_hash"), [([ZERO32], SPLIT), ([batch_id("child")], ZERO32)])
def test_split_batch_rejected_when_value_is_zero(
    network: Network, children: list[bytes], split_hash: bytes
) -> None:
    with reverts("BatchRegistryZeroValue"):
        network.client.split_batch(network.importer, admitted(network), children, split_hash)


@pytest.mark.parametrize("caller", ["trader_a", "regulator", "anchorer", "outsider"])
def test_split_batch_rejected_when_caller_is_not_holder(network: Network, caller: str) -> None:
    sender, parent = member(network, caller), admitted(network)

    with reverts(
        "BatchRegistryNotHolder", batchId=parent, account=sender.address, holder=network.importer.address
    ):
        network.client.split_batch(sender, parent, [batch_id("child")], SPLIT)


def test_split_batch_rejected_when_parent_is_unknown(network: Network) -> None:
    unknown = batch_id("never-registered")

    with reverts("BatchRegistryUnknownBatch", batchId=unknown):
        network.client.split_batch(network.importer, unknown, [batch_id("child")], SPLIT)


def test_split_batch_rejected_beyond_the_lineage_depth_limit(network: Network) -> None:
    client, importer = network.client, network.importer
    deepest = admitted(network, "depth-0")
    for depth in range(1, MAX_LINEAGE_DEPTH + 1):
        [deepest] = split_off(network, importer, deepest, f"depth-{depth}")
    assert client.batch(deepest).depth == MAX_LINEAGE_DEPTH

    with reverts("BatchRegistryLineageTooDeep", batchId=deepest, maxDepth=MAX_LINEAGE_DEPTH):
        client.split_batch(importer, deepest, [batch_id("too-deep")], SPLIT)

    # The deepest batch still moves, and a recall of the root reaches it through every ancestor.
    client.transfer_custody(importer, deepest, network.trader_a.address, SHIPMENT)
    client.issue_recall(network.regulator, batch_id("depth-0"), RECALL)
    assert client.recall_origin(deepest) == batch_id("depth-0")


# -- issueRecall and liftRecall --------------------------------------------------------------


def test_issue_recall_emits_recall_issued_and_marks_batch(network: Network) -> None:
    client, regulator, batch = network.client, network.regulator, admitted(network)

    result = client.issue_recall(regulator, batch, RECALL)

    assert emitted(result) == [
        ("RecallIssued", {"batchId": batch, "regulator": regulator.address, "reasonHash": RECALL})
    ]
    assert client.batch(batch).recalled is True
    assert client.is_recalled(batch) is True
    assert client.recall_origin(batch) == batch


def test_lift_recall_emits_recall_lifted_and_clears_batch(network: Network) -> None:
    client, regulator, batch = network.client, network.regulator, admitted(network)
    client.issue_recall(regulator, batch, RECALL)

    result = client.lift_recall(regulator, batch, LIFT)

    assert emitted(result) == [
        ("RecallLifted", {"batchId": batch, "regulator": regulator.address, "reasonHash": LIFT})
    ]
    assert client.batch(batch).recalled is False
    assert client.is_recalled(batch) is False
    assert client.recall_origin(batch) is None


@pytest.mark.parametrize("caller", ["importer", "trader_a", "anchorer", "outsider"])
def test_issue_recall_rejected_when_caller_is_not_regulator(network: Network, caller: str) -> None:
    sender, batch = member(network, caller), admitted(network)

    with reverts("BatchRegistryMissingRole", account=sender.address, role=Role.REGULATOR.id):
        network.client.issue_recall(sender, batch, RECALL)

    assert network.client.is_recalled(batch) is False


@pytest.mark.parametrize("caller", ["importer", "trader_a", "anchorer", "outsider"])
def test_lift_recall_rejected_when_caller_is_not_regulator(network: Network, caller: str) -> None:
    sender, batch = member(network, caller), admitted(network)
    network.client.issue_recall(network.regulator, batch, RECALL)

    with reverts("BatchRegistryMissingRole", account=sender.address, role=Role.REGULATOR.id):
        network.client.lift_recall(sender, batch, LIFT)

    assert network.client.is_recalled(batch) is True


def test_issue_recall_rejected_when_batch_is_recalled_already(network: Network) -> None:
    batch = admitted(network)
    network.client.issue_recall(network.regulator, batch, RECALL)

    with reverts("BatchRegistryAlreadyRecalled", batchId=batch):
        network.client.issue_recall(network.regulator, batch, id_hash("evidence:second-recall"))


def test_lift_recall_rejected_when_batch_is_not_recalled(network: Network) -> None:
    batch = admitted(network)

    with reverts("BatchRegistryNotRecalled", batchId=batch):
        network.client.lift_recall(network.regulator, batch, LIFT)


def test_lift_recall_rejected_when_only_an_ancestor_is_recalled(network: Network) -> None:
    client = network.client
    root, child, _ = lineage(network)
    client.issue_recall(network.regulator, root, RECALL)

    with reverts("BatchRegistryNotRecalled", batchId=child):
        client.lift_recall(network.regulator, child, LIFT)

    assert client.recall_origin(child) == root


@pytest.mark.parametrize("operation", ["issue_recall", "lift_recall"])
def test_recall_rejected_when_batch_is_unknown(network: Network, operation: str) -> None:
    unknown = batch_id("never-registered")

    with reverts("BatchRegistryUnknownBatch", batchId=unknown):
        getattr(network.client, operation)(network.regulator, unknown, RECALL)


@pytest.mark.parametrize("operation", ["issue_recall", "lift_recall"])
def test_recall_rejected_when_reason_hash_is_zero(network: Network, operation: str) -> None:
    batch = admitted(network)
    if operation == "lift_recall":
        network.client.issue_recall(network.regulator, batch, RECALL)

    with reverts("BatchRegistryZeroValue"):
        getattr(network.client, operation)(network.regulator, batch, ZERO32)


def test_recall_covers_every_descendant_but_no_ancestor_or_sibling(network: Network) -> None:
    client = network.client
    root, child, grandchild = lineage(network)
    [sibling] = split_off(network, network.importer, root, "sibling")
    unrelated = admitted(network, "unrelated")

    client.issue_recall(network.regulator, child, RECALL)

    origins = {b: client.recall_origin(b) for b in (root, child, grandchild, sibling, unrelated)}
    assert origins == {root: None, child: child, grandchild: child, sibling: None, unrelated: None}
    assert [client.is_recalled(b) for b in (root, child, grandchild, sibling, unrelated)] == [
        False,
        True,
        True,
        False,
        False,
    ]
    assert client.batch(grandchild).recalled is False  # covered, but no recall of its own


def test_recall_origin_is_the_nearest_recalled_ancestor(network: Network) -> None:
    client, regulator = network.client, network.regulator
    root, child, grandchild = lineage(network)
    client.issue_recall(regulator, root, RECALL)
    client.issue_recall(regulator, child, RECALL)
    assert client.recall_origin(grandchild) == child

    client.lift_recall(regulator, child, LIFT)

    assert client.recall_origin(child) == root
    assert client.recall_origin(grandchild) == root
    assert client.is_recalled(grandchild) is True


def split_child(batch: bytes) -> bytes:
    return batch_id(f"child-of:{batch.hex()}")


MOVES: dict[str, Callable[[Network, bytes], TxResult]] = {
    "transfer": lambda net, batch: net.client.transfer_custody(
        net.importer, batch, net.trader_a.address, SHIPMENT
    ),
    "split": lambda net, batch: net.client.split_batch(net.importer, batch, [split_child(batch)], SPLIT),
}


def move_events(network: Network, move: str, batch: bytes) -> list[tuple[str, dict[str, Any]]]:
    """The events of a successful ``MOVES[move]`` of ``batch`` by the importer."""
    if move == "transfer":
        args = {"batchId": batch, "from": network.importer.address, "to": network.trader_a.address}
        return [("CustodyTransferred", {**args, "shipmentHash": SHIPMENT})]
    args = {"parentId": batch, "childId": split_child(batch), "holder": network.importer.address}
    return [("BatchSplit", {**args, "splitHash": SPLIT})]


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("generation", [0, 1, 2], ids=["recalled", "child", "grandchild"])
def test_recalled_custody_frozen_for_the_batch_and_its_descendants(
    network: Network, move: str, generation: int
) -> None:
    root, *_ = family = lineage(network)
    network.client.issue_recall(network.regulator, root, RECALL)
    target = family[generation]

    with pytest.raises(BatchRecalled) as caught:
        MOVES[move](network, target)

    assert (caught.value.error_name, caught.value.error_args) == (
        "BatchRegistryBatchRecalled",
        {"batchId": target, "recalledAncestor": root},
    )
    assert network.client.batch(target).holder == network.importer.address


@pytest.mark.parametrize("move", sorted(MOVES))
@pytest.mark.parametrize("generation", [0, 1, 2], ids=["recalled", "child", "grandchild"])
def test_lifting_a_recall_restores_movement_of_the_batch_and_its_descendants(
    network: Network, move: str, generation: int
) -> None:
    root, *_ = family = lineage(network)
    network.client.issue_recall(network.regulator, root, RECALL)
    network.client.lift_recall(network.regulator, root, LIFT)
    target = family[generation]

    result = MOVES[move](network, target)

    assert emitted(result) == move_events(network, move, target)


@pytest.mark.parametrize("move", sorted(MOVES))
def test_lifting_a_childs_own_recall_keeps_it_frozen_by_its_recalled_ancestor(
    network: Network, move: str
) -> None:
    client, regulator = network.client, network.regulator
    root, child, grandchild = lineage(network)
    client.issue_recall(regulator, child, RECALL)
    client.issue_recall(regulator, root, RECALL)
    client.lift_recall(regulator, child, LIFT)

    for batch in (child, grandchild):
        with reverts("BatchRegistryBatchRecalled", batchId=batch, recalledAncestor=root):
            MOVES[move](network, batch)


def test_recall_of_a_held_batch_blocks_non_holders_with_not_holder_first(network: Network) -> None:
    client, batch = network.client, admitted(network)
    client.issue_recall(network.regulator, batch, RECALL)

    with reverts(
        "BatchRegistryNotHolder",
        batchId=batch,
        account=network.trader_a.address,
        holder=network.importer.address,
    ):
        client.transfer_custody(network.trader_a, batch, network.trader_b.address, SHIPMENT)


def test_revoked_trader_can_no_longer_move_a_batch_it_holds(network: Network) -> None:
    client = network.client
    batch = id_hash("held by a revoked trader")
    client.register_batch(network.importer, batch, b"\x01" * 32)
    client.transfer_custody(network.importer, batch, network.trader_a.address, b"\x02" * 32)
    client.revoke_member(network.regulator, network.trader_a.address, Role.TRADER)

    with pytest.raises(ContractRevert) as caught:
        client.transfer_custody(network.trader_a, batch, network.trader_b.address, b"\x03" * 32)
    assert (caught.value.error_name, caught.value.error_args) == (
        "BatchRegistryMissingRole",
        {"account": network.trader_a.address, "role": Role.TRADER.id},
    )
    with pytest.raises(ContractRevert) as caught:
        client.split_batch(network.trader_a, batch, [id_hash("child of revoked")], b"\x04" * 32)
    assert caught.value.error_name == "BatchRegistryMissingRole"
    assert client.batch(batch).holder == network.trader_a.address
