"""Filings over the real trace API (real anvil, database and ledger): applicants, materials, steps."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from PIL import Image

from tests.api.conftest import Api, make_uscc
from tests.api.conftest import api as api  # the trace API (a fixture)
from trace_api.filings.inputs import id_check_character

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def id_number(first17: str = "31011519900307123") -> str:
    """A resident identity card number with its check character."""
    return first17 + id_check_character(first17)


def png(colour: str = "white", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def application(**overrides: Any) -> dict[str, Any]:
    """A small restaurant's application form (fields only)."""
    form: dict[str, Any] = {
        "business_type": "small_restaurant",
        "business_name": "老王面馆",
        "address": "上海市浦东新区张杨路 100 号",
        "division_code": "310115",
        "jurisdiction": "Shanghai",
        "operator_name": "王建国",
        "operator_id_number": id_number(),
        "phone": "13800138000",
        "categories": ["热食类食品制售", "冷食类食品制售"],
        "employees": "3",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def materials(
    *, layout: bool = True, extra: list[tuple[str, tuple[str, bytes, str]]] | None = None
) -> list[Any]:
    files: list[Any] = [
        ("id_document", ("身份证.png", png("white"), "image/png")),
        ("premises_proof", ("租赁合同.pdf", PDF, "application/pdf")),
        ("health_certificates", ("健康证-1.jpg", _jpeg(), "image/jpeg")),
        ("health_certificates", ("健康证-2.png", png("grey"), "image/png")),
    ]
    if layout:
        files.append(("layout", ("布局图.pdf", PDF + b"layout", "application/pdf")))
    return files + (extra or [])


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "JPEG")
    return out.getvalue()


@dataclass
class Filings:
    """Acting on filings through the API as a member (by handle) or as a person (by query code)."""

    api: Api
    codes: dict[str, str] = field(default_factory=dict)

    def submit(self, handle: str | None = None, files: list[Any] | None = None, **overrides: Any) -> Any:
        headers = self.api.headers(handle) if handle else {}
        return self.api.client.post(
            "/v1/filings",
            data=application(**overrides),
            files=materials() if files is None else files,
            headers=headers,
        )

    def submitted(self, handle: str | None = None, **overrides: Any) -> str:
        """A new filing's acceptance number (a person's query code kept in ``codes``)."""
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
        return self.api.client.request(method, f"/v1/filings/{number}{path}", headers=headers, **kwargs)

    def get(self, number: str, handle: str = "samr") -> dict[str, Any]:
        response = self.api.as_org(handle, "GET", f"/v1/filings/{number}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def review(
        self, number: str, decision: str, opinion: str = "材料齐全。", handle: str = "samr", **body: Any
    ) -> Any:
        return self.api.as_org(
            handle,
            "POST",
            f"/v1/filings/{number}/reviews",
            json={"decision": decision, "opinion": opinion, **body},
        )

    def reviewed(
        self, number: str, decision: str, opinion: str = "材料齐全。", **body: Any
    ) -> dict[str, Any]:
        response = self.review(number, decision, opinion, **body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def approved(self, handle: str | None = None, **overrides: Any) -> str:
        number = self.submitted(handle, **overrides)
        self.reviewed(number, "accept", "受理。")
        self.reviewed(number, "approve", "经审查符合要求，准予登记。")
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
def filings(api: Api) -> Filings:
    return Filings(api)
