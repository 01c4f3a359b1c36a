"""Special equipment (特种设备), elevators first: the registry, maintenance contracts, periodic
inspections, maintenance records and the faults reported from the public page.

Times are UTC; dates (a contract's term, an inspection's validity) are calendar dates in China.
Each row that states a fact names its ledger record (``record_id``, ``ledger_index``).
An elevator belongs to a grid area (网格) whose inspector supervises it; its user unit (使用单位)
answers for it and its maintenance unit (维保单位) maintains it under a contract.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel


class Grid(SQLModel, table=True):
    """A grid area of supervision (网格) and the inspector in charge of it."""

    __tablename__ = "equipment_grids"

    id: str = Field(primary_key=True, max_length=32)
    code: str = Field(unique=True, max_length=32)
    name: str = Field(max_length=100)
    #: The regulator organisation the inspector works for: it is told of escalated alerts.
    regulator_org_id: str = Field(foreign_key="organisations.id", index=True)
    inspector: str = Field(max_length=64, description="the named inspector (网格监管员)")
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Equipment(SQLModel, table=True):
    """One registered elevator (or escalator, moving walk: the catalogue's 3000 电梯)."""

    __tablename__ = "equipment"
    __table_args__ = (Index("ix_equipment_grid_code", "grid_id", "code"),)

    id: str = Field(primary_key=True, max_length=32)
    #: The 20-digit equipment code (设备代码): see :mod:`.codes`.
    code: str = Field(unique=True, max_length=20)
    registration_number: str | None = Field(default=None, unique=True, max_length=32)
    name: str = Field(max_length=100, description="how people on site name it, e.g. 3号楼 1号梯")
    latitude: float
    longitude: float
    address: str = Field(max_length=200)
    user_org_id: str = Field(foreign_key="organisations.id", index=True)
    maintainer_org_id: str = Field(foreign_key="organisations.id", index=True)
    grid_id: str = Field(foreign_key="equipment_grids.id")
    registered_at: dt.datetime
    #: The latest maintenance's time (None before the first one).
    last_maintained_at: dt.datetime | None = None
    #: What the next maintenance is due from: the latest maintenance, else the registration.
    due_from: dt.datetime = Field(index=True)
    #: The last day of the latest periodic inspection's validity (定期检验 下次检验日期 before it).
    inspection_valid_until: dt.date | None = None
    #: Since when the elevator reports a fault, an alarm or someone trapped; None once restored.
    fault_since: dt.datetime | None = Field(default=None, index=True)
    fault_event: str | None = Field(default=None, max_length=16)
    #: The device time of the latest monitor event applied (an older one arriving late is recorded
    #: and changes nothing).
    event_at: dt.datetime | None = None
    #: The due time the latest reminder was sent for (a reminder goes once per due time), and the
    #: due time whose overdue maintenance went to the grid inspector.
    reminded_for: dt.datetime | None = None
    escalated_for: dt.datetime | None = None
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Contract(SQLModel, table=True):
    """A maintenance contract (维保合同) for one elevator, with its term, both days included."""

    __tablename__ = "equipment_contracts"
    __table_args__ = (Index("ix_equipment_contracts_term", "equipment_id", "ends_on"),)

    id: str = Field(primary_key=True, max_length=32)
    equipment_id: str = Field(foreign_key="equipment.id")
    maintainer_org_id: str = Field(foreign_key="organisations.id")
    number: str = Field(max_length=64)
    starts_on: dt.date
    ends_on: dt.date
    org_id: str = Field(foreign_key="organisations.id", description="who recorded it")
    key_id: str = Field(max_length=32)
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Inspection(SQLModel, table=True):
    """A periodic inspection (定期检验) and the certificate's validity."""

    __tablename__ = "equipment_inspections"
    __table_args__ = (Index("ix_equipment_inspections_time", "equipment_id", "inspected_on"),)

    id: str = Field(primary_key=True, max_length=32)
    equipment_id: str = Field(foreign_key="equipment.id")
    certificate_number: str = Field(max_length=64)
    inspected_on: dt.date
    valid_until: dt.date
    org_id: str = Field(foreign_key="organisations.id", description="the regulator that recorded it")
    key_id: str = Field(max_length=32)
    created_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Maintenance(SQLModel, table=True):
    """One maintenance visit (维护保养) as the maintainer's phone recorded it."""

    __tablename__ = "equipment_maintenance"
    __table_args__ = (Index("ix_equipment_maintenance_time", "equipment_id", "performed_at", "id"),)

    id: str = Field(primary_key=True, max_length=32)
    equipment_id: str = Field(foreign_key="equipment.id")
    org_id: str = Field(foreign_key="organisations.id", description="the maintenance unit")
    key_id: str = Field(max_length=32)
    technician: str = Field(max_length=64)
    #: Comma-separated checklist items done (see :data:`.checklist.CHECKLIST`).
    items: str = Field(max_length=1000)
    #: Comma-separated SHA-256 of the photos (documents held by the maintenance unit).
    photos: str = Field(default="", max_length=1400)
    note: str | None = Field(default=None, max_length=1000)
    latitude: float
    longitude: float
    accuracy_m: float | None = None
    #: Metres from the elevator's registered position to where the phone was.
    distance_m: float
    #: Farther than the configured distance: kept, and flagged (``maintenance_too_far``).
    too_far: bool
    performed_at: dt.datetime
    recorded_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class FaultReport(SQLModel, table=True):
    """A fault reported by anyone from the elevator's public page (故障报修).

    What the reporter typed stays here, for the units and the inspector; the ledger records its
    SHA-256 only (the log is immutable and may be shown as proof: a stranger's words and phone
    number must stay erasable). ``client_key`` is a keyed hash of the reporter's address, never
    the address, kept to bound how often one address reports.
    """

    __tablename__ = "equipment_fault_reports"
    __table_args__ = (
        Index("ix_equipment_fault_reports_time", "equipment_id", "received_at"),
        Index("ix_equipment_fault_reports_client", "client_key", "received_at"),
    )

    id: str = Field(primary_key=True, max_length=32)
    equipment_id: str = Field(foreign_key="equipment.id")
    problem: str = Field(max_length=16, description="a FaultProblem")
    detail: str = Field(default="", max_length=500)
    contact: str | None = Field(default=None, max_length=40)
    client_key: str = Field(max_length=64)
    received_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class EquipmentEvent(SQLModel, table=True):
    """A fault, alarm, trapped passenger or restoration an elevator's monitor published (MQTT)."""

    __tablename__ = "equipment_events"
    __table_args__ = (Index("ix_equipment_events_time", "equipment_id", "happened_at"),)

    id: str = Field(primary_key=True, max_length=32)
    equipment_id: str = Field(foreign_key="equipment.id")
    device_id: str = Field(foreign_key="devices.id")
    event: str = Field(max_length=16)
    fault_code: str | None = Field(default=None, max_length=32)
    detail: str | None = Field(default=None, max_length=500)
    happened_at: dt.datetime
    #: The device reading's own ledger record, and this event's.
    reading_record_id: str = Field(max_length=256)
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
