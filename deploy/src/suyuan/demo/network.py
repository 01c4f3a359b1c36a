"""``suyuan up --demo``: a small demo network, seeded once through the running API.

An importer of frozen shrimp with its certificates, a wholesaler, two retailers and a regulator,
each positioned in Shanghai for the regulators' map (WGS-84, approximate district locations); codes
issued, the lot shipped and received; the wholesaler splits off a child lot with half the
items, ships it to a retailer, who sells some of them; small food business filings at different
steps (:mod:`.filings`); food business permits in force, suspended and revoked (:mod:`.permits`); a catering
self-inspection campaign with a rectification under review and a data-quality flag (:mod:`.selfcheck`).
The organisations, their roles and API keys go to ``demo.json`` in the data directory so that
scripts can drive it.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from trace_api.orgs import (
    Organisation,
    OrganisationIn,
    admit_organisation,
    issue_api_key,
    with_check_character,
)
from trace_api.services import Services, writing

from .enforcement import seed_enforcement
from .equipment import seed_equipment
from .filings import seed_filings
from .permits import seed_permits
from .selfcheck import seed_selfcheck

DEMO_FILE = "demo.json"
GTIN = "06901234567892"
LOT = "SH2026-11"
ORGS = [
    ("demo-haixian", "Haixian Import Co. 海鲜进口有限公司", "importer"),
    ("demo-wholesale", "Jiangqiao Wholesale Market 江桥批发", "wholesaler"),
    ("demo-shop-a", "Fresh Mart Xuhui 徐汇鲜超", "retailer"),
    ("demo-shop-b", "Fresh Mart Pudong 浦东鲜超", "retailer"),
]
#: Where each demo organisation is: plausible points in its district, not real premises.
POSITIONS = {
    "demo-samr": {"latitude": 31.2304, "longitude": 121.4737, "address": "黄浦区 Huangpu District"},
    "demo-haixian": {"latitude": 30.6267, "longitude": 122.0647, "address": "洋山深水港 Yangshan Port"},
    "demo-wholesale": {"latitude": 31.2497, "longitude": 121.3235, "address": "嘉定区江桥镇 Jiangqiao"},
    "demo-shop-a": {"latitude": 31.1942, "longitude": 121.4372, "address": "徐汇区 Xuhui District"},
    "demo-shop-b": {"latitude": 31.2253, "longitude": 121.5442, "address": "浦东新区 Pudong"},
}


def _uscc(n: int) -> str:
    body = f"91310000MA1K{n:05d}"
    return with_check_character(body)


def seed_demo(services: Services, api_url: str) -> dict[str, Any]:
    """Seeds the demo network once; later calls return what the first one wrote."""
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    keys = {"demo-samr": _regulator_key(services)}
    with httpx.Client(base_url=api_url, timeout=60) as http:
        demo = _Demo(http, keys)
        organisations = [
            demo.admit(handle, name, kind, i) for i, (handle, name, kind) in enumerate(ORGS, start=1)
        ]
        codes = demo.run_story()
        organisations += seed_equipment(demo)
        seed_filings(services, http, keys["demo-samr"])
        seed_permits(services, http, keys["demo-samr"])
        seed_selfcheck(services, http, keys["demo-samr"])
        seed_enforcement(services, http, keys["demo-samr"])
    info = {
        "api_url": api_url,
        "consumer_url": api_url + "/01/" + codes[0].split("/01/", 1)[1],
        "sold_consumer_url": api_url + "/01/" + codes[-1].split("/01/", 1)[1],
        "organisations": [
            {"handle": "demo-samr", "type": "regulator", "api_key": keys["demo-samr"]},
            *organisations,
        ],
    }
    _write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def _regulator_key(services: Services) -> str:
    with writing(services) as session:
        existing = session.exec(select(Organisation).where(Organisation.handle == "demo-samr")).first()
        if existing is not None:
            return issue_api_key(session, existing, "demo", "member")
    data = OrganisationIn.model_validate(
        {
            "handle": "demo-samr",
            "name": "Shanghai Market Regulation 上海市场监管局",
            "org_type": "regulator",
            "uscc": _uscc(0),
            "jurisdiction": "Shanghai",
            "position": POSITIONS["demo-samr"],
        }
    )
    return admit_organisation(services, data)[1]


class _Demo:
    def __init__(self, http: httpx.Client, keys: dict[str, str]) -> None:
        self.http, self.keys = http, keys

    def call(self, handle: str, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(
            method, url, headers={"Authorization": f"Bearer {self.keys[handle]}"}, **kwargs
        )
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json()

    def admit(self, handle: str, name: str, kind: str, n: int) -> dict[str, Any]:
        body = {
            "handle": handle,
            "name": name,
            "org_type": kind,
            "uscc": _uscc(n),
            "jurisdiction": "Shanghai",
            "position": POSITIONS[handle],
        }
        answer = self.call("demo-samr", "POST", "/v1/organisations", json=body)
        self.keys[handle] = answer["api_key"]
        org = answer["organisation"]
        return {
            "handle": handle,
            "type": kind,
            "uscc": org["uscc"],
            "chain_address": org["chain_address"],
            "api_key": answer["api_key"],
        }

    def scan(self, handle: str, **body: Any) -> None:
        self.call(handle, "POST", "/v1/scans", json={"location": "Shanghai", **body})

    def run_story(self) -> list[str]:
        certificates = []
        for kind in ("quarantine", "nucleic_acid_test", "disinfection"):
            content = f"{kind} certificate for lot {LOT} ({secrets.token_hex(4)})".encode()
            doc = self.call(
                "demo-haixian",
                "POST",
                "/v1/documents",
                files={"file": (f"{kind}.txt", content, "text/plain")},
            )
            certificates.append(
                {
                    "cert_type": kind,
                    "number": f"{kind[:3].upper()}-{LOT}",
                    "issuer": "GACC Shanghai",
                    "issued_on": "2026-11-01",
                    "result": "negative" if kind == "nucleic_acid_test" else "pass",
                    "document_sha256": doc["sha256"],
                }
            )
        batch = self.call(
            "demo-haixian",
            "POST",
            "/v1/batches",
            json={
                "gtin": GTIN,
                "lot": LOT,
                "product_name": "Frozen white shrimp 冻南美白对虾",
                "quantity": 1000,
                "unit": "KGM",
                "storage_class": "frozen",
                "imported": True,
                "origin_country": "EC",
                "producer": "Camaronera del Pacifico S.A.",
                "establishment_number": "EC-1234",
                "production_date": "2026-09-01",
                "expiry_date": "2027-09-01",
                "customs_declaration": "223320261000123456",
                "certificates": certificates,
            },
        )
        codes = self.call("demo-haixian", "POST", f"/v1/batches/{batch['id']}/codes", json={"count": 20})[
            "codes"
        ]
        self.scan("demo-haixian", action="ship", batch_id=batch["id"], counterparty="demo-wholesale")
        self.scan("demo-wholesale", action="receive", batch_id=batch["id"])
        child = {"lot": f"{LOT}A", "quantity": 300, "codes": codes[10:]}  # half the items go with it
        self.scan("demo-wholesale", action="split", batch_id=batch["id"], children=[child])
        child_id = f"{GTIN}.{child['lot']}"
        self.scan("demo-wholesale", action="ship", batch_id=child_id, counterparty="demo-shop-a")
        self.scan("demo-shop-a", action="receive", batch_id=child_id)
        for code in codes[-3:]:
            self.scan("demo-shop-a", action="sell", code=code)
        return [str(codes[0]), str(codes[-1])]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
