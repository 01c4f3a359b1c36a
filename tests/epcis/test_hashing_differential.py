"""The fast pre-hash (trace_api.epcis.fasthash) against epcis-event-hash-generator, the reference.

Every corpus document, and 10,000 generated events (2,000 of each event type, seeded), get the
same pre-hash strings from both paths; the fast path must have computed them itself (no fallback).
The reference runs once per event type, on one document holding that type's events.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trace_api.epcis import EPCIS_CONTEXT, document_prehashes, event_hash_id, events_of, prehash
from trace_api.epcis.hashing import hash_path_counts

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DOCUMENTS = sorted((CORPUS / "event-hash" / "tests" / "examples").glob("*.jsonld")) + sorted(
    p for p in (CORPUS / "epcis" / "JSON").rglob("*") if p.suffix in (".json", ".jsonld")
)
# Refused by both paths (see test_hashing.UNHASHABLE_EXAMPLES).
UNHASHABLE = {
    "Example-TransactionEvents-2020_07_03y.jsonld",
    "transformation_event_all_possible_fields.jsonld",
}
CONTEXT: list[Any] = [
    EPCIS_CONTEXT,
    {"example": "https://ns.example.com/epcis/", "ext2": "urn:example:ext2:"},
]
PER_TYPE = 2000


def _fast_and_reference(document: dict[str, Any]) -> tuple[list[str], list[str], dict[str, int]]:
    before = hash_path_counts()
    fast = document_prehashes(document)
    after = hash_path_counts()
    used = {k: after[k] - before[k] for k in ("fast", "reference")}
    return fast, document_prehashes(document, reference=True), used


@pytest.mark.parametrize("path", [p for p in DOCUMENTS if p.name not in UNHASHABLE], ids=lambda p: p.name)
def test_fast_prehashes_equal_the_reference_on_every_corpus_document(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    fast, reference, used = _fast_and_reference(document)
    assert used == {"fast": len(events_of(document)), "reference": 0}
    assert fast == reference


# --- a seeded generator of events of every type ---------------------------------------------


def _time(rng: random.Random) -> str:
    date = f"20{rng.randint(10, 35)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
    base = f"{date}T{rng.randint(0, 23):02}:{rng.randint(0, 59):02}:{rng.randint(0, 59):02}"
    fraction = rng.choice(["", ".0", ".5", ".123", ".1239", ".123456", ".000001"])
    zone = rng.choice(["Z", "+00:00", "+08:00", "-05:00", "+05:30", "-03:30", "+14:00", "-12:00", "+01:00"])
    return base + fraction + zone


def _offset(rng: random.Random) -> str:
    return rng.choice(["+00:00", "+08:00", "-05:00", "+05:30", "-03:30", "+14:00", "-12:00", "+01:00"])


def _epc(rng: random.Random) -> str:
    n = rng.randrange(10**6)
    return rng.choice(
        [
            f"urn:epc:id:sgtin:0614141.107346.{n}",
            f"urn:epc:id:sgtin:4012345.011111.{n}",
            f"https://id.gs1.org/01/09520123456788/21/{n}",
            f"urn:epc:id:sscc:0614141.{n:010}",
            f"urn:epc:id:grai:0614141.12345.{n}",
        ]
    )


def _class(rng: random.Random) -> str:
    return rng.choice(
        [
            f"urn:epc:class:lgtin:4012345.012345.LOT{rng.randrange(100)}",
            "urn:epc:idpat:sgtin:4012345.098765.*",
            f"https://id.gs1.org/01/09520123456788/10/L{rng.randrange(100)}",
        ]
    )


def _quantities(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.randint(1, 3)):
        element: dict[str, Any] = {
            "epcClass": _class(rng),
            "quantity": rng.choice([rng.randint(1, 500), round(rng.uniform(0, 99), 3), 10.0]),
        }
        if rng.random() < 0.7:
            element["uom"] = rng.choice(["KGM", "LTR", "EA", "MTR"])
        out.append(element)
    return out


def _vocabulary(rng: random.Random, terms: list[str], urn: str, web: str) -> str:
    term = rng.choice(terms)
    return rng.choice([term, f"cbv:{web}-{term}", f"https://ref.gs1.org/cbv/{web}-{term}", f"{urn}{term}"])


def _biz_step(rng: random.Random) -> str:
    terms = ["shipping", "receiving", "commissioning", "packing", "transforming", "storing", "inspecting"]
    return _vocabulary(rng, terms, "urn:epcglobal:cbv:bizstep:", "BizStep")


def _disposition(rng: random.Random) -> str:
    terms = ["in_progress", "in_transit", "active", "container_closed", "damaged", "sellable_accessible"]
    return _vocabulary(rng, terms, "urn:epcglobal:cbv:disp:", "Disp")


def _location(rng: random.Random) -> dict[str, Any]:
    place: dict[str, Any] = {
        "id": rng.choice(
            [
                f"urn:epc:id:sgln:0614141.00777.{rng.randrange(50)}",
                "https://id.gs1.org/414/9520123456788",
                "urn:epc:id:sgln:4012345.00001.0",
            ]
        )
    }
    if rng.random() < 0.2:
        place["example:room"] = f"R{rng.randrange(9)}"
    return place


def _biz_transactions(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(rng.randint(1, 3)):
        value = rng.choice(
            [
                f"urn:epcglobal:cbv:bt:0614141000024:{rng.randrange(10**5)}",
                f"http://transaction.acme.com/po/{rng.randrange(10**6)}",
            ]
        )
        if rng.random() < 0.35:
            out.append({"bizTransaction": value})  # without its optional type
        else:
            kind = rng.choice(
                [
                    "po",
                    "desadv",
                    "inv",
                    "bol",
                    "urn:epcglobal:cbv:btt:po",
                    "https://ref.gs1.org/cbv/BTT-recadv",
                ]
            )
            # The reference writes a pair in its JSON key order: both orders are compared.
            pair = {"type": kind, "bizTransaction": value}
            out.append(pair if rng.random() < 0.8 else {"bizTransaction": value, "type": kind})
    return out


def _parties(rng: random.Random, key: str) -> list[dict[str, Any]]:
    kinds = ["owning_party", "possessing_party", "location", "cbv:SDT-location"]
    return [
        {
            "type": rng.choice(kinds),
            key: rng.choice(
                [f"urn:epc:id:pgln:0614141.{rng.randrange(10**5):05}", "https://id.gs1.org/417/4012345000009"]
            ),
        }
        for _ in range(rng.randint(1, 2))
    ]


def _sensors(rng: random.Random) -> list[dict[str, Any]]:
    elements = []
    for _ in range(rng.randint(1, 2)):
        reports = []
        for _ in range(rng.randint(1, 3)):
            report: dict[str, Any] = {
                "type": rng.choice(
                    ["Temperature", "gs1:Temperature", "RelativeHumidity", "gs1:AbsoluteHumidity"]
                )
            }
            if rng.random() < 0.8:
                report["value"] = rng.choice([round(rng.uniform(-20, 40), 2), rng.randint(0, 100)])
                report["uom"] = rng.choice(["CEL", "FAH", "A93"])
            if rng.random() < 0.3:
                report["minValue"], report["maxValue"] = 1.0, 12.5
            if rng.random() < 0.2:
                report["time"] = _time(rng)
            if rng.random() < 0.2:
                report["component"] = rng.choice(["x", "y", "latitude"])
            if rng.random() < 0.15:
                report["example:calibrated"] = rng.choice(["yes", True, 3])
            reports.append(report)
        element: dict[str, Any] = {"sensorReport": reports}
        if rng.random() < 0.7:
            element["sensorMetadata"] = {
                "time": _time(rng),
                "deviceID": f"urn:epc:id:giai:4000001.{rng.randrange(999)}",
            }
        elements.append(element)
    return elements


def _extension(rng: random.Random) -> dict[str, Any]:
    choice = rng.randrange(5)
    if choice == 0:
        return {"example:myField": f"value-{rng.randrange(1000)}"}
    if choice == 1:
        return {"example:count": rng.randint(-5, 5000), "ext2:flag": rng.choice([True, False])}
    if choice == 2:
        return {"example:nested": {"example:a": "shipping", "example:b": [f"urn:x:{rng.randrange(9)}", "2"]}}
    if choice == 3:
        return {"ext2:note": rng.choice(["in_progress", "hello world", "Temperature"])}
    return {"example:list": [{"example:item": rng.randrange(9)}, {"example:item": "0"}]}


def _common(rng: random.Random, kind: str) -> dict[str, Any]:
    event: dict[str, Any] = {"type": kind, "eventTime": _time(rng), "eventTimeZoneOffset": _offset(rng)}
    if rng.random() < 0.1:
        event["recordTime"] = _time(rng)
    if rng.random() < 0.1:
        event["eventID"] = f"urn:uuid:{rng.randrange(10**12):012}"
    return event


def _what(rng: random.Random, event: dict[str, Any]) -> None:
    if rng.random() < 0.8:
        event["bizStep"] = _biz_step(rng)
    if rng.random() < 0.7:
        event["disposition"] = _disposition(rng)
    if rng.random() < 0.1:
        event["persistentDisposition"] = {
            "set": ["completeness_verified"],
            "unset": ["completeness_inferred"],
        }
    if rng.random() < 0.8:
        event["readPoint"] = _location(rng)
    if rng.random() < 0.5:
        event["bizLocation"] = _location(rng)
    if rng.random() < 0.3:
        event["sourceList"] = _parties(rng, "source")
    if rng.random() < 0.3:
        event["destinationList"] = _parties(rng, "destination")
    if rng.random() < 0.25:
        event["sensorElementList"] = _sensors(rng)
    if rng.random() < 0.1:
        event["errorDeclaration"] = {
            "declarationTime": _time(rng),
            "reason": rng.choice(["incorrect_data", "did_not_occur"]),
            "correctiveEventIDs": [f"urn:uuid:{rng.randrange(10**6)}"],
        }
    if rng.random() < 0.4:
        event.update(_extension(rng))


def _epcs(rng: random.Random) -> list[str]:
    return [_epc(rng) for _ in range(rng.randint(0, 4))]


def _object(rng: random.Random) -> dict[str, Any]:
    event = _common(rng, "ObjectEvent")
    event["action"] = rng.choice(["ADD", "OBSERVE", "DELETE"])
    event["epcList"] = _epcs(rng)
    if rng.random() < 0.5:
        event["quantityList"] = _quantities(rng)
    if rng.random() < 0.4:
        event["bizTransactionList"] = _biz_transactions(rng)
    if event["action"] == "ADD" and rng.random() < 0.5:
        event["ilmd"] = {"example:bestBeforeDate": "2027-01-01", "example:lot": f"L{rng.randrange(99)}"}
    _what(rng, event)
    return event


def _aggregation(rng: random.Random) -> dict[str, Any]:
    event = _common(rng, "AggregationEvent")
    event["action"] = rng.choice(["ADD", "OBSERVE", "DELETE"])
    if rng.random() < 0.9:
        event["parentID"] = f"urn:epc:id:sscc:0614141.{rng.randrange(10**10):010}"
    event["childEPCs"] = _epcs(rng)
    if rng.random() < 0.4:
        event["childQuantityList"] = _quantities(rng)
    if rng.random() < 0.3:
        event["bizTransactionList"] = _biz_transactions(rng)
    _what(rng, event)
    return event


def _transaction(rng: random.Random) -> dict[str, Any]:
    event = _common(rng, "TransactionEvent")
    event["action"] = rng.choice(["ADD", "OBSERVE", "DELETE"])
    event["bizTransactionList"] = _biz_transactions(rng)
    if rng.random() < 0.5:
        event["parentID"] = f"urn:epc:id:sscc:0614141.{rng.randrange(10**10):010}"
    event["epcList"] = _epcs(rng)
    if rng.random() < 0.4:
        event["quantityList"] = _quantities(rng)
    _what(rng, event)
    return event


def _transformation(rng: random.Random) -> dict[str, Any]:
    event = _common(rng, "TransformationEvent")
    if rng.random() < 0.8:
        event["inputEPCList"] = _epcs(rng)
    if rng.random() < 0.6:
        event["inputQuantityList"] = _quantities(rng)
    if rng.random() < 0.8:
        event["outputEPCList"] = _epcs(rng)
    if rng.random() < 0.6:
        event["outputQuantityList"] = _quantities(rng)
    if rng.random() < 0.4:
        event["transformationID"] = f"urn:epc:id:gdti:0614141.12345.{rng.randrange(999)}"
    if rng.random() < 0.5:
        event["ilmd"] = {"example:bestBeforeDate": _time(rng), "ext2:grade": rng.choice(["A", "B", 1])}
    if rng.random() < 0.3:
        event["bizTransactionList"] = _biz_transactions(rng)
    _what(rng, event)
    return event


def _association(rng: random.Random) -> dict[str, Any]:
    event = _common(rng, "AssociationEvent")
    event["action"] = rng.choice(["ADD", "OBSERVE", "DELETE"])
    event["parentID"] = f"urn:epc:id:giai:4000001.{rng.randrange(10**6)}"
    event["childEPCs"] = _epcs(rng)
    if rng.random() < 0.4:
        event["childQuantityList"] = _quantities(rng)
    if rng.random() < 0.4:
        event["bizTransactionList"] = _biz_transactions(rng)
    _what(rng, event)
    return event


GENERATORS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "ObjectEvent": _object,
    "AggregationEvent": _aggregation,
    "TransactionEvent": _transaction,
    "TransformationEvent": _transformation,
    "AssociationEvent": _association,
}


def _document(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2024-01-01T00:00:00Z", "epcisBody": {"eventList": events}}  # fmt: skip


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_fast_prehashes_equal_the_reference_on_generated_events(kind: str) -> None:
    rng = random.Random(f"suyuan-event-hash-{kind}")
    events = [GENERATORS[kind](rng) for _ in range(PER_TYPE)]
    assert sum(1 for e in events for t in e.get("bizTransactionList", []) if "type" not in t) > 100
    fast, reference, used = _fast_and_reference(_document(events))
    assert used == {"fast": PER_TYPE, "reference": 0}
    mismatches = [(i, f, r) for i, (f, r) in enumerate(zip(fast, reference, strict=True)) if f != r]
    assert not mismatches, f"{len(mismatches)} of {PER_TYPE} differ, first: {mismatches[0]}"
    # Captured events are hashed one by one under the document's context: the same, event alone.
    for event in events[:60]:
        alone = _document([event])
        assert prehash(event, CONTEXT) == document_prehashes(alone, reference=True)[0]


def test_a_business_transaction_without_type_is_written_as_its_value_alone() -> None:
    event = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2024-05-01T08:00:00+08:00",
             "eventTimeZoneOffset": "+08:00", "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
             "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000024:77"},
                                    {"bizTransaction": "http://transaction.acme.com/po/1234"}]}  # fmt: skip
    expected = (
        "eventType=ObjectEventeventTime=2024-05-01T00:00:00.000ZeventTimeZoneOffset=+08:00"
        "epcListepc=https://id.gs1.org/01/10614141073464/21/2017action=OBSERVE"
        "bizTransactionListbizTransaction=http://transaction.acme.com/po/1234"
        "type=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:epcglobal:cbv:bt:0614141000024:77"
    )
    assert prehash(event) == expected
    assert document_prehashes(_document([event]), reference=True) == [expected]
    typed = {**event, "bizTransactionList": event["bizTransactionList"][:1]}
    assert event_hash_id(event) != event_hash_id(typed)


def test_events_differing_only_in_serials_times_and_numbers_share_one_expansion() -> None:
    rng = random.Random(7)
    events = [
        {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "eventTime": _time(rng),
            "eventTimeZoneOffset": _offset(rng),
            "epcList": [_epc(rng)],
            "bizStep": "receiving",
            "readPoint": {"id": f"urn:epc:id:sgln:0614141.00777.{n}"},
            "quantityList": [{"epcClass": _class(rng), "quantity": n, "uom": "KGM"}],
            "example:lot": f"LOT-{n}",
        }
        for n in range(200)
    ]
    before = hash_path_counts()
    ids = [event_hash_id(event, CONTEXT) for event in events]
    after = hash_path_counts()
    assert after["expansions"] - before["expansions"] <= 1  # none if an earlier test expanded it
    assert after["fast"] - before["fast"] == 200
    assert len(set(ids)) == 200
    assert [prehash(e, CONTEXT) for e in events[:20]] == document_prehashes(
        _document(events[:20]), reference=True
    )


def test_a_shape_the_fast_path_leaves_is_hashed_by_the_reference() -> None:
    # An event carrying its own @context inside a document's event list.
    document = json.loads((CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    events_of(document)[0]["@context"] = [{"example2": "https://ns.example.com/two/"}]
    events_of(document)[0]["example2:note"] = "kept"
    before = hash_path_counts()
    fast = document_prehashes(document)
    after = hash_path_counts()
    assert after["reference"] - before["reference"] == len(events_of(document))
    assert fast == document_prehashes(document, reference=True)
