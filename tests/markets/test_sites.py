"""Farmers' markets on the regulators' map (``GET /v1/sites``): a positioned market is a site after
the devices, counted by the alerts about its stalls and its failed rapid tests, paged by handle."""

from __future__ import annotations

from typing import Any

import pytest

from tests.markets.conftest import MARKET, Market

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _sites(market: Market, **params: Any) -> dict[str, Any]:
    response = market.api.as_org("samr", "GET", "/v1/sites", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _register(market: Market, handle: str, position: dict[str, float] | None) -> None:
    body: dict[str, Any] = {
        "handle": handle,
        "name": f"{handle} 市场",
        "address": "静安区",
        "operator": MARKET,
    }
    if position is not None:
        body["position"] = position
    response = market.api.as_org("samr", "POST", "/v1/markets", json=body)
    assert response.status_code == 201, response.text


def test_a_positioned_market_is_a_site_with_the_alerts_about_it(market: Market) -> None:
    _register(market, "jingan", {"latitude": 31.2286, "longitude": 121.4484})
    _register(market, "nowhere", None)

    quiet = _sites(market)["sites"]
    assert [s["id"] for s in quiet] == ["market:caoyang", "market:jingan"]
    assert quiet[0] == {
        "id": "market:caoyang",
        "source": "market",
        "kind": "market",
        "org": MARKET,
        "org_name": f"{MARKET} Co.",
        "name": "曹杨农贸市场 Caoyang Farmers' Market",
        "place": None,
        "latitude": 31.2395,
        "longitude": 121.4117,
        "address": "普陀区兰溪路 Lanxi Road, Putuo",
        "open_alerts": 0,
        "open_by_kind": {},
    }
    assert _sites(market, alerting="true")["sites"] == []

    market.bought("veg-wang", "A-01", "菠菜")
    market.rapid_test("A-01", "菠菜", passed=False, sample="S-0001")
    (alerting,) = _sites(market, alerting="true")["sites"]
    assert (alerting["id"], alerting["open_by_kind"]) == ("market:caoyang", {"rapid_test_failed": 1})
    detail = market.api.as_org("samr", "GET", "/v1/sites/market:caoyang").json()
    assert [(a["kind"], a["device"]) for a in detail["alerts"]] == [("rapid_test_failed", None)]
    assert "S-0001" in detail["alerts"][0]["detail"]
    first = _sites(market, limit=1)
    assert [s["id"] for s in first["sites"]] == ["market:caoyang"]
    assert [s["id"] for s in _sites(market, limit=1, cursor=first["next_cursor"])["sites"]] == [
        "market:jingan"
    ]
    for unknown in ("market:nowhere", "market:nothing"):
        assert market.api.as_org("samr", "GET", f"/v1/sites/{unknown}").status_code == 404
