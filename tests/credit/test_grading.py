"""The grader: evidence in the ledger becomes a grade that explains itself, recorded as
``credit.graded`` only when it changes, recomputed from new records and as evidence ages out."""

from __future__ import annotations

from typing import Any

from tests.credit.conftest import Credit, assert_explained


def _factor(graded: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in graded["factors"] if f["factor"] == name)


def test_grade_explains_each_factor_and_sums_to_the_score(credit: Credit) -> None:
    credit.org("laozhengxing")
    _, detected = credit.incident("laozhengxing")
    excursion = credit.alert("laozhengxing", "door_open")
    credit.alert("laozhengxing", "short_weight")  # a market rule: no cold-chain factor reads it

    done = credit.regrade()

    assert done.changed == ["laozhengxing"]
    [graded] = credit.graded_records("laozhengxing")
    assert graded["grade"] == "A"
    assert graded["score"] == 100 - 6 - 2
    assert "previous_grade" not in graded
    assert graded["scorecard_version"] == "2026.3"
    assert_explained(graded, graded["score"])
    assert _factor(graded, "kitchen") | {"label": ""} == {
        "factor": "kitchen", "label": "", "weight": 25, "points": -6, "window_days": 365,
        "record_ids": [detected], "outcomes": {"open": 1}, "cap": None,
    }  # fmt: skip
    assert _factor(graded, "coldchain")["record_ids"] == [excursion]
    assert _factor(graded, "recalls")["points"] == 0

    shown = credit.grade("laozhengxing").json()  # the organisation reads its own explanation
    assert shown["grade"] == "A"
    assert shown["score"] == 92
    assert shown["record_id"] == f"credit:{credit.uscc('laozhengxing')}:1"
    assert_explained(shown["explanation"], shown["score"])


def test_grade_recorded_only_when_it_changes(credit: Credit) -> None:
    credit.org("xinghualou")
    credit.alert("xinghualou", "temperature")
    credit.regrade()
    credit.alert("xinghualou", "door_open")  # 93: still A
    again = credit.regrade()
    assert again.regraded == 1
    assert again.changed == []
    assert [g["grade"] for g in credit.graded_records("xinghualou")] == ["A"]
    assert credit.grade("xinghualou").json()["score"] == 93  # the score kept up all the same

    for _ in range(3):
        credit.incident("xinghualou")
    credit.regrade()  # 93 - 18 = 75: B
    records = credit.graded_records("xinghualou")
    assert [(g.get("previous_grade", None), g["grade"]) for g in records] == [
        (None, "A"),
        ("A", "B"),
    ]
    assert records[1]["score"] == 75
    assert_explained(records[1], 75)


def test_a_weight_bounds_what_a_factor_takes_off(credit: Credit) -> None:
    credit.org("coldstore", "wholesaler")
    for _ in range(6):
        credit.alert("coldstore", "temperature")  # 6 × 5 = 30, the factor's weight is 20
    credit.regrade()
    [graded] = credit.graded_records("coldstore")
    assert _factor(graded, "coldchain")["points"] == -20
    assert len(_factor(graded, "coldchain")["record_ids"]) == 6
    assert graded["score"] == 80
    assert graded["grade"] == "B"
    assert_explained(graded, 80)


def test_rectification_accepted_gives_points_back(credit: Credit) -> None:
    credit.org("wangjiasha")
    incidents = [credit.incident("wangjiasha")[0] for _ in range(3)]
    credit.regrade()
    assert credit.grade("wangjiasha").json()["score"] == 82

    rectified = credit.rectified("wangjiasha", incidents[0])
    credit.reviewed("wangjiasha", incidents[0], "accepted")
    credit.rectified("wangjiasha", incidents[1])  # awaiting review
    credit.reviewed("wangjiasha", incidents[2], "rejected")  # still open
    credit.regrade()

    shown = credit.grade("wangjiasha").json()
    kitchen = _factor(shown["explanation"], "kitchen")
    assert kitchen["outcomes"] == {"rectified": 1, "rectifying": 1, "open": 1}
    assert kitchen["points"] == -(2 + 4 + 6)
    assert shown["score"] == 88
    assert rectified in kitchen["record_ids"]
    assert_explained(shown["explanation"], shown["score"])


def test_new_records_are_read_once_and_others_not_at_all(credit: Credit) -> None:
    credit.org("shanghai-deli")
    credit.incident("shanghai-deli")
    first = credit.regrade()
    assert (first.records_read, first.findings) >= (1, 1)

    quiet = credit.regrade()  # nothing new: nothing read, nobody regraded
    assert (quiet.records_read, quiet.findings, quiet.regraded) == (0, 0, 0)

    credit.org("bystander")
    credit.incident("shanghai-deli")
    third = credit.regrade()
    assert (third.records_read, third.findings, third.regraded) == (1, 1, 1)
    assert credit.grade("bystander").json()["grade"] is None  # no evidence, never graded


def test_evidence_out_of_its_window_regrades_without_new_records(credit: Credit) -> None:
    credit.org("old-sins")
    for _ in range(3):
        credit.alert("old-sins", "temperature")
    credit.incident("old-sins")
    credit.regrade()
    assert credit.grade("old-sins").json()["grade"] == "B"  # 100 - 15 - 6 = 79
    credit.clock.advance(days=181)  # the cold-chain window (180 days) has passed, the kitchen's not

    done = credit.regrade()

    assert done.records_read == 0
    assert done.changed == ["old-sins"]
    latest = credit.graded_records("old-sins")[-1]
    assert (latest["previous_grade"], latest["grade"], latest["score"]) == ("B", "A", 94)
    assert _factor(latest, "coldchain") | {"label": ""} == {
        "factor": "coldchain", "label": "", "weight": 20, "points": 0, "window_days": 180,
        "record_ids": [], "outcomes": {}, "cap": None,
    }  # fmt: skip
