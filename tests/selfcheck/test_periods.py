"""Closing a campaign's periods: when a day of a daily campaign (China Standard Time) or the whole of
a campaign run once has ended, one ``selfcheck.period_closed`` record names every firm asked and
its submission or none; each period is closed exactly once, a closer started again after downtime
closes every period that ended meanwhile, and the loop reports its health in ``/readyz``. The
closer runs at the times the tests choose."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from tests.api.conftest import Api
from tests.selfcheck.conftest import DAY, START, Clock, Selfcheck
from trace_api.selfcheck import PeriodCloser
from trace_api.selfcheck.models import ClosedPeriod
from trace_api.selfcheck.periods import period_record_id


def _closer(api: Api, now: dt.datetime) -> PeriodCloser:
    return PeriodCloser(api.services.ledger, clock=Clock(now))


def _payload(api: Api, campaign: str, period: str) -> dict[str, Any]:
    record = api.services.ledger.get(period_record_id(campaign, dt.date.fromisoformat(period))).record()
    assert record.kind == "selfcheck.period_closed"
    return dict(record.payload)


def _closed(closer: PeriodCloser) -> list[tuple[str, str, list[str]]]:
    done = closer.run_once()
    return [(campaign, period.isoformat(), missed) for campaign, period, missed in done.periods]


def test_a_day_closes_once_naming_each_firm_and_its_submission(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    xinghualou = api.add_org("xinghualou", "restaurant")
    api.add_org("jinjiang", "wholesaler")  # not asked by a catering campaign
    daily = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    submitted = selfcheck.submitted("laozhengxing", daily)

    assert _closed(_closer(api, START + dt.timedelta(hours=13))) == []  # 23:00 in China: not over yet
    midnight = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)  # 00:00 on 3 March in China
    assert _closed(_closer(api, midnight + dt.timedelta(minutes=4))) == []  # a submission may still commit
    closer = _closer(api, midnight + dt.timedelta(minutes=5))
    assert _closed(closer) == [(daily, "2026-03-02", ["xinghualou"])]
    assert _closed(closer) == []  # closed once
    assert _closed(_closer(api, midnight + dt.timedelta(hours=20))) == []

    payload = _payload(api, daily, "2026-03-02")
    assert [(f["org_handle"], f["submission_id"]) for f in payload["firms"]] == [
        ("laozhengxing", submitted["id"]),
        ("xinghualou", None),
    ]
    assert (payload["period"], payload["ended_on"], payload["missed"]) == (
        "2026-03-02",
        "2026-03-02",
        [xinghualou["uscc"]],
    )
    record = api.services.ledger.get(period_record_id(daily, dt.date(2026, 3, 2))).record()
    assert {(s.type, s.id) for s in record.subjects} == {
        ("selfcheck_campaign", daily),
        ("selfcheck_period", f"{daily}:2026-03-02"),
        ("org", xinghualou["uscc"]),
    }
    with Session(api.services.engine) as session:
        row = session.get(ClosedPeriod, (daily, dt.date(2026, 3, 2)))
        assert row is not None
        assert (row.asked, row.missed, row.record_id) == (2, 1, record.record_id)


def test_restart_after_downtime_closes_every_period_missed(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    checklist = selfcheck.checklist()["id"]
    daily = selfcheck.campaign(checklist)["id"]
    once = selfcheck.campaign(
        selfcheck.checklist(code="catering-special")["id"], frequency="once", ends_on="2026-03-04"
    )["id"]
    assert _closed(_closer(api, START + DAY)) == [(daily, "2026-03-02", ["laozhengxing"])]

    selfcheck.clock.now = START + DAY
    selfcheck.submitted("laozhengxing", daily)  # 3 March
    selfcheck.submitted("laozhengxing", once)
    # Down from 3 March to 6 March: a new closer closes 3 and 4 March, and the one-off campaign.
    restarted = _closer(api, START + 3 * DAY)
    assert _closed(restarted) == [
        (once, "2026-03-02", []),
        (daily, "2026-03-03", []),
        (daily, "2026-03-04", ["laozhengxing"]),
    ]
    assert _closed(restarted) == []
    once_closed = _payload(api, once, "2026-03-02")
    assert (once_closed["frequency"], once_closed["ended_on"], once_closed["missed"]) == (
        "once",
        "2026-03-04",
        [],
    )


def test_the_closer_runs_as_a_loop_reporting_its_health_in_readyz(api: Api, selfcheck: Selfcheck) -> None:
    api.add_org("laozhengxing", "restaurant")
    daily = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    closer = _closer(api, START + 2 * DAY)
    stop = closer.loop().start(api.services.background)
    try:
        assert closer.passed.wait(30), "the closer did not complete a pass"
        parts = api.client.get("/readyz").json()["parts"]
    finally:
        stop()
    assert parts["selfcheck_periods"]["running"] is True
    assert closer.last is not None
    assert [(c, p.isoformat()) for c, p, _ in closer.last.periods] == [
        (daily, "2026-03-02"),
        (daily, "2026-03-03"),
    ]
