"""The credit grader's tables: where it stands in the ledger, the findings it took from the
records, the organisations marked for regrading, and each organisation's current grade.

The findings are an index of the ledger (each names its record), kept so that regrading one
organisation reads its own findings and never rescans the ledger. Every grade given is a
``credit.graded`` record; ``credit_grades`` holds the latest score and explanation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel


class CreditCursor(SQLModel, table=True):
    """One row: the last ledger index read, when expiries were last looked for, and the
    scorecard version in force then (a new version regrades everyone)."""

    __tablename__ = "credit_cursor"

    id: str = Field(primary_key=True, max_length=16)
    ledger_index: int = Field(sa_type=BigInteger)
    swept_at: dt.datetime | None = None
    scorecard_version: str | None = Field(default=None, max_length=40)


class CreditFinding(SQLModel, table=True):
    """A matter against an organisation, as one record of a factor's kinds found it."""

    __tablename__ = "credit_findings"
    __table_args__ = (
        Index("ix_credit_findings_org", "org_id", "factor", "matter", "ledger_index"),
        Index("ix_credit_findings_factor_time", "factor", "time"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organisations.id", max_length=32)
    factor: str = Field(max_length=32)
    matter: str = Field(max_length=256)
    outcome: str = Field(max_length=32)
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    time: dt.datetime


class CreditMark(SQLModel, table=True):
    """An organisation to regrade: new evidence, or evidence that left its window."""

    __tablename__ = "credit_marks"

    org_id: str = Field(primary_key=True, foreign_key="organisations.id", max_length=32)
    marked_at: dt.datetime


class CreditGrade(SQLModel, table=True):
    """An organisation's grade now: its last ``credit.graded`` record, and the score and
    explanation of its last regrading (which records a new grade only when the grade changes)."""

    __tablename__ = "credit_grades"
    __table_args__ = (Index("ix_credit_grades_grade", "grade", "org_id"),)

    org_id: str = Field(primary_key=True, foreign_key="organisations.id", max_length=32)
    grade: str = Field(max_length=1)
    score: int
    scorecard_version: str = Field(max_length=40)
    #: JSON: the explanation, ``{"base": …, "factors": [...]}`` (:class:`.facts.FactorScored`).
    factors: str = Field(sa_type=Text)
    #: The ``credit.graded`` record that gave the grade, and how many the organisation has.
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    grades_given: int
    graded_at: dt.datetime
    #: When the score was last computed (the grade may be older).
    scored_at: dt.datetime


class CreditPlan(SQLModel, table=True):
    """An inspection plan (双随机抽查计划) of one jurisdiction for one month; its draw, with the
    seed and the population it was drawn from, is its ``credit.plan_drawn`` record."""

    __tablename__ = "credit_plans"
    __table_args__ = (Index("ix_credit_plans_period", "jurisdiction", "period", unique=True),)

    id: str = Field(primary_key=True, max_length=40)
    jurisdiction: str = Field(max_length=100)
    period: str = Field(max_length=7, description="YYYY-MM")
    seed: str = Field(max_length=64)
    drawn_by: str = Field(foreign_key="organisations.id", max_length=32)
    #: JSON list of the draws: ``{"org", "uscc", "grade", "inspectors"}``.
    draws: str = Field(sa_type=Text)
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    drawn_at: dt.datetime


class CreditRepair(SQLModel, table=True):
    """A firm's application to repair its credit (信用修复), and a regulator's review of it.
    Accepted, the findings up to ``repaired_through`` (the application's ledger index) no longer
    count, and the firm is regraded at once."""

    __tablename__ = "credit_repairs"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True, max_length=32)
    statement: str = Field(max_length=2000)
    #: JSON list of the SHA-256 of the documents it cites (uploaded through ``/v1/documents``).
    evidence: str = Field(sa_type=Text)
    status: str = Field(max_length=12, description="pending, accepted or rejected")
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    applied_at: dt.datetime
    reviewed_by: str | None = Field(default=None, foreign_key="organisations.id", max_length=32)
    opinion: str | None = Field(default=None, max_length=2000)
    review_record_id: str | None = Field(default=None, max_length=256)
    reviewed_at: dt.datetime | None = None


class CreditBlacklisting(SQLModel, table=True):
    """An organisation on the list of serious violators (严重违法失信名单), with the reason and the
    records behind it; ``delisted_at`` once a regulator took it off."""

    __tablename__ = "credit_blacklist"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True, max_length=32)
    reason: str = Field(max_length=1000)
    #: JSON list of the ledger record ids the listing rests on.
    record_ids: str = Field(sa_type=Text)
    listed_by: str = Field(foreign_key="organisations.id", max_length=32)
    record_id: str = Field(max_length=256)
    listed_at: dt.datetime
