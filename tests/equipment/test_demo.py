"""The demo's elevators (``suyuan up --demo``), seeded through the API as the demo seeds them: a
dozen elevators, one of them overdue and escalated by the rules, one due soon, one contract ending."""

from __future__ import annotations

import pytest

from evidence import record_from_bytes
from suyuan.demo.equipment import ELEVATORS, UNITS, equipment_code, seed_equipment
from suyuan.demo.network import _Demo
from tests.api.conftest import Api
from tests.equipment._registry import ok
from trace_api.equipment import EquipmentSweeper

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_seeds_a_dozen_elevators_with_one_overdue(api: Api) -> None:
    units = seed_equipment(_Demo(api.client, {"demo-samr": api.regulator_key}))

    listed = ok(api.as_org("samr", "GET", "/v1/equipment", params={"limit": 50}), 200)["equipment"]
    statuses = {e["name"]: e["status"] for e in listed}
    assert len(listed) == len(ELEVATORS) == 12
    assert [name for name, status in statuses.items() if status == "overdue"] == ["世纪大厦 消防梯"]
    assert [name for name, status in statuses.items() if status == "due_soon"] == ["东方路商场 扶梯 1"]
    assert [u["handle"] for u in units] == [u[0] for u in UNITS]
    for unit in units:
        me = ok(
            api.client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {unit['api_key']}"}),
            200,
        )
        assert me["org_type"] == unit["type"]
    rules = {a["rule"] for a in ok(api.as_org("samr", "GET", "/v1/alerts"), 200)["alerts"]}
    assert rules == {"maintenance_overdue", "contract_expiring"}

    overdue = equipment_code(3, "世纪大厦 消防梯")
    assert overdue.startswith("3420")
    # Maintained 20 days ago: recorded 5 days overdue, past the 3 days the inspector is told after.
    assert api.services.ledger.get(f"alert:{_overdue_alert(api)}:opened") is not None
    assert [r for r in _kinds(api, "equipment.overdue_escalated") if r["code"] == overdue]
    changes = EquipmentSweeper(api.services).run_once()
    assert (changes.opened, changes.escalated) == ([], [])  # the seeding left the rules nothing to do
    sites = ok(api.as_org("samr", "GET", "/v1/sites"), 200)["sites"]
    assert sum(1 for s in sites if s["source"] == "equipment") == 12


def _overdue_alert(api: Api) -> str:
    alerts = ok(api.as_org("samr", "GET", "/v1/alerts", params={"rule": "maintenance_overdue"}), 200)[
        "alerts"
    ]
    return str(alerts[0]["id"])


def _kinds(api: Api, kind: str) -> list[dict[str, object]]:
    records = (record_from_bytes(body) for _, body in api.services.ledger.iter_records())
    return [r.payload for r in records if r.kind == kind]
