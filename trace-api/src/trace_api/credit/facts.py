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


#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS: dict[str, type[Fact]] = {CreditGraded.KIND: CreditGraded}
