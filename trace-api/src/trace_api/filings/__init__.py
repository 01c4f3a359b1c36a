"""Small food business filings (三小一摊登记): workshops, small restaurants, small shops and stalls
apply with their materials; the regulators of their jurisdiction accept, ask for more, approve
(a registration certificate) or refuse (a decision); registered businesses are inspected daily.
Every step is a ledger record (:mod:`.facts`)."""

from ..paperwork.applicants import Caller
from ..paperwork.materials import Upload
from .facts import (
    FILING_FACTS,
    FiledMaterial,
    FilingAccepted,
    FilingApproved,
    FilingInspected,
    FilingMoreRequested,
    FilingRefused,
    FilingSubmitted,
    FilingSupplemented,
)
from .inputs import FilingIn, InspectionIn, ReviewIn, id_check_character
from .inspections import inspect_filing, list_inspections
from .models import (
    BusinessType,
    Filing,
    FilingInspection,
    FilingMaterial,
    FilingStatus,
    InspectionResult,
    MaterialKind,
)
from .reviews import Reviewed, review_filing
from .service import FilingQuery, describe_filing, get_filing, history, list_filings
from .submission import Submitted, submit_filing, supplement_filing

__all__ = [
    "FILING_FACTS",
    "BusinessType",
    "Caller",
    "FiledMaterial",
    "Filing",
    "FilingAccepted",
    "FilingApproved",
    "FilingIn",
    "FilingInspected",
    "FilingInspection",
    "FilingMaterial",
    "FilingMoreRequested",
    "FilingQuery",
    "FilingRefused",
    "FilingStatus",
    "FilingSubmitted",
    "FilingSupplemented",
    "InspectionIn",
    "InspectionResult",
    "MaterialKind",
    "ReviewIn",
    "Reviewed",
    "Submitted",
    "Upload",
    "describe_filing",
    "get_filing",
    "history",
    "id_check_character",
    "inspect_filing",
    "list_filings",
    "list_inspections",
    "review_filing",
    "submit_filing",
    "supplement_filing",
]
