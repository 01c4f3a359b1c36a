"""``POST /v1/incidents/{id}/rectifications/{rid}/review``: a regulator accepts or rejects a kitchen's
rectification, once; a rejection reopens the incident, an acceptance closes it. Also the incident
list's keyset pages and the snapshot's thumbnail."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("cv2")  # incidents are recorded as the camera pipeline records them

from PIL import Image

from ingest.vision.incidents import RecordedIncident
from tests._facts import assert_facts_round_trip
from tests._kitchen import ORIGIN, add_camera, photo_png, record_incident, rectify, review
from tests.api.conftest import Api
from trace_api.facts import IncidentRectified, IncidentReviewed


@dataclass
class Kitchen:
    api: Api
    incident: RecordedIncident

    @property
    def id(self) -> str:
        return self.incident.incident_id

    def get(self, handle: str = "samr") -> dict[str, Any]:
        response = self.api.as_org(handle, "GET", f"/v1/incidents/{self.id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def rectified(self, note: str = "Hats issued; cook retrained.") -> str:
        response = rectify(self.api, "canteen", self.id, photo_png(), note)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@pytest.fixture
def kitchen(api: Api) -> Kitchen:
    """Restaurant ``canteen`` whose camera recorded one incident (no chef hat); a wholesaler."""
    api.add_org("canteen", "restaurant")
    api.add_org("wholesale", "wholesaler")
    return Kitchen(api, record_incident(api, add_camera(api, "canteen"), "no_chef_hat", 60))


def _open_incidents(api: Api) -> int:
    response = api.as_org("samr", "GET", "/v1/overview")
    assert response.status_code == 200, response.text
    return int(response.json()["alerts"]["open_by_kind"]["kitchen_incident"])


def test_rejection_reopens_the_incident_and_acceptance_closes_it(kitchen: Kitchen) -> None:
    api = kitchen.api
    assert _open_incidents(api) == 1
    first = kitchen.rectified("Hats ordered.")
    assert kitchen.get()["status"] == "rectified"
    assert _open_incidents(api) == 0

    rejected = review(api, "samr", kitchen.id, first, "rejected", "The photo shows no hat on the cook.")
    assert rejected.status_code == 201, rejected.text
    answer = rejected.json()
    assert (answer["decision"], answer["incident_status"], answer["reviewed_by"]) == (
        "rejected",
        "open",
        "samr",
    )
    assert answer["record_id"] == f"incident:{kitchen.id}:rectified:reviewed"
    assert answer["notified_via"] == "mqtt suyuan/v1/canteen/alerts pending"
    incident = kitchen.get("canteen")
    assert incident["status"] == "open"
    assert [r["review"]["decision"] for r in incident["rectifications"]] == ["rejected"]
    assert incident["rectification"]["review"]["note"] == "The photo shows no hat on the cook."
    assert _open_incidents(api) == 1

    second = kitchen.rectified("Every cook wears a hat now; photo attached.")
    assert kitchen.get()["status"] == "rectified"
    accepted = review(api, "samr", kitchen.id, second, "accepted")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["incident_status"] == "closed"
    incident = kitchen.get()
    assert incident["status"] == "closed"
    assert incident["closed_at"] == accepted.json()["created_at"]
    assert [(r["id"], r["review"]["decision"]) for r in incident["rectifications"]] == [
        (first, "rejected"),
        (second, "accepted"),
    ]
    assert _open_incidents(api) == 0
    closed = api.as_org("samr", "GET", "/v1/incidents", params={"status": "closed"}).json()
    assert [i["id"] for i in closed["incidents"]] == [kitchen.id]
    awaiting = api.as_org("samr", "GET", "/v1/incidents", params={"status": "rectified"}).json()
    assert awaiting["incidents"] == []

    again = rectify(api, "canteen", kitchen.id, photo_png())
    assert again.status_code == 409
    assert "closed" in again.json()["detail"]


def test_every_rectification_and_review_is_a_ledger_record(kitchen: Kitchen) -> None:
    api = kitchen.api
    first = kitchen.rectified()
    assert review(api, "samr", kitchen.id, first, "rejected", "No photo of the hats.").status_code == 201
    second = kitchen.rectified()
    assert review(api, "samr", kitchen.id, second, "accepted", "Checked on site.").status_code == 201

    records = api.services.ledger.about("incident", kitchen.id)
    base = f"incident:{kitchen.id}"
    assert [(r.kind, r.record_id) for r in records] == [
        ("incident.detected", base),
        ("incident.rectified", f"{base}:rectified"),
        ("incident.reviewed", f"{base}:rectified:reviewed"),
        ("incident.rectified", f"{base}:rectified:2"),
        ("incident.reviewed", f"{base}:rectified:2:reviewed"),
    ]
    assert IncidentRectified.of(records[3]).previous_rectification_id == first
    accepted = IncidentReviewed.of(records[4])
    assert (accepted.rectification_id, accepted.decision, accepted.note) == (
        second,
        "accepted",
        "Checked on site.",
    )
    assert accepted.rectification_ledger_index == records[3].index
    assert records[4].record().actor.org == api.as_org("samr", "GET", "/v1/organisations/me").json()["uscc"]
    assert {IncidentRectified.KIND, IncidentReviewed.KIND} <= assert_facts_round_trip(api.services.ledger)


@pytest.mark.parametrize("handle", ["canteen", "wholesale"])
def test_only_a_regulator_reviews(kitchen: Kitchen, handle: str) -> None:
    rectification = kitchen.rectified()
    refused = review(kitchen.api, handle, kitchen.id, rectification, "accepted")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "only regulator organisations" in refused.json()["detail"]
    assert kitchen.get()["status"] == "rectified"
    assert kitchen.api.services.ledger.about("incident", kitchen.id)[-1].kind == "incident.rectified"


@pytest.mark.parametrize("first", ["accepted", "rejected"])
def test_reviewing_twice_is_a_conflict(kitchen: Kitchen, first: str) -> None:
    rectification = kitchen.rectified()
    assert review(kitchen.api, "samr", kitchen.id, rectification, first, "Seen.").status_code == 201
    twice = review(kitchen.api, "samr", kitchen.id, rectification, "accepted", "Seen again.")
    assert twice.status_code == 409, twice.text
    assert f"was {first} already" in twice.json()["detail"]
    assert kitchen.get()["status"] == ("closed" if first == "accepted" else "open")


def test_a_rectification_awaiting_review_blocks_another(kitchen: Kitchen) -> None:
    kitchen.rectified()
    again = rectify(kitchen.api, "canteen", kitchen.id, photo_png())
    assert again.status_code == 409
    assert "awaits a regulator's review" in again.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "rejected", "note": "   "}, "note"),
        ({"decision": "rejected"}, "note"),
        ({"decision": "maybe", "note": "x"}, "decision"),
        ({"decision": "accepted", "note": "fine\x1b[2J"}, "note"),
    ],
    ids=["blank-note-rejecting", "no-note-rejecting", "unknown-decision", "control-character"],
)
def test_review_needs_a_decision_and_a_note_to_reject(
    kitchen: Kitchen, body: dict[str, str], field: str
) -> None:
    rectification = kitchen.rectified()
    url = f"/v1/incidents/{kitchen.id}/rectifications/{rectification}/review"
    response = kitchen.api.as_org("samr", "POST", url, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert kitchen.get()["status"] == "rectified"


def test_review_of_an_unknown_rectification_is_not_found(kitchen: Kitchen) -> None:
    api = kitchen.api
    other = record_incident(api, add_camera(api, "canteen", "cam-2"), "no_mask", 90)
    rectification = kitchen.rectified()
    assert review(api, "samr", kitchen.id, "0" * 32, "accepted").status_code == 404
    assert review(api, "samr", other.incident_id, rectification, "accepted").status_code == 404
    assert review(api, "samr", "0" * 32, rectification, "accepted").status_code == 404


def test_incidents_page_by_keyset_newest_first(kitchen: Kitchen) -> None:
    api = kitchen.api
    camera = add_camera(api, "canteen", "cam-2")
    later = [record_incident(api, camera, "smoking", 100 + i).incident_id for i in range(3)]
    newest_first = [*reversed(later), kitchen.id]
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.as_org("samr", "GET", "/v1/incidents", params=params).json()
        seen += [i["id"] for i in page["incidents"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first
    bad = api.as_org("samr", "GET", "/v1/incidents", params={"cursor": "bm90IGFuIGluY2lkZW50"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_snapshot_thumbnail_is_a_small_jpeg(kitchen: Kitchen) -> None:
    api = kitchen.api
    listed = api.as_org("samr", "GET", "/v1/incidents").json()["incidents"][0]
    assert listed["thumbnail_url"] == f"/v1/incidents/{kitchen.id}/snapshot?size=thumb"
    thumb = api.as_org("samr", "GET", listed["thumbnail_url"])
    assert thumb.status_code == 200, thumb.text
    assert thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.size == (320, 180)  # the 640 × 360 frame, halved
    full = api.as_org("samr", "GET", listed["snapshot_url"])
    assert len(thumb.content) < len(full.content)
    assert api.as_org("wholesale", "GET", listed["thumbnail_url"]).status_code == 404
    assert api.as_org("samr", "GET", listed["snapshot_url"], params={"size": "huge"}).status_code == 422


def test_incident_names_its_frame_for_drawing_the_boxes(kitchen: Kitchen) -> None:
    incident = kitchen.get()
    assert incident["frame_size"] == [640, 360]
    assert incident["frame_url"] == f"/v1/documents/{kitchen.incident.frame_document_sha256}"
    assert incident["started_at"] == (ORIGIN.replace(second=10)).isoformat().replace("+00:00", "Z")
