"""API keys: who may issue them, listing without secrets, revocation at once and in the ledger."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

KEYS = "/v1/organisations/me/keys"


@pytest.fixture
def importer(api: Api) -> Api:
    api.add_org("haixian", "importer")
    api.add_org("stranger", "retailer")
    return api


def _issue(api: Api, handle: str, kind: str) -> str:
    response = api.as_org(handle, "POST", KEYS, params={"kind": kind, "label": f"a {kind}"})
    assert response.status_code == 201, response.text
    return str(response.json()["api_key"])


def _as_key(api: Api, key: str, method: str, url: str, **kwargs: Any) -> int:
    response = api.client.request(method, url, headers={"Authorization": f"Bearer {key}"}, **kwargs)
    return int(response.status_code)


def test_device_key_cannot_issue_keys(importer: Api) -> None:
    device = _issue(importer, "haixian", "device")

    assert _as_key(importer, device, "POST", KEYS, params={"kind": "member"}) == 403
    assert _as_key(importer, device, "POST", KEYS, params={"kind": "device"}) == 403
    assert len(importer.as_org("haixian", "GET", KEYS).json()) == 2  # nothing issued


def test_a_regulators_device_key_has_none_of_the_regulators_powers(importer: Api) -> None:
    device = _issue(importer, "samr", "device")
    recall = {"batch_id": "00000000-0000-0000-0000-000000000000", "reason": "a test", "recall_class": "I"}

    assert _as_key(importer, device, "GET", "/v1/organisations/me") == 200  # it is the regulator's key
    assert _as_key(importer, device, "GET", "/v1/overview") == 403
    assert _as_key(importer, device, "POST", "/v1/recalls", json=recall) == 403
    assert importer.as_org("samr", "GET", "/v1/overview").status_code == 200


def test_an_inspectors_key_acts_on_inspections_only(importer: Api) -> None:
    body = {"name": "王建国", "badge_no": "3100000001"}
    added = importer.as_org("samr", "POST", "/v1/enforcement/inspectors", json=body)
    assert added.status_code == 201, added.text
    inspector = str(added.json()["api_key"])

    # What the phone's inspection mode calls: its organisation, the parties, the enforcement routes.
    for url in ("/v1/organisations/me", "/v1/organisations?q=hai", "/v1/enforcement/templates"):
        assert _as_key(importer, inspector, "GET", url) == 200, url
    # Nothing else of its regulator's: not the lots, recalls, keys or dashboard figures.
    for url in ("/v1/batches", "/v1/recalls", "/v1/overview", "/v1/organisations/haixian", KEYS):
        assert _as_key(importer, inspector, "GET", url) == 403, url


def test_unknown_key_kind_is_refused(importer: Api) -> None:
    response = importer.as_org("haixian", "POST", KEYS, params={"kind": "admin"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.kind"]


def test_keys_are_listed_without_their_secrets(importer: Api) -> None:
    device = _issue(importer, "haixian", "device")

    response = importer.as_org("haixian", "GET", KEYS)

    assert response.status_code == 200
    listed = response.json()
    assert [k["kind"] for k in listed] == ["member", "device"]
    # sy_<id>_<secret>: the secret is URL-safe base64, which may itself hold "_"
    secrets = {importer.keys["haixian"].split("_", 2)[2], device.split("_", 2)[2]}
    assert all(len(secret) == 43 for secret in secrets)
    assert not any(secret in response.text for secret in secrets)
    assert device.startswith(listed[1]["prefix"])
    assert importer.as_org("stranger", "GET", KEYS).json()[0]["id"] not in response.text


def test_my_organisation_names_the_calling_keys_kind(importer: Api) -> None:
    """A client (the console) tells a member key from a device's by this alone."""
    device = _issue(importer, "haixian", "device")
    member = importer.as_org("haixian", "GET", "/v1/organisations/me").json()
    by_device = importer.client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {device}"})

    assert member["key"] == {"id": importer.keys["haixian"].split("_")[1], "kind": "member"}
    assert by_device.json()["key"] == {"id": device.split("_")[1], "kind": "device"}
    assert by_device.json()["handle"] == member["handle"] == "haixian"


def test_revoked_key_is_refused_at_once_and_recorded(importer: Api) -> None:
    device = _issue(importer, "haixian", "device")
    assert _as_key(importer, device, "GET", "/v1/organisations/me") == 200
    device_id = device.split("_")[1]

    revoked = importer.as_org("haixian", "DELETE", f"{KEYS}/{device_id}")

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert _as_key(importer, device, "GET", "/v1/organisations/me") == 401
    records = importer.services.ledger.about("api_key", device_id)
    assert [r.kind for r in records] == ["api_key.revoked"]
    assert importer.as_org("haixian", "DELETE", f"{KEYS}/{device_id}").status_code == 404


def test_last_member_key_cannot_be_revoked(importer: Api) -> None:
    first = importer.keys["haixian"].split("_")[1]

    refused = importer.as_org("haixian", "DELETE", f"{KEYS}/{first}")
    second = _issue(importer, "haixian", "member")
    importer.keys["haixian"] = second
    allowed = importer.as_org("haixian", "DELETE", f"{KEYS}/{first}")

    assert refused.status_code == 409, refused.text
    assert allowed.status_code == 200, allowed.text


def test_another_organisations_key_cannot_be_revoked(importer: Api) -> None:
    theirs = importer.keys["stranger"].split("_")[1]
    _issue(importer, "stranger", "member")

    assert importer.as_org("haixian", "DELETE", f"{KEYS}/{theirs}").status_code == 404
    assert importer.as_org("stranger", "GET", "/v1/organisations/me").status_code == 200
