"""Scoring one organisation's findings under a scorecard: the score, the grade and the
explanation, in which every factor's points and records are named and the points sum to the score.

A matter counts while its first finding is within the factor's window at ``now``; its latest
finding (by ledger index) says its outcome. No database here: the grader hands the findings in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .facts import FactorScored
from .scorecard import GRADES, Grade, Scorecard


@dataclass(frozen=True)
class Found:
    """A finding as the scoring reads it."""

    factor: str
    matter: str
    outcome: str
    record_id: str
    ledger_index: int
    time: dt.datetime


@dataclass(frozen=True)
class Scored:
    score: int
    grade: Grade
    base: int
    scorecard_version: str
    factors: list[FactorScored]


def score_findings(scorecard: Scorecard, findings: Iterable[Found], now: dt.datetime) -> Scored:
    by_matter: dict[tuple[str, str], list[Found]] = defaultdict(list)
    for found in findings:
        by_matter[(found.factor, found.matter)].append(found)
    factors = [
        _score_factor(scorecard, name, [m for (f, _), m in by_matter.items() if f == name], now)
        for name in scorecard.factors
    ]
    score = scorecard.base + sum(f.points for f in factors)
    grade = scorecard.grade_of(score)
    for cap in (f.cap for f in factors if f.cap is not None):
        grade = max(grade, cap, key=GRADES.index)  # type: ignore[arg-type]
    return Scored(score, grade, scorecard.base, scorecard.version, factors)


def _score_factor(
    scorecard: Scorecard, name: str, matters: list[list[Found]], now: dt.datetime
) -> FactorScored:
    terms = scorecard.factors[name]
    since = now - dt.timedelta(days=terms.window_days)
    outcomes: Counter[str] = Counter()
    record_ids: list[str] = []
    taken = 0
    cap: Grade | None = None
    for findings in sorted(matters, key=lambda m: min(f.ledger_index for f in m)):
        findings.sort(key=lambda f: f.ledger_index)
        if findings[0].time < since:
            continue  # out of the window
        outcome = findings[-1].outcome
        outcomes[outcome] += 1
        taken += terms.points.get(outcome, 0)
        record_ids += [f.record_id for f in findings]
        if outcome in terms.caps:
            cap = max(cap or "A", terms.caps[outcome], key=GRADES.index)
    return FactorScored(
        factor=name, label=terms.label, weight=terms.weight, points=-min(taken, terms.weight),
        window_days=terms.window_days, record_ids=record_ids, outcomes=dict(outcomes), cap=cap,
    )  # fmt: skip
