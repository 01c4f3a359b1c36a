"""A regulator's review of a permit application, each step with its opinion and each one ledger
record: accept (受理), examine (审查: the materials and the premises), then approve (准予许可: a
certificate) or refuse (不予许可)::

    submitted ──accept──▶ accepted ──examine──▶ examined ──approve──▶ approved (a certificate)
        └──────────────────┴──────────────────────┴──refuse──▶ refused

A decided application takes no further step; any other step out of order is a conflict (409)
naming where the application stands. Only a regulator of its jurisdiction reviews it (403).

The certificate's number is ``JY``, the business format's digit, the division code, a six-digit
sequence of the division and format, and a Luhn check digit (this network's; the national rule
fixes the layout, not a public check algorithm).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import Session

from evidence import utc_datetime, utc_now, write_transaction

from ..errors import Conflict
from ..facts import Fact
from ..orgs.service import Member
from ..paperwork.applicants import Caller, actor_of, china_date, next_number, years_later
from ..services import Services
from .facts import PermitAccepted, PermitApproved, PermitExamined, PermitRefused
from .inputs import PermitReviewIn
from .models import DECIDED, FORMAT_DIGITS, BusinessFormat, CertificateState, Permit, PermitStatus
from .service import check_regulator, get_permit, permit_record

#: The states each decision may be taken from.
ALLOWED_FROM = {
    "accept": frozenset({PermitStatus.submitted}),
    "examine": frozenset({PermitStatus.accepted}),
    "approve": frozenset({PermitStatus.examined}),
    "refuse": frozenset({PermitStatus.submitted, PermitStatus.accepted, PermitStatus.examined}),
}
WHY = {
    PermitStatus.submitted: "accept it first",
    PermitStatus.accepted: "examine it first",
    PermitStatus.examined: "it awaits the decision",
}


@dataclass(frozen=True)
class Reviewed:
    permit: Permit
    record_id: str
    ledger_index: int


def review_permit(services: Services, member: Member, number: str, data: PermitReviewIn) -> Reviewed:
    """Takes the regulator's step: its record appended and the row moved, one transaction."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        permit = get_permit(session, Caller(member=member), number)
        check_regulator(member, permit)
        status = PermitStatus(permit.status)
        if status in DECIDED:
            raise Conflict(f"permit application {number} was {status.value}: it takes no further step")
        if status not in ALLOWED_FROM[data.decision]:
            raise Conflict(
                f"permit application {number} is {status.value}: cannot {data.decision} ({WHY[status]})"
            )
        moment = utc_now()
        record_id, fact = _take_step(session, member, permit, data, utc_datetime(moment))
        record = permit_record(permit, record_id, fact, actor_of(member), moment)
        receipt = services.ledger.append(record, conn=session.connection())
        if permit.status in DECIDED:
            permit.decision_record_id = record_id
        session.add(permit)
        session.flush()
        session.refresh(permit)
        session.expunge(permit)
    return Reviewed(permit, record_id, receipt.index)


def _take_step(
    session: Session, member: Member, permit: Permit, data: PermitReviewIn, at: dt.datetime
) -> tuple[str, Fact]:
    base, handle = f"permit:{permit.id}", member.org.handle
    if data.decision == "accept":
        permit.status = PermitStatus.accepted.value
        return f"{base}:accepted", PermitAccepted(permit_id=permit.id, regulator=handle, opinion=data.opinion)
    if data.decision == "examine":
        permit.status = PermitStatus.examined.value
        return f"{base}:examined", PermitExamined(permit_id=permit.id, regulator=handle, opinion=data.opinion)
    permit.decided_at, permit.decided_by = at, member.org.id
    if data.decision == "refuse":
        permit.status = PermitStatus.refused.value
        refused = PermitRefused(
            permit_id=permit.id, regulator=handle, regulator_name=member.org.name, opinion=data.opinion
        )
        return f"{base}:refused", refused
    permit.status = PermitStatus.approved.value
    permit.certificate_state = CertificateState.active.value
    permit.valid_from = china_date(at)
    permit.valid_until = years_later(permit.valid_from, data.valid_years) - dt.timedelta(days=1)
    permit.certificate_no = certificate_number(
        session, BusinessFormat(permit.business_format), permit.division_code
    )
    approved = PermitApproved(
        permit_id=permit.id, regulator=handle, regulator_name=member.org.name, opinion=data.opinion,
        certificate_no=permit.certificate_no, business_format=permit.business_format,
        business_name=permit.business_name, uscc=permit.uscc,
        legal_representative=permit.legal_representative, premises=permit.premises,
        items=list(json.loads(permit.items)), valid_from=permit.valid_from, valid_until=permit.valid_until,
    )  # fmt: skip
    return f"{base}:approved", approved


def luhn_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def certificate_number(session: Session, business_format: BusinessFormat, division_code: str) -> str:
    """The next permit number (许可证编号) of the division and format (the caller holds the lock)."""
    body = next_number(
        session, Permit.certificate_no, f"JY{FORMAT_DIGITS[business_format]}{division_code}", 6
    )
    return body + luhn_digit(body[2:])
