"""The public credit disclosure (信用信息公示): each graded firm's grade, and the list of serious
violators (严重违法失信名单) with the reason and the ledger records each listing rests on. This is
all the public sees of credit: no score, no factor, nothing about a firm not yet graded.

A regulator of the firm's jurisdiction lists it (``credit.blacklisted``), citing records that are
in the ledger (422 naming the one that is not)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, rfc3339, utc_datetime, utc_now

from ..errors import Conflict, NotFound, Unprocessable
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..paperwork.applicants import check_regulator_of
from .facts import CreditBlacklisted
from .grading import writing
from .models import CreditBlacklisting, CreditGrade


class BlacklistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org: str = Field(min_length=1, max_length=64, description="The organisation's handle")
    reason: str = Field(min_length=4, max_length=1000)
    record_ids: list[str] = Field(min_length=1, max_length=50, description="The ledger records it rests on")


def blacklist_org(ledger: Ledger, member: Member, data: BlacklistIn) -> CreditBlacklisting:
    with writing(ledger) as session:
        org = session.exec(select(Organisation).where(Organisation.handle == data.org)).first()
        if org is None or org.org_type is OrgType.regulator:
            raise Unprocessable.field("org", f"no firm {data.org}")
        check_regulator_of(member, org.jurisdiction, f"the credit of {org.handle}")
        if session.exec(select(CreditBlacklisting).where(CreditBlacklisting.org_id == org.id)).first():
            raise Conflict(f"{org.handle} is on the list of serious violators already")
        held = ledger.holding(data.record_ids, conn=session.connection())
        for i, record_id in enumerate(data.record_ids):
            if record_id not in held:
                raise Unprocessable.field(f"record_ids.{i}", f"no record {record_id} in the ledger")
        listing_id = uuid.uuid4().hex
        fact = CreditBlacklisted(
            listing_id=listing_id, org=org.handle, uscc=org.uscc, name=org.name, regulator=member.org.handle,
            reason=data.reason, record_ids=data.record_ids,
        )  # fmt: skip
        record = Record(
            kind=fact.KIND, record_id=f"credit-blacklist:{listing_id}", time=utc_now(),
            actor=Actor(org=member.org.uscc, key_id=member.key_id),
            subjects=[Subject(type="org", id=org.uscc), Subject(type="credit", id=org.uscc)],
            payload=fact.payload(),
        )  # fmt: skip
        ledger.append(record, conn=session.connection())
        listing = CreditBlacklisting(
            id=listing_id, org_id=org.id, reason=data.reason, record_ids=json.dumps(data.record_ids),
            listed_by=member.org.id, record_id=record.record_id, listed_at=utc_datetime(record.time),
        )  # fmt: skip
        session.add(listing)
        session.flush()
        session.expunge(listing)
    return listing


def public_disclosure(session: Session) -> dict[str, Any]:
    """What the public sees: grades (name, credit code, grade, since) and the blacklist."""
    graded = session.exec(
        select(Organisation, CreditGrade)
        .join(CreditGrade, col(CreditGrade.org_id) == col(Organisation.id))
        .order_by(col(CreditGrade.grade), col(Organisation.name))
    ).all()
    listed = session.exec(
        select(Organisation, CreditBlacklisting)
        .join(CreditBlacklisting, col(CreditBlacklisting.org_id) == col(Organisation.id))
        .order_by(col(CreditBlacklisting.listed_at).desc())
    ).all()
    return {
        "grades": [
            {"name": o.name, "uscc": o.uscc, "jurisdiction": o.jurisdiction, "grade": g.grade,
             "since": rfc3339(g.graded_at), "record_id": g.record_id}
            for o, g in graded
        ],
        "blacklist": [
            {"name": o.name, "uscc": o.uscc, "jurisdiction": o.jurisdiction, "reason": b.reason,
             "record_ids": json.loads(b.record_ids), "listed_at": rfc3339(b.listed_at),
             "record_id": b.record_id}
            for o, b in listed
        ],
    }  # fmt: skip


def listing_of(session: Session, org: Organisation) -> CreditBlacklisting:
    found = session.exec(select(CreditBlacklisting).where(CreditBlacklisting.org_id == org.id)).first()
    if found is None:
        raise NotFound(f"{org.handle} is not on the list of serious violators")
    return found
