"""Judging violations from hand-made detections: per-frame rules, persistence, smoothing, cooldown."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from ingest.vision.classes import CLASSES
from ingest.vision.detector import Detection
from ingest.vision.judge import (
    IncidentCandidate,
    Judge,
    RulesError,
    SiteRules,
    judge_frame,
    load_site_rules,
)
from ingest.vision.synth import Cook, random_scene, render_scene

FPS = 5
RULES = SiteRules(persist_seconds=3, max_gap_seconds=1, cooldown_seconds=60)


def cook(x: float = 100, y: float = 60, w: float = 80, h: float = 220, conf: float = 0.9) -> Detection:
    return Detection("cook", conf, (x, y, x + w, y + h))


def _on(c: Detection, name: str, fx1: float, fy1: float, fx2: float, fy2: float) -> Detection:
    """An item placed relative to the cook box (fractions of its width and height)."""
    x1, y1 = c.box[0], c.box[1]
    return Detection(
        name, 0.8, (x1 + fx1 * c.width, y1 + fy1 * c.height, x1 + fx2 * c.width, y1 + fy2 * c.height)
    )


def hat(c: Detection) -> Detection:
    return _on(c, "chef_hat", 0.25, -0.19, 0.75, 0.04)  # stands above the head, as in the synthetic scenes


def mask(c: Detection) -> Detection:
    return _on(c, "mask", 0.33, 0.1, 0.67, 0.2)


def phone(c: Detection) -> Detection:
    return _on(c, "phone", 0.7, 0.02, 0.95, 0.2)


def cigarette(c: Detection) -> Detection:
    return _on(c, "cigarette", 0.5, 0.1, 0.95, 0.17)


def rodent(x: float = 400, y: float = 300) -> Detection:
    return Detection("rodent", 0.7, (x, y, x + 40, y + 20))


def dressed(c: Detection) -> list[Detection]:
    return [c, hat(c), mask(c)]


def feed(
    judge: Judge[int], frames: Iterable[Sequence[Detection]], start: float = 0.0
) -> list[IncidentCandidate[int]]:
    """Frames at FPS from ``start``; each frame's ``F`` is its number."""
    found: list[IncidentCandidate[int]] = []
    for i, detections in enumerate(frames):
        found += judge.observe(start + i / FPS, detections, i)
    return found


def seconds(n: float, detections: Sequence[Detection]) -> list[Sequence[Detection]]:
    return [detections] * round(n * FPS)


# -- one frame ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("detections", "expected"),
    [
        (dressed(cook()), []),
        ([cook(), mask(cook())], ["no_chef_hat"]),
        ([cook(), hat(cook())], ["no_mask"]),
        ([*dressed(cook()), phone(cook())], ["phone_in_use"]),
        ([cook(), hat(cook()), cigarette(cook())], ["no_mask", "smoking"]),
        ([*dressed(cook()), rodent()], ["rodent"]),
        ([rodent()], ["rodent"]),
    ],
    ids=["compliant", "no-hat", "no-mask", "phone", "smoking", "rodent-with-cook", "rodent-alone"],
)
def test_judge_frame_finds_each_violation(detections: list[Detection], expected: list[str]) -> None:
    assert sorted(f.violation for f in judge_frame(detections, RULES)) == expected


def test_judge_frame_hat_of_another_cook_does_not_count() -> None:
    left, right = cook(x=50), cook(x=400)
    findings = judge_frame([left, right, hat(right), mask(left), mask(right)], RULES)
    assert [(f.violation, f.subject) for f in findings] == [("no_chef_hat", left)]


def test_judge_frame_phone_on_the_counter_is_not_in_use() -> None:
    c = cook()
    on_counter = Detection("phone", 0.9, (300, 250, 320, 270))
    assert judge_frame([*dressed(c), on_counter], RULES) == []


def test_judge_frame_ignores_detections_below_the_thresholds() -> None:
    c = cook()
    weak_hat = Detection("chef_hat", 0.2, hat(c).box)
    rules = SiteRules(min_confidence=0.35, class_min_confidence={"rodent": 0.9})
    found = judge_frame([c, weak_hat, mask(c), rodent()], rules)
    assert [f.violation for f in found] == [
        "no_chef_hat"
    ]  # the weak hat is not seen; the rodent is below 0.9


def test_judge_frame_judges_only_the_violations_the_site_turns_on() -> None:
    rules = SiteRules(violations=frozenset({"no_chef_hat"}))
    assert [f.violation for f in judge_frame([cook(), phone(cook())], rules)] == ["no_chef_hat"]


def test_judge_frame_reports_configured_model_classes_as_violations() -> None:
    rules = SiteRules(violations=frozenset({"rodent", "cockroach"}))
    found = judge_frame([*dressed(cook()), Detection("cockroach", 0.6, (10, 300, 20, 306))], rules)
    assert [f.violation for f in found] == ["cockroach"]


# -- across frames -----------------------------------------------------------------------------------


def test_violation_becomes_an_incident_only_once_it_persists() -> None:
    hatless = [cook(), mask(cook())]
    assert feed(Judge(RULES), seconds(3, hatless)) == []  # frames 0..2.8 s: 2.8 s of persistence
    found = feed(Judge(RULES), seconds(3.2, hatless))
    assert [(c.violation, c.started_at, c.ended_at) for c in found] == [("no_chef_hat", 0.0, 3.0)]


def test_compliant_cook_gives_no_incident() -> None:
    assert feed(Judge(RULES), seconds(30, dressed(cook()))) == []


def test_brief_misses_are_bridged() -> None:
    c = cook()
    hatless, hidden = [c, mask(c)], [mask(c)]
    # A hat wrongly seen in every third frame, and the cook hidden for 0.6 s: still one violation.
    frames = [dressed(c) if i % 3 == 2 else hatless for i in range(10)] + [hidden] * 3 + seconds(2, hatless)
    found = feed(Judge(RULES), frames)
    assert [(c.violation, c.started_at) for c in found] == [("no_chef_hat", 0.0)]


def test_gap_longer_than_allowed_restarts_the_count() -> None:
    c = cook()
    frames = seconds(2, [c, mask(c)]) + seconds(1.4, dressed(c)) + seconds(2, [c, mask(c)])
    assert feed(Judge(RULES), frames) == []


def test_flickering_detection_below_the_hit_ratio_is_no_incident() -> None:
    c = cook()
    frames = [[c, mask(c)] if i % 3 == 0 else dressed(c) for i in range(50)]  # hatless in 1 frame of 3
    assert feed(Judge(RULES), frames) == []


def test_incident_keeps_the_most_confident_frame() -> None:
    frames = [[cook(conf=0.5 + 0.02 * i), mask(cook())] for i in range(16)]
    frames[7] = [cook(conf=0.99), mask(cook())]
    (found,) = feed(Judge(RULES), frames)
    assert (found.frame, found.confidence, found.best_at) == (7, 0.99, 7 / FPS)
    assert found.boxes == (cook(conf=0.99),)


def test_evidence_boxes_come_with_the_incident() -> None:
    c = cook()
    (found,) = feed(Judge(RULES), seconds(3.2, [*dressed(c), phone(c)]))
    assert found.violation == "phone_in_use"
    assert [d.class_name for d in found.boxes] == ["cook", "phone"]


def test_continuing_violation_is_reported_again_after_the_cooldown() -> None:
    found = feed(Judge(RULES), seconds(150, [cook(), mask(cook())]))
    spans = [(c.started_at, c.ended_at) for c in found]
    assert spans == [(0.0, 3.0), (3.0, 63.0), (63.0, 123.0)]


def test_cook_walking_past_is_not_one_alert_per_frame() -> None:
    # Hatless for 1.6 s while crossing: nothing. Crossing back and forth for 12 s: one incident.
    walk = [[cook(x=20 + 40 * i), mask(cook(x=20 + 40 * i))] for i in range(8)]
    assert feed(Judge(RULES), walk) == []
    back_and_forth = [[cook(x=20 + 30 * (i % 20)), mask(cook(x=20 + 30 * (i % 20)))] for i in range(60)]
    found = feed(Judge(RULES), back_and_forth)
    assert [c.violation for c in found] == ["no_chef_hat"]


def test_cooldown_is_per_camera_by_default_and_per_track_when_asked() -> None:
    left, right = cook(x=50), cook(x=400)
    two_hatless = seconds(4, [left, mask(left), right, mask(right)])
    assert len(feed(Judge(RULES), two_hatless)) == 1
    per_track = RULES.model_copy(update={"cooldown_scope": "track"})
    found = feed(Judge(per_track), two_hatless)
    assert sorted(c.subject.box[0] for c in found) == [50, 400]


def test_different_violations_have_their_own_cooldown() -> None:
    c = cook()
    found = feed(Judge(RULES), seconds(4, [c, hat(c), phone(c), rodent()]))
    assert sorted(f.violation for f in found) == ["no_mask", "phone_in_use", "rodent"]


def test_moving_rodent_is_one_incident() -> None:
    frames = [[rodent(x=100 + 25 * i, y=300)] for i in range(20)]  # scurrying 125 px/s
    assert [c.violation for c in feed(Judge(RULES), frames)] == ["rodent"]


# -- rules -------------------------------------------------------------------------------------------


def test_model_without_a_needed_class_is_refused() -> None:
    rules = SiteRules(violations=frozenset({"smoking", "cockroach"}))
    with pytest.raises(RulesError, match="'cockroach' needs the model class"):
        rules.check_model(["cook", "chef_hat", "mask", "phone", "cigarette", "rodent"])
    with pytest.raises(RulesError, match=r"'smoking' needs the model class.*cigarette"):
        rules.check_model(["cook", "cockroach"])


def test_site_rules_from_toml_with_overrides_per_org_and_camera(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        "persist_seconds = 5\ncooldown_seconds = 120\n"
        '[sites.canteen-1]\nviolations = ["no_chef_hat", "rodent"]\n'
        '[sites."canteen-1/cam-2"]\npersist_seconds = 2\n'
    )
    assert load_site_rules(path, "other/cam-1").persist_seconds == 5
    org = load_site_rules(path, "canteen-1/cam-1")
    assert (org.violations, org.persist_seconds, org.cooldown_seconds) == ({"no_chef_hat", "rodent"}, 5, 120)
    assert load_site_rules(path, "canteen-1/cam-2").persist_seconds == 2
    assert load_site_rules(None) == SiteRules()


def test_site_rules_errors_name_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text('{"persist_seconds": -1}')
    with pytest.raises(
        RulesError, match=r"rules.json: persist_seconds: Input should be greater than or equal"
    ):
        load_site_rules(bad)
    bad.write_text('{"violations": ["No Hat"]}')
    with pytest.raises(RulesError, match="'No Hat' is not a violation"):
        load_site_rules(bad)
    with pytest.raises(RulesError, match=r"missing\.toml: No such file"):
        load_site_rules(tmp_path / "missing.toml")


def test_ground_truth_of_synthetic_scenes_is_judged_as_drawn() -> None:
    """The per-frame rules fit the drawn geometry: each scene's labels give exactly its violations."""
    rng = random.Random(2026)
    for _ in range(60):
        scene = random_scene(rng)
        _, boxes = render_scene(scene)
        detections = [Detection(CLASSES[c], 0.9, (x1, y1, x2, y2)) for c, x1, y1, x2, y2 in boxes]
        expected = [v for c in scene.cooks for v, on in _drawn(c) if on]
        expected += ["rodent"] * sum(d.class_name == "rodent" for d in detections)
        assert sorted(f.violation for f in judge_frame(detections, RULES)) == sorted(expected), scene


def _drawn(cook: Cook) -> list[tuple[str, bool]]:
    return [
        ("no_chef_hat", not cook.hat),
        ("no_mask", not cook.mask),
        ("phone_in_use", cook.phone),
        ("smoking", cook.smoking),
    ]
