"""What the special-equipment API answers (its OpenAPI schema)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

#: Where an elevator stands, the first that holds: ``fault`` (its monitor reports a fault, an
#: alarm or someone trapped, not yet restored), ``overdue`` (maintenance past due), ``due_soon``
#: (due within the reminder's days), ``normal``.
EquipmentStatus = Literal["normal", "due_soon", "overdue", "fault"]
STATUSES: tuple[EquipmentStatus, ...] = ("normal", "due_soon", "overdue", "fault")


class GridView(BaseModel):
    code: str
    name: str
    regulator: str = Field(description="handle of the inspector's regulator organisation")
    inspector: str
    created_at: dt.datetime
    record_id: str


class GridList(BaseModel):
    grids: list[GridView]


class ContractView(BaseModel):
    id: str
    number: str
    maintainer: str = Field(description="the maintenance unit's handle")
    starts_on: dt.date
    ends_on: dt.date
    created_at: dt.datetime
    record_id: str
    ledger_index: int


class InspectionView(BaseModel):
    id: str
    certificate_number: str
    inspected_on: dt.date
    valid_until: dt.date
    created_at: dt.datetime
    record_id: str
    ledger_index: int


class MaintenanceView(BaseModel):
    id: str
    technician: str
    maintainer: str
    items: list[str] = Field(description="checklist items done (GET /v1/equipment/checklist names them)")
    photos: list[str] = Field(description="SHA-256 of the photos (GET /v1/documents/{sha256})")
    note: str | None
    latitude: float
    longitude: float
    accuracy_m: float | None
    distance_m: float = Field(description="metres from the elevator's registered position")
    too_far: bool = Field(description="farther than the set distance: flagged, and kept")
    performed_at: dt.datetime
    recorded_at: dt.datetime
    record_id: str
    ledger_index: int


class MaintenancePage(BaseModel):
    maintenance: list[MaintenanceView]
    next_cursor: str | None = Field(description="the next page's cursor; null on the last page")


class FaultReportView(BaseModel):
    id: str
    problem: str
    detail: str
    contact: str | None
    received_at: dt.datetime
    record_id: str


class FaultReportList(BaseModel):
    reports: list[FaultReportView] = Field(description="the newest first")


class EquipmentView(BaseModel):
    code: str = Field(description="the 20-digit equipment code (设备代码)")
    registration_number: str | None = Field(description="使用登记证编号")
    kind: str = Field(description="the catalogue's kind, from the code's first four digits")
    name: str
    latitude: float
    longitude: float
    address: str
    user: str = Field(description="the user unit's handle (使用单位)")
    user_name: str
    maintainer: str = Field(description="the maintenance unit's handle (维保单位)")
    maintainer_name: str
    grid: str = Field(description="the grid area's code (网格)")
    grid_name: str
    inspector: str
    status: EquipmentStatus
    last_maintained_at: dt.datetime | None
    due_at: dt.datetime = Field(description="when the next maintenance falls due")
    inspection_valid_until: dt.date | None
    contract_until: dt.date | None = Field(
        description="the last day that maintenance contracts cover without a gap from today; "
        "null: none covers today"
    )
    fault: str | None = Field(description="the open fault event (fault, alarm, trapped); null: none")
    fault_since: dt.datetime | None
    registered_at: dt.datetime
    record_id: str
    open_alerts: list[str] = Field(
        description="the rules of its open alerts: maintenance_overdue, maintenance_too_far, "
        "contract_missing, contract_expiring, equipment_fault"
    )


class EquipmentPage(BaseModel):
    equipment: list[EquipmentView]
    next_cursor: str | None = Field(description="the next page's cursor; null on the last page")


class AlertView(BaseModel):
    id: str = Field(description="GET /v1/alerts/{id}")
    rule: str
    organisation: str = Field(description="the handle of the organisation it is against")
    detail: str
    started_at: dt.datetime
    opened_at: dt.datetime


class EquipmentDetail(EquipmentView):
    alerts: list[AlertView] = Field(description="its open alerts, the newest first")
    contracts: list[ContractView] = Field(description="every contract, the latest ending first")
    inspections: list[InspectionView] = Field(description="every inspection, the latest first")
    maintenance: list[MaintenanceView] = Field(description="the latest maintenance visits, newest first")


class ChecklistItem(BaseModel):
    code: str
    zh: str
    en: str


class Checklist(BaseModel):
    standard: str
    items: list[ChecklistItem]
