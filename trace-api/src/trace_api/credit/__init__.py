"""Credit grading (企业信用风险分级): a grade A/B/C/D per organisation, computed from its evidence
in the ledger under a versioned scorecard (:mod:`.scorecard`, ``scorecard.toml``), explained
factor by factor with the records behind each, and recorded as ``credit.graded`` (:mod:`.facts`)
whenever it changes. The factors (:mod:`.factors`) are defined by the record kinds they read; the
grader (:mod:`.grading`) reads the ledger's new records incrementally and regrades the
organisations they concern."""

from .factors import FACTOR_MODULES, Factor, Finding, every_factor
from .facts import CreditGraded, FactorScored
from .grading import CreditGrader, Pass
from .models import CreditCursor, CreditFinding, CreditGrade, CreditMark
from .scorecard import GRADES, Scorecard, ScorecardError, load_scorecard, parse_scorecard
from .scoring import Found, Scored, score_findings

__all__ = [
    "FACTOR_MODULES",
    "GRADES",
    "CreditCursor",
    "CreditFinding",
    "CreditGrade",
    "CreditGraded",
    "CreditGrader",
    "CreditMark",
    "Factor",
    "FactorScored",
    "Finding",
    "Found",
    "Pass",
    "Scorecard",
    "ScorecardError",
    "Scored",
    "every_factor",
    "load_scorecard",
    "parse_scorecard",
    "score_findings",
]
