"""``suyuan up --demo``'s risk warning: the demo market's stall A-01 fails a second rapid test and
the engine raises one warning about it; a second run changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from suyuan.demo.markets import seed_market_demo
from suyuan.demo.risk import seed_risk_demo
from tests.api.conftest import Api
from trace_api.app import create_app
from trace_api.risk import default_rules
from trace_api.server import start_server

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def live_url(api: Api) -> Iterator[str]:
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    yield url
    stop()


def test_demo_raises_one_warning_once(api: Api, live_url: str, tmp_path: Path) -> None:
    market = seed_market_demo(tmp_path, live_url, api.regulator_key)
    info = seed_risk_demo(api.services, default_rules(), live_url, market)
    (warning,) = info["warnings"]
    assert (warning["rule"], warning["level"]) == ("stall_rapid_tests_failed", "yellow")
    assert warning["group"] == "demo-caoyang · A-01"
    shown = api.as_org("samr", "GET", f"/v1/risk/warnings/{warning['id']}").json()
    assert [r["kind"] for r in shown["evidence_records"]] == ["market.disposal_opened"] * 2
    size = api.services.ledger.size()
    assert seed_risk_demo(api.services, default_rules(), live_url, market) == info
    assert api.services.ledger.size() == size
    assert json.loads((api.services.settings.data_dir / "risk-demo.json").read_text()) == info
