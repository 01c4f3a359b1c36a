"""Mobile enforcement (移动执法, 5G+综合执法): regulators' inspectors record on-site inspections
from a template per inspection type (:mod:`.checklists`), the inspected party filled in from the
registry, a finding for every item and photos and video as evidence stored by SHA-256. Every step
is a ledger record (:mod:`.facts`); an inspection's findings are read by others (credit grading)
from its ``inspection.recorded`` record with :class:`InspectionRecorded`."""

from .checklists import CHECKLISTS, CheckItem, Checklist, get_checklist
from .facts import (
    ENFORCEMENT_FACTS,
    EvidenceFiled,
    Finding,
    InspectedParty,
    InspectionRecorded,
    InspectorAdded,
    SigningKeyRegistered,
)
from .inputs import FindingIn, InspectionIn, InspectorIn, SigningKeyIn, parse_public_key
from .inspectors import Added, add_inspector, inspector_of, register_signing_key
from .models import EnforcementInspection, FindingResult, Inspector
from .recording import Recorded, record_inspection
from .service import describe_in_full, get_inspection, list_inspections

__all__ = [
    "CHECKLISTS",
    "ENFORCEMENT_FACTS",
    "Added",
    "CheckItem",
    "Checklist",
    "EnforcementInspection",
    "EvidenceFiled",
    "Finding",
    "FindingIn",
    "FindingResult",
    "InspectedParty",
    "InspectionIn",
    "InspectionRecorded",
    "Inspector",
    "InspectorAdded",
    "InspectorIn",
    "Recorded",
    "SigningKeyIn",
    "SigningKeyRegistered",
    "add_inspector",
    "describe_in_full",
    "get_checklist",
    "get_inspection",
    "inspector_of",
    "list_inspections",
    "parse_public_key",
    "record_inspection",
    "register_signing_key",
]
