"""Who is calling: API keys sent as ``Authorization: Bearer``, checked against stored hashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from .context import get_session
from .errors import Forbidden, Unauthorized
from .orgs.models import OrgType
from .orgs.service import Member, authenticate


def any_key(request: Request, session: Annotated[Session, Depends(get_session)]) -> Member:
    """A dependency admitting every kind of key: only for the routes an inspector's key may call too
    (the enforcement routes, the caller's own organisation, the list of organisations)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the API key as 'Authorization: Bearer <key>'")
    member = authenticate(session, token.strip())
    # Hand the connection back: a request must not hold one while it waits for the writer's.
    session.expunge_all()
    session.rollback()
    return member


def current_member(member: Annotated[Member, Depends(any_key)]) -> Member:
    """A dependency admitting member and device keys: an inspector's key acts on inspections only."""
    if member.kind == "inspector":
        raise Forbidden("an inspector's key acts on inspections only; use a member's API key")
    return member


def member_of(*types: OrgType) -> Callable[[Member], Member]:
    """A dependency admitting members of organisations of the given types only."""

    def check(member: Annotated[Member, Depends(current_member)]) -> Member:
        if member.org.org_type not in types:
            allowed = " or ".join(t.value for t in types)
            kind = member.org.org_type.value
            article = "an" if kind[0] in "aeiou" else "a"
            raise Forbidden(
                f"only {allowed} organisations may do this; {member.org.handle} is {article} {kind}"
            )
        return member

    return check


def member_key(member: Annotated[Member, Depends(current_member)]) -> Member:
    """A dependency admitting member keys only: a device key acts for its device, nothing more."""
    if member.kind != "member":
        raise Forbidden(f"a {member.kind} key may not do this; use a member's API key")
    return member


def regulator(member: Annotated[Member, Depends(member_of(OrgType.regulator))]) -> Member:
    """A dependency admitting a regulator's people: its member keys (inspectors' keys are refused by
    :func:`member_of`); a device of a regulator acts for its device, never with the regulator's powers."""
    if member.kind == "device":
        raise Forbidden("a device key may not act for a regulator; use a member's API key")
    return member


AnyKey = Annotated[Member, Depends(any_key)]
CurrentMember = Annotated[Member, Depends(current_member)]
MemberKey = Annotated[Member, Depends(member_key)]
Regulator = Annotated[Member, Depends(regulator)]
