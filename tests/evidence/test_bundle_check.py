"""A proof bundle checked step by step: every step reported, a tampered part named by its step.

The log holds 40 records with signed checkpoints at sizes 16 and 40 (see conftest); the
chain-aware cases anchor them, or only the first, on a fresh deployment.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from chain import ChainClient
from evidence import (
    BUNDLE_STEPS,
    Anchorer,
    BundleCheck,
    ChainAnchors,
    Ledger,
    MalformedBundle,
    NoteSigner,
    VerificationError,
    check_bundle,
    check_record,
    generate_signing_key,
    log_id_of,
    proof_bundle,
)
from tests.conftest import Network, make_record
from tests.evidence.conftest import FIRST_CHECKPOINT, SIZE
from tests.evidence.test_audit import execute, set_body

Bundle = dict[str, Any]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def statuses(check: BundleCheck) -> dict[str, str]:
    return {s.step: s.status for s in check.steps}


def bundle_of(ledger: Ledger, record_id: str = "r-7") -> Bundle:
    """The record's bundle as a verifier reads it back from JSON."""
    loaded: Bundle = json.loads(json.dumps(proof_bundle(ledger, record_id)))
    return loaded


@pytest.fixture
def anchored(ledger: Ledger, network: Network) -> ChainClient:
    """Both checkpoints anchored on chain."""
    assert Anchorer(ledger, lambda: network.client, network.anchorer).step() == 2
    return network.client


def test_check_bundle_passes_every_step_in_reading_order(ledger: Ledger, anchored: ChainClient) -> None:
    check = check_bundle(bundle_of(ledger), ledger.signer.verifier_key(), ChainAnchors(anchored), ledger)

    assert [s.step for s in check.steps] == list(BUNDLE_STEPS)
    assert (check.status, check.first_failure) == ("passed", None)
    assert check.anchor is not None
    assert (check.anchor.tree_size, check.checkpoint.size if check.checkpoint else None) == (SIZE, SIZE)
    assert f"block {ledger.checkpoint_at_size(SIZE).anchor_block}" in check.steps[3].detail  # type: ignore[union-attr]


def test_check_bundle_names_bytes_when_one_byte_of_the_record_changed(
    ledger: Ledger, anchored: ChainClient
) -> None:
    bundle = bundle_of(ledger)
    body = bytearray(base64.b64decode(bundle["body"]))
    body[body.index(b'"n":7') + 4] = ord("8")
    bundle["body"] = b64(bytes(body))

    check = check_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(anchored), ledger)

    assert statuses(check) == {
        "bytes": "failed",
        "inclusion": "failed",
        "signature": "passed",
        "anchor": "passed",
    }
    assert check.first_failure is not None
    assert check.first_failure.step == "bytes"
    assert "leaf hash does not match" in check.first_failure.detail


def test_check_bundle_names_inclusion_when_a_proof_hash_changed(
    ledger: Ledger, anchored: ChainClient
) -> None:
    bundle = bundle_of(ledger)
    first = bytearray(base64.b64decode(bundle["inclusion_proof"][2]))
    first[5] ^= 0x40
    bundle["inclusion_proof"][2] = b64(bytes(first))

    check = check_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(anchored), ledger)

    assert statuses(check) == {
        "bytes": "passed",
        "inclusion": "failed",
        "signature": "passed",
        "anchor": "passed",
    }
    assert "not to the checkpoint's root" in check.steps[1].detail


def test_check_bundle_names_signature_for_another_key(ledger: Ledger) -> None:
    other = NoteSigner(generate_signing_key(), ledger.origin).verifier_key()

    check = check_bundle(bundle_of(ledger), other)

    assert statuses(check) == {
        "bytes": "passed",
        "inclusion": "passed",
        "signature": "failed",
        "anchor": "pending",
    }


def test_check_bundle_names_signature_when_the_checkpoint_text_changed(ledger: Ledger) -> None:
    bundle = bundle_of(ledger)
    bundle["checkpoint"] = bundle["checkpoint"].replace(f"\n{SIZE}\n", f"\n{SIZE + 1}\n", 1)

    check = check_bundle(bundle, ledger.signer.verifier_key())

    assert check.first_failure is not None
    assert check.first_failure.step == "signature"


def test_check_bundle_is_pending_until_a_checkpoint_covers_the_record(ledger: Ledger) -> None:
    ledger.append(make_record(SIZE))

    check = check_bundle(bundle_of(ledger, f"r-{SIZE}"), ledger.signer.verifier_key())

    assert statuses(check) == {
        "bytes": "passed",
        "inclusion": "pending",
        "signature": "pending",
        "anchor": "pending",
    }
    assert check.status == "pending"


def test_check_bundle_is_pending_while_its_root_is_not_anchored(ledger: Ledger, network: Network) -> None:
    key, anchors = ledger.signer.verifier_key(), ChainAnchors(network.client)
    check = check_bundle(bundle_of(ledger), key, anchors, ledger)

    assert (check.status, check.steps[3].status) == ("pending", "pending")


def test_check_bundle_anchor_passes_through_a_later_consistent_root(ledger: Ledger, network: Network) -> None:
    bundle = bundle_of(ledger, "r-3")
    first = ledger.checkpoint_at_size(FIRST_CHECKPOINT)
    assert first is not None
    bundle["checkpoint"] = first.note
    bundle["inclusion_proof"] = [b64(h) for h in ledger.inclusion_proof(3, FIRST_CHECKPOINT)]
    network.client.commit_checkpoint(network.anchorer, log_id_of(ledger.origin), SIZE, ledger.root(SIZE))

    check = check_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(network.client), ledger)
    without_log = check_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(network.client))

    assert check.status == "passed", check.steps
    assert check.anchor is not None
    assert check.anchor.tree_size == SIZE
    assert "consistency proof" in check.steps[3].detail
    assert without_log.steps[3].status == "pending"


def test_check_bundle_anchor_fails_when_the_bundle_claims_an_anchor_the_chain_lacks(
    ledger: Ledger, network: Network
) -> None:
    bundle = bundle_of(ledger)
    bundle["anchor"] = {"log_id": "0x00", "block": 1, "tx": None}

    check = check_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(network.client), ledger)

    assert check.steps[3].status == "failed"


def test_check_record_names_bytes_altered_in_the_database(ledger: Ledger, anchored: ChainClient) -> None:
    execute(ledger, set_body(7, make_record(7, payload={"n": 7, "forged": True}).canonical_bytes()))

    _, check = check_record(ledger, "r-7", anchored)

    assert check.first_failure is not None
    assert check.first_failure.step == "bytes"


def test_check_record_of_an_unknown_record_is_refused(ledger: Ledger) -> None:
    with pytest.raises(VerificationError) as caught:
        check_record(ledger, "r-nothing", None)

    assert caught.value.step == "record"


@pytest.mark.parametrize(
    ("malform", "field"),
    [
        pytest.param(lambda b: b.pop("body"), "body", id="no-body"),
        pytest.param(lambda b: b.update(body="not base64!"), "body", id="body-not-base64"),
        pytest.param(lambda b: b.update(index="seven"), "index", id="index-not-a-number"),
        pytest.param(lambda b: b.update(index=True), "index", id="index-a-boolean"),
        pytest.param(lambda b: b.update(checkpoint=40), "checkpoint", id="checkpoint-not-text"),
        pytest.param(lambda b: b["inclusion_proof"].append("%%"), "inclusion_proof[6]", id="proof-hash"),
    ],
)
def test_check_bundle_names_the_field_of_a_malformed_bundle(
    ledger: Ledger, malform: Callable[[Bundle], object], field: str
) -> None:
    bundle = bundle_of(ledger)
    malform(bundle)

    with pytest.raises(MalformedBundle) as caught:
        check_bundle(bundle, ledger.signer.verifier_key())

    assert caught.value.field == field
