"""Alerts of the supervision domains (about a subject, not a device): listed with the cold-chain
alerts, acknowledged, closed, each step a ledger record, told after commit on MQTT and webhooks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from tests._mqtt import Inbox
from tests._webhooks import Receiver
from tests.api.conftest import Api
from trace_api.alerting import AlertSink, close_alert, open_alert, open_alert_about
from trace_api.coldchain.models import Alert
from trace_api.facts import AlertClosed, AlertOpened
from trace_api.notices import NoticeSender, OwedNotice
from trace_api.orgs.models import Organisation
from trace_api.services import writing
from trace_api.webhooks.service import sign

NOW = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)


@dataclass
class Market:
    api: Api
    operator: Organisation
    vendor: Organisation


@pytest.fixture
def market(api: Api) -> Market:
    api.add_org("caishichang", "market")
    api.add_org("lao-wang", "vendor")
    api.add_org("elsewhere", "vendor")
    with Session(api.services.engine) as session:
        operator = session.exec(select(Organisation).where(Organisation.handle == "caishichang")).one()
        vendor = session.exec(select(Organisation).where(Organisation.handle == "lao-wang")).one()
    return Market(api, operator, vendor)


def _open(market: Market, at: dt.datetime = NOW) -> Alert:
    services = market.api.services
    with writing(services) as session:
        return open_alert(
            session,
            AlertSink.of(services),
            org=market.vendor,
            rule="rapid_test_failed",
            subject_type="stall",
            subject_id="caishichang/A-07",
            place="菜市场 A-07",
            detail="青菜 sample S-1: enzyme inhibition 62.5 % (limit 50 %)",
            at=at,
            audience=[market.operator],
        )


@pytest.fixture
def inboxes(api: Api) -> Iterator[dict[str, Inbox]]:
    url = api.services.settings.mqtt_url
    assert url is not None
    boxes = {h: Inbox(url, f"suyuan/v1/{h}/alerts") for h in ("lao-wang", "caishichang")}
    yield boxes
    for box in boxes.values():
        box.close()


def test_domain_alert_is_listed_acknowledged_and_closed_each_step_a_ledger_record(market: Market) -> None:
    api = market.api
    alert = _open(market)

    listed = api.as_org("lao-wang", "GET", "/v1/alerts").json()["alerts"]
    regulator = api.as_org("samr", "GET", "/v1/alerts", params={"rule": "rapid_test_failed"}).json()
    stranger = api.as_org("elsewhere", "GET", "/v1/alerts").json()["alerts"]
    ack = api.as_org(
        "lao-wang",
        "POST",
        f"/v1/alerts/{alert.id}/acknowledgements",
        json={"note": "青菜已下架 taken off sale"},
    )
    with writing(api.services) as session:
        found = open_alert_about(session, "stall", "caishichang/A-07", "rapid_test_failed")
        assert found is not None
        assert found.id == alert.id
        close_alert(
            session, AlertSink.of(api.services), found, at=NOW + dt.timedelta(hours=2), note="destroyed"
        )
    closed = api.as_org("lao-wang", "GET", f"/v1/alerts/{alert.id}").json()
    with Session(api.services.engine) as session:
        still_open = open_alert_about(session, "stall", "caishichang/A-07", "rapid_test_failed")

    assert [a["id"] for a in listed] == [alert.id]
    assert listed[0] | {"acknowledgement": None} == listed[0]
    assert (listed[0]["device"], listed[0]["subject_type"], listed[0]["subject_id"]) == (
        None,
        "stall",
        "caishichang/A-07",
    )
    assert (listed[0]["site"], listed[0]["organisation"], listed[0]["status"]) == (
        "菜市场 A-07",
        "lao-wang",
        "open",
    )
    assert [a["id"] for a in regulator["alerts"]] == [alert.id]
    assert stranger == []
    assert ack.status_code == 201, ack.text
    assert ack.json()["acknowledgement"]["note"] == "青菜已下架 taken off sale"
    assert closed["status"] == "closed"
    assert still_open is None
    opened_record = api.services.ledger.get(f"alert:{alert.id}:opened")
    closed_record = api.services.ledger.get(f"alert:{alert.id}:closed")
    acked_record = api.services.ledger.get(f"alert:{alert.id}:acknowledged")
    assert opened_record is not None
    assert closed_record is not None
    assert acked_record is not None
    opened = AlertOpened.of(opened_record)
    assert (opened.subject_type, opened.subject_id, opened.device) == ("stall", "caishichang/A-07", None)
    assert "device" not in opened_record.record().payload  # absent, not null
    assert AlertClosed.of(closed_record).note == "destroyed"
    assert acked_record.record().payload["subject_id"] == "caishichang/A-07"
    subjects = {(s.type, s.id) for s in opened_record.record().subjects}
    assert ("stall", "caishichang/A-07") in subjects
    assert ("org", market.vendor.uscc) in subjects
    assert ("org", market.operator.uscc) in subjects


def test_domain_alert_is_told_after_commit_on_mqtt_and_signed_webhooks_once(
    market: Market, inboxes: dict[str, Inbox]
) -> None:
    api = market.api
    receiver = Receiver(path="/hooks/alerts")
    try:
        hook = api.as_org("lao-wang", "POST", "/v1/webhooks", json={"url": receiver.url}).json()
        alert = _open(market)
        before = (list(receiver.received), [b.messages[:] for b in inboxes.values()])
        sender = NoticeSender(api.services)
        delivered = sender.run_once(NOW + dt.timedelta(seconds=1))
        again = sender.run_once(NOW + dt.timedelta(days=1))
        assert inboxes["lao-wang"].arrived.wait(10)
        assert inboxes["caishichang"].arrived.wait(10)
    finally:
        receiver.close()

    assert before == ([], [[], []])  # nothing is told inside the alert's transaction
    assert (delivered, again) == (3, 0)  # the vendor on MQTT and its webhook, the operator on MQTT
    headers, body = receiver.received[0]
    assert len(receiver.received) == 1
    assert headers["Suyuan-Signature"] == sign(hook["secret"], body)
    assert headers["Suyuan-Event"] == "alert.opened"
    told = json.loads(body)
    assert (told["alert_id"], told["rule"], told["subject_id"]) == (
        alert.id,
        "rapid_test_failed",
        "caishichang/A-07",
    )
    for handle in ("lao-wang", "caishichang"):
        message = inboxes[handle].messages[0]
        assert (message["event"], message["alert_id"], message["organisation"]) == (
            "alert.opened",
            alert.id,
            "lao-wang",
        )
    with Session(api.services.engine) as session:
        owed = session.exec(select(OwedNotice).order_by(OwedNotice.id)).all()  # type: ignore[arg-type]
    assert [(n.channel.value, n.attempts, n.delivered_at is not None) for n in owed] == [
        ("mqtt", 1, True),
        ("webhook", 1, True),
        ("mqtt", 1, True),
    ]


def test_failing_receiver_is_retried_with_backoff_until_it_accepts(market: Market) -> None:
    api = market.api
    receiver = Receiver(failures=1, failure_status=500, path="/hooks/alerts")
    try:
        assert api.as_org("lao-wang", "POST", "/v1/webhooks", json={"url": receiver.url}).status_code == 201
        _open(market)
        sender = NoticeSender(api.services)
        first = sender.run_once(NOW)
        early = sender.run_once(NOW + dt.timedelta(seconds=1))
        later = sender.run_once(NOW + dt.timedelta(seconds=3))
    finally:
        receiver.close()
    with Session(api.services.engine) as session:
        hook = session.exec(select(OwedNotice).where(OwedNotice.channel == "webhook")).one()

    assert (first, early, later) == (2, 0, 1)  # MQTT at once; the webhook on its retry after 2 s
    assert (hook.attempts, hook.last_error, hook.delivered_at is not None) == (2, None, True)
    assert len(receiver.received) == 1


def test_rolled_back_alert_leaves_no_row_no_record_and_owes_nothing(market: Market) -> None:
    api = market.api
    size = api.services.ledger.size()

    def fails_after_the_alert() -> None:
        with writing(api.services) as session:
            open_alert(
                session, AlertSink.of(api.services), org=market.vendor, rule="short_weight",
                subject_type="vendor", subject_id="lao-wang", place="A-07", detail="short", at=NOW,
            )  # fmt: skip
            raise RuntimeError("the fact's transaction fails after the alert")

    with pytest.raises(RuntimeError):
        fails_after_the_alert()
    with Session(api.services.engine) as session:
        assert session.exec(select(Alert)).all() == []
        assert session.exec(select(OwedNotice)).all() == []
    assert api.services.ledger.size() == size
