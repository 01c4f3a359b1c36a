"""The purchase ledger (进货台账): a Suyuan lot scanned into a stall traces to its admission and
certificates; a supplier's goods to the supplier and the ticket; a recalled lot is refused; a lot a
failed rapid test blocked cannot be sold through a scan."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import batch_payload
from tests.markets.conftest import GROWER_ID, MARKET, Market

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _scan(market: Market, handle: str, **body: Any) -> Any:
    return market.api.as_org(handle, "POST", "/v1/scans", json={"location": "曹杨农贸市场 A-01", **body})


@pytest.fixture
def shrimp(market: Market) -> dict[str, Any]:
    """Frozen shrimp admitted by ``haixian`` with its certificates, codes issued, shipped to the
    vendor ``veg-wang`` and received there."""
    api = market.api
    api.add_org("haixian", "importer")
    batch = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).json()
    codes = api.as_org("haixian", "POST", f"/v1/batches/{batch['id']}/codes", json={"count": 3}).json()[
        "codes"
    ]
    assert (
        _scan(market, "haixian", action="ship", batch_id=batch["id"], counterparty="veg-wang").status_code
        == 201
    )
    assert _scan(market, "veg-wang", action="receive", batch_id=batch["id"]).status_code == 201
    return {"batch": batch, "codes": codes}


def test_a_scanned_lot_traces_to_its_admission_and_certificates(
    market: Market, shrimp: dict[str, Any]
) -> None:
    entry = market.call(
        "veg-wang",
        "POST",
        "/stalls/A-01/purchases",
        201,
        json={"lot_code": shrimp["codes"][0], "quantity": 12},
    )
    batch = shrimp["batch"]
    assert (entry["batch_id"], entry["product"], entry["unit"]) == (batch["id"], batch["product_name"], "KGM")
    market.bought("veg-wang", "A-01", "菠菜")

    goods = market.call(MARKET, "GET", "/stalls/A-01/goods", 200)
    assert goods["stall"]["tenant"]["handle"] == "veg-wang"
    by_kind = {g["source"]["kind"]: g for g in goods["goods"]}
    lot = by_kind["lot"]["source"]["lot"]
    assert (lot["batch_id"], lot["origin_country"], lot["importer"]["handle"]) == (
        batch["id"],
        "EC",
        "haixian",
    )
    assert lot["producer"] == "Camaronera del Pacifico S.A."
    assert {c["cert_type"] for c in lot["certificates"]} == {
        "quarantine",
        "nucleic_acid_test",
        "disinfection",
    }
    grower = by_kind["supplier"]["source"]["supplier"]
    assert (grower["name"], grower["id_number"]) == (
        "veg-wang grower",
        GROWER_ID[:6] + "********" + GROWER_ID[-4:],
    )
    assert by_kind["supplier"]["ticket_url"].startswith("/v1/documents/")

    record = market.api.services.ledger.get(entry["record_id"]).record()
    assert record.kind == "market.purchase_recorded"
    assert (record.payload["batch_id"], record.payload["lot_code"]) == (batch["id"], shrimp["codes"][0])
    supplier = market.api.services.ledger.get(grower["record_id"]).record()
    assert GROWER_ID not in supplier.canonical_bytes().decode()  # only the masked number


def test_a_blocked_lot_cannot_be_sold_through_a_scan(market: Market, shrimp: dict[str, Any]) -> None:
    code, other = shrimp["codes"][0], shrimp["codes"][1]
    market.call("veg-wang", "POST", "/stalls/A-01/purchases", 201, json={"lot_code": code, "quantity": 12})
    assert _scan(market, "veg-wang", action="sell", code=other).status_code == 201

    market.rapid_test("A-01", shrimp["batch"]["product_name"], passed=False)
    refused = _scan(market, "veg-wang", action="sell", code=code)
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "blocked_by_disposal"


def test_a_recalled_lot_is_refused(market: Market, shrimp: dict[str, Any]) -> None:
    recall = {"batch_id": shrimp["batch"]["id"], "reason": "Listeria found", "recall_class": "I"}
    assert market.api.as_org("samr", "POST", "/v1/recalls", json=recall).status_code == 201
    refused = market.call(
        "veg-wang", "POST", "/stalls/A-01/purchases", json={"lot_code": shrimp["codes"][0], "quantity": 1}
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["reason"] == "under_recall"
    assert market.call("veg-wang", "GET", "/stalls/A-01/purchases", 200)["purchases"] == []
