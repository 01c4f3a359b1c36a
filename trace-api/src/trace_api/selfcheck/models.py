"""Enterprise self-inspection (企业自查): checklists, campaigns, submissions, rectifications and
the on-site inspection tasks that data supervision opens.

A checklist (自查要点表) is published per industry and versioned: a new version of the same code
never changes an earlier one, and a campaign names the version it uses. A campaign asks the firms
of its industry in its jurisdiction to inspect themselves over a period, every day (``daily``) or
once (``once``). Every row here mirrors ledger records (:mod:`.facts`); the rows are what lists
and sums read. Times are UTC; a campaign's days and a daily submission's day are China Standard
Time dates.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..orgs.models import OrgType


class Industry(StrEnum):
    """The industries checklists are published for, and the organisations that belong to each."""

    catering = "catering"  # 餐饮服务
    food_sales = "food_sales"  # 食品销售
    food_production = "food_production"  # 食品生产
    farmers_market = "farmers_market"  # 农贸市场
    special_equipment = "special_equipment"  # 特种设备使用


#: The organisation types that are members of each industry.
INDUSTRY_MEMBERS: dict[Industry, frozenset[OrgType]] = {
    Industry.catering: frozenset({OrgType.restaurant}),
    Industry.food_sales: frozenset({OrgType.importer, OrgType.wholesaler, OrgType.retailer}),
    Industry.food_production: frozenset({OrgType.producer}),
    Industry.farmers_market: frozenset({OrgType.market, OrgType.vendor}),
    Industry.special_equipment: frozenset({OrgType.user_unit}),
}


class Frequency(StrEnum):
    daily = "daily"  # 日常自查: one submission a day of the period
    once = "once"  # 专项自查: one submission in the period


class RectificationStatus(StrEnum):
    open = "open"  # awaiting the firm's evidence (also after a rejection)
    submitted = "submitted"  # evidence given, awaiting the regulator's review
    accepted = "accepted"  # closed


class FlagReason(StrEnum):
    """Why data supervision doubts a submission (数据质量)."""

    photo_reused = "photo_reused"  # a photo that an earlier submission carried
    too_fast = "too_fast"  # the checklist completed faster than its items can be inspected
    always_pass = "always_pass"  # every item passed in each of the last submissions


class Checklist(SQLModel, table=True):
    __tablename__ = "selfcheck_checklists"
    __table_args__ = (UniqueConstraint("code", "version"),)

    #: ``<code>@v<version>``.
    id: str = Field(primary_key=True, max_length=80)
    code: str = Field(max_length=64, index=True)
    version: int
    industry: str = Field(max_length=32, description="an Industry")
    title: str = Field(max_length=200)
    #: JSON list of items: ``{"code", "text", "basis", "photo_required"}``.
    items: str
    jurisdiction: str = Field(max_length=100)
    published_by: str = Field(foreign_key="organisations.id")
    published_at: dt.datetime
    record_id: str = Field(max_length=256)


class Campaign(SQLModel, table=True):
    __tablename__ = "selfcheck_campaigns"
    __table_args__ = (Index("ix_selfcheck_campaigns_place", "jurisdiction", "industry"),)

    #: ``ZC-<yyyymmdd>-<seq>``, dated the day it was opened.
    id: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=200)
    checklist_id: str = Field(foreign_key="selfcheck_checklists.id")
    industry: str = Field(max_length=32)
    jurisdiction: str = Field(max_length=100)
    frequency: str = Field(max_length=10, description="a Frequency")
    starts_on: dt.date
    ends_on: dt.date
    opened_by: str = Field(foreign_key="organisations.id")
    opened_at: dt.datetime
    record_id: str = Field(max_length=256)


class Submission(SQLModel, table=True):
    __tablename__ = "selfcheck_submissions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "org_id", "period"),
        Index("ix_selfcheck_submissions_org_time", "org_id", "submitted_at"),
    )

    id: str = Field(primary_key=True, max_length=32)
    campaign_id: str = Field(foreign_key="selfcheck_campaigns.id", index=True)
    org_id: str = Field(foreign_key="organisations.id")
    #: The day it answers: its own day for a daily campaign, the first day for a campaign run once.
    period: dt.date
    started_at: dt.datetime
    submitted_at: dt.datetime
    items: int
    failed: int
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Answer(SQLModel, table=True):
    """One item of a submission; its photo by SHA-256 (the bytes are in the documents store)."""

    __tablename__ = "selfcheck_answers"

    submission_id: str = Field(foreign_key="selfcheck_submissions.id", primary_key=True, max_length=32)
    item: str = Field(primary_key=True, max_length=64)
    passed: bool
    note: str = Field(default="", max_length=500)
    photo_sha256: str | None = Field(default=None, max_length=64, index=True)


class Rectification(SQLModel, table=True):
    """整改: opened by a failing item, completed by the firm, reviewed by a regulator."""

    __tablename__ = "selfcheck_rectifications"

    #: ``<submission id>:<item code>``.
    id: str = Field(primary_key=True, max_length=100)
    submission_id: str = Field(foreign_key="selfcheck_submissions.id", index=True)
    campaign_id: str = Field(foreign_key="selfcheck_campaigns.id")
    org_id: str = Field(foreign_key="organisations.id", index=True)
    jurisdiction: str = Field(max_length=100)
    item: str = Field(max_length=64)
    status: str = Field(max_length=12, description="a RectificationStatus")
    opened_at: dt.datetime
    #: How many times the firm gave evidence, and how many reviews were taken.
    rounds: int = 0
    reviews: int = 0
    closed_at: dt.datetime | None = None


class InspectionTask(SQLModel, table=True):
    """An on-site inspection (现场检查) that a data-quality flag asks for; open until an inspector's
    inspection of the firm names it (then ``inspection_id``, ``done_at`` and ``done_record_id``)."""

    __tablename__ = "selfcheck_inspection_tasks"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    jurisdiction: str = Field(max_length=100, index=True)
    submission_id: str = Field(foreign_key="selfcheck_submissions.id")
    reason: str = Field(max_length=20, description="a FlagReason")
    detail: str = Field(max_length=500)
    #: JSON list of the record ids the flag rests on.
    evidence: str
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    alert_id: str | None = Field(default=None, max_length=32)
    #: The enforcement inspection (``JC-…``) that did it, when, and its record
    #: (``selfcheck.inspection_task_done``).
    inspection_id: str | None = Field(default=None, max_length=40)
    done_at: dt.datetime | None = None
    done_record_id: str | None = Field(default=None, max_length=256)


class ClosedPeriod(SQLModel, table=True):
    """A campaign's period closed (``selfcheck.period_closed``): one row a period, written with its
    record in one transaction, so no period is closed twice."""

    __tablename__ = "selfcheck_periods_closed"

    campaign_id: str = Field(foreign_key="selfcheck_campaigns.id", primary_key=True, max_length=40)
    #: A day of a daily campaign; the first day of a campaign run once.
    period: dt.date = Field(primary_key=True)
    asked: int
    missed: int
    closed_at: dt.datetime
    record_id: str = Field(max_length=256)
