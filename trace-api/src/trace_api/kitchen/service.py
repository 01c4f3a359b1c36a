"""Kitchen incidents: who may see them, their pictures, and rectifications with their ledger records.

Pictures (snapshots, the cameras' frames, rectification photos) are stored as documents,
content-addressed under the documents folder and owned by the restaurant, so
``/v1/documents/{sha256}`` serves them with the documents' access rules as well.
A restaurant answers each incident once: a second rectification is a conflict (409), because
the first is already evidence in the ledger; a correction is a new incident's business.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, utc_datetime, utc_now, write_transaction

from ..devices import MqttError, alert_topic, publish_json
from ..devices.models import Device
from ..documents.models import Document
from ..documents.service import document_path, store_document
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import IncidentRectified
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import check_text
from .models import Incident, Rectification

MAX_PHOTO_BYTES = 20 * 1024 * 1024
IncidentStatus = Literal["open", "rectified", "all"]
_IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def image_type(data: bytes) -> str | None:
    """The picture's media type from its first bytes: JPEG, PNG or WebP; None for anything else."""
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


# -- reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    camera: str
    organisation: str
    rectification: Rectification | None = None


def _visible(member: Member, incident: Incident) -> bool:
    return member.org.org_type is OrgType.regulator or incident.org_id == member.org.id


def list_incidents(
    session: Session,
    member: Member,
    status: IncidentStatus = "all",
    org: str | None = None,
    violation: str | None = None,
    limit: int = 100,
) -> list[IncidentView]:
    """Newest first: the caller's organisation's incidents, or any organisation's for a regulator."""
    query = (
        select(Incident, Device.username, Organisation.handle)
        .join(Device, col(Device.id) == Incident.device_id)
        .join(Organisation, col(Organisation.id) == Incident.org_id)
    )
    if member.org.org_type is not OrgType.regulator:
        if org is not None and org != member.org.handle:
            raise Forbidden(f"{member.org.handle} may list its own incidents only")
        query = query.where(Incident.org_id == member.org.id)
    elif org is not None:
        query = query.where(Organisation.handle == org)
    if status == "open":
        query = query.where(col(Incident.rectified_at).is_(None))
    elif status == "rectified":
        query = query.where(col(Incident.rectified_at).is_not(None))
    if violation is not None:
        query = query.where(Incident.violation == violation)
    rows = session.exec(query.order_by(col(Incident.detected_at).desc(), col(Incident.id)).limit(limit)).all()
    answered = _rectifications(session, [i.id for i, _, _ in rows if i.rectified_at is not None])
    return [IncidentView(i, camera, handle, answered.get(i.id)) for i, camera, handle in rows]


def _rectifications(session: Session, incident_ids: list[str]) -> dict[str, Rectification]:
    if not incident_ids:
        return {}
    query = select(Rectification).where(col(Rectification.incident_id).in_(incident_ids))
    return {r.incident_id: r for r in session.exec(query)}


def get_incident(session: Session, member: Member, incident_id: str) -> IncidentView:
    """The incident, if the caller may see it (a restaurant's own; any for a regulator)."""
    incident = session.get(Incident, incident_id)
    if incident is None or not _visible(member, incident):
        raise NotFound(f"no incident {incident_id} that {member.org.handle} may see")
    device = session.get(Device, incident.device_id)
    org = session.get(Organisation, incident.org_id)
    assert device is not None  # foreign keys
    assert org is not None
    return IncidentView(
        incident, device.username, org.handle, _rectifications(session, [incident_id]).get(incident_id)
    )


def snapshot_of(session: Session, services: Services, member: Member, incident_id: str) -> tuple[Path, str]:
    """The stored snapshot's path and media type."""
    view = get_incident(session, member, incident_id)
    document = session.get(Document, view.incident.snapshot_sha256)
    path = document_path(services.settings.documents_dir, view.incident.snapshot_sha256)
    if document is None or not path.is_file():
        raise NotFound(f"the snapshot of incident {incident_id} is not stored here")
    return path, document.content_type


def describe_incident(view: IncidentView) -> dict[str, Any]:
    incident = view.incident
    data = incident.model_dump(mode="json", exclude={"org_id", "device_id", "boxes"})
    data.update(
        organisation=view.organisation,
        camera=view.camera,
        boxes=json.loads(incident.boxes),
        status="open" if incident.rectified_at is None else "rectified",
        snapshot_url=f"/v1/incidents/{incident.id}/snapshot",
        rectification=None if view.rectification is None else describe_rectification(view.rectification),
    )
    return data


def describe_rectification(rectification: Rectification) -> dict[str, Any]:
    data = rectification.model_dump(mode="json", exclude={"org_id"})
    data["photo_url"] = f"/v1/documents/{rectification.photo_sha256}"
    return data


# -- rectifying ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rectified:
    rectification: Rectification
    #: Published on the organisation's alert topic once committed (the regulator listens there too).
    topic: str
    notice: dict[str, Any]


def rectify(
    services: Services,
    member: Member,
    incident_id: str,
    note: str,
    photo: bytes,
    filename: str,
) -> Rectified:
    """Records the organisation's answer to its incident: the photo stored, ``incident.rectified``
    appended (naming the ``incident.detected`` record), the incident marked rectified, one transaction.
    """
    if member.kind != "member":
        raise Forbidden("a device key may not answer incidents; use a member's API key")
    _check_photo(photo)
    note = note.strip()
    if not note:
        raise Unprocessable.field("note", "is empty")
    try:
        check_text(note)
    except ValueError as exc:
        raise Unprocessable.field("note", str(exc)) from exc
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        view = get_incident(session, member, incident_id)
        incident = view.incident
        if incident.org_id != member.org.id:
            raise Forbidden(f"only {view.organisation} may rectify its incident {incident_id}")
        if incident.rectified_at is not None:
            raise Conflict(
                f"incident {incident_id} was rectified already, at {incident.rectified_at.isoformat()}"
            )
        document = store_document(
            session,
            services.settings.documents_dir,
            photo,
            filename or "rectification",
            member.org.id,
        )
        rectification_id = uuid.uuid4().hex
        record = Record(
            kind=IncidentRectified.KIND,
            record_id=f"incident:{incident.id}:rectified",
            time=utc_now(),
            actor=Actor(org=member.org.uscc, key_id=member.key_id),
            subjects=[
                Subject(type="incident", id=incident.id),
                Subject(type="device", id=view.camera),
                Subject(type="org", id=member.org.uscc),
            ],
            payload=IncidentRectified(
                rectification_id=rectification_id,
                incident_id=incident.id,
                incident_record_id=incident.record_id,
                incident_ledger_index=incident.ledger_index,
                camera=view.camera,
                organisation=view.organisation,
                violation=incident.violation,
                note=note,
                photo_sha256=document.sha256,
            ).payload(),
        )
        receipt = services.ledger.append(record, conn=session.connection())
        now = utc_datetime(record.time)
        rectification = Rectification(
            id=rectification_id, incident_id=incident.id, org_id=member.org.id, note=note,
            photo_sha256=document.sha256, key_id=member.key_id, created_at=now,
            record_id=record.record_id, ledger_index=receipt.index,
        )  # fmt: skip
        incident.rectified_at = now
        session.add(incident)
        session.add(rectification)
        session.flush()
        session.refresh(rectification)
        session.expunge(rectification)
    body = {"event": record.kind, "record_id": record.record_id, "index": receipt.index, **record.payload}
    return Rectified(rectification, alert_topic(view.organisation), body)


def _check_photo(photo: bytes) -> str:
    if not photo:
        raise Unprocessable.field("photo", "is empty")
    if len(photo) > MAX_PHOTO_BYTES:
        raise Unprocessable.field("photo", f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    media_type = image_type(photo)
    if media_type is None:
        raise Unprocessable.field("photo", "is not a JPEG, PNG or WebP image")
    return media_type


def publish_notice(mqtt_url: str | None, topic: str, body: dict[str, Any]) -> str:
    """Publishes one notice (QoS 1, MQTT 5); returns how it went. A broker that is down never fails
    the request: the ledger has the record either way."""
    if mqtt_url is None:
        return "none: no MQTT broker configured (SUYUAN_MQTT_URL)"
    try:
        publish_json(mqtt_url, topic, body)
    except MqttError as exc:
        return f"mqtt failed: {exc}"
    return f"mqtt {topic}"
