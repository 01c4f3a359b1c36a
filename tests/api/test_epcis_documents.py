"""EPCIS documents as partners send them: every alias of the EPCIS 2.0 context, a body holding a
single event, and no document shape that the capture answers with a 500."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.api.conftest import Api
from trace_api.epcis import EPCIS_CONTEXT, document_hash_ids, event_hash_id

CONTEXT_ALIASES = [
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
]


def _receiving(serial: int = 1) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-03-02T08:15:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"urn:epc:id:sgtin:6901234.012345.{serial}"],
        "action": "OBSERVE",
        "bizStep": "receiving",
        "disposition": "in_progress",
        "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"},
        "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000017:PO-88"}],
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:6901234.012346.B7", "quantity": 12.5, "uom": "KGM"}
        ],
        "example:tray": {"example:colour": "blue"},
    }


def _document(context: Any = EPCIS_CONTEXT, *events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [context, {"example": "https://example.org/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T09:00:00Z",
        "epcisBody": {"eventList": list(events) or [_receiving()]},
    }


def _capture(api: Api, body: Any, content_type: str = "application/ld+json") -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {**api.headers("partner"), "Content-Type": content_type}
    return api.client.post("/epcis/capture", content=raw, headers=headers)


@pytest.fixture
def partner(api: Api) -> Api:
    api.add_org("partner", "wholesaler")
    return api


@pytest.mark.parametrize("alias", CONTEXT_ALIASES)
def test_each_alias_of_the_epcis_context_is_read_offline_as_the_bundled_one(partner: Api, alias: str) -> None:
    document = _document(alias)

    job = _capture(partner, document).json()

    assert job["status"] == "succeeded", job["errors"]
    expected = document_hash_ids(_document(EPCIS_CONTEXT))
    read = partner.as_org("partner", "GET", "/epcis/events/" + quote(expected[0], safe=""))
    assert read.status_code == 200, read.text


def test_single_event_under_an_alias_of_the_context_is_captured(partner: Api) -> None:
    bare = {k: v for k, v in _receiving(7).items() if k != "example:tray"}
    event = {"@context": CONTEXT_ALIASES[0], **bare}

    created = partner.as_org("partner", "POST", "/epcis/events", json=event)

    assert created.status_code == 201, created.text
    assert created.json()["eventID"] == event_hash_id(bare)


def test_document_whose_body_holds_a_single_event_is_captured(partner: Api) -> None:
    document = _document()
    document["epcisBody"] = {"event": _receiving(3)}

    job = _capture(partner, document).json()

    assert (job["status"], job["captured"]) == ("succeeded", 1), job["errors"]
    assert partner.as_org("partner", "GET", f"/epcis/capture/{job['id']}").json()["captured"] == 1


# --- no document shape gives a 500 ---------------------------------------------------------

#: Values put in place of each part of a valid document, one at a time.
WRONG_VALUES: list[Any] = [
    None,
    0,
    -1,
    True,
    10**40,
    1.5e308,
    "",
    "x",
    "\ud800",
    [],
    [None],
    [[]],
    {},
    {"type": None},
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        yield from _paths(child, (*path, key))


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = copy.deepcopy(value)
    return changed


def _without(document: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(document)
    node = changed
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return changed


def _shapes() -> Iterator[tuple[str, bytes]]:
    base = _document()
    for path in _paths(base):
        for value in WRONG_VALUES:
            yield f"{path} = {value!r}", json.dumps(_replaced(base, path, value)).encode()
        if path:
            yield f"without {path}", json.dumps(_without(base, path)).encode()
    body_shapes: list[Any] = [
        {"event": None},
        {"event": []},
        {"event": [_receiving()]},
        {"event": _receiving(), "eventList": None},
        {"eventList": {}},
        {"eventList": _receiving()},
        {"eventList": [1, "x", None]},
        {"queryResults": {"resultsBody": {"eventList": [_receiving()]}}},
    ]
    for body in body_shapes:
        yield f"epcisBody = {body!r}", json.dumps({**base, "epcisBody": body}).encode()
    raw = {
        "not UTF-8": b"\xff\xfe{\x00",
        "Latin-1 text": json.dumps(base).replace("blue", "bl\u00e9").encode("latin-1"),
        "a number of 5,000 digits": b'{"epcisBody": ' + b"9" * 5000 + b"}",
        "a number beyond double": b'{"type": "EPCISDocument", "schemaVersion": 1e999}',
        "NaN": b'{"type": "EPCISDocument", "schemaVersion": NaN}',
        "arrays 100,000 deep": b"[" * 100_000 + b"]" * 100_000,
        "objects 100,000 deep": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        "nothing": b"",
        "a JSON string": b'"EPCISDocument"',
        "truncated": json.dumps(base).encode()[:-7],
        "a byte-order mark": b"\xef\xbb\xbf" + json.dumps(base).encode(),
    }
    yield from raw.items()


def test_no_document_shape_is_answered_with_a_server_error(partner: Api) -> None:
    wrong: list[str] = []
    for name, body in _shapes():
        try:
            response = _capture(partner, body)
        except Exception as exc:  # the test client re-raises what the app did not answer
            wrong.append(f"{name}: raised {exc!r}")
            continue
        if response.status_code == 202:
            continue  # still a valid document (or a job reporting each refused event)
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if not (400 <= response.status_code < 500 and problem and response.json().get("errors")):
            wrong.append(f"{name}: {response.status_code} {response.text[:200]}")
    assert wrong == []


# --- XML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/xml", "text/xml; charset=utf-8"])
def test_xml_document_is_captured_under_the_ids_of_its_json_form(partner: Api, content_type: str) -> None:
    from tests.epcis.test_xml_documents import PAIRS, _json, _xml

    body = _xml(2, "".join(xml for xml, _ in PAIRS.values()))
    expected = document_hash_ids(_json(*(event for _, event in PAIRS.values())))

    job = _capture(partner, body, content_type).json()

    assert (job["status"], job["captured"]) == ("succeeded", len(PAIRS)), job["errors"]
    for event_id in expected:
        read = partner.as_org("partner", "GET", "/epcis/events/" + quote(event_id, safe=""))
        assert read.status_code == 200, read.text


def test_xml_document_with_an_entity_is_refused_as_a_problem(partner: Api) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2"/>'
    )

    response = _capture(partner, body, "application/xml")

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "DOCTYPE" in response.json()["errors"][0]["reason"]
