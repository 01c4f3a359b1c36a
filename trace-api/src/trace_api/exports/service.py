"""A lot's full trace as one GS1 EPCIS 2.0 JSON-LD document, checked against the EPCIS 2.0 schema.

The events are those of the lot's lineage (its ancestors and descendants, as far as the caller
may see them: :mod:`trace_api.tracing.branches`) in log order: the ``epcis`` event of every scan
and split record, and a commissioning ObjectEvent for each source admission. Each event carries
its GS1 Event Hash ID (CBV 2.0 §8.9) as ``eventID``, so a partner capturing the document
identifies the events as Suyuan's own EPCIS capture does.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from evidence import Record, StoredRecord, utc_now

from ..epcis import (
    EPCIS_CONTEXT,
    GS1_RESOLVER,
    EpcisValidationError,
    EventHashError,
    event_hash_id,
    validate_document,
)
from ..errors import Defect
from ..events import lot_class, place_uri
from ..facts import BatchAdmitted, EpcisCaptured, FactError, ReadingRecorded, Scan, fact_of
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..services import Services
from ..tracing.branches import Lineage, records_about, visible_lineage

#: Suyuan's own ILMD terms (production date, producer, customs declaration) need a prefix.
SUYUAN_CONTEXT: dict[str, Any] = {"suyuan": "https://suyuan.dev/epcis/"}
DOCUMENT_CONTEXT: list[Any] = [EPCIS_CONTEXT, SUYUAN_CONTEXT]

# bizStep values Suyuan once wrote that CBV 2.0 does not define, and the CBV term meant.
_CBV_BIZ_STEPS = {"repacking": "repackaging"}


class ExportInvalid(Defect):
    """Our own export broke the EPCIS schema: a defect in Suyuan, never the caller's fault."""

    slug, title = "export-invalid", "The export failed its own EPCIS schema check"


def lineage_of(services: Services, session: Session, member: Member, batch_id: str) -> Lineage:
    """The lot with its ancestors and descendants, root first, as far as the member may see them.

    Regulators see all; any other member only the branches its goods were on (the trace rule of
    :mod:`trace_api.tracing.branches`), and Forbidden if the lot is on none of them.
    """
    return visible_lineage(session, services.ledger, member, batch_id, backward=True, forward=True)


def epcis_trace_document(
    services: Services, session: Session, member: Member, batch_id: str
) -> dict[str, Any]:
    """The EPCIS 2.0 document of every event in the lot's lineage, in log order."""
    records = records_about(services.ledger, lineage_of(services, session, member, batch_id))
    events = [e for stored in records if (e := _event_of(services, session, stored)) is not None]
    document = {
        "@context": DOCUMENT_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utc_now(),
        "epcisBody": {"eventList": [_identified(event) for event in events]},
    }
    _require_valid(document, batch_id)
    return document


def _event_of(services: Services, session: Session, stored: StoredRecord) -> dict[str, Any] | None:
    record = stored.record()
    if stored.kind == BatchAdmitted.KIND:
        return commissioning_event(services.settings.public_url, record, _org_by_uscc(session, record))
    try:
        fact = fact_of(record)
    except FactError:  # a record no model reads carries no event
        return None
    if isinstance(fact, (Scan, EpcisCaptured, ReadingRecorded)):
        return conformed(fact.epcis)
    return None


def commissioning_event(resolver: str, admission: Record, importer: Organisation | None) -> dict[str, Any]:
    """The ObjectEvent (ADD, commissioning) of a source admission, with the lot's ILMD."""
    lot = BatchAdmitted.of(admission)
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": admission.time,
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [
            {
                "epcClass": lot_class(resolver, lot.gtin, lot.lot),
                "quantity": lot.quantity,
                "uom": lot.unit,
            }
        ],
    }
    if importer is not None and importer.gln:
        event["readPoint"] = {"id": f"{GS1_RESOLVER}/414/{importer.gln}"}
    event["ilmd"] = _lot_master_data(lot)
    return event


def _lot_master_data(lot: BatchAdmitted) -> dict[str, Any]:
    data = {
        "cbvmda:lotNumber": lot.lot,
        "cbvmda:itemExpirationDate": lot.expiry_date.isoformat(),
        "cbvmda:countryOfOrigin": lot.origin_country,
        "suyuan:productionDate": lot.production_date.isoformat(),
        "suyuan:producer": lot.producer,
        "suyuan:establishmentNumber": lot.establishment_number,
    }
    if lot.customs_declaration:
        data["suyuan:customsDeclaration"] = lot.customs_declaration
    return data


def conformed(event: dict[str, Any]) -> dict[str, Any]:
    """The stored event, with two known defects of earlier records repaired for the schema.

    Split records said bizStep "repacking" (CBV 2.0 says "repackaging"), and scans accept a place
    name as their location, which is no URI: it becomes ``urn:suyuan:place:<percent-encoded name>``.
    An event without these defects comes back unchanged, so its Event Hash ID stays the same.
    """
    fixed = dict(event)
    if fixed.get("bizStep") in _CBV_BIZ_STEPS:
        fixed["bizStep"] = _CBV_BIZ_STEPS[fixed["bizStep"]]
    read_point = fixed.get("readPoint")
    if isinstance(read_point, dict) and isinstance(read_point.get("id"), str):
        fixed["readPoint"] = {**read_point, "id": place_uri(read_point["id"])}
    return fixed


def _identified(event: dict[str, Any]) -> dict[str, Any]:
    try:
        event_id = event_hash_id(event, DOCUMENT_CONTEXT)
    except EventHashError as exc:
        raise ExportInvalid(f"an exported event has no Event Hash ID: {exc}") from exc
    return {"type": event["type"], "eventID": event_id, **event}


def _require_valid(document: dict[str, Any], batch_id: str) -> None:
    try:
        validate_document(document)
    except EpcisValidationError as exc:
        errors = [{"field": e["path"], "reason": e["reason"]} for e in exc.errors]
        raise ExportInvalid(f"the EPCIS export of batch {batch_id} is invalid: {exc}", errors=errors) from exc


def _org_by_uscc(session: Session, record: Record) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.uscc == record.actor.org)).first()
