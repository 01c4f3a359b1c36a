"""Inspections as their callers see them: who may see one, the lists, and the records they write.

A regulator sees the inspections of its own jurisdiction; the inspected organisation sees its own.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject

from .._paging import newest_after, page_of
from ..errors import NotFound
from ..facts import Fact
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import handle_of
from .facts import InspectionRecorded
from .models import EnforcementInspection, Inspector

NUMBER_PATTERN = re.compile(r"^JC-\d{8}-\d{4,}$")


def may_see(member: Member, inspection: EnforcementInspection) -> bool:
    if member.org.org_type is OrgType.regulator:
        return member.org.jurisdiction == inspection.jurisdiction
    return member.org.id == inspection.party_org_id


def get_inspection(session: Session, member: Member, number: str) -> EnforcementInspection:
    found = session.get(EnforcementInspection, number) if NUMBER_PATTERN.match(number) else None
    if found is None or not may_see(member, found):
        raise NotFound(f"no inspection {number} that this caller may see")
    return found


def list_inspections(
    session: Session,
    member: Member,
    party: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[EnforcementInspection], str | None]:
    """Newest first, a page at a time: a regulator's jurisdiction's, or the organisation's own."""
    query = select(EnforcementInspection)
    if member.org.org_type is OrgType.regulator:
        query = query.where(EnforcementInspection.jurisdiction == member.org.jurisdiction)
    else:
        query = query.where(EnforcementInspection.party_org_id == member.org.id)
    if party:
        org = session.exec(select(Organisation).where(Organisation.handle == party)).first()
        query = query.where(EnforcementInspection.party_org_id == (org.id if org else ""))
    after = newest_after(session, EnforcementInspection, cursor, "inspected_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(
        col(EnforcementInspection.inspected_at).desc(), col(EnforcementInspection.id).desc()
    ).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda found: found.id)


def recorded_fact(ledger: Ledger, session: Session, inspection: EnforcementInspection) -> InspectionRecorded:
    return InspectionRecorded.of(ledger.get(inspection.record_id, conn=session.connection()))


def describe_inspection(session: Session, inspection: EnforcementInspection) -> dict[str, Any]:
    """The inspection as lists show it."""
    data = inspection.model_dump(mode="json", exclude={"regulator_org_id", "party_org_id", "inspector_id"})
    inspector = session.get(Inspector, inspection.inspector_id)
    data.update(
        party=handle_of(session, inspection.party_org_id),
        regulator=handle_of(session, inspection.regulator_org_id),
        inspector={"name": inspector.name, "badge_no": inspector.badge_no} if inspector else None,
    )
    return data


def describe_in_full(ledger: Ledger, session: Session, inspection: EnforcementInspection) -> dict[str, Any]:
    """The inspection with every finding and its evidence, as recorded."""
    data = describe_inspection(session, inspection)
    fact = recorded_fact(ledger, session, inspection)
    data["record"] = fact.payload()
    for finding in data["record"]["findings"]:
        for each in finding.get("evidence", []):
            each["url"] = f"/v1/enforcement/inspections/{inspection.id}/evidence/{each['sha256']}"
    return data


def inspection_record(
    number: str,
    party_uscc: str,
    record_id: str,
    fact: Fact,
    actor: Actor,
    time: str,
    document_id: str | None = None,
) -> Record:
    """A record about an inspection: its subjects name it, the acting regulator and the party,
    and the enforcement document it is about (``enforcement_document``)."""
    subjects = [Subject(type="inspection", id=number), Subject(type="org", id=actor.org)]
    if party_uscc != actor.org:
        subjects.append(Subject(type="org", id=party_uscc))
    if document_id is not None:
        subjects.append(Subject(type="enforcement_document", id=document_id))
    return Record(
        kind=fact.KIND, record_id=record_id, time=time, actor=actor, subjects=subjects, payload=fact.payload()
    )
