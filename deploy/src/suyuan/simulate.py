"""``suyuan simulate coldchain``: cold-store thermometers and door sensors publishing over MQTT.

Each simulated device ``sim-NN`` of the organisation is registered on first use (its MQTT
password kept in ``<data_dir>/simulator/<org>.json``) and connects with its own credentials, as a
real device would. Temperatures wander around the storage class's set point; with
``--excursions`` every third device warms past its limit for a while and then recovers, and its
door is left open meanwhile. Sequence numbers are milliseconds since the epoch, kept increasing,
so a restarted simulation never reuses one.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import paho.mqtt.client as mqtt
import typer
from sqlmodel import Session, select

from chain.cli import cli_settings, fail, out
from evidence import write_transaction
from ingest import BrokerAddress, IngestSettings
from ingest.cli import org_by_handle, registry
from trace_api.batches.models import StorageClass
from trace_api.devices import TOPIC_ROOT, Device, DeviceIn, ReadingKind, register_device
from trace_api.orgs import Organisation

#: Where each storage class is kept, and how far a warming place drifts above it.
SET_POINTS = {StorageClass.frozen: -20.0, StorageClass.chilled: 2.5, StorageClass.ambient: 18.0}
EXCURSION_RISE = {StorageClass.frozen: 9.0, StorageClass.chilled: 6.0, StorageClass.ambient: 15.0}


class SimulationError(Exception):
    pass


@dataclass
class SimulatedDevice:
    username: str
    password: str
    storage_class: StorageClass
    warms_up: bool
    rng: random.Random
    temperature: float = 0.0
    last_seq: int = 0
    sent: int = 0
    client: mqtt.Client | None = field(default=None, repr=False)

    def next_seq(self) -> int:
        self.last_seq = max(self.last_seq + 1, time.time_ns() // 1_000_000)
        return self.last_seq

    def reading(self, step: int, excursion: tuple[int, int]) -> tuple[float, bool]:
        """(°C, door open) at the ``step``-th reading: a slow random walk around the set point."""
        set_point = SET_POINTS[self.storage_class]
        start, length = excursion
        warming = self.warms_up and start <= step < start + length
        target = set_point + (EXCURSION_RISE[self.storage_class] if warming else 0.0)
        self.temperature += 0.3 * (target - self.temperature) + self.rng.gauss(0, 0.15)
        return round(self.temperature, 2), warming


def simulate(
    session: Session,
    config: IngestSettings,
    owner: Organisation,
    *,
    devices: int,
    rate: float,
    count: int | None,
    excursions: bool,
    location: str,
    storage_class: str,
    report: Callable[[str], None],
    stop: threading.Event | None = None,
) -> str:
    """Publishes until ``count`` readings are sent (or ``stop`` is set, or Ctrl-C); returns a summary."""
    assert config.mqtt_url is not None
    cls = StorageClass(storage_class) if storage_class in StorageClass.__members__ else None
    if cls is None:
        raise SimulationError(f"--storage-class {storage_class!r}: use frozen, chilled or ambient")
    fleet = _fleet(session, config, owner, devices, location, cls, excursions)
    address = BrokerAddress.parse(config.mqtt_url)
    for device in fleet:
        device.client = _connect(address, device)
    report(
        f"simulating {len(fleet)} devices of {owner.handle} at {location!r} ({cls.value}), "
        f"{rate:g} readings/s each" + (", with excursions" if excursions else "")
    )
    sent = _publish_loop(fleet, rate, count, stop or threading.Event())
    for device in fleet:
        assert device.client is not None
        device.client.disconnect()
        device.client.loop_stop()
    warm = sum(1 for d in fleet if d.warms_up)
    where = f"{address.host}:{address.port}"
    return f"published {sent} readings from {len(fleet)} devices ({warm} with an excursion) to {where}"


def _fleet(
    session: Session,
    config: IngestSettings,
    owner: Organisation,
    devices: int,
    location: str,
    cls: StorageClass,
    excursions: bool,
) -> list[SimulatedDevice]:
    store = config.data_dir / "simulator" / f"{owner.handle}.json"
    passwords = _load(store)
    fleet = []
    for i in range(1, devices + 1):
        name = f"sim-{i:02d}"
        username = f"{owner.handle}/{name}"
        existing = session.exec(select(Device).where(Device.username == username)).first()
        if existing is None:
            data = DeviceIn(
                name=name,
                kinds=[ReadingKind.temperature, ReadingKind.door],
                location=location,
                storage_class=cls,
            )
            # In a write transaction of its own, as the API writes: it holds the writer lock from
            # its first statement, so workers committing meanwhile cannot make it stale.
            engine, lock = session.get_bind(), f"suyuan-ledger:{config.ledger_origin}"
            with write_transaction(engine, lock) as conn, Session(bind=conn) as writer:  # type: ignore[arg-type]
                _, passwords[username] = register_device(writer, writer.merge(owner), data)
                writer.flush()
            _save(store, passwords)
        elif username not in passwords:
            raise SimulationError(f"{username} is registered but its password is not in {store}")
        device_class = existing.storage_class if existing is not None else cls
        rng = random.Random(i)
        device = SimulatedDevice(username, passwords[username], device_class, excursions and i % 3 == 1, rng)
        device.temperature = SET_POINTS[device_class] + rng.uniform(-0.5, 0.5)
        fleet.append(device)
    return fleet


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _save(path: Path, passwords: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(passwords, indent=2), encoding="utf-8")
    path.chmod(0o600)


def _connect(address: BrokerAddress, device: SimulatedDevice) -> mqtt.Client:
    login = replace(address, username=device.username, password=device.password)
    client = login.client(f"sim-{device.username.replace('/', '-')}")
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect_async(address.host, address.port, keepalive=30)
    client.loop_start()
    if not connected.wait(10):
        client.loop_stop()
        raise SimulationError(f"{device.username} could not connect to {address.host}:{address.port}")
    return client


def _publish_loop(fleet: list[SimulatedDevice], rate: float, count: int | None, stop: threading.Event) -> int:
    interval = 1.0 / rate
    excursion = (10, max(30, math.ceil(900 * rate)))  # long enough to outlast a 600 s rule at 1/s
    sent, step = 0, 0
    pending: list[mqtt.MQTTMessageInfo] = []
    next_tick = time.monotonic()
    while not stop.is_set() and (count is None or sent < count):
        for device in fleet:
            if count is not None and sent >= count:
                break
            pending.append(_send(device, step, excursion))
            sent += 1
        step += 1
        next_tick += interval
        stop.wait(max(0.0, next_tick - time.monotonic()))
        pending = [p for p in pending if not p.is_published()]
    for info in pending:
        info.wait_for_publish(timeout=10)
    return sent


def _send(device: SimulatedDevice, step: int, excursion: tuple[int, int]) -> mqtt.MQTTMessageInfo:
    assert device.client is not None
    celsius, door_open = device.reading(step, excursion)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    topic = f"{TOPIC_ROOT}/{device.username}"
    if step % 10 == 0 or (device.warms_up and step in excursion):
        device.client.publish(
            f"{topic}/door", json.dumps({"seq": device.next_seq(), "time": now, "open": door_open}), qos=1
        )
    device.sent += 1
    return device.client.publish(
        f"{topic}/temperature", json.dumps({"seq": device.next_seq(), "time": now, "celsius": celsius}), qos=1
    )


simulate_app = typer.Typer(help="Simulated devices, for demos and benchmarks.", no_args_is_help=True)


@simulate_app.command("coldchain")
def simulate_coldchain(
    org: Annotated[str, typer.Option(help="Organisation whose simulated devices publish")],
    devices: Annotated[int, typer.Option(min=1, max=10_000, help="How many devices")] = 5,
    rate: Annotated[float, typer.Option(min=0.01, help="Readings per second, per device")] = 1.0,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many readings in all")] = None,
    excursions: Annotated[bool, typer.Option(help="Let some places warm up past their limit")] = False,
    location: Annotated[str, typer.Option(help="Place the simulated devices watch")] = "Cold store 1",
    storage_class: Annotated[str, typer.Option(help="frozen, chilled or ambient")] = "frozen",
) -> None:
    """Publish realistic cold-store readings (registering sim-NN devices of ORG on first use)."""
    config = cli_settings(IngestSettings)
    if not config.mqtt_url:
        fail("no MQTT broker configured: set SUYUAN_MQTT_URL=mqtt://[user:password@]host:1883")
    with registry() as session:
        owner = org_by_handle(session, org)
        try:
            summary = simulate(
                session, config, owner, devices=devices, rate=rate, count=count, excursions=excursions,
                location=location, storage_class=storage_class, report=out.print,
            )  # fmt: skip
        except SimulationError as exc:
            fail(str(exc))
    out.print(summary)
