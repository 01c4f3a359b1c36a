"""Captured EPCIS events, their identifiers (for MATCH_ queries) and capture jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class EpcisEvent(SQLModel, table=True):
    __tablename__ = "epcis_events"
    __table_args__ = (
        Index("ix_epcis_events_record_time_id", "record_time", "event_id"),
        Index("ix_epcis_events_event_time", "event_time"),
    )

    event_id: str = Field(primary_key=True, max_length=120, description="GS1 Event Hash ID")
    declared_event_id: str | None = Field(
        default=None, max_length=300, index=True, description="the eventID the capturing application set"
    )
    event_type: str = Field(max_length=32, index=True)
    action: str | None = Field(default=None, max_length=8)
    event_time: dt.datetime
    record_time: dt.datetime
    biz_step: str | None = Field(default=None, max_length=200, index=True)
    disposition: str | None = Field(default=None, max_length=200, index=True)
    read_point: str | None = Field(default=None, max_length=300, index=True)
    biz_location: str | None = Field(default=None, max_length=300, index=True)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    capture_id: str | None = Field(default=None, max_length=32, index=True)
    record_id: str = Field(max_length=256, description="the ledger record carrying the event")
    body: str = Field(sa_column=Column(Text, nullable=False), description="the event, standalone JSON-LD")


class EpcisEventKey(SQLModel, table=True):
    """One identifier an event names, by the query parameter that matches it (epc, anyEPC, epcClass…)."""

    __tablename__ = "epcis_event_keys"
    __table_args__ = (Index("ix_epcis_event_keys_lookup", "kind", "value"),)

    event_id: str = Field(foreign_key="epcis_events.event_id", primary_key=True, max_length=120)
    kind: str = Field(primary_key=True, max_length=16)
    value: str = Field(primary_key=True, max_length=300)


class CaptureJob(SQLModel, table=True):
    """One captured document: written when its capture starts, updated as its events are written."""

    __tablename__ = "epcis_capture_jobs"

    id: str = Field(primary_key=True, max_length=32)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    behaviour: str = Field(max_length=8)
    status: str = Field(max_length=16, description="running, succeeded, partial, failed or interrupted")
    events: int
    processed: int = Field(default=0, description="events of the document dealt with so far, in order")
    captured: int
    duplicates: int
    errors: str = Field(sa_column=Column(Text, nullable=False), description="JSON list of per-event errors")
    created_at: dt.datetime
    finished_at: dt.datetime | None = None


class NamedQuery(SQLModel, table=True):
    """An organisation's saved EPCIS query (its SimpleEventQuery parameters)."""

    __tablename__ = "epcis_queries"
    __table_args__ = (Index("ix_epcis_queries_org_name", "org_id", "name", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: str = Field(foreign_key="organisations.id")
    name: str = Field(max_length=100)
    params: str = Field(sa_column=Column(Text, nullable=False), description="JSON object: parameter → values")
    created_at: dt.datetime


class Subscription(SQLModel, table=True):
    """Deliveries of a named query's new events to a webhook, signed with the subscription's secret."""

    __tablename__ = "epcis_subscriptions"

    id: str = Field(primary_key=True, max_length=32)
    query_id: int = Field(foreign_key="epcis_queries.id", index=True)
    dest: str = Field(max_length=500)
    secret: str = Field(max_length=200)
    active: bool = True
    created_at: dt.datetime


class Delivery(SQLModel, table=True):
    """One event owed to one subscription: retried with backoff until the receiver accepts it."""

    __tablename__ = "epcis_deliveries"
    __table_args__ = (
        Index("ix_epcis_deliveries_once", "subscription_id", "event_id", unique=True),
        Index("ix_epcis_deliveries_due", "delivered_at", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="epcis_subscriptions.id")
    event_id: str = Field(foreign_key="epcis_events.event_id", max_length=120)
    attempts: int = 0
    next_attempt_at: dt.datetime
    delivered_at: dt.datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
