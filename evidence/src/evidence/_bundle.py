"""Verifying a proof bundle offline: no database, no chain.

A *proof bundle* carries one record's canonical bytes, its leaf index, the RFC 9162 inclusion
proof and the C2SP signed checkpoint that covers it (and names where the checkpoint's root is
anchored). :func:`verify_bundle` checks the bytes, the checkpoint's signature with the log's
verifier key and the inclusion proof, and, given the :class:`RootAnchors` of the chain (the
store layer's ``ChainAnchors``), that the root is anchored; it raises at the first step that fails.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import rfc8785

from ._checkpoint import NoteVerifier
from ._errors import AnchorUnreadable, CheckpointError, NotAnchored, ProofError, VerificationError
from ._merkle import leaf_hash, verify_inclusion

BUNDLE_VERSION = 1


@dataclass(frozen=True)
class AnchoredRoot:
    """A checkpoint root as the chain holds it."""

    tree_size: int
    root_hash: bytes
    block_number: int
    #: The block's time (Unix seconds).
    timestamp: int


class RootAnchors(Protocol):
    """Where a log's checkpoint roots are anchored. Each method raises :class:`AnchorUnreadable`
    when the anchors cannot be read (a chain node that does not answer)."""

    @property
    def chain_id(self) -> int: ...

    def root_of_size(self, origin: str, size: int) -> AnchoredRoot | None:
        """The anchored root of the log's tree of ``size``, if one is anchored."""
        ...

    def latest_root(self, origin: str) -> AnchoredRoot | None:
        """The log's latest anchored root, if any."""
        ...


class ConsistencyProofs(Protocol):
    """The log that issued a bundle, for proving a later root consistent with the bundle's (a
    :class:`~evidence.Ledger` is one)."""

    @property
    def origin(self) -> str: ...

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]: ...


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@dataclass
class VerifiedRecord:
    record_id: str
    index: int
    tree_size: int
    root_hash: bytes
    anchored_block: int | None
    steps: list[str] = field(default_factory=list)


def verify_bundle(
    bundle: dict[str, Any], verifier_key: str, anchors: RootAnchors | None = None
) -> VerifiedRecord:
    """Checks bytes, inclusion, checkpoint signature and (with ``anchors``) the anchored root.

    Raises :class:`VerificationError` naming the first step that fails. A failure of the anchor
    step is raised from :class:`NotAnchored` when no root of the checkpoint's size is anchored,
    and from :class:`AnchorUnreadable` when the anchors could not be read.
    """
    try:
        body, index, proof_hashes = unb64(bundle["body"]), int(bundle["index"]), bundle["inclusion_proof"]
        note = bundle["checkpoint"]
        claimed_leaf = unb64(bundle["leaf_hash"]) if "leaf_hash" in bundle else None
        if not isinstance(bundle["index"], int) or isinstance(bundle["index"], bool):
            raise TypeError(f"index is a {type(bundle['index']).__name__}, not an integer")
        if note is not None and not isinstance(note, str):
            raise TypeError(f"checkpoint is a {type(note).__name__}, not a signed note")
    except (KeyError, TypeError, ValueError) as exc:
        raise VerificationError("bundle", f"malformed proof bundle: {exc}") from exc
    steps = [check_bytes(body, claimed_leaf, bundle.get("record_id"))]
    if note is None:
        raise VerificationError("checkpoint", "no checkpoint covers this record yet; try again shortly")
    try:
        checkpoint = NoteVerifier(verifier_key).verify(note)
    except CheckpointError as exc:
        raise VerificationError("signature", str(exc)) from exc
    steps.append(f"checkpoint signed by {verifier_key.split('+')[0]} (size {checkpoint.size})")
    try:
        proof = [unb64(h) for h in proof_hashes]
        verify_inclusion(leaf_hash(body), index, checkpoint.size, proof, checkpoint.root_hash)
    except (ProofError, ValueError, TypeError) as exc:
        raise VerificationError("inclusion", str(exc), index) from exc
    steps.append(f"inclusion proof of leaf {index} in tree of size {checkpoint.size}")
    verified = VerifiedRecord(
        str(bundle.get("record_id")), index, checkpoint.size, checkpoint.root_hash, None, steps
    )
    if anchors is not None:
        verified.anchored_block = _check_anchor(
            anchors, checkpoint.origin, checkpoint.size, checkpoint.root_hash
        )
        steps.append(f"root anchored on chain {anchors.chain_id} in block {verified.anchored_block}")
    return verified


def check_bytes(body: bytes, claimed_leaf: bytes | None, record_id: object) -> str:
    """Raises :class:`VerificationError` (step ``bytes``) unless the bytes are RFC 8785 canonical
    JSON, hash to ``claimed_leaf`` (when given) and name ``record_id`` (when given)."""
    try:
        parsed = json.loads(body)
        canonical = bytes(rfc8785.dumps(parsed))
    except (ValueError, rfc8785.CanonicalizationError) as exc:
        raise VerificationError("bytes", f"record bytes are not JSON: {exc}") from exc
    if canonical != body:
        raise VerificationError("bytes", "record bytes are not RFC 8785 canonical JSON")
    if claimed_leaf is not None and claimed_leaf != leaf_hash(body):
        raise VerificationError(
            "bytes",
            f"leaf hash does not match the record bytes: they hash to {leaf_hash(body).hex()}, "
            f"not {claimed_leaf.hex()}",
        )
    actual_id = parsed.get("record_id") if isinstance(parsed, dict) else None
    if record_id is not None and record_id != actual_id:
        raise VerificationError("bytes", f"bundle names record {record_id!r}, the bytes {actual_id!r}")
    return "record bytes are canonical (RFC 8785) and match the leaf hash"


def _check_anchor(anchors: RootAnchors, origin: str, size: int, root: bytes) -> int:
    try:
        anchored = anchors.root_of_size(origin, size)
    except AnchorUnreadable as exc:
        raise VerificationError("anchor", f"cannot read the chain: {exc}") from exc
    if anchored is None:
        missing = NotAnchored(f"no root of tree size {size} is anchored")
        detail = f"no checkpoint of size {size} is anchored on chain yet"
        raise VerificationError("anchor", detail) from missing
    if anchored.root_hash != root:
        raise VerificationError(
            "anchor", f"on-chain root {anchored.root_hash.hex()} differs from the checkpoint's {root.hex()}"
        )
    return anchored.block_number
