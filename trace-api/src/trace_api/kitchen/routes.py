"""``/v1/incidents``: kitchen-camera incidents for their restaurant and the regulators; rectifications.

A restaurant (or canteen) sees its own incidents, a regulator every organisation's; anyone else
gets 404 for an incident, as for a document. Only the incident's organisation answers it, with a
member API key, while it is open (409 while a rectification awaits review or once it is closed).
A regulator accepts (closes) or rejects (reopens) each rectification, once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..context import get_services, get_session
from ..errors import Unprocessable
from ..notices import describe_notice, notified_via
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .reviews import ReviewIn, review_rectification
from .service import (
    MAX_PHOTO_BYTES,
    IncidentStatus,
    SnapshotSize,
    describe_incident,
    describe_incident_in_full,
    describe_rectification,
    describe_review,
    get_incident,
    incident_status,
    list_incidents,
    rectify,
    snapshot_of,
    thumbnail,
)

router = APIRouter(prefix="/v1/incidents", tags=["kitchen"])


@router.get("")
def incidents(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    status: IncidentStatus = "all",
    org: Annotated[str | None, Query(max_length=64, description="an organisation's handle")] = None,
    violation: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Incidents, newest first, a page at a time: the caller's organisation's, or every one's (or
    ``org``'s) for a regulator. ``status``: ``open`` (to rectify), ``rectified`` (awaiting a
    regulator's review), ``closed`` (accepted), ``all``."""
    views, next_cursor = list_incidents(session, member, status, org, violation, limit, cursor)
    return {"incidents": [describe_incident(v) for v in views], "next_cursor": next_cursor}


@router.get("/{incident_id}")
def incident(
    incident_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> dict[str, Any]:
    """The incident with every rectification and its review, oldest first, and the frame's size."""
    return describe_incident_in_full(services, session, get_incident(session, member, incident_id))


@router.get(
    "/{incident_id}/snapshot",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}}, "description": "the snapshot, or its thumbnail"}},
)
def snapshot(
    incident_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    size: SnapshotSize = "full",
) -> Response:
    """The stored snapshot (the frame with the violation's boxes drawn); its SHA-256 is in the ledger.
    ``size=thumb``: a JPEG at most 320 pixels on its longer side, for lists."""
    path, media_type = snapshot_of(session, services, member, incident_id)
    if size == "thumb":
        return Response(thumbnail(path), media_type="image/jpeg")
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
    as ``incident.rectified``, with its notices owed on the organisation's alert topic and webhooks
    (``notices``; sent after commit, retried until delivered)."""
    data = photo.file.read(MAX_PHOTO_BYTES + 1)  # a plain def: writing leaves the event loop
    if len(data) > MAX_PHOTO_BYTES:
        raise Unprocessable.field("photo", f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    done = rectify(services, member, incident_id, note, data, photo.filename or "rectification")
    return {
        **describe_rectification(done.rectification),
        "notified_via": notified_via(done.notices),
        "notices": [describe_notice(n) for n in done.notices],
    }


@router.post("/{incident_id}/rectifications/{rectification_id}/review", status_code=201)
def review(
    incident_id: str,
    rectification_id: str,
    data: ReviewIn,
    member: Regulator,
    services: Annotated[Services, Depends(get_services)],
) -> dict[str, Any]:
    """A regulator's decision on a rectification (整改复核), once: ``accepted`` closes the incident,
    ``rejected`` (with a note saying what to fix) reopens it for another rectification. Recorded
    as ``incident.reviewed``, with its notices owed on the restaurant's alert topic and webhooks
    (``notices``; sent after commit, retried until delivered)."""
    done = review_rectification(services, member, incident_id, rectification_id, data)
    return {
        **describe_review(done.review, done.reviewer),
        "incident_status": incident_status(done.incident),
        "notified_via": notified_via(done.notices),
        "notices": [describe_notice(n) for n in done.notices],
    }
