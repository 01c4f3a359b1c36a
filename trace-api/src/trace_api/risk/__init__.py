"""Real-time risk warnings (风险研判实时预警): rules as data (:mod:`.rules`, shipped in
``default_rules.toml``) evaluated incrementally over the ledger's records (:mod:`.engine`,
:mod:`.evaluation`), each warning a ``risk.warning_raised`` record with the records behind it, and
its workflow (assigned, handled, closed), each step a record too (:mod:`.facts`)."""

from .engine import Observed, Raised, RiskEngine
from .evaluation import CursorMoved, Progress, RiskEvaluator, warning_topic
from .facts import FACTS as RISK_FACTS
from .facts import WarningAssigned, WarningClosed, WarningHandled, WarningRaised
from .models import RiskCursor, RiskRuleState, RiskWarning, WarningStatus
from .rules import Level, Rule, RuleError, RuleSet, default_rules, load_rules, parse_rules

__all__ = [
    "RISK_FACTS",
    "CursorMoved",
    "Level",
    "Observed",
    "Progress",
    "Raised",
    "RiskCursor",
    "RiskEngine",
    "RiskEvaluator",
    "RiskRuleState",
    "RiskWarning",
    "Rule",
    "RuleError",
    "RuleSet",
    "WarningAssigned",
    "WarningClosed",
    "WarningHandled",
    "WarningRaised",
    "WarningStatus",
    "default_rules",
    "load_rules",
    "parse_rules",
    "warning_topic",
]
