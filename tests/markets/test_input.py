"""Bad input is refused with a problem naming the field and the reason, and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.markets.conftest import MARKET, Market, vendor_body
from trace_api.markets import VENDOR_TYPE

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _refused(response: Any, status: int, field: str | None, reason: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body
    if reason is not None:
        assert body["reason"] == reason, body
    return body


def test_registry_input_is_checked(market: Market) -> None:
    _refused(market.call(MARKET, "POST", "/stalls", json={"code": "A 01", "category": "fruit"}), 422, "code")
    _refused(
        market.call(MARKET, "POST", "/stalls", json={"code": "C-1", "category": "toys"}), 422, "category"
    )
    _refused(market.call(MARKET, "POST", "/stalls", json={"code": "a-01", "category": "fruit"}), 409, None)

    rental = {"vendor": "veg-li", "starts_on": "2031-03-01", "ends_on": "2031-02-01"}
    body = _refused(market.call(MARKET, "POST", "/stalls/B-01/rentals", json=rental), 422, "ends_on")
    assert "before starts_on 2031-03-01" in body["detail"]
    rental = {"vendor": "wholesale", "starts_on": "2031-01-01", "ends_on": "2031-02-01"}
    _refused(market.call(MARKET, "POST", "/stalls/B-01/rentals", json=rental), 422, "vendor", "not_a_vendor")
    rental = {"vendor": "veg-li", "starts_on": str(market.today), "ends_on": str(market.today)}
    body = _refused(market.call(MARKET, "POST", "/stalls/A-01/rentals", json=rental), 409, None, "stall_let")
    assert "let to veg-wang" in body["detail"]
    assert market.call(MARKET, "GET", "/stalls/nope/rentals").status_code == 404


def test_licences_are_checked(market: Market) -> None:
    uscc = market.api.add_org("fruit-zhao", VENDOR_TYPE.value)["uscc"]
    expired = vendor_body("fruit-zhao", uscc, market.today - dt.timedelta(days=1))
    body = _refused(
        market.call(MARKET, "POST", "/vendors", json=expired), 422, "food_licence.expires_on", "expired"
    )
    assert "expired on" in body["detail"]
    valid = vendor_body("fruit-zhao", uscc, market.today)
    other = {**valid, "business_licence": {"number": "91310000MA1K000019"}}
    _refused(
        market.call(MARKET, "POST", "/vendors", json=other),
        422,
        "business_licence.number",
        "licence_mismatch",
    )
    typo = {**valid, "business_licence": {"number": uscc[:-1] + ("0" if uscc[-1] != "0" else "1")}}
    _refused(market.call(MARKET, "POST", "/vendors", json=typo), 422, "business_licence")
    bad_food = {**valid, "food_licence": {"number": "JY1310105", "expires_on": str(market.today)}}
    _refused(market.call(MARKET, "POST", "/vendors", json=bad_food), 422, "food_licence.number")
    _refused(
        market.call(MARKET, "POST", "/vendors", json={**valid, "vendor": "wholesale"}),
        422,
        "vendor",
        "not_a_vendor",
    )
    _refused(market.call("veg-li", "POST", "/vendors", json=valid), 403, None)
    assert market.call(MARKET, "POST", "/vendors", 201, json=valid)["food_licence"]["expires_on"] == str(
        market.today
    )
    _refused(market.call(MARKET, "POST", "/vendors", json=valid), 409, None)


def test_supplier_and_purchase_input_is_checked(market: Market) -> None:
    path = "/vendors/veg-wang/suppliers"
    both = {"name": "x", "contact": "1", "uscc": "91310000MA1K000019", "id_number": "11010519491231002X"}
    _refused(
        market.call("veg-wang", "POST", path, json={"name": "x", "contact": "1"}), 422, "uscc", "identity"
    )
    _refused(market.call("veg-wang", "POST", path, json=both), 422, "uscc")
    bad_id = {"name": "x", "contact": "1", "id_number": "110105194912310021"}
    body = _refused(market.call("veg-wang", "POST", path, json=bad_id), 422, "id_number")
    assert "check character should be 'X'" in body["detail"]

    purchases = "/stalls/A-01/purchases"
    _refused(
        market.call("veg-wang", "POST", purchases, json={"product": "菠菜", "quantity": 1}),
        422,
        "supplier_id",
        "no_source",
    )
    _refused(
        market.call("veg-wang", "POST", purchases, json={"lot_code": "not a code", "quantity": 1}),
        422,
        "lot_code",
        "not_a_code",
    )
    unknown = "https://trace.example.cn/01/09506000134352/10/NOPE"
    _refused(
        market.call("veg-wang", "POST", purchases, json={"lot_code": unknown, "quantity": 1}),
        422,
        "lot_code",
        "unknown_lot",
    )
    ticket = "ab" * 32
    entry = {
        "supplier_id": market.suppliers["veg-wang"],
        "product": "菠菜",
        "quantity": 1,
        "unit": "KGM",
        "ticket_sha256": ticket,
    }
    _refused(market.call("veg-wang", "POST", purchases, json=entry), 422, "ticket_sha256", "unknown_document")
    _refused(market.call("veg-wang", "POST", purchases, json={**entry, "quantity": -1}), 422, "quantity")
    _refused(market.call("veg-wang", "POST", purchases, json={**entry, "unit": "kilo"}), 422, "unit")
    tomorrow = str(market.today + dt.timedelta(days=1))
    _refused(
        market.call("veg-wang", "POST", purchases, json={**entry, "received_on": tomorrow}),
        422,
        "received_on",
        "future",
    )
    _refused(
        market.call("veg-wang", "POST", purchases, json={**entry, "supplier_id": market.suppliers["veg-li"]}),
        422,
        "supplier_id",
        "unknown_supplier",
    )
    assert market.call("veg-wang", "GET", purchases, 200)["purchases"] == []


def test_rapid_test_and_disposal_input_is_checked(market: Market) -> None:
    result = {
        "sample": "S-1",
        "stall": "Z-99",
        "product": "菠菜",
        "method": "enzyme_inhibition",
        "value": 60,
        "unit": "%",
        "threshold": 50,
        "passed": False,
    }
    _refused(market.call(MARKET, "POST", "/rapid-tests", json=result), 422, "stall", "unknown_stall")
    _refused(
        market.call(MARKET, "POST", "/rapid-tests", json={**result, "stall": "A-01", "value": "high"}),
        422,
        "value",
    )
    body = _refused(
        market.call(MARKET, "POST", "/rapid-tests", json={**result, "stall": "A-01", "value": 12}),
        422,
        "passed",
    )
    assert body["errors"][0]["reason"] == "says failed, but value 12 against threshold 50 passes"
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat()
    _refused(
        market.call(MARKET, "POST", "/rapid-tests", json={**result, "stall": "A-01", "tested_at": later}),
        422,
        "tested_at",
        "future",
    )
    disposal = market.rapid_test("A-01", "菠菜", passed=False)["disposal"]
    path = f"/disposals/{disposal['id']}/complete"
    _refused(market.call(MARKET, "POST", path, json={"outcome": "eaten", "note": "x"}), 422, "outcome")
    _refused(market.call(MARKET, "POST", path, json={"outcome": "destroyed", "note": "  "}), 422, "note")
    _refused(
        market.call(
            MARKET, "POST", path, json={"outcome": "destroyed", "note": "ok", "evidence_sha256": "cd" * 32}
        ),
        422,
        "evidence_sha256",
        "unknown_document",
    )
    assert (
        market.call(
            MARKET, "POST", "/disposals/nope/complete", json={"outcome": "destroyed", "note": "x"}
        ).status_code
        == 404
    )
    assert market.call(MARKET, "GET", f"/disposals/{disposal['id']}", 200)["status"] == "open"
