"""EPCIS 2.0 and 1.2 XML capture documents, read into the EPCIS 2.0 JSON-LD form capture takes.

The XML binding (EPCIS 2.0 §9, the ``urn:epcglobal:epcis:xsd:2`` and ``:1`` schemas) and the
JSON-LD binding name the same fields; the mapping here follows the standard's correspondence:
``<epcList><epc>`` becomes ``epcList: [...]``, a ``<quantityElement>`` an object with a numeric
``quantity``, ``<bizTransaction type="…">`` ``{"type", "bizTransaction"}``, sensor metadata and
reports their attributes, ``<extension>``/``<baseExtension>`` wrappers vanish (EPCIS 1.2 puts
2.0's fields in them), and an element of any other namespace is a user extension named
``prefix:local`` with its prefix declared in the document's ``@context``. The same event in
either form therefore has the same Event Hash ID.

Parsing is lxml's, hardened: no network, no DTD loaded, entities never expanded, and any
``<!DOCTYPE>`` refused, so neither external entities (XXE) nor entity expansion (billion laughs)
can reach the document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from .documents import EPCIS_CONTEXT, EpcisError, JsonObject

EPCIS_NAMESPACES = {"urn:epcglobal:epcis:xsd:2": "2.0", "urn:epcglobal:epcis:xsd:1": "1.2"}
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
#: Standard wrappers whose children belong to the element around them.
WRAPPERS = ("extension", "baseExtension")
TEXT_FIELDS = (
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "action",
    "bizStep",
    "disposition",
    "parentID",
    "transformationID",
)
EPC_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
TYPED_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
NUMERIC_SENSOR_FIELDS = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "quantity"}
)
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Prefixes the EPCIS 2.0 context defines (and protects): never declared again.
CONTEXT_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}
#: CURIEs the XML binding writes in values, as the IRIs the JSON-LD form holds.
VALUE_CURIES = {"gs1:": CONTEXT_PREFIXES["gs1"], "cbv:": CONTEXT_PREFIXES["cbv"]}
#: Sensor attributes whose values the JSON binding writes as bare terms of GS1 vocabularies: the
#: forms of a term's IRI, and the schema definition listing the terms.
SENSOR_TERMS = {
    "type": (("gs1:", "https://gs1.org/voc/"), "measurement-type-JSON-Schema.json", "measurementType"),
    "exception": (("gs1:", "https://gs1.org/voc/"), "sensor-alert-type-JSON-Schema.json", "sensorAlertType"),
    "component": (("cbv:Comp-", "https://ref.gs1.org/cbv/Comp-"), "component-JSON-Schema.json", "component"),
}
#: CBV 1.x URNs of a field's values, which the JSON binding writes as the bare CBV term.
CBV_URNS = {
    "bizStep": "urn:epcglobal:cbv:bizstep:",
    "disposition": "urn:epcglobal:cbv:disp:",
    "set": "urn:epcglobal:cbv:disp:",
    "unset": "urn:epcglobal:cbv:disp:",
    "bizTransaction": "urn:epcglobal:cbv:btt:",
    "source": "urn:epcglobal:cbv:sdt:",
    "destination": "urn:epcglobal:cbv:sdt:",
    "reason": "urn:epcglobal:cbv:er:",
}


class XmlDocumentError(EpcisError):
    """An XML document capture cannot read; ``path`` is where (an XPath), the message says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def xml_document(body: bytes) -> JsonObject:
    """The JSON-LD EPCISDocument of an EPCIS 2.0 or 1.2 XML ``EPCISDocument``."""
    root = _parse(body)
    if etree.QName(root).localname != "EPCISDocument" or etree.QName(root).namespace not in EPCIS_NAMESPACES:
        raise XmlDocumentError("/", "the root element is not an EPCIS 2.0 or 1.2 EPCISDocument")
    reader = _Reader(root.getroottree())
    event_list = root.find("EPCISBody/EventList")
    if event_list is None:
        raise XmlDocumentError(reader.path(root), "has no EPCISBody/EventList")
    events = [reader.event(element) for element in _events(event_list)]
    document: JsonObject = {
        "@context": [EPCIS_CONTEXT, *([reader.prefixes] if reader.prefixes else [])],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "epcisBody": {"eventList": events},
    }
    if root.get("creationDate") is not None:
        document["creationDate"] = root.get("creationDate")
    return document


def _parse(body: bytes) -> etree._Element:
    if b"<!DOCTYPE" in body:  # refused before parsing; the check after parsing catches other encodings
        raise XmlDocumentError("/", _NO_DOCTYPE)
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise XmlDocumentError("/", f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise XmlDocumentError("/", _NO_DOCTYPE)
    return root


_NO_DOCTYPE = "a DOCTYPE is not accepted (no DTDs, no entities)"


def _events(event_list: etree._Element) -> Iterator[etree._Element]:
    for child in _children(event_list):
        if etree.QName(child).localname not in EVENT_TYPES or etree.QName(child).namespace is not None:
            raise XmlDocumentError(child.getroottree().getpath(child), "is not an EPCIS event")
        yield child


def _children(element: etree._Element) -> Iterator[etree._Element]:
    """Element children, standard wrappers opened (``<extension>`` in 1.2's EventList too)."""
    for child in element:
        if not isinstance(child.tag, str):
            continue  # an entity reference left unexpanded, or the like
        if child.tag in WRAPPERS:
            yield from _children(child)
        else:
            yield child


class _Reader:
    """Reads events of one document, collecting the prefixes of the extensions it meets."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.tree = tree
        self.prefixes: dict[str, str] = {}

    def path(self, element: etree._Element) -> str:
        return str(self.tree.getpath(element))

    def event(self, element: etree._Element) -> JsonObject:
        event: JsonObject = {"type": element.tag}
        for child in _children(element):
            name = child.tag
            if etree.QName(child).namespace is not None:
                self._add(event, self.extension_name(child), self.extension_value(child))
            elif name in STANDARD_FIELDS:
                event[name] = STANDARD_FIELDS[name](self, child)
            else:
                raise XmlDocumentError(self.path(child), "is not a field of an EPCIS event")
        return event

    # --- standard fields ----------------------------------------------------------------------

    def text(self, element: etree._Element) -> str:
        return _value((element.text or "").strip(), CBV_URNS.get(element.tag))

    def texts(self, element: etree._Element) -> list[str]:
        return [self.text(child) for child in _children(element)]

    def quantities(self, element: etree._Element) -> list[JsonObject]:
        elements = []
        for child in _children(element):
            quantity: JsonObject = {}
            for field in _children(child):
                value = self.text(field)
                quantity[field.tag] = self.number(field, value) if field.tag == "quantity" else value
            elements.append(quantity)
        return elements

    def typed(self, element: etree._Element) -> list[JsonObject]:
        entries = []
        for child in _children(element):
            kind = child.get("type")
            entry: JsonObject = (
                {"type": _value(kind.strip(), CBV_URNS[child.tag])} if kind is not None else {}
            )
            entry[child.tag] = _value((child.text or "").strip(), None)
            entries.append(entry)
        return entries

    def location(self, element: etree._Element) -> JsonObject:
        return self.fields(element, {"id": lambda child: self.text(child)})

    def persistent_disposition(self, element: etree._Element) -> JsonObject:
        found: JsonObject = {}
        for child in _children(element):
            found.setdefault(child.tag, []).append(self.text(child))
        return found

    def error_declaration(self, element: etree._Element) -> JsonObject:
        return self.fields(
            element,
            {
                "declarationTime": self.text,
                "reason": self.text,
                "correctiveEventIDs": self.texts,
            },
        )

    def ilmd(self, element: etree._Element) -> JsonObject:
        return self.fields(element, {})

    def sensor_elements(self, element: etree._Element) -> list[JsonObject]:
        return [
            self.fields(
                child, {"sensorMetadata": self.attributes, "sensorReport": lambda r: [self.attributes(r)]}
            )
            for child in _children(element)
        ]

    def attributes(self, element: etree._Element) -> JsonObject:
        found: JsonObject = {}
        for name, value in element.attrib.items():
            qname = etree.QName(name)
            if qname.namespace == XSI:
                continue
            if qname.namespace is not None:
                found[self.prefixed(qname, element)] = value
            elif qname.localname in NUMERIC_SENSOR_FIELDS:
                found[qname.localname] = self.number(element, value)
            elif qname.localname == "booleanValue":
                found[qname.localname] = value.strip() in ("true", "1")
            elif qname.localname in SENSOR_TERMS:
                found[qname.localname] = _bare_term(value.strip(), *SENSOR_TERMS[qname.localname])
            else:
                found[qname.localname] = _value(value, None)
        return found

    def fields(
        self, element: etree._Element, readers: dict[str, Callable[[etree._Element], Any]]
    ) -> JsonObject:
        """An object of known fields (a repeated list field's entries joined) and extensions."""
        found: JsonObject = {}
        for child in _children(element):
            if etree.QName(child).namespace is not None:
                self._add(found, self.extension_name(child), self.extension_value(child))
            elif child.tag in readers:
                value = readers[child.tag](child)
                if isinstance(value, list) and isinstance(found.get(child.tag), list):
                    found[child.tag].extend(value)
                else:
                    found[child.tag] = value
            else:
                raise XmlDocumentError(self.path(child), f"is not a field of {element.tag}")
        return found

    def number(self, element: etree._Element, value: str) -> int | float:
        try:
            number = float(value)
        except ValueError as exc:
            raise XmlDocumentError(self.path(element), f"{value!r} is not a number") from exc
        return (
            int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number
        )

    # --- user extensions ----------------------------------------------------------------------

    def extension_name(self, element: etree._Element) -> str:
        """The JSON-LD name of an element inside a user extension (or of a user extension)."""
        return self.prefixed(etree.QName(element), element)

    def prefixed(self, qname: etree.QName, scope: etree._Element) -> str:
        """``prefix:local`` for a name of another namespace, with the prefix the XML declares for
        it where it is used (one made up for a default namespace), declared in the @context."""
        namespace = qname.namespace
        if namespace is None:  # an unqualified name inside an extension: a term of the context
            return str(qname.localname)
        prefix = next((p for p, ns in self.prefixes.items() if ns == namespace), None)
        if prefix is None:
            # The hash reads extension names under the document's own prefixes only, so even a
            # prefix of the EPCIS context is declared (JSON-LD allows a protected term's identical
            # definition); one naming another IRI there, or taken, is renamed.
            prefix = {ns: p for p, ns in scope.nsmap.items() if p}.get(namespace)
            taken = prefix in self.prefixes or CONTEXT_PREFIXES.get(prefix or "", namespace) != namespace
            if prefix is None or taken:
                prefix = f"ext{len(self.prefixes) + 1}"
            self.prefixes[prefix] = namespace
        return f"{prefix}:{qname.localname}"

    def extension_value(self, element: etree._Element) -> Any:
        """A leaf's text; an element with children (or attributes) an object of them."""
        children = [child for child in element if isinstance(child.tag, str)]
        attributes = {k: v for k, v in element.attrib.items() if etree.QName(k).namespace != XSI}
        if not children and not attributes:
            return _value((element.text or "").strip(), None)
        found: JsonObject = {}
        for name, value in attributes.items():
            qname = etree.QName(name)
            found[self.prefixed(qname, element) if qname.namespace else name] = value
        for child in children:
            self._add(found, self.extension_name(child), self.extension_value(child))
        return found

    @staticmethod
    def _add(holder: JsonObject, name: str, value: Any) -> None:
        """A repeated element becomes a list of its values."""
        if name not in holder:
            holder[name] = value
        elif isinstance(holder[name], list):
            holder[name].append(value)
        else:
            holder[name] = [holder[name], value]


STANDARD_FIELDS: dict[str, Callable[[_Reader, etree._Element], Any]] = {
    **{name: _Reader.text for name in TEXT_FIELDS},
    **{name: _Reader.texts for name in EPC_LISTS},
    **{name: _Reader.quantities for name in QUANTITY_LISTS},
    **{name: _Reader.typed for name in TYPED_LISTS},
    "readPoint": _Reader.location,
    "bizLocation": _Reader.location,
    "persistentDisposition": _Reader.persistent_disposition,
    "errorDeclaration": _Reader.error_declaration,
    "ilmd": _Reader.ilmd,
    "sensorElementList": _Reader.sensor_elements,
    "certificationInfo": _Reader.text,
}


def _value(text: str, cbv_urn: str | None) -> str:
    """A value as the JSON-LD form holds it: a CBV URN of the field as its bare term, a ``gs1:`` or
    ``cbv:`` CURIE as its IRI."""
    if cbv_urn is not None and text.startswith(cbv_urn):
        return text.removeprefix(cbv_urn)
    for curie, iri in VALUE_CURIES.items():
        if text.startswith(curie):
            return iri + text.removeprefix(curie)
    return text


def _bare_term(text: str, forms: tuple[str, ...], schema: str, definition: str) -> str:
    """The bare term of a vocabulary IRI or CURIE when the vocabulary has it, else the full IRI."""
    for form in forms:
        if text.startswith(form) and text.removeprefix(form) in _terms(schema, definition):
            return text.removeprefix(form)
    return _value(text, None)


@cache
def _terms(schema: str, definition: str) -> frozenset[str]:
    """The terms a vocabulary's schema (shipped in ``schema/schemas``) enumerates."""
    text = (files("trace_api.epcis") / "schema" / "schemas" / schema).read_text("utf-8")
    forms = json.loads(text)["definitions"][definition]["anyOf"]
    return frozenset(term for form in forms for term in form.get("enum", []))
