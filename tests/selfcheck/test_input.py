"""Bad input is answered with RFC 9457 problem+json naming the field and the reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.filings.conftest import PDF
from tests.selfcheck.conftest import CATERING_ITEMS, Selfcheck

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _problem(response: Any, status: int = 422) -> tuple[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    return str(error["field"]), str(error["reason"])


def test_checklist_and_campaign_refused_field_by_field(api: Api, selfcheck: Selfcheck) -> None:
    good = {"code": "catering-daily", "industry": "catering", "title": "t", "items": CATERING_ITEMS}
    for change, field in (
        ({"code": "Bad Code"}, "code"),
        ({"industry": "mining"}, "industry"),
        ({"title": "  "}, "title"),
        ({"items": []}, "items"),
        ({"items": [CATERING_ITEMS[0], CATERING_ITEMS[0]]}, "items"),
        ({"items": [{**CATERING_ITEMS[0], "basis": ""}]}, "items.0.basis"),
    ):
        assert _problem(selfcheck.post("samr", "/checklists", {**good, **change}))[0] == field, change
    checklist = selfcheck.checklist()["id"]
    moved = selfcheck.post("samr", "/checklists", {**good, "industry": "food_sales"})
    assert _problem(moved)[0] == "industry"
    campaign = {
        "title": "t",
        "checklist": checklist,
        "frequency": "daily",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-05",
    }
    for change, field in (
        ({"frequency": "weekly"}, "frequency"),
        ({"ends_on": "2026-03-01"}, "ends_on"),
        ({"ends_on": "2027-03-05"}, "ends_on"),
        ({"starts_on": "2025-03-01", "ends_on": "2026-03-01"}, "ends_on"),
        ({"checklist": "nothing@v1"}, "checklist"),
        ({"starts_on": "March"}, "starts_on"),
        ({"title": ""}, "title"),
    ):
        assert _problem(selfcheck.post("samr", "/campaigns", {**campaign, **change}))[0] == field, change
    selfcheck.campaign(checklist)
    overlapping = selfcheck.post("samr", "/campaigns", campaign)
    assert overlapping.status_code == 409


def test_submission_refused_field_by_field(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    answers = selfcheck.answers("laozhengxing")
    pdf = selfcheck.photo("laozhengxing", PDF)
    for body, field in (
        ({"answers": answers[:3]}, "answers"),
        ({"answers": [*answers, answers[0]]}, "answers[4].item"),
        ({"answers": [{**answers[0], "item": "nothing"}, *answers[1:]]}, "answers[0].item"),
        ({"answers": [{"item": "licence_displayed", "passed": True}, *answers[1:]]}, "answers[0].photo"),
        ({"answers": [{**answers[0], "photo": "abc"}, *answers[1:]]}, "answers.0.photo"),
        ({"answers": [{**answers[0], "photo": pdf}, *answers[1:]]}, "answers[0].photo"),
        ({"answers": [{**answers[0], "passed": "maybe"}, *answers[1:]]}, "answers.0.passed"),
        ({"answers": answers, "started_at": "2026-03-02T10:00:00"}, "started_at"),
        ({"answers": answers, "seconds": -3600}, "started_at"),
        ({"answers": answers, "seconds": 3 * 86400}, "started_at"),
    ):
        response = selfcheck.submit("laozhengxing", campaign, **body)
        assert _problem(response)[0] == field, (field, response.text)
    [rectification_id] = selfcheck.submitted(
        "laozhengxing", campaign, answers=selfcheck.answers("laozhengxing", failing=("staff_health",))
    )["rectifications"]
    path = f"/rectifications/{rectification_id}"
    for body, field in (
        ({"note": "", "evidence": [pdf]}, "note"),
        ({"note": "done", "evidence": []}, "evidence"),
        ({"note": "done", "evidence": ["0" * 64]}, "evidence[0]"),
    ):
        assert _problem(selfcheck.post("laozhengxing", f"{path}/evidence", body))[0] == field, body
    assert (
        _problem(selfcheck.post("samr", f"{path}/reviews", {"decision": "maybe", "opinion": "x"}))[0]
        == "decision"
    )
    assert _problem(selfcheck.get("samr", "/completion", start="2026-03-05", end="2026-03-01"))[0] == "end"
