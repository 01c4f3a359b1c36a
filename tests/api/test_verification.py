"""Verifying records and proof bundles step by step over the API, and the ledger's state: a
stored record for regulators only, any bundle for anyone; a tampered bundle names its step."""

from __future__ import annotations

import base64
import copy
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from evidence import Actor, NoteSigner, Record, Subject, generate_signing_key, parse_checkpoint, utc_now
from tests.api.conftest import Api, batch_payload
from tests.api.test_resolver import anchor
from tests.conftest import Network

LOT_ID = "09506000134352.L2026-001"
ADMITTED = f"batch:{LOT_ID}:admitted"
#: Its index: after the admissions of samr and the importer.
ADMITTED_AT = 2
STEPS = ["bytes", "inclusion", "signature", "anchor"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def statuses(answer: dict[str, Any]) -> list[str]:
    assert [s["step"] for s in answer["steps"]] == STEPS
    return [s["status"] for s in answer["steps"]]


def verification(api: Api, record_id: str, handle: str = "samr") -> Any:
    return api.as_org(handle, "GET", f"/v1/records/{quote(record_id, safe='')}/verification")


@pytest.fixture
def admitted(api: Api) -> Api:
    """An importer's lot admitted through the API (the first record after the admissions of the
    organisations), and two more."""
    api.add_org("haixian", "importer")
    for lot in ("L2026-001", "L2026-002", "L2026-003"):
        response = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=lot))
        assert response.status_code == 201, response.text
    return api


@pytest.fixture
def anchored(admitted: Api, network: Network) -> Api:
    anchor(admitted, network)
    return admitted


def bundle_of(api: Api) -> dict[str, Any]:
    bundle: dict[str, Any] = verification(api, ADMITTED).json()["bundle"]
    return bundle


def test_record_verification_passes_every_step_once_anchored(anchored: Api) -> None:
    response = verification(anchored, ADMITTED)

    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["status"], found["failed_step"], statuses(found)) == ("verified", None, ["passed"] * 4)
    assert (found["record_id"], found["index"], found["kind"]) == (ADMITTED, ADMITTED_AT, "batch.admitted")
    assert found["record"]["payload"]["lot"] == "L2026-001"
    assert found["body_text"].startswith('{"actor":')
    checkpoint = anchored.services.ledger.latest_checkpoint()
    assert checkpoint is not None
    assert found["checkpoint"]["tree_size"] == checkpoint.tree_size
    assert found["anchor"]["block"] == checkpoint.anchor_block
    assert found["log"]["verifier_key"] == anchored.services.ledger.signer.verifier_key()
    assert found["bundle"]["record_id"] == ADMITTED


def test_record_verification_is_pending_until_a_checkpoint_covers_it(admitted: Api) -> None:
    found = verification(admitted, ADMITTED).json()

    assert (found["status"], statuses(found)) == ("pending", ["passed", "pending", "pending", "pending"])
    assert found["checkpoint"] is None


def test_record_verification_names_bytes_when_the_stored_record_was_altered(anchored: Api) -> None:
    anchored.mined()  # the chain worker is idle: this writes behind the API's back
    with anchored.services.engine.begin() as conn:
        at = {"idx": ADMITTED_AT}
        body = conn.execute(text("SELECT body FROM ledger_records WHERE idx = :idx"), at).scalar_one()
        forged = bytes(body).replace(b'"quantity":1200', b'"quantity":9200')
        conn.execute(text("UPDATE ledger_records SET body = :b WHERE idx = :idx"), {"b": forged, **at})

    found = verification(anchored, ADMITTED).json()

    assert (found["status"], found["failed_step"]) == ("failed", "bytes")
    assert statuses(found) == ["failed", "failed", "passed", "passed"]
    assert found["record"]["payload"]["quantity"] == 9200


def test_record_with_slashes_and_a_question_mark_in_its_id_is_found_percent_encoded(anchored: Api) -> None:
    record_id = "ni:///sha-256;00ab?ver=CBV2.0"
    record = Record(kind="test.note", record_id=record_id, time=utc_now(),
                    actor=Actor(org="91310000MA0000001X", key_id="k"),
                    subjects=[Subject(type="batch", id=LOT_ID)], payload={"n": 1})  # fmt: skip
    anchored.services.ledger.append(record)

    response = verification(anchored, record_id)

    assert response.status_code == 200, response.text
    assert response.json()["record_id"] == record_id


def test_record_verification_is_for_regulators_only(admitted: Api) -> None:
    importer = verification(admitted, ADMITTED, "haixian")
    anonymous = admitted.client.get(f"/v1/records/{quote(ADMITTED, safe='')}/verification")
    unknown = verification(admitted, "batch:nothing:admitted")

    assert (importer.status_code, anonymous.status_code, unknown.status_code) == (403, 401, 404)
    assert unknown.headers["content-type"] == "application/problem+json"


def test_bundle_verification_is_open_to_anyone_and_passes_a_genuine_bundle(anchored: Api) -> None:
    response = anchored.client.post("/v1/verifications", json=bundle_of(anchored))

    assert response.status_code == 200, response.text
    assert (response.json()["status"], statuses(response.json())) == ("verified", ["passed"] * 4)
    assert "bundle" not in response.json()


def _one_byte_of_the_record(bundle: dict[str, Any]) -> None:
    body = bytearray(base64.b64decode(bundle["body"]))
    at = body.index(b'"quantity":1200') + len('"quantity":')
    body[at] = ord("9")
    bundle["body"] = b64(bytes(body))


def _a_proof_hash(bundle: dict[str, Any]) -> None:
    bundle["inclusion_proof"][0] = b64(b"\x11" * 32)


def _another_key(bundle: dict[str, Any]) -> None:
    checkpoint = parse_checkpoint(bundle["checkpoint"])
    bundle["checkpoint"] = NoteSigner(generate_signing_key(), checkpoint.origin).sign(checkpoint)


@pytest.mark.parametrize(
    ("tamper", "failed_step", "expected"),
    [
        pytest.param(
            _one_byte_of_the_record, "bytes", ["failed", "failed", "passed", "passed"], id="record-byte"
        ),
        pytest.param(_a_proof_hash, "inclusion", ["passed", "failed", "passed", "passed"], id="proof-hash"),
        pytest.param(
            _another_key, "signature", ["passed", "passed", "failed", "passed"], id="signed-by-another"
        ),
    ],
)
def test_tampered_bundle_names_the_failing_step(
    anchored: Api, tamper: Any, failed_step: str, expected: list[str]
) -> None:
    bundle = copy.deepcopy(bundle_of(anchored))
    tamper(bundle)

    found = anchored.client.post("/v1/verifications", json=bundle).json()

    assert (found["status"], found["failed_step"], statuses(found)) == ("failed", failed_step, expected)


@pytest.mark.parametrize(
    ("malform", "field"),
    [
        pytest.param(lambda b: b.pop("body"), "body", id="no-body"),
        pytest.param(lambda b: b.update(body="not base64!"), "body", id="body-not-base64"),
        pytest.param(lambda b: b.update(index="0"), "index", id="index-a-string"),
        pytest.param(lambda b: b.update(index=-1), "index", id="index-negative"),
        pytest.param(
            lambda b: b["inclusion_proof"].__setitem__(0, "%%"), "inclusion_proof[0]", id="proof-not-base64"
        ),
    ],
)
def test_malformed_bundle_is_a_problem_naming_the_field(anchored: Api, malform: Any, field: str) -> None:
    bundle = bundle_of(anchored)
    malform(bundle)

    response = anchored.client.post("/v1/verifications", json=bundle)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_ledger_state_names_size_checkpoint_anchor_and_keys(anchored: Api) -> None:
    response = anchored.as_org("samr", "GET", "/v1/ledger")

    assert response.status_code == 200, response.text
    ledger = response.json()
    size = anchored.services.ledger.size()
    assert (ledger["size"], ledger["latest_checkpoint"]["size"], ledger["unanchored_records"]) == (
        size,
        size,
        0,
    )
    assert ledger["latest_anchor"]["size"] == size
    assert ledger["latest_anchor"]["age_s"] >= 0
    assert ledger["last_audit"] is None
    assert ledger["log"]["origin"] == anchored.services.ledger.origin
    assert anchored.as_org("haixian", "GET", "/v1/ledger").status_code == 403


def test_record_at_a_ledger_index(admitted: Api) -> None:
    found = admitted.as_org("samr", "GET", f"/v1/ledger/records/{ADMITTED_AT}")
    beyond = admitted.as_org("samr", "GET", "/v1/ledger/records/999")
    importer = admitted.as_org("haixian", "GET", f"/v1/ledger/records/{ADMITTED_AT}")

    assert found.json() == {"index": ADMITTED_AT, "record_id": ADMITTED, "kind": "batch.admitted"}
    assert (beyond.status_code, importer.status_code) == (404, 403)
