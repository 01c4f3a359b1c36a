"""Bad inspections and keys are refused with problem+json naming the field and the reason."""

from __future__ import annotations

import base64
import json

import pytest

from tests.enforcement.conftest import Enforcement, findings, png


@pytest.fixture
def ready(enforcement: Enforcement) -> Enforcement:
    enforcement.api.add_org("noodles", "restaurant")
    enforcement.inspector("wang")
    return enforcement


def field_of(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    assert response.status_code == 422, body  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    return str(body["errors"][0]["field"])


def test_inspection_refused_field_by_field(ready: Enforcement) -> None:
    photo = png("blue")
    every = findings()
    assert field_of(ready.record("wang", "noodles", findings=every[:-1])) == "findings"
    assert field_of(ready.record("wang", "noodles", findings=[*every, every[0]])) == "findings[6].item"
    unknown = [{**every[0], "item": "Z9"}, *every[1:]]
    assert field_of(ready.record("wang", "noodles", findings=unknown)) == "findings[0].item"
    silent = findings({"C2": ""})
    assert field_of(ready.record("wang", "noodles", findings=silent)) == "findings[1].note"
    assert (
        field_of(ready.record("wang", "noodles", findings=findings(evidence={"C1": [photo]})))
        == "findings[0].evidence"
    )
    assert field_of(ready.record("wang", "noodles", files=[photo])) == "evidence"
    assert (
        field_of(
            ready.record("wang", "noodles", files=[b"hello"], findings=findings(evidence={"C1": [b"hello"]}))
        )
        == "evidence"
    )
    assert field_of(ready.record("wang", "noodles", template="bakery")) == "template"
    assert field_of(ready.record("wang", "nobody")) == "party"
    assert field_of(ready.record("wang", "samr")) == "party"
    assert (
        field_of(ready.record("wang", "noodles", inspected_at="2026-12-05T09:00:00"))
        == "inspection.inspected_at"
    )
    assert field_of(ready.record("wang", "noodles", client_id="x")) == "inspection.client_id"


def test_malformed_inspection_json_refused(ready: Enforcement) -> None:
    response = ready.api.as_org(
        "wang", "POST", "/v1/enforcement/inspections", data={"inspection": json.dumps([1, 2])}
    )
    assert field_of(response) == "inspection"


def test_signing_key_refused_unless_ed25519(ready: Enforcement) -> None:
    def put(key: str) -> object:
        return ready.api.as_org(
            "wang", "PUT", "/v1/enforcement/inspectors/me/signing-key", json={"public_key": key}
        )

    assert field_of(put(base64.b64encode(b"short").decode())) == "public_key"
    assert field_of(put("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----")) == "public_key"
    assert field_of(put("not a key at all!")) == "public_key"
