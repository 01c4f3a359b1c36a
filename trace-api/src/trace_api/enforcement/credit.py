"""Mobile enforcement's factor of the credit scorecard (``trace_api.credit``): what on-site
inspections found. An ``inspection.recorded`` with failed items is a matter against the inspected
party, its outcome by how many items failed (``minor``: 1 or 2, ``serious``: 3 or more); an order
to rectify (``inspection.document_issued`` of kind ``rectification_order``) is a matter of its own,
``ordered``. A clean inspection finds nothing. The scorecard gives each outcome its points."""

from __future__ import annotations

from sqlmodel import Session

from evidence import Record

from ..credit.factors import Factor, Finding, org_by_uscc
from .facts import DocumentIssued, InspectionRecorded
from .models import DocumentKind, EnforcementInspection

#: An inspection with at least this many failed items is ``serious``; with fewer (and one or more), ``minor``.
SERIOUS_FAILED_ITEMS = 3


def severity(failed_items: int) -> str | None:
    """The outcome of an inspection with ``failed_items`` failed; None for a clean one."""
    if failed_items <= 0:
        return None
    return "serious" if failed_items >= SERIOUS_FAILED_ITEMS else "minor"


def _inspection(session: Session, record: Record) -> list[Finding]:
    if record.kind == InspectionRecorded.KIND:
        recorded = InspectionRecorded.of(record)
        outcome = severity(recorded.failed_items)
        org = org_by_uscc(session, recorded.party.uscc)
        if outcome is None or org is None:
            return []
        return [Finding(org, recorded.inspection_id, outcome)]
    issued = DocumentIssued.of(record)
    if issued.document_kind != DocumentKind.rectification_order.value:
        return []
    inspection = session.get(EnforcementInspection, issued.inspection_id)
    if inspection is None:
        return []
    return [Finding(inspection.party_org_id, issued.document_id, "ordered")]


INSPECTION = Factor(
    "inspection",
    (InspectionRecorded.KIND, DocumentIssued.KIND),
    ("minor", "serious", "ordered"),
    _inspection,
)

#: Read by the credit grader (``trace_api.credit.factors.FACTOR_MODULES``).
CREDIT_FACTORS: tuple[Factor, ...] = (INSPECTION,)
