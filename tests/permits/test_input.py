"""Bad applications, reviews and certificate changes are refused as problem+json naming the field
and the reason, and leave nothing behind (no row, no record, no stored file)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.filings.conftest import PDF
from tests.permits.conftest import Permits, materials

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _problem(response: Any, field: str, reason: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert field in errors, errors
    assert reason in errors[field], errors[field]


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"declaration": "false"}, "declaration", "must be accepted"),
        ({"declaration": None}, "declaration", "Field required"),
        ({"uscc": "91310000MA1K00001X"}, "uscc", "check"),
        ({"division_code": "310100"}, "division_code", "give the county or district"),
        ({"phone": "12345"}, "phone", "mainland mobile number"),
        ({"business_format": "bar"}, "business_format", "Input should be"),
        ({"items": ["热食类食品制售", "热食类食品制售"]}, "items", "names an item twice"),
        ({"business_name": "   "}, "business_name", "is blank"),
        ({"premises": "福州路\x00556号"}, "premises", "control character"),
        ({"jurisdiction": "Atlantis"}, "jurisdiction", "no regulator supervises 'Atlantis'"),
    ],
)
def test_bad_application_fields_are_named(
    permits: Permits, overrides: dict[str, Any], field: str, reason: str
) -> None:
    size = permits.api.services.ledger.size()
    _problem(permits.submit(**overrides), field, reason)
    assert permits.api.services.ledger.size() == size
    assert permits.api.as_org("samr", "GET", "/v1/permits").json()["permits"] == []


@pytest.mark.parametrize(
    ("files", "field", "reason"),
    [
        (materials(leave_out="safety_rules"), "safety_rules", "Field required"),
        (
            materials(extra=[("other", ("x.txt", b"plain text", "text/plain"))]),
            "other",
            "is not a PDF, JPEG or PNG",
        ),
        (materials(extra=[("other", ("empty.pdf", b"", "application/pdf"))]), "other", "is empty"),
        (
            materials(extra=[("other", ("n.pdf", PDF, "application/pdf"))] * 16),
            "materials",
            "at most 20 at once",
        ),
    ],
)
def test_bad_materials_are_named_by_their_field(
    permits: Permits, files: list[Any], field: str, reason: str
) -> None:
    _problem(permits.submit(files=files), field, reason)
    assert permits.api.as_org("samr", "GET", "/v1/permits").json()["permits"] == []


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"decision": "accept", "opinion": "  "}, "opinion", "is blank"),
        ({"decision": "accept"}, "opinion", "Field required"),
        ({"decision": "grant", "opinion": "x"}, "decision", "Input should be"),
        ({"decision": "approve", "opinion": "x", "valid_years": 6}, "valid_years", "less than or equal to 5"),
    ],
)
def test_bad_review_is_named(permits: Permits, body: dict[str, Any], field: str, reason: str) -> None:
    number = permits.submitted()
    _problem(permits.api.as_org("samr", "POST", f"/v1/permits/{number}/reviews", json=body), field, reason)
    assert permits.get(number)["status"] == "submitted"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"action": "suspend", "reason": ""}, "reason", "at least 1 character"),
        ({"action": "suspend"}, "reason", "Field required"),
        ({"action": "freeze", "reason": "x"}, "action", "Input should be"),
    ],
)
def test_bad_certificate_action_is_named(
    permits: Permits, body: dict[str, Any], field: str, reason: str
) -> None:
    number = permits.approved()
    size = permits.api.services.ledger.size()
    answer = permits.api.as_org("samr", "POST", f"/v1/permits/{number}/certificate-actions", json=body)
    _problem(answer, field, reason)
    assert permits.api.services.ledger.size() == size
