"""A proof bundle checked step by step, each step's outcome reported rather than the first raised.

The steps are the ones a reader takes to trust one record: (1) the record's bytes are canonical
and hash (RFC 9162 leaf hash) to the leaf hash; (2) the inclusion proof leads from that leaf to the
checkpoint's root; (3) the checkpoint is signed by the log's key; (4) that root, or a later one
consistent with it (RFC 9162 consistency proof), is anchored on chain. Every step runs on its own
inputs, so a tampered bundle shows which part was changed: altered bytes fail (1) and (2) while the
checkpoint still verifies; an altered proof hash fails (2) only.

Like :func:`verify_bundle` (the same check for scripts: it raises at the first failure), it needs
no database and no chain: the anchored roots come from a :class:`RootAnchors` (the store layer's
``ChainAnchors`` reads them from the chain), and without one the last step is ``pending``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any, Literal

from ._bundle import AnchoredRoot, ConsistencyProofs, RootAnchors, check_bytes
from ._checkpoint import Checkpoint, NoteVerifier, parse_checkpoint
from ._errors import AnchorUnreadable, CheckpointError, LedgerError, ProofError, VerificationError
from ._merkle import leaf_hash, root_from_inclusion_proof, verify_consistency

#: The steps in the order they are reported.
BUNDLE_STEPS = ("bytes", "inclusion", "signature", "anchor")
StepStatus = Literal["passed", "failed", "pending"]


class MalformedBundle(VerificationError):
    """The bundle is not a proof bundle at all: ``field`` is missing, of the wrong type or not base64."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        super().__init__("bundle", f"{field}: {reason}")


@dataclass(frozen=True)
class StepResult:
    """One step's outcome; ``pending`` when it cannot be decided yet (nothing anchored, no chain)."""

    step: str
    status: StepStatus
    detail: str


@dataclass
class BundleCheck:
    """Every step's outcome for one bundle, and what the steps established on the way."""

    record_id: str | None
    index: int
    body: bytes
    leaf_hash: bytes
    #: The signed note the bundle holds, as given.
    note: str | None = None
    #: The checkpoint the bundle names, as read (whether or not its signature verified).
    checkpoint: Checkpoint | None = None
    #: The on-chain checkpoint that proved the root: of the same size, or a later consistent one.
    anchor: AnchoredRoot | None = None
    steps: list[StepResult] = field(default_factory=list)

    @property
    def status(self) -> StepStatus:
        """``failed`` if any step failed, ``pending`` if any cannot be decided yet, else ``passed``."""
        statuses = {s.status for s in self.steps}
        return "failed" if "failed" in statuses else "pending" if "pending" in statuses else "passed"

    @property
    def first_failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)


@dataclass(frozen=True)
class _Parsed:
    record_id: str | None
    index: int
    body: bytes
    claimed_leaf: bytes | None
    note: str | None
    proof: list[bytes] | None
    claims_anchor: bool


def check_bundle(
    bundle: dict[str, Any],
    verifier_key: str,
    anchors: RootAnchors | None = None,
    log: ConsistencyProofs | None = None,
) -> BundleCheck:
    """Checks every step of ``bundle`` against the log's ``verifier_key`` and the ``anchors``.

    With ``log`` (the ledger that issued the bundle), a root that is not itself anchored still
    passes the last step when a later anchored root is consistent with it. Raises
    :class:`MalformedBundle` when the bundle cannot be read at all.
    """
    parsed = _parse(bundle)
    check = BundleCheck(parsed.record_id, parsed.index, parsed.body, leaf_hash(parsed.body), parsed.note)
    check.steps.append(_bytes_step(parsed))
    checkpoint, unreadable = _read_checkpoint(parsed.note)
    check.checkpoint = checkpoint
    check.steps.append(_inclusion_step(check, parsed.proof, unreadable))
    check.steps.append(_signature_step(parsed.note, verifier_key))
    check.steps.append(_anchor_step(check, anchors, log, parsed.claims_anchor, unreadable))
    return check


# -- reading the bundle ------------------------------------------------------------------------


def _parse(bundle: dict[str, Any]) -> _Parsed:
    if not isinstance(bundle, dict):
        raise MalformedBundle("bundle", "is not a JSON object")
    index = bundle.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise MalformedBundle("index", "must be a leaf index (an integer of 0 or more)")
    record_id = bundle.get("record_id")
    if record_id is not None and not isinstance(record_id, str):
        raise MalformedBundle("record_id", "must be a string")
    note = bundle.get("checkpoint")
    if note is not None and not isinstance(note, str):
        raise MalformedBundle("checkpoint", "must be a signed note (a string) or null")
    proof = bundle.get("inclusion_proof")
    if proof is not None and not isinstance(proof, list):
        raise MalformedBundle("inclusion_proof", "must be a list of base64 hashes or null")
    return _Parsed(
        record_id=record_id,
        index=index,
        body=_base64("body", bundle.get("body")),
        claimed_leaf=None if bundle.get("leaf_hash") is None else _base64("leaf_hash", bundle["leaf_hash"]),
        note=note,
        proof=None if proof is None else [_base64(f"inclusion_proof[{i}]", h) for i, h in enumerate(proof)],
        claims_anchor=bundle.get("anchor") is not None,
    )


def _base64(name: str, value: object) -> bytes:
    if not isinstance(value, str):
        raise MalformedBundle(name, "is missing" if value is None else "must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedBundle(name, f"is not base64: {exc}") from exc


def _read_checkpoint(note: str | None) -> tuple[Checkpoint | None, str | None]:
    """The checkpoint the note holds (signature unchecked), or why it cannot be read."""
    if note is None:
        return None, None
    try:
        return parse_checkpoint(note), None
    except CheckpointError as exc:
        return None, f"the checkpoint cannot be read: {exc}"


# -- the steps ---------------------------------------------------------------------------------


def _bytes_step(parsed: _Parsed) -> StepResult:
    try:
        check_bytes(parsed.body, parsed.claimed_leaf, parsed.record_id)
    except VerificationError as exc:
        return StepResult("bytes", "failed", exc.detail)
    leaf = leaf_hash(parsed.body).hex()
    named = ", the leaf hash the bundle names" if parsed.claimed_leaf is not None else ""
    return StepResult(
        "bytes", "passed", f"{len(parsed.body)} bytes of RFC 8785 canonical JSON; leaf hash {leaf}{named}"
    )


def _inclusion_step(check: BundleCheck, proof: list[bytes] | None, unreadable: str | None) -> StepResult:
    checkpoint = check.checkpoint
    if unreadable is not None:
        return StepResult("inclusion", "failed", unreadable)
    if checkpoint is None:
        return StepResult("inclusion", "pending", "no checkpoint covers this record yet; try again shortly")
    if proof is None:
        return StepResult("inclusion", "failed", "the bundle holds a checkpoint but no inclusion proof")
    try:
        root = root_from_inclusion_proof(check.leaf_hash, check.index, checkpoint.size, proof)
    except ProofError as exc:
        return StepResult("inclusion", "failed", str(exc))
    if root != checkpoint.root_hash:
        return StepResult(
            "inclusion",
            "failed",
            f"from leaf {check.index} the proof leads to root {root.hex()}, "
            f"not to the checkpoint's root {checkpoint.root_hash.hex()} (tree size {checkpoint.size})",
        )
    return StepResult(
        "inclusion",
        "passed",
        f"{len(proof)} proof hashes lead from leaf {check.index} to the root {root.hex()} "
        f"of the checkpoint of tree size {checkpoint.size}",
    )


def _signature_step(note: str | None, verifier_key: str) -> StepResult:
    if note is None:
        return StepResult("signature", "pending", "no checkpoint covers this record yet; try again shortly")
    try:
        signed = NoteVerifier(verifier_key).verify(note)
    except CheckpointError as exc:
        return StepResult("signature", "failed", str(exc))
    name, key_hash = verifier_key.split("+")[:2]
    return StepResult(
        "signature",
        "passed",
        f"the checkpoint of tree size {signed.size} is signed by the log's key {name}+{key_hash}",
    )


def _anchor_step(
    check: BundleCheck,
    anchors: RootAnchors | None,
    log: ConsistencyProofs | None,
    claims_anchor: bool,
    unreadable: str | None,
) -> StepResult:
    checkpoint = check.checkpoint
    if unreadable is not None:
        return StepResult("anchor", "failed", unreadable)
    if checkpoint is None:
        return StepResult("anchor", "pending", "no checkpoint covers this record yet; try again shortly")
    if anchors is None:
        return StepResult("anchor", "pending", "not checked: no chain to read")
    try:
        return _find_anchor(check, checkpoint, anchors, log, claims_anchor)
    except AnchorUnreadable as exc:
        return StepResult("anchor", "pending", f"the chain could not be read: {exc}")


def _find_anchor(
    check: BundleCheck,
    checkpoint: Checkpoint,
    anchors: RootAnchors,
    log: ConsistencyProofs | None,
    claims_anchor: bool,
) -> StepResult:
    size, root = checkpoint.size, checkpoint.root_hash
    anchored = anchors.root_of_size(checkpoint.origin, size)
    if anchored is None:
        return _later_anchor(check, checkpoint, anchors, log, claims_anchor)
    if anchored.root_hash != root:
        return StepResult(
            "anchor",
            "failed",
            f"the chain's root of tree size {size} is {anchored.root_hash.hex()}, not {root.hex()}",
        )
    check.anchor = anchored
    return StepResult(
        "anchor",
        "passed",
        f"chain {anchors.chain_id} holds this root of tree size {size} (block {anchored.block_number})",
    )


def _later_anchor(
    check: BundleCheck,
    checkpoint: Checkpoint,
    anchors: RootAnchors,
    log: ConsistencyProofs | None,
    claims_anchor: bool,
) -> StepResult:
    """The root is not on chain itself: a later on-chain root consistent with it proves it as well."""
    size = checkpoint.size
    latest = anchors.latest_root(checkpoint.origin)
    if latest is None or latest.tree_size <= size or log is None or log.origin != checkpoint.origin:
        if claims_anchor:
            return StepResult(
                "anchor",
                "failed",
                f"the bundle names an anchor, but the chain holds no root of tree size {size}",
            )
        return StepResult(
            "anchor", "pending", f"no root of tree size {size} or later is anchored on chain yet"
        )
    try:
        proof = log.consistency_proof(size, latest.tree_size)
        verify_consistency(size, latest.tree_size, proof, checkpoint.root_hash, latest.root_hash)
    except (ProofError, LedgerError) as exc:
        return StepResult(
            "anchor",
            "failed",
            f"the chain's root of tree size {latest.tree_size} is not consistent with this checkpoint: {exc}",
        )
    check.anchor = latest
    return StepResult(
        "anchor",
        "passed",
        f"this root is not on chain itself; chain {anchors.chain_id} holds the root of tree size "
        f"{latest.tree_size} (block {latest.block_number}), and a consistency proof of {len(proof)} hashes "
        "shows it extends this one",
    )
