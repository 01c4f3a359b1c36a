"""Every table of the trace API, imported in one place so that metadata knows them all."""

from .batches.models import Batch, Certificate
from .codes.models import ItemCode
from .documents.models import Document
from .epcis.models import CaptureJob, Delivery, EpcisEvent, EpcisEventKey, NamedQuery, Subscription
from .orgs.models import ApiKey, Organisation
from .recalls.models import Recall, RecallNotice
from .scans.models import CounterfeitSignal, Shipment
from .webhooks.models import Webhook

__all__ = [
    "ApiKey",
    "Batch",
    "CaptureJob",
    "Certificate",
    "CounterfeitSignal",
    "Delivery",
    "Document",
    "EpcisEvent",
    "EpcisEventKey",
    "ItemCode",
    "NamedQuery",
    "Organisation",
    "Recall",
    "RecallNotice",
    "Shipment",
    "Subscription",
    "Webhook",
]
