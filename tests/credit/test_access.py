"""Who sees which grade: an organisation its own with the factors, a regulator of the jurisdiction
everyone's, nobody else; bad queries answered with problem+json naming the field."""

from __future__ import annotations

import pytest

from tests.credit.conftest import Credit
from tests.permits.conftest import Permits

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_grades_are_seen_by_the_firm_itself_and_its_regulators_only(credit: Credit) -> None:
    api = credit.api
    credit.org("good-food")
    credit.org("bad-food")
    credit.org("nosy", "retailer")
    Permits(api).add_regulator("samr-hz", "Hangzhou")
    for _ in range(4):
        credit.incident("bad-food")
    credit.incident("good-food")
    credit.regrade()

    own = credit.grade("bad-food")
    assert own.status_code == 200
    assert own.json()["grade"] == "B"
    assert own.json()["explanation"]["factors"][0]["record_ids"]  # its own factors, with the records
    assert credit.grade("bad-food", as_org="nosy").status_code == 404  # another firm's: not there
    assert credit.grade("bad-food", as_org="samr").json()["score"] == 76
    elsewhere = credit.grade("bad-food", as_org="samr-hz")
    assert elsewhere.status_code == 403
    assert elsewhere.headers["content-type"].startswith("application/problem+json")
    assert api.client.get("/v1/credit/grades/bad-food").status_code == 401  # the public: no grade here

    listed = api.as_org("samr", "GET", "/v1/credit/grades").json()["grades"]
    assert [(g["org"], g["grade"]) for g in listed] == [("bad-food", "B"), ("good-food", "A")]
    assert "explanation" not in listed[0]
    only_b = api.as_org("samr", "GET", "/v1/credit/grades", params={"grade": "B"}).json()["grades"]
    assert [g["org"] for g in only_b] == ["bad-food"]
    assert api.as_org("samr-hz", "GET", "/v1/credit/grades").json()["grades"] == []
    assert api.as_org("nosy", "GET", "/v1/credit/grades").status_code == 403

    wrong = api.as_org("samr", "GET", "/v1/credit/grades", params={"grade": "E"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in wrong.json()["errors"]] == ["query.grade"]


def test_scorecard_is_public(credit: Credit) -> None:
    card = credit.api.client.get("/v1/credit/scorecard").json()
    assert card["version"] == "2026.3"
    assert card["grades"] == {"A": 90, "B": 75, "C": 60}
    assert set(card["factors"]) == {
        "kitchen",
        "coldchain",
        "markets",
        "recalls",
        "equipment",
        "permits",
        "inspection",
        "selfcheck",
    }
    assert card["factors"]["permits"]["caps"] == {"revoked": "D"}
