"""``/v1/incidents``: who sees kitchen incidents and their snapshots, and who rectifies them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import httpx
import pytest

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

from ingest.vision.incidents import RecordedIncident  # noqa: E402  (after the skip: needs the vision extra)
from ingest.vision.sources import frame_sha256  # noqa: E402
from tests._kitchen import add_camera, camera_frame, photo_png, record_incident, rectify  # noqa: E402
from trace_api.kitchen.routes import router as kitchen_router  # noqa: E402

from .conftest import Api  # noqa: E402


@dataclass
class Kitchens:
    api: Api
    canteen_incident: RecordedIncident
    noodles_incident: RecordedIncident


@pytest.fixture
def kitchens(api: Api) -> Kitchens:
    """Restaurants ``canteen`` and ``noodles``, each with a camera that recorded one incident."""
    if not any(getattr(r, "path", "") == "/v1/incidents" for r in api.client.app.routes):  # type: ignore[attr-defined]
        api.client.app.include_router(kitchen_router)  # type: ignore[attr-defined]
    recorded = {}
    for handle, violation, shade in (("canteen", "no_chef_hat", 60), ("noodles", "rodent", 90)):
        api.add_org(handle, "restaurant")
        recorded[handle] = record_incident(api, add_camera(api, handle), violation, shade)
    return Kitchens(api, recorded["canteen"], recorded["noodles"])


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["incidents"]]


def test_restaurant_sees_its_own_incidents_and_the_regulator_all(kitchens: Kitchens) -> None:
    api, canteen, noodles = (
        kitchens.api,
        kitchens.canteen_incident.incident_id,
        kitchens.noodles_incident.incident_id,
    )
    assert ids(api.as_org("canteen", "GET", "/v1/incidents")) == [canteen]
    assert ids(api.as_org("noodles", "GET", "/v1/incidents")) == [noodles]
    assert sorted(ids(api.as_org("samr", "GET", "/v1/incidents"))) == sorted([canteen, noodles])
    assert ids(api.as_org("samr", "GET", "/v1/incidents", params={"org": "noodles"})) == [noodles]
    assert ids(api.as_org("samr", "GET", "/v1/incidents", params={"violation": "no_chef_hat"})) == [canteen]
    refused = api.as_org("canteen", "GET", "/v1/incidents", params={"org": "noodles"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert api.client.get("/v1/incidents").status_code == 401


def test_incident_carries_its_evidence_and_matches_the_ledger(kitchens: Kitchens) -> None:
    api, recorded = kitchens.api, kitchens.canteen_incident
    response = api.as_org("canteen", "GET", f"/v1/incidents/{recorded.incident_id}")
    assert response.status_code == 200, response.text
    incident = response.json()
    assert incident["camera"] == "canteen/cam-1"
    assert incident["site"] == "canteen kitchen"  # the camera's location, as named (its place is a key)
    assert incident["organisation"] == "canteen"
    assert (incident["violation"], incident["status"], incident["rectification"]) == (
        "no_chef_hat",
        "open",
        None,
    )
    assert incident["started_at"].startswith("2026-11-27T08:00:10")
    assert incident["boxes"] == [
        {"class": "cook", "role": "subject", "confidence": 0.91, "box": [100, 60, 180, 280]}
    ]
    record = api.services.ledger.get(recorded.record_id).record()
    assert record.kind == "incident.detected"
    for key in ("snapshot_sha256", "frame_sha256", "frame_document_sha256", "model_sha256", "model_version"):
        assert incident[key] == record.payload[key], key
    assert record.payload["frame_sha256"] == camera_frame(60).sha256
    assert incident["ledger_index"] == api.services.ledger.get(recorded.record_id).index


def test_snapshot_is_served_to_the_restaurant_and_regulator_only(kitchens: Kitchens) -> None:
    api, recorded = kitchens.api, kitchens.canteen_incident
    url = f"/v1/incidents/{recorded.incident_id}/snapshot"
    for handle in ("canteen", "samr"):
        response = api.as_org(handle, "GET", url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "image/jpeg"
        assert hashlib.sha256(response.content).hexdigest() == recorded.snapshot_sha256
    assert api.as_org("noodles", "GET", url).status_code == 404
    assert api.as_org("noodles", "GET", f"/v1/incidents/{recorded.incident_id}").status_code == 404
    # The snapshot and the unannotated frame are the restaurant's documents too.
    frame = api.as_org("canteen", "GET", f"/v1/documents/{recorded.frame_document_sha256}")
    decoded = cv2.imdecode(np.frombuffer(frame.content, np.uint8), cv2.IMREAD_COLOR)
    assert frame_sha256(decoded) == camera_frame(60).sha256  # the lossless frame proves the frame hash


def test_rectification_is_stored_recorded_and_answers_the_incident(kitchens: Kitchens) -> None:
    api, recorded = kitchens.api, kitchens.canteen_incident
    photo = photo_png()
    response = rectify(api, "canteen", recorded.incident_id, photo)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["photo_sha256"] == hashlib.sha256(photo).hexdigest()
    assert answer["notified_via"] == "mqtt suyuan/v1/canteen/alerts pending"
    stored = api.as_org("samr", "GET", answer["photo_url"])
    assert stored.status_code == 200
    assert stored.content == photo
    assert stored.headers["content-type"] == "image/png"
    kinds = [(s.kind, s.record_id) for s in api.services.ledger.about("incident", recorded.incident_id)]
    assert kinds == [
        ("incident.detected", recorded.record_id),
        ("incident.rectified", f"incident:{recorded.incident_id}:rectified"),
    ]
    payload = api.services.ledger.get(answer["record_id"]).record().payload
    assert payload["incident_record_id"] == recorded.record_id
    assert payload["photo_sha256"] == answer["photo_sha256"]
    assert payload["note"] == "Hats issued; cook retrained."
    incident = api.as_org("samr", "GET", f"/v1/incidents/{recorded.incident_id}").json()
    assert incident["status"] == "rectified"
    assert incident["rectification"]["id"] == answer["id"]
    assert ids(api.as_org("canteen", "GET", "/v1/incidents", params={"status": "open"})) == []
    assert ids(api.as_org("canteen", "GET", "/v1/incidents", params={"status": "rectified"})) == [
        recorded.incident_id
    ]
    again = rectify(api, "canteen", recorded.incident_id, photo)
    assert again.status_code == 409
    assert "rectified already" in again.json()["detail"]


def test_only_the_incidents_organisation_rectifies_with_a_member_key(kitchens: Kitchens) -> None:
    api, incident_id = kitchens.api, kitchens.canteen_incident.incident_id
    assert rectify(api, "noodles", incident_id, photo_png()).status_code == 404
    by_regulator = rectify(api, "samr", incident_id, photo_png())
    assert by_regulator.status_code == 403
    assert "only canteen may rectify" in by_regulator.json()["detail"]
    key = api.as_org(
        "canteen", "POST", "/v1/organisations/me/keys", params={"kind": "device", "label": "cam"}
    )
    api.keys["canteen-device"] = key.json()["api_key"]
    assert rectify(api, "canteen-device", incident_id, photo_png()).status_code == 403
    assert api.services.ledger.about("incident", incident_id)[-1].kind == "incident.detected"


@pytest.mark.parametrize(
    ("photo", "note", "field"),
    [
        (b"plain text, not a picture", "fixed", "photo"),
        (b"", "fixed", "photo"),
        (None, "   ", "note"),
        (None, "fixed\x1b[2J", "note"),
    ],
    ids=["not-an-image", "empty-photo", "blank-note", "control-character-in-note"],
)
def test_rectification_needs_a_picture_and_a_note(
    kitchens: Kitchens, photo: bytes | None, note: str, field: str
) -> None:
    picture = photo if photo is not None else photo_png()
    response = rectify(kitchens.api, "canteen", kitchens.canteen_incident.incident_id, picture, note)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_unknown_incident_is_not_found(kitchens: Kitchens) -> None:
    response = kitchens.api.as_org("samr", "GET", "/v1/incidents/0123456789abcdef/snapshot")
    assert response.status_code == 404
    assert response.json()["type"] == "https://suyuan.dev/problems/not-found"
