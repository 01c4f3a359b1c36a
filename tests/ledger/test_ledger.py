"""The ledger store on SQLite and PostgreSQL: appends, idempotency, proofs, checkpoints."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import make_record
from trace_api.ledger import Ledger, RecordConflict, leaf_hash, verify_consistency, verify_inclusion


def test_append_assigns_consecutive_indexes(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()

    receipts = [ledger.append(make_record(i)) for i in range(5)]

    assert [r.index for r in receipts] == [0, 1, 2, 3, 4]
    assert ledger.size() == 5
    assert ledger.get("r-3").body == make_record(3).canonical_bytes()


def test_same_id_same_bytes_returns_first_receipt(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    first = ledger.append(make_record(1))

    again = ledger.append(make_record(1))

    assert (again.index, again.leaf_hash, again.duplicate) == (first.index, first.leaf_hash, True)
    assert ledger.size() == 1


def test_same_id_other_bytes_is_conflict_and_batch_rolls_back(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(1))

    with pytest.raises(RecordConflict) as caught:
        ledger.append_many([make_record(2), make_record(1, payload={"n": "changed"}), make_record(3)])

    assert (caught.value.record_id, caught.value.index) == ("r-1", 0)
    assert ledger.size() == 1
    assert ledger.append(make_record(2)).index == 1  # nothing of the failed batch was kept


def test_proofs_verify_against_checkpoints(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(13)])
    first = ledger.checkpoint()
    ledger.append_many([make_record(i) for i in range(13, 40)])
    second = ledger.checkpoint()
    assert first is not None
    assert second is not None

    for index in (0, 7, 12):
        body = ledger.at(index).body
        proof = ledger.inclusion_proof(index, first.tree_size)
        verify_inclusion(leaf_hash(body), index, first.tree_size, proof, first.root_hash)
    proof = ledger.consistency_proof(first.tree_size, second.tree_size)
    verify_consistency(first.tree_size, second.tree_size, proof, first.root_hash, second.root_hash)
    assert ledger.verifier.verify(second.note).size == 40


def test_two_writers_on_one_database_share_one_tree(make_ledger: Callable[..., Ledger]) -> None:
    one, other = make_ledger(), make_ledger()

    for i in range(10):
        (one if i % 2 else other).append(make_record(i))

    assert one.size() == other.size() == 10
    checkpoint = one.checkpoint()
    assert checkpoint is not None
    assert checkpoint.root_hash == other.root(10)
