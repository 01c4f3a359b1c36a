"""Signing on the phone (real Chromium's WebCrypto Ed25519): the inspector's key is made on the
phone, its private half non-extractable, its public half registered; the record of a recorded
inspection is signed over its PDF's exact bytes and the signature waits in the queue until sent.
The signature is checked here independently, with ``cryptography``."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import expect

from tests.scanners.pwa.conftest import Phone
from tests.scanners.pwa.inspecting import fill_inspection, inspector_with_parties, wait_for_sync

#: What a script of the app can do with the kept private key: not read it out.
EXPORT_PRIVATE_KEY = """async () => {
  const { kept } = await import("/scan/assets/inspections.js");
  const key = (await kept("signing-key")).privateKey;
  try {
    await crypto.subtle.exportKey("pkcs8", key);
    return "exported";
  } catch (error) {
    return [key.type, key.algorithm.name, key.extractable, error.name];
  }
}"""


def test_the_phone_signs_the_inspection_record_with_its_own_key_and_queues_the_signature(
    phone: Phone,
) -> None:
    api = phone.scanner.api
    page = phone.sign_in(inspector_with_parties(api, "mianguan"))
    page.get_by_role("button", name="在本机生成签名密钥").click()
    expect(page.locator("#key-state")).to_have_attribute("data-registered", "true")
    public_key = api.as_org("wang", "GET", "/v1/enforcement/inspectors/me").json()["public_key"]
    assert page.evaluate(EXPORT_PRIVATE_KEY) == ["private", "Ed25519", False, "InvalidAccessError"]

    fill_inspection(page, "mianguan")
    page.get_by_role("button", name="加入待发送").click()
    expect(page.locator("#n-recorded")).to_have_text("1")
    page.locator("[data-show=recorded]").click()
    page.route("**/signature", lambda route: route.abort())  # the signature cannot be sent yet
    page.get_by_role("button", name="签署现场检查笔录").click()
    signed = page.locator("#queue-list li .signed")
    expect(signed).to_have_attribute("data-state", "queued")
    expect(signed).to_contain_text("已在本机签名，待发送")
    documents = api.as_org("samr", "GET", "/v1/enforcement/documents").json()["documents"]
    assert [d["status"] for d in documents] == ["issued"]

    page.unroute("**/signature")
    rounds = int(page.evaluate("Number(document.body.dataset.syncs || 0)"))
    page.get_by_role("button", name="立即同步").click()
    wait_for_sync(page, rounds)
    expect(signed).to_have_attribute("data-state", "sent")
    document = api.as_org("samr", "GET", f"/v1/enforcement/documents/{documents[0]['id']}").json()
    assert document["status"] == "signed"
    pdf = api.as_org("samr", "GET", f"/v1/enforcement/documents/{document['id']}/pdf").content
    assert hashlib.sha256(pdf).hexdigest() == document["pdf_sha256"]
    (queued,) = phone.stored()["databases"]["suyuan-inspections/signatures"]
    assert queued["pdf_sha256"] == document["pdf_sha256"]
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
        base64.b64decode(queued["signature"]), pdf
    )
