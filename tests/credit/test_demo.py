"""``suyuan up --demo``'s credit grades: a pass of the grader over what was seeded, written to
``credit-demo.json``; a second run reads nothing again and records nothing."""

from __future__ import annotations

import json

import pytest

from suyuan.demo.credit import DEMO_FILE, seed_credit
from tests.credit.conftest import Credit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_demo_grades_what_was_seeded_once(credit: Credit) -> None:
    credit.org("demo-lifts", "user_unit")
    credit.alert("demo-lifts", "maintenance_overdue")
    services = credit.api.services

    info = seed_credit(services)

    assert info["grades"] == [{"org": "demo-lifts", "grade": "A", "score": 95}]
    assert json.loads((services.settings.data_dir / DEMO_FILE).read_text()) == info
    size = services.ledger.size()
    again = seed_credit(services)
    assert again["records_read"] == 0
    assert again["grades"] == info["grades"]
    assert services.ledger.size() == size
