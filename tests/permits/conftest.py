"""Food business permits over the real trace API (real anvil, database and ledger): applicants,
materials, review steps and certificate changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.conftest import Api, make_uscc
from tests.api.conftest import api as api  # the trace API (a fixture)
from tests.filings.conftest import PDF, png

LICENCE_USCC = make_uscc()


def application(**overrides: Any) -> dict[str, Any]:
    """A restaurant's application form (fields only)."""
    form: dict[str, Any] = {
        "business_format": "catering",
        "business_name": "上海老正兴菜馆有限公司",
        "uscc": LICENCE_USCC,
        "legal_representative": "周德福",
        "premises": "上海市黄浦区福州路 556 号",
        "division_code": "310101",
        "jurisdiction": "Shanghai",
        "phone": "021-63222624",
        "items": ["热食类食品制售", "冷食类食品制售"],
        "declaration": "true",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def materials(*, leave_out: str | None = None, extra: list[Any] | None = None) -> list[Any]:
    files: list[Any] = [
        ("business_licence", ("营业执照.png", png("white"), "image/png")),
        ("id_document", ("法定代表人身份证.png", png("grey"), "image/png")),
        ("premises_proof", ("房屋租赁合同.pdf", PDF, "application/pdf")),
        ("layout", ("设备布局与操作流程.pdf", PDF + b"layout", "application/pdf")),
        ("safety_rules", ("食品安全管理制度.pdf", PDF + b"rules", "application/pdf")),
    ]
    return [f for f in files if f[0] != leave_out] + (extra or [])


@dataclass
class Permits:
    """Acting on permits through the API as a member (by handle) or as a person (by query code)."""

    api: Api
    codes: dict[str, str] = field(default_factory=dict)

    def submit(self, handle: str | None = None, files: list[Any] | None = None, **overrides: Any) -> Any:
        headers = self.api.headers(handle) if handle else {}
        return self.api.client.post(
            "/v1/permits",
            data=application(**overrides),
            files=materials() if files is None else files,
            headers=headers,
        )

    def submitted(self, handle: str | None = None, **overrides: Any) -> str:
        response = self.submit(handle, **overrides)
        assert response.status_code == 201, response.text
        body = response.json()
        if handle is None:
            self.codes[body["id"]] = body["query_code"]
        return str(body["id"])

    def as_applicant(
        self, number: str, method: str, path: str = "", handle: str | None = None, **kwargs: Any
    ) -> Any:
        headers = self.api.headers(handle) if handle else {"X-Query-Code": self.codes[number]}
        return self.api.client.request(method, f"/v1/permits/{number}{path}", headers=headers, **kwargs)

    def get(self, number: str, handle: str = "samr") -> dict[str, Any]:
        response = self.api.as_org(handle, "GET", f"/v1/permits/{number}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def review(
        self, number: str, decision: str, opinion: str = "同意。", handle: str = "samr", **body: Any
    ) -> Any:
        return self.api.as_org(
            handle,
            "POST",
            f"/v1/permits/{number}/reviews",
            json={"decision": decision, "opinion": opinion, **body},
        )

    def reviewed(self, number: str, decision: str, opinion: str = "同意。", **body: Any) -> dict[str, Any]:
        response = self.review(number, decision, opinion, **body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def act(
        self, number: str, action: str, reason: str = "现场检查发现严重问题。", handle: str = "samr"
    ) -> Any:
        return self.api.as_org(
            handle,
            "POST",
            f"/v1/permits/{number}/certificate-actions",
            json={"action": action, "reason": reason},
        )

    def acted(self, number: str, action: str, reason: str = "现场检查发现严重问题。") -> dict[str, Any]:
        response = self.act(number, action, reason)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def approved(self, handle: str | None = None, valid_years: int = 5, **overrides: Any) -> str:
        number = self.submitted(handle, **overrides)
        self.reviewed(number, "accept", "材料齐全，予以受理。")
        self.reviewed(number, "examine", "经现场核查，经营场所与申请材料一致。")
        self.reviewed(number, "approve", "符合条件，准予许可。", valid_years=valid_years)
        return number

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
def permits(api: Api) -> Permits:
    return Permits(api)
