"""``suyuan up --demo``'s mobile enforcement (移动执法): one inspector of the demo regulator, with a
signing key of their own, inspects a restaurant on site through the running API as their phone
would: findings with a photo, the inspection record (现场检查笔录) and an order to rectify
(责令改正通知书) signed with the inspector's key (made here, in the data directory, as it would be
on the inspector's phone: the server only ever sees the public key) and countersigned by the
restaurant. What it made goes to ``enforcement-demo.json``; a later run returns what the first
one wrote.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trace_api.orgs import with_check_character
from trace_api.services import Services

from .filings import picture, write_private

DEMO_FILE = "enforcement-demo.json"
KEY_FILE = "enforcement-demo-inspector.pem"
RESTAURANT = "demo-restaurant"


def seed_enforcement(services: Services, http: httpx.Client, regulator_key: str) -> dict[str, Any]:
    """Seeds the demo inspection and its signed documents once; later calls return what the first wrote."""
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))

    def call(key: str, method: str, url: str, **kwargs: Any) -> Any:
        response = http.request(method, url, headers={"Authorization": f"Bearer {key}"}, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json() if "json" in response.headers.get("content-type", "") else response.content

    restaurant = {
        "handle": RESTAURANT, "name": "上海绿波廊酒楼有限公司", "org_type": "restaurant",
        "uscc": with_check_character("91310000MA1Q00001"), "jurisdiction": "Shanghai",
        "position": {"latitude": 31.2275, "longitude": 121.4920, "address": "上海市黄浦区豫园路 115 号"},
    }  # fmt: skip
    restaurant_key = call(regulator_key, "POST", "/v1/organisations", json=restaurant)["api_key"]
    added = call(
        regulator_key,
        "POST",
        "/v1/enforcement/inspectors",
        json={"name": "李明", "badge_no": "31010020260001"},
    )
    inspector = added["api_key"]
    signing_key = Ed25519PrivateKey.generate()
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private(services.settings.data_dir / KEY_FILE, pem.decode())
    public = signing_key.public_key().public_bytes_raw().hex()
    call(inspector, "PUT", "/v1/enforcement/inspectors/me/signing-key", json={"public_key": public})

    photo = picture("冷藏柜温度 9 °C")
    photo_sha = hashlib.sha256(photo).hexdigest()
    failing = {"C5": ("冷藏柜实测温度 9 °C，超过 0–8 °C 要求；生熟食品混放。", [photo_sha])}
    findings = [
        {"item": item, "result": "fail", "note": failing[item][0], "evidence": failing[item][1]}
        if item in failing
        else {"item": item, "result": "pass"}
        for item in ("C1", "C2", "C3", "C4", "C5", "C6")
    ]
    inspection = {
        "client_id": uuid.uuid4().hex, "template": "catering", "party": RESTAURANT, "findings": findings,
        "summary": "后厨整体整洁，从业人员健康证明齐全；冷藏设施温度超标。",
    }  # fmt: skip
    recorded = call(
        inspector, "POST", "/v1/enforcement/inspections",
        data={"inspection": json.dumps(inspection, ensure_ascii=False)},
        files=[("evidence", ("冷藏柜.png", photo, "image/png"))],
    )  # fmt: skip
    number = recorded["id"]
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=15)).date().isoformat()
    orders = (
        {"kind": "inspection_record"},
        {
            "kind": "rectification_order",
            "deadline": deadline,
            "requirements": "调整冷藏柜温度至 0–8 °C，生熟分开存放，并建立温度记录。",
        },
    )
    documents = []
    for body in orders:
        document = call(inspector, "POST", f"/v1/enforcement/inspections/{number}/documents", json=body)
        pdf = call(inspector, "GET", f"/v1/enforcement/documents/{document['id']}/pdf")
        signature = {
            "signature": base64.b64encode(signing_key.sign(pdf)).decode(),
            "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        }
        call(inspector, "POST", f"/v1/enforcement/documents/{document['id']}/signature", json=signature)
        call(
            inspector, "POST", f"/v1/enforcement/documents/{document['id']}/countersignature",
            data={"signer_name": "王经理"},
            files={"signature_image": ("签名.png", picture("王经理"), "image/png"),
                   "photo": ("签收.png", picture("签收现场"), "image/png")},
        )  # fmt: skip
        documents.append(
            {"id": document["id"], "kind": body["kind"],
             "check_url": services.settings.public_url + document["verification_path"]}
        )  # fmt: skip
    info = {
        "inspector": {
            "name": "李明",
            "badge_no": "31010020260001",
            "api_key": inspector,
            "signing_key_file": KEY_FILE,
        },
        "party": {"handle": RESTAURANT, "api_key": restaurant_key},
        "inspection": number,
        "documents": documents,
        "console": "/console/enforcement",
    }
    write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info
