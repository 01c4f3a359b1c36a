"""``suyuan bench ingest``: readings taken end to end (broker → worker → ledger commit) per second,
next to a bare paho subscriber draining the same backlog from the same broker in the same run:
a cold store's thermometers, or (``--readings market``) a farmers' market's recheck scales and
rapid-test terminals, taken by the market's domain in the readings' transaction.

The workers are separate processes (``--workers``), as deployed, splitting the load through one
shared subscription. Both consumers start from a backlog of the same readings: queued in the bare
subscriber's persistent session while it is away, and shared out by the broker between the
connected workers while they hold off taking anything. So the figures measure consumption, not
the publishers. The broker is a private Mosquitto with the shipped configuration (password file,
ACL, persistence) unless ``--mqtt-url`` names another; the workers commit to SQLite in a fresh
data directory, as the embedded default does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import json
import multiprocessing as mp
import os
import platform
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions
from sqlmodel import Session

from chain import LocalNode
from evidence import open_ledger
from ingest import (
    AlertRules,
    BrokerAddress,
    Ingestor,
    IngestResult,
    IngestSettings,
    IngestWorker,
    LocalBroker,
    Message,
    WorkerOptions,
)
from ingest.worker import DEVICE_FILTER
from trace_api.batches.models import StorageClass
from trace_api.devices import TOPIC_ROOT, DeviceIn, ReadingKind, register_device
from trace_api.orgs import Organisation, with_check_character
from trace_api.services import Services

from ._network import admit_organisation, fresh_services
from .markets import market_readings, register_market_devices

SERVICE_USER, SERVICE_PASSWORD = "suyuan", "bench-service-password"
BATCH_SIZE = 500
TIMEOUT_S = 600.0


def run_ingest_bench(
    messages: int = 20_000,
    devices: int = 50,
    workers: int = 1,
    mqtt_url: str | None = None,
    report: Callable[[str], None] = lambda _: None,
    readings: str = "coldchain",
    stalls: int = 500,
) -> dict[str, Any]:
    """``readings``: ``coldchain`` (thermometers) or ``market`` (a market of ``stalls`` stalls: its
    recheck scales and rapid-test terminals, :mod:`suyuan.bench.markets`)."""
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-ingest-") as tmp:
        root = Path(tmp)
        settings = IngestSettings(data_dir=root / "data", database_url=None, mqtt_url=mqtt_url)
        services, passwords, backlog = _prepare(root, settings, readings, messages, devices, stalls)
        ledger = services.ledger
        broker = None
        if mqtt_url is None:
            broker = LocalBroker(
                root / "broker", {SERVICE_USER: SERVICE_PASSWORD, **passwords}, [SERVICE_USER]
            )
            broker.start()
            mqtt_url = f"mqtt://{SERVICE_USER}:{SERVICE_PASSWORD}@127.0.0.1:{broker.port}"
        try:
            address = BrokerAddress.parse(mqtt_url)
            report(f"bench ingest: {messages} readings from {len(passwords)} devices, backlog drained twice")
            raw_s = _drain_raw(address, backlog, passwords)
            ingest_s, outcomes = _drain_ingest(address, mqtt_url, backlog, passwords, settings, workers)
        finally:
            if broker is not None:
                broker.stop()
            ledger.engine.dispose()
    raw_per_s, ingest_per_s = messages / raw_s, messages / ingest_s
    return {
        **_described(readings, messages, len(passwords), stalls),
        "workers": workers,
        "broker": "private mosquitto, shipped config"
        if mqtt_url and broker_is_private(mqtt_url)
        else "external",
        "raw_consume_per_s": round(raw_per_s, 1),
        "ingest_per_s": round(ingest_per_s, 1),
        "ratio": round(ingest_per_s / raw_per_s, 3),
        "target_ratio": 0.5,
        "recorded": outcomes,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def run_ingest_in_process(
    messages: int = 20_000, devices: int = 50, readings: str = "coldchain", stalls: int = 500
) -> dict[str, Any]:
    """The same readings fed to one ingestor in this process, in batches of :data:`BATCH_SIZE` as
    the broker queued them, no broker: what a reading costs the worker itself (parsing, records,
    the ledger, rules, the domain's work, the commit), in CPU time and wall time."""
    with tempfile.TemporaryDirectory(prefix="suyuan-bench-ingest-") as tmp:
        root = Path(tmp)
        settings = IngestSettings(data_dir=root / "data", database_url=None, mqtt_url=None)
        services, passwords, backlog = _prepare(root, settings, readings, messages, devices, stalls)
        # Notices are owed on MQTT as where a broker is configured; nothing sends them here.
        ingestor = Ingestor(
            services.engine, services.ledger, AlertRules(), settings.public_url, mqtt_url=OWED_ON
        )
        queued = [Message(topic, payload) for each in backlog.values() for topic, payload in each]
        gc.collect()
        gc.freeze()  # as a worker does before its first batch (IngestWorker.run)
        outcomes: dict[str, int] = {}
        started, cpu_started = time.perf_counter(), time.process_time()
        for i in range(0, len(queued), BATCH_SIZE):
            for outcome in ingestor.ingest(queued[i : i + BATCH_SIZE]).outcomes:
                outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
        gc.unfreeze()
        services.ledger.engine.dispose()
    return {
        **_described(readings, messages, len(passwords), stalls),
        "mode": "in process, no broker",
        "in_process_per_s": round(messages / wall_s, 1),
        "cpu_us_per_reading": round(cpu_s / messages * 1e6, 1),
        "recorded": outcomes,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


#: The broker the in-process run's notices are owed on (never connected to).
OWED_ON = "mqtt://127.0.0.1:1"


def _prepare(
    root: Path, settings: IngestSettings, readings: str, messages: int, devices: int, stalls: int
) -> tuple[Services, dict[str, str], dict[str, list[tuple[str, bytes]]]]:
    """Fresh services with the devices registered; their MQTT passwords and their readings."""
    with LocalNode(root / "anvil", chain_id=31337) as node:  # for admitting the organisations only
        services = fresh_services(node, settings)
        if readings == "market":
            passwords, codes = register_market_devices(services, stalls)
            return services, passwords, market_readings(passwords, codes, messages)
        passwords = _register(services, devices)
        return services, passwords, _readings(passwords, messages)


def _described(readings: str, messages: int, devices: int, stalls: int) -> dict[str, Any]:
    return {
        "bench": "ingest",
        "readings": readings,
        **({"stalls": stalls} if readings == "market" else {}),
        "messages": messages,
        "devices": devices,
        "batch_size": BATCH_SIZE,
        "database": "sqlite (WAL, synchronous=FULL)",
    }


def broker_is_private(url: str) -> bool:
    return BrokerAddress.parse(url).username == SERVICE_USER


def bench_organisation(services: Services, handle: str, name: str, org_type: str) -> Organisation:
    """The organisation that owns a benchmark's devices, admitted as ``suyuan org add`` admits one."""
    member, _ = admit_organisation(
        services, handle, name, org_type, with_check_character("91310000MA0000001")
    )
    return member.org


def _register(services: Services, devices: int) -> dict[str, str]:
    """An organisation with ``devices`` chilled-store thermometers; their MQTT passwords by username."""
    org = bench_organisation(services, "bench-coldstore", "Bench cold store", "wholesaler")
    passwords = {}
    with Session(services.engine) as session:
        for i in range(devices):
            data = DeviceIn(
                name=f"t-{i:04d}",
                kinds=[ReadingKind.temperature],
                location=f"Cold room {i % 8}",
                storage_class=StorageClass.chilled,
            )
            device, password = register_device(session, org, data)
            passwords[device.username] = password
    return passwords


def _readings(passwords: dict[str, str], messages: int) -> dict[str, list[tuple[str, bytes]]]:
    """Readings by device: in range, one second apart, sequence numbers from 0."""
    users = sorted(passwords)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=messages)
    backlog: dict[str, list[tuple[str, bytes]]] = {u: [] for u in users}
    for i in range(messages):
        user = users[i % len(users)]
        seq = len(backlog[user])
        body = {"seq": seq, "time": _rfc3339(start + dt.timedelta(seconds=i)), "celsius": 2.0 + (i % 20) / 10}
        backlog[user].append((f"{TOPIC_ROOT}/{user}/temperature", json.dumps(body).encode()))
    return backlog


def _rfc3339(at: dt.datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _publish(
    address: BrokerAddress, backlog: dict[str, list[tuple[str, bytes]]], passwords: dict[str, str]
) -> None:
    """Each device publishes its readings over its own connection, QoS 1, all acknowledged."""
    for user, readings in backlog.items():
        device = dataclasses.replace(address, username=user, password=passwords[user])
        client = device.client(f"bench-{user.replace('/', '-')}")
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        client.connect(address.host, address.port)
        client.loop_start()
        infos = [client.publish(topic, payload, qos=1) for topic, payload in readings]
        for info in infos:
            info.wait_for_publish(timeout=60)
        client.disconnect()
        client.loop_stop()


def _session_properties(receive_maximum: int) -> Properties:
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = receive_maximum
    return properties


def _drain_raw(
    address: BrokerAddress, backlog: dict[str, list[tuple[str, bytes]]], passwords: dict[str, str]
) -> float:
    """Seconds a bare paho subscriber (QoS 1, automatic acknowledgement) takes to drain the backlog."""
    total = sum(len(r) for r in backlog.values())
    received = 0
    done, subscribed = threading.Event(), threading.Event()

    def on_message(_c: mqtt.Client, _u: Any, _m: mqtt.MQTTMessage) -> None:
        nonlocal received
        received += 1
        if received >= total:
            done.set()

    client = address.client("bench-raw")
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    properties = _session_properties(BATCH_SIZE * 2)
    client.connect(address.host, address.port, clean_start=True, properties=properties)
    client.loop_start()
    client.subscribe(DEVICE_FILTER, options=SubscribeOptions(qos=1))
    if not subscribed.wait(10):
        raise RuntimeError("the raw subscriber's subscription was not acknowledged")
    client.disconnect()
    client.loop_stop()
    _publish(address, backlog, passwords)
    started = time.perf_counter()
    client.connect(address.host, address.port, clean_start=False, properties=properties)
    client.loop_start()
    finished = done.wait(TIMEOUT_S)
    elapsed = time.perf_counter() - started
    client.unsubscribe(DEVICE_FILTER)
    client.disconnect()
    client.loop_stop()
    if not finished:
        raise RuntimeError(f"the raw subscriber received {received} of {total} readings")
    return elapsed


def _drain_ingest(
    address: BrokerAddress,
    url: str,
    backlog: dict[str, list[tuple[str, bytes]]],
    passwords: dict[str, str],
    settings: IngestSettings,
    workers: int,
) -> tuple[float, dict[str, int]]:
    """Seconds ``workers`` worker processes, sharing one subscription, take to commit the backlog."""
    total = sum(len(r) for r in backlog.values())
    context = mp.get_context("spawn")
    start, stop = context.Event(), context.Event()
    counts = context.Array("i", workers * 3)
    ready = context.Barrier(workers + 1)
    processes = [
        context.Process(
            target=_worker_process, args=(settings.data_dir, url, i, ready, start, stop, counts), daemon=True
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        ready.wait(TIMEOUT_S)  # every worker is connected and subscribed, taking nothing yet
        _publish(address, backlog, passwords)
        ready.wait(TIMEOUT_S)
        started = time.perf_counter()
        start.set()
        deadline = started + TIMEOUT_S
        while sum(counts[:]) < total and time.perf_counter() < deadline:
            stop.wait(0.005)  # the workers count in shared memory: poll it, bounded
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        for process in processes:
            process.join(60)
    taken = sum(counts[:])
    if taken < total:
        raise RuntimeError(f"the ingest workers took {taken} of {total} readings")
    outcomes = {name: sum(counts[i * 3 + k] for i in range(workers)) for k, name in enumerate(OUTCOMES)}
    return elapsed, {k: v for k, v in outcomes.items() if v}


OUTCOMES = ("recorded", "duplicate", "dead_letter")


def _worker_process(
    data_dir: Path,
    url: str,
    index: int,
    ready: Any,
    start: Any,
    stop: Any,
    counts: Any,
) -> None:
    """One ingest worker in its own process, as ``suyuan ingest mqtt`` runs it."""
    settings = IngestSettings(data_dir=data_dir, mqtt_url=url)
    ledger = open_ledger(settings)
    ingestor = Ingestor(ledger.engine, ledger, AlertRules(), settings.public_url)
    options = WorkerOptions(
        url=url, client_id=f"bench-ingest-{index}", share_group="bench", batch_size=BATCH_SIZE
    )

    def on_batch(result: IngestResult) -> None:
        for outcome in result.outcomes:
            counts[index * 3 + OUTCOMES.index(outcome.value)] += 1

    # Connected and subscribed while the backlog is published, as live workers are, so the broker
    # shares it out between them; nothing is taken before ``start``.
    worker = IngestWorker(ingestor, options, on_batch=on_batch)
    worker.start()
    if not worker.subscribed.wait(10):
        raise RuntimeError("the ingest worker could not subscribe")
    ready.wait()
    ready.wait()
    start.wait()
    worker.run(stop)
    ledger.engine.dispose()
