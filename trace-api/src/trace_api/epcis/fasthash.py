"""The Event Hash pre-hash string of EPCIS 2.0 JSON-LD events without expanding each event.

``epcis-event-hash-generator`` (the reference, :mod:`trace_api.epcis.hashing`) expands the whole
document with JSON-LD for one purpose only: to collect the GS1 web-vocabulary IRIs
(``https://ref.gs1.org/cbv…``, ``https://gs1.org/voc…``) its values expand to, with which it then
replaces the bare values (``"shipping"`` → ``https://ref.gs1.org/cbv/BizStep-shipping``). The rest
of its work reads the compact JSON: a tree of ``(name, text, children)`` triples, reshaped to the
XML data model and written out in the CBV property order.

This module computes the same string faster:

- the vocabulary set of an event is taken from a cached expansion of its *template*: the event
  with every value that cannot expand to a GS1 vocabulary IRI (an absolute IRI whose scheme is no
  term of the context, a time, a number…) replaced by a placeholder of the same kind. Events that
  differ only in such values (serial numbers, times, quantities) share one expansion;
- the tree, its reshaping and the pre-hash string are built here, in one pass each, with the same
  rules as the reference (including its quirks: it is the oracle of the tests, byte for byte).

:func:`prehashes` answers ``None`` for a shape it does not handle (an event's own ``@context``,
``@xmlns`` keys, ``#text`` values, anything that raises): the caller then runs the reference.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from epcis_event_hash_generator import PROP_ORDER  # type: ignore[import-untyped]
from epcis_event_hash_generator import hash_generator as _reference
from epcis_event_hash_generator.dl_normaliser import normaliser  # type: ignore[import-untyped]

# The value IRIs the reference collects from the expanded document.
VOCABULARY_PREFIXES = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
_VOCABULARY_PARTS = ("ref.gs1.org/cbv", "gs1.org/voc")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S*")
_IRI_PLACEHOLDER = "x-suyuan-placeholder:x"
_TEXT_PLACEHOLDER = "suyuan-placeholder"
# Keys whose values the reference never reads, or reads in a way this module does not follow.
_SKIPPED_KEYS = frozenset({"#text", "rdfs:comment", "comment"})
_UNORDERED = ("bizTransaction", "source", "destination")
_PAIR_LISTS = ("sourceList", "destinationList", "bizTransactionList")
_NOT_HASHED = ("recordTime", "eventID", "type", "errorDeclaration")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_TEMPLATE_CACHE_SIZE = 4096

Tree = tuple[Any, str, list[Any]]
Expand = Callable[[list[Any], dict[str, Any]], Any]


class Unhandled(Exception):
    """A shape this module leaves to the reference implementation."""


class ContextInfo:
    """What a JSON-LD context lets a value expand to: its terms, ``@vocab`` and ``@base`` IRIs."""

    def __init__(self, documents: Iterable[Any]) -> None:
        self.terms: set[str] = set()
        self.vocabs: set[str] = set()
        self.verbatim: set[str] = set()  # keys whose values are kept as they are in templates
        self.has_base = False
        for document in documents:
            self._walk(document)
        if {_IRI_PLACEHOLDER.split(":")[0], _TEXT_PLACEHOLDER, "x-suyuan-placeholder"} & self.terms:
            raise Unhandled("the context defines a placeholder term")
        # A relative value may expand against @vocab or @base into the GS1 vocabulary.
        self.relative_inert = not self.has_base and all(
            isinstance(v, str) and not v.startswith(VOCABULARY_PREFIXES) and _ABSOLUTE_IRI.fullmatch(v)
            for v in self.vocabs
        )

    def _walk(self, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "@vocab":
                self.vocabs.add(value)
            elif key == "@base":
                self.has_base = True
            elif not key.startswith("@"):
                self.terms.add(key)
                alias = value.get("@id") if isinstance(value, dict) else value
                if isinstance(alias, str) and alias.startswith("@") and alias not in ("@id", "@type"):
                    self.verbatim.add(key)
            self._walk(value)

    def inert(self, value: str) -> bool:
        """Whether ``value`` cannot expand to a GS1 vocabulary IRI, whatever key holds it."""
        if _VOCABULARY_PARTS[0] in value or _VOCABULARY_PARTS[1] in value or value in self.terms:
            return False
        prefix, colon, _ = value.partition(":")
        if colon and (prefix in self.terms or prefix == "_"):
            return False
        if _ABSOLUTE_IRI.fullmatch(value):
            return True
        return self.relative_inert and not any(
            p.startswith(v) and value.startswith(p[len(v) :])
            for v in self.vocabs
            for p in VOCABULARY_PREFIXES
        )

    def template(self, value: Any, verbatim: bool = False) -> Any:
        """``value`` with its inert values replaced by placeholders of the same kind."""
        if isinstance(value, str):
            if verbatim or not self.inert(value):
                return value
            return _IRI_PLACEHOLDER if _ABSOLUTE_IRI.fullmatch(value) else _TEXT_PLACEHOLDER
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return 0
        if isinstance(value, float):
            return 0.0
        if isinstance(value, list):
            return [self.template(v, verbatim) for v in value]
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "@context" or key.startswith("@xmlns") or key == "#text":
                    raise Unhandled(f"key {key!r}")
                keep = (
                    verbatim or key in self.verbatim or (key.startswith("@") and key not in ("@id", "@type"))
                )
                out[key] = self.template(item, keep)
            return out
        raise Unhandled(f"value of type {type(value).__name__}")


class FastPrehasher:
    """Pre-hash strings equal to the reference's, with expansions cached per template."""

    def __init__(self, expand: Expand, load_context: Callable[[str], Any]) -> None:
        self._expand = expand
        self._load_context = load_context
        self._lock = threading.Lock()
        self._infos: dict[str, ContextInfo] = {}
        self._vocabulary: OrderedDict[tuple[str, str], frozenset[str]] = OrderedDict()
        self.expansions = 0

    def prehashes(self, context: list[Any], events: list[dict[str, Any]]) -> list[str] | None:
        """The pre-hash strings of ``events`` read under ``context``, or ``None`` if not handled here."""
        try:
            context_key = json.dumps(context, sort_keys=True)
            info = self._info(context_key, context)
            vocabulary: set[str] = set()
            for event in events:
                vocabulary |= self._event_vocabulary(context_key, context, info, event)
            return _Writer(context, frozenset(vocabulary)).prehashes(events)
        except (Unhandled, ArithmeticError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return None

    def _info(self, key: str, context: list[Any]) -> ContextInfo:
        with self._lock:
            info = self._infos.get(key)
        if info is None:
            documents = [self._load_context(e) if isinstance(e, str) else e for e in context]
            info = ContextInfo(documents)
            with self._lock:
                if len(self._infos) > 256:
                    self._infos.clear()
                self._infos[key] = info
        return info

    def _event_vocabulary(
        self, context_key: str, context: list[Any], info: ContextInfo, event: dict[str, Any]
    ) -> frozenset[str]:
        template = info.template(event)
        key = (context_key, json.dumps(template, ensure_ascii=False))
        with self._lock:
            found = self._vocabulary.get(key)
            if found is not None:
                self._vocabulary.move_to_end(key)
                return found
        # As the reference expands it: the event in an EPCIS document under the same context.
        document = {"@context": context, "type": "EPCISDocument", "epcisBody": {"eventList": [template]}}
        try:
            expanded = self._expand(context, document)
        except Exception as exc:  # the reference reports JSON-LD errors itself
            raise Unhandled(str(exc)) from exc
        strings: list[str] = []
        _strings(expanded, strings)
        found = frozenset(s for s in strings if s.startswith(VOCABULARY_PREFIXES))
        with self._lock:
            self.expansions += 1
            self._vocabulary[key] = found
            if len(self._vocabulary) > _TEMPLATE_CACHE_SIZE:
                self._vocabulary.popitem(last=False)
        return found


def _strings(node: Any, out: list[str]) -> None:
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, list):
        for item in node:
            _strings(item, out)
    elif isinstance(node, dict):
        for item in node.values():
            _strings(item, out)


@functools.lru_cache(maxsize=64)
def _suffixes(vocabulary: frozenset[str]) -> dict[str, set[str]]:
    """Each tail after a '-' or '/' of the vocabulary IRIs, with the IRIs that end with it."""
    tails: dict[str, set[str]] = {}
    for iri in vocabulary:
        for i, char in enumerate(iri):
            if char in "-/":
                tails.setdefault(iri[i + 1 :], set()).add(iri)
    return tails


class _Writer:
    """One document's events written as the reference writes them, under one vocabulary set."""

    def __init__(self, context: list[Any], vocabulary: frozenset[str]) -> None:
        self._tails = _suffixes(vocabulary) if vocabulary else {}
        self._namespaces: dict[str, str] = {}
        for entry in context:
            entry = self._bare(entry)
            if isinstance(entry, str):
                self._namespaces[entry] = "{" + entry + "}"
            elif isinstance(entry, dict):
                for prefix, iri in entry.items():
                    self._namespaces[prefix] = "{" + self._bare(iri) + "}"
            else:
                raise Unhandled("context entry")

    def prehashes(self, events: list[dict[str, Any]]) -> list[str]:
        return [self._prehash(_reshape(self._tree(event))) for event in events]

    def _bare(self, value: Any) -> Any:
        """A bare value replaced by the one vocabulary IRI ending with '-value' or '/value'."""
        if isinstance(value, str):
            found = self._tails.get(value)
            if found is not None and len(found) == 1:
                return next(iter(found))
            return value
        if isinstance(value, list):
            return [self._bare(v) for v in value]
        if isinstance(value, dict):
            return {k: self._bare(v) for k, v in value.items()}
        return value

    def _name(self, key: str) -> str:
        prefix, colon, rest = key.partition(":")
        if colon and prefix in self._namespaces:
            return self._namespaces[prefix] + rest
        return key

    def _text(self, value: Any) -> str:
        value = self._bare(value)
        if isinstance(value, str):
            prefix, colon, rest = value.partition(":")
            if colon and prefix in self._namespaces:
                return self._namespaces[prefix].replace("{", "").replace("}", "") + rest
        return str(value)

    def _tree(self, node: Any) -> Tree:
        if isinstance(node, list):
            items = [self._tree(item) for item in node]
            if not any(isinstance(x, str) and self._bare(x) in _UNORDERED for x in node):
                items.sort()
            return ("", "", items)
        if not isinstance(node, dict):
            return ("", self._text(node), [])
        name = self._bare(node["type"]) if "type" in node else ""
        if not isinstance(name, str):
            raise Unhandled("a non-string type")
        children: list[Any] = []
        for key, value in node.items():
            if key in _SKIPPED_KEYS:
                if key == "#text":
                    raise Unhandled("#text")
                continue
            if key.startswith("@xmlns"):
                raise Unhandled("@xmlns")
            child = self._tree(value)
            key = self._name(key)
            if isinstance(value, list):
                children.extend((key, text, grand) for _, text, grand in child[2])
            else:
                children.append((key, child[1], child[2]))
        if not any(name in node for name in _UNORDERED):
            children.sort()
        return (name, "", children)

    def _prehash(self, event: Tree) -> str:
        children = event[2]
        ordered = _in_order(children, PROP_ORDER)
        rest = [c for c in children if c[0] not in _NOT_HASHED]
        return "eventType=" + str(event[0]) + ordered + (_generic(rest) if rest else "")


def _reshape(node: Tree) -> Tree:
    """The tree in the XML data model: ``…List`` children grouped, EPC and quantity names as in XML.

    A source, destination or business transaction becomes a (type, value) pair; one without its
    optional type is paired with an empty element, so that it is written as its value alone.
    """
    children = node[2]
    groups: dict[str, list[Tree]] = {}
    kept = []
    for child in children:
        name = child[0]
        if not isinstance(name, tuple) and name.endswith("List"):
            groups.setdefault(name, []).append((name[:-4], child[1], child[2]))
        else:
            kept.append(child)
    for name, items in groups.items():
        if name in _PAIR_LISTS:
            kept.append((name, "", [_pair(item) for item in items]))
        else:
            kept.append((name, "", items))
    epcs: list[Tree] = [("epc", c[1], []) for c in kept if c[0] == "childEPCs"]
    if epcs:
        kept = [c for c in kept if c[0] != "childEPCs"]
        kept.append(("childEPCs", "", epcs))
    reshaped = [c if c[0] in _PAIR_LISTS else _reshape(c) for c in kept]
    name, text = node[0], node[1]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (name == "quantity" and reshaped):
        name = "quantityElement"
    return (name, text, reshaped)


def _pair(item: Tree) -> tuple[Any, Any]:
    parts = item[2]
    if len(parts) == 1:
        return (parts[0], ("", "", []))
    return (parts[0], parts[1])


def _in_order(children: list[Any], order: Any) -> str:
    """The ordered part of a pre-hash string; removes what it wrote (as the reference does)."""
    extensions = _user_extensions(children)
    written = ""
    for name, sub_order in order:
        values = []
        for child in [c for c in children if c[0] == name]:
            text = _child(child, sub_order)
            if text:
                values.append(text)
            if not child[2]:
                children.remove(child)
        values.sort()
        joined = "".join(values)
        if joined:
            written += joined
    if extensions:
        written += _generic(extensions)
    return written


def _child(child: Tree, sub_order: Any) -> str:
    nested = _in_order(child[2], sub_order) if sub_order else ""
    text = ""
    if child[1]:
        text = child[1].strip()
        lower = child[0].lower()
        text = _time(text) if "time" in lower and "offset" not in lower else _canonical(text)
        if text:
            text = "=" + text
    if text or nested:
        return str(child[0]) + text + nested
    return ""


def _user_extensions(children: list[Any]) -> list[Any]:
    if len(children) <= 1:
        return []
    for child in children:
        if "eventTime" in child[0] or "action" in child[0]:
            return []
    found = [c for c in children if isinstance(c, tuple) and "{" in c[0] and "/}" in c[0]]
    for child in found:
        children.remove(child)
    return found


def _generic(children: list[Any]) -> str:
    values = []
    for child in children:
        if isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], tuple):
            values.append(_generic(list(child)))
            continue
        text = child[1].strip()
        if text:
            text = "=" + _canonical(text)
        values.append(child[0] + text + _generic(child[2]))
    if len(children) > 1 and not any(c[0] in _UNORDERED for c in children):
        values.sort()
    return "".join(values)


def _time(text: str) -> str:
    """The reference's UTC millisecond form of a time, parsed fast when it is RFC 3339."""
    if not _RFC3339.fullmatch(text):
        return str(_reference._fix_time_stamp_format(text))
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return str(_reference._fix_time_stamp_format(text))
    moment = moment.astimezone(dt.UTC)
    moment = moment.replace(microsecond=round(moment.microsecond, -3))
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


@functools.lru_cache(maxsize=65536)
def _canonical(text: str) -> str:
    text = (
        text.replace("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-")
        .replace("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-")
        .replace("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-")
        .replace("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-")
        .replace("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-")
    )
    try:
        number = float(text)
        text = str(int(number) if int(number) == number else number)
    except ValueError:
        pass
    converted = normaliser(text)
    return str(converted) if converted else text
