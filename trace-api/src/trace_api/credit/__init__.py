"""Credit grading (企业信用风险分级): a grade A/B/C/D per organisation, computed from its evidence
in the ledger under a versioned scorecard (:mod:`.scorecard`, ``scorecard.toml``), explained
factor by factor with the records behind each, and recorded as ``credit.graded`` (:mod:`.facts`)
whenever it changes. The factors (:mod:`.factors`) are defined by the record kinds they read; the
grader (:mod:`.grading`) reads the ledger's new records incrementally and regrades the
organisations they concern. The grades drive supervision: inspection plans drawn at random by
grade (:mod:`.plans`), credit repair (:mod:`.repairs`), the list of serious violators and the
public disclosure (:mod:`.disclosure`)."""

from .disclosure import BlacklistIn, blacklist_org, public_disclosure
from .factors import FACTOR_MODULES, Factor, Finding, every_factor
from .facts import CreditGraded, FactorScored
from .grading import CreditGrader, Pass
from .models import (
    CreditBlacklisting,
    CreditCursor,
    CreditFinding,
    CreditGrade,
    CreditMark,
    CreditPlan,
    CreditRepair,
)
from .plans import PlanIn, draw_inspection_plan, draw_plan
from .repairs import RepairIn, RepairReviewIn, apply_repair, review_repair
from .scorecard import GRADES, Scorecard, ScorecardError, load_scorecard, parse_scorecard
from .scoring import Found, Scored, score_findings

__all__ = [
    "FACTOR_MODULES",
    "GRADES",
    "BlacklistIn",
    "CreditBlacklisting",
    "CreditCursor",
    "CreditFinding",
    "CreditGrade",
    "CreditGraded",
    "CreditGrader",
    "CreditMark",
    "CreditPlan",
    "CreditRepair",
    "Factor",
    "FactorScored",
    "Finding",
    "Found",
    "Pass",
    "PlanIn",
    "RepairIn",
    "RepairReviewIn",
    "Scorecard",
    "ScorecardError",
    "Scored",
    "apply_repair",
    "blacklist_org",
    "draw_inspection_plan",
    "draw_plan",
    "every_factor",
    "load_scorecard",
    "parse_scorecard",
    "public_disclosure",
    "review_repair",
    "score_findings",
]
