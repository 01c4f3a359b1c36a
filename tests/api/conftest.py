"""The trace API over a real anvil deployment, a real database and the real ledger."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from chain import ChainClient, Keystore, Role
from evidence import open_ledger
from tests.conftest import Network
from trace_api.app import create_app
from trace_api.chainops import ChainWorker
from trace_api.orgs import with_check_character
from trace_api.orgs.service import OrganisationIn, admit_organisation
from trace_api.services import Services
from trace_api.settings import ServiceSettings

_serial = itertools.count(1)


def make_uscc() -> str:
    body = f"91310000MA{next(_serial):07d}"
    return with_check_character(body)


@dataclass
class Api:
    """A test client plus helpers to act as one organisation or another."""

    client: TestClient
    services: Services
    regulator_key: str
    keys: dict[str, str] = field(default_factory=dict)
    chain_worker: ChainWorker | None = None

    def mined(self) -> None:
        """Waits until every chain call the committed facts owe has been sent and mined."""
        assert self.chain_worker is not None
        self.chain_worker.drain()

    def headers(self, handle: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[handle]}"}

    def as_org(self, handle: str, method: str, url: str, **kwargs: Any) -> Any:
        return self.client.request(method, url, headers=self.headers(handle), **kwargs)

    def add_org(self, handle: str, org_type: str) -> dict[str, Any]:
        data = {
            "handle": handle,
            "name": f"{handle} Co.",
            "org_type": org_type,
            "uscc": make_uscc(),
            "jurisdiction": "Shanghai",
        }
        response = self.client.post("/v1/organisations", json=data, headers=self.headers("samr"))
        assert response.status_code == 201, response.text
        self.keys[handle] = response.json()["api_key"]
        return dict(response.json()["organisation"])

    def upload(self, handle: str, content: bytes, name: str = "cert.pdf") -> str:
        response = self.as_org(
            handle, "POST", "/v1/documents", files={"file": (name, content, "application/pdf")}
        )
        assert response.status_code in (200, 201), response.text  # 200: uploaded before
        digest = response.json()["sha256"]
        assert digest == hashlib.sha256(content).hexdigest()
        return str(digest)


@pytest.fixture
def api(tmp_path: Path, network: Network, migrated_database_url: str, mqtt_url: str) -> Iterator[Api]:
    # The chain tests' members are no organisations of the API: the reconciler would report them.
    for member in (network.importer, network.trader_a, network.trader_b):
        role = Role.IMPORTER if member is network.importer else Role.TRADER
        network.client.revoke_member(network.regulator, member.address, role)
    with serve_api(tmp_path, network.client, network.regulator, migrated_database_url, mqtt_url) as api:
        yield api


@contextmanager
def serve_api(
    tmp_path: Path, chain: ChainClient, regulator: LocalAccount, database_url: str, mqtt_url: str
) -> Iterator[Api]:
    """The trace API over ``chain`` (deployed by ``regulator``) with a regulator organisation ``samr``."""
    settings = ServiceSettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        mqtt_url=mqtt_url,
        webhook_allow_http=True,  # the test receivers (tests/_webhooks.py) listen on http://127.0.0.1
        webhook_allow_private=True,
    )
    ledger = open_ledger(settings)
    keystore = Keystore(settings.keys_dir, "test", scrypt_n=2**10)
    services = Services(settings, ledger.engine, ledger, chain, keystore, regulator)
    services.create_tables()
    regulator_in = OrganisationIn(
        handle="samr",
        name="Market Regulator",
        org_type="regulator",  # type: ignore[arg-type]
        uscc=make_uscc(),
        jurisdiction="Shanghai",
    )
    _, key = admit_organisation(services, regulator_in)
    worker = ChainWorker(services)
    worker.drain()  # samr holds its role on chain before the first request
    stop_worker = worker.start()  # as `suyuan up` runs it: chain calls go after commit
    try:
        with TestClient(create_app(services)) as client:
            yield Api(client, services, key, {"samr": key}, worker)
    finally:
        stop_worker()
        services.engine.dispose()  # PostgreSQL has a limited number of connections


def batch_payload(
    api: Api, handle: str, *, lot: str = "L2026-001", certificates: list[str] | None = None
) -> dict[str, Any]:
    """A frozen imported shrimp batch with every certificate cold-chain import needs."""
    kinds = certificates if certificates is not None else ["quarantine", "nucleic_acid_test", "disinfection"]
    return admission_body(lot, {kind: api.upload(handle, f"{kind} {lot}".encode()) for kind in kinds})


def admission_body(lot: str, documents: dict[str, str], gtin: str = "09506000134352") -> dict[str, Any]:
    """An admission of frozen imported shrimp citing ``documents`` (certificate kind → document SHA-256)."""
    return {
        "gtin": gtin,
        "lot": lot,
        "product_name": "Frozen white shrimp 冻南美白对虾",
        "quantity": 1200,
        "unit": "KGM",
        "storage_class": "frozen",
        "imported": True,
        "origin_country": "EC",
        "producer": "Camaronera del Pacifico S.A.",
        "establishment_number": "EC-1234",
        "production_date": "2026-09-01",
        "expiry_date": "2027-09-01",
        "customs_declaration": "223320261000123456",
        "certificates": [
            {
                "cert_type": kind,
                "number": f"{kind[:3].upper()}-{lot}",
                "issuer": "GACC Shanghai",
                "issued_on": "2026-10-20",
                "result": "negative" if kind == "nucleic_acid_test" else "pass",
                "document_sha256": sha,
            }
            for kind, sha in documents.items()
        ],
    }
