"""Document helpers: contexts, events, the EPCs a query matches, EPC URI ↔ GS1 Digital Link."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from epcis_event_hash_generator.dl_normaliser import normaliser  # type: ignore[import-untyped]

from trace_api.epcis import (
    EPCIS_CONTEXT,
    EpcisError,
    IdentifierError,
    digital_link_to_urn,
    document_context,
    epc_lists,
    event_type,
    events_of,
    urn_to_digital_link,
    with_context,
)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
EPCIS_EXAMPLES = CORPUS / "epcis" / "JSON"
CONVERTED_SCHEMES = ("urn:epc:id:sgtin:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:", "urn:epc:id:sscc:",
                     "urn:epc:id:sgln:")  # fmt: skip


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EPCIS_EXAMPLES / name).read_text(encoding="utf-8"))
    return document


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _corpus_urns() -> list[str]:
    found = {s for p in sorted(EPCIS_EXAMPLES.rglob("*.jsonld")) for s in _strings(json.loads(p.read_text()))}
    return sorted(s for s in found if s.startswith(CONVERTED_SCHEMES))


def test_document_context_is_a_list() -> None:
    document = _load("Example_9.6.1-ObjectEvent.jsonld")
    assert document_context(document) == document["@context"]
    assert document_context({"@context": EPCIS_CONTEXT}) == [EPCIS_CONTEXT]
    assert document_context({}) == []


def test_with_context_puts_the_document_context_first_without_repeats() -> None:
    event = {"@context": [EPCIS_CONTEXT, {"ex": "https://ex.example/"}], "type": "ObjectEvent"}
    original = copy.deepcopy(event)
    standalone = with_context(event, [EPCIS_CONTEXT, {"doc": "https://doc.example/"}])
    assert standalone == {
        "@context": [EPCIS_CONTEXT, {"doc": "https://doc.example/"}, {"ex": "https://ex.example/"}],
        "type": "ObjectEvent",
    }
    assert event == original


def test_event_type_requires_a_type() -> None:
    assert event_type({"type": "AggregationEvent"}) == "AggregationEvent"
    with pytest.raises(EpcisError, match="'type'"):
        event_type({})


def test_events_of_rejects_a_document_without_events() -> None:
    with pytest.raises(EpcisError, match="not an EPCIS document"):
        events_of({"type": "EPCISDocument"})
    with pytest.raises(EpcisError, match="list of event objects"):
        events_of({"epcisBody": {"eventList": ["x"]}})


def test_epc_lists_of_an_aggregation_event() -> None:
    event = events_of(_load("Example_9.6.3-AggregationEvent.jsonld"))[0]
    lists = epc_lists(event)
    assert lists["parentID"] == [event["parentID"]]
    assert lists["epc"] == event["childEPCs"]
    assert lists["anyEPC"] == [*event["childEPCs"], event["parentID"]]
    assert lists["epcClass"] == [q["epcClass"] for q in event["childQuantityList"]]
    assert lists["anyEPCClass"] == lists["epcClass"]
    assert lists["inputEPC"] == lists["outputEPC"] == lists["inputEPCClass"] == []


def test_epc_lists_of_a_transformation_event() -> None:
    event = events_of(_load("Example_9.6.4-TransformationEvent.jsonld"))[0]
    lists = epc_lists(event)
    assert lists["inputEPC"] == event["inputEPCList"]
    assert lists["outputEPC"] == event["outputEPCList"]
    assert lists["inputEPCClass"] == [q["epcClass"] for q in event["inputQuantityList"]]
    assert lists["anyEPC"] == [*event["inputEPCList"], *event["outputEPCList"]]
    assert lists["epc"] == lists["parentID"] == []


@pytest.mark.parametrize(
    ("urn", "link"),
    [
        ("urn:epc:id:sgtin:0614141.812345.400", "https://id.gs1.org/01/80614141123458/21/400"),
        ("urn:epc:id:sgtin:0614141.812345.A%2FB.1", "https://id.gs1.org/01/80614141123458/21/A%2FB.1"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
        ("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
        ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:sgln:0614141.12345.400", "https://id.gs1.org/414/0614141123452/254/400"),
        ("urn:epc:id:sgln:0614141.12345.0", "https://id.gs1.org/414/0614141123452"),
    ],
)
def test_urn_and_digital_link_convert_both_ways(urn: str, link: str) -> None:
    assert urn_to_digital_link(urn) == link
    assert digital_link_to_urn(link, company_prefix_length=7) == urn


@pytest.mark.parametrize("urn", _corpus_urns())
def test_urn_to_digital_link_agrees_with_the_hash_generator(urn: str) -> None:
    assert urn_to_digital_link(urn) == normaliser(urn)


def test_digital_link_with_lot_and_serial_is_an_sgtin() -> None:
    link = "https://trace.example.cn/r/01/06901234567892/10/L2024-01/21/ABC123?linkType=gs1:pip"
    assert digital_link_to_urn(link, company_prefix_length=9) == "urn:epc:id:sgtin:690123456.0789.ABC123"


def test_urn_to_digital_link_uses_the_given_resolver() -> None:
    urn = "urn:epc:id:sgtin:0614141.812345.400"
    assert (
        urn_to_digital_link(urn, "https://trace.example.cn/")
        == "https://trace.example.cn/01/80614141123458/21/400"
    )


@pytest.mark.parametrize(
    "value",
    ["urn:epc:id:grai:4012345.55555.987", "urn:uuid:6f1c0c9e", "https://example.com/products/42", "bizStep"],
)
def test_other_identifiers_pass_through(value: str) -> None:
    assert urn_to_digital_link(value) == value
    assert digital_link_to_urn(value, company_prefix_length=7) == value


@pytest.mark.parametrize(
    "urn",
    [
        "urn:epc:id:sgtin:0614141.12345.400",
        "urn:epc:id:sgtin:0614141.112345",
        "urn:epc:idpat:sgtin:0614141.112345.1",
    ],
)
def test_malformed_urn_is_rejected(urn: str) -> None:
    with pytest.raises(IdentifierError):
        urn_to_digital_link(urn)


def test_digital_link_with_a_wrong_check_digit_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="check digit should be 8"):
        digital_link_to_urn("https://id.gs1.org/01/80614141123451/21/400", company_prefix_length=7)


def test_digital_link_with_a_malformed_key_is_rejected() -> None:
    with pytest.raises(IdentifierError, match="14 digits"):
        digital_link_to_urn("https://example.com/01/x", company_prefix_length=7)


def test_company_prefix_length_is_checked() -> None:
    with pytest.raises(IdentifierError, match="6 to 12"):
        digital_link_to_urn("https://id.gs1.org/01/80614141123458/21/400", company_prefix_length=13)
