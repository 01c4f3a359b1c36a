"""The MQTT ingest worker on real brokers: every reading recorded exactly once, whatever happens.

The no-loss checks compare sets, as Jepsen's total-queue check does: the set of readings the
devices had acknowledged by the broker against the set the ledger holds, with no reading twice.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func
from sqlmodel import Session, col, select

from evidence import Ledger, make_engine, write_transaction
from evidence._tables import RECORDS
from ingest import AlertRules, Ingestor, IngestWorker, WorkerOptions
from tests._notices import delivered_once, refused_while_away
from trace_api.app import create_app
from trace_api.coldchain import Alert, DeadLetter, SensorReading
from trace_api.notices import NoticeSender, OwedNotice

from ._broker import BrokerClient, ConfiguredBroker
from .conftest import ColdStore, Counted

SERVICE, SERVICE_PASSWORD = "suyuan", "service-secret"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Waits for a condition observed from outside (a database, a process), bounded."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pause.wait(0.05)


def recorded_seqs(store: ColdStore, device: str = "cs-01") -> list[int]:
    username = store.devices[device]["device"]["username"]
    with Session(store.api.services.engine) as session:
        query = select(SensorReading.seq, SensorReading.record_id).order_by(col(SensorReading.seq))
        rows = session.exec(query).all()
    return [seq for seq, record_id in rows if record_id.startswith(f"reading:{username}:")]


def reading_records(store: ColdStore) -> list[str]:
    with store.api.services.engine.connect() as conn:
        query = select(RECORDS.c.record_id).where(RECORDS.c.kind == "sensor.reading")
        return [r for (r,) in conn.execute(query)]


def test_worker_records_readings_once_and_its_alerts_reach_the_local_broker_after_commit(
    cold_store: ColdStore, mqtt_url: str, run_worker: Callable[..., tuple[IngestWorker, Counted]]
) -> None:
    worker, counted = run_worker(mqtt_url)
    alerts: list[dict[str, object]] = []
    got_alert = threading.Event()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_alert(_c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        alerts.append(json.loads(message.payload))
        got_alert.set()

    subscribed = threading.Event()
    listener.on_message = on_alert
    listener.on_subscribe = lambda *_: subscribed.set()
    listener.connect("127.0.0.1", int(mqtt_url.rsplit(":", 1)[1]))
    listener.loop_start()
    listener.subscribe("suyuan/v1/haixian/alerts", qos=1)
    assert subscribed.wait(5)
    try:
        messages = [
            cold_store.message("cs-01", "temperature", cold_store.at(60 * i), celsius=-21.0) for i in range(5)
        ]
        messages += [cold_store.message("cs-01", "temperature", cold_store.at(300 + 300 * i), celsius=-8.0)
                     for i in range(3)]  # fmt: skip
        messages += messages[:4]  # the device sends four again
        messages.append(cold_store.message("cs-01", "temperature", celsius="warm"))
        cold_store.clock.now = cold_store.at(3600)  # the readings are from the last hour
        publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        publisher.connect("127.0.0.1", int(mqtt_url.rsplit(":", 1)[1]))
        publisher.loop_start()
        for message in messages:
            publisher.publish(message.topic, message.payload, qos=1).wait_for_publish(5)
        publisher.disconnect()
        publisher.loop_stop()
        counted.wait_for(len(messages))
        assert not got_alert.is_set()  # owed by the batch's transaction, sent by the notice sender
        assert NoticeSender(cold_store.api.services).run_once(cold_store.clock.now) == 1
        assert got_alert.wait(10), "no alert reached suyuan/v1/haixian/alerts"
    finally:
        listener.disconnect()
        listener.loop_stop()
    assert recorded_seqs(cold_store) == list(range(8))
    assert len(reading_records(cold_store)) == 8
    assert worker.stats.outcomes["duplicate"] == 4
    assert worker.stats.dead_reasons == {"schema": 1}
    assert worker.stats.alerts_owed == 1
    assert alerts[0]["event"] == "alert.opened"
    assert alerts[0]["rule"] == "temperature"
    assert alerts[0]["batches"] == [cold_store.batch_id]


@pytest.fixture
def broker(tmp_path: Path, cold_store: ColdStore) -> Iterator[ConfiguredBroker]:
    """A private Mosquitto with the shipped configuration, knowing cs-01 and the service user."""
    device = cold_store.devices["cs-01"]["mqtt"]
    users = {SERVICE: SERVICE_PASSWORD, device["username"]: device["password"]}
    extra = cold_store.add_device("haixian", "cs-02", kinds=["temperature"], location="Cold store 2")
    users[extra["mqtt"]["username"]] = extra["mqtt"]["password"]
    with ConfiguredBroker(tmp_path / "broker", users, [SERVICE]) as running:
        yield running


def service_url(broker: ConfiguredBroker) -> str:
    return f"mqtt://{SERVICE}:{SERVICE_PASSWORD}@127.0.0.1:{broker.port}"


def device_client(store: ColdStore, broker: ConfiguredBroker, name: str) -> BrokerClient:
    mqtt_login = store.devices[name]["mqtt"]
    client = BrokerClient(
        broker, mqtt_login["username"], mqtt_login["password"], f"dev-{name}-{uuid.uuid4().hex[:6]}"
    )
    assert not client.connect().is_failure
    return client


def test_shared_subscription_splits_readings_between_two_workers_without_loss_or_duplicates(
    cold_store: ColdStore, broker: ConfiguredBroker, run_worker: Callable[..., tuple[IngestWorker, Counted]]
) -> None:
    first, first_count = run_worker(service_url(broker), "worker-a", "ingest")
    second, second_count = run_worker(service_url(broker), "worker-b", "ingest")
    device = device_client(cold_store, broker, "cs-01")
    messages = [
        cold_store.message("cs-01", "temperature", cold_store.at(i), celsius=-20.0) for i in range(200)
    ]
    codes = device.publish_all([(m.topic, m.payload) for m in messages])
    device.close()
    assert all(not code.is_failure for code in codes)
    wait_until(lambda: first_count.total + second_count.total >= 200, 20, "both workers to take 200 readings")
    assert first.stats.outcomes["recorded"] > 0
    assert second.stats.outcomes["recorded"] > 0
    assert first.stats.outcomes["recorded"] + second.stats.outcomes["recorded"] == 200
    assert recorded_seqs(cold_store) == list(range(200))
    assert len(reading_records(cold_store)) == 200


def test_excursion_alert_is_owed_by_the_worker_and_delivered_once_the_broker_takes_it(
    cold_store: ColdStore, broker: ConfiguredBroker, run_worker: Callable[..., tuple[IngestWorker, Counted]]
) -> None:
    """The alert a batch opens is owed in its transaction; the broker refusing the notice sender's
    first attempt (it is down) loses nothing: the next attempt after the backoff delivers it."""
    _, counted = run_worker(service_url(broker))
    device = device_client(cold_store, broker, "cs-01")
    username = cold_store.devices["cs-01"]["device"]["username"]
    readings = [
        cold_store.message("cs-01", "temperature", cold_store.at(300 * i), celsius=-8.0) for i in range(3)
    ]
    cold_store.clock.now = cold_store.at(3600)
    assert all(not code.is_failure for code in device.publish_all([(m.topic, m.payload) for m in readings]))
    device.close()
    counted.wait_for(len(readings))
    [owed] = _owed_notices(cold_store)
    assert (owed.event, owed.target, owed.attempts, owed.delivered_at) == (
        "alert.opened",
        "suyuan/v1/haixian/alerts",
        0,
        None,
    )

    settings = cold_store.api.services.settings.model_copy(update={"mqtt_url": service_url(broker)})
    sender = NoticeSender(dataclasses.replace(cold_store.api.services, settings=settings))
    broker.stop()
    now = cold_store.clock.now
    refused_while_away(sender, lambda: _owed_notices(cold_store), now)

    broker.start()
    message = delivered_once(sender, BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "regulator"), now)
    told = json.loads(message.payload)
    assert message.topic == "suyuan/v1/haixian/alerts"
    assert (told["event"], told["rule"], told["device"], told["record_id"]) == (
        "alert.opened",
        "temperature",
        username,
        owed.record_id,
    )
    assert told["batches"] == [cold_store.batch_id]
    [delivered] = _owed_notices(cold_store)
    assert (delivered.attempts, delivered.last_error, delivered.delivered_at is not None) == (2, None, True)


def _owed_notices(store: ColdStore) -> list[OwedNotice]:
    with Session(store.api.services.engine) as session:
        return list(session.exec(select(OwedNotice).order_by(col(OwedNotice.id))))


def test_device_publishing_under_another_devices_topic_is_refused_and_never_recorded(
    cold_store: ColdStore, broker: ConfiguredBroker, run_worker: Callable[..., tuple[IngestWorker, Counted]]
) -> None:
    _, counted = run_worker(service_url(broker))
    impostor = device_client(cold_store, broker, "cs-02")
    forged = cold_store.message("cs-01", "temperature", celsius=-5.0)
    assert impostor.publish(forged.topic, forged.payload).value == 135  # Not authorized
    impostor.close()
    honest = device_client(cold_store, broker, "cs-01")
    genuine = cold_store.message("cs-01", "temperature", celsius=-20.0)
    assert not honest.publish(genuine.topic, genuine.payload).is_failure
    honest.close()
    counted.wait_for(1)
    assert recorded_seqs(cold_store) == [1]  # seq 0 was the forged one
    with Session(cold_store.api.services.engine) as session:
        assert session.exec(select(func.count()).select_from(DeadLetter)).one() == 0


def _worker_process(store: ColdStore, broker: ConfiguredBroker, log: Path) -> subprocess.Popen[bytes]:
    settings = store.api.services.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUYUAN_")}
    env.update(
        {
            "SUYUAN_DATA_DIR": str(settings.data_dir),
            "SUYUAN_DATABASE_URL": settings.resolved_database_url,
            "SUYUAN_MQTT_URL": service_url(broker),
            "SUYUAN_MQTT_CLIENT_ID": "worker-killed",
            "SUYUAN_INGEST_BATCH_SIZE": "20",
            "PYTHONUNBUFFERED": "1",
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "suyuan", "ingest", "mqtt"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # leadership is per database
def test_ingest_command_sends_the_alert_notices_it_owes(
    cold_store: ColdStore, broker: ConfiguredBroker, tmp_path: Path
) -> None:
    """``suyuan ingest mqtt`` on its own (no trace API on the database) runs the notice sender:
    the alert a batch owes reaches the broker from the outbox."""
    listener = BrokerClient(broker, SERVICE, SERVICE_PASSWORD, "regulator")
    assert not listener.connect().is_failure
    assert not listener.subscribe("suyuan/v1/haixian/alerts").is_failure
    device = device_client(cold_store, broker, "cs-01")
    # −8 °C in the frozen store for 650 s, up to just now: the worker's own clock opens the alert.
    readings = [
        (m.topic, m.payload)
        for m in (
            cold_store.message("cs-01", "temperature", cold_store.at(s), celsius=-8.0)
            for s in (-700, -375, -50)
        )
    ]
    worker = _worker_process(cold_store, broker, tmp_path / "worker.log")
    try:

        def recorded() -> bool:
            # Sent again until the worker, once subscribed, has them: a second delivery is a duplicate.
            device.publish_all(readings)
            return recorded_seqs(cold_store) == [0, 1, 2]

        wait_until(recorded, 60, "the worker to record the readings")
        message = listener.next_message(timeout=30)
    finally:
        worker.terminate()
        worker.wait(30)
        device.close()
        listener.close()
    told = json.loads(message.payload)
    assert (told["event"], told["rule"], told["organisation"]) == ("alert.opened", "temperature", "haixian")
    [owed] = _owed_notices(cold_store)
    assert (owed.record_id, owed.attempts, owed.delivered_at is not None) == (told["record_id"], 1, True)


class Publisher(threading.Thread):
    """A device publishing a known set of readings, re-sending whatever the broker did not acknowledge."""

    def __init__(self, store: ColdStore, broker: ConfiguredBroker, count: int) -> None:
        super().__init__(daemon=True)
        self.store, self.broker, self.count = store, broker, count
        self.messages = [
            store.message("cs-01", "temperature", store.at(i - count), celsius=-19.5) for i in range(count)
        ]
        self.acknowledged: set[int] = set()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            client = self._connect()
            for start in range(0, self.count, 10):
                chunk = self.messages[start : start + 10]
                while True:
                    try:
                        codes = client.publish_all([(m.topic, m.payload) for m in chunk], timeout=3)
                    except (TimeoutError, OSError):
                        client.close()
                        client = self._connect()  # the broker went away: send the chunk again
                        continue
                    # 16 would mean no subscription held it: a reading lost before any worker saw it.
                    assert all(not c.is_failure and c.value != 16 for c in codes), codes
                    self.acknowledged.update(range(start, start + len(chunk)))
                    break
            client.close()
        except BaseException as exc:
            self.failure = exc

    def _connect(self) -> BrokerClient:
        deadline = time.monotonic() + 30
        while True:
            try:
                return device_client(self.store, self.broker, "cs-01")
            except (OSError, TimeoutError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                threading.Event().wait(0.2)  # the broker is restarting: try again, bounded


def test_no_reading_lost_or_recorded_twice_when_worker_killed_and_broker_restarted(
    cold_store: ColdStore, broker: ConfiguredBroker, tmp_path: Path
) -> None:
    total = 400
    log = tmp_path / "worker.log"
    # The worker's persistent session exists before any reading is published, as in production.
    first = IngestWorker(
        cold_store.ingestor, WorkerOptions(url=service_url(broker), client_id="worker-killed")
    )
    first.start()
    assert first.subscribed.wait(10)
    first.client.disconnect()
    first.client.loop_stop()
    worker = _worker_process(cold_store, broker, log)
    publisher = Publisher(cold_store, broker, total)
    publisher.start()
    try:
        for round_, fault in enumerate(("kill worker", "restart broker", "kill worker", "kill worker")):
            target = (round_ + 1) * total // 6
            wait_until(
                lambda t=target: len(recorded_seqs(cold_store)) >= t, 60, f"{target} readings recorded"
            )
            if fault == "restart broker":
                broker.restart()  # the running worker and the publisher reconnect by themselves
                continue
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            worker = _worker_process(cold_store, broker, log)
        publisher.join(60)
        assert publisher.failure is None, publisher.failure
        wait_until(lambda: len(recorded_seqs(cold_store)) >= total, 60, "every reading recorded")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
    assert publisher.acknowledged == set(range(total))
    assert recorded_seqs(cold_store) == list(range(total)), log.read_text()[-3000:]
    records = reading_records(cold_store)
    assert len(records) == len(set(records)) == total
    with Session(cold_store.api.services.engine) as session:
        assert session.exec(select(func.count()).select_from(DeadLetter)).one() == 0
        assert session.exec(select(func.count()).select_from(Alert)).one() == 0


def _readyz(client: TestClient, status: int, timeout: float = 20) -> dict[str, Any]:
    """The /readyz answer once it has ``status``, bounded."""
    found: dict[str, Any] = {}

    def answered() -> bool:
        response = client.get("/readyz")
        found.update(response.json())
        return response.status_code == status

    wait_until(answered, timeout, f"/readyz answering {status}")
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_worker_survives_a_locked_database_and_readyz_names_it_while_it_stalls(
    cold_store: ColdStore, database_url: str, mqtt_url: str
) -> None:
    api = cold_store.api
    engine = make_engine(database_url, lock_timeout_s=0.2)  # its writers give up on the lock quickly
    ledger = Ledger(engine, api.services.ledger.origin, api.services.ledger.signer)
    ingestor = Ingestor(engine, ledger, AlertRules(), api.services.settings.public_url, cold_store.clock)
    counted = Counted()
    options = WorkerOptions(
        url=mqtt_url,
        client_id=f"test-{uuid.uuid4().hex[:12]}",
        share_group=f"g{uuid.uuid4().hex[:12]}",
        session_expiry_s=30,
        sweep_every_s=3600,
        retry_after_s=0.05,
        max_backoff_s=0.2,
        stall_after_s=1.0,
    )
    worker = IngestWorker(ingestor, options, on_batch=counted)
    services = dataclasses.replace(
        api.services,
        settings=api.services.settings.model_copy(update={"anchor_every_seconds": 60.0}),
        background=[],
    )
    stop = worker.serve(services.background)
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    try:
        assert worker.subscribed.wait(10), "the worker did not subscribe"
        publisher.connect("127.0.0.1", int(mqtt_url.rsplit(":", 1)[1]))
        publisher.loop_start()
        with TestClient(create_app(services)) as client:
            assert client.get("/readyz").status_code == 200
            with write_transaction(api.services.engine, api.services.ledger.lock_name):  # another writer
                for i in range(3):
                    message = cold_store.message(
                        "cs-01", "temperature", cold_store.at(-60 * (3 - i)), celsius=-20
                    )
                    publisher.publish(message.topic, message.payload, qos=1).wait_for_publish(5)
                stalled = _readyz(client, 503)
            recovered = _readyz(client, 200)
        counted.wait_for(3)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        stop()
        engine.dispose()

    assert [f["part"] for f in stalled["failing"]] == ["ingest"]
    assert "database is locked" in stalled["parts"]["ingest"]["last_error"]
    assert recovered["parts"]["ingest"]["consecutive_failures"] == 0
    assert recorded_seqs(cold_store) == [0, 1, 2]
    assert worker.stats.outcomes["recorded"] == 3
