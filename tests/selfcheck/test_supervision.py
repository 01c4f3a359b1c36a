"""Data supervision: the data-quality flags a submission raises as it arrives (a photo reused by
hash, a checklist completed in seconds, always all-pass), each an on-site inspection task record
and an alert for the jurisdiction's regulators (not shown to the firm); and completion per firm,
campaign and area over a period."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.selfcheck.conftest import DAY, Selfcheck, photo

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _tasks(selfcheck: Selfcheck) -> list[dict[str, Any]]:
    return list(selfcheck.ok(selfcheck.get("samr", "/inspection-tasks"), 200)["tasks"])


def test_photo_reused_by_another_firm_opens_a_task_and_an_alert(api: Api, selfcheck: Selfcheck) -> None:
    """Runs on SQLite and on PostgreSQL."""
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    picture = photo()
    first = selfcheck.submitted(
        "laozhengxing",
        campaign,
        answers=selfcheck.answers(
            "laozhengxing", photos={"cold_storage": selfcheck.photo("laozhengxing", picture)}
        ),
    )
    assert _tasks(selfcheck) == []

    same = selfcheck.photo("xinghualou", picture)  # the same bytes, uploaded by another firm
    second = selfcheck.submitted(
        "xinghualou", campaign, answers=selfcheck.answers("xinghualou", photos={"licence_displayed": same})
    )
    [task] = _tasks(selfcheck)
    assert (task["org"], task["reason"], task["submission_id"]) == (
        "xinghualou",
        "photo_reused",
        second["id"],
    )
    assert task["evidence"] == [second["record_id"], first["record_id"]]
    assert same[:12] in task["detail"]
    record = api.services.ledger.get(task["record_id"]).record()
    assert record.kind == "selfcheck.inspection_task"
    assert record.payload["evidence"] == task["evidence"]

    alerts = api.as_org("samr", "GET", "/v1/alerts", params={"rule": "selfcheck_flag"}).json()["alerts"]
    assert [(a["subject_id"], a["organisation"], a["site"]) for a in alerts] == [
        (task["id"], "samr", "xinghualou Co.")
    ]
    assert task["alert_id"] == alerts[0]["id"]
    assert api.as_org("xinghualou", "GET", "/v1/alerts").json()["alerts"] == []  # not announced to the firm

    selfcheck.clock.now += DAY  # the firm's own photo again, the next day: reused too
    again = selfcheck.submitted(
        "laozhengxing",
        campaign,
        answers=selfcheck.answers("laozhengxing", photos={"cold_storage": first_photo(first, api)}),
    )
    assert [t["reason"] for t in _tasks(selfcheck) if t["submission_id"] == again["id"]] == ["photo_reused"]


def first_photo(submission: dict[str, Any], api: Api) -> str:
    payload = api.services.ledger.get(submission["record_id"]).record().payload
    return str(next(a["photo_sha256"] for a in payload["answers"] if a["item"] == "cold_storage"))


@sqlite_only
def test_checklist_completed_in_seconds_is_flagged_too_fast(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    selfcheck.submitted("laozhengxing", campaign, seconds=40)  # 4 items, 10 s each: just enough
    assert _tasks(selfcheck) == []
    hurried = selfcheck.submitted("xinghualou", campaign, seconds=12)
    [task] = _tasks(selfcheck)
    assert (task["reason"], task["submission_id"], task["evidence"]) == (
        "too_fast",
        hurried["id"],
        [hurried["record_id"]],
    )
    assert task["detail"] == "4 items completed in 12 s (at least 40 s expected)"


@sqlite_only
def test_always_all_pass_over_the_last_submissions_is_flagged_once_per_run(
    api: Api, selfcheck: Selfcheck
) -> None:
    api.add_org("laozhengxing", "restaurant")
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    done = []
    for _ in range(2):
        done.append(selfcheck.submitted("laozhengxing", campaign))
        selfcheck.clock.now += DAY
    assert _tasks(selfcheck) == []
    done.append(selfcheck.submitted("laozhengxing", campaign))  # the third all-pass in a row (all_pass_run=3)
    [task] = _tasks(selfcheck)
    assert task["reason"] == "always_pass"
    assert task["evidence"] == [d["record_id"] for d in reversed(done)]
    for _ in range(2):  # the next run of three has not yet happened
        selfcheck.clock.now += DAY
        selfcheck.submitted("laozhengxing", campaign)
    assert len(_tasks(selfcheck)) == 1
    selfcheck.clock.now += DAY
    selfcheck.submitted(
        "laozhengxing", campaign, answers=selfcheck.answers("laozhengxing", failing=("disinfection",))
    )
    assert len(_tasks(selfcheck)) == 1


@sqlite_only
def test_completion_per_firm_campaign_and_area(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    api.add_org("xinghualou", "restaurant")
    api.add_org("jinjiang", "wholesaler")  # not asked by a catering campaign
    checklist = selfcheck.checklist()["id"]
    daily = selfcheck.campaign(checklist)["id"]
    once = selfcheck.campaign(
        selfcheck.checklist(code="catering-special")["id"],
        frequency="once",
        title="专项自查",
        ends_on="2026-03-10",
    )["id"]
    for day in range(3):
        selfcheck.submitted("laozhengxing", daily)
        if day == 0:
            selfcheck.submitted("xinghualou", daily)
            selfcheck.submitted("xinghualou", once)
        selfcheck.clock.now += DAY

    report = selfcheck.ok(selfcheck.get("samr", "/completion", start="2026-03-02", end="2026-03-04"), 200)
    by_campaign = {c["id"]: c for c in report["campaigns"]}
    assert [(f["org"], f["due"], f["submitted"]) for f in by_campaign[daily]["firms"]] == [
        ("laozhengxing", 3, 3),
        ("xinghualou", 3, 1),
    ]
    assert (by_campaign[daily]["due"], by_campaign[daily]["submitted"], by_campaign[daily]["rate"]) == (
        6,
        4,
        0.6667,
    )
    assert [(f["org"], f["submitted"]) for f in by_campaign[once]["firms"]] == [
        ("laozhengxing", 0),
        ("xinghualou", 1),
    ]
    assert [(f["org"], f["due"], f["submitted"], f["rate"]) for f in report["firms"]] == [
        ("laozhengxing", 4, 3, 0.75),
        ("xinghualou", 4, 2, 0.5),
    ]
    assert report["areas"] == [{"jurisdiction": "Shanghai", "due": 8, "submitted": 5, "rate": 0.625}]

    default = selfcheck.ok(selfcheck.get("samr", "/completion"), 200)  # 30 days to today (5 March)
    assert (default["start"], default["end"]) == ("2026-02-04", "2026-03-05")
    assert default["areas"][0]["due"] == 2 * 4 + 2  # 2 to 5 March, and the one-off campaign
    ahead = selfcheck.ok(selfcheck.get("samr", "/completion", start="2026-03-02", end="2026-03-31"), 200)
    assert ahead["areas"] == default["areas"]  # the days to come are not due yet
