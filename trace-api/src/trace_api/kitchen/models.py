"""Kitchen-camera incidents (明厨亮灶) and the rectifications (整改) restaurants answer them with.

An incident is a violation a camera saw persist (a cook without a chef hat, a rodent, …); its
ledger record ``incident.detected`` carries the evidence hashes. A rectification is the
restaurant's answer with its own photo, recorded as ``incident.rectified``. A regulator reviews
each rectification once (``incident.reviewed``): accepted closes the incident, rejected reopens it
for another rectification. Times are UTC. Pictures are documents (``documents`` table), stored by
SHA-256.

An incident is open while ``rectified_at`` is unset, awaits review while ``rectified_at`` is set
and ``closed_at`` is not, and is closed once ``closed_at`` is set.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel


class Incident(SQLModel, table=True):
    __tablename__ = "kitchen_incidents"
    __table_args__ = (
        Index("ix_kitchen_incidents_org_time", "org_id", "detected_at"),
        Index("ix_kitchen_incidents_time", "detected_at", "id"),
    )

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id")
    device_id: str = Field(foreign_key="devices.id", index=True)
    violation: str = Field(max_length=64)
    place: str = Field(max_length=400)
    #: The violation's span as the camera saw it, and when the incident was recorded.
    started_at: dt.datetime
    ended_at: dt.datetime
    detected_at: dt.datetime
    confidence: float
    #: JSON list of ``{"class", "confidence", "box": [x1, y1, x2, y2], "role"}`` in the best frame.
    boxes: str = Field(max_length=4000)
    snapshot_sha256: str = Field(foreign_key="documents.sha256", max_length=64)
    frame_sha256: str = Field(max_length=64, description="SHA-256 of the best frame's raw BGR pixels")
    frame_document_sha256: str = Field(foreign_key="documents.sha256", max_length=64)
    model_sha256: str = Field(max_length=64)
    model_version: str = Field(max_length=200)
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    #: Set by a rectification, unset again when a regulator rejects it.
    rectified_at: dt.datetime | None = Field(default=None, index=True)
    #: Set when a regulator accepts a rectification.
    closed_at: dt.datetime | None = Field(default=None, index=True)


class Rectification(SQLModel, table=True):
    __tablename__ = "kitchen_rectifications"

    id: str = Field(primary_key=True, max_length=32)
    incident_id: str = Field(foreign_key="kitchen_incidents.id", index=True)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    note: str = Field(max_length=2000)
    photo_sha256: str = Field(foreign_key="documents.sha256", max_length=64)
    key_id: str = Field(max_length=32, description="the member API key that answered")
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class ReviewDecision(StrEnum):
    accepted = "accepted"  # the incident is closed
    rejected = "rejected"  # the incident is open again: the restaurant rectifies anew


class RectificationReview(SQLModel, table=True):
    """A regulator's decision on one rectification; one per rectification."""

    __tablename__ = "kitchen_rectification_reviews"

    id: str = Field(primary_key=True, max_length=32)
    rectification_id: str = Field(foreign_key="kitchen_rectifications.id", unique=True)
    incident_id: str = Field(foreign_key="kitchen_incidents.id", index=True)
    decision: str = Field(max_length=16, description="a ReviewDecision")
    note: str = Field(max_length=2000)
    org_id: str = Field(foreign_key="organisations.id", description="the regulator")
    key_id: str = Field(max_length=32, description="the member API key that reviewed")
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
