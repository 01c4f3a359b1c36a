"""GS1 Event Hash IDs (CBV 2.0 §8.9: ``ni:///sha-256;<hex>?ver=CBV2.0``) of EPCIS 2.0 JSON-LD events.

The canonical pre-hash string and its hash are those of ``epcis-event-hash-generator``, the
reference implementation the CBV points to. They are computed by :mod:`.fasthash`, which builds
the same string without a JSON-LD expansion per event; a shape it does not handle goes to the
reference itself. This module is the reference's boundary: it feeds it one document at a time,
keeps it offline, works around its failure on a business transaction without its optional type,
and turns its silent failures into :class:`EventHashError`.

An event's compact names (``"bizStep": "shipping"``, ``"example:myField"``) are read under the
JSON-LD @context of the document that carries it; hash a lone event with that context.
Validate events first: the generator hashes what it is given, malformed times included.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from epcis_event_hash_generator import (  # type: ignore[import-untyped]
    file_document_loader,
    hash_generator,
    json_to_py,
    json_xml_model_mismatch_correction,
)
from pyld import jsonld  # type: ignore[import-untyped]

from .documents import (
    EPCIS_CONTEXT,
    Context,
    ContextEntry,
    EpcisError,
    JsonObject,
    context_entries,
    document_context,
    event_type,
    events_of,
)
from .fasthash import FastPrehasher

# The contexts the package ships; anything else would be fetched from the network.
_BUNDLED_CONTEXTS = frozenset({EPCIS_CONTEXT, "https://gs1.github.io/EPCIS/epcis-context.jsonld"})
_bundled_loader = file_document_loader.file_document_loader()
# The package keeps module-level state (namespaces seen, join string): one document at a time.
_lock = threading.Lock()


class EventHashError(EpcisError):
    """An event hash ID cannot be computed; the message says which event and why."""


def event_hash_id(event: JsonObject, context: Context | None = None) -> str:
    """The Event Hash ID of one event, read under ``context`` and the event's own ``@context``.

    With neither, the EPCIS 2.0 context is assumed. Pass the document's context
    (:func:`~trace_api.epcis.documents.document_context`) for an event taken out of a document.
    """
    return _hash_id(prehash(event, context))


def prehash(event: JsonObject, context: Context | None = None) -> str:
    """The canonical pre-hash string of one event, whose SHA-256 the Event Hash ID is."""
    own = context_entries(event.get("@context"))
    entries = [*context_entries(context), *own] or [EPCIS_CONTEXT]
    lone = {k: v for k, v in event.items() if k != "@context"}
    return _prehashes(entries, [lone])[0]


def document_hash_ids(document: JsonObject) -> list[str]:
    """The Event Hash IDs of a capture or query document's events, in event order."""
    return [_hash_id(p) for p in document_prehashes(document)]


def document_prehashes(document: JsonObject, *, reference: bool = False) -> list[str]:
    """The pre-hash strings of a document's events, in event order.

    With ``reference``, computed by ``epcis-event-hash-generator`` itself (slower; the same strings).
    """
    try:
        events = events_of(document)
    except EpcisError as exc:
        raise EventHashError(str(exc)) from exc
    ignored = ignored_fields(document)
    return _prehashes(document_context(document), [without_fields(e, ignored) for e in events], reference)


def ignored_fields(document: JsonObject) -> set[str]:
    """Fields a document declares outside its events' identity.

    An ``…:ignoreFields`` list on the document or its query results, as in the event-hash
    reference vectors: typically what a repository added, such as its capture id or a stored hash.
    """
    names: set[str] = set()
    query_results = (document.get("epcisBody") or {}).get("queryResults")
    for holder in (document, query_results if isinstance(query_results, dict) else {}):
        for key, value in holder.items():
            if key.rsplit(":", 1)[-1] == "ignoreFields" and isinstance(value, list):
                names |= {name for name in value if isinstance(name, str)}
    return names


def without_fields(event: JsonObject, names: set[str]) -> JsonObject:
    """The event without the top-level fields ``names`` (for hashing only; the event keeps them)."""
    return {k: v for k, v in event.items() if k not in names} if names else event


def _hash_id(prehash_string: str) -> str:
    return f"ni:///sha-256;{hashlib.sha256(prehash_string.encode()).hexdigest()}?ver=CBV2.0"


def _prehashes(context: list[ContextEntry], events: list[JsonObject], reference: bool = False) -> list[str]:
    for index, event in enumerate(events):
        try:
            event_type(event)
        except EpcisError as exc:
            raise EventHashError(f"event {index}: {exc}") from exc
    for entry in context:
        _check_context_entry(entry)
    fast = None if reference else _fast.prehashes(context, events)
    if fast is not None:
        _count("fast", len(events))
        return fast
    _count("reference", len(events))
    prehashes = _run_generator(context, events)
    if len(prehashes) != len(events):
        raise EventHashError(_skipped_event(context, events))
    return prehashes


def _check_context_entry(entry: ContextEntry) -> None:
    if isinstance(entry, str):
        if entry not in _BUNDLED_CONTEXTS:
            raise EventHashError(f"JSON-LD context {entry!r} is not available offline")
        return
    for term, definition in entry.items():
        # The package reads inline contexts as prefix → IRI and fails on anything else.
        if not isinstance(definition, str):
            raise EventHashError(
                f"JSON-LD context term {term!r} is not a plain 'prefix': 'IRI' definition, "
                "the only kind the event hash generator reads"
            )


def _run_generator(context: list[ContextEntry], events: list[JsonObject]) -> list[str]:
    # The package reads only epcisBody.eventList (not a query document's), and rewrites the
    # document it is given in place.
    body = {"eventList": copy.deepcopy(events)}
    document = {"@context": copy.deepcopy(context), "type": "EPCISDocument", "epcisBody": body}
    with _lock, _offline_contexts():
        json_to_py._namespaces.clear()  # else prefixes leak from the previous document
        try:
            tree = _event_tree(document)
            result: list[str] = hash_generator.derive_prehashes_from_events(tree)
        except jsonld.JsonLdError as exc:
            detail = f" {exc.details!r}" if exc.details else ""
            raise EventHashError(f"invalid JSON-LD ({exc.code}): {exc.args[0]}{detail}") from exc
        # Third-party boundary: the package raises whatever its parsing hits.
        except Exception as exc:
            raise EventHashError(f"the event hash generator failed: {exc}") from exc
    return result


def _event_tree(document: JsonObject) -> Any:
    """``json_to_py.event_list_from_epcis_document_json``, step by step, with one correction.

    The package pairs each source, destination and business transaction as (its first child,
    its second child) and fails (``list index out of range``) on one without its optional
    ``type``. Such an element gets an empty second child, which its pre-hash string leaves out:
    ``bizTransactionListbizTransaction=<value>``, the element's value alone, as the CBV writes an
    absent attribute.
    """
    document = json_to_py._bare_string_pre_preocessing(document)
    json_to_py._collect_namespaces_from_jsonld_context(document["@context"])
    events = []
    for event in document["epcisBody"]["eventList"]:
        tree = json_to_py._json_to_py(event)
        _pad_untyped_pairs(tree)
        events.append(json_xml_model_mismatch_correction.deep_structure_correction(tree))
    return ("EventList", "", events)


def _pad_untyped_pairs(tree: Any) -> None:
    for name, _, children in tree[2]:
        if name in _PAIR_LISTS and len(children) == 1:
            children.append(("", "", []))
        elif name not in _PAIR_LISTS:
            _pad_untyped_pairs((name, "", children))


def _skipped_event(context: list[ContextEntry], events: list[JsonObject]) -> str:
    # The package logs and drops an event it cannot canonicalise; find which one it was.
    for index, event in enumerate(events):
        if not _run_generator(context, [event]):
            return f"event {index} ({event.get('type')}) cannot be canonicalised for hashing"
    return "the event hash generator dropped events from the document"


@contextmanager
def _offline_contexts() -> Iterator[None]:
    """Serve JSON-LD contexts from the package's copies; refuse to fetch any other."""
    previous = jsonld.get_document_loader()
    jsonld.set_document_loader(_load_bundled_context)
    try:
        yield
    finally:
        jsonld.set_document_loader(previous)


def _load_bundled_context(url: str, options: dict[str, Any] | None = None) -> Any:
    if url not in _BUNDLED_CONTEXTS:
        raise jsonld.JsonLdError(
            f"JSON-LD context {url!r} is not available offline",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )
    # Tagged static, pyld keeps the processed context in its shared cache; untagged, it copies and
    # canonicalises the whole context again for every event, most of the time of a hash.
    return {**copy.deepcopy(_bundled_context(url)), "tag": "static"}


@cache
def _bundled_context(url: str) -> Any:
    return _bundled_loader(url, {})


def _expand(context: list[ContextEntry], document: JsonObject) -> Any:
    """The JSON-LD expansion of ``document`` as the reference expands it (offline, one at a time)."""
    with _lock, _offline_contexts():
        return jsonld.expand(copy.deepcopy(document))


def _count(path: str, events: int) -> None:
    with _counts_lock:
        _counts[path] += events


def hash_path_counts() -> dict[str, int]:
    """How many events were hashed by the fast path and by the reference since the process began."""
    with _counts_lock:
        return {**_counts, "expansions": _fast.expansions}


_PAIR_LISTS = ("sourceList", "destinationList", "bizTransactionList")
_counts = {"fast": 0, "reference": 0}
_counts_lock = threading.Lock()
_fast = FastPrehasher(_expand, lambda url: _bundled_context(url)["document"])
