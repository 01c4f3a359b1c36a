"""The self-inspection flow through the API, each step a ledger record: a checklist published and
versioned, a daily campaign, firms submitting item by item with photos, a failing item's
rectification rejected and then accepted, and the days a daily campaign takes a submission."""

from __future__ import annotations

import hashlib

import pytest

from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api
from tests.selfcheck.conftest import CATERING_ITEMS, DAY, Selfcheck

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_checklist_versions_campaign_submission_and_rectification_each_a_record(
    api: Api, selfcheck: Selfcheck
) -> None:
    """Runs on SQLite and on PostgreSQL."""
    api.add_org("laozhengxing", "restaurant")
    first = selfcheck.checklist()
    assert (first["id"], first["version"], first["published_by"]) == ("catering-daily@v1", 1, "samr")
    second = selfcheck.checklist(title="餐饮服务日常自查要点表（修订）")
    assert (second["id"], second["version"]) == ("catering-daily@v2", 2)
    assert (
        selfcheck.ok(selfcheck.get("samr", "/checklists/catering-daily@v1"), 200)["title"] == first["title"]
    )

    campaign = selfcheck.campaign(second["id"])
    assert campaign["id"] == "ZC-20260302-001"
    seen = selfcheck.ok(selfcheck.get("laozhengxing", "/campaigns"), 200)["campaigns"]
    assert [c["id"] for c in seen] == [campaign["id"]]

    licence = selfcheck.photo("laozhengxing")
    answers = selfcheck.answers(
        "laozhengxing", failing=("cold_storage",), photos={"licence_displayed": licence}
    )
    answers[2]["note"] = "冷藏柜温度 9 °C，超过 8 °C"
    done = selfcheck.submitted("laozhengxing", campaign["id"], answers=answers)
    assert (done["period"], done["items"], done["failed"]) == ("2026-03-02", 4, 1)
    [rectification_id] = done["rectifications"]
    assert rectification_id == f"{done['id']}:cold_storage"

    record = api.services.ledger.get(done["record_id"]).record()
    assert record.kind == "selfcheck.submitted"
    assert record.payload["failed_items"] == ["cold_storage"]
    assert record.payload["answers"][0] == {
        "item": "licence_displayed", "passed": True, "note": "", "photo_sha256": licence,
    }  # fmt: skip
    assert record.time == "2026-03-02T02:00:00.000Z"

    evidence = selfcheck.photo("laozhengxing")
    path = f"/rectifications/{rectification_id}"
    given = selfcheck.ok(
        selfcheck.post("laozhengxing", f"{path}/evidence", {"note": "已维修冷藏柜", "evidence": [evidence]})
    )
    assert (given["status"], given["rounds"]) == ("submitted", 1)
    selfcheck.clock.now += DAY / 24
    rejected = selfcheck.ok(
        selfcheck.post("samr", f"{path}/reviews", {"decision": "reject", "opinion": "照片未显示温度计读数。"})
    )
    assert rejected["status"] == "open"
    again = selfcheck.post("samr", f"{path}/reviews", {"decision": "accept", "opinion": "同意。"})
    assert again.status_code == 409, again.text
    assert "awaiting evidence" in again.json()["detail"]
    better = selfcheck.photo("laozhengxing")
    selfcheck.ok(
        selfcheck.post("laozhengxing", f"{path}/evidence", {"note": "温度计读数 4 °C", "evidence": [better]})
    )
    accepted = selfcheck.ok(
        selfcheck.post("samr", f"{path}/reviews", {"decision": "accept", "opinion": "整改到位。"})
    )
    assert (accepted["status"], accepted["rounds"], accepted["reviews"]) == ("accepted", 2, 2)
    assert accepted["closed_at"] is not None

    history = selfcheck.ok(selfcheck.get("laozhengxing", path), 200)["history"]
    assert [h["kind"] for h in history] == [
        "selfcheck.submitted",
        "selfcheck.rectification_submitted",
        "selfcheck.rectification_rejected",
        "selfcheck.rectification_submitted",
        "selfcheck.rectification_accepted",
    ]
    assert [h["payload"].get("opinion") for h in history[2::2]] == ["照片未显示温度计读数。", "整改到位。"]
    assert history[3]["payload"]["evidence"] == [better]
    for step in history:
        stored = api.services.ledger.get(step["record_id"])
        assert step["leaf_hash"] == hashlib.sha256(b"\0" + stored.body).hexdigest()
    closed = selfcheck.post("laozhengxing", f"{path}/evidence", {"note": "再次", "evidence": [better]})
    assert closed.status_code == 409
    kinds = {k for k in assert_facts_round_trip(api.services.ledger) if k.startswith("selfcheck.")}
    assert kinds == {
        "selfcheck.checklist_published",
        "selfcheck.campaign_opened",
        "selfcheck.submitted",
        "selfcheck.rectification_submitted",
        "selfcheck.rectification_rejected",
        "selfcheck.rectification_accepted",
    }


@sqlite_only
def test_daily_campaign_takes_one_submission_a_day_within_its_period(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("xinghualou", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"], starts_on="2026-03-03", ends_on="2026-03-04")
    early = selfcheck.submit("xinghualou", campaign["id"])
    assert early.status_code == 409
    assert "starts on 2026-03-03" in early.json()["detail"]

    selfcheck.clock.now += DAY
    assert selfcheck.submitted("xinghualou", campaign["id"])["period"] == "2026-03-03"
    twice = selfcheck.submit("xinghualou", campaign["id"])
    assert twice.status_code == 409
    assert "already" in twice.json()["detail"]
    selfcheck.clock.now += DAY
    assert selfcheck.submitted("xinghualou", campaign["id"])["period"] == "2026-03-04"
    selfcheck.clock.now += DAY
    late = selfcheck.submit("xinghualou", campaign["id"])
    assert late.status_code == 409
    assert "ended on 2026-03-04" in late.json()["detail"]

    shown = selfcheck.ok(selfcheck.get("xinghualou", f"/campaigns/{campaign['id']}"), 200)
    assert [s["period"] for s in shown["submissions"]] == ["2026-03-04", "2026-03-03"]
    assert [i["code"] for i in shown["checklist"]["items"]] == [i["code"] for i in CATERING_ITEMS]


@sqlite_only
def test_campaign_run_once_takes_one_submission_in_its_period(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("wangjiasha", "restaurant")
    campaign = selfcheck.campaign(
        selfcheck.checklist()["id"], frequency="once", title="春节前专项自查", ends_on="2026-03-10"
    )
    selfcheck.clock.now += 3 * DAY
    assert selfcheck.submitted("wangjiasha", campaign["id"])["period"] == "2026-03-02"
    selfcheck.clock.now += DAY
    assert selfcheck.submit("wangjiasha", campaign["id"]).status_code == 409


def test_food_producers_are_asked_by_a_food_production_campaign_and_restaurants_are_not(
    api: Api, selfcheck: Selfcheck
) -> None:
    api.add_org("weizhen", "producer")  # a food factory (食品生产企业)
    api.add_org("wangjiasha", "restaurant")
    checklist = selfcheck.checklist(
        code="production-daily", industry="food_production", title="食品生产日常自查"
    )
    campaign = selfcheck.campaign(checklist["id"], title="2026年3月食品生产日常自查")

    assert selfcheck.submitted("weizhen", campaign["id"])["period"] == "2026-03-02"
    assert selfcheck.submit("wangjiasha", campaign["id"]).status_code == 404  # not asked
