"""``suyuan up --demo``'s food business permits (食品经营许可): four applications made through the
running API as their applicants and the demo regulator would make them.

One awaits acceptance, one is permitted and in force, one permitted and then suspended (with its
reason), one permitted and then revoked. Their application numbers, query codes and the permits'
check pages go to ``permits-demo.json`` in the data directory; a later run returns what the
first one wrote.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from trace_api.orgs import with_check_character
from trace_api.services import Services

from .filings import PDF, picture, write_private

DEMO_FILE = "permits-demo.json"

#: (business format, name, number of its credit code, legal representative, premises, division, items).
APPLICATIONS = (
    ("catering", "上海德兴馆餐饮有限公司", 1, "沈国强", "上海市黄浦区广东路 471 号", "310101",
     ["热食类食品制售", "冷食类食品制售"]),
    ("food_sales", "上海第一食品商店有限公司", 2, "刘敏", "上海市黄浦区南京东路 720 号",
     "310101", ["预包装食品销售", "散装食品销售"]),
    ("catering", "上海小杨生煎餐饮管理有限公司", 3, "杨东", "上海市徐汇区虹桥路 3 号",
     "310104", ["热食类食品制售"]),
    ("canteen", "上海市徐汇区某中学食堂", 4, "陈静", "上海市徐汇区漕溪北路 200 号",
     "310104", ["热食类食品制售"]),
)  # fmt: skip


def seed_permits(services: Services, http: httpx.Client, regulator_key: str) -> dict[str, Any]:
    """Seeds the demo permits once through the API at ``http``; later calls return what the first wrote."""
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    regulator = {"Authorization": f"Bearer {regulator_key}"}

    def call(method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = http.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json()

    def permitted(number: str) -> None:
        for decision, opinion in (
            ("accept", "材料齐全，予以受理。"),
            ("examine", "经现场核查，经营场所与申请材料一致，符合要求。"),
            ("approve", "符合食品经营许可条件，准予许可。"),
        ):
            call(
                "POST",
                f"/v1/permits/{number}/reviews",
                regulator,
                json={"decision": decision, "opinion": opinion},
            )

    def changed(number: str, action: str, reason: str) -> None:
        call(
            "POST",
            f"/v1/permits/{number}/certificate-actions",
            regulator,
            json={"action": action, "reason": reason},
        )

    filed = [call("POST", "/v1/permits", {}, data=_form(*a), files=_materials(a[1])) for a in APPLICATIONS]
    _awaiting, in_force, suspended, revoked = (f["id"] for f in filed)
    for number in (in_force, suspended, revoked):
        permitted(number)
    changed(suspended, "suspend", "日常检查发现后厨虫害防治不到位，责令停业整改。")
    changed(revoked, "revoke", "经查以提供虚假材料方式取得许可，依法撤销。")
    checks = {}
    for number in (in_force, suspended, revoked):
        certificate = call("GET", f"/v1/permits/{number}", regulator)["certificate"]
        checks[number] = services.settings.public_url + certificate["verification_path"]
    info = {
        "permits": [
            {
                "application_number": f["id"],
                "business_name": f["business_name"],
                "query_code": f["query_code"],
                "check_url": checks.get(f["id"]),
            }
            for f in filed
        ],
        "console": "/console/permits",
    }
    write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def _form(
    business_format: str,
    name: str,
    n: int,
    representative: str,
    premises: str,
    division: str,
    items: list[str],
) -> dict[str, Any]:
    return {
        "business_format": business_format,
        "business_name": name,
        "uscc": with_check_character(f"91310000MA1P{n:05d}"),
        "legal_representative": representative,
        "premises": premises,
        "division_code": division,
        "jurisdiction": "Shanghai",
        "phone": f"021-6{n:07d}",
        "items": items,
        "declaration": "true",
    }


def _materials(name: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        ("business_licence", ("营业执照.png", picture(f"营业执照 {name}"), "image/png")),
        ("id_document", ("法定代表人身份证明.png", picture(f"身份证明 {name}"), "image/png")),
        ("premises_proof", ("经营场所证明.pdf", PDF, "application/pdf")),
        ("layout", ("设备布局和操作流程.pdf", PDF + name.encode(), "application/pdf")),
        ("safety_rules", ("食品安全管理制度.pdf", PDF + b"rules", "application/pdf")),
    ]
