"""Ledger records of supply-chain facts, each carrying its GS1 EPCIS 2.0 event.

Kinds and payloads (every record's ``subjects`` name the batch, the item code when there is
one, and the acting organisation):

- ``batch.admitted``  payload: the admission (batch_id, gtin, lot, product, origin, certificates…)
- ``codes.issued``    payload: {batch_id, count, first_serial, last_serial, serials_sha256}
- ``scan.ship`` / ``scan.receive`` / ``scan.sell`` / ``scan.destroy``
                      payload: {action, batch_id, code?, counterparty?, location, quantity?, unit?, epcis}
- ``batch.split``     payload: {action: "split", batch_id (parent), children: [...], quantities: [...],
                      items: [{count, serials_sha256, serials | first_serial, last_serial}, ...]
                      (the parent's items each child took), location, epcis}
- ``counterfeit.signal`` payload: {reason, code?, batch_id?, detail, location?}
- ``recall.issued``   payload: {recall_id, batch_id, scope: [...], reason, recall_class}
- ``recall.lifted``   payload: {recall_id, batch_id, scope: [...], reason (why it is lifted)}

``epcis`` is an EPCIS 2.0 JSON-LD event (ObjectEvent or TransformationEvent) with CBV 2.0
bizStep and disposition.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

CBV = {
    "ship": ("shipping", "in_transit"),
    "receive": ("receiving", "in_progress"),
    "sell": ("retail_selling", "retail_sold"),
    "destroy": ("destroying", "destroyed"),
    "split": ("repackaging", "active"),
    "commission": ("commissioning", "active"),
}


def place_uri(location: str) -> str:
    """``location`` if it is a URI (an SGLN, a Digital Link), else a Suyuan URN naming the place.

    EPCIS read points and business locations are URIs; scanners may send a place name.
    """
    if validate_rfc3986(location, rule="URI"):
        return location
    return "urn:suyuan:place:" + quote(location, safe="")


def offset_of(time: str) -> str:
    """The UTC offset an RFC 3339 time was written with, as EPCIS's eventTimeZoneOffset."""
    return "+00:00" if time.endswith(("Z", "z")) else time[-6:]


def object_event(
    action: str,
    *,
    time: str,
    location: str,
    epcs: list[str] | None = None,
    epc_class: str | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    source: str | None = None,
    destination: str | None = None,
) -> dict[str, Any]:
    """An EPCIS 2.0 ObjectEvent (action OBSERVE, or ADD for commissioning) for a scan."""
    biz_step, disposition = CBV[action]
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": offset_of(time),
        "action": "ADD" if action == "commission" else "OBSERVE",
        "bizStep": biz_step,
        "disposition": disposition,
        "readPoint": {"id": place_uri(location)},
    }
    if epcs:
        event["epcList"] = epcs
    if epc_class is not None:
        entry: dict[str, Any] = {"epcClass": epc_class}
        if quantity is not None:
            entry.update({"quantity": quantity, "uom": unit or "EA"})
        event["quantityList"] = [entry]
    if source is not None:
        event["sourceList"] = [{"type": "owning_party", "source": source}]
    if destination is not None:
        event["destinationList"] = [{"type": "owning_party", "destination": destination}]
    return event


def transformation_event(
    *,
    time: str,
    location: str,
    input_class: str,
    output_classes: list[str],
    epcs: list[str] | None = None,
) -> dict[str, Any]:
    """An EPCIS 2.0 TransformationEvent for splitting (repacking) a lot into child lots; ``epcs``:
    the items named as going from the lot into its children (in and out alike, their codes unchanged)."""
    biz_step, disposition = CBV["split"]
    event: dict[str, Any] = {
        "type": "TransformationEvent",
        "eventTime": time,
        "eventTimeZoneOffset": offset_of(time),
        "bizStep": biz_step,
        "disposition": disposition,
    }
    if epcs:
        event["inputEPCList"] = epcs
    event["inputQuantityList"] = [{"epcClass": input_class}]
    if epcs:
        event["outputEPCList"] = epcs
    event["outputQuantityList"] = [{"epcClass": c} for c in output_classes]
    event["readPoint"] = {"id": place_uri(location)}
    return event


def party(uscc: str) -> str:
    """An organisation as an EPCIS party identifier."""
    return f"urn:suyuan:party:uscc:{uscc}"


def lot_class(resolver: str, gtin: str, lot: str) -> str:
    """A lot as an EPCIS class identifier (GS1 Digital Link, GTIN + lot)."""
    return f"{resolver.rstrip('/')}/01/{gtin}/10/{lot}"
