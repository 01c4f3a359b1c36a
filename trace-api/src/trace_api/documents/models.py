"""Uploaded documents (certificates, customs declarations), stored once by content hash."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class Document(SQLModel, table=True):
    __tablename__ = "documents"

    sha256: str = Field(primary_key=True, max_length=64)
    content_type: str = Field(max_length=100)
    size: int
    filename: str = Field(max_length=255)
    uploaded_by: str = Field(foreign_key="organisations.id")
    created_at: dt.datetime
