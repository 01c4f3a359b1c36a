"""A failed rapid test (农残快检) opens a disposal (不合格处理) that blocks the stall's lots of the
product in its purchase ledger and its goods, until the operator records them destroyed or
returned, once, with evidence; its ``rapid_test_failed`` alert against the vendor is closed then.
On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.markets.conftest import MARKET, Market, market_kinds


def _alerts(market: Market, handle: str, **query: str) -> list[dict[str, Any]]:
    response = market.api.as_org(handle, "GET", "/v1/alerts", params={"rule": "rapid_test_failed", **query})
    assert response.status_code == 200, response.text
    return list(response.json()["alerts"])


def test_failed_test_blocks_the_stalls_lot_until_it_is_destroyed(market: Market) -> None:
    spinach = market.bought("veg-wang", "A-01", "菠菜 spinach")
    greens = market.bought("veg-wang", "A-01", "青菜")
    neighbour = market.bought("veg-li", "A-02", "菠菜 spinach")
    assert spinach["status"] == "on_sale"

    entered = market.rapid_test("A-01", "菠菜  spinach", passed=False)  # the terminal spaces it oddly
    test, disposal = entered["rapid_test"], entered["disposal"]
    assert (test["passed"], test["stall"], test["product"]) == (False, "A-01", "菠菜 spinach")
    assert (disposal["status"], disposal["vendor"], disposal["stall"]) == ("open", "veg-wang", "A-01")
    assert disposal["blocked"] == [spinach["id"]]

    assert market.ledger_entry("veg-wang", "A-01", spinach["id"])["status"] == "blocked"
    assert market.ledger_entry("veg-wang", "A-01", greens["id"])["status"] == "on_sale"
    assert market.ledger_entry("veg-li", "A-02", neighbour["id"])["status"] == "on_sale"
    goods = market.call("veg-wang", "GET", "/stalls/A-01/goods", 200)["goods"]
    assert {g["product"]: g["status"] for g in goods} == {"菠菜 spinach": "blocked", "青菜": "on_sale"}
    assert market.call("veg-wang", "GET", "/disposals", 200)["disposals"][0]["id"] == disposal["id"]
    alert = _alerts(market, "veg-wang")[0]
    assert (alert["id"], alert["organisation"], alert["status"]) == (disposal["alert_id"], "veg-wang", "open")
    assert (alert["subject_type"], alert["subject_id"]) == ("market_disposal", disposal["id"])
    assert [a["id"] for a in _alerts(market, "samr")] == [disposal["alert_id"]]

    evidence = market.upload(MARKET, "spinach destroyed")
    body = {
        "outcome": "destroyed",
        "note": "20 kg crushed in the waste bin, witnessed",
        "evidence_sha256": evidence,
    }
    done = market.call(MARKET, "POST", f"/disposals/{disposal['id']}/complete", 200, json=body)
    assert (done["status"], done["evidence_url"]) == ("destroyed", f"/v1/documents/{evidence}")
    assert done["close_record_id"] == f"disposal:{disposal['id']}:completed"
    assert market.ledger_entry("veg-wang", "A-01", spinach["id"])["status"] == "destroyed"
    goods = market.call("veg-wang", "GET", "/stalls/A-01/goods", 200)["goods"]
    assert [g["product"] for g in goods] == ["青菜"]
    assert market.call(MARKET, "GET", "/disposals", 200)["disposals"] == []
    completed = market.call(MARKET, "GET", "/disposals?status=completed", 200)["disposals"]
    assert [d["id"] for d in completed] == [disposal["id"]]

    assert _alerts(market, "veg-wang") == []
    closed_alert = _alerts(market, "veg-wang", status="closed")[0]
    assert closed_alert["id"] == disposal["alert_id"]
    again = market.call(MARKET, "POST", f"/disposals/{disposal['id']}/complete", json=body)
    assert again.status_code == 409, again.text
    assert again.json()["reason"] == "completed"

    ledger = market.api.services.ledger
    opened = ledger.get(disposal["open_record_id"]).record()
    assert opened.kind == "market.disposal_opened"
    assert opened.payload["blocked"] == [spinach["id"]]
    assert opened.payload["test_record_id"] == test["record_id"]
    closed = ledger.get(done["close_record_id"]).record()
    assert (closed.kind, closed.payload["outcome"]) == ("market.disposal_completed", "destroyed")
    assert market_kinds(ledger) == {
        "market.registered",
        "market.stall_added",
        "market.vendor_registered",
        "market.stall_rented",
        "market.supplier_added",
        "market.purchase_recorded",
        "market.rapid_tested",
        "market.disposal_opened",
        "market.disposal_completed",
    }


def test_returned_goods_close_the_disposal_and_a_passed_test_opens_none(market: Market) -> None:
    cabbage = market.bought("veg-li", "A-02", "大白菜")
    passed = market.rapid_test("A-02", "大白菜", passed=True, sample="S-1")
    assert passed["disposal"] is None
    failed = market.rapid_test("A-02", "大白菜", passed=False, sample="S-2")
    disposal = failed["disposal"]
    body = {"outcome": "returned", "note": "returned to the grower, receipt kept"}
    done = market.call(MARKET, "POST", f"/disposals/{disposal['id']}/complete", 200, json=body)
    assert (done["status"], done["evidence_url"]) == ("returned", None)
    assert market.ledger_entry("veg-li", "A-02", cabbage["id"])["status"] == "returned"
    results = market.call(MARKET, "GET", f"/rapid-tests?day={market.today}", 200)["rapid_tests"]
    assert [(t["sample"], t["passed"]) for t in results] == [("S-2", False), ("S-1", True)]
    failures = market.call("veg-li", "GET", "/rapid-tests?passed=false", 200)["rapid_tests"]
    assert [t["sample"] for t in failures] == ["S-2"]


def test_a_failed_test_at_a_stall_not_let_blocks_nothing_but_is_still_disposed_of(market: Market) -> None:
    failed = market.rapid_test("B-01", "猪肉", passed=False)
    disposal = failed["disposal"]
    assert (disposal["vendor"], disposal["blocked"], disposal["status"]) == (None, [], "open")
    assert [a["organisation"] for a in _alerts(market, "samr")] == [MARKET]  # against the operator
