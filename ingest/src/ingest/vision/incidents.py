"""Incidents into the evidence ledger: the snapshot stored, the record appended, the alert owed.

For each incident the judge completes, one database transaction stores two pictures as documents
of the camera's organisation, content-addressed: the snapshot (the best frame as JPEG with the
violation's boxes and labels drawn) and the frame itself, lossless PNG, whose decoded pixels
hash to the record's ``frame_sha256``. It appends an ``incident.detected`` record naming the
camera, the organisation, the span, the violation, the confidence, the boxes, both pictures'
SHA-256 and the model's, adds the incident row, and owes the incident's notice
(``trace_api.notices``) on the organisation's alert topic ``suyuan/v1/{org}/alerts`` and its
webhooks; the notice sender delivers it after commit, retrying while the broker is away. The
regulator subscribes to ``suyuan/v1/+/alerts``, so that one topic reaches both the restaurant and
the regulator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from evidence import Actor, Ledger, Record, Subject, rfc3339, write_transaction
from trace_api.devices import Device, alert_topic
from trace_api.documents import store_document
from trace_api.facts import IncidentDetected
from trace_api.kitchen import Incident
from trace_api.notices import owe_notice
from trace_api.orgs.models import Organisation

from .._process import Notice
from .detector import Detection
from .judge import IncidentCandidate
from .sources import CameraError, Frame, Image

INCIDENT_KIND = IncidentDetected.KIND
JPEG_QUALITY = 90
_SUBJECT_BGR, _EVIDENCE_BGR = (0, 0, 255), (0, 165, 255)


@dataclass(frozen=True)
class Camera:
    """A registered camera and its organisation."""

    device: Device
    org: Organisation


@dataclass(frozen=True)
class ModelInfo:
    sha256: str
    version: str


@dataclass(frozen=True)
class RecordedIncident:
    incident_id: str
    record_id: str
    ledger_index: int
    snapshot_sha256: str
    frame_document_sha256: str
    #: The alert as the notice sender delivers it on its topic (owed with the record).
    notice: Notice


def draw_snapshot(image: Image, candidate: IncidentCandidate[Any]) -> Image:
    """A copy of the frame with the subject's box (red) and the evidence boxes (orange), labelled."""
    import cv2

    canvas = image.copy()
    thickness = max(2, round(min(canvas.shape[:2]) / 240))
    for detection, colour, label in _labelled(candidate):
        x1, y1, x2, y2 = (round(v) for v in detection.box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour, thickness)
        scale = thickness / 4
        (w, h), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = y1 - h - base - 2 if y1 - h - base - 2 >= 0 else y1 + 1
        cv2.rectangle(canvas, (x1, top), (x1 + w + 4, top + h + base + 2), colour, -1)
        cv2.putText(canvas, label, (x1 + 2, top + h + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1)
    return canvas


def _labelled(candidate: IncidentCandidate[Any]) -> list[tuple[Detection, tuple[int, int, int], str]]:
    subject = candidate.subject
    labels = [(subject, _SUBJECT_BGR, f"{candidate.violation} {candidate.confidence:.2f}")]
    labels += [(d, _EVIDENCE_BGR, f"{d.class_name} {d.confidence:.2f}") for d in candidate.evidence]
    return labels


def encode(image: Image, extension: str, params: list[int] | None = None) -> bytes:
    import cv2

    ok, data = cv2.imencode(extension, image, params or [])
    if not ok:
        raise CameraError(f"OpenCV could not encode a {extension} picture")
    return bytes(data.tobytes())


def box_list(candidate: IncidentCandidate[Any]) -> list[dict[str, Any]]:
    roles = [("subject", candidate.subject)] + [("evidence", d) for d in candidate.evidence]
    return [
        {
            "class": d.class_name,
            "role": role,
            "confidence": round(d.confidence, 4),
            "box": [round(v, 1) for v in d.box],
        }
        for role, d in roles
    ]


class IncidentRecorder:
    """Writes the incidents of one camera: one transaction each. ``mqtt_url``: the broker the
    alerts are owed on (None: the organisation's webhooks only)."""

    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        documents_dir: Path,
        camera: Camera,
        model: ModelInfo,
        mqtt_url: str | None = None,
    ) -> None:
        self.engine, self.ledger, self.documents_dir = engine, ledger, documents_dir
        self.camera, self.model, self.mqtt_url = camera, model, mqtt_url

    def record(
        self, candidate: IncidentCandidate[Frame], when: Callable[[float], dt.datetime]
    ) -> RecordedIncident:
        """Stores the pictures, appends ``incident.detected``, adds the incident row and owes its
        notice, in one transaction; returns what was recorded."""
        frame = candidate.frame
        snapshot = encode(draw_snapshot(frame.image, candidate), ".jpg", [_jpeg_quality(), JPEG_QUALITY])
        original = encode(frame.image, ".png")
        device, org = self.camera.device, self.camera.org
        incident_id = uuid.uuid4().hex
        started, ended, best = when(candidate.started_at), when(candidate.ended_at), when(candidate.best_at)
        boxes = box_list(candidate)
        snapshot_sha256 = hashlib.sha256(snapshot).hexdigest()
        frame_document_sha256 = hashlib.sha256(original).hexdigest()
        height, width = frame.image.shape[:2]
        detected = IncidentDetected(
            incident_id=incident_id,
            camera=device.username,
            organisation=org.handle,
            place=device.place,
            location=device.location,
            violation=candidate.violation,
            started_at=rfc3339(started),
            ended_at=rfc3339(ended),
            confidence=round(candidate.confidence, 4),
            frames_seen=candidate.frames_seen,
            boxes=boxes,
            snapshot_sha256=snapshot_sha256,
            snapshot_type="image/jpeg",
            frame_sha256=frame.sha256,
            frame_document_sha256=frame_document_sha256,
            frame_at=rfc3339(best),
            frame_position=frame.position,
            frame_size=[int(width), int(height)],
            model_sha256=self.model.sha256,
            model_version=self.model.version,
        )
        payload = detected.payload()
        record = Record(
            kind=INCIDENT_KIND,
            record_id=f"incident:{incident_id}",
            time=rfc3339(ended),
            actor=Actor(org=org.uscc, key_id=f"device:{device.username}"),
            subjects=[
                Subject(type="incident", id=incident_id),
                Subject(type="device", id=device.username),
                Subject(type="org", id=org.uscc),
            ],
            payload=payload,
        )
        with write_transaction(self.engine, self.ledger.lock_name) as conn, Session(bind=conn) as session:
            name = f"incident-{incident_id}"
            store_document(session, self.documents_dir, snapshot, f"{name}.jpg", org.id)
            store_document(session, self.documents_dir, original, f"{name}-frame.png", org.id)
            session.flush()  # documents before the incident row that refers to them
            receipt = self.ledger.append(record, conn=session.connection())
            session.add(
                Incident(
                    id=incident_id, org_id=org.id, device_id=device.id, violation=candidate.violation,
                    place=device.place, started_at=started, ended_at=ended,
                    detected_at=dt.datetime.now(dt.UTC), confidence=candidate.confidence,
                    boxes=json.dumps(boxes), snapshot_sha256=snapshot_sha256,
                    frame_sha256=frame.sha256, frame_document_sha256=frame_document_sha256,
                    model_sha256=self.model.sha256, model_version=self.model.version[:200],
                    record_id=record.record_id, ledger_index=receipt.index,
                )
            )  # fmt: skip
            session.flush()
            message = {"record_id": record.record_id, "index": receipt.index, **payload}
            message["snapshot_url"] = f"/v1/incidents/{incident_id}/snapshot"
            owe_notice(
                session, event=INCIDENT_KIND, org=org, topic=alert_topic(org.handle), message=message,
                record_id=record.record_id, mqtt_url=self.mqtt_url, now=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        notice = Notice(alert_topic(org.handle), {"event": INCIDENT_KIND, **message})
        return RecordedIncident(
            incident_id, record.record_id, receipt.index, snapshot_sha256, frame_document_sha256, notice
        )


def _jpeg_quality() -> int:
    import cv2

    return int(cv2.IMWRITE_JPEG_QUALITY)
