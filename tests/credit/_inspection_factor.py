"""A factor of a kind this branch has no domain for (``inspection.*``), defined as such a domain
would define it: by the kinds it reads and how a record of them makes findings."""

from __future__ import annotations

from sqlmodel import Session

from evidence import Record
from trace_api.credit import Factor, Finding
from trace_api.credit.factors import org_by_uscc


def _inspection(session: Session, record: Record) -> list[Finding]:
    org = org_by_uscc(session, str(record.payload["inspected_uscc"]))
    if org is None or not record.payload.get("findings"):
        return []
    serious = any(f["severity"] == "serious" for f in record.payload["findings"])
    return [Finding(org, str(record.payload["inspection_id"]), "serious" if serious else "minor")]


CREDIT_FACTORS = (Factor("inspection", ("inspection.*",), ("serious", "minor"), _inspection),)
