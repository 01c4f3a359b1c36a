"""Read-your-writes: every answer that names a new resource (201/202 with a Location) is sent after
its transaction commits, so reading the Location at once finds it, over a real server, every time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from tests.api.conftest import Api
from trace_api.app import create_app
from trace_api.context import get_write_session
from trace_api.server import start_server

ROUNDS = 200


@pytest.fixture
def served(api: Api) -> Iterator[httpx.Client]:
    api.add_org("partner", "wholesaler")
    url, stop = start_server(create_app(api.services), "127.0.0.1", 0)
    with httpx.Client(base_url=url, headers=api.headers("partner"), timeout=60) as client:
        yield client
    stop()


def _event(n: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-06-01T08:00:00.{n:03d}Z",
        "eventTimeZoneOffset": "+08:00",
        "epcList": [f"urn:epc:id:sgtin:6901234.012345.{n}"],
        "action": "OBSERVE",
        "bizStep": "receiving",
    }


def test_each_capture_job_and_event_is_readable_at_its_location_at_once(served: httpx.Client) -> None:
    from trace_api.epcis import EPCIS_CONTEXT

    missing: list[str] = []
    for n in range(ROUNDS):
        document = {
            "@context": [EPCIS_CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-06-01T00:00:00Z",
            "epcisBody": {"eventList": [_event(2 * n)]},
        }
        for response in (
            served.post("/epcis/capture", json=document),
            served.post("/epcis/events", json={"@context": EPCIS_CONTEXT, **_event(2 * n + 1)}),
        ):
            assert response.status_code in (201, 202), response.text
            read = served.get(response.headers["Location"])
            if read.status_code != 200:
                missing.append(f"{response.headers['Location']}: {read.status_code}")
    assert missing == []


def test_audit_is_readable_at_its_location_at_once(api: Api, served: httpx.Client) -> None:
    regulator = {"Authorization": f"Bearer {api.keys['samr']}"}

    started = served.post("/v1/audits", headers=regulator)
    read = served.get(started.headers["Location"], headers=regulator)

    assert started.status_code == 202, started.text
    assert read.status_code == 200, read.text


def test_every_route_that_writes_through_a_write_session_commits_before_answering(api: Api) -> None:
    """A WriteSession dependency scoped to the request would commit after the answer is sent."""
    late = []
    for route in create_app(api.services).routes:
        if not isinstance(route, APIRoute):
            continue
        pending = list(route.dependant.dependencies)
        while pending:
            dependency = pending.pop()
            pending.extend(dependency.dependencies)
            if dependency.call is get_write_session and dependency.scope != "function":
                late.append(f"{sorted(route.methods)} {route.path}")
    assert late == []
