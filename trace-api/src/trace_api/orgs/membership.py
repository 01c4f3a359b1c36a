"""A member's standing: regulators suspend and restore organisations, and see where each stands.

Suspending is one ``org.suspended`` ledger record, written with the organisation's new status in
one write transaction: from its commit on, every key of the organisation is refused
(:func:`~trace_api.orgs.service.authenticate`). Its chain role is revoked through the chain outbox
after commit, in commit order, so every fact the member made before the suspension reaches the chain
first, signed by the member while it still holds its role. Restoring is the mirror: an
``org.restored`` record, the status set back, and the role granted again through the outbox.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, func, select
from web3.exceptions import Web3Exception

from chain import ChainError
from evidence import Actor, Record, Subject, utc_datetime, utc_now

from ..chainops import MEMBERSHIP_OPERATIONS, ChainOp, chain_statuses, org_target, owe_membership
from ..chainops.models import UNFINISHED
from ..chainops.status import record_chain_status
from ..errors import Conflict, Forbidden, NotFound
from ..facts import OrgRestored, OrgSuspended
from ..services import Services
from ..text import Text
from ._uscc import UsccError, validate_uscc
from .models import ApiKey, Organisation, OrgStatus
from .service import Member

#: The subject under which the ledger finds an organisation's membership records (``org`` names it
#: in every fact it makes, which are many).
MEMBERSHIP_SUBJECT = "membership"


class StandingChangeIn(BaseModel):
    reason: Text = Field(min_length=3, max_length=500, description="why, for the record and the member")


def get_organisation(session: Session, handle: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        raise NotFound(f"no organisation {handle!r}")
    return org


def suspend_organisation(
    services: Services, session: Session, regulator: Member, handle: str, data: StandingChangeIn
) -> tuple[Organisation, dict[str, Any]]:
    """Suspends ``handle``; returns it and the record. Requires the writer's session (the writer
    lock is held before the status is read)."""
    org = get_organisation(session, handle)
    if org.id == regulator.org.id:
        raise Forbidden(f"{regulator.org.handle} may not suspend its own organisation")
    if org.status is OrgStatus.suspended:
        raise Conflict(f"{handle} is suspended already (since {org.suspended_at})")
    record = _record(services, session, regulator, org, OrgSuspended, data.reason)
    org.status, org.suspended_at, org.suspension_reason = (
        OrgStatus.suspended,
        utc_datetime(record["time"]),
        data.reason,
    )
    session.add(org)
    return org, record


def restore_organisation(
    services: Services, session: Session, regulator: Member, handle: str, data: StandingChangeIn
) -> tuple[Organisation, dict[str, Any]]:
    """Restores a suspended ``handle``; returns it and the record."""
    org = get_organisation(session, handle)
    if org.status is not OrgStatus.suspended:
        raise Conflict(f"{handle} is not suspended")
    record = _record(services, session, regulator, org, OrgRestored, data.reason)
    org.status, org.suspended_at, org.suspension_reason = OrgStatus.active, None, None
    session.add(org)
    return org, record


def _record(
    services: Services,
    session: Session,
    regulator: Member,
    org: Organisation,
    fact: type[OrgSuspended] | type[OrgRestored],
    reason: str,
) -> dict[str, Any]:
    """Appends the membership record and owes its chain call; what the answer says of it."""
    change = fact.KIND.split(".")[1]
    record = Record(
        kind=fact.KIND,
        record_id=f"org:{org.handle}:{change}:{uuid.uuid4().hex}",
        time=utc_now(),
        actor=Actor(org=regulator.org.uscc, key_id=regulator.key_id),
        subjects=[Subject(type="org", id=org.uscc), Subject(type=MEMBERSHIP_SUBJECT, id=org.uscc)],
        payload=fact(
            handle=org.handle,
            reason=reason,
            role=org.org_type.chain_role.value,
            account=org.chain_address,
        ).payload(),
    )
    receipt = services.ledger.append(record, conn=session.connection())
    owe_membership(session, record.kind, record.record_id, org)
    session.flush()
    return {
        "record_id": record.record_id,
        "index": receipt.index,
        "leaf_hash": receipt.leaf_hash.hex(),
        "kind": record.kind,
        "time": record.time,
        "chain": record_chain_status(session, record.record_id),
    }


def membership_history(services: Services, session: Session, org: Organisation) -> list[dict[str, Any]]:
    """The organisation's suspensions and restorations, newest first, with who made each and where
    its chain call stands."""
    stored = services.ledger.about(MEMBERSHIP_SUBJECT, org.uscc)
    statuses = chain_statuses(session, [s.record_id for s in stored])
    actors = {r.actor.org for r in (s.record() for s in stored)}
    handles = (
        dict(
            session.exec(
                select(Organisation.uscc, Organisation.handle).where(col(Organisation.uscc).in_(actors))
            ).all()
        )
        if actors
        else {}
    )
    history = []
    for item in reversed(stored):
        record = item.record()
        change = OrgRestored.of(record) if OrgRestored.reads(record.kind) else OrgSuspended.of(record)
        history.append(
            {
                "record_id": item.record_id,
                "index": item.index,
                "kind": item.kind,
                "time": record.time,
                "by": handles.get(record.actor.org, record.actor.org),
                "reason": change.reason,
                "chain": statuses.get(item.record_id),
            }
        )
    return history


def chain_standing(services: Services, session: Session, org: Organisation) -> dict[str, Any]:
    """The role the organisation's type carries, whether the chain holds it now (None when the node
    does not answer), and whether a change of it is still owed to the chain."""
    role = org.org_type.chain_role
    holds: bool | None
    error = None
    try:
        holds = services.chain.has_role(org.chain_address, role)
    except (ChainError, Web3Exception, OSError) as exc:
        holds, error = None, str(exc)[:200]
    owed = session.exec(
        select(func.count())
        .select_from(ChainOp)
        .where(ChainOp.batch_id == org_target(org), col(ChainOp.operation).in_(MEMBERSHIP_OPERATIONS))
        .where(col(ChainOp.status).in_(UNFINISHED))
    ).one()
    return {
        "account": org.chain_address,
        "role": role.name.lower(),
        "holds_role": holds,
        "pending_changes": int(owed),
        "error": error,
    }


def key_counts(session: Session, org: Organisation) -> dict[str, int]:
    """The organisation's active (unrevoked) keys, by kind."""
    rows = session.exec(
        select(ApiKey.kind, func.count())
        .where(ApiKey.org_id == org.id, col(ApiKey.revoked_at).is_(None))
        .group_by(col(ApiKey.kind))
    ).all()
    return {"member": 0, "device": 0} | {kind: int(n) for kind, n in rows}


def check_uscc(session: Session, value: str) -> dict[str, Any]:
    """Whether ``value`` is a valid unified social credit code, and if not, exactly why (the rule it
    breaks and the facts to correct it); if valid, which member holds it already, if any."""
    try:
        code = validate_uscc(value)
    except UsccError as exc:
        return {
            "uscc": value.strip().upper(),
            "valid": False,
            "problem": exc.problem,
            "reason": str(exc),
            **exc.details,
        }
    holder = session.exec(select(Organisation.handle).where(Organisation.uscc == code)).first()
    return {"uscc": code, "valid": True, "admitted_as": holder}
