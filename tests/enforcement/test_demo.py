"""``suyuan up --demo``'s enforcement, seeded through the API as the demo seeds it: an inspector,
an inspection, and its record and order to rectify signed and countersigned; a second run changes
nothing."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from suyuan.demo.enforcement import DEMO_FILE, KEY_FILE, seed_enforcement
from tests.api.conftest import Api

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_seeds_a_signed_inspection_record_and_order_once(api: Api) -> None:
    info = seed_enforcement(api.services, api.client, api.regulator_key)

    assert [d["kind"] for d in info["documents"]] == ["inspection_record", "rectification_order"]
    party = {"Authorization": f"Bearer {info['party']['api_key']}"}
    delivered = api.client.get("/v1/enforcement/documents", headers=party).json()["documents"]
    assert sorted(d["id"] for d in delivered) == sorted(d["id"] for d in info["documents"])
    key = serialization.load_pem_private_key((api.services.settings.data_dir / KEY_FILE).read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    for document in info["documents"]:
        checked = api.client.get(urlsplit(document["check_url"]).path + "?format=json").json()
        assert checked["status"] == "delivered"
        assert checked["signature"]["public_key"] == key.public_key().public_bytes_raw().hex()
        pdf = api.client.get(f"/v1/enforcement/documents/{document['id']}/pdf", headers=party).content
        key.public_key().verify(base64.b64decode(checked["signature"]["signature"]), pdf)

    size = api.services.ledger.size()
    assert seed_enforcement(api.services, api.client, api.regulator_key) == info
    assert api.services.ledger.size() == size
    assert json.loads((api.services.settings.data_dir / DEMO_FILE).read_text()) == info
