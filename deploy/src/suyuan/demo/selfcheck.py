"""``suyuan up --demo``'s enterprise self-inspection (企业自查): a catering checklist and a daily
campaign from today, made through the running API by the demo regulator, and three restaurants'
submissions made as the restaurants would make them.

One restaurant passes every item; one fails the cold-storage item, reports it rectified with a
photo and awaits the regulator's remote review; one submits a photo that the first one's
submission already carried, so data supervision opens an on-site inspection task and an alert.
What was made goes to ``selfcheck-demo.json`` in the data directory; a later run returns what the
first one wrote.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import httpx
from PIL import Image, ImageDraw

from trace_api.orgs import with_check_character
from trace_api.paperwork.applicants import china_date
from trace_api.services import Services

from .filings import write_private

DEMO_FILE = "selfcheck-demo.json"
RESTAURANTS = (
    ("demo-laozhengxing", "上海老正兴菜馆 Laozhengxing"),
    ("demo-xinghualou", "杏花楼 Xinghualou"),
    ("demo-wangjiasha", "王家沙点心店 Wangjiasha"),
)
ITEMS = [
    {"code": "licence_displayed", "text": "食品经营许可证在经营场所显著位置悬挂或摆放",
     "basis": "《中华人民共和国食品安全法》第三十五条", "photo_required": True},
    {"code": "staff_health", "text": "从业人员持有有效健康证明，上岗前晨检并记录",
     "basis": "《中华人民共和国食品安全法》第四十五条", "photo_required": False},
    {"code": "cold_storage", "text": "冷藏设施温度不高于 8 °C，生熟分开存放",
     "basis": "《餐饮服务食品安全操作规范》", "photo_required": True},
    {"code": "disinfection", "text": "餐用具清洗消毒后保洁存放，消毒记录完整",
     "basis": "《中华人民共和国食品安全法》第三十三条", "photo_required": False},
    {"code": "pest_control", "text": "防鼠、防蝇、防虫设施完好有效",
     "basis": "《餐饮服务食品安全操作规范》", "photo_required": False},
]  # fmt: skip


def photo(n: int) -> bytes:
    """A plain picture standing for a photo taken on the premises; each ``n`` its own bytes."""
    image = Image.new("RGB", (320 + n, 240), (236, 240, 244))
    ImageDraw.Draw(image).rectangle((30, 40, 150 + n, 200), fill=(90, 140, 120))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class _Caller:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(self, key: str, method: str, url: str, **kwargs: Any) -> Any:
        response = self.http.request(method, url, headers={"Authorization": f"Bearer {key}"}, **kwargs)
        if response.status_code >= 300:
            raise RuntimeError(f"demo step {method} {url} failed: {response.status_code} {response.text}")
        return response.json()

    def upload(self, key: str, data: bytes) -> str:
        return str(
            self(key, "POST", "/v1/documents", files={"file": ("photo.png", data, "image/png")})["sha256"]
        )


def seed_selfcheck(services: Services, http: httpx.Client, regulator_key: str) -> dict[str, Any]:
    """Seeds the demo self-inspection once through the API at ``http``; later calls return what the
    first wrote."""
    path = services.settings.data_dir / DEMO_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    call = _Caller(http)
    keys = {}
    for n, (handle, name) in enumerate(RESTAURANTS, start=1):
        body = {
            "handle": handle, "name": name, "org_type": "restaurant",
            "uscc": with_check_character(f"91310000MA1T{n:05d}"), "jurisdiction": "Shanghai",
        }  # fmt: skip
        keys[handle] = call(regulator_key, "POST", "/v1/organisations", json=body)["api_key"]
    checklist = call(regulator_key, "POST", "/v1/selfcheck/checklists", json={
        "code": "catering-daily", "industry": "catering", "title": "餐饮服务食品安全日常自查要点表",
        "items": ITEMS,
    })  # fmt: skip
    today = china_date(dt.datetime.now(dt.UTC))
    campaign = call(regulator_key, "POST", "/v1/selfcheck/campaigns", json={
        "title": "餐饮服务食品安全日常自查", "checklist": checklist["id"], "frequency": "daily",
        "starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=30)).isoformat(),
    })  # fmt: skip
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=12)).isoformat()
    photos = {handle: [call.upload(keys[handle], photo(3 * i + j)) for j in range(2)]
              for i, handle in enumerate(keys)}  # fmt: skip
    # The third restaurant's cold-storage photo is the first one's, uploaded again.
    photos["demo-wangjiasha"][1] = call.upload(keys["demo-wangjiasha"], photo(1))

    def submit(handle: str, failing: str | None = None) -> dict[str, Any]:
        licence, storage = photos[handle]
        answers = [
            {"item": item["code"], "passed": item["code"] != failing,
             **({"photo": licence if item["code"] == "licence_displayed" else storage}
                if item["photo_required"] else {})}
            for item in ITEMS
        ]  # fmt: skip
        if failing:
            answers[2]["note"] = "冷藏柜温度 11 °C，压缩机故障"
        url = f"/v1/selfcheck/campaigns/{campaign['id']}/submissions"
        return dict(call(keys[handle], "POST", url, json={"started_at": started, "answers": answers}))

    submit("demo-laozhengxing")
    [rectification] = submit("demo-xinghualou", failing="cold_storage")["rectifications"]
    evidence = call.upload(keys["demo-xinghualou"], photo(99))
    call(keys["demo-xinghualou"], "POST", f"/v1/selfcheck/rectifications/{rectification}/evidence",
         json={"note": "已更换压缩机，冷藏柜温度恢复至 4 °C", "evidence": [evidence]})  # fmt: skip
    submit("demo-wangjiasha")
    info = {
        "checklist": checklist["id"],
        "campaign": campaign["id"],
        "restaurants": [{"handle": h, "api_key": k} for h, k in keys.items()],
        "rectification_awaiting_review": rectification,
        "console": "/console/selfcheck",
    }
    write_private(path, json.dumps(info, indent=2, ensure_ascii=False) + "\n")
    return info
