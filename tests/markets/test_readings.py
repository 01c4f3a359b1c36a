"""The market's devices through ingest: a rapid-test terminal's results (``rapid_test``) and the
recheck scale's weighings (``weight`` with ``declared_kg``), taken exactly once in the transaction
that records them; a failure opens its disposal and alert, a short weighing a ``short_weight`` alert
against the stall's vendor until the operator resolves it; and the whole path over the real broker."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlmodel import Session, col, select

from evidence import write_transaction
from ingest import Ingestor, IngestWorker, Message, Outcome
from ingest._process import rfc3339
from tests._mqtt import Inbox
from tests._webhooks import Receiver
from tests.ingest.test_worker import wait_until
from tests.markets.conftest import MARKET, Market, ingest_worker, ingestor_of
from trace_api.alerting import AlertSink
from trace_api.coldchain import Alert, DeadLetter
from trace_api.devices import Device, DeviceReading
from trace_api.facts import ReadingRecorded
from trace_api.markets import Disposal, RapidTest, Stall, Weighing
from trace_api.markets.readings import WEIGHINGS
from trace_api.markets.service import market_day
from trace_api.notices import NoticeSender, notices_of
from trace_api.orgs.models import Organisation


@dataclass
class Devices:
    """The market's terminal ``kj-01`` and recheck scale ``fc-01``, and an ingestor on its database."""

    market: Market
    ingestor: Ingestor
    seqs: dict[str, int]

    def message(self, device: str, kind: str, at: dt.datetime | None = None, **body: Any) -> Message:
        seq = self.seqs.setdefault(device, 0)
        self.seqs[device] = seq + 1
        payload = {"seq": seq, "time": rfc3339(at or dt.datetime.now(dt.UTC)), **body}
        return Message(f"suyuan/v1/{MARKET}/{device}/{kind}", json.dumps(payload).encode())

    def result(self, stall: str, product: str, value: float, sample: str) -> Message:
        return self.message(
            "kj-01", "rapid_test", sample=sample, stall=stall, product=product, method="enzyme_inhibition",
            value=value, unit="%", threshold=50, passed=value < 50,
        )  # fmt: skip

    def weighing(self, stall: str, product: str, declared: float, kg: float, price: float) -> Message:
        return self.message(
            "fc-01", "weight", kg=kg, declared_kg=declared, stall=stall, product=product, unit_price=price
        )

    def rows(self, model: Any) -> list[Any]:
        with Session(self.market.api.services.engine) as session:
            return list(session.exec(select(model)).all())


@pytest.fixture
def devices(market: Market) -> Devices:
    for name, kind in (("kj-01", "rapid_test"), ("fc-01", "weight")):
        body = {"name": name, "kinds": [kind], "location": MARKET}
        response = market.api.as_org(MARKET, "POST", "/v1/devices", json=body)
        assert response.status_code == 201, response.text
    return Devices(market, ingestor_of(market.api), {})


def test_a_terminals_failed_result_opens_its_disposal_once(devices: Devices) -> None:
    market = devices.market
    spinach = market.bought("veg-wang", "A-01", "菠菜")
    failed, passed = devices.result("A-01", "菠菜", 62.5, "S-1"), devices.result("A-02", "韭菜", 12.0, "S-2")

    first = devices.ingestor.ingest([failed, passed])
    again = devices.ingestor.ingest([failed])
    assert first.outcomes == [Outcome.recorded, Outcome.recorded], first.dead_reasons
    assert again.outcomes == [Outcome.duplicate]

    tests = market.call(MARKET, "GET", "/rapid-tests", 200)["rapid_tests"]
    assert {(t["sample"], t["passed"], t["device"]) for t in tests} == {
        ("S-1", False, f"{MARKET}/kj-01"),
        ("S-2", True, f"{MARKET}/kj-01"),
    }
    record = market.api.services.ledger.get(next(t["record_id"] for t in tests if t["sample"] == "S-1"))
    assert record.record().kind == "sensor.reading"  # the terminal's own reading is the evidence
    disposals = devices.rows(Disposal)
    assert [(d.product, d.vendor_org_id is not None) for d in disposals] == [("菠菜", True)]
    assert market.ledger_entry("veg-wang", "A-01", spinach["id"])["status"] == "blocked"
    alerts = devices.rows(Alert)
    assert [(a.rule, a.subject_id, a.device_id) for a in alerts] == [
        ("rapid_test_failed", disposals[0].id, None)
    ]


def test_each_result_and_weighing_is_stored_as_its_own_record_says(devices: Devices) -> None:
    """The stall, product and figures a row holds are those of the reading's ledger record."""
    taken = devices.ingestor.ingest(
        [devices.result("A-01", "菠菜", 12.5, "S-7"), devices.weighing("A-02", "韭菜", 0.5, 0.498, 10.0)]
    )
    assert taken.outcomes == [Outcome.recorded] * 2
    ledger = devices.market.api.services.ledger
    (test,) = devices.rows(RapidTest)
    fact = ReadingRecorded.of(ledger.get(test.record_id))
    assert fact.details == {
        "sample": "S-7", "stall": "A-01", "product": "菠菜", "method": "enzyme_inhibition", "value": 12.5,
        "unit": "%", "threshold": 50.0, "passed": True,
    }  # fmt: skip
    assert (test.sample, test.product, test.value, test.passed) == ("S-7", "菠菜", 12.5, True)
    (weighing,) = devices.rows(Weighing)
    fact = ReadingRecorded.of(ledger.get(weighing.record_id))
    assert fact.details == {
        "kg": 0.498, "declared_kg": 0.5, "stall": "A-02", "product": "韭菜", "unit_price": 10.0
    }  # fmt: skip
    stall = next(s for s in devices.rows(Stall) if s.id == weighing.stall_id)
    assert (stall.code, weighing.product, weighing.declared_kg, weighing.measured_kg) == (
        "A-02",
        "韭菜",
        0.5,
        0.498,
    )
    assert (weighing.unit_price, weighing.ledger_index) == (10.0, ledger.get(weighing.record_id).index)


def test_a_weighing_is_stored_as_sent_when_its_batch_reuses_its_sequence_number(devices: Devices) -> None:
    """Weighings are judged before the writer lock; the one stored is the one its record holds."""
    first = devices.weighing("A-01", "菠菜", 1.0, 0.97, 6.4)
    body = json.loads(first.payload) | {"kg": 1.0, "product": "青菜"}  # same seq, other content
    taken = devices.ingestor.ingest([first, Message(first.topic, json.dumps(body).encode())])
    assert taken.outcomes == [Outcome.recorded, Outcome.dead_letter]
    assert taken.dead_reasons == ["sequence_reused"]
    (weighing,) = devices.rows(Weighing)
    assert (weighing.product, weighing.measured_kg, weighing.short) == ("菠菜", 0.97, True)
    details = ReadingRecorded.of(devices.market.api.services.ledger.get(weighing.record_id)).details
    assert details is not None
    assert (details["product"], details["kg"]) == ("菠菜", 0.97)


def test_a_result_of_a_stall_the_market_does_not_have_is_a_dead_letter(devices: Devices) -> None:
    result = devices.ingestor.ingest([devices.result("Z-99", "菠菜", 70.0, "S-9")])
    assert result.outcomes == [Outcome.dead_letter]
    dead = devices.rows(DeadLetter)
    assert [(d.reason, d.detail) for d in dead] == [
        ("unknown_stall", f"stall: 'Z-99' is not a stall of market {MARKET}")
    ]
    assert devices.rows(RapidTest) == []


def test_a_result_the_market_cannot_store_is_a_dead_letter_naming_the_field(devices: Devices) -> None:
    """A unit longer than a rapid test's 16 characters is a fine reading but no rapid test: it is
    refused before anything is written, and the rest of its batch is taken."""
    long_unit = devices.message(
        "kj-01", "rapid_test", sample="S-8", stall="A-01", product="菠菜", method="enzyme_inhibition",
        value=12.0, unit="milligrams-per-kilogram", threshold=50, passed=True,
    )  # fmt: skip
    result = devices.ingestor.ingest([long_unit, devices.result("A-02", "韭菜", 12.0, "S-9")])
    assert result.outcomes == [Outcome.dead_letter, Outcome.recorded]
    [dead] = devices.rows(DeadLetter)
    assert (dead.reason, dead.detail) == ("schema", "unit: String should have at most 16 characters")
    assert [t.sample for t in devices.rows(RapidTest)] == ["S-9"]


def test_a_short_weighing_alerts_the_vendor_once_until_the_operator_resolves_it(devices: Devices) -> None:
    market = devices.market
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    batch = [
        devices.message("fc-01", "weight", at=earlier, kg=1.0, declared_kg=1.0, stall="A-01", product="菠菜",
                        unit_price=6.0),
        devices.weighing("A-01", "菠菜", 1.0, 0.97, 6.4),  # 30 g short of 1 kg: 15 g allowed
        devices.weighing("A-01", "青菜", 2.0, 1.95, 4.0),  # short again: no second alert
        devices.weighing("A-02", "韭菜", 0.5, 0.488, 10.0),  # 12 g short of 500 g: 15 g allowed
    ]  # fmt: skip
    assert devices.ingestor.ingest(batch).outcomes == [Outcome.recorded] * 4

    weighings = market.call(MARKET, "GET", "/weighings?short=true", 200)["weighings"]
    assert [(w["stall"], w["product"], w["short_kg"], w["tolerance_kg"]) for w in weighings] == [
        ("A-01", "青菜", 0.05, 0.03),
        ("A-01", "菠菜", 0.03, 0.015),
    ]
    alerts = [a for a in devices.rows(Alert) if a.rule == "short_weight"]
    assert len(alerts) == 1
    assert (
        alerts[0].detail
        == "菠菜: declared 1 kg, weighed 0.97 kg on the recheck scale, 30 g short (allowed 15.0 g)"
    )
    listed = market.api.as_org("veg-wang", "GET", "/v1/alerts", params={"rule": "short_weight"}).json()[
        "alerts"
    ]
    assert [(a["organisation"], a["subject_type"]) for a in listed] == [("veg-wang", "market_stall")]
    prices = market.call("veg-li", "GET", "/prices", 200)["prices"]
    assert [(p["stall"], p["product"], p["unit_price"]) for p in prices] == [("A-02", "韭菜", 10.0)]
    board = market.api.client.get(f"/markets/{MARKET}?format=json").json()
    assert [(p["stall"], p["product"], p["yuan_per_kg"], p["yuan_per_jin"]) for p in board["prices"]] == [
        ("A-01", "菠菜", 6.4, 3.2),
        ("A-01", "青菜", 4.0, 2.0),
        ("A-02", "韭菜", 10.0, 5.0),
    ]

    path = "/stalls/A-01/short-weight/resolve"
    note = {"note": "Scale at A-01 recalibrated; vendor warned."}
    assert market.call("veg-wang", "POST", path, json=note).status_code == 403
    resolved = market.call(MARKET, "POST", path, 200, json=note)
    assert resolved["alert_id"] == alerts[0].id
    again = market.call(MARKET, "POST", path, json=note)
    assert (again.status_code, again.json()["reason"]) == (409, "no_open_alert")
    closed = market.api.services.ledger.get(f"alert:{alerts[0].id}:closed").record()
    assert closed.payload["note"] == f"resolved by {MARKET}: Scale at A-01 recalibrated; vendor warned."

    devices.ingestor.ingest([devices.weighing("A-01", "菠菜", 1.0, 0.9, 6.4)])
    assert len([a for a in devices.rows(Alert) if a.rule == "short_weight" and a.closed_at is None]) == 1


def test_short_weighings_at_several_stalls_in_one_batch_each_open_an_alert_and_owe_its_notices(
    devices: Devices,
) -> None:
    market = devices.market
    receiver = Receiver(path="/hooks/alerts")
    try:
        hook = market.api.as_org("veg-li", "POST", "/v1/webhooks", json={"url": receiver.url})
        assert hook.status_code == 201, hook.text
        batch = [
            devices.weighing("A-01", "菠菜", 1.0, 0.95, 6.4),  # veg-wang's stall
            devices.weighing("A-02", "韭菜", 2.0, 1.9, 10.0),  # veg-li's, with a webhook
            devices.weighing("B-01", "猪肉", 0.5, 0.45, 30.0),  # not let: the operator's
            devices.weighing("A-02", "韭菜", 2.0, 1.9, 10.0),  # short again: no second alert
        ]
        assert devices.ingestor.ingest(batch).outcomes == [Outcome.recorded] * 4
    finally:
        receiver.close()

    handles = {o.id: o.handle for o in devices.rows(Organisation)}
    stalls = {s.id: s.code for s in devices.rows(Stall)}
    alerts = sorted(devices.rows(Alert), key=lambda a: stalls[a.subject_id or ""])
    assert [(stalls[a.subject_id or ""], handles[a.org_id], a.rule) for a in alerts] == [
        ("A-01", "veg-wang", "short_weight"),
        ("A-02", "veg-li", "short_weight"),
        ("B-01", MARKET, "short_weight"),
    ]
    ledger = market.api.services.ledger
    opened = {a.id: ledger.get(a.open_record_id) for a in alerts}
    assert [opened[a.id].record().payload["alert_id"] for a in alerts] == [a.id for a in alerts]
    with Session(market.api.services.engine) as session:
        owed = notices_of(session, [a.open_record_id for a in alerts])
    told = {
        (stalls[a.subject_id or ""], handles[n.org_id], n.channel.value)
        for a in alerts
        for n in owed
        if n.record_id == a.open_record_id
    }
    assert told == {
        ("A-01", "veg-wang", "mqtt"), ("A-01", MARKET, "mqtt"),
        ("A-02", "veg-li", "mqtt"), ("A-02", "veg-li", "webhook"), ("A-02", MARKET, "mqtt"),
        ("B-01", MARKET, "mqtt"),
    }  # fmt: skip
    assert len(owed) == len(told)
    by_record = {a.open_record_id: a for a in alerts}
    assert all(json.loads(n.message)["index"] == opened[by_record[n.record_id].id].index for n in owed)


def test_a_weighing_without_a_declared_quantity_is_no_markets_business(devices: Devices) -> None:
    cold_store = devices.message("fc-01", "weight", kg=12.5)
    no_stall = devices.message("fc-01", "weight", kg=1.0, declared_kg=1.0, product="菠菜")
    result = devices.ingestor.ingest([cold_store, no_stall])
    assert result.outcomes == [Outcome.recorded, Outcome.dead_letter]
    assert [(d.reason, d.detail) for d in devices.rows(DeadLetter)] == [
        ("schema", "stall: a recheck weighing names its stall")
    ]
    assert devices.rows(Weighing) == []


def test_a_stall_let_between_a_weighings_check_and_its_take_is_the_new_vendors(devices: Devices) -> None:
    """The check finds the stalls' vendors before the writer lock; a stall it found not let is
    asked again inside it, and one it found let keeps its vendor (rentals are only ever added)."""
    market, services = devices.market, devices.market.api.services
    with Session(services.engine) as session:
        device = session.exec(select(Device).where(Device.username == f"{MARKET}/fc-01")).one()
        org = session.exec(select(Organisation).where(Organisation.id == device.org_id)).one()
        session.expunge_all()
    at = dt.datetime.now(dt.UTC)
    fields = {"kg": 1.0, "declared_kg": 1.0, "product": "猪肉", "unit_price": 30.0}
    readings = [
        DeviceReading(device, org, "weight", seq, at, {**fields, "seq": seq, "stall": stall})
        for seq, stall in enumerate(("B-01", "A-01"))
    ]
    with Session(services.engine) as session:
        for reading in readings:
            WEIGHINGS.check(session, reading)
        looked_up = dict(session.info)
    today = market_day(at)
    rental = {"vendor": "veg-li", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=30))}
    market.call(MARKET, "POST", "/stalls/B-01/rentals", 201, json=rental)

    ledger = services.ledger
    with (
        write_transaction(services.engine, ledger.lock_name) as conn,
        Session(bind=conn, info=looked_up) as session,
    ):
        taken = [r._replace(record_id=f"reading:{r.seq}", ledger_index=r.seq) for r in readings]
        WEIGHINGS.take(session, AlertSink(ledger, None), taken, at)
    query = (
        select(Stall.code, Organisation.handle)
        .join(Weighing, col(Weighing.stall_id) == Stall.id)
        .join(Organisation, col(Organisation.id) == Weighing.vendor_org_id)
    )
    with Session(services.engine) as session:
        vendors = dict(session.exec(query).all())
    assert vendors == {"B-01": "veg-li", "A-01": "veg-wang"}


def test_a_stall_added_or_let_after_earlier_batches_is_found(devices: Devices) -> None:
    """A worker remembers the stalls and rentals it found between batches; a stall added since, or
    let since it was found not let, is looked up again."""
    market = devices.market
    first = devices.ingestor.ingest(
        [devices.weighing("A-01", "菠菜", 1.0, 1.0, 6.0), devices.weighing("B-01", "猪肉", 1.0, 1.0, 30.0)]
    )
    assert first.outcomes == [Outcome.recorded] * 2
    market.call(MARKET, "POST", "/stalls", 201, json={"code": "C-01", "category": "vegetables"})
    today = market.today
    rental = {"vendor": "veg-li", "starts_on": str(today), "ends_on": str(today + dt.timedelta(days=9))}
    market.call(MARKET, "POST", "/stalls/B-01/rentals", 201, json=rental)
    second = devices.ingestor.ingest(
        [devices.weighing("C-01", "青菜", 1.0, 1.0, 4.0), devices.weighing("B-01", "猪肉", 1.0, 1.0, 30.0)]
    )
    assert second.outcomes == [Outcome.recorded] * 2, second.dead_reasons
    query = (
        select(Stall.code, Weighing.vendor_org_id)
        .join(Stall, col(Stall.id) == Weighing.stall_id)
        .order_by(col(Weighing.id))
    )
    with Session(market.api.services.engine) as session:
        taken = [(code, vendor is not None) for code, vendor in session.exec(query)]
    assert taken == [("A-01", True), ("B-01", False), ("C-01", False), ("B-01", True)]


@pytest.fixture
def worker(devices: Devices, mqtt_url: str) -> Iterator[IngestWorker]:
    with ingest_worker(devices.ingestor, mqtt_url) as running:
        yield running


def test_a_failed_result_over_the_broker_blocks_the_lot_and_tells_the_vendor(
    devices: Devices, worker: IngestWorker, mqtt_url: str
) -> None:
    market = devices.market
    spinach = market.bought("veg-wang", "A-01", "菠菜")
    inbox = Inbox(mqtt_url, "suyuan/v1/veg-wang/alerts")
    host, port = mqtt_url.removeprefix("mqtt://").split(":")
    terminal = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    try:
        terminal.connect(host, int(port))
        terminal.loop_start()
        message = devices.result("A-01", "菠菜", 71.0, "S-MQTT")
        terminal.publish(message.topic, message.payload, qos=1).wait_for_publish(10)
        wait_until(
            lambda: market.ledger_entry("veg-wang", "A-01", spinach["id"])["status"] == "blocked",
            20,
            "the worker to take the result and block the lot",
        )
        sent = NoticeSender(market.api.services).run_once(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
        assert sent == 2  # the vendor and the operator, on MQTT
        assert inbox.arrived.wait(10)
    finally:
        terminal.loop_stop()
        terminal.disconnect()
        inbox.close()
    told = inbox.messages[0]
    assert (told["event"], told["rule"], told["organisation"]) == (
        "alert.opened",
        "rapid_test_failed",
        "veg-wang",
    )
    with Session(market.api.services.engine) as session:
        test = session.exec(select(RapidTest).order_by(col(RapidTest.tested_at).desc())).first()
    assert test is not None
    assert (test.sample, test.passed) == ("S-MQTT", False)
