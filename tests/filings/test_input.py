"""Bad input to filings is a 422 problem naming the field and the reason, and records nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.filings.conftest import PDF, Filings, id_number, materials, png

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert field in errors, errors
    return str(errors[field])


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"business_type": "restaurant"}, "business_type", "Input should be 'workshop', 'small_restaurant'"),
        ({"business_name": "   "}, "business_name", "is blank"),
        ({"business_name": None}, "business_name", "Field required"),
        ({"address": "x" * 201}, "address", "at most 200 characters"),
        ({"operator_name": "王\x07"}, "operator_name", "control character U+0007"),
        ({"operator_id_number": "31011519900307123"}, "operator_id_number", "must be 18 characters"),
        ({"operator_id_number": id_number()[:17] + "0"}, "operator_id_number", "check character is 0, but"),
        (
            {"operator_id_number": id_number("31011519901307123")},
            "operator_id_number",
            "19901307 is not a date",
        ),
        ({"operator_id_number": id_number("99011519900307123")}, "operator_id_number", "region 99"),
        ({"uscc": "91310000MA1K00001X"}, "uscc", "check character"),
        ({"phone": "12345"}, "phone", "mainland mobile number"),
        ({"phone": "12800138000"}, "phone", "mainland mobile number"),
        ({"division_code": "31011"}, "division_code", "six digits"),
        ({"division_code": "310100"}, "division_code", "give the county or district"),
        ({"division_code": "990115"}, "division_code", "province 99"),
        ({"employees": "0"}, "employees", "greater than or equal to 1"),
        ({"categories": ["x" * 51]}, "categories", "1 to 50 characters"),
        ({"jurisdiction": "Atlantis"}, "jurisdiction", "no regulator supervises 'Atlantis'"),
    ],
)
def test_bad_application_field_is_named_with_its_reason(
    filings: Filings, overrides: dict[str, Any], field: str, reason: str
) -> None:
    size = filings.api.services.ledger.size()
    assert reason in _refused(filings.submit(**overrides), field)
    assert filings.api.services.ledger.size() == size


def test_accepted_phone_forms(filings: Filings) -> None:
    for phone in ("13912345678", "021-12345678", "075512345678"):
        assert filings.submit(phone=phone).status_code == 201, phone


@pytest.mark.parametrize(
    ("files", "field", "reason"),
    [
        ([f for f in materials() if f[0] != "id_document"], "id_document", "Field required"),
        (materials(layout=False), "layout", "is required for a small_restaurant filing"),
        (
            [*materials()[1:], ("id_document", ("id.html", b"<html>hi</html>", "image/png"))],
            "id_document",
            "id.html is not a PDF, JPEG or PNG",
        ),
        ([*materials()[1:], ("id_document", ("id.png", b"", "image/png"))], "id_document", "is empty"),
        (
            [*materials(), *[("other", (f"o{i}.pdf", PDF, "application/pdf")) for i in range(20)]],
            "materials",
            "at most 20 at once",
        ),
    ],
)
def test_bad_materials_are_named_by_their_field(
    filings: Filings, files: list[Any], field: str, reason: str
) -> None:
    assert reason in _refused(filings.submit(files=files), field)


def test_stall_needs_no_layout(filings: Filings) -> None:
    assert filings.submit(business_type="stall", files=materials(layout=False)).status_code == 201


def test_oversized_material_is_refused(filings: Filings) -> None:
    big = PDF + b"0" * (10 * 1024 * 1024)
    files = [*materials()[1:], ("id_document", ("big.pdf", big, "application/pdf"))]
    assert "big.pdf is larger than 10 MiB" in _refused(filings.submit(files=files), "id_document")


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"decision": "ok", "opinion": "好"}, "decision", "Input should be 'accept'"),
        ({"decision": "accept", "opinion": "  "}, "opinion", "is blank"),
        ({"decision": "accept"}, "opinion", "Field required"),
        (
            {"decision": "request_more", "opinion": "补", "requested": ["passport"]},
            "requested.0",
            "Input should be",
        ),
        (
            {"decision": "approve", "opinion": "准予", "valid_years": 9},
            "valid_years",
            "less than or equal to 5",
        ),
    ],
)
def test_bad_review_is_named(filings: Filings, body: dict[str, Any], field: str, reason: str) -> None:
    number = filings.submitted()
    response = filings.api.as_org("samr", "POST", f"/v1/filings/{number}/reviews", json=body)
    assert reason in _refused(response, field)
    assert filings.get(number)["status"] == "submitted"


def test_bad_supplement_is_named(filings: Filings) -> None:
    number = filings.submitted()
    filings.reviewed(number, "request_more", "请补交。")
    empty = filings.as_applicant(number, "POST", "/supplements", data={"note": "没有附件"})
    assert "at least one document" in _refused(empty, "materials")
    blank = filings.as_applicant(
        number, "POST", "/supplements", data={"note": "  "}, files=[("other", ("x.png", png(), "image/png"))]
    )
    assert "is empty" in _refused(blank, "note")
    not_a_picture = filings.as_applicant(
        number,
        "POST",
        "/supplements",
        data={"note": "附件"},
        files=[("other", ("x.txt", b"text", "text/plain"))],
    )
    assert "x.txt is not a PDF, JPEG or PNG" in _refused(not_a_picture, "other")
    assert filings.get(number)["status"] == "more_requested"
