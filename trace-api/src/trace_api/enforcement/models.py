"""Inspectors and the on-site inspections they record (现场检查).

An inspector is a person of a regulator organisation, acting through an API key of kind
``inspector`` that only the inspection routes accept, and signing documents with an Ed25519 key of
their own whose public half they register. An inspection is named by its number
(``JC-<yyyymmdd>-<seq>``, China Standard Time); its row holds what lists show, and its
``inspection.recorded`` record holds every finding. Evidence (photos, video) is stored
content-addressed in the documents folder and named in the record by SHA-256.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel


class FindingResult(StrEnum):
    passed = "pass"  # 符合
    failed = "fail"  # 不符合
    not_applicable = "not_applicable"  # 不适用


class Inspector(SQLModel, table=True):
    __tablename__ = "inspectors"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    name: str = Field(max_length=50)
    #: The law-enforcement certificate number (执法证号), unique within the network.
    badge_no: str = Field(max_length=32, unique=True)
    api_key_id: str = Field(foreign_key="api_keys.id", unique=True, max_length=32)
    #: The raw 32-byte Ed25519 public key (hex) the inspector signs documents with; None until registered.
    public_key: str | None = Field(default=None, max_length=64)
    key_registered_at: dt.datetime | None = None
    #: The ``inspection.signing_key_registered`` record of that key.
    key_record_id: str | None = Field(default=None, max_length=256)
    created_at: dt.datetime


class EnforcementInspection(SQLModel, table=True):
    __tablename__ = "enforcement_inspections"
    __table_args__ = (Index("ix_enforcement_inspections_time", "inspected_at", "id"),)

    #: The inspection number (检查编号).
    id: str = Field(primary_key=True, max_length=40)
    #: The id the inspector's phone gave it: the same inspection sent twice is recorded once.
    client_id: str = Field(max_length=64, unique=True)
    template: str = Field(max_length=32)
    inspector_id: str = Field(foreign_key="inspectors.id", index=True)
    regulator_org_id: str = Field(foreign_key="organisations.id", index=True)
    jurisdiction: str = Field(max_length=100, index=True)
    party_org_id: str = Field(foreign_key="organisations.id", index=True)
    inspected_at: dt.datetime
    recorded_at: dt.datetime
    failed_items: int
    evidence_count: int
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class DocumentKind(StrEnum):
    inspection_record = "inspection_record"  # 现场检查笔录
    rectification_order = "rectification_order"  # 责令改正通知书


#: The suffix of each kind's document number after its inspection's.
DOCUMENT_SUFFIX = {DocumentKind.inspection_record: "BL", DocumentKind.rectification_order: "ZG"}


class DocumentStatus(StrEnum):
    issued = "issued"  # drawn up, awaiting the inspector's signature
    signed = "signed"  # signed by the inspector, awaiting the party's
    delivered = "delivered"  # countersigned by the party and delivered to it


class EnforcementDocument(SQLModel, table=True):
    """A paperless enforcement document: its PDF is rendered from its ``inspection.document_issued``
    record; once signed, the signed bytes are kept in the documents folder under ``pdf_sha256``."""

    __tablename__ = "enforcement_documents"

    #: ``<inspection number>-BL`` (笔录) or ``-ZG`` (责令改正).
    id: str = Field(primary_key=True, max_length=48)
    inspection_id: str = Field(foreign_key="enforcement_inspections.id", index=True, max_length=40)
    kind: str = Field(max_length=32, description="a DocumentKind")
    status: str = Field(max_length=16, description="a DocumentStatus")
    jurisdiction: str = Field(max_length=100, index=True)
    party_org_id: str = Field(foreign_key="organisations.id", index=True)
    inspector_id: str = Field(foreign_key="inspectors.id")
    issued_at: dt.datetime
    issued_record_id: str = Field(max_length=256)
    pdf_sha256: str | None = Field(default=None, max_length=64, index=True)
    signed_at: dt.datetime | None = None
    signed_record_id: str | None = Field(default=None, max_length=256)
    delivered_at: dt.datetime | None = None
    countersigned_record_id: str | None = Field(default=None, max_length=256)
