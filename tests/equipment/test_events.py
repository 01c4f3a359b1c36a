"""Elevator monitors' events (reading kind ``equipment_event``) through the ingest worker's
exactly-once path: a fault opens the ``equipment_fault`` alert and ``restored`` closes it, each
event a ledger record; events about elevators that are not the device's organisation's are dead
letters; a late event changes nothing; and the same over the real MQTT broker."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlmodel import Session, select

from evidence import record_from_bytes
from ingest import AlertRules, Ingestor, IngestResult, IngestWorker, Message, Outcome, WorkerOptions
from ingest._process import rfc3339
from tests.api.conftest import Api
from tests.equipment._registry import MAINTAINER, OTHER_MAINTAINER, code, ok, register, setup_registry
from trace_api.coldchain import DeadLetter
from trace_api.equipment import EquipmentEvent


@dataclass
class Monitor:
    """The maintenance unit's monitor on the registry's elevators, and an ingest over the services."""

    api: Api
    ingestor: Ingestor
    username: str
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    seq: int = 0

    def message(self, event: str, n: int = 1, at: dt.datetime | None = None, **extra: Any) -> Message:
        body = {
            "seq": self.seq,
            "time": rfc3339(at or self.now),
            "equipment": code(n),
            "event": event,
            **extra,
        }
        self.seq += 1
        return Message(f"suyuan/v1/{self.username}/equipment_event", json.dumps(body).encode())

    def detail(self, n: int = 1) -> dict[str, Any]:
        return dict(ok(self.api.as_org("samr", "GET", f"/v1/equipment/{code(n)}"), 200))


def _device(api: Api, handle: str, name: str) -> str:
    body = {"name": name, "kinds": ["equipment_event"], "location": "3号楼 1号梯 机房"}
    return str(ok(api.as_org(handle, "POST", "/v1/devices", json=body))["device"]["username"])


@pytest.fixture
def monitor(api: Api) -> Monitor:
    setup_registry(api)
    register(api, 1)
    register(api, 2, maintainer=OTHER_MAINTAINER)
    services = api.services
    holder: list[Monitor] = []
    ingestor = Ingestor(
        services.engine, services.ledger, AlertRules(), services.settings.public_url,
        lambda: holder[0].now, mqtt_url=services.settings.mqtt_url,
    )  # fmt: skip
    holder.append(Monitor(api, ingestor, _device(api, MAINTAINER, "lift-mon-01")))
    return holder[0]


def _events(api: Api) -> list[dict[str, Any]]:
    return [
        record_from_bytes(body).payload
        for _, body in api.services.ledger.iter_records()
        if record_from_bytes(body).kind == "equipment.event"
    ]


def _fault_alerts(api: Api, status: str = "all") -> list[dict[str, Any]]:
    query = {"rule": "equipment_fault", "status": status}
    return list(ok(api.as_org(MAINTAINER, "GET", "/v1/alerts", params=query), 200)["alerts"])


def test_fault_opens_the_alert_and_restored_closes_it(monitor: Monitor) -> None:
    api = monitor.api
    trapped_at = monitor.now - dt.timedelta(minutes=3)
    result = monitor.ingestor.ingest(
        [
            monitor.message(
                "fault", at=trapped_at - dt.timedelta(minutes=1), code="E31", detail="door lock circuit"
            ),
            monitor.message("trapped", at=trapped_at),
        ]
    )

    assert result.outcomes == [Outcome.recorded, Outcome.recorded]
    detail = monitor.detail()
    assert (detail["status"], detail["fault"]) == ("fault", "trapped")
    [alert] = _fault_alerts(api)
    assert (alert["subject_id"], alert["status"], alert["organisation"]) == (code(1), "open", MAINTAINER)
    assert alert["detail"] == "fault · E31 · door lock circuit"
    events = _events(api)
    assert [e["event"] for e in events] == ["fault", "trapped"]
    assert events[0]["fault_code"] == "E31"
    assert all(api.services.ledger.get(e["reading_record_id"]) is not None for e in events)
    assert "故障 Reported out of order" in api.client.get(f"/e/{code(1)}").text

    again = monitor.ingestor.ingest([monitor.message("restored")])
    assert again.outcomes == [Outcome.recorded]
    detail = monitor.detail()
    assert (detail["status"], detail["fault"], detail["open_alerts"]) == ("normal", None, [])
    [closed] = _fault_alerts(api)
    assert closed["status"] == "closed"


def test_a_late_event_is_recorded_and_changes_nothing(monitor: Monitor) -> None:
    monitor.ingestor.ingest([monitor.message("restored")])
    late = monitor.message("alarm", at=monitor.now - dt.timedelta(minutes=10))
    assert monitor.ingestor.ingest([late]).outcomes == [Outcome.recorded]

    assert [e["event"] for e in _events(monitor.api)] == ["restored", "alarm"]
    assert monitor.detail()["status"] == "normal"
    assert _fault_alerts(monitor.api) == []


def test_events_about_elevators_not_the_devices_are_dead_letters(monitor: Monitor) -> None:
    result = monitor.ingestor.ingest(
        [monitor.message("fault", n=2), monitor.message("fault", n=9), monitor.message("explosion")]
    )

    assert result.outcomes == [Outcome.dead_letter] * 3
    assert result.dead_reasons == ["not_its_equipment", "unknown_equipment", "schema"]
    with Session(monitor.api.services.engine) as session:
        assert session.exec(select(EquipmentEvent)).all() == []
        assert len(session.exec(select(DeadLetter)).all()) == 3
    assert monitor.detail(2)["status"] == "normal"


# -- over the real broker ---------------------------------------------------------------------------


class Batches:
    def __init__(self) -> None:
        self.taken = 0
        self.changed = threading.Condition()

    def __call__(self, result: IngestResult) -> None:
        with self.changed:
            self.taken += len(result.outcomes)
            self.changed.notify_all()

    def wait_for(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.taken >= count, 20), f"{self.taken} of {count} taken"


@pytest.fixture
def worker(monitor: Monitor, mqtt_url: str) -> Iterator[Batches]:
    batches = Batches()
    options = WorkerOptions(
        url=mqtt_url, client_id=f"test-{uuid.uuid4().hex[:12]}", share_group=f"g{uuid.uuid4().hex[:12]}",
        session_expiry_s=30, batch_size=50, sweep_every_s=3600,
    )  # fmt: skip
    running = IngestWorker(monitor.ingestor, options, on_batch=batches)
    stop = threading.Event()
    thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
    thread.start()
    assert running.subscribed.wait(10), "the worker did not subscribe"
    yield batches
    stop.set()
    thread.join(10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_events_over_the_real_broker_open_and_close_the_fault_alert(
    monitor: Monitor, worker: Batches, mqtt_url: str
) -> None:
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", int(mqtt_url.rsplit(":", 1)[1]))
    publisher.loop_start()
    try:
        fault = monitor.message("fault", at=monitor.now - dt.timedelta(minutes=2), code="E05")
        publisher.publish(fault.topic, fault.payload, qos=1).wait_for_publish(5)
        worker.wait_for(1)
        assert [a["status"] for a in _fault_alerts(monitor.api)] == ["open"]
        restored = monitor.message("restored")
        publisher.publish(restored.topic, restored.payload, qos=1).wait_for_publish(5)
        publisher.publish(restored.topic, restored.payload, qos=1).wait_for_publish(5)  # sent twice
        worker.wait_for(3)
    finally:
        publisher.disconnect()
        publisher.loop_stop()

    assert [a["status"] for a in _fault_alerts(monitor.api)] == ["closed"]
    assert [e["event"] for e in _events(monitor.api)] == ["fault", "restored"]  # the repeat taken once
    assert monitor.detail()["status"] == "normal"
