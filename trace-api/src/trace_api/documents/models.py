"""Uploaded documents (certificates, customs declarations), stored once by content hash.

The same bytes uploaded by two organisations are one document held by both: each holder is a
row of ``document_holders``, as an uploader or as an organisation the document was shared with.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlmodel import Field, SQLModel


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    content_type: str = Field(max_length=100)
    size: int
    filename: str = Field(max_length=255)
    uploaded_by: str = Field(foreign_key="organisations.id")  # the first uploader
    created_at: dt.datetime


class HeldAs(StrEnum):
    uploaded = "uploaded"
    shared = "shared"


class DocumentHolder(SQLModel, table=True):
    """An organisation that may cite the document in a batch and read it."""

    __tablename__ = "document_holders"

    sha256: str = Field(primary_key=True, foreign_key="documents.sha256", max_length=64)
    org_id: str = Field(primary_key=True, foreign_key="organisations.id", max_length=32)
    held_as: HeldAs
    record_id: str | None = Field(default=None, max_length=256)  # the share's ledger record
    created_at: dt.datetime
