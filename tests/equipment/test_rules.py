"""The TSG T5002 rules, driven by a clock the tests move (no sleeps): reminders before maintenance
falls due, the overdue alert and its escalation to the grid inspector (told on the real broker),
contracts missing or expiring, a maintenance far from the elevator; each alert closed once its
cause is gone; the sweep as a background loop reporting to /readyz."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import Session, col, select

from evidence import record_from_bytes
from tests._mqtt import Inbox
from tests.api.conftest import Api
from tests.equipment._registry import (
    MAINTAINER,
    SITE,
    USER,
    code,
    maintain,
    ok,
    register,
    setup_registry,
)
from trace_api.equipment import EquipmentSweeper
from trace_api.notices import NoticeSender, OwedNotice
from trace_api.orgs.models import Organisation

DAY = dt.timedelta(days=1)


class Clock:
    """The rules' clock (and the API's, so that maintenance is recorded at the same time)."""

    def __init__(self, api: Api, start: dt.datetime) -> None:
        self.now = start
        api.client.app.state.equipment_clock = self  # type: ignore[attr-defined]

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, days: float) -> dt.datetime:
        return self.now + days * DAY


@pytest.fixture
def registry(api: Api) -> Api:
    setup_registry(api)
    return api


def _kinds(api: Api, kind: str) -> list[dict[str, Any]]:
    found = []
    for _, body in api.services.ledger.iter_records():
        record = record_from_bytes(body)
        if record.kind == kind:
            found.append(record.payload)
    return found


def _alerts(api: Api, handle: str = "samr", **query: str) -> list[dict[str, Any]]:
    return list(ok(api.as_org(handle, "GET", "/v1/alerts", params={"status": "all", **query}), 200)["alerts"])


def _told(api: Api, event: str) -> set[str]:
    """The handles of the organisations owed a notice of ``event``."""
    with Session(api.services.engine) as session:
        rows = session.exec(
            select(Organisation.handle)
            .join(OwedNotice, col(OwedNotice.org_id) == Organisation.id)
            .where(OwedNotice.event == event)
        ).all()
    return set(rows)


@pytest.fixture
def inspector_inbox(api: Api) -> Iterator[Inbox]:
    url = api.services.settings.mqtt_url
    assert url is not None
    box = Inbox(url, "suyuan/v1/samr/alerts")
    yield box
    box.close()


def test_overdue_maintenance_is_reminded_alerted_escalated_and_closed_by_a_maintenance(
    registry: Api, inspector_inbox: Inbox
) -> None:
    register(registry, 1)
    today = dt.date.today()
    contract = {"number": "WB-1", "starts_on": str(today - 30 * DAY), "ends_on": str(today + 700 * DAY)}
    ok(registry.as_org(USER, "POST", f"/v1/equipment/{code(1)}/contracts", json=contract))
    start = dt.datetime.now(dt.UTC)
    clock = Clock(registry, start)
    sweeper = EquipmentSweeper(registry.services, clock=clock)

    clock.now = start + 11 * DAY  # 4 days before due: nothing yet
    assert sweeper.run_once().reminded == []
    clock.now = start + 12.5 * DAY  # within 3 days of due: both units reminded, once
    assert sweeper.run_once().reminded == [code(1)]
    assert sweeper.run_once().reminded == []
    [due] = _kinds(registry, "equipment.maintenance_due")
    assert (due["maintainer"], due["user"]) == (MAINTAINER, USER)
    assert _told(registry, "equipment.maintenance_due") == {MAINTAINER, USER}

    clock.now = start + 15.5 * DAY  # overdue: an alert against the maintenance unit, the user unit told
    assert sweeper.run_once().opened == [(code(1), "maintenance_overdue")]
    [alert] = _alerts(registry, MAINTAINER, rule="maintenance_overdue")
    assert (alert["subject_type"], alert["subject_id"], alert["status"]) == ("equipment", code(1), "open")
    assert _told(registry, "alert.opened") == {MAINTAINER, USER}
    assert _kinds(registry, "equipment.overdue_escalated") == []
    assert ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)["open_alerts"] == [
        "maintenance_overdue"
    ]

    clock.now = start + 18.5 * DAY  # 3 days more: escalated to the grid's inspector, once
    assert sweeper.run_once().escalated == [code(1)]
    assert sweeper.run_once().escalated == []
    [escalated] = _kinds(registry, "equipment.overdue_escalated")
    assert (escalated["inspector"], escalated["regulator"], escalated["alert_id"]) == (
        "王芳",
        "samr",
        alert["id"],
    )
    assert "samr" in _told(registry, "equipment.overdue_escalated")
    NoticeSender(registry.services).run_once(clock.now)
    assert inspector_inbox.arrived.wait(10), "the grid inspector was not told on MQTT"
    assert [m["record_id"] for m in inspector_inbox.messages] == [
        f"equipment:{code(1)}:escalated:{escalated['due_at']}"
    ]

    maintain(registry, 1)  # at the clock's time: the cause is gone at once
    closed = ok(registry.as_org("samr", "GET", f"/v1/alerts/{alert['id']}"), 200)
    assert closed["status"] == "closed"
    assert "samr" in _told(registry, "alert.closed")  # escalated: the inspector hears it closed too
    assert sweeper.run_once().opened == []
    detail = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)
    assert (detail["status"], detail["open_alerts"]) == ("normal", [])


def test_contract_missing_then_expiring_then_renewed(registry: Api) -> None:
    register(registry, 1)
    start = dt.datetime.now(dt.UTC)
    clock = Clock(registry, start)
    sweeper = EquipmentSweeper(registry.services, clock=clock)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    path = f"/v1/equipment/{code(1)}/contracts"

    assert sweeper.run_once().opened == [(code(1), "contract_missing")]
    [missing] = _alerts(registry, USER, rule="contract_missing")  # against the user unit
    assert missing["organisation"] == USER

    short = {"number": "WB-1", "starts_on": str(today - 300 * DAY), "ends_on": str(today + 10 * DAY)}
    ok(registry.as_org(USER, "POST", path, json=short))
    assert ok(registry.as_org("samr", "GET", f"/v1/alerts/{missing['id']}"), 200)["status"] == "closed"
    [expiring] = _alerts(registry, USER, rule="contract_expiring", status="open")
    assert str(today + 10 * DAY) in expiring["detail"]

    renewal = {"number": "WB-2", "starts_on": str(today + 11 * DAY), "ends_on": str(today + 400 * DAY)}
    ok(registry.as_org(MAINTAINER, "POST", path, json=renewal))
    assert ok(registry.as_org("samr", "GET", f"/v1/alerts/{expiring['id']}"), 200)["status"] == "closed"
    assert sweeper.run_once().opened == []

    clock.now = start + 380 * DAY  # the renewal ends within 30 days (and maintenance is overdue)
    assert _contract_rules(sweeper.run_once().opened) == ["contract_expiring"]
    clock.now = start + 402 * DAY  # and then it has ended
    changes = sweeper.run_once()
    assert _contract_rules(changes.opened) == ["contract_missing"]
    assert _contract_rules(changes.closed) == ["contract_expiring"]
    assert {a["rule"] for a in _alerts(registry, USER, status="open")} == {"contract_missing"}


def _contract_rules(changed: list[tuple[str, str]]) -> list[str]:
    return [rule for _, rule in changed if rule.startswith("contract_")]


def test_maintenance_far_away_opens_an_alert_that_the_next_on_site_closes(registry: Api) -> None:
    register(registry, 1)
    far = maintain(registry, 1, latitude=SITE[0] + 0.01)
    assert far["too_far"] is True
    [alert] = _alerts(registry, MAINTAINER, rule="maintenance_too_far", status="open")
    assert alert["detail"].startswith("maintenance recorded 1112 m from the elevator")
    assert (
        ok(registry.as_org("samr", "GET", f"/v1/equipment/{code(1)}"), 200)["alerts"][0]["id"] == alert["id"]
    )

    maintain(registry, 1, latitude=SITE[0] + 0.01)  # far again: the same alert stays open
    assert len(_alerts(registry, MAINTAINER, rule="maintenance_too_far")) == 1
    maintain(registry, 1)
    assert _alerts(registry, MAINTAINER, rule="maintenance_too_far", status="open") == []


def test_sweep_runs_as_a_loop_reporting_its_health_in_readyz(registry: Api) -> None:
    register(registry, 1)
    sweeper = EquipmentSweeper(registry.services)
    stop = sweeper.loop().start(registry.services.background)
    try:
        assert sweeper.swept.wait(30), "the sweep did not complete a pass"
        parts = registry.client.get("/readyz").json()["parts"]
    finally:
        stop()
    assert parts["equipment_rules"]["running"] is True
    assert sweeper.last is not None
    assert sweeper.last.opened == [(code(1), "contract_missing")]
