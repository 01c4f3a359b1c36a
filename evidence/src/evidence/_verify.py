"""Verifying records and the whole log, step by step; every failure names its step.

A record verifies offline from a *proof bundle*: its canonical bytes, leaf index, inclusion
proof, the signed checkpoint (C2SP note) and the chain anchor. :func:`verify_bundle` needs
only the bundle, the log's verifier key and, for the last step, a chain client.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from web3.exceptions import Web3Exception

from chain import ChainClient, ChainError, ContractRevert

from ._anchorer import log_id_of
from ._checkpoint import NoteVerifier
from ._errors import CheckpointError, ProofError, UnknownRecord, VerificationError
from ._ledger import Ledger
from ._merkle import leaf_hash, verify_inclusion

BUNDLE_VERSION = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def proof_bundle(ledger: Ledger, record_id: str) -> dict[str, Any]:
    """Everything needed to verify one record without the ledger: bytes, proof, checkpoint, anchor."""
    stored = ledger.get(record_id)
    checkpoint = ledger.covering_checkpoint(stored.index, anchored=True) or ledger.covering_checkpoint(
        stored.index
    )
    bundle: dict[str, Any] = {
        "version": BUNDLE_VERSION,
        "origin": ledger.origin,
        "verifier_key": ledger.signer.verifier_key(),
        "record_id": stored.record_id,
        "index": stored.index,
        "body": _b64(stored.body),
        "leaf_hash": _b64(leaf_hash(stored.body)),
        "checkpoint": None,
        "inclusion_proof": None,
        "anchor": None,
    }
    if checkpoint is None:
        return bundle
    bundle["checkpoint"] = checkpoint.note
    bundle["inclusion_proof"] = [_b64(h) for h in ledger.inclusion_proof(stored.index, checkpoint.tree_size)]
    if checkpoint.anchor_block is not None:
        bundle["anchor"] = {
            "log_id": "0x" + log_id_of(ledger.origin).hex(),
            "block": checkpoint.anchor_block,
            "tx": checkpoint.anchor_tx,
        }
    return bundle


@dataclass
class VerifiedRecord:
    record_id: str
    index: int
    tree_size: int
    root_hash: bytes
    anchored_block: int | None
    steps: list[str] = field(default_factory=list)


def verify_bundle(bundle: dict[str, Any], verifier_key: str, client: ChainClient | None) -> VerifiedRecord:
    """Checks bytes, inclusion, checkpoint signature and (with ``client``) the on-chain root.

    Raises :class:`VerificationError` naming the first step that fails.
    """
    try:
        body, index, proof_hashes = _unb64(bundle["body"]), int(bundle["index"]), bundle["inclusion_proof"]
        note = bundle["checkpoint"]
        claimed_leaf = _unb64(bundle["leaf_hash"]) if "leaf_hash" in bundle else None
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
        proof = [_unb64(h) for h in proof_hashes]
        verify_inclusion(leaf_hash(body), index, checkpoint.size, proof, checkpoint.root_hash)
    except (ProofError, ValueError, TypeError) as exc:
        raise VerificationError("inclusion", str(exc), index) from exc
    steps.append(f"inclusion proof of leaf {index} in tree of size {checkpoint.size}")
    verified = VerifiedRecord(
        str(bundle.get("record_id")), index, checkpoint.size, checkpoint.root_hash, None, steps
    )
    if client is not None:
        verified.anchored_block = _check_anchor(
            client, checkpoint.origin, checkpoint.size, checkpoint.root_hash
        )
        steps.append(f"root anchored on chain {client.chain_id} in block {verified.anchored_block}")
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


def _check_anchor(client: ChainClient, origin: str, size: int, root: bytes) -> int:
    try:
        anchored = client.checkpoint_for_size(log_id_of(origin), size)
    except ContractRevert as exc:
        raise VerificationError("anchor", f"no checkpoint of size {size} is anchored on chain yet") from exc
    except (ChainError, OSError, Web3Exception) as exc:
        raise VerificationError("anchor", f"cannot read the chain: {exc}") from exc
    if anchored.root_hash != root:
        raise VerificationError(
            "anchor", f"on-chain root {anchored.root_hash.hex()} differs from the checkpoint's {root.hex()}"
        )
    return anchored.block_number


def verify_record(ledger: Ledger, record_id: str, client: ChainClient | None) -> VerifiedRecord:
    """Verifies a stored record against the log's own key and the chain."""
    try:
        bundle = proof_bundle(ledger, record_id)
    except UnknownRecord as exc:
        raise VerificationError("record", str(exc)) from exc
    stored_leaf = ledger.stored_nodes(0, bundle["index"], bundle["index"] + 1).get(bundle["index"])
    if stored_leaf != _unb64(bundle["leaf_hash"]):
        raise VerificationError(
            "bytes", "record bytes differ from those appended to the log", bundle["index"]
        )
    return verify_bundle(bundle, ledger.signer.verifier_key(), client)
