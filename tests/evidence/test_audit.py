"""The audit against a tampered database: each change to the stored log is named by step and leaf.

The log holds 40 records with signed checkpoints at sizes 16 and 40. Tampering goes straight
to SQL, as someone with write access to the database would; the chain-aware cases anchor both
checkpoints first, so that the audit also holds the records against the on-chain roots.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from chain import ChainClient
from evidence import (
    Anchorer,
    Checkpoint,
    Frontier,
    Ledger,
    NoteSigner,
    VerificationError,
    audit_log,
    generate_signing_key,
    leaf_hash,
    log_id_of,
)
from tests.conftest import Network, make_record
from tests.evidence.conftest import FIRST_CHECKPOINT, SIZE


def execute(ledger: Ledger, *statements: tuple[str, dict[str, Any]]) -> None:
    """Runs SQL statements on the ledger's database in one transaction."""
    with ledger.engine.begin() as conn:
        for sql, params in statements:
            conn.execute(text(sql), params)


def forged_body(i: int) -> bytes:
    return make_record(i, payload={"n": i, "forged": True}).canonical_bytes()


def insert_record(index: int, record_id: str, body: bytes) -> tuple[str, dict[str, Any]]:
    """A statement storing a record row at ``index``, its other columns copied from leaf 0."""
    sql = (
        "INSERT INTO ledger_records (idx, record_id, kind, time, org, body, appended_at) "
        "SELECT :idx, :record_id, kind, time, org, :body, appended_at FROM ledger_records WHERE idx = 0"
    )
    return sql, {"idx": index, "record_id": record_id, "body": body}


def set_body(index: int, body: bytes) -> tuple[str, dict[str, Any]]:
    return "UPDATE ledger_records SET body = :body WHERE idx = :idx", {"idx": index, "body": body}


def set_note(tree_size: int, note: str) -> tuple[str, dict[str, Any]]:
    return "UPDATE ledger_checkpoints SET note = :note WHERE tree_size = :size", {
        "note": note,
        "size": tree_size,
    }


def shift_records(first: int, by: int) -> list[tuple[str, dict[str, Any]]]:
    """Moves every record at index >= ``first`` by ``by``, through negative indexes so that
    no two rows ever share a primary key (both databases check it row by row)."""
    return [
        ("UPDATE ledger_records SET idx = -idx - 1 WHERE idx >= :first", {"first": first}),
        ("UPDATE ledger_records SET idx = -idx - 1 + :by WHERE idx < 0", {"by": by}),
    ]


def rewrite_tree(ledger: Ledger) -> None:
    """What an attacker does to hide a changed record: recompute every stored hash from the records."""
    frontier = Frontier()
    nodes = [
        {"level": level, "idx": index, "hash": value}
        for _, body in ledger.iter_records()
        for (level, index), value in frontier.append(leaf_hash(body))
    ]
    with ledger.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_nodes"))
        conn.execute(text("INSERT INTO ledger_nodes (level, idx, hash) VALUES (:level, :idx, :hash)"), nodes)


def resign_checkpoints(ledger: Ledger) -> None:
    """What an insider holding the log's key adds: checkpoints re-signed over the rewritten tree."""
    for checkpoint in ledger.checkpoints():
        root = ledger.root(checkpoint.tree_size)
        note = ledger.signer.sign(Checkpoint(ledger.origin, checkpoint.tree_size, root))
        execute(
            ledger,
            (
                "UPDATE ledger_checkpoints SET root_hash = :root, note = :note WHERE tree_size = :size",
                {"root": root, "note": note, "size": checkpoint.tree_size},
            ),
        )


def audit_failure(ledger: Ledger, client: ChainClient | None) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        audit_log(ledger, client)
    return caught.value


@pytest.fixture
def network_client(ledger: Ledger, network: Network) -> ChainClient:
    """The chain, with both of the ledger's checkpoints anchored by the anchorer."""
    assert Anchorer(ledger, lambda: network.client, network.anchorer).step() == 2
    return network.client


@pytest.fixture(params=["offline", "on-chain"])
def client(request: pytest.FixtureRequest, ledger: Ledger) -> ChainClient | None:
    """The audit's chain client: none, or one on which both checkpoints are anchored."""
    if request.param == "offline":
        return None
    anchored: ChainClient = request.getfixturevalue("network_client")
    return anchored


# -- an untampered log -----------------------------------------------------------------------


def test_audit_log_passes_untampered_log_offline(ledger: Ledger) -> None:
    report = audit_log(ledger, None)

    assert (report.records, report.checkpoints_checked, report.anchors_checked) == (SIZE, 2, 0)
    assert report.root == ledger.root(SIZE)


def test_audit_log_checks_every_anchor_of_untampered_log(ledger: Ledger, network_client: ChainClient) -> None:
    report = audit_log(ledger, network_client)

    assert (report.records, report.checkpoints_checked, report.anchors_checked) == (SIZE, 2, 2)
    assert report.root == ledger.root(SIZE)


def test_audit_log_checks_anchor_of_size_without_local_checkpoint(ledger: Ledger, network: Network) -> None:
    log_id = log_id_of(ledger.origin)
    for size in (FIRST_CHECKPOINT, 24, SIZE):  # 24: anchored by hand, never checkpointed locally
        network.client.commit_checkpoint(network.anchorer, log_id, size, ledger.root(size))

    report = audit_log(ledger, network.client)

    assert (report.checkpoints_checked, report.anchors_checked) == (2, 3)


def test_audit_log_reports_progress_up_to_log_size(ledger: Ledger) -> None:
    calls: list[tuple[str, int, int]] = []

    audit_log(ledger, None, lambda label, done, total: calls.append((label, done, total)))

    assert calls[-1] == ("audit", SIZE, SIZE)


# -- tampered records: the audit names the first bad leaf, with or without the chain ------------


def test_audit_log_names_altered_record(ledger: Ledger, client: ChainClient | None) -> None:
    execute(ledger, set_body(7, forged_body(7)))

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", 7)
    assert "leaf 7" in error.detail


def test_audit_log_names_deleted_record(ledger: Ledger, client: ChainClient | None) -> None:
    execute(ledger, ("DELETE FROM ledger_records WHERE idx = 9", {}))

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", 9)
    assert "leaf 9 is missing" in error.detail


def test_audit_log_names_deleted_record_when_later_ones_were_renumbered(
    ledger: Ledger, client: ChainClient | None
) -> None:
    execute(ledger, ("DELETE FROM ledger_records WHERE idx = 9", {}), *shift_records(10, -1))
    assert ledger.size() == SIZE - 1

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", 9)


def test_audit_log_names_inserted_record(ledger: Ledger, client: ChainClient | None) -> None:
    execute(ledger, *shift_records(5, 1), insert_record(5, "forged-5", forged_body(5)))
    assert ledger.size() == SIZE + 1

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", 5)


def test_audit_log_names_record_appended_without_tree_nodes(
    ledger: Ledger, client: ChainClient | None
) -> None:
    execute(ledger, insert_record(SIZE, "forged-40", forged_body(SIZE)))

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", SIZE)


@pytest.mark.parametrize(
    "swap",
    [
        pytest.param(
            [set_body(3, make_record(11).canonical_bytes()), set_body(11, make_record(3).canonical_bytes())],
            id="bodies",
        ),
        pytest.param(
            [
                ("UPDATE ledger_records SET idx = -1 WHERE idx = 3", {}),
                ("UPDATE ledger_records SET idx = 3 WHERE idx = 11", {}),
                ("UPDATE ledger_records SET idx = 11 WHERE idx = -1", {}),
            ],
            id="whole-rows",
        ),
    ],
)
def test_audit_log_names_first_of_reordered_records(
    ledger: Ledger, client: ChainClient | None, swap: list[tuple[str, dict[str, Any]]]
) -> None:
    execute(ledger, *swap)
    assert ledger.at(3).body == make_record(11).canonical_bytes()

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", 3)


def test_audit_log_names_truncated_last_record(ledger: Ledger, client: ChainClient | None) -> None:
    execute(ledger, ("DELETE FROM ledger_records WHERE idx = :last", {"last": SIZE - 1}))

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", SIZE - 1)
    assert f"a checkpoint covers {SIZE}" in error.detail


def test_audit_log_names_truncated_records_from_anchor_when_checkpoint_row_is_gone(
    ledger: Ledger, network_client: ChainClient
) -> None:
    execute(
        ledger,
        ("DELETE FROM ledger_records WHERE idx >= :first", {"first": FIRST_CHECKPOINT}),
        ("DELETE FROM ledger_checkpoints WHERE tree_size = :size", {"size": SIZE}),
    )
    audit_log(ledger, None)  # what is left is a consistent log of 16: only the chain remembers 40

    error = audit_failure(ledger, network_client)

    assert (error.step, error.index) == ("records", FIRST_CHECKPOINT)


@pytest.mark.parametrize(("level", "index", "first_leaf"), [(0, 12, 12), (1, 5, 10), (3, 4, 32), (5, 0, 0)])
def test_audit_log_names_first_leaf_under_tampered_tree_node(
    ledger: Ledger, client: ChainClient | None, level: int, index: int, first_leaf: int
) -> None:
    execute(
        ledger,
        (
            "UPDATE ledger_nodes SET hash = :hash WHERE level = :level AND idx = :idx",
            {"hash": b"\x5a" * 32, "level": level, "idx": index},
        ),
    )

    error = audit_failure(ledger, client)

    assert (error.step, error.index) == ("records", first_leaf)


def test_audit_log_names_subtree_of_record_altered_with_its_leaf_hash(
    ledger: Ledger, client: ChainClient | None
) -> None:
    body = forged_body(7)
    execute(
        ledger,
        set_body(7, body),
        ("UPDATE ledger_nodes SET hash = :hash WHERE level = 0 AND idx = 7", {"hash": leaf_hash(body)}),
    )

    error = audit_failure(ledger, client)

    # The stored leaf hashes now agree with the records; the pair (1, 3) = leaves 6 and 7 does not,
    # and one stored hash cannot tell which of the two changed.
    assert (error.step, error.index) == ("records", 6)
    assert "(1, 3)" in error.detail


# -- a tree rewritten to match the tampered records: only the signed roots can tell ------------


@pytest.mark.parametrize(("altered", "span"), [(7, (0, FIRST_CHECKPOINT)), (20, (FIRST_CHECKPOINT, SIZE))])
def test_audit_log_names_checkpoint_range_of_record_hidden_by_rewritten_tree(
    ledger: Ledger, client: ChainClient | None, altered: int, span: tuple[int, int]
) -> None:
    execute(ledger, set_body(altered, forged_body(altered)))
    rewrite_tree(ledger)

    error = audit_failure(ledger, client)

    assert (error.step, error.index, error.span) == ("checkpoint", None, span)
    assert f"signed root of size {span[1]}" in error.detail
    assert f"[{span[0]}, {span[1]})" in error.detail


@pytest.mark.parametrize(("altered", "span"), [(7, (0, FIRST_CHECKPOINT)), (20, (FIRST_CHECKPOINT, SIZE))])
def test_audit_log_names_anchor_range_of_record_hidden_by_resigned_checkpoints(
    ledger: Ledger, network_client: ChainClient, altered: int, span: tuple[int, int]
) -> None:
    execute(ledger, set_body(altered, forged_body(altered)))
    rewrite_tree(ledger)
    resign_checkpoints(ledger)
    audit_log(ledger, None)  # with the log's key, the rewrite is consistent: only the chain can tell

    error = audit_failure(ledger, network_client)

    assert (error.step, error.index, error.span) == ("anchor", None, span)
    assert f"on-chain root of size {span[1]}" in error.detail
    assert f"[{span[0]}, {span[1]})" in error.detail


# -- tampered checkpoints and anchors ------------------------------------------------------------


def test_audit_log_names_checkpoint_holding_swapped_note(ledger: Ledger, client: ChainClient | None) -> None:
    first, last = ledger.checkpoints()
    execute(ledger, set_note(first.tree_size, last.note), set_note(last.tree_size, first.note))

    error = audit_failure(ledger, client)

    assert error.step == "checkpoint"
    assert f"checkpoint row of size {FIRST_CHECKPOINT} holds a note for size {SIZE}" in error.detail


def test_audit_log_names_checkpoint_of_swapped_row(ledger: Ledger, client: ChainClient | None) -> None:
    execute(
        ledger,
        ("UPDATE ledger_checkpoints SET tree_size = -1 WHERE tree_size = :size", {"size": FIRST_CHECKPOINT}),
        (
            "UPDATE ledger_checkpoints SET tree_size = :to WHERE tree_size = :size",
            {"to": FIRST_CHECKPOINT, "size": SIZE},
        ),
        ("UPDATE ledger_checkpoints SET tree_size = :to WHERE tree_size = -1", {"to": SIZE}),
    )

    error = audit_failure(ledger, client)

    assert error.step == "checkpoint"
    assert f"checkpoint row of size {FIRST_CHECKPOINT} holds a note for size {SIZE}" in error.detail


def test_audit_log_names_checkpoint_signed_by_another_key(ledger: Ledger, client: ChainClient | None) -> None:
    impostor = NoteSigner(generate_signing_key(), ledger.origin)
    execute(ledger, set_note(SIZE, impostor.sign(Checkpoint(ledger.origin, SIZE, ledger.root(SIZE)))))

    error = audit_failure(ledger, client)

    assert error.step == "checkpoint"
    assert f"checkpoint of size {SIZE}" in error.detail


def test_audit_log_names_anchor_whose_root_differs(ledger: Ledger, network: Network) -> None:
    log_id = log_id_of(ledger.origin)
    network.client.commit_checkpoint(
        network.anchorer, log_id, FIRST_CHECKPOINT, ledger.root(FIRST_CHECKPOINT)
    )
    network.client.commit_checkpoint(network.anchorer, log_id, SIZE, b"\x5a" * 32)

    error = audit_failure(ledger, network.client)

    assert (error.step, error.span) == ("anchor", (FIRST_CHECKPOINT, SIZE))
    assert f"on-chain root of size {SIZE}" in error.detail


def test_audit_log_names_missing_leaf_when_chain_anchors_more_than_the_log(
    ledger: Ledger, network_client: ChainClient, network: Network
) -> None:
    network.client.commit_checkpoint(network.anchorer, log_id_of(ledger.origin), SIZE + 1, b"\x5a" * 32)

    error = audit_failure(ledger, network_client)

    assert (error.step, error.index) == ("records", SIZE)
    assert f"leaf {SIZE} is missing" in error.detail


def test_audit_log_names_record_inserted_at_negative_index(ledger: Ledger) -> None:
    # Ledger.get and Ledger.about serve such a row as evidence, so the audit must not pass over it.
    execute(
        ledger,
        insert_record(-1, "forged-x", forged_body(0)),
        ("INSERT INTO ledger_subjects (subject_type, subject_id, idx) VALUES ('batch', 'b0', -1)", {}),
    )
    assert ledger.about("batch", "b0")[0].record_id == "forged-x"

    with pytest.raises(VerificationError) as caught:
        audit_log(ledger, None)

    assert caught.value.step == "records"


# -- the subject index that provenance lookups read ---------------------------------------------


def test_audit_log_names_record_attributed_to_a_forged_subject(ledger: Ledger) -> None:
    execute(ledger, ("INSERT INTO ledger_subjects VALUES ('batch', 'b-forged', 5)", {}))

    error = audit_failure(ledger, None)

    assert (error.step, error.index) == ("subjects", 5)
    assert [r.index for r in ledger.about("batch", "b-forged")] == [5]  # what the audit protects against


def test_audit_log_names_record_removed_from_the_subject_index(ledger: Ledger) -> None:
    execute(ledger, ("DELETE FROM ledger_subjects WHERE idx = 12", {}))

    error = audit_failure(ledger, None)

    assert (error.step, error.index) == ("subjects", 12)
