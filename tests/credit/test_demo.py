"""``suyuan up --demo``'s credit grades: a pass of the grader over what was seeded, written to
``credit-demo.json``; a second run reads nothing again and records nothing."""

from __future__ import annotations

import json

import pytest

from suyuan.demo.credit import DEMO_FILE, INSPECTORS, seed_credit
from tests.api.conftest import make_uscc
from tests.credit.conftest import Credit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_grades_what_was_seeded_once(credit: Credit) -> None:
    credit.org("demo-lifts", "user_unit")
    credit.alert("demo-lifts", "maintenance_overdue")
    services = credit.api.services

    info = seed_credit(services)

    assert info["grades"] == [{"org": "demo-lifts", "grade": "A", "score": 95}]
    assert info["plan"] is None  # no demo regulator here: no plan
    assert json.loads((services.settings.data_dir / DEMO_FILE).read_text()) == info
    size = services.ledger.size()
    again = seed_credit(services)
    assert again["records_read"] == 0
    assert again["grades"] == info["grades"]
    assert services.ledger.size() == size


def test_demo_regulator_gets_the_month_plan_once(credit: Credit) -> None:
    api = credit.api
    data = {"handle": "demo-samr", "name": "演示监管局", "org_type": "regulator", "uscc": make_uscc(),
            "jurisdiction": "Shanghai"}  # fmt: skip
    assert api.client.post("/v1/organisations", json=data, headers=api.headers("samr")).status_code == 201
    credit.org("demo-lifts", "user_unit")

    first = seed_credit(api.services)
    again = seed_credit(api.services)

    assert first["plan"] is not None
    assert again["plan"] == first["plan"]
    plans = api.as_org("samr", "GET", "/v1/credit/plans").json()["plans"]
    assert [p["id"] for p in plans] == [first["plan"]]
    assert [d["org"] for d in plans[0]["draws"]] == ["demo-lifts"]
    assert set(plans[0]["draws"][0]["inspectors"]) <= set(INSPECTORS)  # registered, then drawn from
