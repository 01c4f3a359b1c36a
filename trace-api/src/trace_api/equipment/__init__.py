"""Special equipment (特种设备), elevators first: the registry with grid supervision, maintenance
contracts and periodic inspections, maintenance records from the maintainers' phones, faults
reported from each elevator's public page and by its monitor, and the TSG T5002 rules."""

from .codes import CodeError, validate_equipment_code, validate_registration_number
from .contracts import ContractIn, record_contract
from .facts import EQUIPMENT_FACTS
from .maintenance import MaintenanceIn, distance_m, record_maintenance
from .models import Contract, Equipment, EquipmentEvent, FaultReport, Grid, Inspection, Maintenance
from .readings import EQUIPMENT_EVENTS, check_event, take_events
from .reports import ReportsLimited, report_fault
from .rules import EquipmentRules
from .service import (
    EquipmentFilter,
    EquipmentIn,
    GridIn,
    InspectionIn,
    define_grid,
    equipment_detail,
    list_equipment,
    record_inspection,
    register_equipment,
    status_of,
)
from .sweep import EquipmentSweeper

__all__ = [
    "EQUIPMENT_EVENTS",
    "EQUIPMENT_FACTS",
    "CodeError",
    "Contract",
    "ContractIn",
    "Equipment",
    "EquipmentEvent",
    "EquipmentFilter",
    "EquipmentIn",
    "EquipmentRules",
    "EquipmentSweeper",
    "FaultReport",
    "Grid",
    "GridIn",
    "Inspection",
    "InspectionIn",
    "Maintenance",
    "MaintenanceIn",
    "ReportsLimited",
    "check_event",
    "define_grid",
    "distance_m",
    "equipment_detail",
    "list_equipment",
    "record_contract",
    "record_inspection",
    "record_maintenance",
    "register_equipment",
    "report_fault",
    "status_of",
    "take_events",
    "validate_equipment_code",
    "validate_registration_number",
]
