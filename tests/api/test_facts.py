"""Each kind of fact trace-api writes, read back through its model to the bytes it was written with."""

from __future__ import annotations

from typing import Any

import pytest

from evidence import Actor, Record, Subject
from tests._facts import assert_facts_round_trip
from tests.api.conftest import Api, batch_payload
from tests.api.test_epcis import SHIPPING_DOC, _load
from trace_api.chainops import batch_chain_id
from trace_api.facts import BatchSplit, MalformedFact, RecallAcknowledged, ShipScanned, WrongKind
from trace_api.reconcile.service import reconcile

LOT = "L2026-001"
PARENT, CHILD = f"09506000134352.{LOT}", f"09506000134352.{LOT}A"
WRITTEN_HERE = {
    "batch.admitted",
    "codes.issued",
    "scan.ship",
    "scan.receive",
    "batch.split",
    "scan.sell",
    "scan.destroy",
    "counterfeit.signal",
    "recall.issued",
    "recall.acknowledged",
    "recall.lifted",
    "document.shared",
    "api_key.revoked",
    "chain.difference",
    "org.admitted",
    "org.positioned",
    "device.positioned",
    "epcis.ObjectEvent",
    "audit.started",
    "audit.finished",
}


def _ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _scan(api: Api, handle: str, status: int = 201, **body: Any) -> Any:
    return _ok(api.as_org(handle, "POST", "/v1/scans", json={"location": "Shanghai", **body}), status)


def _story(api: Api) -> None:
    """Writes each kind of fact through the API, as its users do."""
    for handle, kind in (("haixian", "importer"), ("wholesale", "wholesaler"), ("shop", "retailer")):
        api.add_org(handle, kind)
    _ok(api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot=LOT)))
    codes = _ok(api.as_org("haixian", "POST", f"/v1/batches/{PARENT}/codes", json={"count": 4}))["codes"]
    _scan(api, "haixian", action="ship", batch_id=PARENT, counterparty="wholesale")
    _scan(api, "wholesale", action="receive", batch_id=PARENT)
    children = [
        {"lot": f"{LOT}A", "quantity": 200.5, "codes": codes[:1]},
        {"lot": f"{LOT}B", "quantity": 100},
    ]
    _scan(api, "wholesale", action="split", batch_id=PARENT, children=children)
    _scan(api, "wholesale", action="ship", batch_id=CHILD, counterparty="shop")
    _scan(api, "shop", action="receive", batch_id=CHILD)
    _scan(api, "shop", action="sell", code=codes[0])
    _scan(api, "shop", 409, action="sell", code=codes[0], location="Beijing")  # a copied code
    _scan(api, "wholesale", action="destroy", code=codes[1])
    _scan(api, "wholesale", action="destroy", batch_id=f"{PARENT}B")
    api.mined()
    shop, haixian = api.services.account_of("shop"), api.services.account_of("haixian")
    # A transfer the database never committed: the reconciler records the difference.
    api.services.chain.transfer_custody(shop, batch_chain_id(CHILD), haixian.address, b"\x07" * 32)
    assert reconcile(api.services, repair=True).recorded
    recall = {"batch_id": PARENT, "reason": "Listeria", "recall_class": "I"}
    acks = f"/v1/recalls/{_ok(api.as_org('samr', 'POST', '/v1/recalls', json=recall))['id']}/acknowledgements"
    first = _ok(api.as_org("shop", "POST", acks, json={"quantity_quarantined": 150}))
    correction = {"quantity_quarantined": 199.5, "supersedes": first["ack_record_id"]}
    _ok(api.as_org("shop", "POST", acks, json=correction))
    _ok(
        api.as_org(
            "samr", "POST", acks.replace("acknowledgements", "lift"), json={"reason": "Retest negative"}
        ),
        200,
    )
    document = api.upload("haixian", b"a shared certificate")
    _ok(api.as_org("haixian", "POST", f"/v1/documents/{document}/shares", json={"organisation": "wholesale"}))
    keys = "/v1/organisations/me/keys"
    device = _ok(api.as_org("haixian", "POST", keys, params={"kind": "device", "label": "a scanner"}))
    _ok(api.as_org("haixian", "DELETE", f"{keys}/{device['api_key'].split('_')[1]}"), 200)
    position = {"latitude": 30.6253, "longitude": 122.0653, "address": "洋山深水港"}
    _ok(api.as_org("samr", "PUT", "/v1/organisations/haixian/position", json=position), 200)
    store = {"name": "cs-01", "kinds": ["temperature"], "location": "Cold room 1", "position": position}
    _ok(api.as_org("haixian", "POST", "/v1/devices", json=store))
    moved = {"latitude": 30.6, "longitude": 122}
    _ok(api.as_org("haixian", "PUT", "/v1/devices/cs-01/position", json=moved), 200)
    headers = {**api.headers("haixian"), "GS1-Capture-Error-Behaviour": "proceed"}
    assert _ok(api.client.post("/epcis/capture", json=_load(SHIPPING_DOC), headers=headers), 202)["captured"]
    audit = _ok(api.as_org("samr", "POST", "/v1/audits"), 202)
    job = api.services.jobs.get(audit["id"])
    assert job is None or job.done.wait(120)


def test_every_fact_written_round_trips_through_its_model(api: Api) -> None:
    _story(api)

    assert assert_facts_round_trip(api.services.ledger) == WRITTEN_HERE


def test_fact_read_from_a_record_of_another_kind_is_refused(api: Api) -> None:
    _story(api)
    (receive,) = [s for s in api.services.ledger.about("batch", CHILD) if s.kind == "scan.receive"]

    with pytest.raises(
        WrongKind, match=f"record {receive.record_id} is a scan.receive record, not ShipScanned"
    ):
        ShipScanned.of(receive)
    assert ShipScanned.of(api.services.ledger.about("batch", CHILD)[1]).counterparty == "shop"


def _record(kind: str, payload: dict[str, Any]) -> Record:
    return Record(
        kind=kind,
        record_id="scan:1",
        time="2026-11-01T08:00:00Z",
        actor=Actor(org="91310000MA0000001X", key_id="k"),
        subjects=[Subject(type="batch", id=PARENT)],
        payload=payload,
    )


def test_fact_written_before_a_field_was_added_still_parses_and_keeps_its_bytes() -> None:
    old = _record(
        "batch.split",
        {"action": "split", "batch_id": PARENT, "children": [CHILD], "quantities": [200], "location": "SH",
         "epcis": {"type": "TransformationEvent"}, "note": "a key no model names"},
    )  # fmt: skip

    split = BatchSplit.of(old)

    assert split.items is None
    assert split.payload() == old.payload


def test_fact_with_a_payload_that_does_not_fit_names_the_field() -> None:
    broken = _record("recall.acknowledged", {"recall_id": "r1", "batch_ids": "not a list"})

    with pytest.raises(MalformedFact, match=r"record scan:1 \(recall.acknowledged\): payload.batch_ids"):
        RecallAcknowledged.of(broken)


def test_each_domains_record_kinds_are_in_the_catalogue_fact_of_reads() -> None:
    import importlib

    from trace_api.facts import DOMAIN_FACT_MODULES, FACTS, every_fact

    every = every_fact()
    for name in DOMAIN_FACT_MODULES:
        domain = importlib.import_module(name).FACTS
        assert domain, name
        assert not set(domain) & set(FACTS), f"{name} names a kind the shared catalogue has"
        assert all(every[kind] is model for kind, model in domain.items())
