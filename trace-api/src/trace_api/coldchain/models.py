"""Cold-chain evidence: where batches stay, sensor readings, alerts, and what could not be taken.

Times are UTC. Readings are keyed by (device, sequence number): the device's own counter, which
makes every redelivery of a message recognisable.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, get_args

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class BatchStay(SQLModel, table=True):
    """A batch at one place (a storage location or a vehicle) from ``started_at`` until ``ended_at``."""

    __tablename__ = "batch_stays"
    __table_args__ = (Index("ix_batch_stays_place_time", "place", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(foreign_key="batches.id", index=True)
    org_id: str = Field(foreign_key="organisations.id")
    place: str = Field(max_length=400)
    label: str = Field(max_length=200, description="the place as the scan named it, or the vehicle plate")
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    record_id: str = Field(max_length=256, description="the ledger record that began the stay")


class SensorReading(SQLModel, table=True):
    __tablename__ = "sensor_readings"
    __table_args__ = (
        UniqueConstraint("device_id", "seq"),
        Index("ix_sensor_readings_device_time", "device_id", "measured_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_id: str = Field(foreign_key="devices.id")
    #: Up to 2^53: devices may count in milliseconds since the epoch.
    seq: int = Field(sa_type=BigInteger)
    kind: str = Field(max_length=16)
    measured_at: dt.datetime
    #: The reading's number in its unit (°C, %RH, kg; 1/0 for a door open/closed); null for a location.
    value: float | None = None
    unit: str | None = Field(default=None, max_length=8)
    #: SHA-256 of the message payload, to tell a redelivery from a reused sequence number.
    payload_sha256: str = Field(max_length=64)
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
    received_at: dt.datetime


#: The rules ingest opens alerts by (``Alert.rule``): a cold-chain excursion, a door left open,
#: a device gone silent (see ``ingest.rules``).
ColdChainRule = Literal["temperature", "door_open", "silent"]
ALERT_RULES: tuple[str, ...] = get_args(ColdChainRule)
#: Every rule an alert may be opened by: the cold chain's, then the other domains' (opened and
#: closed through ``trace_api.alerting``): a market stall's failed rapid test, a vendor's short
#: weight; a lift overdue for maintenance, maintained away from where it stands, its maintenance
#: contract expiring or missing, its fault.
AlertRule = Literal[
    "temperature",
    "door_open",
    "silent",
    "rapid_test_failed",
    "short_weight",
    "maintenance_overdue",
    "maintenance_too_far",
    "contract_expiring",
    "contract_missing",
    "equipment_fault",
    "selfcheck_flag",
]
EVERY_ALERT_RULE: tuple[str, ...] = get_args(AlertRule)


class Alert(SQLModel, table=True):
    """Something a rule found wrong, open until its cause is gone: a cold-chain excursion, a door
    left open or a silent device (from a device's readings), or another domain's finding about
    one of its subjects (a stall's failed rapid test, an overdue lift), which names no device."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_subject", "subject_type", "subject_id", "rule"),)

    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    #: The device whose readings raised it; None for an alert about a domain's subject.
    device_id: str | None = Field(default=None, foreign_key="devices.id", index=True)
    #: What a device-less alert is about (``stall``, ``vendor``, ``equipment``, …) and its id.
    subject_type: str | None = Field(default=None, max_length=32)
    subject_id: str | None = Field(default=None, max_length=128)
    rule: str = Field(max_length=32)
    place: str = Field(max_length=400)
    detail: str = Field(max_length=500)
    started_at: dt.datetime
    #: The alert lists page newest first by (opened_at, id).
    opened_at: dt.datetime = Field(index=True)
    closed_at: dt.datetime | None = Field(default=None, index=True)
    #: Extreme value seen while the alert was open (the highest for "too warm", lowest for "too cold").
    worst_value: float | None = None
    batch_ids: str = Field(default="", max_length=4000, description="comma-separated batches at the place")
    open_record_id: str = Field(max_length=256)
    close_record_id: str | None = Field(default=None, max_length=256)


class AlertAcknowledgement(SQLModel, table=True):
    """Someone saw the alert and said what is being done: the alert's own organisation or a
    regulator, once per alert. It does not close the alert (readings back in range do)."""

    __tablename__ = "alert_acknowledgements"

    alert_id: str = Field(foreign_key="alerts.id", primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisations.id")
    key_id: str = Field(max_length=32, description="the member API key that acknowledged")
    note: str = Field(max_length=500)
    acknowledged_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class AlertState(SQLModel, table=True):
    """Where one rule stands for one device: shared by every ingest worker through the database."""

    __tablename__ = "alert_states"

    device_id: str = Field(foreign_key="devices.id", primary_key=True)
    rule: str = Field(primary_key=True, max_length=32)
    #: Device time of the newest reading this rule has looked at (older ones arrive out of order).
    last_time: dt.datetime
    #: When the current out-of-range run began; null while in range.
    pending_since: dt.datetime | None = None
    worst_value: float | None = None
    alert_id: str | None = Field(default=None, max_length=40)


class DeadLetter(SQLModel, table=True):
    """A message the ingest could not take, kept with the reason: never silently dropped.

    The same topic and payload seen again (a redelivery, a device repeating itself) counts as a repeat.
    """

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    message_sha256: str = Field(unique=True, max_length=64, description="SHA-256 of topic, NUL, payload")
    topic: str = Field(max_length=400)
    payload: bytes
    reason: str = Field(max_length=64, index=True)
    detail: str = Field(max_length=1000)
    org_handle: str | None = Field(default=None, max_length=64, index=True)
    device_name: str | None = Field(default=None, max_length=63)
    received_at: dt.datetime
    repeats: int = 1
    last_received_at: dt.datetime
