"""Permits as their callers see them: who may see one (:mod:`trace_api.paperwork.applicants`), the
lists, an application with its materials and its history from the ledger, and the records every
step writes."""

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
from .models import BusinessFormat, MaterialKind, Permit, PermitMaterial, PermitStatus

NUMBER_PATTERN = re.compile(r"^XK-\d{6}-\d{8}-\d{4,}$")
#: ``pending``: what awaits a regulator (submitted, accepted or examined).
StatusFilter = Literal["all", "pending", "submitted", "accepted", "examined", "approved", "refused"]
PENDING = (PermitStatus.submitted, PermitStatus.accepted, PermitStatus.examined)


def get_permit(session: Session, caller: Caller, number: str) -> Permit:
    """The application, if the caller may see it; 401 for a caller with neither key nor query code."""
    if caller.member is None and caller.query_code is None:
        raise Unauthorized("send an API key ('Authorization: Bearer <key>') or the application's query code")
    permit = session.get(Permit, number) if NUMBER_PATTERN.match(number) else None
    if permit is None or not may_see(caller, permit.applicant_org_id, permit.query_code_hash):
        raise NotFound(f"no permit application {number} that this caller may see")
    return permit


def check_regulator(member: Member, permit: Permit) -> None:
    """Only a regulator of the application's jurisdiction acts on it or its certificate."""
    check_regulator_of(member, permit.jurisdiction, f"permit application {permit.id}")


@dataclass(frozen=True)
class PermitQuery:
    status: StatusFilter = "all"
    business_format: BusinessFormat | None = None
    jurisdiction: str | None = None
    #: Part of the name, the credit code, the application or certificate number.
    text: str | None = None


def list_permits(
    session: Session, member: Member, wanted: PermitQuery, limit: int = 50, cursor: str | None = None
) -> tuple[list[Permit], str | None]:
    """Newest first, a page at a time (keyset): every application for a regulator, the
    organisation's own for any other member; and the next page's cursor."""
    query = select(Permit)
    if not is_regulator(member):
        query = query.where(Permit.applicant_org_id == member.org.id)
    if wanted.status == "pending":
        query = query.where(col(Permit.status).in_(PENDING))
    elif wanted.status != "all":
        query = query.where(Permit.status == wanted.status)
    if wanted.business_format is not None:
        query = query.where(Permit.business_format == wanted.business_format.value)
    if wanted.jurisdiction:
        query = query.where(Permit.jurisdiction == wanted.jurisdiction)
    if wanted.text:
        pattern = like_pattern(wanted.text)
        columns = (Permit.business_name, Permit.uscc, Permit.id, Permit.certificate_no)
        query = query.where(or_(*(col(c).like(pattern, escape="\\") for c in columns)))
    after = newest_after(session, Permit, cursor, "submitted_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Permit.submitted_at).desc(), col(Permit.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda permit: permit.id)


def certificate_path(certificate_no: str) -> str:
    """Where a certificate's QR code leads: its public verification page."""
    return f"/permit-certificates/{certificate_no}"


def describe_permit(session: Session, permit: Permit) -> dict[str, Any]:
    """The application as lists show it (no materials, no history)."""
    data = permit.model_dump(
        mode="json",
        exclude={
            "query_code_hash", "applicant_org_id", "decided_by", "items", "certificate_no",
            "valid_from", "valid_until", "certificate_state",
        },
    )  # fmt: skip
    data.update(
        items=json.loads(permit.items),
        applicant={"type": "org", "handle": handle_of(session, permit.applicant_org_id)}
        if permit.applicant_org_id
        else {"type": "person"},
        decided_by=handle_of(session, permit.decided_by),
        certificate=_certificate(permit),
    )
    return data


def _certificate(permit: Permit) -> dict[str, Any] | None:
    if permit.certificate_no is None:
        return None
    return {
        "number": permit.certificate_no,
        "state": permit.certificate_state,
        "valid_from": permit.valid_from.isoformat() if permit.valid_from else None,
        "valid_until": permit.valid_until.isoformat() if permit.valid_until else None,
        "pdf_url": f"/v1/permits/{permit.id}/certificate.pdf",
        "verification_path": certificate_path(permit.certificate_no),
    }


def materials_of(session: Session, permit_id: str) -> list[PermitMaterial]:
    kinds = list(MaterialKind)
    found = session.exec(select(PermitMaterial).where(PermitMaterial.permit_id == permit_id))
    return sorted(found, key=lambda m: (kinds.index(MaterialKind(m.kind)), m.filename, m.id))


def describe_material(permit: Permit, material: PermitMaterial) -> dict[str, Any]:
    data = material.model_dump(mode="json", exclude={"permit_id"})
    data["url"] = f"/v1/permits/{permit.id}/materials/{material.id}"
    return data


def describe_in_full(ledger: Ledger, session: Session, permit: Permit) -> dict[str, Any]:
    """The application with its materials and its history from the ledger."""
    data = describe_permit(session, permit)
    data["materials"] = [describe_material(permit, m) for m in materials_of(session, permit.id)]
    data["history"] = ledger_history(ledger, session, "permit", permit.id)
    return data


def permit_record(
    permit: Permit, record_id: str, fact: Fact, actor: Actor, time: str | None = None
) -> Record:
    """A record about ``permit``: its subjects name the application, and its certificate once it
    has one, and the acting organisation (a regulator, or the applicant member)."""
    subjects = [Subject(type="permit", id=permit.id)]
    if permit.certificate_no is not None:
        subjects.append(Subject(type="permit_certificate", id=permit.certificate_no))
    if actor.org != "person":
        subjects.append(Subject(type="org", id=actor.org))
    return Record(
        kind=fact.KIND,
        record_id=record_id,
        time=time or utc_now(),
        actor=actor,
        subjects=subjects,
        payload=fact.payload(),
    )
