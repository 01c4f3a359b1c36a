"""The special-equipment facts of the evidence ledger: one payload model per record kind
(``equipment.*``), as :mod:`trace_api.facts` describes them.

Organisations are named by handle and unified social credit code; an elevator by its equipment
code (设备代码). Dates are ISO dates, times RFC 3339 UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ..facts import Fact, Number


class GridDefined(Fact):
    """A regulator defined a grid area (网格) and named its inspector."""

    KIND: ClassVar[str] = "equipment.grid_defined"

    grid_id: str
    code: str
    name: str
    regulator: str  # handle of the inspector's organisation
    inspector: str


class EquipmentRegistered(Fact):
    """An elevator registered (使用登记): where it is, who uses and who maintains it, its grid."""

    KIND: ClassVar[str] = "equipment.registered"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"registration_number", "inspection_valid_until"})

    equipment_id: str
    code: str
    kind: str
    name: str
    latitude: Number
    longitude: Number
    address: str
    user: str
    user_uscc: str
    maintainer: str
    maintainer_uscc: str
    grid: str
    registration_number: str | None = None
    inspection_valid_until: dt.date | None = None


class ContractRecorded(Fact):
    """A maintenance contract (维保合同) for an elevator, with its term."""

    KIND: ClassVar[str] = "equipment.contract_recorded"

    contract_id: str
    code: str
    maintainer: str
    maintainer_uscc: str
    number: str
    starts_on: dt.date
    ends_on: dt.date


class EquipmentInspected(Fact):
    """A periodic inspection (定期检验) and how long its certificate is valid."""

    KIND: ClassVar[str] = "equipment.inspected"

    inspection_id: str
    code: str
    certificate_number: str
    inspected_on: dt.date
    valid_until: dt.date


class EquipmentMaintained(Fact):
    """A maintenance visit as the maintainer's phone recorded it, where it was and how far that is
    from the elevator (``too_far``: beyond the set distance; kept all the same)."""

    KIND: ClassVar[str] = "equipment.maintained"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"accuracy_m", "note"})

    maintenance_id: str
    code: str
    maintainer: str
    technician: str
    items: list[str]
    photos: list[str]  # SHA-256 of documents
    latitude: Number
    longitude: Number
    distance_m: Number
    too_far: bool
    performed_at: str
    accuracy_m: Number | None = None
    note: str | None = None


class MaintenanceDue(Fact):
    """A reminder to the maintenance and user units that an elevator's maintenance falls due."""

    KIND: ClassVar[str] = "equipment.maintenance_due"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"last_maintained_at"})

    code: str
    due_at: str
    maintainer: str
    user: str
    last_maintained_at: str | None = None


class OverdueEscalated(Fact):
    """An elevator's maintenance stayed overdue past the set days: its grid inspector is told."""

    KIND: ClassVar[str] = "equipment.overdue_escalated"

    code: str
    alert_id: str  # the maintenance_overdue alert
    due_at: str
    days_overdue: int
    maintainer: str
    user: str
    grid: str
    inspector: str
    regulator: str  # handle of the inspector's organisation


class FaultReported(Fact):
    """Someone reported a fault from the elevator's public page. What they wrote stays in the
    database: the record holds its SHA-256 (of the UTF-8 detail, then NUL, then the contact)."""

    KIND: ClassVar[str] = "equipment.fault_reported"

    report_id: str
    code: str
    problem: str
    report_sha256: str


class EquipmentEventRecorded(Fact):
    """A fault, an alarm, a trapped passenger or a restoration the elevator's monitor published."""

    KIND: ClassVar[str] = "equipment.event"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"fault_code", "detail"})

    event_id: str
    code: str
    device: str
    seq: int
    event: str
    happened_at: str
    reading_record_id: str
    fault_code: str | None = None
    detail: str | None = None


#: Every special-equipment fact model, by kind.
EQUIPMENT_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        GridDefined,
        EquipmentRegistered,
        ContractRecorded,
        EquipmentInspected,
        EquipmentMaintained,
        MaintenanceDue,
        OverdueEscalated,
        FaultReported,
        EquipmentEventRecorded,
    )
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = EQUIPMENT_FACTS
