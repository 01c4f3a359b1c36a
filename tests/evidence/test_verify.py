"""Verifying one record, from the ledger or from a proof bundle: each failure names its step.

The log holds 40 records with signed checkpoints at sizes 16 and 40; the chain-aware cases
anchor them (or a wrong root) on a fresh deployment.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chain import ChainClient
from evidence import (
    Anchorer,
    ChainAnchors,
    Checkpoint,
    Ledger,
    NoteSigner,
    VerificationError,
    generate_signing_key,
    leaf_hash,
    log_id_of,
    proof_bundle,
    verify_bundle,
    verify_record,
)
from tests.conftest import Network, make_record
from tests.evidence.conftest import FIRST_CHECKPOINT, SIZE
from tests.evidence.test_audit import (
    execute,
    forged_body,
    resign_checkpoints,
    rewrite_tree,
    set_body,
    set_note,
)

Bundle = dict[str, Any]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def anchor_pending(ledger: Ledger, network: Network) -> ChainClient:
    Anchorer(ledger, lambda: network.client, network.anchorer).step()
    return network.client


def verify_failure(ledger: Ledger, record_id: str, client: ChainClient | None) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify_record(ledger, record_id, client)
    return caught.value


def bundle_failure(bundle: Bundle, verifier_key: str) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify_bundle(bundle, verifier_key)
    return caught.value


@pytest.fixture
def bundle(ledger: Ledger) -> Bundle:
    """The proof bundle of record r-7, as a verifier reads it back from JSON."""
    loaded: Bundle = json.loads(json.dumps(proof_bundle(ledger, "r-7")))
    return loaded


# -- verify_record ---------------------------------------------------------------------------


def test_verify_record_checks_bytes_signature_inclusion_and_anchor(ledger: Ledger, network: Network) -> None:
    client = anchor_pending(ledger, network)

    result = verify_record(ledger, "r-7", client)

    latest = ledger.checkpoint_at_size(SIZE)
    assert latest is not None
    assert (result.record_id, result.index, result.tree_size) == ("r-7", 7, SIZE)
    assert (result.root_hash, result.anchored_block) == (ledger.root(SIZE), latest.anchor_block)
    words = ["canonical", "signed", "inclusion", "anchored"]
    assert all(word in step for word, step in zip(words, result.steps, strict=True)), result.steps


def test_verify_record_skips_anchor_offline(ledger: Ledger) -> None:
    result = verify_record(ledger, "r-7", None)

    assert (result.index, result.tree_size, result.anchored_block) == (7, SIZE, None)
    assert len(result.steps) == 3
    assert not any("anchored" in step for step in result.steps)


def test_verify_record_uses_latest_anchored_checkpoint(
    make_ledger: Callable[..., Ledger], network: Network
) -> None:
    ledger = make_ledger()
    ledger.append_many([make_record(i) for i in range(FIRST_CHECKPOINT)])
    ledger.checkpoint()
    client = anchor_pending(ledger, network)
    ledger.append_many([make_record(i) for i in range(FIRST_CHECKPOINT, SIZE)])
    ledger.checkpoint()  # signed, not anchored

    early = verify_record(ledger, "r-3", client)
    late = verify_failure(ledger, "r-20", client)

    assert (early.tree_size, early.anchored_block) == (FIRST_CHECKPOINT, ledger.checkpoints()[0].anchor_block)
    assert late.step == "anchor"
    assert f"no checkpoint of size {SIZE} is anchored" in late.detail


def test_verify_record_rejected_when_no_checkpoint_covers_it(ledger: Ledger) -> None:
    ledger.append_many([make_record(i) for i in range(SIZE, SIZE + 2)])

    error = verify_failure(ledger, f"r-{SIZE + 1}", None)

    assert error.step == "checkpoint"


def test_verify_record_rejected_when_record_is_unknown(ledger: Ledger) -> None:
    error = verify_failure(ledger, "no-such-record", None)

    assert error.step == "record"


def test_verify_record_rejected_when_body_was_altered(ledger: Ledger) -> None:
    execute(ledger, set_body(7, forged_body(7)))

    error = verify_failure(ledger, "r-7", None)

    assert (error.step, error.index) == ("bytes", 7)


def test_verify_record_rejected_when_body_and_leaf_hash_were_altered(ledger: Ledger) -> None:
    body = forged_body(7)
    execute(
        ledger,
        set_body(7, body),
        ("UPDATE ledger_nodes SET hash = :hash WHERE level = 0 AND idx = 7", {"hash": leaf_hash(body)}),
    )

    error = verify_failure(ledger, "r-7", None)

    assert (error.step, error.index) == ("inclusion", 7)


def test_verify_record_rejected_when_checkpoint_signed_by_another_key(ledger: Ledger) -> None:
    impostor = NoteSigner(generate_signing_key(), ledger.origin)
    execute(ledger, set_note(SIZE, impostor.sign(Checkpoint(ledger.origin, SIZE, ledger.root(SIZE)))))

    error = verify_failure(ledger, "r-7", None)

    assert error.step == "signature"


def test_verify_record_rejected_when_checkpoint_notes_were_swapped(ledger: Ledger) -> None:
    first, last = ledger.checkpoints()
    execute(ledger, set_note(first.tree_size, last.note), set_note(last.tree_size, first.note))

    error = verify_failure(ledger, "r-7", None)

    # The note of size 16 now sits in the row of size 40: a proof built for 40 cannot match it.
    assert (error.step, error.index) == ("inclusion", 7)


def test_verify_record_rejected_when_covering_checkpoint_is_not_anchored(
    ledger: Ledger, network: Network
) -> None:
    error = verify_failure(ledger, "r-7", network.client)

    assert error.step == "anchor"
    assert f"no checkpoint of size {SIZE} is anchored" in error.detail


def test_verify_record_rejected_when_chain_anchors_another_root(ledger: Ledger, network: Network) -> None:
    # Someone holding the anchor role commits a root for size 40 before the ledger's anchorer does.
    network.client.commit_checkpoint(network.anchorer, log_id_of(ledger.origin), SIZE, b"\x5a" * 32)

    error = verify_failure(ledger, "r-7", network.client)

    assert error.step == "anchor"
    assert "differs from the checkpoint's" in error.detail


def test_verify_record_rejected_by_chain_when_insider_rewrote_log_and_checkpoints(
    ledger: Ledger, network: Network
) -> None:
    client = anchor_pending(ledger, network)
    execute(ledger, set_body(7, forged_body(7)))
    rewrite_tree(ledger)
    resign_checkpoints(ledger)
    verify_record(ledger, "r-7", None)  # with the log's key the rewrite verifies offline

    error = verify_failure(ledger, "r-7", client)

    assert error.step == "anchor"


# -- proof bundles ---------------------------------------------------------------------------


def test_proof_bundle_verifies_offline_with_log_verifier_key(ledger: Ledger, bundle: Bundle) -> None:
    result = verify_bundle(bundle, ledger.signer.verifier_key())

    assert (result.record_id, result.index, result.tree_size, result.root_hash) == (
        "r-7",
        7,
        SIZE,
        ledger.root(SIZE),
    )
    assert len(result.steps) == 3
    assert (bundle["origin"], bundle["verifier_key"], bundle["anchor"]) == (
        ledger.origin,
        ledger.signer.verifier_key(),
        None,
    )


#: Run in a fresh interpreter: what an offline verifier loads to check a bundle.
OFFLINE_VERIFIER = """
import json, sys
import evidence
bundle, key = json.loads(open(sys.argv[1]).read()), sys.argv[2]
verified = evidence.verify_bundle(bundle, key)
check = evidence.check_bundle(bundle, key)
heavy = {"sqlalchemy", "sqlmodel", "alembic", "web3", "eth_account", "fastapi", "chain"}
loaded = sorted({m.split(".")[0] for m in sys.modules} & heavy)
print(json.dumps({"index": verified.index, "steps": [s.status for s in check.steps], "loaded": loaded}))
"""


def test_a_bundle_verifies_offline_without_a_database_library_or_a_chain_client(
    ledger: Ledger, bundle: Bundle, tmp_path: Path
) -> None:
    saved = tmp_path / "bundle.json"
    saved.write_text(json.dumps(bundle))

    run = subprocess.run(
        [sys.executable, "-c", OFFLINE_VERIFIER, str(saved), ledger.signer.verifier_key()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "index": 7,
        "steps": ["passed", "passed", "passed", "pending"],
        "loaded": [],
    }


def test_proof_bundle_names_anchor_and_verifies_on_chain(ledger: Ledger, network: Network) -> None:
    client = anchor_pending(ledger, network)
    latest = ledger.checkpoint_at_size(SIZE)
    assert latest is not None

    bundle = json.loads(json.dumps(proof_bundle(ledger, "r-7")))
    result = verify_bundle(bundle, ledger.signer.verifier_key(), ChainAnchors(client))

    assert bundle["anchor"] == {
        "log_id": "0x" + log_id_of(ledger.origin).hex(),
        "block": latest.anchor_block,
        "tx": latest.anchor_tx,
    }
    assert result.anchored_block == latest.anchor_block
    assert len(result.steps) == 4


def _flip_first_proof_hash(bundle: Bundle) -> None:
    first = bytearray(base64.b64decode(bundle["inclusion_proof"][0]))
    first[0] ^= 1
    bundle["inclusion_proof"][0] = b64(bytes(first))


def _body_of_record_8(bundle: Bundle) -> None:
    bundle["body"] = b64(make_record(8).canonical_bytes())


def _record_8_in_place_of_7(bundle: Bundle) -> None:
    body = make_record(8).canonical_bytes()
    bundle.update(record_id="r-8", body=b64(body), leaf_hash=b64(leaf_hash(body)))


def _non_canonical_body(bundle: Bundle) -> None:
    body = json.dumps(json.loads(base64.b64decode(bundle["body"])), indent=1).encode()
    bundle["body"], bundle["leaf_hash"] = b64(body), b64(leaf_hash(body))


def _other_size_in_note(bundle: Bundle) -> None:
    bundle["checkpoint"] = bundle["checkpoint"].replace(f"\n{SIZE}\n", f"\n{SIZE + 1}\n", 1)


@pytest.mark.parametrize(
    ("tamper", "step"),
    [
        pytest.param(lambda b: b.update(index=8), "inclusion", id="index"),
        pytest.param(lambda b: b.update(index=SIZE), "inclusion", id="index-outside-tree"),
        pytest.param(_flip_first_proof_hash, "inclusion", id="proof-hash"),
        pytest.param(lambda b: b["inclusion_proof"].pop(), "inclusion", id="proof-truncated"),
        pytest.param(_body_of_record_8, "bytes", id="body"),
        pytest.param(_record_8_in_place_of_7, "inclusion", id="whole-record"),
        pytest.param(_non_canonical_body, "bytes", id="non-canonical-body"),
        pytest.param(lambda b: b.update(body=b64(b"not json")), "bytes", id="body-not-json"),
        pytest.param(_other_size_in_note, "signature", id="checkpoint-text"),
        pytest.param(lambda b: b.update(checkpoint=None), "checkpoint", id="no-checkpoint"),
    ],
)
def test_verify_bundle_names_step_of_tampered_field(
    ledger: Ledger, bundle: Bundle, tamper: Callable[[Bundle], object], step: str
) -> None:
    tamper(bundle)

    error = bundle_failure(bundle, ledger.signer.verifier_key())

    assert error.step == step


@pytest.mark.parametrize("name", ["test.suyuan.local/log", "other.suyuan.local/log"])
def test_verify_bundle_rejected_with_another_verifier_key(bundle: Bundle, name: str) -> None:
    other_key = NoteSigner(generate_signing_key(), name).verifier_key()

    error = bundle_failure(bundle, other_key)

    assert error.step == "signature"


@pytest.mark.parametrize(
    "malform",
    [
        pytest.param(lambda b: b.pop("body"), id="no-body"),
        pytest.param(lambda b: b.pop("index"), id="no-index"),
        pytest.param(lambda b: b.pop("inclusion_proof"), id="no-inclusion-proof"),
        pytest.param(lambda b: b.pop("checkpoint"), id="no-checkpoint"),
        pytest.param(lambda b: b.update(body="not base64!"), id="body-not-base64"),
        pytest.param(lambda b: b.update(body=None), id="body-null"),
        pytest.param(lambda b: b.update(index="seven"), id="index-not-a-number"),
    ],
)
def test_verify_bundle_rejected_when_malformed(
    ledger: Ledger, bundle: Bundle, malform: Callable[[Bundle], object]
) -> None:
    malform(bundle)

    error = bundle_failure(bundle, ledger.signer.verifier_key())

    assert error.step == "bundle"


@pytest.mark.parametrize(
    "malform",
    [
        pytest.param(lambda b: b.update(leaf_hash="not base64!"), id="leaf-hash-not-base64"),
        pytest.param(lambda b: b.update(leaf_hash=None), id="leaf-hash-null"),
        pytest.param(lambda b: b.update(checkpoint=40), id="checkpoint-not-text"),
    ],
)
def test_verify_bundle_rejected_when_field_has_wrong_type(
    ledger: Ledger, bundle: Bundle, malform: Callable[[Bundle], object]
) -> None:
    malform(bundle)

    with pytest.raises(VerificationError):
        verify_bundle(bundle, ledger.signer.verifier_key())


def test_verify_bundle_rejected_when_record_id_does_not_match_body(ledger: Ledger, bundle: Bundle) -> None:
    bundle["record_id"] = "r-8"  # `suyuan verify --bundle` would print "verified: record 'r-8'"

    with pytest.raises(VerificationError):
        verify_bundle(bundle, ledger.signer.verifier_key())
