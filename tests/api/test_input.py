"""Bad input is refused at the edge: a 422 naming the field, and nothing written anywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload

BATCH = "09506000134352.L2026-001"
IMPOSSIBLE_TIMES = [
    "2026-02-31T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "2026-10-01T25:61:00Z",
    "٢٠٢٦-١٠-٠١T10:00:00Z",
    "2026-10-01T10:00:00+24:00",
    "0001-01-01T00:00:00+23:59",
    "2026-10-01T10:00:00Z\n",
]


@pytest.fixture
def admitted(api: Api) -> Api:
    api.add_org("haixian", "importer")
    api.add_org("wholesale", "wholesaler")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    return api


def _fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json().get("errors", [])]


@pytest.mark.parametrize(
    ("action", "time"),
    [("ship", t) for t in IMPOSSIBLE_TIMES]
    + [(a, IMPOSSIBLE_TIMES[0]) for a in ("receive", "sell", "split")],
)
def test_scan_with_impossible_time_is_refused_naming_time(admitted: Api, action: str, time: str) -> None:
    body: dict[str, Any] = {
        "action": action,
        "batch_id": BATCH,
        "counterparty": "wholesale",
        "location": "urn:epc:id:sgln:9506000.13435.0",
        "time": time,
        "children": [{"lot": "L2026-001A", "quantity": 1}],
    }
    before = admitted.services.ledger.size()
    response = admitted.as_org("haixian", "POST", "/v1/scans", json=body)

    assert response.status_code == 422, response.text
    assert "time" in _fields(response)
    assert admitted.services.ledger.size() == before


def test_ship_after_refused_time_still_works(admitted: Api) -> None:
    body = {
        "action": "ship",
        "batch_id": BATCH,
        "counterparty": "wholesale",
        "location": "urn:epc:id:sgln:9506000.13435.0",
    }
    refused = admitted.as_org(
        "haixian", "POST", "/v1/scans", json={**body, "time": "0001-01-01T00:00:00+23:59"}
    )
    shipped = admitted.as_org("haixian", "POST", "/v1/scans", json=body)

    assert (refused.status_code, shipped.status_code) == (422, 201), shipped.text


def test_epcis_capture_of_empty_object_is_a_problem(api: Api) -> None:
    api.add_org("partner", "wholesaler")
    response = api.as_org("partner", "POST", "/epcis/capture", json={})

    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_epcis_query_with_impossible_time_names_the_parameter(api: Api) -> None:
    api.add_org("partner", "wholesaler")
    response = api.as_org("partner", "GET", "/epcis/events", params={"GE_eventTime": "2026-02-31T00:00:00Z"})

    assert response.status_code == 422
    assert "GE_eventTime" in _fields(response)
