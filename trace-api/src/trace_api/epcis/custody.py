"""Captured EPCIS events about lots and items Suyuan knows move custody exactly as scans do.

An event whose EPCs are Suyuan item codes, or whose quantity classes are Suyuan lots (GS1 Digital
Link or EPC URN), with a CBV bizStep Suyuan acts on — shipping, receiving, retail_selling,
destroying — and a TransformationEvent from a Suyuan lot into new lots of the same GTIN (with
quantities: a split; into one new lot, the Suyuan items in its outputEPCList go with it) are
applied through the scan rules, with the capturing organisation's rights: ship
only what you hold, receive only what was shipped to you, no movement of recalled goods,
counterfeit signals for codes never issued or sold twice. The derived scan record names the
event's hash id; the captured event keeps its own record.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from ..batches.models import Batch
from ..gs1 import GS1Error, parse_item_code
from ..orgs.models import Organisation
from ..scans.service import ScanIn
from .documents import IdentifierError, epc_lists, short_vocabulary, urn_to_digital_link

ACTIONS = {"shipping": "ship", "receiving": "receive", "retail_selling": "sell", "destroying": "destroy"}
PARTY_PREFIX = "urn:suyuan:party:uscc:"
#: Scan ids derived from event hash ids: a re-captured event maps to the same scan.
SCAN_NAMESPACE = uuid.UUID("6f1d2c4e-5b7a-4e8f-9c3d-2a1b0e9f8d7c")


def _digital_link(value: str) -> str:
    try:
        return urn_to_digital_link(value)
    except IdentifierError:
        return value


def _known_code(session: Session, value: str) -> str | None:
    try:
        code = parse_item_code(_digital_link(value))
    except GS1Error:
        return None
    from ..codes.models import ItemCode

    row = session.exec(
        select(ItemCode).where(
            ItemCode.gtin == code.gtin, ItemCode.lot == code.lot, ItemCode.serial == code.serial
        )
    ).first()
    return value if row is not None else None


def _known_batch(session: Session, value: str) -> str | None:
    path = _digital_link(value).split("://", 1)[-1]
    parts = path.split("/")
    if len(parts) >= 5 and parts[-4] == "01" and parts[-2] == "10":
        batch_id = f"{parts[-3].zfill(14)}.{parts[-1]}"
        return batch_id if session.get(Batch, batch_id) is not None else None
    return None


def _destination(session: Session, event: dict[str, Any]) -> str | None:
    for entry in event.get("destinationList") or []:
        party = entry.get("destination", "") if isinstance(entry, dict) else ""
        if party.startswith(PARTY_PREFIX):
            org = session.exec(
                select(Organisation).where(Organisation.uscc == party[len(PARTY_PREFIX) :])
            ).first()
            if org is not None:
                return org.handle
    return None


def _split_scan(session: Session, event: dict[str, Any], event_id: str) -> ScanIn | None:
    """A TransformationEvent from one Suyuan lot into new lots of the same GTIN, each with a quantity."""
    inputs = [_known_batch(session, q.get("epcClass", "")) for q in event.get("inputQuantityList") or []]
    parent = next((b for b in inputs if b), None)
    if parent is None:
        return None
    gtin = parent.split(".", 1)[0]
    children = []
    for output in event.get("outputQuantityList") or []:
        path = _digital_link(output.get("epcClass", "")).split("://", 1)[-1].split("/")
        if len(path) < 5 or path[-4] != "01" or path[-3].zfill(14) != gtin or "quantity" not in output:
            return None
        children.append({"lot": path[-1], "quantity": output["quantity"]})
    if not children:
        return None
    if len(children) == 1:  # the Suyuan items it names go into the one new lot
        known = (_known_code(session, v) for v in event.get("outputEPCList") or [])
        children[0]["codes"] = [_digital_link(c) for c in known if c]
    return ScanIn.model_validate(
        {
            "action": "split",
            "batch_id": parent,
            "children": children,
            "time": event["eventTime"],
            "location": _location(event),
            "scan_id": str(uuid.uuid5(SCAN_NAMESPACE, event_id)),
        }
    )


def _location(event: dict[str, Any]) -> str:
    place = (event.get("bizLocation") or event.get("readPoint") or {}).get("id") or "EPCIS capture"
    return str(place)[:200]


def custody_scan(session: Session, event: dict[str, Any], event_id: str) -> ScanIn | None:
    """The scan this event amounts to, if it is about a Suyuan lot or item and moves custody."""
    if event.get("type") == "TransformationEvent":
        return _split_scan(session, event, event_id)
    action = ACTIONS.get(short_vocabulary(event.get("bizStep")) or "")
    if action is None:
        return None
    lists = epc_lists(event)
    code = next((c for c in (_known_code(session, v) for v in lists.get("epc", [])) if c), None)
    batch_id = next((b for b in (_known_batch(session, v) for v in lists.get("epcClass", [])) if b), None)
    if code is None and batch_id is None:
        return None
    location = _location(event)
    return ScanIn.model_validate(
        {
            "action": action,
            "batch_id": batch_id,
            "code": _digital_link(code) if code else None,
            "counterparty": _destination(session, event),
            "location": location[:200],
            "time": event["eventTime"],
            "scan_id": str(uuid.uuid5(SCAN_NAMESPACE, event_id)),
        }
    )
