"""A regulator's review of a filing (审查): accept (受理), request more materials (补正), approve (准予)
or refuse (不予), each with the reviewer's opinion, each one ledger record.

The steps a filing may take::

    submitted ──accept──▶ accepted ──approve──▶ approved (a certificate)
        │  ╲                 │  ╲
        │   request_more     │   request_more ──▶ more_requested ──supplement──▶ back where it was
        └─refuse─────────────┴─refuse──▶ refused (a decision)   (more_requested may be refused too)

Approving needs an accepted filing; a decided filing (approved or refused) takes no further step.
Anything else is a conflict (409) naming where the filing stands. Only a regulator of the
filing's jurisdiction reviews it (403 otherwise).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import Session

from evidence import Subject, utc_datetime, utc_now, write_transaction

from ..errors import Conflict
from ..facts import Fact
from ..orgs.service import Member
from ..paperwork.applicants import Caller, actor_of, china_date, next_number, years_later
from ..services import Services
from .facts import FilingAccepted, FilingApproved, FilingMoreRequested, FilingRefused
from .inputs import ReviewIn
from .models import DECIDED, Filing, FilingStatus
from .service import check_reviewer, filing_record, get_filing

#: The states each decision may be taken from.
ALLOWED_FROM = {
    "accept": frozenset({FilingStatus.submitted}),
    "request_more": frozenset({FilingStatus.submitted, FilingStatus.accepted}),
    "approve": frozenset({FilingStatus.accepted}),
    "refuse": frozenset({FilingStatus.submitted, FilingStatus.accepted, FilingStatus.more_requested}),
}


@dataclass(frozen=True)
class Reviewed:
    filing: Filing
    record_id: str
    ledger_index: int


def review_filing(services: Services, member: Member, number: str, data: ReviewIn) -> Reviewed:
    """Takes the regulator's step on the filing: its record appended and its row moved, one transaction."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        filing = get_filing(session, Caller(member=member), number)
        check_reviewer(member, filing)
        _check_step(filing, data)
        moment = utc_now()
        at = utc_datetime(moment)
        record_id, fact = _take_step(session, member, filing, data, at)
        record = filing_record(
            filing, record_id, fact, actor_of(member), moment, Subject(type="org", id=member.org.uscc)
        )
        receipt = services.ledger.append(record, conn=session.connection())
        if filing.status in DECIDED:
            filing.decision_record_id = record_id
        session.add(filing)
        session.flush()
        session.refresh(filing)
        session.expunge(filing)
    return Reviewed(filing, record_id, receipt.index)


def _check_step(filing: Filing, data: ReviewIn) -> None:
    status = FilingStatus(filing.status)
    if status in DECIDED:
        when = filing.decided_at.isoformat() if filing.decided_at else "before"
        raise Conflict(
            f"filing {filing.id} was {status.value} at {when}; a decided filing takes no further step"
        )
    if status not in ALLOWED_FROM[data.decision]:
        why = {
            FilingStatus.submitted: "accept it first",
            FilingStatus.accepted: "it was accepted already",
            FilingStatus.more_requested: "it awaits the applicant's supplement",
        }[status]
        raise Conflict(
            f"filing {filing.id} is {status.value}: cannot {data.decision.replace('_', ' ')} ({why})"
        )


def _take_step(
    session: Session, member: Member, filing: Filing, data: ReviewIn, at: dt.datetime
) -> tuple[str, Fact]:
    """Moves the filing's row; returns its record's id and fact."""
    base = f"filing:{filing.id}"
    handle = member.org.handle
    if data.decision == "accept":
        filing.status, filing.accepted_at = FilingStatus.accepted.value, at
        return f"{base}:accepted", FilingAccepted(filing_id=filing.id, regulator=handle, opinion=data.opinion)
    if data.decision == "request_more":
        filing.status, filing.requests = FilingStatus.more_requested.value, filing.requests + 1
        fact: Fact = FilingMoreRequested(
            filing_id=filing.id, regulator=handle, opinion=data.opinion,
            requested=[kind.value for kind in data.requested], request=filing.requests,
        )  # fmt: skip
        return f"{base}:more_requested:{filing.requests}", fact
    filing.decided_at, filing.decided_by = at, member.org.id
    if data.decision == "refuse":
        filing.status = FilingStatus.refused.value
        fact = FilingRefused(
            filing_id=filing.id, regulator=handle, regulator_name=member.org.name, opinion=data.opinion
        )
        return f"{base}:refused", fact
    filing.status = FilingStatus.approved.value
    filing.valid_from = china_date(at)
    filing.valid_until = years_later(filing.valid_from, data.valid_years) - dt.timedelta(days=1)
    filing.certificate_no = certificate_number(session, filing.division_code, filing.valid_from.year)
    fact = FilingApproved(
        filing_id=filing.id, regulator=handle, regulator_name=member.org.name, opinion=data.opinion,
        certificate_no=filing.certificate_no, business_type=filing.business_type,
        business_name=filing.business_name, address=filing.address, operator_name=filing.operator_name,
        categories=_categories(filing), valid_from=filing.valid_from, valid_until=filing.valid_until,
    )  # fmt: skip
    return f"{base}:approved", fact


def _categories(filing: Filing) -> list[str]:
    return list(json.loads(filing.categories))


def certificate_number(session: Session, division_code: str, year: int) -> str:
    """The next registration certificate number (登记证编号) of the division in ``year``."""
    return next_number(session, Filing.certificate_no, f"SXDJ-{division_code}-{year}-", 5)
