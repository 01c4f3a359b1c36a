"""Bad input is refused at the edge: a 422 naming the field, and nothing written anywhere."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.api.conftest import Api, batch_payload
from tests.conftest import CORPUS

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
    [(a, t) for a in ("ship", "destroy") for t in IMPOSSIBLE_TIMES]
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


def test_scans_batch_refuses_each_impossible_time_in_its_result_naming_it(admitted: Api) -> None:
    ship = {
        "action": "ship",
        "batch_id": BATCH,
        "counterparty": "wholesale",
        "location": "urn:epc:id:sgln:9506000.13435.0",
    }
    scans = [{**ship, "scan_id": str(uuid.uuid4()), "time": time} for time in IMPOSSIBLE_TIMES]
    scans.append({**ship, "scan_id": str(uuid.uuid4()), "time": "2026-10-01T10:00:00+08:00"})
    before = admitted.services.ledger.size()

    response = admitted.as_org("haixian", "POST", "/v1/scans:batch", json={"scans": scans})

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    refused = results[: len(IMPOSSIBLE_TIMES)]
    assert [r["status"] for r in refused] == ["refused"] * len(IMPOSSIBLE_TIMES), refused
    for i, result in enumerate(refused):
        assert result["problem"]["status"] == 422, result
        assert f"scans[{i}].time" in [e["field"] for e in result["problem"]["errors"]], result
    assert results[-1]["status"] == "recorded", results[-1]  # the batch goes on past them
    assert admitted.services.ledger.size() == before + 1


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
    before = api.services.ledger.size()

    response = api.as_org("partner", "POST", "/epcis/capture", json={})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _fields(response) == ["epcisBody.eventList"]
    assert api.services.ledger.size() == before


def test_epcis_query_with_impossible_time_names_the_parameter(api: Api) -> None:
    api.add_org("partner", "wholesaler")
    response = api.as_org("partner", "GET", "/epcis/events", params={"GE_eventTime": "2026-02-31T00:00:00Z"})

    assert response.status_code == 422
    assert "GE_eventTime" in _fields(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gtin", "٠٩٥٠٦٠٠٠١٣٤٣٥٢"),  # Arabic-Indic digits
        ("gtin", "０９５０６０００１３４３５２"),  # fullwidth digits
        ("lot", "L2026-001\n"),
        ("product_name", "Frozen shrimp\x00"),
        ("producer", "Camaronera\x1b[2J"),
        ("location", "cold store 3\x00"),
    ],
)
def test_batch_with_bad_characters_is_refused_naming_the_field(api: Api, field: str, value: str) -> None:
    api.add_org("haixian", "importer")
    payload = {**batch_payload(api, "haixian"), field: value}
    before = api.services.ledger.size()

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert api.services.ledger.size() == before
    assert api.as_org("haixian", "GET", f"/v1/batches/{BATCH}").status_code == 404


@pytest.mark.parametrize(
    ("production", "expiry", "reason"),
    [
        ("0001-01-01", "9999-12-31", "before 1970"),
        ("2026-09-01", "9999-12-31", "years from now"),
        ("2030-01-01", "2030-06-01", "production_date is in the future"),
        ("2026-09-01", "2026-09-01", "expiry_date is not after production_date"),
    ],
)
def test_batch_with_implausible_dates_is_refused(api: Api, production: str, expiry: str, reason: str) -> None:
    api.add_org("haixian", "importer")
    payload = {**batch_payload(api, "haixian"), "production_date": production, "expiry_date": expiry}

    response = api.as_org("haixian", "POST", "/v1/batches", json=payload)

    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]


def test_names_with_control_characters_are_refused(api: Api) -> None:
    org = {"handle": "nul", "name": "NUL\x00 Co.", "org_type": "retailer", "uscc": "91350100M000100Y43"}
    refused_org = api.as_org("samr", "POST", "/v1/organisations", json={**org, "jurisdiction": "x"})
    api.add_org("shop", "retailer")
    refused_hook = api.as_org("shop", "POST", "/v1/webhooks", json={"url": "https://example.com/\x00"})
    refused_file = api.as_org(
        "shop", "POST", "/v1/documents", files={"file": ("a\x1b.pdf", b"%PDF-1.7", "application/pdf")}
    )

    device = {"name": "cs-01", "kinds": ["temperature"], "location": "cold store\x00"}
    refused_device = api.as_org("shop", "POST", "/v1/devices", json=device)
    recall = {"batch_id": BATCH, "reason": "Vibrio\x00 found", "recall_class": "I"}
    refused_recall = api.as_org("samr", "POST", "/v1/recalls", json=recall)

    assert (refused_org.status_code, refused_hook.status_code, refused_file.status_code) == (422, 422, 422)
    assert (refused_device.status_code, refused_recall.status_code) == (422, 422)
    assert "name" in _fields(refused_org)
    assert "url" in _fields(refused_hook)
    assert "file" in _fields(refused_file)
    assert "location" in _fields(refused_device)
    assert "reason" in _fields(refused_recall)


@pytest.mark.parametrize("time", ["0001-01-01T00:00:00+23:59", "٢٠٢٦-١٠-٠١T10:00:00Z"])
def test_epcis_event_with_impossible_time_fails_its_job(api: Api, time: str) -> None:
    api.add_org("partner", "wholesaler")
    document = json.loads((CORPUS / "epcis" / "JSON" / "Example_9.6.1-ObjectEvent.jsonld").read_text())
    for event in document["epcisBody"]["eventList"]:
        event["eventTime"] = time
    before = api.services.ledger.size()

    response = api.as_org("partner", "POST", "/epcis/capture", json=document)

    assert response.status_code == 202, response.text
    job = api.as_org("partner", "GET", f"/epcis/capture/{response.json()['id']}").json()
    assert job["status"] == "failed"
    assert api.services.ledger.size() == before


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/v1/recalls", "application/json", b"*^\xb8\xc3\xb6"),  # not UTF-8
        ("/v1/documents", "multipart/form-data", b"--x\r\n"),  # no boundary
        (
            "/v1/documents",
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data\r\n\r\n",
        ),
    ],
)
def test_body_that_cannot_be_parsed_is_refused_naming_the_body(
    api: Api, path: str, content_type: str, body: bytes
) -> None:
    before = api.services.ledger.size()
    headers = {**api.headers("samr"), "Content-Type": content_type}

    response = api.client.post(path, content=body, headers=headers)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert _fields(response) == ["body"]
    assert api.services.ledger.size() == before
