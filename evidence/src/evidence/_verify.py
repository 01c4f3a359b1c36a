"""Proof bundles of stored records, checked against the log that holds them and the chain.

The checks themselves are pure (``_bundle``, ``_bundle_check``); this is the store's side: the
bundle of a record the ledger holds, its bytes held against the leaf hash the log recorded, and
:class:`ChainAnchors`, the roots the ``EvidenceAnchor`` contract holds.
"""

from __future__ import annotations

from typing import Any

from web3.exceptions import Web3Exception

from chain import AnchoredCheckpoint, ChainClient, ChainError, ContractRevert

from ._anchorer import log_id_of
from ._bundle import BUNDLE_VERSION, AnchoredRoot, VerifiedRecord, b64, unb64, verify_bundle
from ._bundle_check import BundleCheck, check_bundle
from ._errors import AnchorUnreadable, UnknownRecord, VerificationError
from ._ledger import Ledger
from ._merkle import leaf_hash


class ChainAnchors:
    """The log roots anchored on chain, as :class:`RootAnchors` for the bundle checks."""

    def __init__(self, client: ChainClient) -> None:
        self.client = client

    @property
    def chain_id(self) -> int:
        return self.client.chain_id

    def root_of_size(self, origin: str, size: int) -> AnchoredRoot | None:
        try:
            return _root(self.client.checkpoint_for_size(log_id_of(origin), size))
        except ContractRevert:  # EvidenceAnchor holds no checkpoint of that size
            return None
        except (ChainError, OSError, Web3Exception) as exc:
            raise AnchorUnreadable(str(exc)) from exc

    def latest_root(self, origin: str) -> AnchoredRoot | None:
        try:
            latest = self.client.latest_checkpoint(log_id_of(origin))
        except (ChainError, OSError, Web3Exception) as exc:
            raise AnchorUnreadable(str(exc)) from exc
        return None if latest is None else _root(latest)


def _root(anchored: AnchoredCheckpoint) -> AnchoredRoot:
    return AnchoredRoot(anchored.tree_size, anchored.root_hash, anchored.block_number, anchored.timestamp)


def chain_anchors(client: ChainClient | None) -> ChainAnchors | None:
    """The chain's anchors, or None (checks leave the anchor step undecided) without a chain."""
    return None if client is None else ChainAnchors(client)


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
        "body": b64(stored.body),
        "leaf_hash": b64(leaf_hash(stored.body)),
        "checkpoint": None,
        "inclusion_proof": None,
        "anchor": None,
    }
    if checkpoint is None:
        return bundle
    bundle["checkpoint"] = checkpoint.note
    bundle["inclusion_proof"] = [b64(h) for h in ledger.inclusion_proof(stored.index, checkpoint.tree_size)]
    if checkpoint.anchor_block is not None:
        bundle["anchor"] = {
            "log_id": "0x" + log_id_of(ledger.origin).hex(),
            "block": checkpoint.anchor_block,
            "tx": checkpoint.anchor_tx,
        }
    return bundle


def verify_record(ledger: Ledger, record_id: str, client: ChainClient | None) -> VerifiedRecord:
    """Verifies a stored record against the log's own key and the chain."""
    try:
        bundle = proof_bundle(ledger, record_id)
    except UnknownRecord as exc:
        raise VerificationError("record", str(exc)) from exc
    stored_leaf = ledger.stored_nodes(0, bundle["index"], bundle["index"] + 1).get(bundle["index"])
    if stored_leaf != unb64(bundle["leaf_hash"]):
        raise VerificationError(
            "bytes", "record bytes differ from those appended to the log", bundle["index"]
        )
    return verify_bundle(bundle, ledger.signer.verifier_key(), chain_anchors(client))


def check_record(
    ledger: Ledger, record_id: str, client: ChainClient | None
) -> tuple[dict[str, Any], BundleCheck]:
    """A stored record's proof bundle, and its check: its bytes are held against the leaf hash the
    log recorded when it was appended, so a record altered in the database fails the first step."""
    try:
        bundle = proof_bundle(ledger, record_id)
    except UnknownRecord as exc:
        raise VerificationError("record", str(exc)) from exc
    index = bundle["index"]
    stored = ledger.stored_nodes(0, index, index + 1).get(index)
    # No stored leaf hash: one that hashes nothing, so that the first step names the record.
    claimed = dict(bundle, leaf_hash=b64(stored or b"\0" * 32))
    return bundle, check_bundle(claimed, ledger.signer.verifier_key(), chain_anchors(client), ledger)
