"""Filings of small food businesses (三小一摊: 小作坊, 小餐饮, 小食杂店, 食品摊贩) and their inspections.

A filing is one application, named by its acceptance number (办件流水号,
``SX-<division code>-<yyyymmdd>-<seq>``). Its row holds where it stands now; every step it took
(submitted, accepted, more materials requested, supplemented, approved, refused, inspected) is a
ledger record naming the filing as its subject, so its history is read from the ledger. Times
are UTC; dates (the acceptance number's, a certificate's validity) are China Standard Time.

The applicant is a member organisation (``applicant_org_id``) or a person without membership,
who holds the query code handed out once at submission (only its SHA-256 is kept).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel


class BusinessType(StrEnum):
    workshop = "workshop"  # 食品小作坊
    small_restaurant = "small_restaurant"  # 小餐饮
    small_shop = "small_shop"  # 小食杂店
    stall = "stall"  # 食品摊贩


class FilingStatus(StrEnum):
    submitted = "submitted"  # awaiting acceptance (受理)
    accepted = "accepted"  # accepted, under review
    more_requested = "more_requested"  # awaiting the applicant's supplement (补正)
    approved = "approved"  # registered (准予): a certificate is issued
    refused = "refused"  # refused (不予): a decision is issued


#: A filing in either of these states is decided: nothing more changes it.
DECIDED = frozenset({FilingStatus.approved, FilingStatus.refused})


class MaterialKind(StrEnum):
    id_document = "id_document"  # 经营者身份证明
    premises_proof = "premises_proof"  # 经营场所证明
    health_certificate = "health_certificate"  # 从业人员健康证明
    layout = "layout"  # 布局平面图与工艺流程
    other = "other"  # 其他材料


class InspectionResult(StrEnum):
    passed = "pass"  # 符合
    rectify = "rectify"  # 责令整改
    failed = "fail"  # 不符合


class Filing(SQLModel, table=True):
    __tablename__ = "filings"
    __table_args__ = (
        Index("ix_filings_time", "submitted_at", "id"),
        Index("ix_filings_status_time", "status", "submitted_at"),
    )

    #: The acceptance number (办件流水号).
    id: str = Field(primary_key=True, max_length=40)
    business_type: str = Field(max_length=20, description="a BusinessType")
    business_name: str = Field(max_length=100)
    address: str = Field(max_length=200)
    #: The county-level administrative division (GB/T 2260) the business is in.
    division_code: str = Field(max_length=6)
    #: The jurisdiction of the regulators who review it: an admitted regulator's ``jurisdiction``.
    jurisdiction: str = Field(max_length=100, index=True)
    operator_name: str = Field(max_length=50)
    operator_id_number: str = Field(max_length=18, description="resident identity card number")
    uscc: str | None = Field(default=None, max_length=18)
    phone: str = Field(max_length=20)
    #: JSON list of what it makes or sells (经营项目).
    categories: str = Field(max_length=2000)
    employees: int
    applicant_org_id: str | None = Field(default=None, foreign_key="organisations.id", index=True)
    #: SHA-256 of a person applicant's query code; None for a member organisation.
    query_code_hash: bytes | None = None
    status: str = Field(max_length=20, description="a FilingStatus")
    submitted_at: dt.datetime
    accepted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    #: The regulator whose decision (approval or refusal) it was.
    decided_by: str | None = Field(default=None, foreign_key="organisations.id")
    #: How many times more materials were requested; each supplement answers the latest.
    requests: int = 0
    certificate_no: str | None = Field(default=None, max_length=40, unique=True)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    record_id: str = Field(max_length=256, description="the filing.submitted record")
    ledger_index: int = Field(sa_type=BigInteger)
    #: The filing.approved or filing.refused record.
    decision_record_id: str | None = Field(default=None, max_length=256)


class FilingMaterial(SQLModel, table=True):
    """One uploaded document of a filing, stored content-addressed under the documents folder."""

    __tablename__ = "filing_materials"

    id: str = Field(primary_key=True, max_length=32)
    filing_id: str = Field(foreign_key="filings.id", index=True, max_length=40)
    kind: str = Field(max_length=32, description="a MaterialKind")
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=100)
    size: int
    filename: str = Field(max_length=255)
    #: 0 for the application's own, n for the n-th supplement's.
    supplement: int = 0
    created_at: dt.datetime


class FilingInspection(SQLModel, table=True):
    """A regulator's daily inspection (日常检查) of a registered business."""

    __tablename__ = "filing_inspections"
    __table_args__ = (Index("ix_filing_inspections_filing_time", "filing_id", "inspected_at"),)

    id: str = Field(primary_key=True, max_length=32)
    filing_id: str = Field(foreign_key="filings.id", max_length=40)
    result: str = Field(max_length=16, description="an InspectionResult")
    #: JSON list of ``{"name", "passed", "note"}``: each item checked.
    items: str = Field(sa_column=Column(Text, nullable=False))
    notes: str = Field(max_length=2000)
    photo_sha256: str | None = Field(default=None, foreign_key="documents.sha256", max_length=64)
    org_id: str = Field(foreign_key="organisations.id", description="the inspecting regulator")
    key_id: str = Field(max_length=32)
    inspected_at: dt.datetime
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
