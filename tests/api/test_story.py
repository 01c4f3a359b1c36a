"""The whole story, as the people in it live it: admission → codes → ship → receive → split →
sell → a consumer's scan verified → recall → the consumer sees the recall → the holder acknowledges."""

from __future__ import annotations

from typing import Any

from evidence import Anchorer, ChainAnchors, verify_bundle
from tests.api.conftest import Api, batch_payload
from tests.conftest import Network

JSON = {"Accept": "application/json"}
LOT = "L2026-001"
PARENT, CHILD = f"09506000134352.{LOT}", f"09506000134352.{LOT}A"


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _scan(api: Api, handle: str, **body: Any) -> Any:
    return _ok(api.as_org(handle, "POST", "/v1/scans", json={"location": "Shanghai", **body}))


def test_full_story(api: Api, network: Network) -> None:
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    _ok(api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=LOT)))
    _scan(api, "haixian", action="ship", batch_id=PARENT, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=PARENT)
    _scan(api, "wholesale", action="split", batch_id=PARENT, children=[{"lot": f"{LOT}A", "quantity": 200}])
    codes = _ok(api.as_org("wholesale", "POST", f"/v1/batches/{CHILD}/codes", json={"count": 3}))["codes"]
    _scan(api, "wholesale", action="ship", batch_id=CHILD, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=CHILD)
    _scan(api, "shop", action="sell", code=codes[0])
    path = "/01/" + codes[0].split("/01/", 1)[1]

    Anchorer(api.services.ledger, lambda: api.services.chain, network.anchorer).step()
    page = _ok(api.client.get(path, headers=JSON), 200)
    statuses = {r["status"] for r in page["verification"]["records"]}
    bundle = _ok(
        api.client.get(
            path,
            params={"linkType": "suyuan:proof", "record": page["verification"]["records"][-1]["record_id"]},
        ),
        200,
    )
    verify_bundle(bundle, api.services.ledger.signer.verifier_key(), ChainAnchors(api.services.chain))

    assert statuses == {"verified"}
    assert page["recall"]["recalled"] is False
    assert [h["kind"] for h in page["hops"]][:2] == ["batch.admitted", "scan.ship"]

    recall = _ok(
        api.as_org(
            "samr",
            "POST",
            "/v1/recalls",
            json={"batch_id": PARENT, "reason": "Listeria in retained sample", "recall_class": "I"},
        )
    )
    after = _ok(api.client.get(path, headers=JSON), 200)
    html = api.client.get(path).text
    ack = _ok(
        api.as_org(
            "shop", "POST", f"/v1/recalls/{recall['id']}/acknowledgements", json={"quantity_quarantined": 199}
        )
    )

    assert after["recall"]["recalled"] is True
    assert 'id="recall-banner"' in html
    assert "Listeria in retained sample" in html
    assert ack["quantity_quarantined"] == 199
    progress = _ok(api.as_org("samr", "GET", f"/v1/recalls/{recall['id']}"), 200)["progress"]
    assert progress["acknowledged"] == 1


def test_story_items_follow_a_split_to_the_retailer(api: Api) -> None:
    """Codes issued by the importer go with the goods into the child lots a wholesaler splits off:
    the retailer sells one, its consumer sees the whole journey, and a recall counts it right."""
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    _ok(api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=LOT)))
    codes = _ok(api.as_org("haixian", "POST", f"/v1/batches/{PARENT}/codes", json={"count": 6}))["codes"]
    _scan(api, "haixian", action="ship", batch_id=PARENT, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=PARENT)
    children = [
        {"lot": f"{LOT}A", "quantity": 200, "codes": codes[:3]},
        {"lot": f"{LOT}B", "quantity": 300, "item_count": 2},
    ]
    split = _scan(api, "wholesale", action="split", batch_id=PARENT, children=children)
    _scan(api, "wholesale", action="ship", batch_id=CHILD, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=CHILD)

    sold = _scan(api, "shop", action="sell", code=codes[1])
    page = _ok(api.client.get("/01/" + codes[1].split("/01/", 1)[1], headers=JSON), 200)
    recall = _ok(
        api.as_org(
            "samr",
            "POST",
            "/v1/recalls",
            json={"batch_id": PARENT, "reason": "Vibrio in retained sample", "recall_class": "I"},
        )
    )

    assert sold["payload"]["batch_id"] == CHILD
    assert [step["batch_id"] for step in page["lineage"]] == [CHILD, PARENT]
    assert [h["action"] for h in page["hops"]] == [
        "admit", "commission", "ship", "receive", "split", "ship", "receive", "sell",
    ]  # fmt: skip
    assert split["record_id"] in [h["record_id"] for h in page["hops"]]
    assert page["counterfeit_signals"] == []
    assert page["code"]["status"] == "sold"
    assert api.as_org("samr", "GET", "/v1/signals").json()["signals"] == []
    items = {n["org"]: (n["batch_ids"], n["item_codes"]) for n in recall["notices"]}
    assert items == {
        "wholesale": ([PARENT, f"{PARENT}B"], 1 + 2),  # the unsold item left in the parent, two in B
        "shop": ([CHILD], 2),  # one of the three sold
    }
