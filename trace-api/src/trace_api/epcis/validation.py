"""Validation of EPCIS 2.0 JSON/JSON-LD documents and events against the GS1 EPCIS 2.0 JSON Schema.

The schema ships in ``schema/`` (GS1, gs1/EPCIS at 2b888be; see its README). It is JSON Schema
draft-07 and is checked with formats on: ``date-time`` needs ``rfc3339-validator`` and ``uri``
needs ``rfc3986-validator`` (or the GPL ``rfc3987``); without them jsonschema skips those checks
and malformed times and URIs pass unnoticed, so this module refuses to run.
Every error is reported, each tied to the event it is in.

Checking a capture is the hot path: the ``jsonschema`` walk costs about 1.4 ms an event. So each
document (and each event) is first checked by a compiled validator (``jsonschema-rs``) with the
same schema, registry and format checkers; only what it refuses is walked by ``jsonschema``, which
alone decides and words the errors. A refusal thus costs what it always did, and the compiled check
can only ever be stricter than ``jsonschema`` without changing the outcome (its regexes are Rust's:
``\\d`` is ASCII-only and ``$`` does not match before a final newline). tests/epcis prove the two
accept exactly the same corpus documents and mutated events. A document's events are walked one by
one against the event-list entry schema, its header once with the list emptied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, TypedDict

import jsonschema_rs
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .documents import EVENT_LIST_PATHS, EpcisError, JsonObject, events_of

__all__ = ["EpcisValidationError", "ValidationIssue", "events_of", "validate_document", "validate_event"]

_PACKAGE = "trace_api.epcis"
_SCHEMA_BASE = "https://gs1.github.io/EPCIS/JSON-Schema/"
_ROOT = _SCHEMA_BASE + "EPCIS-JSON-Schema.json"
_DOCUMENT_EVENT = _SCHEMA_BASE + "EPCIS-Event-JSON-Schema.json#/definitions/EPCIS-Document-Event"
_REQUIRED_FORMATS = {"date-time": "rfc3339-validator", "uri": "rfc3986-validator"}
_MAX_REASON = 300
_EVENT_LIST_OF = {"EPCISDocument": EVENT_LIST_PATHS[0], "EPCISQueryDocument": EVENT_LIST_PATHS[1]}


class ValidationIssue(TypedDict):
    event: int | None  # index in the event list; None for the document itself
    path: str  # JSON Pointer into what was validated
    reason: str


class EpcisValidationError(EpcisError):
    """The document breaks the EPCIS 2.0 JSON Schema; ``errors`` lists every breach."""

    def __init__(self, errors: list[ValidationIssue]) -> None:
        self.errors = errors
        events = sorted({e["event"] for e in errors if e["event"] is not None})
        where = f" in events {events}" if events else ""
        first = f"{errors[0]['path'] or '/'}: {errors[0]['reason']}"
        super().__init__(f"{len(errors)} EPCIS schema error(s){where}; first at {first}")


def validate_document(document: JsonObject) -> None:
    """Check an EPCIS document (capture or query) against the schema; raise on any error."""
    if _passes(_ROOT, document):
        return
    issues = document_issues(document)
    if issues:
        raise EpcisValidationError(issues)


def document_issues(document: JsonObject) -> list[ValidationIssue]:
    """Every schema error of ``document``, as :func:`full_document_issues` finds them, but with the
    header walked once and each event on its own (only those the compiled check refuses)."""
    split = _split_events(document)
    if split is None:
        return full_document_issues(document)
    header, prefix, events = split
    issues = _issues(_validator(_ROOT), header, event_lists=EVENT_LIST_PATHS)
    for index, event in enumerate(events):
        if _passes(_DOCUMENT_EVENT, event):
            continue
        for issue in _issues(_validator(_DOCUMENT_EVENT), event, event_lists=()):
            issue["event"] = index
            issue["path"] = _pointer((*prefix, index)) + issue["path"]
            issues.append(issue)
    return sorted(issues, key=lambda i: (-1 if i["event"] is None else i["event"], i["path"]))


def full_document_issues(document: JsonObject) -> list[ValidationIssue]:
    """Every schema error of ``document``, from one ``jsonschema`` walk of the whole of it."""
    return _issues(_validator(_ROOT), document, event_lists=EVENT_LIST_PATHS)


def _split_events(document: JsonObject) -> tuple[JsonObject, tuple[str, ...], list[Any]] | None:
    """The document with its event list emptied, the list's path and its events; None where the
    schema would not check that list's entries as events (then the whole document is walked)."""
    kind = document.get("type") if isinstance(document, dict) else None
    prefix = _EVENT_LIST_OF.get(kind) if isinstance(kind, str) else None
    if prefix is None:
        return None
    parents: list[dict[str, Any]] = [document]
    for name in prefix[:-1]:
        child = parents[-1].get(name)
        if not isinstance(child, dict):
            return None
        parents.append(child)
    events = parents[-1].get(prefix[-1])
    if not isinstance(events, list):
        return None
    emptied: Any = []
    for parent, name in zip(reversed(parents), reversed(prefix), strict=True):
        emptied = {**parent, name: emptied}
    return emptied, prefix, events


def validate_event(
    event: JsonObject, *, index: int | None = None, standalone: bool = False
) -> list[ValidationIssue]:
    """The schema errors of one event, with paths from the event and ``index`` as their event.

    By default the event is checked as an entry of an event list. ``standalone`` checks it as a
    request body on its own, as the EPCIS REST binding sends one, which needs an ``@context``.
    """
    ref = _ROOT if standalone else _DOCUMENT_EVENT
    if _passes(ref, event):
        return []
    issues = _issues(_validator(ref), event, event_lists=())
    for issue in issues:
        issue["event"] = index
    return issues


def _issues(
    validator: Draft7Validator, instance: JsonObject, event_lists: Sequence[tuple[str, ...]]
) -> list[ValidationIssue]:
    seen: dict[tuple[str, str], ValidationIssue] = {}
    for error in validator.iter_errors(instance):
        path = (*error.absolute_path, *_offending_name(error))
        issue: ValidationIssue = {
            "event": _event_index(path, event_lists),
            "path": _pointer(path),
            "reason": _reason(error),
        }
        seen.setdefault((issue["path"], issue["reason"]), issue)  # if/then and allOf repeat some
    return sorted(seen.values(), key=lambda i: (-1 if i["event"] is None else i["event"], i["path"]))


def _offending_name(error: ValidationError) -> tuple[str, ...]:
    """The property a ``required`` or ``propertyNames`` error is about, to point at it."""
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        return (error.instance,)
    required = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict) and isinstance(required, list):
        for name in required:
            if name not in error.instance and error.message.startswith(repr(name)):
                return (name,)
    return ()


def _event_index(path: tuple[str | int, ...], event_lists: Sequence[tuple[str, ...]]) -> int | None:
    for prefix in event_lists:
        if path[: len(prefix)] == prefix and len(path) > len(prefix):
            index = path[len(prefix)]
            return index if isinstance(index, int) else None
    return None


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _reason(error: ValidationError) -> str:
    if "propertyNames" in error.schema_path:
        reason = "neither an EPCIS field nor a prefixed extension (prefix:name)"
    elif error.validator == "required":
        reason = "required but missing"
    elif error.validator == "not" and error.validator_value == {}:
        reason = "not allowed here"
    elif error.validator == "enum" and isinstance(values := error.validator_value, list) and len(values) > 8:
        reason = f"{error.instance!r} is not one of the {len(values)} values the CBV defines"
    elif error.validator in ("anyOf", "oneOf") and error.context:
        alternatives = sorted({_alternative(sub) for sub in error.context})
        reason = "matches none of the allowed forms: " + "; ".join(alternatives)
    else:
        reason = error.message
    return _short(reason)


def _alternative(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.relative_path)
    return f"{where}: {_reason(error)}" if where else _reason(error)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


@cache
def _validator(ref: str) -> Draft7Validator:
    return Draft7Validator({"$ref": ref}, registry=_registry(), format_checker=_format_checker())


def _passes(ref: str, instance: object) -> bool:
    """Whether the compiled validator for ``ref`` accepts ``instance``; False for what it cannot
    read (a lone surrogate in a string, a key that is no string), which ``jsonschema`` then judges.

    Requires ``instance`` to be a JSON value (dicts, lists, strings, numbers, booleans, None), as
    parsed JSON and converted XML are: the compiled validator takes a tuple for an array.
    """
    try:
        return bool(_compiled(ref).is_valid(instance))
    except (ValueError, TypeError, OverflowError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False


@cache
def _compiled(ref: str) -> jsonschema_rs.Draft7Validator:
    """A compiled validator for ``ref``: same schema documents, same format checkers as :func:`_validator`."""
    checker = _format_checker()
    formats = {name: _conforms(checker, name) for name in checker.checkers}
    resources = [(uri, contents) for uri, contents in _schema_documents().items()]
    return jsonschema_rs.Draft7Validator(
        {"$ref": ref},
        validate_formats=True,
        formats=formats,
        ignore_unknown_formats=True,
        registry=jsonschema_rs.Registry(resources),
    )


def _conforms(checker: FormatChecker, name: str) -> Any:
    """``checker``'s test of format ``name``, remembering the latest answers: the events of a
    document repeat their vocabulary, locations and times."""
    return lru_cache(maxsize=8192)(lambda instance: checker.conforms(instance, name))


@cache
def _registry() -> Registry:
    resources = [Resource.from_contents(c, DRAFT7) for c in _schema_documents().values()]
    return Registry().with_resources((r.id() or "", r) for r in resources)


@cache
def _schema_documents() -> dict[str, Any]:
    """The bundled schema documents by their ``$id``."""
    folder = files(_PACKAGE) / "schema"
    documents = [
        json.loads(d.read_text("utf-8")) for d in [*_json_files(folder), *_json_files(folder / "schemas")]
    ]
    return {d.get("$id", ""): d for d in documents}


def _json_files(folder: Traversable) -> list[Traversable]:
    return [entry for entry in folder.iterdir() if entry.name.endswith(".json")]


def _format_checker() -> FormatChecker:
    checker: FormatChecker = Draft7Validator.FORMAT_CHECKER
    missing = [package for fmt, package in _REQUIRED_FORMATS.items() if fmt not in checker.checkers]
    if missing:
        raise ImportError(f"EPCIS validation checks formats and needs {', '.join(missing)} installed")
    return checker
