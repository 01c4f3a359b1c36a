"""The OpenAPI document against the running app: generated requests (schemathesis) to every
operation, as a regulator, as an importer holding a lot and without a key, must never answer
5xx, and every answer must be one the document declares, with the declared content type.

Random identifiers only ever reach "not found", so half the generated requests have their path
parameters and body identifiers replaced by ones that exist (a lot with codes, a recalled lot,
a document, a device), and bodies of admissions, scans and recalls are drawn as a valid request
with generated fields laid over it: the requests reach admission, scan and recall rules.
Bounded: a fixed number of examples per operation, derandomised so that a failure reproduces.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api, batch_payload
from trace_api.problems import PROBLEM_JSON

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Answers 503 by design while no anchorer runs (as here): its answers are checked against the document only.
READINESS = "/readyz"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def seeded(api: Api) -> tuple[Api, dict[str, Any]]:
    """A network with an importer holding an admitted lot with codes, a recalled lot, a device,
    a retailer; and the identifiers of what exists, by parameter name."""
    api.add_org("haixian", "importer")
    api.add_org("shop", "retailer")
    admission = batch_payload(api, "haixian")
    batch = api.as_org("haixian", "POST", "/v1/batches", json=admission).json()
    codes = api.as_org("haixian", "POST", f"/v1/batches/{batch['id']}/codes", json={"count": 3}).json()
    other = api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian", lot="L2026-002"))
    recall = api.as_org(
        "samr",
        "POST",
        "/v1/recalls",
        json={"batch_id": other.json()["id"], "reason": "test", "recall_class": "I"},
    )
    assert recall.status_code == 201, recall.text
    device = {
        "name": "cs-01",
        "kinds": ["temperature"],
        "location": "cold store 1",
        "storage_class": "frozen",
    }
    assert api.as_org("haixian", "POST", "/v1/devices", json=device).status_code == 201
    known: dict[str, Any] = {
        "batch_id": batch["id"],
        "gtin": batch["gtin"],
        "lot": batch["lot"],
        "serial": codes["codes"][0].rsplit("/", 1)[-1],
        "sha256": admission["certificates"][0]["document_sha256"],
        "recall_id": recall.json()["id"],
        "name": "cs-01",
        "counterparty": "shop",
    }
    bodies = {
        ("POST", "/v1/batches"): {**admission, "lot": "L2026-003"},
        ("POST", "/v1/scans"): {
            "action": "ship",
            "batch_id": batch["id"],
            "counterparty": "shop",
            "location": "urn:epc:id:sgln:0614141.00777.0",
        },
        ("POST", "/v1/recalls"): {"batch_id": batch["id"], "reason": "schemathesis", "recall_class": "II"},
        ("POST", "/v1/recalls/{recall_id}/acknowledgements"): {"quantity_quarantined": 10},
        ("POST", "/v1/recalls/{recall_id}/lift"): {"reason": "schemathesis"},
    }
    known["bodies"] = bodies
    return api, known


def test_openapi_declares_problem_answers_for_every_operation(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == "/livez":
                continue
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            assert {"404", "503"} <= errors.keys(), (method, path)
            assert all(PROBLEM_JSON in r["content"] for r in errors.values()), (method, path)


@pytest.mark.parametrize("caller", ["samr", "haixian", None])
def test_api_answers_generated_requests_as_documented(
    seeded: tuple[Api, dict[str, Any]], caller: str | None
) -> None:
    api, known = seeded
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    headers = api.headers(caller) if caller else {}
    failures: list[str] = []
    answered: dict[str, list[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            answered[operation.label] = _exercise(operation, headers, known)
        except Exception as exc:  # collected per operation, so that one run reports them all
            failures.append(f"{operation.label}: {str(exc).strip()[:800]}")
    assert not failures, "\n\n".join(failures)
    if caller == "haixian":  # the overlays reach the rules: admissions, scans and codes succeed
        for label in ("POST /v1/batches", "POST /v1/scans", "POST /v1/batches/{batch_id}/codes"):
            assert any(200 <= s < 300 for s in answered[label]), (label, answered[label])


def _exercise(operation: Any, headers: dict[str, str], known: dict[str, Any]) -> list[int]:
    """Runs the operation's examples; returns the statuses it answered."""
    valid_body = known["bodies"].get((operation.method.upper(), operation.path))
    statuses: list[int] = []
    checks = [c for c in CHECKS if c is not not_a_server_error] if operation.path == READINESS else CHECKS

    @given(case=operation.as_strategy(), data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, data: st.DataObject) -> None:
        if data.draw(st.booleans(), label="known identifiers"):
            for name in case.path_parameters or {}:
                if name in known:
                    case.path_parameters[name] = known[name]
            if valid_body is not None:
                overlay = case.body if isinstance(case.body, dict) else {}
                kept = data.draw(st.sets(st.sampled_from(sorted(overlay)), max_size=2)) if overlay else set()
                case.body = {**valid_body, **{k: overlay[k] for k in kept}}
        statuses.append(case.call_and_validate(headers=headers, checks=checks).status_code)

    run()
    return statuses
