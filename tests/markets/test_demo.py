"""``suyuan up --demo``'s farmers' market, seeded through a running API, once; and its terminal and
recheck scale publishing over the real broker to an ingest worker."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from suyuan.demo.markets import MARKET, SHELF, MarketFeed, seed_market_demo
from tests.api.conftest import Api
from tests.ingest.test_worker import wait_until
from tests.markets.conftest import ingest_worker, ingestor_of
from trace_api.app import create_app
from trace_api.devices import Device
from trace_api.markets import RapidTest, Weighing
from trace_api.server import start_server

ON_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
#: The rapid tests the seeding enters by hand, before any terminal publishes.
SEEDED_TESTS = 3


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


@ON_SQLITE
def test_the_demo_market_has_stalls_vendors_and_a_lot_off_sale(
    api: Api, live_url: str, tmp_path: Path
) -> None:
    info = seed_market_demo(tmp_path, live_url, api.regulator_key)
    assert seed_market_demo(tmp_path, live_url, api.regulator_key) == info  # once

    board = httpx.get(f"{info['board_url']}?format=json", timeout=30).json()
    assert len(board["stalls"]) == 6
    assert {v["name"].split()[0] for v in board["vendors"]} == {"Wang's", "Li's", "Zhao's", "Chen's"}
    assert [(d["stall"], d["product"]) for d in board["open_disposals"]] == [("A-01", "菠菜 Spinach")]
    assert sorted(t["passed"] for t in board["rapid_tests"]) == [False, True, True]
    operator = next(o for o in info["organisations"] if o["type"] == "market")
    stalls = httpx.get(
        f"{live_url}/v1/markets/{MARKET}/stalls", headers={"Authorization": f"Bearer {operator['api_key']}"}
    ).json()["stalls"]
    assert [s["tenant"]["handle"] if s["tenant"] else None for s in stalls] == [
        "demo-veg-wang", "demo-veg-li", None, "demo-meat-zhao", None, "demo-fish-chen",
    ]  # fmt: skip


def test_the_demo_feeds_readings_agree_with_themselves() -> None:
    feed = MarketFeed("mqtt://127.0.0.1:1883", [], seed=7)
    now = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
    readings = [r for _ in range(40) for r in feed.readings(now)]
    weighings = [body for kind, body in readings if kind == "weight"]
    results = [body for kind, body in readings if kind == "rapid_test"]
    assert (len(weighings), len(results)) == (40, 10)
    assert {(w["stall"], w["product"], w["unit_price"]) for w in weighings} <= set(SHELF)
    assert all(r["passed"] == (r["value"] < r["threshold"]) for r in results)
    assert any(w["declared_kg"] - w["kg"] > 0.03 for w in weighings)  # some are short
    assert len({w["seq"] for w in weighings}) == 40


@ON_SQLITE
def test_the_demo_terminal_and_scale_publish_to_ingest(
    api: Api, live_url: str, tmp_path: Path, mqtt_url: str
) -> None:
    info = seed_market_demo(tmp_path, live_url, api.regulator_key)
    feed = MarketFeed(mqtt_url, info["devices"], seed=3, every_s=0.05)
    with ingest_worker(ingestor_of(api), mqtt_url):
        stop = threading.Event()
        publisher = threading.Thread(target=feed.run, args=(stop,), daemon=True)
        publisher.start()
        try:
            wait_until(
                lambda: _count(api, Weighing) >= 8 and _count(api, RapidTest) >= SEEDED_TESTS + 2,
                30,
                "readings",
            )
        finally:
            stop.set()
            publisher.join(10)
    with Session(api.services.engine) as session:
        weighings = session.exec(select(Weighing)).all()
    assert {w.device_id for w in weighings} == {_device_id(api, "fc-01")}


def _count(api: Api, model: type[Any]) -> int:
    with Session(api.services.engine) as session:
        return len(session.exec(select(model)).all())


def _device_id(api: Api, name: str) -> str:
    with Session(api.services.engine) as session:
        return session.exec(select(Device.id).where(Device.name == name)).one()
