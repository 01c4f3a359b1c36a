"""Every table of the trace API, imported in one place so that metadata knows them all."""

from .batches.models import Batch, Certificate
from .chainops.models import ChainOp, ChainWorkerLease
from .codes.models import ItemCode
from .coldchain.models import Alert, AlertAcknowledgement, AlertState, BatchStay, DeadLetter, SensorReading
from .credit.models import (
    CreditBlacklisting,
    CreditCursor,
    CreditFinding,
    CreditGrade,
    CreditMark,
    CreditPlan,
    CreditRepair,
)
from .devices.models import Device
from .documents.models import Document, DocumentHolder
from .enforcement.models import EnforcementInspection, Inspector
from .epcis.models import CaptureJob, Delivery, EpcisEvent, EpcisEventKey, NamedQuery, Subscription
from .equipment.models import Contract, Equipment, EquipmentEvent, FaultReport, Grid, Inspection, Maintenance
from .filings.models import Filing, FilingInspection, FilingMaterial
from .kitchen.models import Incident, Rectification, RectificationReview
from .markets.models import Disposal, Market, Purchase, RapidTest, Rental, Stall, Supplier, Vendor, Weighing
from .notices.models import OwedNotice
from .orgs.models import ApiKey, Organisation
from .permits.models import Permit, PermitMaterial
from .recalls.models import NoticeDelivery, Recall, RecallNotice
from .risk.models import RiskCursor, RiskRuleState, RiskWarning
from .scans.models import CounterfeitSignal, ScanOutcome, Shipment
from .selfcheck.models import Answer as SelfcheckAnswer
from .selfcheck.models import Campaign as SelfcheckCampaign
from .selfcheck.models import Checklist as SelfcheckChecklist
from .selfcheck.models import ClosedPeriod as SelfcheckClosedPeriod
from .selfcheck.models import InspectionTask as SelfcheckInspectionTask
from .selfcheck.models import Rectification as SelfcheckRectification
from .selfcheck.models import Submission as SelfcheckSubmission
from .webhooks.models import Webhook

__all__ = [
    "Alert",
    "AlertAcknowledgement",
    "AlertState",
    "ApiKey",
    "Batch",
    "BatchStay",
    "CaptureJob",
    "Certificate",
    "ChainOp",
    "ChainWorkerLease",
    "Contract",
    "CounterfeitSignal",
    "CreditBlacklisting",
    "CreditCursor",
    "CreditFinding",
    "CreditGrade",
    "CreditMark",
    "CreditPlan",
    "CreditRepair",
    "DeadLetter",
    "Delivery",
    "Device",
    "Disposal",
    "Document",
    "DocumentHolder",
    "EnforcementInspection",
    "EpcisEvent",
    "EpcisEventKey",
    "Equipment",
    "EquipmentEvent",
    "FaultReport",
    "Filing",
    "FilingInspection",
    "FilingMaterial",
    "Grid",
    "Incident",
    "Inspection",
    "Inspector",
    "ItemCode",
    "Maintenance",
    "Market",
    "NamedQuery",
    "NoticeDelivery",
    "Organisation",
    "OwedNotice",
    "Permit",
    "PermitMaterial",
    "Purchase",
    "RapidTest",
    "Recall",
    "RecallNotice",
    "Rectification",
    "RectificationReview",
    "Rental",
    "RiskCursor",
    "RiskRuleState",
    "RiskWarning",
    "ScanOutcome",
    "SelfcheckAnswer",
    "SelfcheckCampaign",
    "SelfcheckChecklist",
    "SelfcheckClosedPeriod",
    "SelfcheckInspectionTask",
    "SelfcheckRectification",
    "SelfcheckSubmission",
    "SensorReading",
    "Shipment",
    "Stall",
    "Subscription",
    "Supplier",
    "Vendor",
    "Webhook",
    "Weighing",
]
