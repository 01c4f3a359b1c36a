"""Elevators on the regulators' map (``GET /v1/sites``): after organisations and devices, each with
its status and open alerts, paged by the same cursor, and one elevator's site detail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.equipment._registry import (
    MAINTAINER,
    SITE,
    USER,
    code,
    maintain,
    ok,
    refused,
    register,
    setup_registry,
)


@pytest.fixture
def registry(api: Api) -> Api:
    """Two elevators: one maintained yesterday, one last maintained 20 days ago (overdue); and a
    positioned organisation, which comes first on the map."""
    setup_registry(api)
    register(api, 1)
    register(api, 2)
    now = dt.datetime.now(dt.UTC)
    maintain(api, 1, performed_at=(now - dt.timedelta(days=1)).isoformat())
    maintain(api, 2, performed_at=(now - dt.timedelta(days=20)).isoformat())
    position = {"latitude": 31.2, "longitude": 121.5, "address": "浦东"}
    ok(api.as_org(USER, "PUT", f"/v1/organisations/{USER}/position", json=position), 200)
    return api


def _sites(api: Api, **params: Any) -> dict[str, Any]:
    return dict(ok(api.as_org("samr", "GET", "/v1/sites", params=params), 200))


def test_elevators_come_after_organisations_with_their_status_and_alerts(registry: Api) -> None:
    sites = _sites(registry)["sites"]

    assert [s["id"] for s in sites] == [f"org:{USER}", f"equipment:{code(1)}", f"equipment:{code(2)}"]
    assert "status" not in sites[0]
    first, overdue = sites[1], sites[2]
    assert (first["kind"], first["source"], first["status"], first["open_alerts"]) == (
        "elevator",
        "equipment",
        "normal",
        0,
    )
    assert (first["latitude"], first["longitude"], first["org"]) == (SITE[0], SITE[1], USER)
    assert first["place"] == "PD-LJZ-03 · 王芳"
    assert (overdue["status"], overdue["open_by_kind"]) == ("overdue", {"maintenance_overdue": 1})
    alerting = _sites(registry, alerting="true")["sites"]
    assert [s["id"] for s in alerting if s["source"] == "equipment"] == [f"equipment:{code(2)}"]


def test_one_cursor_pages_through_organisations_devices_and_elevators(registry: Api) -> None:
    seen, cursor = [], None
    while True:
        page = _sites(registry, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [s["id"] for s in page["sites"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [f"org:{USER}", f"equipment:{code(1)}", f"equipment:{code(2)}"]


def test_elevator_site_detail_lists_its_open_alerts(registry: Api) -> None:
    detail = ok(registry.as_org("samr", "GET", f"/v1/sites/equipment:{code(2)}"), 200)

    assert detail["status"] == "overdue"
    [alert] = detail["alerts"]
    assert (alert["kind"], alert["device"]) == ("maintenance_overdue", None)
    refused(registry.as_org("samr", "GET", f"/v1/sites/equipment:{code(9)}"), 404)
    refused(registry.as_org(MAINTAINER, "GET", "/v1/sites"), 403)
