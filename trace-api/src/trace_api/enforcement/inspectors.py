"""Inspectors (执法人员): a regulator's member key adds one, issuing the inspector's own API key
(kind ``inspector``, shown once); the inspector registers the Ed25519 public key their documents
are signed with. Both steps are ledger records."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, utc_datetime, utc_now

from ..errors import Conflict, Forbidden
from ..orgs.models import OrgType
from ..orgs.service import Member, new_api_key
from ..services import Services, writing
from .facts import InspectorAdded, SigningKeyRegistered
from .inputs import InspectorIn, SigningKeyIn
from .models import Inspector


@dataclass(frozen=True)
class Added:
    inspector: Inspector
    #: The inspector's API key, shown once.
    api_key: str
    record_id: str


def check_regulator_member(member: Member) -> None:
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden(f"only a market regulator manages inspectors; {member.org.handle} is not one")
    if member.kind != "member":
        raise Forbidden(f"a {member.kind} key may not manage inspectors; use a member's API key")


def inspector_of(session: Session, member: Member) -> Inspector:
    """The inspector acting through ``member``'s key; 403 for any other key."""
    inspector = (
        session.exec(select(Inspector).where(Inspector.api_key_id == member.key_id)).first()
        if member.kind == "inspector"
        else None
    )
    if inspector is None:
        raise Forbidden("only an inspector's key records inspections; a regulator adds inspectors")
    return inspector


def inspector_record(
    inspector: Inspector, member: Member, fact: InspectorAdded | SigningKeyRegistered
) -> Record:
    return Record(
        kind=fact.KIND,
        record_id=f"inspector:{inspector.id}:{fact.KIND.rsplit('.', 1)[1]}:{uuid.uuid4().hex[:12]}",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=[Subject(type="inspector", id=inspector.id), Subject(type="org", id=member.org.uscc)],
        payload=fact.payload(),
    )


def add_inspector(services: Services, member: Member, data: InspectorIn) -> Added:
    """A regulator's member key adds an inspector with a key of their own (``inspection.inspector_added``)."""
    check_regulator_member(member)
    with writing(services) as session:
        if session.exec(select(Inspector).where(Inspector.badge_no == data.badge_no)).first() is not None:
            raise Conflict(f"an inspector with badge number {data.badge_no} exists already")
        key_row, key = new_api_key(member.org, f"inspector {data.badge_no}", "inspector")
        session.add(key_row)
        session.flush()
        record_time = utc_now()
        inspector = Inspector(
            id=uuid.uuid4().hex, org_id=member.org.id, name=data.name, badge_no=data.badge_no,
            api_key_id=key_row.id, created_at=utc_datetime(record_time),
        )  # fmt: skip
        fact = InspectorAdded(
            inspector_id=inspector.id, name=inspector.name, badge_no=inspector.badge_no,
            regulator=member.org.handle, api_key_id=key_row.id,
        )  # fmt: skip
        record = inspector_record(inspector, member, fact)
        services.ledger.append(record, conn=session.connection())
        session.add(inspector)
        session.flush()
        session.refresh(inspector)
        session.expunge(inspector)
    return Added(inspector, key, record.record_id)


def register_signing_key(services: Services, member: Member, data: SigningKeyIn) -> tuple[Inspector, str]:
    """The inspector's public key, replacing any earlier one for documents signed from now on
    (``inspection.signing_key_registered``); documents keep the key they were signed with."""
    with writing(services) as session:
        inspector = inspector_of(session, member)
        raw = bytes.fromhex(data.public_key)
        fact = SigningKeyRegistered(
            inspector_id=inspector.id, badge_no=inspector.badge_no, public_key=raw.hex(),
            key_sha256=hashlib.sha256(raw).hexdigest(),
        )  # fmt: skip
        record = inspector_record(inspector, member, fact)
        services.ledger.append(record, conn=session.connection())
        inspector.public_key = raw.hex()
        inspector.key_registered_at = utc_datetime(record.time)
        inspector.key_record_id = record.record_id
        session.add(inspector)
        session.flush()
        session.refresh(inspector)
        session.expunge(inspector)
    return inspector, record.record_id


def list_inspectors(session: Session, member: Member) -> list[Inspector]:
    """The calling regulator's inspectors."""
    check_regulator_member(member)
    query = select(Inspector).where(Inspector.org_id == member.org.id).order_by(col(Inspector.created_at))
    return list(session.exec(query))


def describe_inspector(inspector: Inspector) -> dict[str, object]:
    data = inspector.model_dump(mode="json", exclude={"org_id"})
    data["key_sha256"] = (
        hashlib.sha256(bytes.fromhex(inspector.public_key)).hexdigest() if inspector.public_key else None
    )
    return data
