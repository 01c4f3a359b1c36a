"""Mobile enforcement over the real trace API (real anvil, database and ledger): inspectors, their
signing keys, and on-site inspections with evidence."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.api.conftest import Api, make_uscc
from tests.api.conftest import api as api  # the trace API (a fixture)
from tests.filings.conftest import png

#: The start of an MP4 file (an ``ftyp`` box), enough for its type to be recognised.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64

CATERING_ITEMS = ("C1", "C2", "C3", "C4", "C5", "C6")


def findings(
    failing: dict[str, str] | None = None, evidence: dict[str, list[bytes]] | None = None
) -> list[Any]:
    """A finding for every catering item: pass, or fail with the note given; evidence by item."""
    failing, evidence = failing or {}, evidence or {}
    return [
        {
            "item": item,
            "result": "fail" if item in failing else "pass",
            "note": failing.get(item, ""),
            "evidence": [hashlib.sha256(data).hexdigest() for data in evidence.get(item, [])],
        }
        for item in CATERING_ITEMS
    ]


@dataclass
class Enforcement:
    """Acting as regulators and their inspectors through the API."""

    api: Api
    signing_keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)

    def add_inspector(
        self, handle: str, regulator: str = "samr", name: str = "王建国", badge: str | None = None
    ) -> Any:
        body = {"name": name, "badge_no": badge or f"31{uuid.uuid4().int % 10**10:010d}"}
        return self.api.as_org(regulator, "POST", "/v1/enforcement/inspectors", json=body)

    def inspector(self, handle: str, regulator: str = "samr", name: str = "王建国") -> dict[str, Any]:
        """An inspector of ``regulator`` whose key is kept under ``handle``, with a registered signing key."""
        response = self.add_inspector(handle, regulator, name)
        assert response.status_code == 201, response.text
        self.api.keys[handle] = response.json()["api_key"]
        key = Ed25519PrivateKey.generate()
        self.signing_keys[handle] = key
        public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
        registered = self.api.as_org(
            handle, "PUT", "/v1/enforcement/inspectors/me/signing-key", json={"public_key": public}
        )
        assert registered.status_code == 200, registered.text
        return dict(registered.json())

    def record(
        self,
        handle: str,
        party: str,
        *,
        files: list[bytes] | None = None,
        client_id: str | None = None,
        **overrides: Any,
    ) -> Any:
        body: dict[str, Any] = {
            "client_id": client_id or uuid.uuid4().hex,
            "template": "catering",
            "party": party,
            "findings": findings(),
            **overrides,
        }
        sent = [
            ("evidence", (f"evidence-{i}", data, "application/octet-stream"))
            for i, data in enumerate(files or [])
        ]
        return self.api.as_org(
            handle,
            "POST",
            "/v1/enforcement/inspections",
            data={"inspection": json.dumps(body, ensure_ascii=False)},
            files=sent or None,
        )

    def recorded(self, handle: str, party: str, **kwargs: Any) -> dict[str, Any]:
        response = self.record(handle, party, **kwargs)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def add_regulator(self, handle: str, jurisdiction: str) -> None:
        data = {
            "handle": handle,
            "name": f"{jurisdiction}市场监督管理局",
            "org_type": "regulator",
            "uscc": make_uscc(),
            "jurisdiction": jurisdiction,
        }
        response = self.api.as_org("samr", "POST", "/v1/organisations", json=data)
        assert response.status_code == 201, response.text
        self.api.keys[handle] = response.json()["api_key"]


@pytest.fixture
def enforcement(api: Api) -> Enforcement:
    return Enforcement(api)


__all__ = ["MP4", "Enforcement", "findings", "png"]
