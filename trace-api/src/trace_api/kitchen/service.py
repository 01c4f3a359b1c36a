"""Kitchen incidents: who may see them, their pictures, and rectifications with their ledger records.

Pictures (snapshots, the cameras' frames, rectification photos) are stored as documents,
content-addressed under the documents folder and owned by the restaurant, so
``/v1/documents/{sha256}`` serves them with the documents' access rules as well.
A restaurant answers an open incident with a rectification; while a regulator has not reviewed
it, or once one accepted it, another is a conflict (409): the first is already evidence in the
ledger. A rejected rectification reopens the incident and the restaurant rectifies again; the
regulators' reviews are :mod:`.reviews`.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, col, func, select

from evidence import Actor, Record, Subject, utc_datetime, utc_now, write_transaction

from .._paging import newest_after, page_of
from ..devices import alert_topic
from ..devices.models import Device
from ..documents.models import Document
from ..documents.service import document_path, store_document
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import Fact, IncidentDetected, IncidentRectified
from ..notices import OwedNotice, notices_of, owe_notice
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import check_text
from .models import Incident, Rectification, RectificationReview

MAX_PHOTO_BYTES = 20 * 1024 * 1024
#: ``open``: the restaurant must rectify; ``rectified``: a rectification awaits a regulator's
#: review; ``closed``: a regulator accepted one.
IncidentStatus = Literal["open", "rectified", "closed", "all"]
SnapshotSize = Literal["full", "thumb"]
#: The longer side of a snapshot's thumbnail, in pixels.
THUMBNAIL_PIXELS = 320
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
class Answer:
    """A rectification and the regulator's review of it (None while it awaits one)."""

    rectification: Rectification
    review: RectificationReview | None = None
    reviewer: str | None = None  # the reviewing regulator's handle


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    camera: str
    organisation: str
    #: Oldest first; the last is the one that counts.
    answers: tuple[Answer, ...] = ()
    #: Where the camera is, as its organisation named it (its location, or its vehicle's plate).
    site: str | None = None

    @property
    def rectification(self) -> Rectification | None:
        return self.answers[-1].rectification if self.answers else None


def incident_status(incident: Incident) -> str:
    if incident.closed_at is not None:
        return "closed"
    return "open" if incident.rectified_at is None else "rectified"


def _visible(member: Member, incident: Incident) -> bool:
    return member.org.org_type is OrgType.regulator or incident.org_id == member.org.id


def list_incidents(
    session: Session,
    member: Member,
    status: IncidentStatus = "all",
    org: str | None = None,
    violation: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[IncidentView], str | None]:
    """Newest first, a page at a time (keyset): the caller's organisation's incidents, or any
    organisation's for a regulator; and the next page's cursor (None on the last page)."""
    query = (
        select(Incident, Device, Organisation.handle)
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
        query = query.where(col(Incident.rectified_at).is_not(None), col(Incident.closed_at).is_(None))
    elif status == "closed":
        query = query.where(col(Incident.closed_at).is_not(None))
    if violation is not None:
        query = query.where(Incident.violation == violation)
    after = newest_after(session, Incident, cursor, "detected_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Incident.detected_at).desc(), col(Incident.id).desc()).limit(limit + 1)
    rows, next_cursor = page_of(session.exec(query).all(), limit, lambda row: row[0].id)
    answers = _answers(session, [i.id for i, _, _ in rows])
    views = [_view(i, camera, handle, answers.get(i.id, ())) for i, camera, handle in rows]
    return views, next_cursor


def _answers(session: Session, incident_ids: list[str]) -> dict[str, tuple[Answer, ...]]:
    """Each incident's rectifications with their reviews, oldest first."""
    if not incident_ids:
        return {}
    query = (
        select(Rectification, RectificationReview, Organisation.handle)
        .join(
            RectificationReview,
            col(RectificationReview.rectification_id) == Rectification.id,
            isouter=True,
        )
        .join(Organisation, col(Organisation.id) == RectificationReview.org_id, isouter=True)
        .where(col(Rectification.incident_id).in_(incident_ids))
        .order_by(col(Rectification.created_at), col(Rectification.ledger_index))
    )
    found: dict[str, list[Answer]] = {}
    for rectification, review, reviewer in session.exec(query):
        found.setdefault(rectification.incident_id, []).append(Answer(rectification, review, reviewer))
    return {incident_id: tuple(answers) for incident_id, answers in found.items()}


def get_incident(session: Session, member: Member, incident_id: str) -> IncidentView:
    """The incident, if the caller may see it (a restaurant's own; any for a regulator)."""
    incident = session.get(Incident, incident_id)
    if incident is None or not _visible(member, incident):
        raise NotFound(f"no incident {incident_id} that {member.org.handle} may see")
    device = session.get(Device, incident.device_id)
    org = session.get(Organisation, incident.org_id)
    assert device is not None  # foreign keys
    assert org is not None
    return _view(incident, device, org.handle, _answers(session, [incident_id]).get(incident_id, ()))


def _view(incident: Incident, camera: Device, organisation: str, answers: tuple[Answer, ...]) -> IncidentView:
    site = camera.location or camera.vehicle
    return IncidentView(incident, camera.username, organisation, answers, site)


def snapshot_of(session: Session, services: Services, member: Member, incident_id: str) -> tuple[Path, str]:
    """The stored snapshot's path and media type."""
    view = get_incident(session, member, incident_id)
    document = session.get(Document, view.incident.snapshot_sha256)
    path = document_path(services.settings.documents_dir, view.incident.snapshot_sha256)
    if document is None or not path.is_file():
        raise NotFound(f"the snapshot of incident {incident_id} is not stored here")
    return path, document.content_type


def thumbnail(path: Path, pixels: int = THUMBNAIL_PIXELS) -> bytes:
    """The picture at ``path`` scaled down to at most ``pixels`` on its longer side, as JPEG."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (pixels, pixels))  # a JPEG decodes at a fraction of its size
            small = image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise NotFound(f"the picture {path.name} cannot be read: {exc}") from exc
    small.thumbnail((pixels, pixels))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def describe_incident(view: IncidentView) -> dict[str, Any]:
    """The incident with its latest rectification (as in lists)."""
    incident = view.incident
    data = incident.model_dump(mode="json", exclude={"org_id", "device_id", "boxes"})
    latest = view.answers[-1] if view.answers else None
    data.update(
        organisation=view.organisation,
        camera=view.camera,
        site=view.site,
        boxes=json.loads(incident.boxes),
        status=incident_status(incident),
        snapshot_url=f"/v1/incidents/{incident.id}/snapshot",
        thumbnail_url=f"/v1/incidents/{incident.id}/snapshot?size=thumb",
        rectification=None if latest is None else describe_answer(latest),
    )
    return data


def describe_incident_in_full(services: Services, session: Session, view: IncidentView) -> dict[str, Any]:
    """The incident with every rectification and review, and what its ledger record says of the
    frame (its size, for drawing the boxes over it; the lossless frame's URL)."""
    data = describe_incident(view)
    detected = IncidentDetected.of(services.ledger.get(view.incident.record_id, conn=session.connection()))
    data.update(
        frame_size=detected.frame_size,
        frame_at=detected.frame_at,
        frames_seen=detected.frames_seen,
        frame_url=f"/v1/documents/{view.incident.frame_document_sha256}",
        rectifications=[describe_answer(answer) for answer in view.answers],
    )
    return data


def describe_answer(answer: Answer) -> dict[str, Any]:
    data = describe_rectification(answer.rectification)
    data["review"] = None if answer.review is None else describe_review(answer.review, answer.reviewer)
    return data


def describe_rectification(rectification: Rectification) -> dict[str, Any]:
    data = rectification.model_dump(mode="json", exclude={"org_id"})
    data["photo_url"] = f"/v1/documents/{rectification.photo_sha256}"
    return data


def describe_review(review: RectificationReview, reviewer: str | None) -> dict[str, Any]:
    data = review.model_dump(mode="json", exclude={"org_id"})
    data["reviewed_by"] = reviewer
    return data


# -- rectifying ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rectified:
    rectification: Rectification
    #: Owed with the record on the organisation's alert topic (the regulator listens there too)
    #: and its webhooks; the notice sender delivers them after commit.
    notices: list[OwedNotice]


def rectify(
    services: Services,
    member: Member,
    incident_id: str,
    note: str,
    photo: bytes,
    filename: str,
) -> Rectified:
    """Records the organisation's answer to its incident: the photo stored, ``incident.rectified``
    appended (naming the ``incident.detected`` record), the incident marked rectified and its
    notices owed, one transaction.
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
        if incident.closed_at is not None:
            raise Conflict(f"incident {incident_id} was closed at {incident.closed_at.isoformat()}")
        if incident.rectified_at is not None:
            raise Conflict(
                f"incident {incident_id} was rectified already, at {incident.rectified_at.isoformat()}; "
                "the rectification awaits a regulator's review"
            )
        earlier = session.exec(
            select(func.count()).select_from(Rectification).where(Rectification.incident_id == incident.id)
        ).one()
        previous = {} if view.rectification is None else {"previous_rectification_id": view.rectification.id}
        document = store_document(
            session,
            services.settings.documents_dir,
            photo,
            filename or "rectification",
            member.org.id,
        )
        rectification_id = uuid.uuid4().hex
        record = incident_record(
            member,
            view,
            rectification_record_id(incident.id, earlier + 1),
            IncidentRectified(
                rectification_id=rectification_id,
                incident_id=incident.id,
                incident_record_id=incident.record_id,
                incident_ledger_index=incident.ledger_index,
                camera=view.camera,
                organisation=view.organisation,
                violation=incident.violation,
                note=note,
                photo_sha256=document.sha256,
                **previous,
            ),
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
        message = {"record_id": record.record_id, "index": receipt.index, **record.payload}
        notices = owe_incident_notice(services, session, member.org, record, message, now)
        session.flush()
        session.refresh(rectification)
        session.expunge(rectification)
    return Rectified(rectification, notices)


def owe_incident_notice(
    services: Services,
    session: Session,
    org: Organisation,
    record: Record,
    message: dict[str, Any],
    now: dt.datetime,
) -> list[OwedNotice]:
    """The notices of an incident's record owed to its organisation (``suyuan/v1/{org}/alerts``,
    where the regulators listen too, and its webhooks), in the record's transaction; returns them."""
    owe_notice(
        session, event=record.kind, org=org, topic=alert_topic(org.handle), message=message,
        record_id=record.record_id, mqtt_url=services.settings.mqtt_url, now=now,
    )  # fmt: skip
    notices = notices_of(session, [record.record_id])
    for notice in notices:
        session.expunge(notice)
    return notices


def incident_record(member: Member, view: IncidentView, record_id: str, fact: Fact) -> Record:
    """A member's record about an incident (a rectification, a review): about the incident, its
    camera and the member's organisation, now."""
    return Record(
        kind=fact.KIND,
        record_id=record_id,
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[
            Subject(type="incident", id=view.incident.id),
            Subject(type="device", id=view.camera),
            Subject(type="org", id=member.org.uscc),
        ],
        payload=fact.payload(),
    )


def rectification_record_id(incident_id: str, number: int) -> str:
    """The ledger record id of an incident's ``number``-th rectification (from 1)."""
    first = f"incident:{incident_id}:rectified"
    return first if number == 1 else f"{first}:{number}"


def _check_photo(photo: bytes) -> str:
    if not photo:
        raise Unprocessable.field("photo", "is empty")
    if len(photo) > MAX_PHOTO_BYTES:
        raise Unprocessable.field("photo", f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    media_type = image_type(photo)
    if media_type is None:
        raise Unprocessable.field("photo", "is not a JPEG, PNG or WebP image")
    return media_type
