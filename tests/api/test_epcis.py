"""The EPCIS 2.0 interface: capture every corpus document, identities by Event Hash ID,
rollback and proceed, duplicates, queries with each filter, paging, scoping, EPC formats."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests._webhooks import Receiver
from tests.api.conftest import Api
from tests.conftest import CORPUS
from trace_api.epcis import document_hash_ids, events_of

EXAMPLES = sorted(p for p in (CORPUS / "epcis" / "JSON").rglob("*.json*") if p.suffix in (".json", ".jsonld"))
HASH_VECTORS = sorted((CORPUS / "event-hash" / "tests" / "examples").glob("*.jsonld"))
#: Documents the hash package cannot read (see tests/epcis/test_hashing.py for why).
UNHASHABLE = {
    "Example-TransactionEvents-2020_07_03y.jsonld",
    "transformation_event_all_possible_fields.jsonld",
}
SHIPPING_DOC = CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"


def _load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _capture(api: Api, handle: str, document: dict[str, Any], behaviour: str = "rollback") -> Any:
    headers = {**api.headers(handle), "GS1-Capture-Error-Behaviour": behaviour}
    return api.client.post("/epcis/capture", json=document, headers=headers)


def _query(api: Api, handle: str, **params: Any) -> list[str]:
    response = api.as_org(handle, "GET", "/epcis/events", params=params)
    assert response.status_code == 200, response.text
    return [e["eventID"] for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


@pytest.fixture
def partner(api: Api) -> Api:
    api.add_org("partner", "wholesaler")
    api.add_org("rival", "retailer")
    return api


# Identities do not depend on the database: the corpus runs on SQLite; every other test here
# runs on both databases.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_document_is_captured_under_its_event_hash_ids(partner: Api, path: Path) -> None:
    document = _load(path)
    response = _capture(partner, "partner", document, "proceed")
    assert response.status_code == 202, response.text
    job = response.json()

    if path.name in UNHASHABLE:
        assert job["status"] in ("partial", "failed")
        assert all("hash" in e["reason"].lower() or "context" in e["reason"].lower() for e in job["errors"])
        return
    assert job["status"] == "succeeded", job["errors"]
    assert job["captured"] + job["duplicates"] == len(events_of(document))
    assert set(_query(partner, "partner", perPage=1000)) == set(document_hash_ids(document))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("path", HASH_VECTORS, ids=lambda p: p.name)
def test_captured_ids_equal_the_reference_hash_vectors(partner: Api, path: Path) -> None:
    expected = [line.strip() for line in path.with_suffix(".hashes").read_text().splitlines() if line.strip()]

    job = _capture(partner, "partner", _load(path), "proceed").json()

    assert job["status"] == "succeeded", job["errors"]
    assert set(_query(partner, "partner", perPage=1000)) == set(expected)


def _broken() -> dict[str, Any]:
    """Three valid, distinct events with the second one's eventTime removed."""
    document = _load(CORPUS / "epcis" / "JSON" / "Example_9.6.2-ObjectEvent.jsonld")
    event = events_of(document)[0]
    document["epcisBody"]["eventList"] = [
        {**copy.deepcopy(event), "eventTime": f"2013-06-0{day}T14:58:56.591Z"} for day in (1, 2, 3)
    ]
    del document["epcisBody"]["eventList"][1]["eventTime"]
    return document


def test_rollback_keeps_nothing_of_a_document_with_an_invalid_event(partner: Api) -> None:
    before = partner.services.ledger.size()  # the admissions of the organisations

    job = _capture(partner, "partner", _broken(), "rollback").json()

    assert job["status"] == "failed"
    assert [(e["event"], e["path"]) for e in job["errors"]] == [(1, "/epcisBody/eventList/1/eventTime")]
    assert job["errors"][0]["reason"] == "required but missing"
    assert _query(partner, "partner") == []
    assert partner.services.ledger.size() == before


def test_proceed_keeps_the_valid_events(partner: Api) -> None:
    document = _broken()

    job = _capture(partner, "partner", document, "proceed").json()
    status = partner.as_org("partner", "GET", f"/epcis/capture/{job['id']}").json()

    assert job["status"] == "partial"
    assert job["captured"] == len(events_of(document)) - 1
    assert status == job
    assert len(_query(partner, "partner")) == job["captured"]


def test_same_event_captured_twice_is_a_duplicate(partner: Api) -> None:
    document = _load(SHIPPING_DOC)
    event = {"@context": document["@context"], **events_of(document)[0]}
    before = partner.services.ledger.size()  # the admissions of the organisations

    first = _capture(partner, "partner", document).json()
    again = _capture(partner, "partner", document).json()
    single = partner.as_org("partner", "POST", "/epcis/events", json=event)

    count = len(events_of(document))
    assert (first["captured"], again["captured"], again["duplicates"]) == (count, 0, count)
    assert single.status_code == 409
    assert single.json()["event_id"] == document_hash_ids(document)[0]
    assert partner.services.ledger.size() == before + count


def test_single_event_capture_and_read_back(partner: Api) -> None:
    document = _load(CORPUS / "epcis" / "JSON" / "Example_9.6.3-AggregationEvent.jsonld")
    event = {"@context": document["@context"], **events_of(document)[0]}

    created = partner.as_org("partner", "POST", "/epcis/events", json=event)
    read = partner.as_org("partner", "GET", created.headers["Location"])
    hidden = partner.as_org("rival", "GET", created.headers["Location"])

    assert created.status_code == 201, created.text
    assert read.json()["eventID"] == created.json()["eventID"] == document_hash_ids(document)[0]
    assert hidden.status_code == 404


def test_invalid_single_event_names_the_path(partner: Api) -> None:
    document = _load(SHIPPING_DOC)
    event = {"@context": document["@context"], **events_of(document)[0], "action": "EXPLODE"}

    response = partner.as_org("partner", "POST", "/epcis/events", json=event)

    assert response.status_code == 422
    assert "/action" in [e["field"] for e in response.json()["errors"]]


@pytest.fixture
def captured(partner: Api) -> dict[str, Any]:
    """Several corpus documents captured by the partner; ids by document."""
    names = [
        "Example_9.6.1-ObjectEvent.jsonld",
        "Example_9.6.2-ObjectEvent.jsonld",
        "Example_9.6.3-AggregationEvent.jsonld",
        "Example_9.6.4-TransformationEvent.jsonld",
    ]
    found = {}
    for name in names:
        document = _load(CORPUS / "epcis" / "JSON" / name)
        assert _capture(partner, "partner", document).json()["status"] == "succeeded"
        found[name] = (document, document_hash_ids(document))
    return found


def _expected(captured: dict[str, Any], keep: Any) -> set[str]:
    return {
        event_id
        for document, ids in captured.values()
        for event, event_id in zip(events_of(document), ids, strict=True)
        if keep(event)
    }


def test_query_filters_match_what_was_captured(partner: Api, captured: dict[str, Any]) -> None:
    def short(value: str | None) -> str | None:
        return value.rsplit("-", 1)[-1].rsplit(":", 1)[-1] if value else value

    first = events_of(captured["Example_9.6.1-ObjectEvent.jsonld"][0])[0]
    epc = first["epcList"][0]
    quantified = events_of(captured["Example_9.6.2-ObjectEvent.jsonld"][0])[0]
    location, klass = quantified["bizLocation"]["id"], quantified["quantityList"][0]["epcClass"]
    cases = {
        "eventType": ("AggregationEvent", lambda e: e["type"] == "AggregationEvent"),
        "EQ_bizStep": (first["bizStep"], lambda e: short(e.get("bizStep")) == short(first["bizStep"])),
        "EQ_disposition": (
            first["disposition"],
            lambda e: short(e.get("disposition")) == short(first["disposition"]),
        ),
        "EQ_readPoint": (
            first["readPoint"]["id"],
            lambda e: (e.get("readPoint") or {}).get("id") == first["readPoint"]["id"],
        ),
        "MATCH_epc": (epc, lambda e: epc in e.get("epcList", []) + e.get("childEPCs", [])),
        "GE_eventTime": (first["eventTime"], lambda e: e["eventTime"] >= first["eventTime"]),
        "LT_eventTime": (first["eventTime"], lambda e: e["eventTime"] < first["eventTime"]),
        "EQ_bizLocation": (location, lambda e: (e.get("bizLocation") or {}).get("id") == location),
        "MATCH_epcClass": (
            klass,
            lambda e: (
                klass in [q["epcClass"] for q in e.get("quantityList", []) + e.get("childQuantityList", [])]
            ),
        ),
        "MATCH_anyEPC": (epc, lambda e: epc in _all_epcs(e)),
    }
    for name, (value, keep) in cases.items():
        assert set(_query(partner, "partner", **{name: value}, perPage=1000)) == _expected(captured, keep), (
            name
        )


def _all_epcs(event: dict[str, Any]) -> list[str]:
    parent = [event["parentID"]] if "parentID" in event else []
    return [
        *event.get("epcList", []),
        *event.get("childEPCs", []),
        *parent,
        *event.get("inputEPCList", []),
        *event.get("outputEPCList", []),
    ]


def test_query_by_class_and_record_time(partner: Api, captured: dict[str, Any]) -> None:
    transformation = events_of(captured["Example_9.6.4-TransformationEvent.jsonld"][0])[0]
    klass = transformation["inputQuantityList"][0]["epcClass"]

    by_any_class = _query(partner, "partner", MATCH_anyEPCClass=klass, perPage=1000)
    by_class = _query(partner, "partner", MATCH_epcClass=klass, perPage=1000)  # input lists are not epcClass
    everything = _query(partner, "partner", GE_recordTime="2000-01-01T00:00:00Z", perPage=1000)
    nothing = _query(partner, "partner", LT_recordTime="2000-01-01T00:00:00Z")

    assert captured["Example_9.6.4-TransformationEvent.jsonld"][1][0] in by_any_class
    assert captured["Example_9.6.4-TransformationEvent.jsonld"][1][0] not in by_class
    assert len(everything) == sum(len(ids) for _, ids in captured.values())
    assert nothing == []


def test_paging_is_complete_and_stable(partner: Api, captured: dict[str, Any]) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"perPage": 2}
    while True:
        response = partner.as_org("partner", "GET", "/epcis/events", params=params).json()
        seen += [e["eventID"] for e in response["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        if "nextPageToken" not in response:
            break
        params = {"perPage": 2, "nextPageToken": response["nextPageToken"]}

    assert len(seen) == len(set(seen)) == sum(len(ids) for _, ids in captured.values())
    assert seen == _query(partner, "partner", perPage=1000)


def test_results_are_scoped_to_the_caller(partner: Api, captured: dict[str, Any]) -> None:
    assert _query(partner, "rival") == []
    assert len(_query(partner, "samr", perPage=1000)) == sum(len(ids) for _, ids in captured.values())


def test_bad_query_parameters_are_named(partner: Api) -> None:
    unknown = partner.as_org("partner", "GET", "/epcis/events", params={"EQ_colour": "red"})
    bad_time = partner.as_org("partner", "GET", "/epcis/events", params={"GE_eventTime": "yesterday"})
    bad_page = partner.as_org("partner", "GET", "/epcis/events", params={"perPage": 0})

    assert unknown.json()["errors"][0]["field"] == "EQ_colour"
    assert bad_time.json()["errors"][0]["field"] == "GE_eventTime"
    assert bad_page.json()["errors"][0]["field"] == "perPage"


def test_epc_format_header_translates_urns_to_digital_links(partner: Api) -> None:
    document = _load(SHIPPING_DOC)
    _capture(partner, "partner", document)
    event_id = quote(document_hash_ids(document)[0], safe="")

    as_captured = partner.as_org("partner", "GET", f"/epcis/events/{event_id}").json()
    headers = {**partner.headers("partner"), "GS1-EPC-Format": "Always_GS1_Digital_Link"}
    as_links = partner.client.get(f"/epcis/events/{event_id}", headers=headers).json()

    assert as_captured["epcList"][0].startswith("urn:epc:id:sgtin:")
    assert as_links["epcList"][0].startswith("https://id.gs1.org/01/")
    assert copy.deepcopy(as_links)["eventID"] == as_captured["eventID"]


def _subscribe(api: Api, query: dict[str, Any], dest: str) -> dict[str, Any]:
    assert (
        api.as_org("partner", "POST", "/epcis/queries", json={"name": "mine", "query": query}).status_code
        == 201
    )
    response = api.as_org("partner", "POST", "/epcis/queries/mine/subscriptions", json={"dest": dest})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_subscription_delivers_exactly_the_matching_events_signed(partner: Api) -> None:
    from trace_api.epcis.subscriptions import DeliveryWorker
    from trace_api.webhooks.service import sign

    receiver = Receiver(path="/epcis")
    try:
        subscription = _subscribe(partner, {"eventType": "AggregationEvent"}, receiver.url)
        aggregation = _load(CORPUS / "epcis" / "JSON" / "Example_9.6.3-AggregationEvent.jsonld")
        _capture(partner, "partner", _load(SHIPPING_DOC))
        _capture(partner, "partner", aggregation)
        _capture(partner, "rival", _load(CORPUS / "epcis" / "JSON" / "Example_9.6.2-ObjectEvent.jsonld"))
        delivered = DeliveryWorker(partner.services).run_once()
        again = DeliveryWorker(partner.services).run_once()
    finally:
        receiver.close()

    assert (delivered, again) == (1, 0)
    headers, body = receiver.received[0]
    assert headers["Suyuan-Signature"] == sign(subscription["secret"], body)
    assert json.loads(body)["eventID"] == headers["GS1-Event-ID"] == document_hash_ids(aggregation)[0]


def test_failing_receiver_is_retried_with_backoff_and_never_blocks_capture(partner: Api) -> None:
    import datetime as dt

    from trace_api.epcis.subscriptions import DeliveryWorker, backoff_s

    receiver = Receiver(failures=2, path="/epcis")
    try:
        _subscribe(partner, {}, receiver.url)
        job = _capture(partner, "partner", _load(SHIPPING_DOC)).json()
        worker = DeliveryWorker(partner.services)
        now = dt.datetime.now(dt.UTC)
        first = worker.run_once(now)
        too_soon = worker.run_once(now + dt.timedelta(seconds=backoff_s(1) - 1))
        second = worker.run_once(now + dt.timedelta(seconds=backoff_s(1)))
        third = worker.run_once(now + dt.timedelta(seconds=backoff_s(1) + backoff_s(2) + 1))
    finally:
        receiver.close()

    assert job["status"] == "succeeded"  # captured while the receiver was failing
    assert (first, too_soon) == (0, 0)
    assert second + third == job["captured"]
    ids = [json.loads(body)["eventID"] for _, body in receiver.received]
    assert sorted(ids) == sorted(document_hash_ids(_load(SHIPPING_DOC)))


def test_named_query_names_unsupported_parameters(partner: Api) -> None:
    response = partner.as_org(
        "partner", "POST", "/epcis/queries", json={"name": "bad", "query": {"EQ_colour": "red"}}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "EQ_colour"


def _lot_event(
    api: Api,
    biz_step: str,
    *,
    to: str | None = None,
    code: str | None = None,
    time: str = "2026-11-27T09:00:00Z",
) -> dict[str, Any]:
    resolver = api.services.settings.public_url
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTime": time,
        "eventTimeZoneOffset": "+08:00",
        "bizStep": biz_step,
        "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.0"},
    }
    if code is not None:
        event["epcList"] = [code]
    else:
        event["quantityList"] = [
            {"epcClass": f"{resolver}/01/09506000134352/10/L2026-001", "quantity": 1200, "uom": "KGM"}
        ]
    if to is not None:
        uscc = api.as_org(to, "GET", "/v1/organisations/me").json()["uscc"]
        event["destinationList"] = [{"type": "owning_party", "destination": f"urn:suyuan:party:uscc:{uscc}"}]
    return event


def _doc(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-27T09:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def test_captured_events_about_suyuan_lots_move_custody_like_scans(partner: Api) -> None:
    from chain import id_hash
    from tests.api.conftest import batch_payload

    api = partner
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    codes = api.as_org(
        "haixian", "POST", "/v1/batches/09506000134352.L2026-001/codes", json={"count": 2}
    ).json()["codes"]

    stolen = _capture(api, "rival", _doc(_lot_event(api, "shipping", to="rival"))).json()
    shipped = _capture(api, "haixian", _doc(_lot_event(api, "shipping", to="partner"))).json()
    received = _capture(
        api, "partner", _doc(_lot_event(api, "receiving", time="2026-11-27T10:00:00Z"))
    ).json()
    sold = _capture(
        api, "partner", _doc(_lot_event(api, "retail_selling", code=codes[0], time="2026-11-27T11:00:00Z"))
    ).json()
    again = _capture(
        api,
        "partner",
        _doc(_lot_event(api, "retail_selling", code=codes[0], time="2026-11-27T12:00:00Z")),
        "proceed",
    ).json()

    assert stolen["status"] == "failed"
    assert "does not hold batch" in stolen["errors"][0]["reason"]
    assert (shipped["status"], received["status"], sold["status"]) == ("succeeded", "succeeded", "succeeded")
    partner_address = api.as_org("partner", "GET", "/v1/organisations/me").json()["chain_address"]
    api.mined()
    assert api.services.chain.batch(id_hash("batch:09506000134352.L2026-001")).holder == partner_address
    assert again["status"] == "failed"
    assert "sold before" in again["errors"][0]["reason"]
    signals = api.as_org("samr", "GET", "/v1/signals", params={"code": codes[0]}).json()["signals"]
    assert [s["reason"] for s in signals] == ["sold_twice"]
    page = api.client.get(
        "/01/" + codes[0].split("/01/", 1)[1], headers={"Accept": "application/json"}
    ).json()
    assert page["code"]["status"] == "sold"


def test_epc_format_header_translates_digital_links_to_urns(partner: Api) -> None:
    document = _load(
        CORPUS / "epcis" / "JSON" / "WithDigitalLinkID" / "Example_9.6.1-ObjectEventWithDigitalLink.jsonld"
    )
    _capture(partner, "partner", document)
    event_id = quote(document_hash_ids(document)[0], safe="")

    headers = {**partner.headers("partner"), "GS1-EPC-Format": "Always_EPC_URN"}
    as_urns = partner.client.get(f"/epcis/events/{event_id}", headers=headers).json()
    listed = partner.client.get("/epcis/events", headers=headers).json()

    # With the default 7-digit GS1 company prefix (SUYUAN_GS1_COMPANY_PREFIX_LENGTH).
    assert as_urns["epcList"][0] == "urn:epc:id:sgtin:0614141.712345.2017"
    same = [
        e
        for e in listed["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if e["eventID"] == as_urns["eventID"]
    ]
    assert same[0]["epcList"] == as_urns["epcList"]


def test_captured_transformation_splits_a_suyuan_lot(partner: Api) -> None:
    from chain import id_hash
    from tests.api.conftest import batch_payload

    api = partner
    api.add_org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    resolver = api.services.settings.public_url
    codes = api.as_org(
        "haixian", "POST", "/v1/batches/09506000134352.L2026-001/codes", json={"count": 2}
    ).json()["codes"]
    event = {
        "type": "TransformationEvent",
        "eventTime": "2026-11-27T09:00:00Z",
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "repackaging",
        "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.0"},
        "inputEPCList": [codes[1]],
        "outputEPCList": [codes[1]],
        "inputQuantityList": [{"epcClass": f"{resolver}/01/09506000134352/10/L2026-001"}],
        "outputQuantityList": [
            {"epcClass": f"{resolver}/01/09506000134352/10/L2026-001X", "quantity": 100, "uom": "KGM"}
        ],
    }

    job = _capture(api, "haixian", _doc(event)).json()
    trace = api.as_org(
        "haixian", "GET", "/v1/trace/09506000134352.L2026-001", params={"direction": "forward"}
    ).json()

    assert job["status"] == "succeeded", job["errors"]
    assert [b["id"] for b in trace["batches"]] == ["09506000134352.L2026-001", "09506000134352.L2026-001X"]
    api.mined()
    child = api.services.chain.batch(id_hash("batch:09506000134352.L2026-001X"))
    assert child.parent == id_hash("batch:09506000134352.L2026-001")
    moved = api.as_org("haixian", "GET", "/v1/batches/09506000134352.L2026-001X/codes").json()["codes"]
    assert [c["uri"] for c in moved] == [codes[1]]
