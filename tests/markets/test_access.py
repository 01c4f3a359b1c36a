"""Who may see and do what at a market: its operator manages it; a vendor sees its own stall and
writes only its own stall's purchase ledger; a regulator sees everything and manages nothing; an
outsider is refused."""

from __future__ import annotations

import pytest

from tests.markets.conftest import MARKET, Market

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_a_vendor_sees_only_its_own_stall(market: Market) -> None:
    mine = market.bought("veg-wang", "A-01", "菠菜")
    market.bought("veg-li", "A-02", "韭菜")

    stalls = market.call("veg-wang", "GET", "/stalls", 200)["stalls"]
    assert [(s["code"], s["tenant"]["handle"]) for s in stalls] == [("A-01", "veg-wang")]
    assert [e["id"] for e in market.call("veg-wang", "GET", "/stalls/A-01/purchases", 200)["purchases"]] == [
        mine["id"]
    ]
    for path in ("/stalls/A-02", "/stalls/A-02/purchases", "/stalls/A-02/goods", "/rapid-tests?stall=A-02"):
        refused = market.call("veg-wang", "GET", path)
        assert refused.status_code == 403, (path, refused.text)
    assert [v["handle"] for v in market.call("veg-wang", "GET", "/vendors", 200)["vendors"]] == ["veg-wang"]
    assert market.call("veg-wang", "GET", "/vendors/veg-li/suppliers").status_code == 403

    market.rapid_test("A-02", "韭菜", passed=False)
    assert market.call("veg-wang", "GET", "/rapid-tests", 200)["rapid_tests"] == []
    assert market.call("veg-wang", "GET", "/disposals", 200)["disposals"] == []
    assert len(market.call("veg-li", "GET", "/disposals", 200)["disposals"]) == 1


def test_a_vendor_writes_only_its_own_stalls_ledger_and_manages_nothing(market: Market) -> None:
    ticket = market.upload("veg-wang", "ticket")
    body = {
        "supplier_id": market.suppliers["veg-wang"],
        "product": "菠菜",
        "quantity": 5,
        "unit": "KGM",
        "ticket_sha256": ticket,
    }
    refused = market.call("veg-wang", "POST", "/stalls/A-02/purchases", json=body)
    assert refused.status_code == 403, refused.text
    assert "does not rent stall A-02" in refused.json()["detail"]
    refused = market.call(
        "veg-wang", "POST", "/stalls/A-01/purchases", json={**body, "received_on": "2020-01-01"}
    )
    assert refused.status_code == 403, refused.text  # it did not rent the stall then
    for path, write in (
        ("/stalls", {"code": "C-01", "category": "fruit"}),
        (
            "/rapid-tests",
            {
                "sample": "x",
                "stall": "A-01",
                "product": "菠菜",
                "method": "m",
                "value": 60,
                "unit": "%",
                "threshold": 50,
                "passed": False,
            },
        ),
        ("/stalls/B-01/rentals", {"vendor": "veg-wang", "starts_on": "2030-01-01", "ends_on": "2030-02-01"}),
    ):
        answer = market.call("veg-wang", "POST", path, json=write)
        assert answer.status_code == 403, (path, answer.text)


def test_a_regulator_sees_every_market_and_manages_none(market: Market) -> None:
    market.bought("veg-li", "A-02", "韭菜")
    listed = market.api.as_org("samr", "GET", "/v1/markets").json()["markets"]
    assert [m["handle"] for m in listed] == [MARKET]
    assert len(market.call("samr", "GET", "/stalls", 200)["stalls"]) == 3
    assert len(market.call("samr", "GET", "/stalls/A-02/purchases", 200)["purchases"]) == 1
    assert (
        market.call("samr", "GET", "/vendors/veg-li/suppliers", 200)["suppliers"][0]["name"]
        == "veg-li grower"
    )
    answer = market.call("samr", "POST", "/stalls", json={"code": "C-01", "category": "fruit"})
    assert answer.status_code == 403, answer.text


def test_an_outsider_is_refused_and_sees_no_market(market: Market) -> None:
    assert market.api.as_org("wholesale", "GET", "/v1/markets").json()["markets"] == []
    for path in ("", "/stalls", "/vendors", "/rapid-tests", "/weighings", "/prices", "/disposals"):
        refused = market.call("wholesale", "GET", path)
        assert refused.status_code == 403, (path, refused.text)
    other = {"handle": "other-market", "name": "Other", "address": "Somewhere", "operator": MARKET}
    assert market.api.as_org("wholesale", "POST", "/v1/markets", json=other).status_code == 403
    assert market.api.as_org(MARKET, "GET", "/v1/markets/nowhere").status_code == 404


def test_an_operator_registers_its_own_markets_and_a_regulator_names_the_operator(market: Market) -> None:
    api = market.api
    body = {"handle": "caoyang-east", "name": "曹杨东市场", "address": "Putuo"}
    claimed = api.as_org(MARKET, "POST", "/v1/markets", json={**body, "operator": "veg-wang"})
    assert claimed.status_code == 403, claimed.text
    unnamed = api.as_org("samr", "POST", "/v1/markets", json=body)
    assert unnamed.status_code == 422
    assert unnamed.json()["errors"][0]["field"] == "operator"
    not_a_market = api.as_org("samr", "POST", "/v1/markets", json={**body, "operator": "wholesale"})
    assert (not_a_market.status_code, not_a_market.json()["reason"]) == (422, "not_a_market")
    created = api.as_org("samr", "POST", "/v1/markets", json={**body, "operator": MARKET})
    assert created.status_code == 201, created.text
    assert created.json()["operator"]["handle"] == MARKET
    mine = api.as_org(MARKET, "GET", "/v1/markets").json()["markets"]
    assert [m["handle"] for m in mine] == [MARKET, "caoyang-east"]
    assert api.as_org(MARKET, "POST", "/v1/markets", json={**body}).status_code == 409
