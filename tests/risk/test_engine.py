"""The rule engine alone, fed records by hand: each default rule, and each condition type."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from trace_api.risk import Observed, RiskEngine, default_rules, parse_rules

START = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
_index = itertools.count()


def rec(kind: str, day: float, **payload: Any) -> Observed:
    n = next(_index)
    time = (START + dt.timedelta(days=day)).isoformat()
    return Observed(n, f"r-{n}", kind, time, payload, "91310000MA0000001X")


def excursion(device: str, day: float, rule: str = "temperature") -> Observed:
    return rec("alert.opened", day, rule=rule, device=device, alert_id=f"A{day}")


def test_coldchain_excursions_raise_on_the_third_within_seven_days() -> None:
    engine = RiskEngine(default_rules())
    first = [excursion("coldstore/t1", 0), excursion("coldstore/t2", 3), excursion("other/t1", 4)]
    assert engine.feed_all(first) == []
    assert engine.feed_all([excursion("coldstore/t1", 5, rule="door_open")]) == []
    (raised,) = engine.feed(excursion("coldstore/t1", 6))
    assert (raised.rule.id, raised.group) == ("coldchain_excursions", "coldstore")
    assert raised.evidence == (first[0].record_id, first[1].record_id, raised.record.record_id)
    assert ("coldchain_excursions", "coldstore") not in engine.states  # the window starts afresh


def test_coldchain_excursions_spread_over_more_than_seven_days_raise_nothing() -> None:
    engine = RiskEngine(default_rules())
    assert engine.feed_all([excursion("cs/t1", 0), excursion("cs/t1", 4), excursion("cs/t1", 7.5)]) == []
    assert len(engine.states[("coldchain_excursions", "cs")]["w"]) == 2


def test_kitchen_violation_after_its_rectification_raises() -> None:
    engine = RiskEngine(default_rules())
    who = {"organisation": "laozhengxing", "violation": "no_hat"}
    detected = rec("incident.detected", 0, **who)
    other = rec("incident.detected", 1, organisation="laozhengxing", violation="no_mask")
    rectified = rec("incident.rectified", 2, **who)
    assert engine.feed_all([detected, other, rectified]) == []
    (raised,) = engine.feed(again := rec("incident.detected", 3, **who))
    assert raised.group == "laozhengxing · no_hat"
    assert raised.evidence == (rectified.record_id, again.record_id)


def test_kitchen_violation_long_after_its_rectification_raises_nothing() -> None:
    engine = RiskEngine(default_rules())
    who = {"organisation": "k", "violation": "smoking"}
    assert engine.feed_all([rec("incident.rectified", 0, **who), rec("incident.detected", 91, **who)]) == []


def test_supplier_of_a_recalled_lot_still_supplying_raises() -> None:
    engine = RiskEngine(default_rules())
    bought = rec("market.purchase_recorded", 0, batch_id="B-1", supplier_id="SUP-1", market="m")
    elsewhere = rec("market.purchase_recorded", 0, batch_id="B-9", supplier_id="SUP-2", market="m")
    recall = rec("recall.issued", 1, batch_id="B-0", scope=["B-0", "B-1"], recall_id="R1")
    assert engine.feed_all([bought, elsewhere, recall]) == []
    assert engine.feed(rec("market.purchase_recorded", 2, batch_id="B-7", supplier_id="SUP-2")) == []
    (raised,) = engine.feed(later := rec("market.purchase_recorded", 2, batch_id="B-5", supplier_id="SUP-1"))
    assert (raised.group, raised.evidence) == ("SUP-1", (recall.record_id, later.record_id))


def test_a_recall_of_a_lot_no_market_bought_raises_nothing() -> None:
    engine = RiskEngine(default_rules())
    assert engine.feed(rec("recall.issued", 0, batch_id="X", scope=["X"])) == []
    assert engine.feed(rec("market.purchase_recorded", 1, batch_id="Y", supplier_id="S")) == []


def test_a_stall_failing_rapid_tests_twice_raises_once() -> None:
    engine = RiskEngine(default_rules())
    fails = [
        rec("market.disposal_opened", d, market="m1", stall=s) for d, s in [(0, "A1"), (1, "A2"), (2, "A1")]
    ]
    raised = engine.feed_all(fails)
    assert [(r.group, r.evidence) for r in raised] == [("m1 · A1", (fails[0].record_id, fails[2].record_id))]


def test_a_grade_falling_to_d_raises_once_until_it_rises_again() -> None:
    engine = RiskEngine(default_rules())
    grades = [rec("credit.graded", d, org="f", grade=g) for d, g in enumerate("BDDCD")]
    raised = engine.feed_all(grades)
    assert [r.evidence for r in raised] == [(grades[1].record_id,), (grades[4].record_id,)]


FIELD_RULES = """
version = "t1"
[[rule]]
id = "class_one_recall"
title = "A class I recall"
kinds = ["recall.issued"]
key = ["batch_id"]
where = [{ path = "scope[]", op = "in", value = ["B-2", "B-3"] }]
condition = { type = "becomes", path = "recall_class", value = "I" }
level = "red"
message = "class I"

[[rule]]
id = "failed_tests"
title = "failed tests"
kinds = ["market.rapid_tested"]
key = ["market", "stall"]
where = [{ path = "passed", op = "==", value = false }, { path = "value", op = ">=", value = 50 }]
condition = { type = "count", at_least = 1, window_days = 1 }
level = "blue"
message = "failed"
"""


def test_field_conditions_and_filters_on_existing_kinds() -> None:
    engine = RiskEngine(parse_rules(FIELD_RULES))
    records = [
        rec("recall.issued", 0, batch_id="B-1", scope=["B-1"], recall_class="I"),
        rec("recall.issued", 0, batch_id="B-2", scope=["B-2", "B-2a"], recall_class="II"),
        rec("recall.issued", 1, batch_id="B-2", scope=["B-2"], recall_class="I"),
        rec("market.rapid_tested", 0, market="m", stall="A", passed=False, value=49),
        rec("market.rapid_tested", 0, market="m", stall="A", passed=True, value=60),
        rec("market.rapid_tested", 0, market="m", stall="A", passed=False, value="n/a"),
        rec("market.rapid_tested", 0, market="m", stall="B", passed=False, value=62),
    ]
    raised = engine.feed_all(records)
    assert [(r.rule.id, r.group, r.evidence) for r in raised] == [
        ("class_one_recall", "B-2", (records[2].record_id,)),
        ("failed_tests", "m · B", (records[6].record_id,)),
    ]


def test_an_engine_resumed_from_its_stored_state_raises_what_one_engine_would() -> None:
    stream = [excursion("cs/t", d) for d in (0, 1, 2, 3, 4, 5, 6)]
    whole = RiskEngine(default_rules()).feed_all(stream)
    first = RiskEngine(default_rules())
    early = first.feed_all(stream[:4])
    stored = {k: v for k, v in first.take_changes().items() if v is not None}
    late = RiskEngine(default_rules(), stored).feed_all(stream[4:])
    assert [r.evidence for r in early + late] == [r.evidence for r in whole]
    assert len(whole) == 2


def count_rule(rule_id: str, at_least: int, days: float) -> str:
    return f"""
[[rule]]
id = "{rule_id}"
title = "{rule_id}"
kinds = ["alert.opened"]
key = ["device|org"]
where = [{{ path = "rule", op = "==", value = "temperature" }}]
condition = {{ type = "count", at_least = {at_least}, window_days = {days} }}
level = "blue"
message = "{rule_id}"
"""


SHARED = [("two_in_a_day", 2, 1), ("three_in_a_week", 3, 7), ("five_in_two_weeks", 5, 14)]


def test_counts_of_the_same_records_share_one_window_and_raise_what_each_alone_raises() -> None:
    days = [0, 0.5, 2, 2.2, 3, 6, 6.1, 6.15, 9, 15, 30, 30.5, 31, 31.2]
    stream = [excursion(f"cs/t{n % 3}", d) for n, d in enumerate(days)] + [excursion("cs/t1", 31.3, "silent")]
    together = RiskEngine(parse_rules('version = "t"\n' + "".join(count_rule(*r) for r in SHARED)))
    raised = together.feed_all(stream)
    alone = []
    for rule in SHARED:
        alone += RiskEngine(parse_rules('version = "t"\n' + count_rule(*rule))).feed_all(stream)
    assert sorted((r.rule.id, r.evidence) for r in raised) == sorted((r.rule.id, r.evidence) for r in alone)
    assert {r.rule.id for r in raised} == {rule_id for rule_id, _, _ in SHARED}
    assert [key for key in together.states] == [("two_in_a_day", "cs")]  # one window, the first rule's id


def test_windows_and_timed_sequences_expire_by_the_day_after_they_can_count_no_more() -> None:
    engine = RiskEngine(default_rules())
    who = {"organisation": "k", "violation": "rodent"}
    engine.feed_all(
        [
            excursion("cs/t", 0),
            rec("incident.rectified", 0, **who),
            rec("credit.graded", 0, org="f", grade="B"),
        ]
    )
    engine.take_changes()
    engine.feed_all([rec("scan.receive", 7.9)])
    assert ("coldchain_excursions", "cs") in engine.states  # within its week and a day's grace
    engine.feed_all([rec("scan.receive", 8.5)])
    assert ("coldchain_excursions", "cs") in engine.states  # due by the end of day 8
    engine.feed_all([rec("scan.receive", 9)])
    assert ("coldchain_excursions", "cs") not in engine.states
    assert engine.take_changes() == {("coldchain_excursions", "cs"): None}  # so its row is deleted
    engine.feed_all([rec("scan.receive", 92)])
    assert list(engine.states) == [("credit_grade_d", "f")]  # a last value does not expire
