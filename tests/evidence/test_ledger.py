"""The ledger store on SQLite and PostgreSQL: appends, idempotency, proofs, checkpoints."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from evidence import (
    Ledger,
    LedgerError,
    NoteSigner,
    ProofError,
    Receipt,
    Record,
    RecordConflict,
    UnknownRecord,
    generate_signing_key,
    leaf_hash,
    make_engine,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
    write_transaction,
)
from tests.conftest import make_record

#: A test of the query plan SQLite picks (PostgreSQL plans by its statistics).
SQLITE_PLAN = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


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


# -- idempotency ---------------------------------------------------------------------------------


def test_append_many_same_id_twice_in_one_batch_keeps_one_row(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()

    receipts = ledger.append_many([make_record(0), make_record(1), make_record(0), make_record(2)])

    assert [(r.record_id, r.index, r.duplicate) for r in receipts] == [
        ("r-0", 0, False),
        ("r-1", 1, False),
        ("r-0", 0, True),
        ("r-2", 2, False),
    ]
    assert receipts[2].leaf_hash == receipts[0].leaf_hash
    assert ledger.size() == 3
    assert [body for _, body in ledger.iter_records()] == [make_record(i).canonical_bytes() for i in range(3)]


def test_append_many_same_id_other_bytes_in_one_batch_is_conflict_and_keeps_nothing(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()

    with pytest.raises(RecordConflict) as caught:
        ledger.append_many([make_record(0), make_record(1), make_record(0, payload={"n": "changed"})])

    assert caught.value.record_id == "r-0"
    assert ledger.size() == 0
    with pytest.raises(UnknownRecord):
        ledger.get("r-1")
    assert ledger.checkpoint() is None
    assert ledger.append(make_record(5)).index == 0  # the stored tree is still the empty one


def test_append_duplicate_after_other_appends_returns_original_index(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(5)])
    ledger.append(make_record(5))

    receipts = ledger.append_many([make_record(2), make_record(6), make_record(4)])

    assert [(r.record_id, r.index, r.duplicate) for r in receipts] == [
        ("r-2", 2, True),
        ("r-6", 6, False),
        ("r-4", 4, True),
    ]
    assert ledger.size() == 7
    assert ledger.at(6).record_id == "r-6"


def test_receipts_leaf_hash_is_leaf_hash_of_canonical_bytes(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    records = [make_record(i, payload={"品名": "阳澄湖大闸蟹", "n": i}) for i in range(4)]

    receipts = [*ledger.append_many(records), ledger.append(records[1])]

    for receipt in receipts:
        record = next(r for r in records if r.record_id == receipt.record_id)
        assert receipt.leaf_hash == leaf_hash(record.canonical_bytes())
        assert ledger.get(receipt.record_id).body == record.canonical_bytes()
        assert ledger.stored_nodes(0, receipt.index, receipt.index + 1) == {receipt.index: receipt.leaf_hash}
    assert ledger.get("r-2").record() == records[2]


def test_append_many_of_nothing_returns_no_receipts(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(0))

    assert ledger.append_many([]) == []
    assert ledger.size() == 1


# -- concurrency ---------------------------------------------------------------------------------

THREADS = 4


def _run_together(work: Callable[[int], list[Receipt]]) -> list[list[Receipt]]:
    """Runs ``work(t)`` for every thread number t, all released at once; re-raises any failure."""
    start = threading.Barrier(THREADS)

    def run(t: int) -> list[Receipt]:
        start.wait(timeout=30)
        return work(t)

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(run, t) for t in range(THREADS)]
        return [f.result(timeout=120) for f in futures]


def test_concurrent_writers_store_every_record_once_in_one_tree(make_ledger: Callable[..., Ledger]) -> None:
    per_thread = 50
    # Opened up front: each thread writes through its own Ledger (own engine, own connections).
    writers = [make_ledger() for _ in range(THREADS)]

    results = _run_together(
        lambda t: [writers[t].append(make_record(i, tag=f"t{t}")) for i in range(per_thread)]
    )

    total = THREADS * per_thread
    fresh = make_ledger()
    assert fresh.size() == total
    assert sorted(r.index for receipts in results for r in receipts) == list(range(total))
    for t, receipts in enumerate(results):
        assert [r.index for r in receipts] == sorted(r.index for r in receipts)  # each writer's own order
        for i, receipt in enumerate(receipts):
            assert fresh.get(f"t{t}-{i}").body == make_record(i, tag=f"t{t}").canonical_bytes()
            assert fresh.at(receipt.index).record_id == f"t{t}-{i}"
    stored = list(fresh.iter_records())
    assert [index for index, _ in stored] == list(range(total))
    expected_root = root_from_leaf_hashes(leaf_hash(body) for _, body in stored)
    assert fresh.root(total) == expected_root
    checkpoint = writers[0].checkpoint()
    assert checkpoint is not None
    assert (checkpoint.tree_size, checkpoint.root_hash) == (total, expected_root)


def test_concurrent_writers_of_the_same_ids_store_each_once(make_ledger: Callable[..., Ledger]) -> None:
    count = 30
    records = [make_record(i, tag="same") for i in range(count)]
    writers = [make_ledger() for _ in range(THREADS)]

    def append_rotated(t: int) -> list[Receipt]:
        order = records[t * 7 :] + records[: t * 7]  # each writer starts elsewhere in the list
        return [writers[t].append(r) for r in order]

    results = _run_together(append_rotated)

    ledger = make_ledger()
    assert ledger.size() == count
    by_id: dict[str, list[Receipt]] = {}
    for receipts in results:
        for receipt in receipts:
            by_id.setdefault(receipt.record_id, []).append(receipt)
    for record in records:
        receipts = by_id[record.record_id]
        assert len({r.index for r in receipts}) == 1
        assert sum(not r.duplicate for r in receipts) == 1
        assert ledger.at(receipts[0].index).body == record.canonical_bytes()
    assert sorted(r[0].index for r in by_id.values()) == list(range(count))
    assert ledger.root(count) == root_from_leaf_hashes(leaf_hash(b) for _, b in ledger.iter_records())


# -- subjects ------------------------------------------------------------------------------------


def _about(i: int, *subjects: tuple[str, str]) -> Record:
    data = make_record(i, tag="s").model_dump(mode="json")
    data["subjects"] = [{"type": t, "id": s} for t, s in subjects]
    return Record.model_validate(data)


def test_about_lists_records_naming_the_subject_in_log_order(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(9)])  # about batches b0, b1, b2 in turn
    ledger.append_many(
        [
            _about(1, ("batch", "b1"), ("item", "b1")),
            _about(2, ("batch", "b2"), ("batch", "b2"), ("item", "x")),  # b2 named twice
            _about(3),  # about nothing
        ]
    )
    ledger.append(make_record(10))  # about b1

    assert [(s.index, s.record_id) for s in ledger.about("batch", "b1")] == [
        (1, "r-1"),
        (4, "r-4"),
        (7, "r-7"),
        (9, "s-1"),
        (12, "r-10"),
    ]
    assert [s.index for s in ledger.about("batch", "b2")] == [2, 5, 8, 10]
    assert [s.record_id for s in ledger.about("item", "b1")] == ["s-1"]
    [item] = ledger.about("item", "x")
    assert (item.index, item.body) == (
        10,
        _about(2, ("batch", "b2"), ("batch", "b2"), ("item", "x")).canonical_bytes(),
    )
    assert ledger.about("batch", "b9") == []
    assert ledger.about("device", "b1") == []


def test_about_skips_duplicate_records(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(1), make_record(4)])

    ledger.append_many([make_record(1), make_record(7), make_record(4)])

    assert [s.index for s in ledger.about("batch", "b1")] == [0, 1, 2]


# -- appends in the caller's transaction -----------------------------------------------------------


def _stored_root(ledger: Ledger) -> bytes:
    """The root recomputed from every stored record's bytes."""
    return root_from_leaf_hashes([leaf_hash(ledger.at(i).body) for i in range(ledger.size())])


def test_appends_in_a_transaction_survive_a_savepoint_rolled_back(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(3)])

    with write_transaction(ledger.engine, ledger.lock_name) as conn:
        ledger.append(make_record(3), conn=conn)
        savepoint = conn.begin_nested()
        ledger.append_many([make_record(4), make_record(5)], conn=conn)
        savepoint.rollback()
        kept = conn.begin_nested()
        ledger.append(make_record(6, tag="other"), conn=conn)
        kept.commit()
        ledger.append(make_record(7, tag="other"), conn=conn)
        assert ledger.about("batch", "b0", conn=conn)[-1].record_id == "other-6"
    ledger.append(make_record(8, tag="other"))

    assert [ledger.at(i).record_id for i in range(ledger.size())] == [
        "r-0", "r-1", "r-2", "r-3", "other-6", "other-7", "other-8"
    ]  # fmt: skip
    assert ledger.root(ledger.size()) == _stored_root(ledger)
    checkpoint = ledger.checkpoint()
    assert checkpoint is not None
    for index in range(checkpoint.tree_size):
        proof = ledger.inclusion_proof(index, checkpoint.tree_size)
        verify_inclusion(
            leaf_hash(ledger.at(index).body), index, checkpoint.tree_size, proof, checkpoint.root_hash
        )


def test_a_transaction_rolled_back_leaves_no_frontier_for_the_next(
    make_ledger: Callable[..., Ledger],
) -> None:
    ledger, other_process = make_ledger(), make_ledger()
    ledger.append(make_record(0))

    def failing_request() -> None:
        with write_transaction(ledger.engine, ledger.lock_name) as conn:
            ledger.append(make_record(1), conn=conn)
            raise RuntimeError("the caller's request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    other_process.append(make_record(2, tag="other"))
    with write_transaction(ledger.engine, ledger.lock_name) as conn:
        ledger.append(make_record(3, tag="other"), conn=conn)

    assert ledger.size() == 3
    assert ledger.root(3) == _stored_root(ledger)


# -- opening -------------------------------------------------------------------------------------


def test_open_with_other_origin_on_same_database_is_refused(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(1))

    with pytest.raises(LedgerError, match=r"origin 'test\.suyuan\.local/log', not 'other\.example/log'"):
        make_ledger(origin="other.example/log")

    assert make_ledger().get("r-1").index == 0


def test_open_with_other_signing_key_on_same_database_is_refused(
    make_ledger: Callable[..., Ledger], database_url: str
) -> None:
    ledger = make_ledger()
    ledger.append(make_record(1))
    impostor = NoteSigner(generate_signing_key(), ledger.origin)

    with pytest.raises(LedgerError, match="verifier_key") as caught:
        Ledger(make_engine(database_url), ledger.origin, impostor)

    assert impostor.verifier_key() in str(caught.value)
    checkpoint = make_ledger().checkpoint()
    assert checkpoint is not None
    assert ledger.verifier.verify(checkpoint.note).size == 1


def test_reopen_with_same_origin_and_key_sees_the_log(make_ledger: Callable[..., Ledger]) -> None:
    make_ledger().append_many([make_record(i) for i in range(3)])

    reopened = make_ledger()

    assert reopened.size() == 3
    assert reopened.append(make_record(3)).index == 3


# -- checkpoints ---------------------------------------------------------------------------------


def test_checkpoint_of_empty_log_is_none(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()

    assert ledger.checkpoint() is None
    assert ledger.latest_checkpoint() is None
    assert ledger.checkpoints() == []


def test_checkpoint_without_growth_returns_the_latest(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(5)])
    first = ledger.checkpoint()
    ledger.append(make_record(2))  # a duplicate does not grow the log

    again = ledger.checkpoint()

    assert first is not None
    assert again is not None
    assert (again.tree_size, again.root_hash, again.note) == (first.tree_size, first.root_hash, first.note)
    assert [c.tree_size for c in ledger.checkpoints()] == [5]


def test_checkpoint_note_verifies_with_the_ledger_verifier(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(6)])

    stored = ledger.checkpoint()

    assert stored is not None
    signed = ledger.verifier.verify(stored.note)
    assert (signed.origin, signed.size, signed.root_hash) == (ledger.origin, 6, ledger.root(6))
    assert stored.root_hash == root_from_leaf_hashes(
        leaf_hash(make_record(i).canonical_bytes()) for i in range(6)
    )
    latest = ledger.latest_checkpoint()
    assert latest is not None
    assert (latest.tree_size, latest.note, latest.anchor_block) == (6, stored.note, None)
    assert latest.created_at == stored.created_at


def test_covering_checkpoint_picks_latest_including_the_leaf(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(5)])
    ledger.checkpoint()
    ledger.append_many([make_record(i) for i in range(5, 10)])
    ledger.checkpoint()
    ledger.append(make_record(10))  # not yet covered

    covering = [ledger.covering_checkpoint(i) for i in (0, 4, 5, 9, 10)]

    assert [c.tree_size if c else None for c in covering] == [10, 10, 10, 10, None]
    assert ledger.covering_checkpoint(0, anchored=True) is None


def test_covering_checkpoint_anchored_after_record_anchor(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(5)])
    ledger.checkpoint()
    ledger.append_many([make_record(i) for i in range(5, 10)])
    ledger.checkpoint()
    tx = "0x" + "ab" * 32

    ledger.record_anchor(5, 42, tx)

    anchored = ledger.covering_checkpoint(3, anchored=True)
    assert anchored is not None
    assert (anchored.tree_size, anchored.anchor_block, anchored.anchor_tx) == (5, 42, tx)
    assert anchored.anchored_at is not None
    assert ledger.covering_checkpoint(7, anchored=True) is None
    latest = ledger.covering_checkpoint(3)
    assert latest is not None
    assert latest.tree_size == 10
    assert [c.tree_size for c in ledger.checkpoints(unanchored_only=True)] == [10]
    assert [c.tree_size for c in ledger.checkpoints()] == [5, 10]


def test_record_anchor_none_forgets_the_anchor(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(3)])
    ledger.checkpoint()
    ledger.record_anchor(3, 7, "0x" + "cd" * 32)

    ledger.record_anchor(3, None)

    assert ledger.covering_checkpoint(0, anchored=True) is None
    [unanchored] = ledger.checkpoints(unanchored_only=True)
    assert (unanchored.tree_size, unanchored.anchor_block, unanchored.anchor_tx) == (3, None, None)
    assert unanchored.anchored_at is None


# -- proofs --------------------------------------------------------------------------------------


def test_inclusion_proof_of_every_leaf_verifies(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(33)])
    checkpoint = ledger.checkpoint()
    assert checkpoint is not None

    for index in range(33):
        proof = ledger.inclusion_proof(index, checkpoint.tree_size)
        verify_inclusion(
            leaf_hash(make_record(index).canonical_bytes()), index, 33, proof, checkpoint.root_hash
        )
    with pytest.raises(ProofError):  # the proof is bound to its leaf
        verify_inclusion(
            leaf_hash(make_record(1).canonical_bytes()),
            0,
            33,
            ledger.inclusion_proof(0, 33),
            checkpoint.root_hash,
        )


def test_inclusion_proof_for_earlier_tree_sizes_verifies(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(33)])
    bodies = [body for _, body in ledger.iter_records()]

    for size in (1, 2, 7, 16, 17, 32):
        root = root_from_leaf_hashes(leaf_hash(b) for b in bodies[:size])
        assert ledger.root(size) == root
        for index in {0, size // 2, size - 1}:
            verify_inclusion(leaf_hash(bodies[index]), index, size, ledger.inclusion_proof(index, size), root)


@pytest.mark.parametrize(("index", "size"), [(33, 33), (40, 33), (-1, 33), (0, 0)])
def test_inclusion_proof_outside_the_tree_is_proof_error(
    make_ledger: Callable[..., Ledger], index: int, size: int
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(33)])

    with pytest.raises(ProofError, match=f"leaf {index} in a tree of size {size}"):
        ledger.inclusion_proof(index, size)


def test_consistency_proof_from_empty_tree_is_proof_error(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(8)])

    with pytest.raises(ProofError):
        ledger.consistency_proof(0, 8)
    with pytest.raises(ProofError):
        ledger.consistency_proof(5, 3)


def test_consistency_proofs_between_all_sizes_verify(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(17)])
    roots = {size: ledger.root(size) for size in range(1, 18)}

    for size1 in range(1, 18):
        for size2 in (size1, 16, 17):
            if size2 >= size1:
                proof = ledger.consistency_proof(size1, size2)
                verify_consistency(size1, size2, proof, roots[size1], roots[size2])


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through ``engine`` while the block runs."""
    sent: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_inclusion_proof_reads_a_constant_number_of_statements(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    for size in (1000, 5000):
        while ledger.size() < size:
            start = ledger.size()
            ledger.append_many([make_record(i) for i in range(start, start + 1000)])
        root = ledger.root(size)

        for index in (0, 1, size // 3, size - 2, size - 1):
            with _statements(ledger.engine) as sent:
                proof = ledger.inclusion_proof(index, size)
            assert len(sent) <= 2, sent
            assert len([sql for sql in sent if sql.lstrip().upper().startswith("SELECT")]) == 1, sent
            verify_inclusion(leaf_hash(make_record(index).canonical_bytes()), index, size, proof, root)


# -- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 6, 7, 20, 21])
def test_iter_records_yields_all_in_order_across_batches(
    make_ledger: Callable[..., Ledger], count: int
) -> None:
    ledger = make_ledger()
    if count:
        ledger.append_many([make_record(i) for i in range(count)])

    assert list(ledger.iter_records(batch=7)) == [(i, make_record(i).canonical_bytes()) for i in range(count)]


def test_get_and_at_of_unknown_record_raise_unknown_record(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(0))

    with pytest.raises(UnknownRecord, match="'r-1'"):
        ledger.get("r-1")
    with pytest.raises(UnknownRecord, match="index 1"):
        ledger.at(1)


def test_count_kinds_counts_records_appended_since_a_time(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    ledger.append_many([make_record(i) for i in range(3)])
    ledger.append(Record.model_validate({**make_record(3).model_dump(), "kind": "scan.sell"}))

    counted = ledger.count_kinds(["scan.receive", "scan.sell", "scan.ship"], before)
    later = ledger.count_kinds(["scan.receive"], dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))

    assert counted == {"scan.receive": 3, "scan.sell": 1, "scan.ship": 0}
    assert later == {"scan.receive": 0}


@SQLITE_PLAN
def test_count_kinds_reads_the_kind_and_time_index(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append(make_record(0))
    with _statements(ledger.engine) as statements:
        ledger.count_kinds(["scan.receive"], dt.datetime.now(dt.UTC))
    (query,) = [s for s in statements if "count(" in s.lower()]

    with ledger.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", ("scan.receive", "2026-01-01")).all()

    assert "COVERING INDEX ix_ledger_records_kind_appended_at" in " ".join(str(row[-1]) for row in plan)


def _kind(i: int, kind: str, org: str = "org-1") -> Record:
    data = make_record(i).model_dump()
    return Record.model_validate({**data, "kind": kind, "actor": {"org": org, "key_id": "key-1"}})


def test_latest_gives_records_of_kinds_newest_first_page_by_page(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    ledger.append_many(
        [_kind(i, ("scan.ship", "scan.sell", "other")[i % 3], f"org-{i % 2}") for i in range(9)]
    )
    ledger.append(_kind(9, "scan.ship"))  # appended later than the rest

    def indexes(**options: Any) -> list[int]:
        return [r.index for r in ledger.latest(["scan.ship", "scan.sell"], **options)]

    assert indexes(limit=10) == [9, 7, 6, 4, 3, 1, 0]
    assert indexes(limit=3) == [9, 7, 6]
    assert indexes(limit=3, after=6) == [4, 3, 1]
    assert indexes(limit=3, after=1) == [0]
    assert indexes(limit=10, org="org-1") == [9, 7, 3, 1]
    assert indexes(limit=10, subject=("batch", "b1")) == [7, 4, 1]
    assert indexes(limit=2, subject=("batch", "b1"), after=7) == [4, 1]
    assert indexes(limit=10, since=before) == [9, 7, 6, 4, 3, 1, 0]
    assert indexes(limit=10, since=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == []
    latest = ledger.latest(["scan.ship"], limit=1)[0]
    assert (latest.record_id, latest.kind, latest.body) == (
        "r-9",
        "scan.ship",
        _kind(9, "scan.ship").canonical_bytes(),
    )
    assert latest.appended_at is not None
    assert latest.appended_at >= before


@SQLITE_PLAN
def test_latest_reads_the_kind_and_time_index_from_its_end(make_ledger: Callable[..., Ledger]) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(3)])
    with _statements(ledger.engine) as statements:
        ledger.latest(["scan.receive"], limit=2, since=dt.datetime.now(dt.UTC), after=2)
        ledger.latest(["scan.receive"], limit=2, subject=("batch", "b1"))
    by_time, by_subject = [s for s in statements if "ORDER BY" in s]

    with ledger.engine.connect() as conn:
        # Bound values: the kind, then a time or the subject, then indexes and the limit.
        time_args = ("scan.receive", "2026", *[2] * (by_time.count("?") - 2))
        time_plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {by_time}", time_args).all()
        subject_args = ("scan.receive", "batch", "b1", *[0] * (by_subject.count("?") - 3))
        subject_plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {by_subject}", subject_args).all()

    time_steps = " ".join(str(row[-1]) for row in time_plan)
    subject_steps = " ".join(str(row[-1]) for row in subject_plan)
    assert "INDEX ix_ledger_records_kind_appended_at" in time_steps
    assert "TEMP B-TREE" not in time_steps  # no sort: the index's order is the page's
    assert "SEARCH ledger_subjects USING PRIMARY KEY" in subject_steps
    assert "TEMP B-TREE" not in subject_steps
