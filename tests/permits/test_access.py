"""Who may see and act on a permit application: its applicant (by key or query code) and the
regulators; only those of its jurisdiction review it or change its certificate; anyone else
finds no such application."""

from __future__ import annotations

import pytest

from tests.permits.conftest import Permits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_another_applicant_can_neither_see_nor_download(permits: Permits) -> None:
    api = permits.api
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    number = permits.approved("laozhengxing")
    material = permits.get(number)["materials"][0]["id"]
    for path in ("", f"/materials/{material}", "/certificate.pdf"):
        assert api.as_org("xinghualou", "GET", f"/v1/permits/{number}{path}").status_code == 404, path
        assert api.as_org("laozhengxing", "GET", f"/v1/permits/{number}{path}").status_code == 200, path
    assert api.as_org("xinghualou", "GET", "/v1/permits").json()["permits"] == []
    assert [p["id"] for p in api.as_org("laozhengxing", "GET", "/v1/permits").json()["permits"]] == [number]


def test_query_code_opens_its_own_application_only(permits: Permits) -> None:
    client = permits.api.client
    mine, theirs = permits.submitted(), permits.submitted()
    assert client.get(f"/v1/permits/{mine}", headers={"X-Query-Code": permits.codes[mine]}).status_code == 200
    assert (
        client.get(f"/v1/permits/{mine}", headers={"X-Query-Code": permits.codes[theirs]}).status_code == 404
    )
    anonymous = client.get(f"/v1/permits/{mine}")
    assert anonymous.status_code == 401
    assert "query code" in anonymous.json()["detail"]
    assert client.get("/v1/permits").status_code == 401


def test_applicants_neither_review_nor_change_certificates(permits: Permits) -> None:
    api = permits.api
    api.add_org("laozhengxing", "restaurant")
    number = permits.approved("laozhengxing")
    size = api.services.ledger.size()
    own = permits.review(number, "refuse", "自己拒绝", handle="laozhengxing")
    assert own.status_code == 403
    assert permits.act(number, "suspend", "自行暂停", handle="laozhengxing").status_code == 403
    by_code = api.client.post(
        f"/v1/permits/{number}/certificate-actions",
        json={"action": "revoke", "reason": "x"},
        headers={"X-Query-Code": "2222-2222-2222"},
    )
    assert by_code.status_code == 401
    assert api.services.ledger.size() == size
    assert permits.get(number)["certificate"]["state"] == "active"


def test_only_regulators_of_the_jurisdiction_review_and_change_certificates(permits: Permits) -> None:
    permits.add_regulator("hangzhou", "Hangzhou")
    pending = permits.submitted()
    number = permits.approved()
    assert permits.get(pending, "hangzhou")["status"] == "submitted"  # every regulator reads
    refused = permits.review(pending, "accept", "受理。", handle="hangzhou")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        f"hangzhou supervises 'Hangzhou'; permit application {pending} is filed with 'Shanghai'"
    )
    for action in ("suspend", "revoke"):
        assert permits.act(number, action, handle="hangzhou").status_code == 403
    assert permits.get(number)["certificate"]["state"] == "active"


def test_regulator_and_device_keys_do_not_apply(permits: Permits) -> None:
    api = permits.api
    applied = permits.submit("samr")
    assert applied.status_code == 403
    assert "does not apply" in applied.json()["detail"]
    api.add_org("laozhengxing", "restaurant")
    made = api.as_org("laozhengxing", "POST", "/v1/organisations/me/keys", params={"kind": "device"})
    api.keys["laozhengxing-device"] = made.json()["api_key"]
    device = permits.submit("laozhengxing-device")
    assert device.status_code == 403
    assert "device key" in device.json()["detail"]
    assert api.as_org("samr", "GET", "/v1/permits").json()["permits"] == []
