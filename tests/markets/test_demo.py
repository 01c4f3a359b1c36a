"""``suyuan up --demo``'s farmers' market, seeded through a running API, once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from suyuan.demo.markets import MARKET, seed_market_demo
from tests.api.conftest import Api
from trace_api.app import create_app
from trace_api.server import start_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


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
