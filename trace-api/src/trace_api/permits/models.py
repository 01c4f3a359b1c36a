"""Food business permits (食品经营许可证) and their applications' materials.

A permit application is named by its application number (``XK-<division code>-<yyyymmdd>-<seq>``).
Its row holds where it stands now; every step it took (submitted, accepted, examined, approved,
refused) and every change of its certificate (suspended, reinstated, revoked) is a ledger record
naming the application and, once issued, its certificate, so its history is read from the ledger
and the certificate's public page reads its state there. Times are UTC; dates (the application
number's, a certificate's validity) are China Standard Time.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel


class BusinessFormat(StrEnum):
    """主体业态: the form of the business, the first digit of its permit number."""

    food_sales = "food_sales"  # 食品销售经营者
    catering = "catering"  # 餐饮服务经营者
    canteen = "canteen"  # 单位食堂


#: The digit after ``JY`` in a permit number, by business format.
FORMAT_DIGITS = {BusinessFormat.food_sales: "1", BusinessFormat.catering: "2", BusinessFormat.canteen: "3"}


class PermitStatus(StrEnum):
    submitted = "submitted"  # awaiting acceptance (受理)
    accepted = "accepted"  # accepted, under examination (审查)
    examined = "examined"  # examined with an opinion, awaiting the decision (决定)
    approved = "approved"  # permitted (准予许可): a certificate is issued
    refused = "refused"  # refused (不予许可)


DECIDED = frozenset({PermitStatus.approved, PermitStatus.refused})


class CertificateState(StrEnum):
    """What regulators did to an issued certificate (its expiry is a matter of the clock)."""

    active = "active"
    suspended = "suspended"  # 暂停 (责令停产停业)
    revoked = "revoked"  # 撤销/吊销: final


class MaterialKind(StrEnum):
    business_licence = "business_licence"  # 营业执照
    id_document = "id_document"  # 法定代表人（负责人）身份证明
    premises_proof = "premises_proof"  # 经营场所使用证明
    layout = "layout"  # 经营设施设备布局和操作流程
    safety_rules = "safety_rules"  # 食品安全管理制度
    other = "other"  # 其他材料


class Permit(SQLModel, table=True):
    __tablename__ = "permits"
    __table_args__ = (
        Index("ix_permits_time", "submitted_at", "id"),
        Index("ix_permits_status_time", "status", "submitted_at"),
    )

    #: The application number (申请编号).
    id: str = Field(primary_key=True, max_length=40)
    business_format: str = Field(max_length=20, description="a BusinessFormat")
    business_name: str = Field(max_length=100)
    uscc: str = Field(max_length=18, index=True)
    legal_representative: str = Field(max_length=50)
    premises: str = Field(max_length=200, description="经营场所")
    division_code: str = Field(max_length=6)
    jurisdiction: str = Field(max_length=100, index=True)
    phone: str = Field(max_length=20)
    #: JSON list of the business items applied for (经营项目).
    items: str = Field(max_length=2000)
    applicant_org_id: str | None = Field(default=None, foreign_key="organisations.id", index=True)
    #: SHA-256 of a person applicant's query code; None for a member organisation.
    query_code_hash: bytes | None = None
    status: str = Field(max_length=20, description="a PermitStatus")
    submitted_at: dt.datetime
    decided_at: dt.datetime | None = None
    decided_by: str | None = Field(default=None, foreign_key="organisations.id")
    certificate_no: str | None = Field(default=None, max_length=20, unique=True)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    #: A CertificateState once a certificate is issued.
    certificate_state: str | None = Field(default=None, max_length=20)
    record_id: str = Field(max_length=256, description="the permit.submitted record")
    ledger_index: int = Field(sa_type=BigInteger)
    #: The permit.approved or permit.refused record.
    decision_record_id: str | None = Field(default=None, max_length=256)


class PermitMaterial(SQLModel, table=True):
    """One uploaded document of an application, stored content-addressed under the documents folder."""

    __tablename__ = "permit_materials"

    id: str = Field(primary_key=True, max_length=32)
    permit_id: str = Field(foreign_key="permits.id", index=True, max_length=40)
    kind: str = Field(max_length=32, description="a MaterialKind")
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=100)
    size: int
    filename: str = Field(max_length=255)
    created_at: dt.datetime
