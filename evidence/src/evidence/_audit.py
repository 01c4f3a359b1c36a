"""The audit: recompute the whole log from the stored record bytes and hold it against every
signed checkpoint and every on-chain anchor.

It names the first bad leaf index when a stored record was altered, deleted, inserted or
reordered, and the checkpoint when a checkpoint was swapped or forged.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._anchorer import log_id_of
from ._errors import CheckpointError, ProofError, VerificationError
from ._merkle import Frontier, NodeKey, leaf_hash, verify_consistency

if TYPE_CHECKING:
    from chain import AnchoredCheckpoint, ChainClient

    from ._ledger import Ledger, StoredCheckpoint

Progress = Callable[[str, int, int], None]
BATCH = 5000


@dataclass
class AuditReport:
    records: int = 0
    root: bytes = b""
    checkpoints_checked: int = 0
    anchors_checked: int = 0
    notes: list[str] = field(default_factory=list)


def _noop(label: str, done: int, total: int) -> None:
    return None


def audit_log(ledger: Ledger, client: ChainClient | None, progress: Progress = _noop) -> AuditReport:
    """Raises :class:`VerificationError` (with ``index`` where a leaf is to blame) at the first failure."""
    report = AuditReport()
    local = {cp.tree_size: cp for cp in ledger.checkpoints()}
    for checkpoint in local.values():
        _check_signature(ledger, checkpoint)
    anchors = _anchors(ledger, client)
    sizes = sorted(set(local) | set(anchors))
    frontier = _replay(ledger, local, anchors, sizes, progress)
    report.records = frontier.size
    report.root = frontier.root()
    if sizes and sizes[-1] > frontier.size:
        raise VerificationError(
            "records",
            f"the log holds {frontier.size} records but a checkpoint covers {sizes[-1]}: "
            f"leaf {frontier.size} is missing",
            frontier.size,
        )
    _check_anchor_chain(ledger, anchors)
    report.checkpoints_checked = len(local)
    report.anchors_checked = len(anchors)
    return report


def _check_signature(ledger: Ledger, checkpoint: StoredCheckpoint) -> None:
    try:
        signed = ledger.verifier.verify(checkpoint.note)
    except CheckpointError as exc:
        raise VerificationError("checkpoint", f"checkpoint of size {checkpoint.tree_size}: {exc}") from exc
    if (signed.origin, signed.size, signed.root_hash) != (
        ledger.origin,
        checkpoint.tree_size,
        checkpoint.root_hash,
    ):
        raise VerificationError(
            "checkpoint",
            f"checkpoint row of size {checkpoint.tree_size} holds a note for size {signed.size} "
            f"of {signed.origin!r}: checkpoints were swapped or replaced",
        )


def _anchors(ledger: Ledger, client: ChainClient | None) -> dict[int, AnchoredCheckpoint]:
    if client is None:
        return {}
    log_id = log_id_of(ledger.origin)
    anchored = [client.checkpoint_at(log_id, i) for i in range(client.checkpoint_count(log_id))]
    return {a.tree_size: a for a in anchored}


def _replay(
    ledger: Ledger,
    local: dict[int, StoredCheckpoint],
    anchors: dict[int, AnchoredCheckpoint],
    sizes: list[int],
    progress: Progress,
) -> Frontier:
    frontier = Frontier()
    total = ledger.size()
    pending_sizes = iter(sizes)
    next_size = next(pending_sizes, None)
    last_good = 0
    batch = _Pending(ledger)
    for index, body in ledger.iter_records(BATCH):
        if index < frontier.size:
            raise VerificationError("records", f"a record is stored at index {index}, outside the log")
        if index != frontier.size:
            raise VerificationError("records", f"leaf {frontier.size} is missing", frontier.size)
        batch.add(index, body, frontier.append(leaf_hash(body)))
        if frontier.size % BATCH == 0:
            batch.flush()
            progress("audit", frontier.size, total)
        while next_size is not None and next_size == frontier.size:
            batch.flush()  # a precise leaf index beats a checkpoint range
            _compare_root(frontier, local.get(next_size), anchors.get(next_size), last_good)
            last_good = next_size
            next_size = next(pending_sizes, None)
    batch.flush()
    progress("audit", frontier.size, total)
    return frontier


class _Pending:
    """What a run of replayed records implies about the stored tree and subject index."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.created: list[tuple[NodeKey, bytes]] = []
        self.subjects: dict[int, set[tuple[str, str]]] = {}

    def add(self, index: int, body: bytes, created: list[tuple[NodeKey, bytes]]) -> None:
        self.created.extend(created)
        self.subjects[index] = _subjects_of(body)

    def flush(self) -> None:
        _compare_nodes(self.ledger, self.created)
        _compare_subjects(self.ledger, self.subjects)
        self.created, self.subjects = [], {}


def _subjects_of(body: bytes) -> set[tuple[str, str]]:
    try:
        subjects = json.loads(body).get("subjects", [])
        return {(str(s["type"]), str(s["id"])) for s in subjects}
    except (ValueError, AttributeError, TypeError, KeyError):
        return set()  # unreadable bytes: the leaf comparison names this record


def _compare_subjects(ledger: Ledger, expected: dict[int, set[tuple[str, str]]]) -> None:
    """The subject index (what provenance lookups read) against the subjects the records name."""
    if not expected:
        return
    stored = ledger.stored_subjects(min(expected), max(expected) + 1)
    for index in sorted(set(expected) | set(stored)):
        if stored.get(index, set()) != expected.get(index, set()):
            raise VerificationError(
                "subjects",
                f"leaf {index}: the subject index differs from the subjects the record names",
                index,
            )


def _compare_nodes(ledger: Ledger, created: list[tuple[NodeKey, bytes]]) -> None:
    """Recomputed perfect-subtree hashes against the ones stored at append time, leaves first."""
    if not created:
        return
    by_level: dict[int, list[tuple[int, bytes]]] = {}
    for (level, index), value in created:
        by_level.setdefault(level, []).append((index, value))
    for level in sorted(by_level):
        entries = by_level[level]
        stored = ledger.stored_nodes(level, entries[0][0], entries[-1][0] + 1)
        for index, value in entries:
            if stored.get(index) != value:
                first_leaf = index << level
                what = (
                    "record bytes differ from the leaf hash recorded when it was appended"
                    if level == 0
                    else (f"stored subtree hash ({level}, {index}) differs from the records")
                )
                raise VerificationError("records", f"leaf {first_leaf}: {what}", first_leaf)


def _compare_root(
    frontier: Frontier, local: StoredCheckpoint | None, anchor: AnchoredCheckpoint | None, last_good: int
) -> None:
    root = frontier.root()
    span = (last_good, frontier.size)
    where = f"the first bad leaf lies in [{last_good}, {frontier.size})"
    if local is not None and local.root_hash != root:
        raise VerificationError(
            "checkpoint",
            f"records do not hash to the signed root of size {frontier.size}; {where}",
            span=span,
        )
    if anchor is not None and anchor.root_hash != root:
        raise VerificationError(
            "anchor", f"records do not hash to the on-chain root of size {frontier.size}; {where}", span=span
        )


def _check_anchor_chain(ledger: Ledger, anchors: dict[int, AnchoredCheckpoint]) -> None:
    """Each on-chain root is consistent (RFC 9162 consistency proof) with the one before it."""
    ordered = [anchors[size] for size in sorted(anchors)]
    for previous, current in itertools.pairwise(ordered):
        proof = ledger.consistency_proof(previous.tree_size, current.tree_size)
        try:
            verify_consistency(
                previous.tree_size, current.tree_size, proof, previous.root_hash, current.root_hash
            )
        except ProofError as exc:
            raise VerificationError(
                "anchor",
                f"on-chain roots of size {previous.tree_size} and {current.tree_size} "
                f"are inconsistent: {exc}",
            ) from exc
