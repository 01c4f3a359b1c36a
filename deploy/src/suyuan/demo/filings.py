"""``suyuan up --demo``'s small food business filings (三小一摊): five applications at different steps,
made through the running API as their applicants and the demo regulator would make them.

Each is a person's application (no membership: the answer's query code follows it). One awaits
acceptance, one awaits the applicant's supplement, one was supplemented and is under review, one
is registered with a certificate and a daily inspection, one was refused. Their acceptance
numbers, query codes and the certificate's check page go to ``filings-demo.json`` in the data
directory; a later run returns what the first one wrote.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw

from trace_api.filings import id_check_character
from trace_api.services import Services

DEMO_FILE = "filings-demo.json"
REGULATOR = "demo-samr"
#: A minimal PDF: what a scanned contract or floor plan would be, for the demo.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: (business type, name, address, division, operator, birth date digits, phone, categories).
APPLICATIONS = (
    ("small_restaurant", "老王面馆", "上海市徐汇区漕溪北路 88 号", "310104", "王建国", "19750312",
     "13800138001", ["热食类食品制售"]),
    ("workshop", "张记豆腐坊", "上海市浦东新区川沙路 1200 号", "310115", "张秀英", "19680704", "13900139002",
     ["豆制品制作"]),
    ("small_shop", "李家便利店", "上海市黄浦区西藏南路 35 号", "310101", "李明", "19880921", "13700137003",
     ["预包装食品销售", "散装食品销售"]),
    ("stall", "赵记煎饼摊", "上海市静安区共和新路 2000 号北侧", "310106", "赵强", "19920105", "13600136004",
     ["煎饼果子现场制售"]),
    ("small_restaurant", "陈记馄饨", "上海市长宁区天山路 600 号", "310105", "陈丽", "19810817", "13500135005",
     ["热食类食品制售", "冷食类食品制售"]),
)  # fmt: skip


def seed_filings(services: Services, http: httpx.Client, regulator_key: str) -> dict[str, Any]:
    """Seeds the demo filings once through the API at ``http``; later calls return what the first wrote."""
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    regulator = {"Authorization": f"Bearer {regulator_key}"}

    def call(method: str, url: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = http.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json()

    def review(number: str, decision: str, opinion: str, **extra: Any) -> None:
        call(
            "POST",
            f"/v1/filings/{number}/reviews",
            regulator,
            json={"decision": decision, "opinion": opinion, **extra},
        )

    filed = [
        call("POST", "/v1/filings", {}, data=_form(*a), files=_materials(a[1], a[0])) for a in APPLICATIONS
    ]
    _awaiting, tofu, shop, stall, wonton = (f["id"] for f in filed)
    review(tofu, "accept", "材料齐全，予以受理。")
    review(tofu, "request_more", "生产工艺流程图不清晰，请补交清晰的工艺流程图。", requested=["layout"])
    review(wonton, "request_more", "请补交全部从业人员的健康证明。", requested=["health_certificate"])
    supplement = {"X-Query-Code": filed[4]["query_code"]}
    files = [("health_certificates", ("健康证-帮工.png", picture("健康证明 帮工"), "image/png"))]
    call(
        "POST",
        f"/v1/filings/{wonton}/supplements",
        supplement,
        data={"note": "已补交帮工的健康证明。"},
        files=files,
    )
    review(wonton, "accept", "补正后材料齐全，予以受理。")
    review(shop, "accept", "材料齐全，予以受理。")
    review(shop, "approve", "经审查符合要求，准予登记。")
    items = [
        {"name": "登记证悬挂公示", "passed": True},
        {"name": "进货查验并记录", "passed": True},
        {"name": "食品与废弃物、有毒有害物品分开存放", "passed": True},
    ]
    call(
        "POST",
        f"/v1/filings/{shop}/inspections",
        regulator,
        json={"result": "pass", "items": items, "notes": "日常检查未发现问题。"},
    )
    review(stall, "refuse", "申请经营地点不在区政府划定的食品摊贩经营区域内，不符合登记条件。")
    certificate = call("GET", f"/v1/filings/{shop}", regulator)["certificate"]
    info = {
        "filings": [
            {"acceptance_number": f["id"], "business_name": f["business_name"], "query_code": f["query_code"]}
            for f in filed
        ],
        "certificate": certificate["number"],
        "certificate_check_url": services.settings.public_url + certificate["verification_path"],
        "console": "/console/filings",
    }
    write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info


def _form(
    business_type: str,
    name: str,
    address: str,
    division: str,
    operator: str,
    born: str,
    phone: str,
    categories: list[str],
) -> dict[str, Any]:
    first17 = f"{division}{born}{sum(map(ord, name)) % 1000:03d}"
    return {
        "business_type": business_type,
        "business_name": name,
        "address": address,
        "division_code": division,
        "jurisdiction": "Shanghai",
        "operator_name": operator,
        "operator_id_number": first17 + id_check_character(first17),
        "phone": phone,
        "categories": categories,
        "employees": "2",
    }


def _materials(name: str, business_type: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    files = [
        ("id_document", ("身份证.png", picture(f"身份证明 {name}"), "image/png")),
        ("premises_proof", ("租赁合同.pdf", PDF, "application/pdf")),
        ("health_certificates", ("健康证.png", picture(f"健康证明 {name}"), "image/png")),
    ]
    if business_type in ("workshop", "small_restaurant"):
        files.append(("layout", ("布局与流程.pdf", PDF + name.encode(), "application/pdf")))
    return files


def picture(text: str) -> bytes:
    """A plain picture standing for a scanned document (its text is not drawn: no font needed)."""
    image = Image.new("RGB", (480, 300), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 467, 287), outline=(120, 120, 120), width=3)
    shade = sum(map(ord, text)) % 120
    draw.rectangle((40, 60, 200, 240), fill=(90 + shade, 120, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(text, encoding="utf-8")
