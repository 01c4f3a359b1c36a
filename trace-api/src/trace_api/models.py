"""Every table of the trace API, imported in one place so that metadata knows them all."""

from .batches.models import Batch, Certificate
from .codes.models import ItemCode
from .documents.models import Document
from .orgs.models import ApiKey, Organisation

__all__ = ["ApiKey", "Batch", "Certificate", "Document", "ItemCode", "Organisation"]
