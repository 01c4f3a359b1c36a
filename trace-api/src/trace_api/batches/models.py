"""Batches (lots) admitted at the source, their certificates, and their lineage and holder."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class StorageClass(StrEnum):
    frozen = "frozen"
    chilled = "chilled"
    ambient = "ambient"


class CertificateType(StrEnum):
    quarantine = "quarantine"
    nucleic_acid_test = "nucleic_acid_test"
    disinfection = "disinfection"
    origin = "origin"
    health = "health"
    other = "other"


#: No certificate, no admission: what imported cold-chain food must carry (进口冷链食品).
REQUIRED_FOR_IMPORTED_COLD_CHAIN = (
    CertificateType.quarantine,
    CertificateType.nucleic_acid_test,
    CertificateType.disinfection,
)


class Batch(SQLModel, table=True):
    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("gtin", "lot"),
        Index("ix_batches_created_at_id", "created_at", "id"),  # the list's keyset order
        Index("ix_batches_lot", "lot"),
    )

    id: str = Field(primary_key=True, max_length=64)
    gtin: str = Field(max_length=14, index=True)
    lot: str = Field(max_length=20)
    product_name: str = Field(max_length=200)
    quantity: float
    unit: str = Field(max_length=16)
    storage_class: StorageClass
    imported: bool = True
    origin_country: str = Field(max_length=2)
    producer: str = Field(max_length=200)
    establishment_number: str = Field(max_length=64)
    production_date: dt.date
    expiry_date: dt.date
    customs_declaration: str | None = Field(default=None, max_length=64)
    importer_org_id: str = Field(foreign_key="organisations.id", index=True)
    holder_org_id: str = Field(foreign_key="organisations.id", index=True)
    parent_id: str | None = Field(default=None, foreign_key="batches.id", index=True)
    admission_record_id: str = Field(max_length=256)
    chain_tx: str | None = Field(default=None, max_length=66)
    recalled: bool = False
    created_at: dt.datetime


class Certificate(SQLModel, table=True):
    __tablename__ = "certificates"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    cert_type: CertificateType
    number: str = Field(max_length=64)
    issuer: str = Field(max_length=200)
    issued_on: dt.date
    result: str = Field(max_length=32)
    document_sha256: str = Field(foreign_key="documents.sha256", max_length=64)
