"""Paperless enforcement documents: rendered from the records, signed by the inspector's own key
(checked here independently with ``cryptography`` on the PDF's bytes), countersigned by the party,
delivered to its webhook and its list, and verified by anyone; an altered PDF or a wrong key is
refused with problem+json."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pypdf import PdfReader

from tests._webhooks import Receiver
from tests.enforcement.conftest import Enforcement, findings, png
from trace_api.enforcement import InspectionRecorded
from trace_api.enforcement.facts import DocumentSigned
from trace_api.notices import NoticeSender


def issue(enforcement: Enforcement, number: str, kind: str, **body: Any) -> dict[str, Any]:
    response = enforcement.api.as_org(
        "wang", "POST", f"/v1/enforcement/inspections/{number}/documents", json={"kind": kind, **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def sign(enforcement: Enforcement, document_id: str, key: Ed25519PrivateKey) -> tuple[bytes, Any]:
    pdf = enforcement.api.as_org("wang", "GET", f"/v1/enforcement/documents/{document_id}/pdf").content
    signature = base64.b64encode(key.sign(pdf)).decode()
    body = {"signature": signature, "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    return pdf, enforcement.api.as_org(
        "wang", "POST", f"/v1/enforcement/documents/{document_id}/signature", json=body
    )


@pytest.fixture
def inspected(enforcement: Enforcement) -> str:
    enforcement.api.add_org("noodles", "restaurant")
    enforcement.inspector("wang")
    photo = png("green")
    body = enforcement.recorded(
        "wang",
        "noodles",
        files=[photo],
        findings=findings({"C2": "两名厨师健康证明过期"}, evidence={"C2": [photo]}),
    )
    return str(body["id"])


def test_documents_signed_countersigned_delivered_and_verified(
    enforcement: Enforcement, inspected: str
) -> None:
    api = enforcement.api
    receiver = Receiver()
    try:
        hooked = api.as_org("noodles", "POST", "/v1/webhooks", json={"url": receiver.url})
        assert hooked.status_code == 201, hooked.text
        tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).date().isoformat()
        record = issue(enforcement, inspected, "inspection_record")
        order = issue(
            enforcement,
            inspected,
            "rectification_order",
            deadline=tomorrow,
            requirements="立即安排过期人员体检并停止上岗。",
        )
        assert (record["id"], order["id"]) == (f"{inspected}-BL", f"{inspected}-ZG")

        first = api.as_org("wang", "GET", f"/v1/enforcement/documents/{order['id']}/pdf").content
        again = api.as_org("wang", "GET", f"/v1/enforcement/documents/{order['id']}/pdf").content
        assert first == again  # rendered from the records, byte for byte
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
        for expected in (
            "责令改正通知书",
            f"{inspected}-ZG",
            "两名厨师健康证明过期",
            "第四十五条",
            "立即安排过期人员体检",
        ):
            assert expected in text.replace("\n", ""), expected
        assert api.as_org("noodles", "GET", f"/v1/enforcement/documents/{order['id']}/pdf").status_code == 404

        key = enforcement.signing_keys["wang"]
        pdf, signed = sign(enforcement, order["id"], key)
        signature_body = json.loads(signed.request.content)
        assert signed.status_code == 201, signed.text
        assert signed.json()["status"] == "signed"
        fact = DocumentSigned.of(api.services.ledger.get(signed.json()["record_id"]))
        assert fact.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        # An independent check: the recorded signature and key verify over the PDF's bytes.
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(fact.public_key)).verify(
            base64.b64decode(fact.signature), pdf
        )
        assert fact.public_key == key.public_key().public_bytes_raw().hex()

        countersign = {
            "data": {"signer_name": "张师傅"},
            "files": {
                "signature_image": ("sign.png", png("black", (200, 80)), "image/png"),
                "photo": ("at.png", png("grey"), "image/png"),
            },
        }
        path = f"/v1/enforcement/documents/{order['id']}/countersignature"
        countersigned = api.as_org("wang", "POST", path, **countersign)
        assert countersigned.status_code == 201, countersigned.text
        assert countersigned.json()["status"] == "delivered"

        # Each step sent again (a phone's queue replayed after a lost answer) records nothing new.
        size = api.services.ledger.size()
        body = {
            "kind": "rectification_order",
            "deadline": tomorrow,
            "requirements": "立即安排过期人员体检并停止上岗。",
        }
        replays = (
            api.as_org("wang", "POST", f"/v1/enforcement/inspections/{inspected}/documents", json=body),
            api.as_org(
                "wang", "POST", f"/v1/enforcement/documents/{order['id']}/signature", json=signature_body
            ),
            api.as_org("wang", "POST", path, **countersign),
        )
        assert [r.status_code for r in replays] == [200, 200, 200], [r.text for r in replays]
        assert api.services.ledger.size() == size

        assert NoticeSender(api.services).run_once(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) >= 1
        assert receiver.arrived.wait(10)
        told = json.loads(receiver.received[0][1])
        assert (told["event"], told["document_id"], told["pdf_sha256"]) == (
            "inspection.document_delivered", order["id"], fact.pdf_sha256,
        )  # fmt: skip
    finally:
        receiver.close()

    mine = api.as_org("noodles", "GET", "/v1/enforcement/documents").json()["documents"]
    assert [d["id"] for d in mine] == [order["id"]]  # delivered ones only
    delivered = api.as_org("noodles", "GET", f"/v1/enforcement/documents/{order['id']}/pdf")
    assert delivered.content == pdf

    checked = api.client.post("/v1/enforcement/verify", files={"pdf": ("order.pdf", pdf, "application/pdf")})
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert (body["document_id"], body["signature"]["valid"], body["countersignature"]["signer_name"]) == (
        order["id"], True, "张师傅",
    )  # fmt: skip
    assert set(body["proofs"]) == {"issued", "signed", "key", "inspection", "countersigned"}
    assert body["proven"] in ("verified", "pending")
    for proof in body["proofs"].values():
        assert proof["status"] in ("verified", "pending")
        assert proof["leaf_hash"]

    page = api.client.get(f"/enforcement-documents/{order['id']}")
    assert page.status_code == 200
    assert "责令改正通知书" in page.text
    assert "张师傅" in page.text
    assert "Order to rectify" in api.client.get(f"/enforcement-documents/{order['id']}?lang=en").text

    inspection = InspectionRecorded.of(api.services.ledger.get(f"inspection:{inspected}:recorded"))
    assert inspection.failed_items == 1


def test_tampered_pdf_and_wrong_key_refused(enforcement: Enforcement, inspected: str) -> None:
    api = enforcement.api
    document = issue(enforcement, inspected, "inspection_record")
    _, wrong = sign(enforcement, document["id"], Ed25519PrivateKey.generate())
    assert wrong.status_code == 422, wrong.text
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["errors"][0]["field"] == "signature"
    assert "registered key" in wrong.json()["detail"]
    assert (
        api.as_org("wang", "GET", f"/v1/enforcement/documents/{document['id']}").json()["status"] == "issued"
    )

    pdf, signed = sign(enforcement, document["id"], enforcement.signing_keys["wang"])
    assert signed.status_code == 201, signed.text
    middle = len(pdf) // 2
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]  # one bit of one byte
    refused = api.client.post("/v1/enforcement/verify", files={"pdf": ("x.pdf", tampered, "application/pdf")})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "pdf"
    by_number = api.client.post(
        "/v1/enforcement/verify",
        data={"document_id": document["id"]},
        files={"pdf": ("x.pdf", tampered, "application/pdf")},
    )
    assert by_number.status_code == 422
    assert "is not" in by_number.json()["detail"]
    again = api.as_org(
        "wang",
        "POST",
        f"/v1/enforcement/documents/{document['id']}/signature",
        json={
            "signature": base64.b64encode(b"x" * 64).decode(),
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        },
    )
    assert again.status_code == 409  # signed already


def test_order_needs_a_failed_item_and_its_terms(enforcement: Enforcement) -> None:
    api = enforcement.api
    api.add_org("clean", "restaurant")
    enforcement.inspector("wang")
    number = enforcement.recorded("wang", "clean")["id"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).date().isoformat()
    path = f"/v1/enforcement/inspections/{number}/documents"
    missing = api.as_org("wang", "POST", path, json={"kind": "rectification_order", "requirements": "改正"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "deadline"
    nothing = api.as_org(
        "wang", "POST", path, json={"kind": "rectification_order", "deadline": later, "requirements": "改正"}
    )
    assert nothing.status_code == 409, nothing.text
    assert api.as_org("samr", "POST", path, json={"kind": "inspection_record"}).status_code == 403
