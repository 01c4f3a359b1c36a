"""Daily inspections (日常检查) of registered businesses, recorded by the regulators of their
jurisdiction and listed per business, each a ``filing.inspected`` record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.filings.conftest import Filings, png

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ITEMS = [
    {"name": "健康证明在有效期内", "passed": True},
    {"name": "餐具消毒", "passed": False, "note": "消毒柜未通电"},
]


def inspect(filings: Filings, number: str, handle: str = "samr", **body: Any) -> Any:
    return filings.api.as_org(handle, "POST", f"/v1/filings/{number}/inspections", json=body)


def test_inspections_are_recorded_and_listed_newest_first_with_their_photo(filings: Filings) -> None:
    api = filings.api
    number = filings.submitted()
    filings.reviewed(number, "accept", "受理。")
    approved = filings.reviewed(number, "approve", "准予。")
    certificate = approved["certificate"]["number"]
    photo = api.upload("samr", png("red"), "现场.png")

    earlier = approved["decided_at"]  # inspected as it was registered: the earliest time allowed
    first = inspect(filings, number, result="pass", items=ITEMS[:1], notes="首次检查", inspected_at=earlier)
    assert first.status_code == 201, first.text
    second = inspect(
        filings, number, result="rectify", items=ITEMS, notes="责令三日内整改", photo_sha256=photo
    )
    assert second.status_code == 201, second.text
    found = second.json()
    assert (found["result"], found["inspector"], found["items"][1]["note"]) == (
        "rectify",
        "samr",
        "消毒柜未通电",
    )

    listed = filings.as_applicant(number, "GET", "/inspections")
    assert listed.status_code == 200  # the business reads its own inspections
    assert [i["id"] for i in listed.json()["inspections"]] == [found["id"], first.json()["id"]]
    shown = filings.as_applicant(number, "GET", f"/inspections/{found['id']}/photo")
    assert (shown.status_code, shown.content) == (200, png("red"))
    record = api.services.ledger.get(found["record_id"]).record()
    assert record.kind == "filing.inspected"
    assert {(s.type, s.id) for s in record.subjects} >= {
        ("filing", number),
        ("filing_certificate", certificate),
    }
    assert record.payload["photo_sha256"] == photo
    assert [s["kind"] for s in filings.get(number)["history"]][-2:] == [
        "filing.inspected",
        "filing.inspected",
    ]


def test_inspection_result_must_agree_with_its_items(filings: Filings) -> None:
    number = filings.approved()
    passing = inspect(filings, number, result="pass", items=ITEMS)
    assert passing.status_code == 422
    assert passing.json()["errors"] == [{"field": "result", "reason": "is pass, but items failed: 餐具消毒"}]
    failing = inspect(filings, number, result="fail", items=ITEMS[:1])
    assert failing.json()["errors"] == [{"field": "result", "reason": "is fail, but every item passed"}]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"result": "ok", "items": ITEMS[:1]}, "result", "Input should be 'pass', 'rectify' or 'fail'"),
        ({"result": "pass", "items": []}, "items", "at least 1 item"),
        ({"result": "pass", "items": [{"name": "", "passed": True}]}, "items.0.name", "at least 1 character"),
        ({"result": "pass", "items": ITEMS[:1], "photo_sha256": "ab" * 32}, "photo_sha256", "no document"),
        (
            {"result": "pass", "items": ITEMS[:1], "inspected_at": "2999-01-01T00:00:00Z"},
            "inspected_at",
            "future",
        ),
        (
            {"result": "pass", "items": ITEMS[:1], "inspected_at": "2001-01-01T00:00:00Z"},
            "inspected_at",
            "before",
        ),
        (
            {"result": "pass", "items": ITEMS[:1], "inspected_at": "2026-01-01T00:00:00"},
            "inspected_at",
            "offset",
        ),
    ],
)
def test_bad_inspection_is_named(filings: Filings, body: dict[str, Any], field: str, reason: str) -> None:
    number = filings.approved()
    response = inspect(filings, number, **body)
    assert response.status_code == 422, response.text
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert reason in errors[field]
    assert filings.as_applicant(number, "GET", "/inspections").json()["inspections"] == []


def test_only_registered_businesses_are_inspected_and_pdfs_are_no_photos(filings: Filings) -> None:
    pending = filings.submitted()
    early = inspect(filings, pending, result="pass", items=ITEMS[:1])
    assert early.status_code == 409
    number = filings.approved()
    document = filings.api.upload("samr", b"%PDF-1.4 report")
    not_a_photo = inspect(filings, number, result="pass", items=ITEMS[:1], photo_sha256=document)
    assert "not a picture" in not_a_photo.json()["errors"][0]["reason"]
    filings.api.add_org("laowang", "restaurant")
    by_member = inspect(filings, number, "laowang", result="pass", items=ITEMS[:1])
    assert by_member.status_code == 403
