"""Who may do what: regulators add inspectors, only an inspector's key records inspections, and
only for its regulator's jurisdiction; an inspector's key does nothing else."""

from __future__ import annotations

from tests.enforcement.conftest import Enforcement


def test_inspector_key_refused_for_regulator_actions(enforcement: Enforcement) -> None:
    api = enforcement.api
    enforcement.inspector("wang")
    data = {
        "handle": "x1",
        "name": "X",
        "org_type": "restaurant",
        "uscc": "91310000MA1FL8TQ7K",
        "jurisdiction": "Shanghai",
    }
    admitted = api.as_org("wang", "POST", "/v1/organisations", json=data)
    assert admitted.status_code == 403, admitted.text
    assert "inspector" in admitted.json()["detail"]
    added = enforcement.add_inspector("li", regulator="wang")
    assert added.status_code == 403, added.text
    issued = api.as_org("wang", "POST", "/v1/organisations/me/keys")
    assert issued.status_code == 403
    assert "inspector's key acts on inspections only" in issued.json()["detail"]


def test_regulator_member_key_does_not_record_inspections(enforcement: Enforcement) -> None:
    enforcement.api.add_org("noodles", "restaurant")
    response = enforcement.record("samr", "noodles")
    assert response.status_code == 403, response.text
    assert "inspector" in response.json()["detail"]


def test_only_regulators_add_inspectors(enforcement: Enforcement) -> None:
    enforcement.api.add_org("noodles", "restaurant")
    response = enforcement.add_inspector("li", regulator="noodles")
    assert response.status_code == 403, response.text


def test_inspector_acts_only_in_its_regulators_jurisdiction(enforcement: Enforcement) -> None:
    api = enforcement.api
    enforcement.add_regulator("hzsamr", "Hangzhou")
    api.add_org("noodles", "restaurant")  # in Shanghai
    enforcement.inspector("chen", regulator="hzsamr")
    response = enforcement.record("chen", "noodles")
    assert response.status_code == 403, response.text
    assert "Hangzhou" in response.json()["detail"]
    mine = enforcement.inspector("wang")
    assert mine["name"] == "王建国"
    shanghai = enforcement.recorded("wang", "noodles")
    assert api.as_org("hzsamr", "GET", f"/v1/enforcement/inspections/{shanghai['id']}").status_code == 404


def test_badge_number_is_unique(enforcement: Enforcement) -> None:
    assert enforcement.add_inspector("a", badge="3101000001").status_code == 201
    again = enforcement.add_inspector("b", badge="3101000001")
    assert again.status_code == 409, again.text
