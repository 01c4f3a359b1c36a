"""The fast validation path against one ``jsonschema`` walk of the whole document.

:func:`validate_document` checks a document with a compiled validator and walks only what it
refuses, event by event. These tests prove that split neither accepts nor refuses anything the full
walk did not, and words every error the same, on every corpus example and on several hundred
mutated events (wrong types, missing required fields, bad formats) and document headers.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trace_api.epcis import EpcisValidationError, events_of, validate_document, validate_event, validation

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
EXAMPLES = sorted(p for p in (CORPUS / "epcis" / "JSON").rglob("*") if p.suffix in (".json", ".jsonld"))
WRONG_TYPES: list[Any] = [None, True, 7, 1.5, "text", [], {}, ["urn:epc:id:sgtin:0614141.107346.1"]]
# Values JSON parsing gives that the compiled validator reads differently or not at all.
ODD_VALUES: list[Any] = [float("nan"), float("inf"), 10**40, "\ud800", {"\ud800": 1}, 1.0]
BAD_STRINGS = [
    "2020-13-45T99:00:00Z",  # a date-time only the format check refuses
    "2020-01-01T00:00:00",  # no offset
    "not a uri",
    "urn:epc:id:sgtin:0614141.107346.1\n",  # $ matches before a final newline in Python only
    "+٠٨:٠٠",  # \d matches other scripts' digits in Python only
    "+08:00\n",
    "ADD\n",
    "shipping",
    "",
]
MUTATIONS_PER_EVENT = 12


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def _outcome(document: dict[str, Any]) -> list[validation.ValidationIssue]:
    try:
        validate_document(document)
    except EpcisValidationError as exc:
        return exc.errors
    return []


def _assert_same_as_full_walk(document: dict[str, Any]) -> list[validation.ValidationIssue]:
    expected = validation.full_document_issues(document)
    assert validation.document_issues(document) == expected
    assert _outcome(document) == expected
    if validation._passes(validation._ROOT, document):
        assert expected == [], "the compiled check accepted a document the schema refuses"
    return expected


def _mutations(event: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    """Copies of ``event`` each broken (or merely changed) in one place, at any depth."""
    places = list(_places(event))
    for _ in range(MUTATIONS_PER_EVENT):
        path = rng.choice(places)
        mutated = copy.deepcopy(event)
        parent: Any = mutated
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        choice = rng.random()
        if choice < 0.2 and isinstance(parent, dict):
            del parent[last]
        elif choice < 0.5:
            parent[last] = copy.deepcopy(rng.choice(WRONG_TYPES))
        elif choice < 0.6:
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif choice < 0.9:
            parent[last] = rng.choice(BAD_STRINGS)
        elif isinstance(parent, dict):
            parent[rng.choice(["temperature", "ex:temperature", "@id", "eventID"])] = rng.choice(BAD_STRINGS)
        yield mutated


def _places(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        yield (*path, key)
        yield from _places(child, (*path, key))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_validation_matches_the_full_walk_on_corpus_examples(path: Path) -> None:
    assert _assert_same_as_full_walk(_load(path)) == []


def test_fast_validation_matches_the_full_walk_on_mutated_events() -> None:
    rng = random.Random(20260105)
    refused = accepted = 0
    for path in EXAMPLES:
        document = _load(path)
        events = events_of(document)
        for index, event in enumerate(list(events)):
            for mutated in _mutations(event, rng):
                events[index] = mutated
                errors = _assert_same_as_full_walk(document)
                assert validate_event(mutated, index=index) == [
                    {**e, "path": e["path"].split(f"/eventList/{index}", 1)[1]} for e in errors
                ]
                refused += bool(errors)
                accepted += not errors
            events[index] = event
    # Enough of both kinds for the comparison to mean something.
    assert refused >= 300
    assert accepted >= 50


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("creationDate",), "2020-13-45T99:00:00Z"),
        (("schemaVersion",), "two"),
        (("schemaVersion",), None),
        (("type",), ["EPCISDocument"]),
        (("type",), "EPCISQueryDocument"),
        (("epcisBody",), []),
        (("epcisBody", "eventList"), {}),
        (("epcisBody", "eventList"), "none"),
        (("epcisHeader",), {"unprefixed": 1}),
        (("sender",), 5),
        (("@context",), 5),
        (("epcisBody", "queryResults"), {"queryName": 1}),
        (("sender",), "\ud800"),
        (("epcisHeader",), {"\ud800": 1}),
    ],
)
def test_fast_validation_matches_the_full_walk_on_broken_headers(where: tuple[str, ...], value: Any) -> None:
    document = _load(CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld")
    events_of(document)[1]["eventTime"] = "yesterday"  # an event error beside the header's
    parent: Any = document
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    _assert_same_as_full_walk(document)


def test_a_document_with_a_missing_field_in_every_event_is_reported_event_by_event() -> None:
    document = _load(CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld")
    for event in events_of(document):
        del event["eventTime"]
    assert [(e["event"], e["path"]) for e in _assert_same_as_full_walk(document)] == [
        (0, "/epcisBody/eventList/0/eventTime"),
        (1, "/epcisBody/eventList/1/eventTime"),
    ]


def test_query_document_events_are_checked_one_by_one() -> None:
    document = _load(CORPUS / "epcis" / "JSON" / "EPCISQueryDocument.jsonld")
    events_of(document)[0]["action"] = "REMOVE"
    [error, *_] = _assert_same_as_full_walk(document)
    assert error["event"] == 0
    assert error["path"].startswith("/epcisBody/queryResults/resultsBody/eventList/0")
