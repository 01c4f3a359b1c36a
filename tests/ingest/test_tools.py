"""``suyuan simulate coldchain`` and ``suyuan bench ingest`` on real brokers."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from ingest import IngestSettings, IngestWorker
from suyuan.bench.ingest import run_ingest_bench
from suyuan.simulate import SimulationError, simulate
from trace_api.coldchain import Alert, SensorReading
from trace_api.devices import Device
from trace_api.orgs.models import Organisation

from .conftest import ColdStore, Counted


def owner(store: ColdStore, handle: str = "haixian") -> Organisation:
    with Session(store.api.services.engine) as session:
        found = session.exec(select(Organisation).where(Organisation.handle == handle)).one()
        session.expunge(found)
        return found


def test_simulate_coldchain_registers_devices_and_every_reading_is_ingested(
    cold_store: ColdStore, mqtt_url: str, run_worker: Callable[..., tuple[IngestWorker, Counted]]
) -> None:
    _, counted = run_worker(mqtt_url)
    settings = IngestSettings(data_dir=cold_store.api.services.settings.data_dir, mqtt_url=mqtt_url)
    lines: list[str] = []
    with Session(cold_store.api.services.engine) as session:
        summary = simulate(
            session, settings, owner(cold_store), devices=3, rate=50, count=30, excursions=True,
            location="Cold store 1", storage_class="frozen", report=lines.append,
        )  # fmt: skip
    assert summary.startswith("published 30 readings from 3 devices (1 with an excursion)")
    counted.wait_for(30 + 3)  # 30 temperatures and each device's first door reading
    with Session(cold_store.api.services.engine) as session:
        devices = session.exec(select(Device).where(col(Device.name).startswith("sim-"))).all()
        readings = session.exec(select(SensorReading).where(SensorReading.kind == "temperature")).all()
    assert sorted(d.username for d in devices) == ["haixian/sim-01", "haixian/sim-02", "haixian/sim-03"]
    assert len(readings) == 30
    assert all(-25 < (r.value or 0) < -10 for r in readings)
    stored = json.loads((settings.data_dir / "simulator" / "haixian.json").read_text())
    assert set(stored) == {d.username for d in devices}
    assert (settings.data_dir / "simulator" / "haixian.json").stat().st_mode & 0o777 == 0o600


def test_simulate_coldchain_refuses_a_device_whose_password_it_does_not_hold(
    cold_store: ColdStore, mqtt_url: str
) -> None:
    cold_store.add_device("haixian", "sim-01", kinds=["temperature"], location="Cold store 1")
    settings = IngestSettings(data_dir=cold_store.api.services.settings.data_dir, mqtt_url=mqtt_url)
    with Session(cold_store.api.services.engine) as session, pytest.raises(SimulationError, match="sim-01"):
        simulate(
            session, settings, owner(cold_store), devices=1, rate=10, count=1, excursions=False,
            location="Cold store 1", storage_class="frozen", report=print,
        )  # fmt: skip
    with Session(cold_store.api.services.engine) as session:
        assert session.exec(select(Alert)).all() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_bench_ingest_reports_both_rates_from_one_run(workers: int) -> None:
    result = run_ingest_bench(messages=400, devices=4, workers=workers)
    assert result["workers"] == workers
    assert result["recorded"] == {"recorded": 400}
    assert result["raw_consume_per_s"] > 0
    assert result["ingest_per_s"] > 0
    assert result["ratio"] == round(result["ingest_per_s"] / result["raw_consume_per_s"], 3)
