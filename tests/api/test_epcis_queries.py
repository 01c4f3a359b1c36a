"""EPCIS 2.0 SimpleEventQuery: each parameter of the standard's list over events of every type,
ordering and counting, refusals naming the parameter, and events found by their declared eventID."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import Api
from trace_api.epcis import EPCIS_CONTEXT, document_hash_ids

SGTIN = "urn:epc:id:sgtin:6901234.012345.{}"
LGTIN = "urn:epc:class:lgtin:6901234.012346.B7"
SSCC = "urn:epc:id:sscc:6901234.0000000001"
GIAI = "urn:epc:id:giai:6901234.TRUCK9"
RP1, RP2 = "urn:epc:id:sgln:6901234.00001.0", "urn:epc:id:sgln:6901234.00002.0"
PO = "urn:epcglobal:cbv:bt:6901234000017:PO-88"
PARTY = "urn:epc:id:pgln:6901234.00009"


def _at(hour: int) -> dict[str, str]:
    return {"eventTime": f"2026-04-0{hour}T08:00:00.000+08:00", "eventTimeZoneOffset": "+08:00"}


EVENTS: list[dict[str, Any]] = [
    {
        "type": "ObjectEvent",
        **_at(1),
        "eventID": "urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e000001",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "epcList": [SGTIN.format(1)],
        "quantityList": [{"epcClass": LGTIN, "quantity": 10, "uom": "KGM"}],
        "readPoint": {"id": RP1},
        "bizLocation": {"id": RP1, "example:dock": "D4"},
        "bizTransactionList": [{"type": "po", "bizTransaction": PO}],
        "sourceList": [{"type": "owning_party", "source": PARTY}],
        "persistentDisposition": {"set": ["completeness_verified"]},
        "ilmd": {"example:bestBefore": "2027-01-01T00:00:00Z", "example:batch": {"example:line": "L2"}},
        "example:grade": 3,
        "example:pack": {"example:colour": "red"},
    },
    {
        "type": "ObjectEvent",
        **_at(2),
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [SGTIN.format(2)],
        "quantityList": [{"epcClass": LGTIN, "quantity": 20, "uom": "KGM"}],
        "readPoint": {"id": RP2},
        "destinationList": [{"type": "owning_party", "destination": PARTY}],
        "errorDeclaration": {
            "declarationTime": "2026-04-05T10:00:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e0000ff"],
            "example:ticket": "T-7",
        },
        "sensorElementList": [
            {
                "sensorMetadata": {
                    "time": "2026-04-02T07:00:00Z",
                    "deviceID": GIAI,
                    "bizRules": "https://example.org/r",
                },
                "sensorReport": [
                    {
                        "type": "Temperature",
                        "value": 4.5,
                        "uom": "CEL",
                        "percRank": 50,
                        "example:probe": "p1",
                    },
                    {"type": "RelativeHumidity", "value": 80, "uom": "A93", "booleanValue": True},
                ],
            }
        ],
    },
    {
        "type": "AggregationEvent",
        **_at(3),
        "action": "ADD",
        "bizStep": "packing",
        "parentID": SSCC,
        "childEPCs": [SGTIN.format(3)],
        "childQuantityList": [{"epcClass": LGTIN, "quantity": 5, "uom": "KGM"}],
        "readPoint": {"id": RP1},
    },
    {
        "type": "TransformationEvent",
        **_at(4),
        "bizStep": "repackaging",
        "transformationID": "urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e0000aa",
        "inputEPCList": [SGTIN.format(4)],
        "outputEPCList": [SGTIN.format(5)],
        "inputQuantityList": [{"epcClass": LGTIN, "quantity": 30, "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012347.C1", "quantity": 29}],
        "readPoint": {"id": RP2},
    },
    {
        "type": "TransactionEvent",
        **_at(5),
        "action": "DELETE",
        "bizStep": "receiving",
        "parentID": SSCC,
        "epcList": [SGTIN.format(6)],
        "bizTransactionList": [{"type": "inv", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000017:INV-3"}],
    },
    {
        "type": "AssociationEvent",
        **_at(6),
        "action": "ADD",
        "bizStep": "assembling",
        "parentID": GIAI,
        "childEPCs": [SGTIN.format(7)],
    },
]

#: Each parameter of the standard's list with a value, and the events (by index) it selects.
CASES: list[tuple[dict[str, str], set[int]]] = [
    ({"eventType": "AssociationEvent|TransactionEvent"}, {4, 5}),
    ({"EQ_action": "ADD"}, {0, 2, 5}),
    ({"EQ_action": "OBSERVE|DELETE"}, {1, 4}),
    ({"EQ_bizStep": "shipping"}, {1}),
    ({"EQ_disposition": "https://ref.gs1.org/cbv/Disp-active"}, {0}),
    ({"EQ_readPoint": RP1}, {0, 2}),
    ({"WD_readPoint": RP2}, {1, 3}),
    ({"EQ_bizLocation": RP1}, {0}),
    ({"WD_bizLocation": RP1}, {0}),
    ({"EQ_persistentDisposition_set": "completeness_verified"}, {0}),
    ({"EQ_persistentDisposition_unset": "completeness_verified"}, set()),
    ({"EQ_quantity": "20"}, {1}),
    ({"GT_quantity": "20"}, {3}),
    ({"GE_quantity": "20"}, {1, 3}),
    ({"LT_quantity": "10"}, {2}),
    ({"LE_quantity": "10"}, {0, 2}),
    ({"GE_quantity_KGM": "29"}, {3}),
    ({"EQ_transformationID": "urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e0000aa"}, {3}),
    ({"MATCH_epc": SGTIN.format(3)}, {2}),
    ({"MATCH_parentID": SSCC}, {2, 4}),
    ({"MATCH_parentID": GIAI}, {5}),
    ({"MATCH_inputEPC": SGTIN.format(4)}, {3}),
    ({"MATCH_outputEPC": SGTIN.format(5)}, {3}),
    ({"MATCH_anyEPC": SGTIN.format(5) + "|" + SSCC}, {2, 3, 4}),
    ({"MATCH_epcClass": LGTIN}, {0, 1, 2}),
    ({"MATCH_inputEPCClass": LGTIN}, {3}),
    ({"MATCH_outputEPCClass": "urn:epc:class:lgtin:6901234.012347.C1"}, {3}),
    ({"MATCH_anyEPCClass": LGTIN}, {0, 1, 2, 3}),
    ({"EQ_eventID": "urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e000001"}, {0}),
    ({"EXISTS_errorDeclaration": "true"}, {1}),
    ({"EXISTS_errorDeclaration": "false"}, {0, 2, 3, 4, 5}),
    ({"GE_errorDeclarationTime": "2026-04-05T00:00:00Z"}, {1}),
    ({"LT_errorDeclarationTime": "2026-04-05T00:00:00Z"}, set()),
    ({"EQ_errorReason": "incorrect_data"}, {1}),
    ({"EQ_correctiveEventID": "urn:uuid:0d6b4a52-3c1e-4c55-9a51-5f0c1e0000ff"}, {1}),
    ({"EQ_bizTransaction_po": PO}, {0}),
    ({"EQ_bizTransaction_inv": PO}, set()),
    ({"EQ_source_owning_party": PARTY}, {0}),
    ({"EQ_destination_owning_party": PARTY}, {1}),
    ({"GE_eventTime": "2026-04-05T00:00:00+08:00"}, {4, 5}),
    ({"LT_eventTime": "2026-04-02T00:00:00+08:00"}, {0}),
    ({"GE_recordTime": "2000-01-01T00:00:00Z"}, {0, 1, 2, 3, 4, 5}),
    ({"LT_recordTime": "2000-01-01T00:00:00Z"}, set()),
    ({"EXISTS_sensorElementList": "true"}, {1}),
    ({"GE_time": "2026-04-02T06:00:00Z"}, {1}),
    ({"LT_time": "2026-04-02T06:00:00Z"}, set()),
    ({"EQ_type": "Temperature"}, {1}),
    ({"EQ_deviceID": GIAI}, {1}),
    ({"EQ_bizRules": "https://example.org/r"}, {1}),
    ({"EQ_booleanValue": "true"}, {1}),
    ({"GE_percRank": "50"}, {1}),
    ({"LT_percRank": "50"}, set()),
    ({"GE_value_CEL": "4"}, {1}),
    ({"LT_value_CEL": "4"}, set()),
    ({"EQ_value_A93": "80"}, {1}),
    ({"EQ_example:grade": "3"}, {0}),
    ({"GT_example:grade": "2"}, {0}),
    ({"LT_example:grade": "3"}, set()),
    ({"EXISTS_example:pack": "true"}, {0}),
    ({"EQ_INNER_example:colour": "red"}, {0}),
    ({"EXISTS_INNER_example:colour": "true"}, {0}),
    ({"GE_ILMD_example:bestBefore": "2026-12-31T00:00:00Z"}, {0}),
    ({"EXISTS_ILMD_example:line": "true"}, set()),
    ({"EXISTS_INNER_ILMD_example:line": "true"}, {0}),
    ({"EQ_ERROR_DECLARATION_example:ticket": "T-7"}, {1}),
    ({"EQ_bizLocation_example:dock": "D4"}, {0}),
    ({"EQ_SENSORREPORT_example:probe": "p1"}, {1}),
    ({"EQ_bizStep": "packing"}, {2}),
]


def _document() -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT, {"example": "https://example.org/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-04-07T00:00:00Z",
        "epcisBody": {"eventList": EVENTS},
    }


@pytest.fixture
def stored(api: Api) -> list[str]:
    """The events captured by ``partner``: their Event Hash IDs, by index."""
    api.add_org("partner", "wholesaler")
    api.add_org("rival", "retailer")
    job = api.as_org("partner", "POST", "/epcis/capture", json=_document()).json()
    assert job["status"] == "succeeded", job["errors"]
    return document_hash_ids(_document())


def _ids(api: Api, params: dict[str, Any], handle: str = "partner") -> list[str]:
    response = api.as_org(handle, "GET", "/epcis/events", params={"perPage": 1000, **params})
    assert response.status_code == 200, (params, response.text)
    return [e["eventID"] for e in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]


def test_each_standard_parameter_selects_its_events(api: Api, stored: list[str]) -> None:
    wrong = {}
    for params, expected in CASES:
        found = set(_ids(api, params))
        if found != {stored[i] for i in expected}:
            wrong[str(params)] = sorted(stored.index(i) for i in found)
    assert wrong == {}


def test_parameters_together_select_the_events_every_one_selects(api: Api, stored: list[str]) -> None:
    found = _ids(api, {"EQ_action": "ADD", "MATCH_epcClass": LGTIN, "GE_quantity": "6"})

    assert found == [stored[0]]


def test_order_by_event_time_descending(api: Api, stored: list[str]) -> None:
    newest_first = _ids(api, {"orderBy": "eventTime", "orderDirection": "DESC"})
    oldest_first = _ids(api, {"orderBy": "eventTime", "orderDirection": "ASC"})

    assert newest_first == list(reversed(stored))
    assert oldest_first == stored


def test_event_count_limit_keeps_the_first_events_across_pages(api: Api, stored: list[str]) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {
        "orderBy": "eventTime",
        "orderDirection": "DESC",
        "eventCountLimit": 3,
        "perPage": 2,
    }
    while True:
        body = api.as_org("partner", "GET", "/epcis/events", params=params).json()
        seen += [e["eventID"] for e in body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        if "nextPageToken" not in body:
            break
        params = {**params, "nextPageToken": body["nextPageToken"]}

    assert seen == list(reversed(stored))[:3]


def test_more_events_than_max_event_count_is_refused_naming_it(api: Api, stored: list[str]) -> None:
    too_many = api.as_org("partner", "GET", "/epcis/events", params={"maxEventCount": 5})
    enough = _ids(api, {"maxEventCount": 6})
    filtered = _ids(api, {"maxEventCount": 1, "EXISTS_errorDeclaration": "true"})

    assert too_many.status_code == 413
    assert too_many.json()["errors"][0]["field"] == "maxEventCount"
    assert len(enough) == 6
    assert filtered == [stored[1]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"EQ_colour": "red"}, "EQ_colour"),
        ({"GE_quantity": "heavy"}, "GE_quantity"),
        ({"GE_value_CEL": "warm"}, "GE_value_CEL"),
        ({"GT_example:grade": "high"}, "GT_example:grade"),
        ({"EXISTS_errorDeclaration": "maybe"}, "EXISTS_errorDeclaration"),
        ({"LT_errorDeclarationTime": "yesterday"}, "LT_errorDeclarationTime"),
        ({"orderBy": "colour"}, "orderBy"),
        ({"orderDirection": "UP"}, "orderDirection"),
        ({"eventCountLimit": "0"}, "eventCountLimit"),
        ({"maxEventCount": "many"}, "maxEventCount"),
        ({"eventCountLimit": "1", "maxEventCount": "1"}, "maxEventCount"),
        ({"HASATTR_example:size": "x"}, "HASATTR_example:size"),
        ({"EQ_ATTR_urn:epcglobal:cbv:mda_site": "x"}, "EQ_ATTR_urn:epcglobal:cbv:mda_site"),
        ({"EQ_transformationID": ""}, "EQ_transformationID"),
    ],
)
def test_unknown_or_malformed_parameter_is_refused_naming_it(
    api: Api, stored: list[str], params: dict[str, str], field: str
) -> None:
    response = api.as_org("partner", "GET", "/epcis/events", params=params)
    named = api.as_org("partner", "POST", "/epcis/queries", json={"name": "bad", "query": params})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == field
    assert (named.status_code, named.json()["errors"][0]["field"]) == (422, field)


def test_a_page_token_is_refused_under_another_order(api: Api, stored: list[str]) -> None:
    body = api.as_org("partner", "GET", "/epcis/events", params={"perPage": 2}).json()
    params = {"perPage": 2, "orderDirection": "DESC", "nextPageToken": body["nextPageToken"]}

    response = api.as_org("partner", "GET", "/epcis/events", params=params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "nextPageToken"


def test_event_is_found_by_its_declared_event_id_as_by_its_hash_id(api: Api, stored: list[str]) -> None:
    declared = EVENTS[0]["eventID"]

    by_declared = api.as_org("partner", "GET", f"/epcis/events/{quote(declared, safe='')}")
    by_hash = api.as_org("partner", "GET", f"/epcis/events/{quote(stored[0], safe='')}")
    hidden = api.as_org("rival", "GET", f"/epcis/events/{quote(declared, safe='')}")

    assert by_declared.status_code == by_hash.status_code == 200, by_declared.text
    assert by_declared.json() == by_hash.json()
    assert by_declared.json()["eventID"] == stored[0]
    assert by_declared.json()["https://suyuan.dev/epcis/declaredEventID"] == declared
    assert hidden.status_code == 404
    assert _ids(api, {"EQ_eventID": stored[0]}) == [stored[0]]
