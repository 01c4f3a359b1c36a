"""EPCIS 2.0 JSON Schema validation: the corpus examples pass, broken copies fail where broken."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from trace_api.epcis import EpcisValidationError, events_of, validate_document, validate_event, validation

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
EPCIS_EXAMPLES = CORPUS / "epcis" / "JSON"
EXAMPLE_DOCUMENTS = sorted(p for p in EPCIS_EXAMPLES.rglob("*") if p.suffix in (".json", ".jsonld"))
TWO_OBJECT_EVENTS = EPCIS_EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld"
OBJECT_EVENT_WITH_ILMD = (
    EPCIS_EXAMPLES / "WithFullCombinationOfFields" / "object_event_all_possible_fields.jsonld"
)
QUERY_DOCUMENT = EPCIS_EXAMPLES / "EPCISQueryDocument.jsonld"
BAD_TIME = "2020-13-45T99:00:00Z"


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _errors(document: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(EpcisValidationError) as caught:
        validate_document(document)
    return [dict(e) for e in caught.value.errors]


def _paths(document: dict[str, Any]) -> set[str]:
    return {e["path"] for e in _errors(document)}


@pytest.mark.parametrize("path", EXAMPLE_DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_validate_document_accepts_every_corpus_example(path: Path) -> None:
    validate_document(_load(path))


def test_missing_event_time_is_reported_at_the_event() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    del events_of(document)[1]["eventTime"]
    assert _errors(document) == [
        {"event": 1, "path": "/epcisBody/eventList/1/eventTime", "reason": "required but missing"}
    ]


def test_unknown_action_is_rejected() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["action"] = "REMOVE"
    assert "/epcisBody/eventList/0/action" in _paths(document)


def test_delete_object_event_is_accepted_without_ilmd() -> None:
    # EPCIS 2.0 allows ADD, OBSERVE and DELETE on an ObjectEvent; only ADD may carry ilmd.
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["action"] = "DELETE"
    validate_document(document)


def test_delete_object_event_with_ilmd_is_rejected() -> None:
    document = _load(OBJECT_EVENT_WITH_ILMD)
    events_of(document)[0]["action"] = "DELETE"
    [error] = _errors(document)
    assert error["event"] == 0
    assert error["path"] == "/epcisBody/eventList/0"
    assert "action: 'DELETE' does not match '^ADD$'" in error["reason"]
    assert "ilmd: not allowed here" in error["reason"]


def test_biz_step_that_is_neither_cbv_nor_uri_is_rejected() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["bizStep"] = "notaurn"
    [error] = _errors(document)
    assert error["path"] == "/epcisBody/eventList/0/bizStep"
    assert "'notaurn' is not a 'uri'" in error["reason"]


def test_malformed_event_time_is_rejected_by_the_format_check() -> None:
    # A string passes the schema's type check: only a working date-time format check catches it.
    assert Draft7Validator({"type": "string", "format": "date-time"}).is_valid(BAD_TIME)
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["eventTime"] = BAD_TIME
    assert _errors(document) == [
        {
            "event": 0,
            "path": "/epcisBody/eventList/0/eventTime",
            "reason": f"'{BAD_TIME}' is not a 'date-time'",
        }
    ]


def test_malformed_uri_is_rejected_by_the_format_check() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["readPoint"] = {"id": "not a uri"}
    assert _paths(document) == {"/epcisBody/eventList/0/readPoint/id"}


@pytest.mark.parametrize("offset", ["+25:00", "+1:00", "01:00", "+14:30", "Z"])
def test_bad_event_time_zone_offset_is_rejected(offset: str) -> None:
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[1]["eventTimeZoneOffset"] = offset
    assert _paths(document) == {"/epcisBody/eventList/1/eventTimeZoneOffset"}


def test_unprefixed_extension_field_is_rejected_at_its_name() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    events_of(document)[0]["temperature"] = 4
    assert _paths(document) == {"/epcisBody/eventList/0/temperature"}


def test_every_error_of_every_event_is_reported() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    first, second = events_of(document)
    del first["eventTime"]
    first["bizStep"] = "notaurn"
    second["eventTime"] = BAD_TIME
    second["eventTimeZoneOffset"] = "+25:00"
    errors = _errors(document)
    assert [(e["event"], e["path"]) for e in errors] == [
        (0, "/epcisBody/eventList/0/bizStep"),
        (0, "/epcisBody/eventList/0/eventTime"),
        (1, "/epcisBody/eventList/1/eventTime"),
        (1, "/epcisBody/eventList/1/eventTimeZoneOffset"),
    ]


def test_error_message_names_the_events() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    for event in events_of(document):
        event["eventTime"] = BAD_TIME
    with pytest.raises(EpcisValidationError, match=r"2 EPCIS schema error\(s\) in events \[0, 1\]"):
        validate_document(document)


def test_document_level_errors_carry_no_event() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    del document["schemaVersion"]
    events_of(document)[0]["eventTime"] = BAD_TIME
    assert [(e["event"], e["path"]) for e in _errors(document)] == [
        (None, "/schemaVersion"),
        (0, "/epcisBody/eventList/0/eventTime"),
    ]


def test_query_document_errors_carry_the_event_index() -> None:
    document = _load(QUERY_DOCUMENT)
    events_of(document)[1]["eventTime"] = BAD_TIME
    assert _errors(document) == [
        {
            "event": 1,
            "path": "/epcisBody/queryResults/resultsBody/eventList/1/eventTime",
            "reason": f"'{BAD_TIME}' is not a 'date-time'",
        }
    ]


def test_validation_error_is_a_value_error() -> None:
    assert issubclass(EpcisValidationError, ValueError)


def test_validate_event_accepts_a_corpus_event() -> None:
    assert validate_event(events_of(_load(OBJECT_EVENT_WITH_ILMD))[0]) == []


def test_validate_event_reports_paths_within_the_event() -> None:
    event = events_of(_load(TWO_OBJECT_EVENTS))[0]
    event["eventTime"] = BAD_TIME
    del event["eventTimeZoneOffset"]
    assert validate_event(event, index=3) == [
        {"event": 3, "path": "/eventTime", "reason": f"'{BAD_TIME}' is not a 'date-time'"},
        {"event": 3, "path": "/eventTimeZoneOffset", "reason": "required but missing"},
    ]


def test_validate_event_standalone_needs_a_context() -> None:
    document = _load(TWO_OBJECT_EVENTS)
    event = events_of(document)[0]
    assert validate_event(event, standalone=True) == [
        {"event": None, "path": "/@context", "reason": "required but missing"}
    ]
    assert validate_event({"@context": document["@context"], **event}, standalone=True) == []


def test_events_of_reads_capture_and_query_documents() -> None:
    assert len(events_of(_load(TWO_OBJECT_EVENTS))) == 2
    query = _load(QUERY_DOCUMENT)
    assert events_of(query) is query["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_validation_refuses_to_run_without_format_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Draft7Validator, "FORMAT_CHECKER", FormatChecker(formats=()))
    with pytest.raises(ImportError, match="rfc3339-validator, rfc3986-validator"):
        validation._format_checker()
