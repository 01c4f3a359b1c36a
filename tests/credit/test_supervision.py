"""Grades drive supervision: the monthly plan drawn at random (双随机) by grade, reproducible from
its record; credit repair restoring a grade; the blacklist and the public disclosure."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.credit.conftest import Credit, assert_explained
from tests.enforcement.conftest import Enforcement
from tests.enforcement.conftest import enforcement as enforcement  # a fixture
from trace_api.credit.facts import CreditPlanDrawn
from trace_api.credit.plans import draw_plan

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
INSPECTORS = ["王强 31001", "李娜 31002", "张伟 31003", "刘洋 31004"]


def _graded_firms(credit: Credit) -> None:
    """Twelve A firms, two B, one D (a revoked-like pile of cold-chain and kitchen evidence)."""
    for i in range(12):
        credit.org(f"a-firm-{i:02d}", "retailer")
    for handle in ("b-firm-1", "b-firm-2"):
        credit.org(handle)
        for _ in range(3):
            credit.incident(handle)
    credit.org("d-firm", "wholesaler")
    for _ in range(5):
        credit.incident("d-firm")
        credit.alert("d-firm", "temperature")
    credit.regrade()


def test_plan_draws_by_grade_and_is_drawn_again_from_its_record(credit: Credit) -> None:
    _graded_firms(credit)
    credit.inspectors(*INSPECTORS)
    api = credit.api
    seed = "5eed" * 8

    answer = api.as_org(
        "samr", "POST", "/v1/credit/plans", json={"period": "2026-04", "inspectors": INSPECTORS, "seed": seed}
    )

    assert answer.status_code == 201, answer.text
    plan = answer.json()
    grades = Counter(d["grade"] for d in plan["draws"])
    assert grades == {"A": 1, "B": 1, "D": 1}  # ceil(12/12), ceil(2×2/12), every D firm
    assert "d-firm" in [d["org"] for d in plan["draws"]]
    for draw in plan["draws"]:
        assert len(set(draw["inspectors"])) == 2
        assert set(draw["inspectors"]) <= set(INSPECTORS)
    stored = api.services.ledger.get(plan["record_id"]).record()
    fact = CreditPlanDrawn.of(stored)
    assert fact.seed == seed
    assert len(fact.population) == 15
    again = draw_plan(fact.population, fact.inspectors, fact.seed, fact.inspections_per_year)
    assert [d.model_dump() for d in again] == [d.model_dump() for d in fact.draws]
    assert [d.model_dump() for d in fact.draws] == plan["draws"]

    twice = api.as_org(
        "samr", "POST", "/v1/credit/plans", json={"period": "2026-04", "inspectors": INSPECTORS}
    )
    assert twice.status_code == 409
    drawn = api.as_org("samr", "POST", "/v1/credit/plans", json={"period": "2026-05"})
    assert drawn.status_code == 201, drawn.text
    assert drawn.json()["seed"] != seed  # the server drew one, and recorded it
    # No inspectors named: drawn from the regulator's registered inspectors, all of them.
    drawn_fact = CreditPlanDrawn.of(api.services.ledger.get(drawn.json()["record_id"]))
    assert drawn_fact.inspectors == sorted(INSPECTORS)
    listed = api.as_org("samr", "GET", "/v1/credit/plans").json()["plans"]
    assert [p["period"] for p in listed] == ["2026-05", "2026-04"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2026-13", "inspectors": INSPECTORS}, "period"),
        ({"period": "2026-04", "inspectors": ["王强 31001"]}, "inspectors"),
        ({"period": "2026-04", "inspectors": INSPECTORS, "seed": "not hex"}, "seed"),
    ],
)
def test_plan_bad_input_names_the_field(credit: Credit, body: dict[str, Any], field: str) -> None:
    credit.inspectors(*INSPECTORS)
    answer = credit.api.as_org("samr", "POST", "/v1/credit/plans", json=body)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_plan_draws_only_the_regulators_registered_inspectors(
    credit: Credit, enforcement: Enforcement
) -> None:
    credit.org("shop", "retailer")
    api = credit.api
    none_yet = api.as_org("samr", "POST", "/v1/credit/plans", json={"period": "2026-04"})
    assert none_yet.status_code == 409
    assert [e["field"] for e in none_yet.json()["errors"]] == ["inspectors"]
    assert "samr has 0 registered inspector(s)" in none_yet.json()["detail"]

    enforcement.add_regulator("pudong-samr", "Shanghai")
    credit.inspectors("赵六 31009", regulator="pudong-samr")
    credit.inspectors(*INSPECTORS[:2])
    theirs = api.as_org(
        "samr", "POST", "/v1/credit/plans", json={"period": "2026-04", "inspectors": ["王强", "赵六 31009"]}
    )
    assert theirs.status_code == 422
    assert theirs.headers["content-type"].startswith("application/problem+json")
    assert theirs.json()["errors"] == [
        {"field": "inspectors[1]", "reason": "'赵六 31009' is not a registered inspector of samr"}
    ]

    by_badge_and_name = api.as_org(
        "samr", "POST", "/v1/credit/plans", json={"period": "2026-04", "inspectors": ["31002", "王强"]}
    )
    assert by_badge_and_name.status_code == 201, by_badge_and_name.text
    [draw] = by_badge_and_name.json()["draws"]
    assert draw["inspectors"] == sorted(INSPECTORS[:2])


def test_plan_only_by_a_regulator(credit: Credit) -> None:
    credit.org("shop", "retailer")
    answer = credit.api.as_org(
        "shop", "POST", "/v1/credit/plans", json={"period": "2026-04", "inspectors": INSPECTORS}
    )
    assert answer.status_code == 403


def test_repair_accepted_restores_the_grade_as_a_new_record(credit: Credit) -> None:
    api = credit.api
    credit.org("lapsed")
    for _ in range(4):
        credit.incident("lapsed")
    credit.regrade()
    assert credit.grade("lapsed").json()["grade"] == "B"
    proof = api.upload("lapsed", b"%PDF-1.4 rectification report", "整改报告.pdf")

    wrong = api.as_org(
        "lapsed",
        "POST",
        "/v1/credit/repairs",
        json={"statement": "已全部整改并培训员工。", "evidence": ["0" * 64]},
    )
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["evidence.0"]
    applied = api.as_org(
        "lapsed",
        "POST",
        "/v1/credit/repairs",
        json={"statement": "已全部整改并培训员工。", "evidence": [proof]},
    )
    assert applied.status_code == 201, applied.text
    repair_id = applied.json()["id"]
    assert (
        api.as_org(
            "lapsed",
            "POST",
            "/v1/credit/repairs",
            json={"statement": "再次申请信用修复，补充材料。", "evidence": [proof]},
        ).status_code
        == 409
    )
    assert (
        api.as_org(
            "lapsed",
            "POST",
            f"/v1/credit/repairs/{repair_id}/review",
            json={"decision": "accept", "opinion": "同意"},
        ).status_code
        == 403
    )
    pending = api.as_org("samr", "GET", "/v1/credit/repairs", params={"status": "pending"}).json()["repairs"]
    assert [r["id"] for r in pending] == [repair_id]

    reviewed = api.as_org(
        "samr",
        "POST",
        f"/v1/credit/repairs/{repair_id}/review",
        json={"decision": "accept", "opinion": "整改到位，同意修复。"},
    )

    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "accepted"
    latest = credit.graded_records("lapsed")[-1]
    assert (latest["previous_grade"], latest["grade"], latest["score"], latest["repair_id"]) == (
        "B",
        "A",
        100,
        repair_id,
    )
    assert_explained(latest, 100)
    again = api.as_org(
        "samr",
        "POST",
        f"/v1/credit/repairs/{repair_id}/review",
        json={"decision": "reject", "opinion": "重复"},
    )
    assert again.status_code == 409

    credit.incident("lapsed")  # new evidence after the repair still counts
    credit.regrade()
    assert credit.grade("lapsed").json()["score"] == 94


def test_blacklist_and_grades_are_all_the_public_sees(credit: Credit) -> None:
    api = credit.api
    credit.org("fraud-food", "wholesaler")
    _, detected = credit.incident("fraud-food")
    credit.regrade()

    bad = api.as_org(
        "samr",
        "POST",
        "/v1/credit/blacklist",
        json={"org": "fraud-food", "reason": "销售病死畜禽肉", "record_ids": ["nope"]},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["record_ids.0"]
    listed = api.as_org(
        "samr",
        "POST",
        "/v1/credit/blacklist",
        json={"org": "fraud-food", "reason": "销售病死畜禽肉，情节严重。", "record_ids": [detected]},
    )
    assert listed.status_code == 201, listed.text
    assert (
        api.as_org(
            "samr",
            "POST",
            "/v1/credit/blacklist",
            json={"org": "fraud-food", "reason": "再次列入名单。", "record_ids": [detected]},
        ).status_code
        == 409
    )

    shown = api.client.get("/credit-disclosure?format=json").json()
    assert shown["blacklist"][0]["name"] == "fraud-food Co."
    assert shown["blacklist"][0]["record_ids"] == [detected]
    assert shown["grades"][0]["grade"] == "A"
    assert set(shown["grades"][0]) == {
        "name",
        "uscc",
        "jurisdiction",
        "grade",
        "since",
        "record_id",
    }  # no score, no factors
    page = api.client.get("/credit-disclosure")
    assert page.status_code == 200
    for shown_text in ("严重违法失信名单", "销售病死畜禽肉", detected):
        assert shown_text in page.text
    assert "Serious violators list" in api.client.get("/credit-disclosure?lang=en").text
    assert "http" not in page.headers["content-security-policy"]
