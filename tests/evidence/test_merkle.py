"""RFC 9162 Merkle hashing, proofs and verification against transparency-dev/merkle's vectors.

The vectors are read in place from ../shared/corpus/merkle. Beyond them, proofs built
through the batched node reader are compared with a naive recursive reading of RFC 9162.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from evidence import (
    EMPTY_ROOT,
    Frontier,
    NodeKey,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    perfect_nodes_for_range,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    subtree_root,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "merkle"
TESTDATA = CORPUS / "testdata"
ROOTS = json.loads((CORPUS / "roots.json").read_text())


def _vector_files(kind: str) -> list[Path]:
    files = sorted((TESTDATA / kind).rglob("*.json"))
    assert files, f"no {kind} vectors under {TESTDATA}"
    return files


def _load(path: Path) -> dict[str, Any]:
    vector: dict[str, Any] = json.loads(path.read_text())
    return vector


def _b64(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(vector: dict[str, Any]) -> list[bytes]:
    return [_b64(item) for item in vector["proof"] or []]


def _id(path: Path) -> str:
    return str(path.relative_to(TESTDATA))


INCLUSION = _vector_files("inclusion")
CONSISTENCY = _vector_files("consistency")
CORPUS_LEAF_HASHES = [bytes.fromhex(value) for value in ROOTS["leaf_hashes"]]
CORPUS_ROOTS = [bytes.fromhex(value) for value in ROOTS["root_hashes"]]


class DictStore:
    """Perfect-subtree nodes persisted from Frontier appends; counts reader calls."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.nodes: dict[NodeKey, bytes] = {}
        self.calls = 0
        frontier = Frontier()
        for value in leaf_hashes:
            self.nodes.update(frontier.append(value))

    def read(self, keys: Sequence[NodeKey]) -> list[bytes]:
        self.calls += 1
        return [self.nodes[key] for key in keys]


@cache
def _uniform_node(level: int) -> bytes:
    """Hash of a perfect subtree of 2^level leaves that all hold the empty entry."""
    return leaf_hash(b"") if level == 0 else node_hash(_uniform_node(level - 1), _uniform_node(level - 1))


class SyntheticReader:
    """Reads a tree of the given size whose leaves are all the empty entry; records the keys asked.

    Such a tree costs nothing to build at any size, yet its nodes are consistent, so proofs
    over it verify.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.batches: list[list[NodeKey]] = []

    def read(self, keys: Sequence[NodeKey]) -> list[bytes]:
        self.batches.append(list(keys))
        for level, index in keys:
            assert (index + 1) << level <= self.size, f"key {(level, index)} lies beyond the tree"
        return [_uniform_node(level) for level, _ in keys]

    @property
    def key_count(self) -> int:
        return sum(len(batch) for batch in self.batches)


# A naive reading of RFC 9162 sections 2.1.1, 2.1.3.1 and 2.1.4.1 over one fixed leaf list.
REFERENCE_LEAVES = tuple(leaf_hash(i.to_bytes(4, "big")) for i in range(130))


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def _reference_mth(start: int, end: int) -> bytes:
    if end - start == 1:
        return REFERENCE_LEAVES[start]
    k = _k(end - start)
    return node_hash(_reference_mth(start, start + k), _reference_mth(start + k, end))


def _reference_path(m: int, start: int, end: int) -> list[bytes]:
    if end - start == 1:
        return []
    k = _k(end - start)
    if m < k:
        return [*_reference_path(m, start, start + k), _reference_mth(start + k, end)]
    return [*_reference_path(m - k, start + k, end), _reference_mth(start, start + k)]


def _reference_subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if complete else [_reference_mth(start, end)]
    k = _k(n)
    if m <= k:
        return [*_reference_subproof(m, start, start + k, complete), _reference_mth(start + k, end)]
    return [*_reference_subproof(m - k, start + k, end, False), _reference_mth(start, start + k)]


@pytest.fixture(scope="module")
def reference_store() -> DictStore:
    return DictStore(REFERENCE_LEAVES)


def test_leaf_hash_matches_corpus_leaf_hashes() -> None:
    inputs = [bytes.fromhex(value) for value in ROOTS["leaf_inputs"]]
    assert [leaf_hash(data) for data in inputs] == CORPUS_LEAF_HASHES


def test_empty_root_is_sha256_of_nothing() -> None:
    assert CORPUS_ROOTS[0] == EMPTY_ROOT


@pytest.mark.parametrize("size", range(len(CORPUS_ROOTS)))
def test_root_from_leaf_hashes_matches_corpus_root(size: int) -> None:
    assert root_from_leaf_hashes(CORPUS_LEAF_HASHES[:size]) == CORPUS_ROOTS[size]


@pytest.mark.parametrize("size", range(len(CORPUS_ROOTS)))
def test_tree_root_from_store_matches_corpus_root(size: int) -> None:
    store = DictStore(CORPUS_LEAF_HASHES)
    assert tree_root(store.read, size) == CORPUS_ROOTS[size]


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_verify_inclusion_corpus_vector(path: Path) -> None:
    vector = _load(path)
    args = (_b64(vector["leafHash"]), vector["leafIdx"], vector["treeSize"], _proof(vector))
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, _b64(vector["root"]))
    else:
        verify_inclusion(*args, _b64(vector["root"]))
        assert root_from_inclusion_proof(*args) == _b64(vector["root"])


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_verify_consistency_corpus_vector(path: Path) -> None:
    vector = _load(path)
    args = (vector["size1"], vector["size2"], _proof(vector), _b64(vector["root1"]), _b64(vector["root2"]))
    if vector["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def _over_corpus_leaves(kind: str, size_key: str, root_key: str) -> list[Path]:
    """Happy-path vectors over the corpus leaves, whose proofs our builders must reproduce."""

    def fits(vector: dict[str, Any]) -> bool:
        size = vector[size_key]
        over_corpus = 0 < size < len(CORPUS_ROOTS) and _b64(vector[root_key]) == CORPUS_ROOTS[size]
        return over_corpus and not vector["wantErr"]

    return [path for path in _vector_files(kind) if fits(_load(path))]


@pytest.mark.parametrize("path", _over_corpus_leaves("inclusion", "treeSize", "root"), ids=_id)
def test_inclusion_proof_reproduces_corpus_proof(path: Path) -> None:
    vector = _load(path)
    store = DictStore(CORPUS_LEAF_HASHES)
    assert inclusion_proof(store.read, vector["leafIdx"], vector["treeSize"]) == _proof(vector)


@pytest.mark.parametrize("path", _over_corpus_leaves("consistency", "size2", "root2"), ids=_id)
def test_consistency_proof_reproduces_corpus_proof(path: Path) -> None:
    vector = _load(path)
    store = DictStore(CORPUS_LEAF_HASHES)
    assert consistency_proof(store.read, vector["size1"], vector["size2"]) == _proof(vector)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, []),
        (0, 1, [(0, 0)]),
        (0, 7, [(2, 0), (1, 2), (0, 6)]),
        (0, 8, [(3, 0)]),
        (3, 8, [(0, 3), (2, 1)]),
        (5, 13, [(0, 5), (1, 3), (2, 2), (0, 12)]),
    ],
)
def test_perfect_nodes_for_range_decomposes_into_aligned_subtrees(
    start: int, end: int, expected: list[NodeKey]
) -> None:
    assert perfect_nodes_for_range(start, end) == expected


def test_perfect_nodes_for_range_rejects_reversed_range() -> None:
    with pytest.raises(ProofError, match="invalid leaf range"):
        perfect_nodes_for_range(5, 4)


def test_subtree_root_rejects_unaligned_range(reference_store: DictStore) -> None:
    with pytest.raises(ProofError, match="do not form a subtree"):
        subtree_root(reference_store.read, 3, 7)


def test_frontier_append_persists_every_perfect_node(reference_store: DictStore) -> None:
    n = len(REFERENCE_LEAVES)
    expected = {(level, index) for level in range(8) for index in range(n >> level)}
    assert set(reference_store.nodes) == expected


@pytest.mark.parametrize("size", range(len(REFERENCE_LEAVES) + 1))
def test_frontier_root_matches_reference_at_every_size(size: int) -> None:
    frontier = Frontier()
    frontier.extend(REFERENCE_LEAVES[:size])
    assert frontier.size == size
    assert frontier.root() == (_reference_mth(0, size) if size else EMPTY_ROOT)


@pytest.mark.parametrize("size", [0, 1, 2, 5, 64, 100, 129])
def test_frontier_from_nodes_continues_like_the_original(reference_store: DictStore, size: int) -> None:
    original = Frontier()
    original.extend(REFERENCE_LEAVES[:size])
    rebuilt = Frontier.from_nodes(size, reference_store.read)
    assert rebuilt.root() == original.root()
    rest = REFERENCE_LEAVES[size:]
    assert rebuilt.extend(rest) == original.extend(rest)
    assert rebuilt.root() == _reference_mth(0, len(REFERENCE_LEAVES))


def test_frontier_append_rejects_short_leaf_hash() -> None:
    with pytest.raises(ProofError, match="32 bytes"):
        Frontier().append(b"short")


@pytest.mark.parametrize("size", range(1, len(REFERENCE_LEAVES) + 1))
def test_tree_root_matches_reference(reference_store: DictStore, size: int) -> None:
    assert tree_root(reference_store.read, size) == _reference_mth(0, size)


@pytest.mark.parametrize("size", range(1, len(REFERENCE_LEAVES) + 1))
def test_inclusion_proof_matches_reference_and_verifies(reference_store: DictStore, size: int) -> None:
    root = _reference_mth(0, size)
    for index in range(size):
        proof = inclusion_proof(reference_store.read, index, size)
        assert proof == _reference_path(index, 0, size)
        verify_inclusion(REFERENCE_LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize("size2", range(1, 41))
def test_consistency_proof_matches_reference_and_verifies(reference_store: DictStore, size2: int) -> None:
    root2 = _reference_mth(0, size2)
    for size1 in range(1, size2 + 1):
        proof = consistency_proof(reference_store.read, size1, size2)
        assert proof == _reference_subproof(size1, 0, size2, True)
        verify_consistency(size1, size2, proof, _reference_mth(0, size1), root2)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (3, 3), (-1, 5)])
def test_inclusion_proof_rejects_index_outside_tree(
    reference_store: DictStore, index: int, size: int
) -> None:
    with pytest.raises(ProofError, match="no inclusion proof"):
        inclusion_proof(reference_store.read, index, size)


@pytest.mark.parametrize(("size1", "size2"), [(0, 5), (6, 5), (-1, 3)])
def test_consistency_proof_rejects_impossible_sizes(
    reference_store: DictStore, size1: int, size2: int
) -> None:
    with pytest.raises(ProofError, match="no consistency proof"):
        consistency_proof(reference_store.read, size1, size2)


def test_inclusion_proof_of_single_leaf_tree_reads_nothing(reference_store: DictStore) -> None:
    calls = reference_store.calls
    assert inclusion_proof(reference_store.read, 0, 1) == []
    assert reference_store.calls == calls


def test_verify_inclusion_rejects_proof_of_wrong_length() -> None:
    proof = [_reference_mth(1, 2)]
    with pytest.raises(ProofError, match="proof has 1 hashes, expected 2"):
        verify_inclusion(REFERENCE_LEAVES[0], 0, 3, proof, _reference_mth(0, 3))


def test_verify_inclusion_rejects_wrong_root() -> None:
    proof = [REFERENCE_LEAVES[1]]
    with pytest.raises(ProofError, match="does not match"):
        verify_inclusion(REFERENCE_LEAVES[0], 0, 2, proof, _reference_mth(0, 3))


def test_verify_consistency_rejects_forked_log() -> None:
    forked = DictStore([*REFERENCE_LEAVES[:4], leaf_hash(b"forged"), *REFERENCE_LEAVES[5:9]])
    proof = consistency_proof(forked.read, 6, 9)
    with pytest.raises(ProofError, match="root of size 6"):
        verify_consistency(6, 9, proof, _reference_mth(0, 6), tree_root(forked.read, 9))


def test_verify_consistency_rejects_empty_old_tree() -> None:
    with pytest.raises(ProofError, match="size 0"):
        verify_consistency(0, 3, [], EMPTY_ROOT, _reference_mth(0, 3))


MILLION = 1_000_000
KEY_BOUND = 2 * math.log2(MILLION) + 2


@pytest.mark.parametrize("index", [0, 1, 2**19 - 1, 2**19, 524_287, 999_998, 999_999])
def test_inclusion_proof_reads_logarithmic_keys_at_a_million(index: int) -> None:
    reader = SyntheticReader(MILLION)
    proof = inclusion_proof(reader.read, index, MILLION)
    assert len(reader.batches) <= 2
    assert reader.key_count <= KEY_BOUND
    root = tree_root(SyntheticReader(MILLION).read, MILLION)
    verify_inclusion(_uniform_node(0), index, MILLION, proof, root)


@pytest.mark.parametrize(
    ("size1", "size2"),
    [(1, MILLION), (2**19, MILLION), (2**19 + 1, MILLION), (333_333, MILLION), (999_999, MILLION)],
)
def test_consistency_proof_reads_logarithmic_keys_at_a_million(size1: int, size2: int) -> None:
    reader = SyntheticReader(size2)
    proof = consistency_proof(reader.read, size1, size2)
    assert len(reader.batches) <= 2
    assert reader.key_count <= KEY_BOUND
    root1, root2 = (tree_root(SyntheticReader(size).read, size) for size in (size1, size2))
    verify_consistency(size1, size2, proof, root1, root2)


@pytest.mark.parametrize("size", [1, 2**19, 999_999, MILLION])
def test_tree_root_reads_logarithmic_keys_at_a_million(size: int) -> None:
    reader = SyntheticReader(size)
    tree_root(reader.read, size)
    assert len(reader.batches) <= 2
    assert reader.key_count <= KEY_BOUND


def test_frontier_from_nodes_reads_once_at_a_million() -> None:
    reader = SyntheticReader(MILLION)
    frontier = Frontier.from_nodes(MILLION, reader.read)
    assert len(reader.batches) == 1
    assert reader.key_count == MILLION.bit_count()
    assert frontier.root() == tree_root(SyntheticReader(MILLION).read, MILLION)
