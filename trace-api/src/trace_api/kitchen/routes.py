"""``/v1/incidents``: kitchen-camera incidents for their restaurant and the regulators; rectifications.

A restaurant (or canteen) sees its own incidents, a regulator every organisation's; anyone else
gets 404 for an incident, as for a document. Only the incident's organisation answers it, with a
member API key, once (409 after that).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import FileResponse
from sqlmodel import Session

from ..auth import CurrentMember
from ..context import get_services, get_session
from ..errors import Unprocessable
from ..services import Services
from .service import (
    MAX_PHOTO_BYTES,
    IncidentStatus,
    describe_incident,
    describe_rectification,
    get_incident,
    list_incidents,
    publish_notice,
    rectify,
    snapshot_of,
)

router = APIRouter(prefix="/v1/incidents", tags=["kitchen"])


@router.get("")
def incidents(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    status: IncidentStatus = "all",
    org: str | None = None,
    violation: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Incidents, newest first: the caller's organisation's, or every one's (or ``org``'s) for a regulator."""
    views = list_incidents(session, member, status, org, violation, limit)
    return {"incidents": [describe_incident(v) for v in views]}


@router.get("/{incident_id}")
def incident(
    incident_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    return describe_incident(get_incident(session, member, incident_id))


@router.get("/{incident_id}/snapshot")
def snapshot(
    incident_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> FileResponse:
    """The stored snapshot (the frame with the violation's boxes drawn); its SHA-256 is in the ledger."""
    path, media_type = snapshot_of(session, services, member, incident_id)
    return FileResponse(path, media_type=media_type)


@router.post("/{incident_id}/rectifications", status_code=201)
def add_rectification(
    incident_id: str,
    photo: UploadFile,
    note: Annotated[str, Form(min_length=1, max_length=2000)],
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
) -> dict[str, Any]:
    """The restaurant's rectification (整改): a photo of the fix and a note; recorded in the ledger
    as ``incident.rectified`` and published on the organisation's alert topic."""
    data = photo.file.read(MAX_PHOTO_BYTES + 1)  # a plain def: writing and publishing leave the event loop
    if len(data) > MAX_PHOTO_BYTES:
        raise Unprocessable.field("photo", f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    done = rectify(services, member, incident_id, note, data, photo.filename or "rectification")
    published = publish_notice(services.settings.mqtt_url, done.topic, done.notice)
    return {**describe_rectification(done.rectification), "notified_via": published}
