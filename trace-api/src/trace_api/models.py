"""Every table of the trace API, imported in one place so that metadata knows them all."""

from .batches.models import Batch, Certificate
from .chainops.models import ChainOp, ChainWorkerLease
from .codes.models import ItemCode
from .coldchain.models import Alert, AlertAcknowledgement, AlertState, BatchStay, DeadLetter, SensorReading
from .devices.models import Device
from .documents.models import Document, DocumentHolder
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
    "DeadLetter",
    "Delivery",
    "Device",
    "Disposal",
    "Document",
    "DocumentHolder",
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
    "SensorReading",
    "Shipment",
    "Stall",
    "Subscription",
    "Supplier",
    "Vendor",
    "Webhook",
    "Weighing",
]
