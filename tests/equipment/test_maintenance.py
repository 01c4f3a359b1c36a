"""Maintenance from the maintainer's phone: the due time it moves, a position too far from the
elevator flagged and kept, who may record it, bad input, the history's pages, and the status an
elevator shows as its clock runs."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from PIL import Image

from evidence import record_from_bytes
from tests.api.conftest import Api
from tests.equipment._registry import (
    MAINTAINER,
    OTHER_MAINTAINER,
    SITE,
    USER,
    code,
    maintain,
    ok,
    refused,
    register,
    setup_registry,
    visit,
)
from trace_api.equipment import EquipmentRules, distance_m

#: One kilometre north of the elevators, in degrees of latitude.
KM_NORTH = 1000 / 111_195


@pytest.fixture
def registry(api: Api) -> Api:
    setup_registry(api)
    register(api, 1)
    return api


def _maintained(api: Api) -> list[dict[str, Any]]:
    found = []
    for _, body in api.services.ledger.iter_records():
        record = record_from_bytes(body)
        if record.kind == "equipment.maintained":
            found.append(record.payload)
    return found


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_distance_is_the_great_circle_one() -> None:
    assert distance_m(*SITE, SITE[0] + KM_NORTH, SITE[1]) == pytest.approx(1000, abs=1)
    # Shanghai People's Square to Lujiazui's Oriental Pearl Tower: about 2.7 km.
    assert distance_m(31.2304, 121.4737, 31.2397, 121.4998) == pytest.approx(2700, rel=0.05)


def test_maintenance_on_site_moves_the_due_time(registry: Api) -> None:
    png = registry.upload(MAINTAINER, _png(), "brake.png")
    done = maintain(registry, 1, photos=[png], note="制动器间隙已调整")

    assert done["too_far"] is False
    assert done["distance_m"] == 0
    assert done["photos"] == [png]
    assert done["maintainer"] == MAINTAINER
    detail = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)
    performed = dt.datetime.fromisoformat(done["performed_at"])
    assert dt.datetime.fromisoformat(detail["last_maintained_at"]) == performed
    assert dt.datetime.fromisoformat(detail["due_at"]) == performed + dt.timedelta(days=15)
    assert [m["id"] for m in detail["maintenance"]] == [done["id"]]
    [payload] = _maintained(registry)
    assert payload["items"] == visit()["items"]
    assert payload["too_far"] is False
    assert payload["photos"] == [png]


def test_maintenance_far_from_the_elevator_is_flagged_and_kept(registry: Api) -> None:
    far = maintain(registry, 1, latitude=SITE[0] + KM_NORTH)

    assert far["too_far"] is True
    assert far["distance_m"] == pytest.approx(1000, abs=1)
    [payload] = _maintained(registry)
    assert payload["too_far"] is True
    assert payload["distance_m"] == far["distance_m"]
    detail = ok(registry.as_org("samr", "GET", f"/v1/equipment/{code(1)}"), 200)
    assert detail["last_maintained_at"] == far["performed_at"]  # kept: it still counts

    registry.client.app.state.equipment_rules = EquipmentRules(too_far_metres=2000)  # type: ignore[attr-defined]
    assert maintain(registry, 1, latitude=SITE[0] + KM_NORTH)["too_far"] is False


def test_only_the_maintenance_unit_records_maintenance(registry: Api) -> None:
    path = f"/v1/equipment/{code(1)}/maintenance"
    refused(registry.as_org(USER, "POST", path, json=visit()), 403)
    refused(registry.as_org("samr", "POST", path, json=visit()), 403)
    refused(registry.as_org(OTHER_MAINTAINER, "POST", path, json=visit()), 404)
    assert _maintained(registry) == []


def test_maintenance_refuses_bad_input_naming_the_field(registry: Api) -> None:
    path = f"/v1/equipment/{code(1)}/maintenance"
    now = dt.datetime.now(dt.UTC)
    pdf = registry.upload(MAINTAINER, b"%PDF-1.4 not a picture")
    someone_elses = registry.upload(USER, _png(), "theirs.png")
    cases = [
        ({"items": []}, "items"),
        ({"items": ["machine_room", "wash_the_car"]}, "items"),
        ({"items": ["brake", "brake"]}, "items"),
        ({"photos": ["ABC"]}, "photos"),
        ({"photos": [pdf]}, "photos.0"),
        ({"photos": [someone_elses]}, "photos.0"),
        ({"latitude": 0, "longitude": 0}, "longitude"),
        ({"longitude": 181}, "longitude"),
        ({"technician": ""}, "technician"),
        ({"performed_at": (now + dt.timedelta(hours=1)).isoformat()}, "performed_at"),
        ({"performed_at": (now - dt.timedelta(days=31)).isoformat()}, "performed_at"),
        ({"performed_at": "2026-12-01T09:30:00"}, "performed_at"),
        ({"accuracy_m": -3}, "accuracy_m"),
    ]
    for changes, field in cases:
        refused(registry.as_org(MAINTAINER, "POST", path, json={**visit(), **changes}), 422, field)
    assert _maintained(registry) == []


def test_a_late_record_counts_from_when_it_was_done_and_never_moves_the_due_time_back(registry: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    recent = maintain(registry, 1, performed_at=(now - dt.timedelta(days=2)).isoformat())
    older = maintain(registry, 1, performed_at=(now - dt.timedelta(days=9)).isoformat())

    detail = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}"), 200)
    assert detail["last_maintained_at"] == recent["performed_at"]
    due = dt.datetime.fromisoformat(detail["due_at"])
    assert due == dt.datetime.fromisoformat(recent["performed_at"]) + dt.timedelta(days=15)
    assert [m["id"] for m in detail["maintenance"]] == [recent["id"], older["id"]]


def test_history_pages_latest_first(registry: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    ids = [
        maintain(registry, 1, performed_at=(now - dt.timedelta(days=d)).isoformat())["id"] for d in (5, 1, 3)
    ]
    seen, cursor = [], None
    while True:
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(registry.as_org(USER, "GET", f"/v1/equipment/{code(1)}/maintenance", params=query), 200)
        seen += [m["id"] for m in page["maintenance"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [ids[1], ids[2], ids[0]]


def test_status_follows_the_clock_and_the_maintenance(registry: Api) -> None:
    register(registry, 2)
    start = dt.datetime.now(dt.UTC)
    app = registry.client.app
    statuses: dict[str, str] = {}

    def status_at(days: float, **query: str) -> dict[str, str]:
        app.state.equipment_clock = lambda: start + dt.timedelta(days=days)  # type: ignore[attr-defined]
        page = ok(registry.as_org("samr", "GET", "/v1/equipment", params=query), 200)
        return {e["code"]: e["status"] for e in page["equipment"]}

    statuses = status_at(1)
    assert statuses == {code(1): "normal", code(2): "normal"}
    assert status_at(13) == {code(1): "due_soon", code(2): "due_soon"}
    assert status_at(16) == {code(1): "overdue", code(2): "overdue"}
    assert status_at(16, status="overdue") == {code(1): "overdue", code(2): "overdue"}
    maintain(registry, 2, performed_at=(start + dt.timedelta(days=16)).isoformat())
    assert status_at(16) == {code(1): "overdue", code(2): "normal"}
    assert status_at(16, status="due") == {code(1): "overdue"}
    assert status_at(16, status="normal") == {code(2): "normal"}
    assert status_at(29, status="due_soon") == {code(2): "due_soon"}
    due_first = ok(registry.as_org("samr", "GET", "/v1/equipment", params={"order": "due", "limit": 1}), 200)
    assert [e["code"] for e in due_first["equipment"]] == [code(1)]
    rest = {"order": "due", "cursor": due_first["next_cursor"]}
    assert [
        e["code"] for e in ok(registry.as_org("samr", "GET", "/v1/equipment", params=rest), 200)["equipment"]
    ] == [code(2)]
