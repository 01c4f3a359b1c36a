"""Kitchen incidents for tests, recorded as the camera pipeline records them (without a camera or a
model): the incident recorder of ``ingest.vision`` given a judged candidate over a drawn frame.

Needs OpenCV and NumPy (the ``vision`` extra): import it after ``pytest.importorskip("cv2")``.
"""

from __future__ import annotations

import datetime as dt

import cv2
import httpx
import numpy as np
from sqlmodel import Session

from ingest.vision.detector import Detection
from ingest.vision.incidents import Camera, IncidentRecorder, ModelInfo, RecordedIncident
from ingest.vision.judge import IncidentCandidate
from ingest.vision.pipeline import find_camera
from ingest.vision.sources import Frame, frame_sha256
from tests.api.conftest import Api

ORIGIN = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
MODEL = ModelInfo("ab" * 32, "kitchen-test.onnx sha256:abababababab ultralytics 8.4")
#: The cook's box in every test frame (x1, y1, x2, y2).
COOK_BOX = (100.0, 60.0, 180.0, 280.0)


def camera_frame(shade: int) -> Frame:
    image = np.full((360, 640, 3), shade, np.uint8)
    cv2.rectangle(image, (100, 60), (180, 280), (200, 200, 200), -1)
    return Frame(12.0, image, frame_sha256(image), "frame 60")


def add_camera(api: Api, handle: str, name: str = "cam-1") -> Camera:
    """A camera of the (existing) organisation ``handle``, registered through the API."""
    body = {"name": name, "kinds": ["camera"], "location": f"{handle} kitchen"}
    response = api.as_org(handle, "POST", "/v1/devices", json=body)
    assert response.status_code == 201, response.text
    with Session(api.services.engine) as session:
        return find_camera(session, handle, name)


def record_incident(
    api: Api, camera: Camera, violation: str, shade: int, at: dt.datetime = ORIGIN
) -> RecordedIncident:
    """One incident of ``violation`` over a frame of grey ``shade``, seen from ``at`` + 10 s."""
    services = api.services
    cook = Detection("cook", 0.91, COOK_BOX)
    candidate = IncidentCandidate(
        violation=violation, started_at=10.0, ended_at=13.0, confidence=0.91, track_id=1, best_at=12.0,
        frame=camera_frame(shade), subject=cook, evidence=(), frames_seen=15,
    )  # fmt: skip
    recorder = IncidentRecorder(
        services.engine, services.ledger, services.settings.documents_dir, camera, MODEL
    )
    return recorder.record(candidate, lambda t: at + dt.timedelta(seconds=t))


def photo_png(text: str = "hat on") -> bytes:
    image = np.full((120, 160, 3), 230, np.uint8)
    cv2.putText(image, text, (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0), 2)
    return bytes(cv2.imencode(".png", image)[1].tobytes())


def rectify(
    api: Api, handle: str, incident_id: str, photo: bytes, note: str = "Hats issued; cook retrained."
) -> httpx.Response:
    files = {"photo": ("fixed.png", photo, "image/png")}
    url = f"/v1/incidents/{incident_id}/rectifications"
    response: httpx.Response = api.as_org(handle, "POST", url, files=files, data={"note": note})
    return response


def review(
    api: Api, handle: str, incident_id: str, rectification_id: str, decision: str, note: str = ""
) -> httpx.Response:
    url = f"/v1/incidents/{incident_id}/rectifications/{rectification_id}/review"
    response: httpx.Response = api.as_org(handle, "POST", url, json={"decision": decision, "note": note})
    return response
