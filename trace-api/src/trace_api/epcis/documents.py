"""EPCIS 2.0 JSON-LD documents and events: their @context, their events, the EPCs they name.

Shared by capture, query and hashing. Identifier conversion follows the GS1 EPC Tag Data
Standard 2.0 (EPC URI ↔ GS1 Digital Link URI) for the schemes Suyuan uses: SGTIN, LGTIN, the
GTIN class pattern (``urn:epc:idpat:sgtin:CP.IR.*``), SSCC and SGLN. Other schemes and other
URIs pass through unchanged.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from trace_api.gs1 import gs1_check_digit, is_digits

JsonObject = dict[str, Any]
ContextEntry = str | dict[str, Any]
Context = ContextEntry | list[ContextEntry]

GS1_RESOLVER = "https://id.gs1.org"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
#: Published URLs of the EPCIS 2.0 JSON-LD context that name the context Suyuan bundles: the
#: unversioned one (which most documents use), the 2.0.0 one, and the copy GS1 publishes with its
#: GitHub sources (in the standard's examples and its OpenAPI document). Each is read as
#: :data:`EPCIS_CONTEXT`, offline.
EPCIS_CONTEXT_ALIASES = frozenset(
    {
        EPCIS_CONTEXT,
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)

# Where the events are: in a capture document, and in a query document.
EVENT_LIST_PATHS: tuple[tuple[str, ...], ...] = (
    ("epcisBody", "eventList"),
    ("epcisBody", "queryResults", "resultsBody", "eventList"),
)

# Keys are the EPCIS query parameters without MATCH_ (EPCIS 2.0 §8.2.7.1).
_EPC_FIELDS = {
    "epc": ("epcList", "childEPCs"),
    "parentID": ("parentID",),
    "inputEPC": ("inputEPCList",),
    "outputEPC": ("outputEPCList",),
}
_CLASS_FIELDS = {
    "epcClass": ("quantityList", "childQuantityList"),
    "inputEPCClass": ("inputQuantityList",),
    "outputEPCClass": ("outputQuantityList",),
}


class EpcisError(ValueError):
    """Input is not acceptable EPCIS; the message says why. Root of ``trace_api.epcis`` errors."""


class IdentifierError(EpcisError):
    """An EPC URI or GS1 Digital Link URI of a known scheme is malformed."""


def context_entries(context: Context | None) -> list[ContextEntry]:
    """An ``@context`` value as a list of its entries."""
    if context is None:
        return []
    if isinstance(context, str | dict):
        return [context]
    return list(context)


def canonical_context(context: Context | None) -> list[ContextEntry]:
    """``context`` as a list, each alias of the EPCIS 2.0 context written as :data:`EPCIS_CONTEXT`.

    Raises :class:`EpcisError` for a value that is no JSON-LD context (neither a string, an object
    nor a list of those).
    """
    if context is not None and not isinstance(context, str | dict | list):
        raise EpcisError("@context must be a URL, an object or a list of those")
    entries: list[ContextEntry] = []
    for entry in context_entries(context):
        if not isinstance(entry, str | dict):
            raise EpcisError("@context must be a URL, an object or a list of those")
        if isinstance(entry, str) and entry in EPCIS_CONTEXT_ALIASES:
            entry = EPCIS_CONTEXT
        if entry not in entries:
            entries.append(entry)
    return entries


def capture_form(document: JsonObject) -> JsonObject:
    """The document as capture reads it: a single ``epcisBody.event`` as a one-event ``eventList``
    , and every alias of the EPCIS 2.0 context, in the document and its events,
     as :data:`EPCIS_CONTEXT`. Anything else is left for validation to judge."""
    form: JsonObject = _event_form(document)
    body = form.get("epcisBody")
    if isinstance(body, dict):
        body = dict(body)
        if "eventList" not in body and isinstance(body.get("event"), dict):
            body["eventList"] = [body.pop("event")]
        if isinstance(body.get("eventList"), list):
            body["eventList"] = [_event_form(event) for event in body["eventList"]]
        form["epcisBody"] = body
    return form


def _event_form(node: Any) -> Any:
    if isinstance(node, dict) and "@context" in node:
        with contextlib.suppress(EpcisError):  # an invalid @context is the schema's to report
            return {**node, "@context": canonical_context(node["@context"])}
    return dict(node) if isinstance(node, dict) else node


def document_context(document: JsonObject) -> list[ContextEntry]:
    """The document's ``@context`` as a list; events in the document are read under it."""
    return context_entries(document.get("@context"))


def with_context(event: JsonObject, context: Context | None) -> JsonObject:
    """A copy of ``event`` that stands alone: ``context`` first, then the event's own ``@context``."""
    merged: list[ContextEntry] = []
    for entry in [*context_entries(context), *context_entries(event.get("@context"))]:
        if entry not in merged:  # the schema wants the entries unique
            merged.append(entry)
    return {"@context": merged, **{k: v for k, v in event.items() if k != "@context"}}


def events_of(document: JsonObject) -> list[JsonObject]:
    """The events of a capture (``epcisBody.eventList``) or query document, in order."""
    for path in EVENT_LIST_PATHS:
        node: Any = document
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            if not isinstance(node, list) or not all(isinstance(e, dict) for e in node):
                raise EpcisError(f"{'.'.join(path)} must be a list of event objects")
            return node
    raise EpcisError("not an EPCIS document: no epcisBody.eventList or queryResults.resultsBody.eventList")


def short_vocabulary(value: str | None) -> str | None:
    """CBV terms compare by their short name whatever form they came in (URN, GS1 Web URI, bare)."""
    if value is None:
        return None
    for marker in ("BizStep-", "Disp-", "bizstep:", "disp:"):
        if marker in value:
            return value.rsplit(marker, 1)[1]
    return value


def event_type(event: JsonObject) -> str:
    """``ObjectEvent``, ``AggregationEvent``, ``TransformationEvent``… as the event says."""
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        raise EpcisError("an EPCIS event needs a 'type'")
    return kind


def epc_lists(event: JsonObject) -> dict[str, list[str]]:
    """The EPCs and EPC classes of an event, keyed by the query parameter that matches them.

    Keys: ``epc`` (epcList, childEPCs), ``parentID``, ``inputEPC``, ``outputEPC``, ``anyEPC``
    (all of those), ``epcClass`` (quantityList, childQuantityList), ``inputEPCClass``,
    ``outputEPCClass``, ``anyEPCClass``; values keep document order without repeats.
    """
    found = {key: _unique(_epcs(event, fields)) for key, fields in _EPC_FIELDS.items()}
    found["anyEPC"] = _unique(e for key in _EPC_FIELDS for e in found[key])
    for key, fields in _CLASS_FIELDS.items():
        found[key] = _unique(_classes(event, fields))
    found["anyEPCClass"] = _unique(c for key in _CLASS_FIELDS for c in found[key])
    return found


def _epcs(event: JsonObject, fields: Iterable[str]) -> Iterable[str]:
    for field in fields:
        value = event.get(field)
        values = value if isinstance(value, list) else [value]
        yield from (v for v in values if isinstance(v, str))


def _classes(event: JsonObject, fields: Iterable[str]) -> Iterable[str]:
    for field in fields:
        elements = event.get(field)
        for element in elements if isinstance(elements, list) else []:
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                yield element["epcClass"]


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- EPC URI → GS1 Digital Link -------------------------------------------------------------

_EPC_URI = re.compile(r"urn:epc:(id|class|idpat):([a-z]+):(.+)")
# Characters an EPC URI component may carry unescaped (TDS 2.0 GS3A3Char, less '%').
_EPC_SAFE = "!'()*+,-.:;=_"


def urn_to_digital_link(uri: str, resolver: str = GS1_RESOLVER) -> str:
    """The GS1 Digital Link URI of an SGTIN, LGTIN, GTIN-class, SSCC or SGLN EPC URI.

    Any other string is returned unchanged.
    """
    match = _EPC_URI.fullmatch(uri)
    convert = _TO_DIGITAL_LINK.get((match[1], match[2])) if match else None
    if match is None or convert is None:
        return uri
    return resolver.rstrip("/") + convert(match[3])


def _sgtin_path(body: str) -> str:
    prefix, item, serial = _split(body, 3)
    return f"/01/{_gtin(prefix, item)}/21/{_dl(serial)}"


def _lgtin_path(body: str) -> str:
    prefix, item, lot = _split(body, 3)
    return f"/01/{_gtin(prefix, item)}/10/{_dl(lot)}"


def _gtin_class_path(body: str) -> str:
    prefix, item, star = _split(body, 3)
    if star != "*":
        raise IdentifierError(f"a GTIN class pattern ends in '.*', not {star!r}")
    return f"/01/{_gtin(prefix, item)}"


def _sscc_path(body: str) -> str:
    prefix, serial_ref = _split(body, 2)
    _require_digits(prefix + serial_ref, 17, "an SSCC's company prefix and serial reference")
    digits = serial_ref[0] + prefix + serial_ref[1:]
    return f"/00/{digits}{gs1_check_digit(digits)}"


def _sgln_path(body: str) -> str:
    prefix, location, extension = _split(body, 3)
    _require_digits(prefix + location, 12, "a GLN's company prefix and location reference")
    gln = f"{prefix}{location}{gs1_check_digit(prefix + location)}"
    return f"/414/{gln}" if extension == "0" else f"/414/{gln}/254/{_dl(extension)}"


_TO_DIGITAL_LINK: dict[tuple[str, str], Callable[[str], str]] = {
    ("id", "sgtin"): _sgtin_path,
    ("class", "lgtin"): _lgtin_path,
    ("idpat", "sgtin"): _gtin_class_path,
    ("id", "sscc"): _sscc_path,
    ("id", "sgln"): _sgln_path,
}


def _split(body: str, parts: int) -> list[str]:
    # The last component (serial, lot, extension) may itself contain dots.
    fields = body.split(".", parts - 1)
    if len(fields) != parts or not all(fields):
        raise IdentifierError(f"expected {parts} dot-separated components in {body!r}")
    return fields


def _require_digits(digits: str, length: int, what: str) -> None:
    if not is_digits(digits) or len(digits) != length:
        raise IdentifierError(f"{what} must be {length} digits together, not {digits!r}")


@lru_cache(maxsize=4096)  # a capture's EPCs share a few GTINs; their serials differ
def _gtin(prefix: str, item: str) -> str:
    _require_digits(prefix + item, 13, "a GTIN's company prefix and indicator/item reference")
    digits = item[0] + prefix + item[1:]
    return f"{digits}{gs1_check_digit(digits)}"


def _dl(component: str) -> str:
    return quote(unquote(component), safe="")


# --- GS1 Digital Link → EPC URI -------------------------------------------------------------


def digital_link_to_urn(uri: str, company_prefix_length: int) -> str:
    """The EPC URI of a GS1 Digital Link URI for an SGTIN, LGTIN, GTIN class, SSCC or SGLN.

    A Digital Link does not say where the GS1 company prefix ends, so the caller does
    (6 to 12 digits). Any host is accepted; a lot next to a serial (``/10/…/21/…``) is dropped,
    as the SGTIN names the instance. Any other string is returned unchanged.
    """
    if not 6 <= company_prefix_length <= 12:
        raise IdentifierError("a GS1 company prefix has 6 to 12 digits")
    keys = _digital_link_keys(uri)
    if keys is None:
        return uri
    cp = company_prefix_length
    if "01" in keys:
        gtin = _checked(keys["01"], 14, "GTIN")
        company_item = f"{gtin[1 : 1 + cp]}.{gtin[0]}{gtin[1 + cp : 13]}"
        if "21" in keys:
            return f"urn:epc:id:sgtin:{company_item}.{_epc(keys['21'])}"
        if "10" in keys:
            return f"urn:epc:class:lgtin:{company_item}.{_epc(keys['10'])}"
        return f"urn:epc:idpat:sgtin:{company_item}.*"
    if "00" in keys:
        sscc = _checked(keys["00"], 18, "SSCC")
        return f"urn:epc:id:sscc:{sscc[1 : 1 + cp]}.{sscc[0]}{sscc[1 + cp : 17]}"
    gln = _checked(keys["414"], 13, "GLN")
    return f"urn:epc:id:sgln:{gln[:cp]}.{gln[cp:12]}.{_epc(keys.get('254', '0'))}"


def _digital_link_keys(uri: str) -> dict[str, str] | None:
    """AI → value from the path of a Digital Link with primary key 01, 00 or 414, else None."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    segments = parts.path.strip("/").split("/")
    for start, segment in enumerate(segments):  # a resolver may put a path before the key
        if segment in ("01", "00", "414") and (len(segments) - start) % 2 == 0:
            pairs = segments[start:]
            return {pairs[i]: unquote(pairs[i + 1]) for i in range(0, len(pairs), 2)}
    return None


def _checked(digits: str, length: int, what: str) -> str:
    if not is_digits(digits) or len(digits) != length:
        raise IdentifierError(f"a {what} in a Digital Link has {length} digits, not {digits!r}")
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise IdentifierError(f"{what} {digits}: check digit should be {gs1_check_digit(digits[:-1])}")
    return digits


def _epc(component: str) -> str:
    return quote(component, safe=_EPC_SAFE)
