"""``/v1/organisations``: regulators admit organisations; members see their own and add keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from .._paging import DEFAULT_LIMIT, Cursor, Limit
from ..auth import CurrentMember, MemberKey, Regulator
from ..context import WriteSession, get_services, get_session
from ..geo import Position
from ..services import Services
from ..text import Line
from .models import Organisation, OrgType
from .service import (
    OrganisationIn,
    find_organisations,
    issue_api_key,
    list_keys,
    position_of,
    position_organisation,
    public_key,
    revoke_api_key,
)
from .service import (
    admit_organisation as admit,
)

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])


def public_org(org: Organisation) -> dict[str, Any]:
    data = org.model_dump(mode="json", exclude={"latitude", "longitude", "address"})
    position = position_of(org)
    data["position"] = None if position is None else position.model_dump(mode="json")
    return data


@router.post("", status_code=201)
def admit_organisation(
    data: OrganisationIn,
    regulator: Regulator,
    services: Annotated[Services, Depends(get_services)],
) -> dict[str, Any]:
    """Admit an organisation (regulators only). The API key in the answer is shown once.

    A ``position`` (WGS-84 latitude and longitude, an address) places it on the regulators' map,
    recorded as ``org.positioned``."""
    # The chain grant waits for its block holding no database lock.
    org, api_key = admit(services, data, regulator)
    return {"organisation": public_org(org), "api_key": api_key}


@router.get("")
def list_organisations(
    _: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    name: Annotated[str | None, Query(min_length=1, max_length=200, description="part of the name")] = None,
    org_type: Annotated[OrgType | None, Query(alias="type")] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The network's members by handle, to find a counterparty: by part of the name, type or USCC."""
    orgs, next_cursor = find_organisations(
        session, name=name, org_type=org_type, uscc=uscc, limit=limit, cursor=cursor
    )
    return {"organisations": [public_org(o) for o in orgs], "next_cursor": next_cursor}


@router.get("/me")
def my_organisation(member: CurrentMember) -> dict[str, Any]:
    return public_org(member.org)


@router.put("/{handle}/position")
def set_position(
    handle: str,
    position: Position,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Set where an organisation is (WGS-84 latitude and longitude in degrees, an address line):
    a regulator for any organisation, a member key for its own. Recorded as
    ``org.positioned``; the regulators' map (``GET /v1/sites``) shows it there."""
    return public_org(position_organisation(services, session, member, handle, position))


@router.post("/me/keys", status_code=201)
def add_key(
    member: MemberKey,
    session: WriteSession,
    label: Line = "member",
    kind: Literal["member", "device"] = "member",
) -> dict[str, str]:
    """Issue another API key for this organisation (a member or a device). Shown once.

    Only member keys issue keys: a device key may not mint a key that could do more than it."""
    return {"api_key": issue_api_key(session, member.org, label[:100], kind)}


@router.get("/me/keys")
def keys(member: MemberKey, session: Annotated[Session, Depends(get_session)]) -> list[dict[str, Any]]:
    """This organisation's API keys, revoked ones included: ids and kinds, never secrets."""
    return [public_key(k) for k in list_keys(session, member.org)]


@router.delete("/me/keys/{key_id}")
def revoke_key(
    key_id: str,
    member: MemberKey,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Revoke one of this organisation's keys, at once; not its last member key."""
    return public_key(revoke_api_key(services, session, member, key_id))
