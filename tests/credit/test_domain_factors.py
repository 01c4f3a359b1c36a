"""The factors the supervision domains define for the scorecard, from their own records made
through their APIs: on-site inspections (failed items by count, orders to rectify) and
self-inspections (failing items left unrectified or rejected, data-quality flags, periods
missed). Each moves
the firm's grade, and the explanation names the records and sums to the score."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.credit.conftest import Credit, assert_explained
from tests.enforcement.conftest import Enforcement, findings
from tests.enforcement.conftest import enforcement as enforcement  # a fixture
from tests.selfcheck.conftest import DAY, Selfcheck
from tests.selfcheck.conftest import selfcheck as selfcheck  # a fixture
from trace_api.selfcheck import PeriodCloser, SelfcheckRules
from trace_api.selfcheck.periods import period_record_id


def _factor(graded: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in graded["factors"] if f["factor"] == name)


def _kinds(credit: Credit, record_ids: list[str]) -> list[str]:
    return [credit.api.services.ledger.get(r).record().kind for r in record_ids]


def test_inspections_and_orders_to_rectify_lower_the_grade(credit: Credit, enforcement: Enforcement) -> None:
    credit.org("noodles")
    enforcement.inspector("wang")
    clean = enforcement.recorded("wang", "noodles")
    minor = enforcement.recorded("wang", "noodles", findings=findings({"C2": "两名厨师健康证明过期"}))
    credit.regrade()

    [first] = credit.graded_records("noodles")
    inspection = _factor(first, "inspection")
    assert (first["grade"], first["score"]) == ("A", 95)
    assert (inspection["points"], inspection["outcomes"]) == (-5, {"minor": 1})
    assert inspection["record_ids"] == [minor["record_id"]]
    assert clean["record_id"] not in inspection["record_ids"]
    assert_explained(first, 95)

    order = enforcement.api.as_org(
        "wang", "POST", f"/v1/enforcement/inspections/{minor['id']}/documents",
        json={"kind": "rectification_order", "deadline": "2026-12-31", "requirements": "健康证明补办"},
    )  # fmt: skip
    assert order.status_code == 201, order.text
    serious = enforcement.recorded(
        "wang", "noodles", findings=findings({"C3": "无进货查验记录", "C4": "餐具未消毒", "C5": "生熟混放"})
    )
    credit.regrade()

    latest = credit.graded_records("noodles")[-1]
    inspection = _factor(latest, "inspection")
    assert (latest["grade"], latest["previous_grade"], latest["score"]) == ("C", "A", 70)
    assert inspection["outcomes"] == {"minor": 1, "ordered": 1, "serious": 1}
    assert inspection["record_ids"] == [minor["record_id"], order.json()["record_id"], serious["record_id"]]
    assert _kinds(credit, inspection["record_ids"]) == [
        "inspection.recorded", "inspection.document_issued", "inspection.recorded",
    ]  # fmt: skip
    assert_explained(latest, 70)


def test_self_inspection_rectifications_and_flags_lower_the_grade(
    credit: Credit, selfcheck: Selfcheck
) -> None:
    credit.org("laozhengxing")
    credit.clock.now = selfcheck.clock.now
    checklist = selfcheck.checklist()
    campaign = selfcheck.campaign(checklist["id"])["id"]
    licence = selfcheck.photo("laozhengxing")
    answers = selfcheck.answers(
        "laozhengxing", failing=("cold_storage",), photos={"licence_displayed": licence}
    )
    answers[2]["note"] = "冷藏柜温度 9 °C"
    first = selfcheck.submitted("laozhengxing", campaign, answers=answers)
    credit.regrade()

    [graded] = credit.graded_records("laozhengxing")
    factor = _factor(graded, "selfcheck")
    assert (graded["grade"], graded["score"], factor["outcomes"]) == ("A", 97, {"failing": 1})
    assert factor["record_ids"] == [first["record_id"]]
    assert_explained(graded, 97)

    [rectification] = first["rectifications"]
    path = f"/rectifications/{rectification}"
    given = {"note": "已维修冷藏柜", "evidence": [selfcheck.photo("laozhengxing")]}
    selfcheck.ok(selfcheck.post("laozhengxing", f"{path}/evidence", given))
    selfcheck.ok(
        selfcheck.post("samr", f"{path}/reviews", {"decision": "reject", "opinion": "未见温度计读数。"})
    )
    selfcheck.clock.now += DAY
    again = selfcheck.submitted(
        "laozhengxing",
        campaign,
        answers=selfcheck.answers("laozhengxing", photos={"licence_displayed": licence}),
    )
    credit.clock.now = selfcheck.clock.now + dt.timedelta(hours=1)
    credit.regrade()

    latest = credit.graded_records("laozhengxing")[-1]
    factor = _factor(latest, "selfcheck")
    assert (latest["grade"], latest["previous_grade"], latest["score"]) == ("B", "A", 87)
    assert factor["outcomes"] == {"rejected": 1, "photo_reused": 1}
    assert _kinds(credit, factor["record_ids"]) == [
        "selfcheck.submitted",
        "selfcheck.rectification_submitted",
        "selfcheck.rectification_rejected",
        "selfcheck.inspection_task",
    ]
    assert again["record_id"] not in factor["record_ids"]  # a submission with nothing failing finds nothing
    assert_explained(latest, 87)


def test_self_inspection_days_missed_lower_the_grade(credit: Credit, selfcheck: Selfcheck) -> None:
    credit.org("laozhengxing")
    credit.org("xinghualou")
    selfcheck.api.client.app.state.selfcheck_rules = SelfcheckRules(all_pass_run=10)  # type: ignore[attr-defined]
    campaign = selfcheck.campaign(selfcheck.checklist()["id"])["id"]
    closer = PeriodCloser(credit.api.services.ledger, clock=selfcheck.clock)
    for _ in range(6):  # 2 to 7 March: xinghualou submits every day, laozhengxing never
        selfcheck.submitted("xinghualou", campaign)
        selfcheck.clock.now += DAY
        closer.run_once()
    credit.clock.now = selfcheck.clock.now + dt.timedelta(hours=1)
    credit.regrade()

    [graded] = credit.graded_records("laozhengxing")
    factor = _factor(graded, "selfcheck")
    assert (graded["grade"], graded["score"]) == ("B", 88)
    assert (factor["points"], factor["outcomes"]) == (-12, {"missed": 6})
    assert factor["record_ids"] == [
        period_record_id(campaign, dt.date(2026, 3, 2) + n * DAY) for n in range(6)
    ]
    assert set(_kinds(credit, factor["record_ids"])) == {"selfcheck.period_closed"}
    assert_explained(graded, 88)
    assert credit.graded_records("xinghualou") == []  # every day submitted: nothing found
