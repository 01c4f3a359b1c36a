"""Self-inspection over the real trace API (real anvil, database, ledger and documents store), its
clock moved by the tests (``app.state.selfcheck_clock``): no sleeps, no waiting for a day."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.conftest import api as api  # the trace API (a fixture)
from tests.filings.conftest import png
from trace_api.selfcheck import SelfcheckRules

#: 10:00 China Standard Time on 2 March 2026.
START = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
_sizes = itertools.count(1)

CATERING_ITEMS: list[dict[str, Any]] = [
    {
        "code": "licence_displayed",
        "text": "食品经营许可证在经营场所显著位置悬挂或摆放",
        "basis": "《食品安全法》第三十五条",
        "photo_required": True,
    },
    {
        "code": "staff_health",
        "text": "从业人员持有有效健康证明",
        "basis": "《食品安全法》第四十五条",
        "photo_required": False,
    },
    {
        "code": "cold_storage",
        "text": "冷藏设施温度符合要求，生熟分开存放",
        "basis": "《餐饮服务食品安全操作规范》",
        "photo_required": True,
    },
    {
        "code": "disinfection",
        "text": "餐用具清洗消毒并保洁存放",
        "basis": "《食品安全法》第三十三条",
        "photo_required": False,
    },
]


def photo() -> bytes:
    """A picture no other call returns."""
    n = next(_sizes)
    return png("white", (40 + n % 500, 30 + n // 500))


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Selfcheck:
    """Acting on self-inspection through the API as one organisation or another, at the clock's time."""

    api: Api
    clock: Clock
    rules: SelfcheckRules = field(default_factory=lambda: SelfcheckRules(seconds_per_item=10, all_pass_run=3))

    def __post_init__(self) -> None:
        self.api.client.app.state.selfcheck_clock = self.clock  # type: ignore[attr-defined]
        self.api.client.app.state.selfcheck_rules = self.rules  # type: ignore[attr-defined]

    def post(self, handle: str, path: str, body: dict[str, Any]) -> Any:
        return self.api.as_org(handle, "POST", f"/v1/selfcheck{path}", json=body)

    def get(self, handle: str, path: str, **params: Any) -> Any:
        return self.api.as_org(handle, "GET", f"/v1/selfcheck{path}", params=params)

    def ok(self, response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return dict(response.json())

    def checklist(
        self, handle: str = "samr", code: str = "catering-daily", **overrides: Any
    ) -> dict[str, Any]:
        body = {
            "code": code,
            "industry": "catering",
            "title": "餐饮服务日常自查要点表",
            "items": CATERING_ITEMS,
        }
        return self.ok(self.post(handle, "/checklists", {**body, **overrides}))

    def campaign(self, checklist: str, handle: str = "samr", **overrides: Any) -> dict[str, Any]:
        body = {
            "title": "2026年3月餐饮服务日常自查",
            "checklist": checklist,
            "frequency": "daily",
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-31",
        }
        return self.ok(self.post(handle, "/campaigns", {**body, **overrides}))

    def photo(self, handle: str, content: bytes | None = None) -> str:
        return self.api.upload(handle, content if content is not None else photo(), "photo.png")

    def answers(
        self, handle: str, failing: tuple[str, ...] = (), photos: dict[str, str] | None = None
    ) -> list[Any]:
        given = photos or {}
        answers = []
        for item in CATERING_ITEMS:
            code = item["code"]
            answer: dict[str, Any] = {"item": code, "passed": code not in failing}
            if code in given or item["photo_required"]:
                answer["photo"] = given.get(code) or self.photo(handle)
            answers.append(answer)
        return answers

    def submit(self, handle: str, campaign: str, *, seconds: float = 300, **body: Any) -> Any:
        started = self.clock.now - dt.timedelta(seconds=seconds)
        data = {"started_at": started.isoformat(), "answers": body.pop("answers", None), **body}
        if data["answers"] is None:
            data["answers"] = self.answers(handle)
        return self.post(handle, f"/campaigns/{campaign}/submissions", data)

    def submitted(self, handle: str, campaign: str, **body: Any) -> dict[str, Any]:
        return self.ok(self.submit(handle, campaign, **body))


@pytest.fixture
def selfcheck(api: Api) -> Selfcheck:
    return Selfcheck(api, Clock(START))
