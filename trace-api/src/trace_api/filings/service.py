"""Filings as their callers see them: who may see one, the lists, a filing with its materials and its
history read from the ledger, and the records every step writes.

Who may see a filing: every regulator (supervision reads across jurisdictions; only the filing's
own jurisdiction's regulators act on it), the member organisation that applied, or whoever holds
the person applicant's query code. Anyone else is answered as if there were no such filing (404),
a wrong query code too, so that acceptance numbers cannot be probed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, or_, select

from evidence import Actor, Ledger, Record, Subject, utc_now

from .._paging import newest_after, page_of
from ..errors import NotFound, Unauthorized
from ..facts import Fact
from ..orgs.service import Member
from ..paperwork.applicants import (
    Caller,
    check_regulator_of,
    handle_of,
    is_regulator,
    ledger_history,
    like_pattern,
    may_see,
)
from .models import BusinessType, Filing, FilingMaterial, FilingStatus, MaterialKind

NUMBER_PATTERN = re.compile(r"^SX-\d{6}-\d{8}-\d{4,}$")

#: ``pending``: what awaits a regulator (submitted or accepted).
StatusFilter = Literal["all", "pending", "submitted", "accepted", "more_requested", "approved", "refused"]


def get_filing(session: Session, caller: Caller, number: str) -> Filing:
    """The filing, if the caller may see it; 401 for a caller with neither key nor query code."""
    if caller.member is None and caller.query_code is None:
        raise Unauthorized("send an API key ('Authorization: Bearer <key>') or the filing's query code")
    filing = session.get(Filing, number) if NUMBER_PATTERN.match(number) else None
    if filing is None or not may_see(caller, filing.applicant_org_id, filing.query_code_hash):
        raise NotFound(f"no filing {number} that this caller may see")
    return filing


def check_reviewer(member: Member, filing: Filing) -> None:
    """Only a regulator of the filing's jurisdiction acts on it, with a member key."""
    check_regulator_of(member, filing.jurisdiction, f"filing {filing.id}")


# -- lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilingQuery:
    status: StatusFilter = "all"
    business_type: BusinessType | None = None
    jurisdiction: str | None = None
    #: Part of the name, the operator's name, the acceptance or certificate number.
    text: str | None = None


def list_filings(
    session: Session, member: Member, wanted: FilingQuery, limit: int = 50, cursor: str | None = None
) -> tuple[list[Filing], str | None]:
    """Newest first, a page at a time (keyset): every filing for a regulator, the organisation's own
    for any other member; and the next page's cursor (None on the last page)."""
    query = select(Filing)
    if not is_regulator(member):
        query = query.where(Filing.applicant_org_id == member.org.id)
    if wanted.status == "pending":
        query = query.where(col(Filing.status).in_([FilingStatus.submitted, FilingStatus.accepted]))
    elif wanted.status != "all":
        query = query.where(Filing.status == wanted.status)
    if wanted.business_type is not None:
        query = query.where(Filing.business_type == wanted.business_type.value)
    if wanted.jurisdiction:
        query = query.where(Filing.jurisdiction == wanted.jurisdiction)
    if wanted.text:
        pattern = like_pattern(wanted.text)
        query = query.where(
            or_(
                col(Filing.business_name).like(pattern, escape="\\"),
                col(Filing.operator_name).like(pattern, escape="\\"),
                col(Filing.id).like(pattern, escape="\\"),
                col(Filing.certificate_no).like(pattern, escape="\\"),
            )
        )
    after = newest_after(session, Filing, cursor, "submitted_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Filing.submitted_at).desc(), col(Filing.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda filing: filing.id)


# -- describing ----------------------------------------------------------------------------------


def describe_filing(session: Session, filing: Filing) -> dict[str, Any]:
    """The filing as lists show it (no materials, no history)."""
    data = filing.model_dump(
        mode="json",
        exclude={"query_code_hash", "applicant_org_id", "decided_by", "categories", "certificate_no"},
    )
    data.update(
        categories=json.loads(filing.categories),
        applicant={"type": "org", "handle": handle_of(session, filing.applicant_org_id)}
        if filing.applicant_org_id
        else {"type": "person"},
        decided_by=handle_of(session, filing.decided_by),
        certificate=_certificate(filing),
        decision_url=f"/v1/filings/{filing.id}/decision.pdf"
        if filing.status == FilingStatus.refused
        else None,
    )
    return data


def _certificate(filing: Filing) -> dict[str, Any] | None:
    if filing.certificate_no is None:
        return None
    return {
        "number": filing.certificate_no,
        "valid_from": filing.valid_from.isoformat() if filing.valid_from else None,
        "valid_until": filing.valid_until.isoformat() if filing.valid_until else None,
        "pdf_url": f"/v1/filings/{filing.id}/certificate.pdf",
        "verification_path": certificate_path(filing.certificate_no),
    }


def certificate_path(certificate_no: str) -> str:
    """Where a certificate's QR code leads: its public verification page."""
    return f"/filing-certificates/{certificate_no}"


def describe_in_full(ledger: Ledger, session: Session, filing: Filing) -> dict[str, Any]:
    """The filing with its materials and its history from the ledger."""
    data = describe_filing(session, filing)
    data["materials"] = [describe_material(filing, m) for m in materials_of(session, filing.id)]
    data["history"] = history(ledger, session, filing.id)
    return data


def materials_of(session: Session, filing_id: str) -> list[FilingMaterial]:
    """The application's materials, then each supplement's, each in the order of the kinds."""
    kinds = list(MaterialKind)
    found = session.exec(select(FilingMaterial).where(FilingMaterial.filing_id == filing_id))
    return sorted(found, key=lambda m: (m.supplement, kinds.index(MaterialKind(m.kind)), m.filename, m.id))


def describe_material(filing: Filing, material: FilingMaterial) -> dict[str, Any]:
    data = material.model_dump(mode="json", exclude={"filing_id"})
    data["url"] = f"/v1/filings/{filing.id}/materials/{material.id}"
    return data


def history(ledger: Ledger, session: Session, filing_id: str) -> list[dict[str, Any]]:
    """Every ledger record about the filing, in log order."""
    return ledger_history(ledger, session, "filing", filing_id)


# -- records -------------------------------------------------------------------------------------


def filing_record(
    filing: Filing, record_id: str, fact: Fact, actor: Actor, time: str | None = None, *extra: Subject
) -> Record:
    """A record about ``filing``: its subjects name the filing, and its certificate once it has one."""
    subjects = [Subject(type="filing", id=filing.id)]
    if filing.certificate_no is not None:
        subjects.append(Subject(type="filing_certificate", id=filing.certificate_no))
    return Record(
        kind=fact.KIND,
        record_id=record_id,
        time=time or utc_now(),
        actor=actor,
        subjects=[*subjects, *extra],
        payload=fact.payload(),
    )
