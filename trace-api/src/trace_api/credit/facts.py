"""The ledger record kinds of credit grading (企业信用分级): one payload model per kind."""

from __future__ import annotations

from typing import ClassVar

from ..facts import Fact, _Part


class FactorScored(_Part):
    """One factor of a grade: its weight, the points it took off (negative or zero), and the
    ledger records behind them."""

    factor: str
    label: str
    weight: int
    points: int
    window_days: int
    record_ids: list[str]
    #: The outcomes counted (``{"open": 2}``), and the grade an outcome capped the grade at.
    outcomes: dict[str, int]
    cap: str | None = None


class CreditGraded(Fact):
    """An organisation's credit grade changed (or was first given): ``score`` is ``base`` plus
    every factor's points, and ``grade`` the scorecard's for the score, within any cap."""

    KIND: ClassVar[str] = "credit.graded"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"previous_grade", "repair_id"})

    org: str  # handle
    uscc: str
    grade: str
    previous_grade: str | None = None
    score: int
    base: int
    scorecard_version: str
    factors: list[FactorScored]
    #: The credit repair this grade restores after, if any.
    repair_id: str | None = None


class PlanDraw(_Part):
    org: str
    uscc: str
    grade: str
    inspectors: list[str]


class PlanCandidate(_Part):
    org: str
    uscc: str
    grade: str


class CreditPlanDrawn(Fact):
    """An inspection plan drawn at random (双随机): of the population (every firm of the
    jurisdiction with its grade, by handle) and the inspectors, with the seed, so that anyone can
    draw it again (:func:`trace_api.credit.plans.draw_plan`) and get the same plan."""

    KIND: ClassVar[str] = "credit.plan_drawn"

    plan_id: str
    jurisdiction: str
    period: str
    regulator: str
    seed: str
    scorecard_version: str
    inspections_per_year: dict[str, int]
    inspectors: list[str]
    population: list[PlanCandidate]
    draws: list[PlanDraw]


class CreditRepairApplied(Fact):
    """A firm applies to repair its credit (信用修复), with a statement and its evidence."""

    KIND: ClassVar[str] = "credit.repair_applied"

    repair_id: str
    org: str
    uscc: str
    grade: str | None
    statement: str
    evidence: list[str]


class CreditRepairReviewed(Fact):
    """A regulator's decision on a repair: ``accepted`` lets the findings up to the application
    go, and the firm's grade is given again (``credit.graded`` naming the repair)."""

    KIND: ClassVar[str] = "credit.repair_reviewed"

    repair_id: str
    org: str
    uscc: str
    regulator: str
    decision: str
    opinion: str
    repaired_through: int | None = None


class CreditBlacklisted(Fact):
    """An organisation put on the list of serious violators (严重违法失信名单), with the reason
    and the ledger records the listing rests on."""

    KIND: ClassVar[str] = "credit.blacklisted"

    listing_id: str
    org: str
    uscc: str
    name: str
    regulator: str
    reason: str
    record_ids: list[str]


#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (CreditGraded, CreditPlanDrawn, CreditRepairApplied, CreditRepairReviewed, CreditBlacklisted)
}
