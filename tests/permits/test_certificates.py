"""The permit's paper (its text, and its QR code read as a phone reads it) and its public check as
JSON: the certificate, its status from the ledger's records, and their proofs against the chain."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from tests.api.test_resolver import anchor
from tests.conftest import Network
from tests.filings.test_certificates import _qr_text
from tests.permits.conftest import LICENCE_USCC, Permits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_permit_prints_its_facts_and_its_qr_code_opens_a_verified_check(
    permits: Permits, network: Network
) -> None:
    api = permits.api
    number = permits.approved()
    certificate_no = permits.get(number)["certificate"]["number"]

    response = permits.as_applicant(number, "GET", "/certificate.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    text = _text(response.content)
    record = api.services.ledger.get(f"permit:{number}:approved")
    for expected in (
        "食品经营许可证",
        f"许可证编号：{certificate_no}",
        "上海老正兴菜馆有限公司",
        LICENCE_USCC,
        "周德福",
        "上海市黄浦区福州路 556 号",
        "餐饮服务经营者",
        "热食类食品制售、冷食类食品制售",
        "12315",
        record.record_id,
    ):
        assert expected in text, expected
    url = _qr_text(response.content)
    assert url == f"{api.services.settings.public_url}/permit-certificates/{certificate_no}"

    path = urlsplit(url).path
    waiting = api.client.get(path, headers={"Accept": "application/json"}).json()
    assert (waiting["status"], waiting["verification"]["status"]) == ("valid", "pending")
    anchor(api, network)
    body = api.client.get(path + "?format=json").json()
    assert (body["status"], body["verification"]["status"]) == ("valid", "verified")
    approval = body["verification"]["approval"]
    assert approval["record_id"] == record.record_id
    assert [s["status"] for s in approval["steps"]] == ["passed"] * 4
    assert approval["leaf_hash"] in text
    assert approval["root_hash"]
    assert approval["anchor_block"] is not None
    assert body["verification"]["latest_change"] is None
    assert (body["certificate"]["certificate_no"], body["changes"]) == (certificate_no, [])


def test_suspension_and_revocation_show_at_once_with_their_reasons_and_proofs(
    permits: Permits, network: Network
) -> None:
    api = permits.api
    number = permits.approved()
    path = permits.get(number)["certificate"]["verification_path"] + "?format=json"
    permits.acted(number, "suspend", "后厨卫生严重不达标，责令停业整改。")
    suspended = api.client.get(path).json()
    assert suspended["status"] == "suspended"
    assert [c["reason"] for c in suspended["changes"]] == ["后厨卫生严重不达标，责令停业整改。"]
    assert suspended["verification"]["status"] == "pending"  # the change is not anchored yet
    anchor(api, network)
    proven = api.client.get(path).json()["verification"]
    assert (proven["status"], proven["latest_change"]["record_id"]) == (
        "verified",
        f"permit:{number}:suspended:1",
    )
    permits.acted(number, "reinstate", "整改到位。")
    assert api.client.get(path).json()["status"] == "valid"
    permits.acted(number, "revoke", "以欺骗手段取得许可。")
    revoked = api.client.get(path).json()
    assert revoked["status"] == "revoked"
    assert [c["kind"] for c in revoked["changes"]] == [
        "permit.suspended",
        "permit.reinstated",
        "permit.revoked",
    ]


def test_unknown_permit_is_answered_as_not_in_the_ledger(permits: Permits) -> None:
    page = permits.api.client.get("/permit-certificates/JY23101010000990")
    assert page.status_code == 404
    assert "未找到该许可证" in page.text
    as_json = permits.api.client.get("/permit-certificates/JY23101010000990?format=json")
    assert (as_json.status_code, as_json.headers["content-type"]) == (404, "application/problem+json")


def test_paper_only_for_the_applicant_and_regulators_and_only_once_approved(permits: Permits) -> None:
    pending = permits.submitted()
    missing = permits.as_applicant(pending, "GET", "/certificate.pdf")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"permit application {pending} has no certificate: it is submitted"
    number = permits.approved()
    assert permits.api.as_org("samr", "GET", f"/v1/permits/{number}/certificate.pdf").status_code == 200
    assert permits.api.client.get(f"/v1/permits/{number}/certificate.pdf").status_code == 401
