"""Warnings through the API: the list by level, one warning with its evidence records, and its
workflow (assign, handle, close) with roles and jurisdiction checked, each step a ledger record."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, make_uscc
from trace_api.risk import RiskEvaluator, default_rules

from .conftest import excursion


@pytest.fixture
def raised(api: Api) -> str:
    """One open warning about ``coldstore`` (Shanghai); regulators samr, samr-pudong (Shanghai) and
    samr-beijing (Beijing)."""
    api.add_org("coldstore", "importer")
    api.add_org("samr-pudong", "regulator")
    beijing = {
        "handle": "samr-beijing",
        "name": "Beijing",
        "org_type": "regulator",
        "jurisdiction": "Beijing",
    }
    response = api.as_org("samr", "POST", "/v1/organisations", json={**beijing, "uscc": make_uscc()})
    assert response.status_code == 201, response.text
    api.keys["samr-beijing"] = response.json()["api_key"]
    for day in (0, 1, 2):
        excursion(api, "coldstore", day)
    (warning,) = RiskEvaluator(api.services, default_rules()).run_once()
    return warning.id


def _post(api: Api, handle: str, warning_id: str, action: str, **body: Any) -> Any:
    return api.as_org(handle, "POST", f"/v1/risk/warnings/{warning_id}/{action}", json=body)


def test_a_warning_is_assigned_handled_and_closed_each_step_a_record(api: Api, raised: str) -> None:
    listed = api.as_org("samr", "GET", "/v1/risk/warnings").json()
    assert [w["id"] for w in listed["warnings"]] == [raised]
    assert listed["active_by_level"] == {"red": 0, "orange": 1, "yellow": 0, "blue": 0}
    shown = api.as_org("samr", "GET", f"/v1/risk/warnings/{raised}").json()
    assert [r["kind"] for r in shown["evidence_records"]] == ["alert.opened"] * 3
    assert shown["evidence_records"][0]["payload"]["device"] == "coldstore/t1"
    assert shown["organisation"] == "coldstore"

    assigned = _post(api, "samr", raised, "assign", assignee="samr-pudong", note="请浦东分局核查")
    assert assigned.status_code == 201, assigned.text
    assert (assigned.json()["status"], assigned.json()["assignee"]) == ("assigned", "samr-pudong")
    not_assignee = _post(api, "samr", raised, "handle", note="已核查")
    assert not_assignee.status_code == 403
    handled = _post(api, "samr-pudong", raised, "handle", note="现场检查，冷库压缩机故障已修复")
    assert handled.status_code == 201, handled.text
    closed = _post(api, "samr", raised, "close", note="办结")
    assert closed.json()["status"] == "closed"
    assert _post(api, "samr", raised, "close", note="again").status_code == 409

    history = api.as_org("samr", "GET", f"/v1/risk/warnings/{raised}").json()["history"]
    assert [h["kind"] for h in history] == [
        "risk.warning_raised", "risk.warning_assigned", "risk.warning_handled", "risk.warning_closed",
    ]  # fmt: skip
    assert history[2]["payload"]["note"] == "现场检查，冷库压缩机故障已修复"
    assert api.as_org("samr", "GET", "/v1/risk/warnings").json()["warnings"] == []
    assert len(api.as_org("samr", "GET", "/v1/risk/warnings?status=closed").json()["warnings"]) == 1


def test_only_regulators_of_the_jurisdiction_act_on_a_warning(api: Api, raised: str) -> None:
    elsewhere = _post(api, "samr-beijing", raised, "assign", assignee="samr-beijing")
    assert elsewhere.status_code == 403
    assert "Beijing" in elsewhere.json()["detail"]
    firm = api.as_org("coldstore", "GET", f"/v1/risk/warnings/{raised}")
    assert firm.status_code == 403
    assert api.as_org("coldstore", "GET", "/v1/risk/warnings").status_code == 403
    assert _post(api, "coldstore", raised, "close", note="x").status_code == 403


def test_bad_input_is_answered_naming_the_field(api: Api, raised: str) -> None:
    not_a_regulator = _post(api, "samr", raised, "assign", assignee="coldstore")
    assert not_a_regulator.status_code == 422
    assert not_a_regulator.headers["content-type"] == "application/problem+json"
    assert not_a_regulator.json()["errors"][0]["field"] == "assignee"
    other_place = _post(api, "samr", raised, "assign", assignee="samr-beijing")
    assert other_place.json()["errors"][0]["field"] == "assignee"
    empty = _post(api, "samr", raised, "close", note="")
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"].endswith("note")
    assert api.as_org("samr", "GET", "/v1/risk/warnings?level=purple").status_code == 422
    assert api.as_org("samr", "GET", "/v1/risk/warnings/RW-none").status_code == 404


def test_rules_and_progress_are_shown_to_regulators(api: Api, raised: str) -> None:
    rules = api.as_org("samr", "GET", "/v1/risk/rules").json()
    assert rules["version"] == default_rules().version
    assert len(rules["rules"]) == 5
    progress = api.as_org("samr", "GET", "/v1/risk/progress").json()
    assert (progress["behind"], progress["warnings_raised"]) == (0, 1)
    ready = api.client.get("/readyz").json()
    assert ready["parts"]["risk_cursor"]["warnings_raised"] == 1
