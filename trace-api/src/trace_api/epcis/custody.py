"""Captured EPCIS events about lots and items Suyuan knows move custody exactly as scans do.

An event whose EPCs are Suyuan item codes, or whose quantity classes are Suyuan lots (GS1 Digital
Link or EPC URN), with a CBV bizStep Suyuan acts on — shipping, receiving, retail_selling,
destroying — is applied through the scan rules, with the capturing organisation's rights: ship
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


def custody_scan(session: Session, event: dict[str, Any], event_id: str) -> ScanIn | None:
    """The scan this event amounts to, if it is about a Suyuan lot or item and moves custody."""
    action = ACTIONS.get(short_vocabulary(event.get("bizStep")) or "")
    if action is None:
        return None
    lists = epc_lists(event)
    code = next((c for c in (_known_code(session, v) for v in lists.get("epc", [])) if c), None)
    batch_id = next((b for b in (_known_batch(session, v) for v in lists.get("epcClass", [])) if b), None)
    if code is None and batch_id is None:
        return None
    location = (event.get("bizLocation") or event.get("readPoint") or {}).get("id") or "EPCIS capture"
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
