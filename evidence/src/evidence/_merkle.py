"""RFC 9162 (Certificate Transparency v2) Merkle tree hashing, proofs and their verification.

Hashes are SHA-256 with the leaf and node prefixes of RFC 9162 section 2.1.1. The proof
builders read the tree through a :data:`NodeReader` that knows only *perfect* subtrees: the
node at (level k, index i) is the hash of leaves [i*2^k, (i+1)*2^k). Every builder collects
the keys it needs first and calls the reader once, so a proof costs O(log n) lookups in one
batch. Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 with the edge cases of
transparency-dev/merkle's proof package, and raises :class:`ProofError` when a proof fails.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

from ._errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeKey: TypeAlias = tuple[int, int]
"""(level, index) of a perfect subtree: the hash of leaves [index*2^level, (index+1)*2^level)."""

NodeReader: TypeAlias = Callable[[Sequence[NodeKey]], Sequence[bytes]]
"""Returns the hashes of the given perfect subtrees, in the order of the keys."""

_LeafRange: TypeAlias = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a whole list of leaf hashes, held in memory."""
    frontier = Frontier()
    frontier.extend(leaf_hashes)
    return frontier.root()


def perfect_nodes_for_range(start: int, end: int) -> list[NodeKey]:
    """Splits leaves [start, end) into maximal aligned perfect subtrees, left to right."""
    if not 0 <= start <= end:
        raise ProofError(f"invalid leaf range [{start}, {end})")
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def subtree_root(reader: NodeReader, start: int, end: int) -> bytes:
    """MTH of leaves [start, end), a subtree of the RFC 9162 tree shape.

    Requires start to be a multiple of the smallest power of two >= end - start, which holds
    for every subtree that appears in a proof and for [0, size).
    """
    size = end - start
    if size < 1 or start < 0 or start % (1 << (size - 1).bit_length()):
        raise ProofError(f"leaves [{start}, {end}) do not form a subtree")
    return _subtree_hashes(reader, [(start, end)])[0]


def tree_root(reader: NodeReader, size: int) -> bytes:
    """MTH of the first size leaves."""
    if size < 0:
        raise ProofError(f"invalid tree size {size}")
    return subtree_root(reader, 0, size) if size else EMPTY_ROOT


def inclusion_proof(reader: NodeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 section 2.1.3.1, ordered from the leaf upwards."""
    if not 0 <= index < size:
        raise ProofError(f"no inclusion proof for leaf {index} in a tree of size {size}")
    return _subtree_hashes(reader, _inclusion_ranges(index, size))


def consistency_proof(reader: NodeReader, size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[size2]) of RFC 9162 section 2.1.4.1; requires 0 < size1 <= size2."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    return _subtree_hashes(reader, _consistency_ranges(size1, size2))


def _split_point(size: int) -> int:
    """The largest power of two strictly less than size (RFC 9162 section 2.1.1); size > 1."""
    return 1 << ((size - 1).bit_length() - 1)


def _inclusion_ranges(index: int, size: int) -> list[_LeafRange]:
    """The leaf ranges whose MTHs form PATH(index, D[size]), deepest first."""
    ranges: list[_LeafRange] = []
    start, end = 0, size
    while end - start > 1:
        mid = start + _split_point(end - start)
        if index < mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    return ranges[::-1]


def _consistency_ranges(size1: int, size2: int) -> list[_LeafRange]:
    """The leaf ranges whose MTHs form SUBPROOF(size1, D[size2], true), deepest first."""
    ranges: list[_LeafRange] = []
    start, end = 0, size2
    while end != size1:
        mid = start + _split_point(end - start)
        if size1 <= mid:
            ranges.append((mid, end))
            end = mid
        else:
            ranges.append((start, mid))
            start = mid
    # SUBPROOF's flag b is false once the path has turned right; the verifier then cannot
    # know MTH(D[start:size1]) from the old root, so the proof must carry it.
    if start:
        ranges.append((start, end))
    return ranges[::-1]


def _subtree_hashes(reader: NodeReader, ranges: Sequence[_LeafRange]) -> list[bytes]:
    """MTHs of the given subtrees, read from the store in a single batch."""
    parts = [perfect_nodes_for_range(start, end) for start, end in ranges]
    hashes = iter(_read(reader, [key for part in parts for key in part]))
    return [_fold([next(hashes) for _ in part]) for part in parts]


def _read(reader: NodeReader, keys: Sequence[NodeKey]) -> list[bytes]:
    if not keys:
        return []
    hashes = list(reader(keys))
    if len(hashes) != len(keys):
        raise ProofError(f"node reader returned {len(hashes)} hashes for {len(keys)} keys")
    _require_hashes("stored node", hashes)
    return hashes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a subtree from its perfect parts, largest first (RFC 9162 splits left-heavy)."""
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class Frontier:
    """The right edge of a tree: one perfect subtree per set bit of its size, largest first.

    Appending needs no reads; each append returns the perfect nodes it completes so that a
    store can persist them.
    """

    def __init__(self) -> None:
        self._nodes: list[tuple[NodeKey, bytes]] = []
        self._size = 0

    @classmethod
    def from_nodes(cls, size: int, reader: NodeReader) -> Frontier:
        """Rebuilds the frontier of a stored tree of the given size with one batched read."""
        keys = perfect_nodes_for_range(0, size)
        frontier = cls()
        frontier._nodes = list(zip(keys, _read(reader, keys), strict=True))
        frontier._size = size
        return frontier

    @property
    def size(self) -> int:
        return self._size

    def copy(self) -> Frontier:
        """An independent frontier of the same tree (appends to one do not touch the other)."""
        twin = Frontier()
        twin._nodes = list(self._nodes)
        twin._size = self._size
        return twin

    def append(self, leaf_hash: bytes) -> list[tuple[NodeKey, bytes]]:
        """Adds one leaf hash; returns the new perfect nodes, the leaf itself first."""
        if len(leaf_hash) != HASH_SIZE:
            raise ProofError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")
        key, value = (0, self._size), leaf_hash
        created = [(key, value)]
        while self._nodes and self._nodes[-1][0][0] == key[0]:
            (level, index), left = self._nodes.pop()
            key, value = (level + 1, index >> 1), node_hash(left, value)
            created.append((key, value))
        self._nodes.append((key, value))
        self._size += 1
        return created

    def extend(self, leaf_hashes: Iterable[bytes]) -> list[tuple[NodeKey, bytes]]:
        """Appends each leaf hash in turn; returns all the perfect nodes created."""
        return [node for value in leaf_hashes for node in self.append(value)]

    def root(self) -> bytes:
        """MTH of the tree at its current size."""
        return _fold([value for _, value in self._nodes]) if self._nodes else EMPTY_ROOT


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof implies, per RFC 9162 section 2.1.3.2.

    Requires 0 <= index < size and a proof of exactly the length PATH would have.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    _require_hashes("leaf hash", [leaf_hash])
    _require_hashes("proof element", proof)
    _require_length(proof, _inclusion_proof_length(index, size))
    fn, sn, root = index, size - 1, leaf_hash
    for sibling in proof:
        if fn & 1 or fn == sn:
            root = node_hash(sibling, root)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            root = node_hash(root, sibling)
        fn, sn = fn >> 1, sn >> 1
    return root


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Raises ProofError unless proof shows leaf_hash at index in the tree of size with root."""
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _require_match(f"inclusion proof of leaf {index} in tree of size {size}", calculated, root)


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Raises ProofError unless proof shows the tree (size1, root1) is a prefix of (size2, root2).

    Follows RFC 9162 section 2.1.4.2. A proof from the empty tree is rejected, as
    transparency-dev/merkle does: it would prove nothing.
    """
    if size1 > size2:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 < 1:
        raise ProofError(f"no consistency proof starts from a tree of size {size1}")
    if size1 == size2:
        if proof:
            raise ProofError(f"sizes are equal ({size1}) but the proof has {len(proof)} hashes")
        _require_match(f"tree of size {size1}", root1, root2)
        return
    _require_hashes("proof element", proof)
    _require_length(proof, _consistency_proof_length(size1, size2))
    calculated1, calculated2 = _roots_from_consistency_proof(size1, size2, proof, root1)
    _require_match(f"consistency proof's root of size {size1}", calculated1, root1)
    _require_match(f"consistency proof's root of size {size2}", calculated2, root2)


def _roots_from_consistency_proof(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes
) -> tuple[bytes, bytes]:
    """Steps 2-6 of RFC 9162 section 2.1.4.2; requires 0 < size1 < size2 and a well-sized proof."""
    path = [root1, *proof] if size1 & (size1 - 1) == 0 else list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for sibling in path[1:]:
        if fn & 1 or fn == sn:
            first, second = node_hash(sibling, first), node_hash(sibling, second)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, sibling)
        fn, sn = fn >> 1, sn >> 1
    return first, second


def _inclusion_proof_length(index: int, size: int) -> int:
    """Siblings below the point where the paths to index and size-1 part, plus those above it."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def _consistency_proof_length(size1: int, size2: int) -> int:
    """Length of PROOF(size1, D[size2]) for 0 < size1 < size2."""
    shift = (size1 & -size1).bit_length() - 1
    seed = 0 if size1 == 1 << shift else 1
    return seed + _inclusion_proof_length(size1 - 1, size2) - shift


def _require_hashes(what: str, hashes: Iterable[bytes]) -> None:
    for value in hashes:
        if len(value) != HASH_SIZE:
            raise ProofError(f"{what} has {len(value)} bytes, not {HASH_SIZE}")


def _require_length(proof: Sequence[bytes], expected: int) -> None:
    if len(proof) != expected:
        raise ProofError(f"proof has {len(proof)} hashes, expected {expected}")


def _require_match(what: str, calculated: bytes, expected: bytes) -> None:
    if calculated != expected:
        raise ProofError(f"{what}: calculated root {calculated.hex()} does not match {expected.hex()}")
