"""Each factor reads the records its domain writes: recalls and permits made through their APIs,
the markets' disposals and the lifts' overdue maintenance as their domains append them."""

from __future__ import annotations

from typing import Any

import pytest

from evidence import Subject
from tests.api.conftest import batch_payload
from tests.credit.conftest import Credit, assert_explained
from tests.permits.conftest import Permits
from trace_api.markets.facts import DisposalCompleted, DisposalOpened

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BATCH = "09506000134352.L2026-001"


def _factor(graded: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in graded["factors"] if f["factor"] == name)


def test_recall_of_its_lot_counts_against_the_importer_until_lifted(credit: Credit) -> None:
    api = credit.api
    credit.org("haixian", "importer")
    assert api.as_org("haixian", "POST", "/v1/batches", json=batch_payload(api, "haixian")).status_code == 201
    issued = api.as_org(
        "samr",
        "POST",
        "/v1/recalls",
        json={"batch_id": BATCH, "reason": "检出副溶血性弧菌", "recall_class": "I"},
    )
    assert issued.status_code == 201, issued.text
    credit.regrade()

    [graded] = credit.graded_records("haixian")
    assert (graded["grade"], graded["score"]) == ("B", 80)
    assert _factor(graded, "recalls")["outcomes"] == {"class_I": 1}
    assert _factor(graded, "recalls")["record_ids"] == [issued.json()["record_id"]]
    assert credit.grade("samr").status_code == 404  # the regulator that recalled is not graded

    lifted = api.as_org(
        "samr", "POST", f"/v1/recalls/{issued.json()['id']}/lift", json={"reason": "复检阴性"}
    )
    assert lifted.status_code == 200, lifted.text
    credit.regrade()
    latest = credit.graded_records("haixian")[-1]
    assert (latest["previous_grade"], latest["grade"], latest["score"]) == ("B", "A", 100)
    assert _factor(latest, "recalls")["outcomes"] == {"lifted": 1}
    assert len(_factor(latest, "recalls")["record_ids"]) == 2


def test_revoked_permit_caps_the_grade_at_d(credit: Credit) -> None:
    permits = Permits(credit.api)
    credit.org("deda")
    number = permits.approved("deda", business_name="德大西菜社")
    permits.acted(number, "suspend", "后厨卫生严重不合格，责令停业整改。")
    credit.regrade()
    assert credit.graded_records("deda")[-1]["grade"] == "B"  # 100 - 25

    permits.acted(number, "revoke", "拒不整改，吊销许可证。")
    credit.regrade()

    latest = credit.graded_records("deda")[-1]
    assert (latest["previous_grade"], latest["grade"], latest["score"]) == ("B", "D", 60)  # 60 alone is C
    factor = _factor(latest, "permits")
    assert (factor["outcomes"], factor["cap"], factor["points"]) == ({"revoked": 1}, "D", -40)
    assert len(factor["record_ids"]) == 2
    assert_explained(latest, 60)


def test_disposal_completed_counts_for_the_vendor_of_the_failed_test(credit: Credit) -> None:
    credit.org("stall-owner", "vendor")
    credit.org("market-op", "market")
    opened = DisposalOpened(
        disposal_id="disp-1", market="market-op", stall="A-01", vendor="stall-owner", test_id="t1",
        test_record_id="x", sample="S1", product="菠菜", blocked=[],
    )  # fmt: skip
    credit.append(opened, credit.uscc("market-op"), [Subject(type="disposal", id="disp-1")])
    credit.regrade()
    assert _factor(credit.graded_records("stall-owner")[-1], "markets")["points"] == -8

    done = DisposalCompleted(
        disposal_id="disp-1", market="market-op", stall="A-01", outcome="destroyed", note="已销毁",
        purchases=[], open_record_id="x",
    )  # fmt: skip
    credit.append(done, credit.uscc("market-op"), [Subject(type="disposal", id="disp-1")])
    credit.regrade()
    shown = credit.grade("stall-owner").json()
    assert _factor(shown["explanation"], "markets")["outcomes"] == {"disposed": 1}
    assert shown["score"] == 96
    assert credit.graded_records("market-op") == []


def test_overdue_maintenance_counts_against_the_unit_alerted(credit: Credit) -> None:
    credit.org("lift-care", "maintainer")
    credit.alert("lift-care", "maintenance_overdue")
    credit.alert("lift-care", "contract_expiring")  # not a factor of this scorecard
    credit.regrade()
    [graded] = credit.graded_records("lift-care")
    assert _factor(graded, "equipment")["outcomes"] == {"overdue": 1}
    assert graded["score"] == 95
