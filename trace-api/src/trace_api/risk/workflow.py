"""A warning's workflow: a regulator of its jurisdiction assigns it to a regulator organisation of
that jurisdiction (分派), the assignee handles it with a note (处置), a regulator of the jurisdiction
closes it (办结). Each step is a ledger record naming the warning and its raising record, written
in the transaction that moves the warning's row; a warning that names no jurisdiction (its firm is
not a member) is any regulator's."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from evidence import Actor, Record, Subject, utc_now

from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..orgs.service import Member
from ..services import Services, writing
from ..text import Text
from .facts import WarningAssigned, WarningClosed, WarningHandled
from .models import RiskWarning, WarningStatus

Action = Literal["assign", "handle", "close"]
#: The statuses each action may start from.
STARTS = {
    "assign": (WarningStatus.open, WarningStatus.assigned),
    "handle": (WarningStatus.assigned,),
    "close": (WarningStatus.open, WarningStatus.assigned, WarningStatus.handled),
}
ENDS = {"assign": WarningStatus.assigned, "handle": WarningStatus.handled, "close": WarningStatus.closed}


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=64, description="handle of a regulator organisation")
    note: Text = Field(default="", max_length=2000)


class NoteIn(BaseModel):
    note: Text = Field(min_length=1, max_length=2000, description="what was done, or why it is closed")


@dataclass(frozen=True)
class Stepped:
    warning: RiskWarning
    record_id: str
    ledger_index: int


def get_warning(session: Session, member: Member, warning_id: str) -> RiskWarning:
    """The warning, for a regulator; anyone else is answered as if there were none."""
    warning = session.get(RiskWarning, warning_id)
    if warning is None or member.org.org_type is not OrgType.regulator:
        raise NotFound(f"no risk warning {warning_id}")
    return warning


def _check_jurisdiction(member: Member, warning: RiskWarning) -> None:
    if member.kind != "member":
        raise Forbidden(f"a device key may not act on risk warning {warning.id}; use a member's API key")
    if warning.jurisdiction is not None and member.org.jurisdiction != warning.jurisdiction:
        raise Forbidden(
            f"{member.org.handle} supervises {member.org.jurisdiction!r}; "
            f"risk warning {warning.id} is in {warning.jurisdiction!r}"
        )


def _assignee(session: Session, warning: RiskWarning, handle: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None or org.org_type is not OrgType.regulator or org.status is not OrgStatus.active:
        raise Unprocessable.field("assignee", f"{handle!r} is not an active regulator organisation")
    if warning.jurisdiction is not None and org.jurisdiction != warning.jurisdiction:
        raise Unprocessable.field(
            "assignee", f"{handle} supervises {org.jurisdiction!r}, not {warning.jurisdiction!r}"
        )
    return org


def step_warning(
    services: Services,
    member: Member,
    warning_id: str,
    action: Action,
    note: str,
    assignee: str | None = None,
) -> Stepped:
    """Takes one step of the warning's workflow as ``member`` and records it."""
    with writing(services) as session:
        warning = get_warning(session, member, warning_id)
        _check_jurisdiction(member, warning)
        if warning.status not in STARTS[action]:
            raise Conflict(f"risk warning {warning.id} is {warning.status}; it cannot be {ENDS[action]} now")
        if action == "handle" and warning.assignee_id != member.org.id:
            raise Forbidden(
                f"risk warning {warning.id} is assigned to another organisation, not {member.org.handle}"
            )
        common = {
            "warning_id": warning.id, "raised_record_id": warning.record_id,
            "regulator": member.org.handle, "note": note,
        }  # fmt: skip
        fact: WarningAssigned | WarningHandled | WarningClosed
        if action == "assign":
            org = _assignee(session, warning, assignee or "")
            warning.assignee_id = org.id
            fact = WarningAssigned(**common, assignee=org.handle)
        elif action == "handle":
            fact = WarningHandled(**common)
        else:
            fact = WarningClosed(**common)
        now = utc_now()
        record = Record(
            kind=fact.KIND, record_id=f"{fact.KIND}:{warning.id}:{uuid.uuid4().hex[:16]}",
            time=now, actor=Actor(org=member.org.uscc, key_id=member.key_id),
            subjects=[Subject(type="risk_warning", id=warning.id), Subject(type="org", id=member.org.uscc)],
            payload=fact.payload(),
        )  # fmt: skip
        receipt = services.ledger.append(record, conn=session.connection())
        warning.status = ENDS[action]
        warning.updated_at = dt.datetime.now(dt.UTC)
        session.add(warning)
        session.flush()
        session.refresh(warning)
    return Stepped(warning, receipt.record_id, receipt.index)
