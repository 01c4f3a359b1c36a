"""Role and ownership on every self-inspection write and read: regulators of the jurisdiction
publish, open and review; a firm submits only for itself, only to a campaign that asks its
industry in its jurisdiction, with its own photos; tasks and completion are the regulators'."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, make_uscc
from tests.selfcheck.conftest import Selfcheck

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _add_regulator(api: Api, handle: str, jurisdiction: str) -> None:
    data = {
        "handle": handle, "name": f"{jurisdiction}市场监督管理局", "org_type": "regulator",
        "uscc": make_uscc(), "jurisdiction": jurisdiction,
    }  # fmt: skip
    response = api.as_org("samr", "POST", "/v1/organisations", json=data)
    assert response.status_code == 201, response.text
    api.keys[handle] = response.json()["api_key"]


def test_only_regulators_of_the_jurisdiction_publish_open_and_review(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    _add_regulator(api, "hangzhou", "Hangzhou")
    item = {"code": "a", "text": "t", "basis": "b"}
    body = {"code": "x", "industry": "catering", "title": "t", "items": [item]}
    firm = selfcheck.post("laozhengxing", "/checklists", body)
    assert firm.status_code == 403, firm.text
    checklist = selfcheck.checklist()["id"]
    days = {"starts_on": "2026-03-02", "ends_on": "2026-03-03"}
    campaign_in = {"title": "t", "checklist": checklist, "frequency": "daily", **days}
    elsewhere = selfcheck.post("hangzhou", "/campaigns", campaign_in)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "checklist"
    campaign = selfcheck.campaign(checklist)["id"]

    done = selfcheck.submitted(
        "laozhengxing", campaign, answers=selfcheck.answers("laozhengxing", failing=("staff_health",))
    )
    [rectification] = done["rectifications"]
    evidence = selfcheck.photo("laozhengxing")
    selfcheck.ok(
        selfcheck.post(
            "laozhengxing",
            f"/rectifications/{rectification}/evidence",
            {"note": "已补办", "evidence": [evidence]},
        )
    )
    review = {"decision": "accept", "opinion": "同意。"}
    assert selfcheck.post("hangzhou", f"/rectifications/{rectification}/reviews", review).status_code == 403
    assert (
        selfcheck.post("laozhengxing", f"/rectifications/{rectification}/reviews", review).status_code == 403
    )
    assert (
        selfcheck.ok(selfcheck.post("samr", f"/rectifications/{rectification}/reviews", review))["status"]
        == "accepted"
    )


def test_firm_submits_only_for_itself_with_its_own_photos(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    api.add_org("jinjiang", "wholesaler")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]

    wholesaler = selfcheck.submit("jinjiang", campaign, answers=selfcheck.answers("jinjiang"))
    assert wholesaler.status_code == 404  # a campaign that does not ask it, as if there were none
    assert selfcheck.get("jinjiang", f"/campaigns/{campaign}").status_code == 404
    assert selfcheck.get("jinjiang", "/campaigns").json()["campaigns"] == []
    regulator = selfcheck.submit("samr", campaign, answers=selfcheck.answers("samr"))
    assert regulator.status_code == 403
    assert "catering" in regulator.json()["detail"]

    theirs = selfcheck.photo("xinghualou")
    borrowed = selfcheck.submit(
        "laozhengxing",
        campaign,
        answers=selfcheck.answers("laozhengxing", photos={"licence_displayed": theirs}),
    )
    assert borrowed.status_code == 422
    assert borrowed.json()["errors"][0]["field"] == "answers[0].photo"

    done = selfcheck.submitted(
        "xinghualou", campaign, answers=selfcheck.answers("xinghualou", failing=("disinfection",))
    )
    [rectification] = done["rectifications"]
    evidence = {"note": "已消毒", "evidence": [selfcheck.photo("laozhengxing")]}
    assert (
        selfcheck.post("laozhengxing", f"/rectifications/{rectification}/evidence", evidence).status_code
        == 404
    )
    assert selfcheck.get("laozhengxing", "/rectifications").json()["rectifications"] == []
    shown = selfcheck.get("laozhengxing", f"/campaigns/{campaign}").json()
    assert shown["submissions"] == []  # not another firm's
    assert selfcheck.get("laozhengxing", "/inspection-tasks").status_code == 403
    assert selfcheck.get("laozhengxing", "/completion").status_code == 403
