"""The inspector's write: an on-site inspection from a template (现场检查), the inspected party
filled in from the registry, a finding for every item, photos and video stored by SHA-256, and
one ``inspection.recorded`` record, in one transaction. An inspection that names an open
self-inspection task (``task``: one a data-quality flag opened about the party) does it in the same
transaction: ``selfcheck.inspection_task_done`` is recorded and the task's alert closed.

The phone names each inspection with its own ``client_id``: sent again (a retry after a lost
answer, an offline queue flushed twice), the same inspection is answered as recorded, never
recorded twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from evidence import Actor, utc_datetime, utc_now, write_transaction

from ..alerting import AlertSink
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..filings.models import Filing
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import china_date, next_number
from ..paperwork.materials import Upload, store_file
from ..permits.models import Permit
from ..selfcheck.supervision import complete_task, task_answered
from ..services import Services
from .checklists import Checklist, get_checklist
from .evidence import Evidence, check_evidence
from .facts import EvidenceFiled, Finding, InspectedParty, InspectionRecorded
from .inputs import InspectionIn
from .inspectors import inspector_of
from .models import EnforcementInspection, FindingResult
from .service import inspection_record, recorded_fact


@dataclass(frozen=True)
class Recorded:
    inspection: EnforcementInspection
    #: False when this ``client_id`` was recorded before: the answer is that earlier inspection.
    created: bool


def party_of(session: Session, handle: str, jurisdiction: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        raise Unprocessable.field("party", f"no member organisation {handle!r}")
    if org.org_type is OrgType.regulator:
        raise Unprocessable.field("party", f"{handle} is a regulator; inspections are of businesses")
    if org.jurisdiction != jurisdiction:
        raise Forbidden(
            f"{handle} is in {org.jurisdiction!r}; this inspector's regulator supervises {jurisdiction!r}"
        )
    return org


def registry_party(session: Session, org: Organisation) -> InspectedParty:
    """The party as the registry knows it now: the organisation, its permits and its filings."""
    permits = session.exec(
        select(Permit)
        .where(Permit.uscc == org.uscc, col(Permit.certificate_no).is_not(None))
        .order_by(col(Permit.submitted_at))
    )
    filings = session.exec(select(Filing).where(Filing.uscc == org.uscc).order_by(col(Filing.submitted_at)))
    return InspectedParty(
        handle=org.handle, name=org.name, uscc=org.uscc, org_type=org.org_type.value, address=org.address,
        permits=[{"certificate_no": p.certificate_no, "state": p.certificate_state} for p in permits],
        filings=[{"number": f.id, "status": f.status} for f in filings],
    )  # fmt: skip


def findings_of(checklist: Checklist, data: InspectionIn, evidence: Sequence[Evidence]) -> list[Finding]:
    """A finding for every item of the template, in its order, with the evidence each names."""
    by_hash = {e.sha256: e for e in evidence}
    given: dict[str, int] = {}
    for i, finding in enumerate(data.findings):
        if checklist.item(finding.item) is None:
            raise Unprocessable.field(
                f"findings[{i}].item", f"{finding.item!r} is not an item of {checklist.code}"
            )
        if finding.item in given:
            raise Unprocessable.field(f"findings[{i}].item", f"{finding.item} is found twice")
        if finding.result is FindingResult.failed and not finding.note.strip():
            raise Unprocessable.field(
                f"findings[{i}].note", "a failed item needs a note saying what was found"
            )
        for sha in finding.evidence:
            if sha not in by_hash:
                raise Unprocessable.field(
                    f"findings[{i}].evidence", f"no evidence file with SHA-256 {sha} was sent"
                )
        given[finding.item] = i
    missing = [item.code for item in checklist.items if item.code not in given]
    if missing:
        raise Unprocessable.field("findings", f"no finding for {', '.join(missing)} of {checklist.code}")
    named = {sha for f in data.findings for sha in f.evidence}
    for e in evidence:
        if e.sha256 not in named:
            raise Unprocessable.field(
                e.upload.field, f"{e.upload.filename or 'a file'} is named by no finding"
            )
    return [
        Finding(
            item=item.code,
            text=item.text,
            legal_basis=item.legal_basis,
            result=found.result.value,
            note=found.note.strip(),
            evidence=[
                EvidenceFiled(
                    sha256=s, content_type=by_hash[s].content_type, size=len(by_hash[s].upload.data)
                )
                for s in found.evidence
            ],
        )
        for item in checklist.items
        for found in [data.findings[given[item.code]]]
    ]


def _earlier(session: Session, member: Member, data: InspectionIn) -> EnforcementInspection | None:
    found = session.exec(
        select(EnforcementInspection).where(EnforcementInspection.client_id == data.client_id)
    ).first()
    if found is None:
        return None
    inspector = inspector_of(session, member)
    if found.inspector_id != inspector.id:
        raise Conflict(f"client_id {data.client_id} names another inspector's inspection")
    if found.template != data.template:
        raise Conflict(
            f"client_id {data.client_id} was recorded as inspection {found.id} with another template"
        )
    return found


def record_inspection(
    services: Services, member: Member, data: InspectionIn, uploads: Sequence[Upload]
) -> Recorded:
    """Records the inspection (``inspection.recorded``) by the inspector acting through ``member``."""
    with Session(services.engine) as session:
        inspector_of(session, member)
        earlier = _earlier(session, member, data)
        if earlier is not None:
            session.expunge(earlier)
            return Recorded(earlier, created=False)
    checklist = get_checklist_field(data.template)
    evidence = check_evidence(uploads)
    findings = findings_of(checklist, data, evidence)
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        earlier = _earlier(session, member, data)  # recorded while this request was checking
        if earlier is not None:
            session.expunge(earlier)
            return Recorded(earlier, created=False)
        inspector = inspector_of(session, member)
        regulator = member.org
        party_org = party_of(session, data.party, regulator.jurisdiction)
        party = registry_party(session, party_org)
        task = (
            None
            if data.task is None
            else task_answered(session, data.task, regulator.jurisdiction, party_org)
        )
        moment = utc_now()
        at = utc_datetime(moment)
        inspected_at = (data.inspected_at or at).astimezone(dt.UTC)
        if inspected_at > at + dt.timedelta(minutes=5):
            raise Unprocessable.field("inspected_at", "is in the future")
        number = next_number(session, EnforcementInspection.id, f"JC-{china_date(at):%Y%m%d}-", 4)
        for e in evidence:
            store_file(services.settings.documents_dir, e.upload.data, e.sha256)
        failed = sum(1 for f in findings if f.result == FindingResult.failed.value)
        fact = InspectionRecorded(
            inspection_id=number, client_id=data.client_id, template=checklist.code,
            template_name=checklist.name, template_version=checklist.version, inspector_id=inspector.id,
            inspector_name=inspector.name, badge_no=inspector.badge_no, regulator=regulator.handle,
            regulator_name=regulator.name, jurisdiction=regulator.jurisdiction, party=party,
            place=data.place.strip() or party_org.address or "", inspected_at=inspected_at,
            findings=findings, failed_items=failed, summary=data.summary.strip(), task=data.task,
        )  # fmt: skip
        record_id = f"inspection:{number}:recorded"
        actor = Actor(org=regulator.uscc, key_id=member.key_id)
        record = inspection_record(number, party_org.uscc, record_id, fact, actor, moment)
        index = services.ledger.append(record, conn=session.connection()).index
        inspection = EnforcementInspection(
            id=number, client_id=data.client_id, template=checklist.code, inspector_id=inspector.id,
            regulator_org_id=regulator.id, jurisdiction=regulator.jurisdiction, party_org_id=party_org.id,
            inspected_at=inspected_at, recorded_at=at, failed_items=failed,
            evidence_count=len({e.sha256 for e in evidence}), record_id=record_id, ledger_index=index,
        )  # fmt: skip
        session.add(inspection)
        if task is not None:
            complete_task(
                session, AlertSink.of(services), actor, task, inspection_id=number,
                inspection_record_id=record_id, inspector_id=inspector.id, failed_items=failed, at=at,
            )  # fmt: skip
        session.flush()
        session.refresh(inspection)
        session.expunge(inspection)
    return Recorded(inspection, created=True)


def get_checklist_field(code: str) -> Checklist:
    """The template an inspection names; a 422 naming ``template`` for an unknown one."""
    try:
        return get_checklist(code)
    except NotFound as exc:
        raise Unprocessable.field("template", exc.detail) from exc


def evidence_of(services: Services, session: Session, inspection: EnforcementInspection, sha256: str) -> str:
    """The media type of one of the inspection's evidence files; 404 if the record names no such file."""
    fact = recorded_fact(services.ledger, session, inspection)
    for finding in fact.findings:
        for each in finding.evidence:
            if each.sha256 == sha256:
                return each.content_type
    raise NotFound(f"inspection {inspection.id} has no evidence {sha256}")
