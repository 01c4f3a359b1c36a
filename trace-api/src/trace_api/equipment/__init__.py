"""Special equipment (特种设备), elevators first: the registry with grid supervision, maintenance
contracts and periodic inspections, maintenance records from the maintainers' phones, faults
reported from each elevator's public page and by its monitor, and the TSG T5002 rules."""

from .codes import CodeError, validate_equipment_code, validate_registration_number
from .facts import EQUIPMENT_FACTS
from .maintenance import MaintenanceIn, distance_m, record_maintenance
from .models import Contract, Equipment, EquipmentEvent, FaultReport, Grid, Inspection, Maintenance
from .reports import ReportsLimited, report_fault
from .rules import EquipmentRules
from .service import (
    ContractIn,
    EquipmentFilter,
    EquipmentIn,
    GridIn,
    InspectionIn,
    define_grid,
    equipment_detail,
    list_equipment,
    record_contract,
    record_inspection,
    register_equipment,
    status_of,
)

__all__ = [
    "EQUIPMENT_FACTS",
    "CodeError",
    "Contract",
    "ContractIn",
    "Equipment",
    "EquipmentEvent",
    "EquipmentFilter",
    "EquipmentIn",
    "EquipmentRules",
    "FaultReport",
    "Grid",
    "GridIn",
    "Inspection",
    "InspectionIn",
    "Maintenance",
    "MaintenanceIn",
    "ReportsLimited",
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
    "validate_equipment_code",
    "validate_registration_number",
]
