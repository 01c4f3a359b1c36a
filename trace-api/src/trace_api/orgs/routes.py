"""``/v1/organisations``: regulators admit organisations; members see their own and add keys."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import AnyKey, CurrentMember, MemberKey, Regulator
from ..chainops import record_chain_status
from ..context import WriteSession, get_services, get_session
from ..geo import Position
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from ..text import Line
from .membership import (
    StandingChangeIn,
    chain_standing,
    check_uscc,
    get_organisation,
    key_counts,
    membership_history,
    restore_organisation,
    suspend_organisation,
)
from .models import Organisation, OrgStatus, OrgType
from .service import (
    Member,
    OrganisationIn,
    OrgFilter,
    admission_record_id,
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


def public_org(org: Organisation, viewer: Member | None = None) -> dict[str, Any]:
    """The organisation as members see it; why it is suspended only its regulators and itself see.
    Its position (WGS-84, for the regulators' map) is one object, or null."""
    data = org.model_dump(mode="json", exclude={"latitude", "longitude", "address"})
    if viewer is not None and viewer.org.org_type is not OrgType.regulator and viewer.org.id != org.id:
        data.pop("suspension_reason", None)
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

    Its chain role is granted after commit by the chain worker (``chain``: ``pending`` until
    mined), before any chain call the new member makes; the node need not answer meanwhile.
    A ``position`` (WGS-84 latitude and longitude, an address) places it on the regulators' map,
    recorded as ``org.positioned``."""
    org, api_key = admit(services, data, regulator)
    with Session(services.engine) as session:
        chain = record_chain_status(session, admission_record_id(org))
    return {"organisation": public_org(org), "api_key": api_key, "chain": chain}


@router.get("")
def list_organisations(
    member: AnyKey,
    session: Annotated[Session, Depends(get_session)],
    name: Annotated[str | None, Query(min_length=1, max_length=200, description="part of the name")] = None,
    org_type: Annotated[OrgType | None, Query(alias="type")] = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    jurisdiction: Annotated[
        str | None, Query(min_length=1, max_length=100, description="part of the jurisdiction")
    ] = None,
    status: OrgStatus | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="part of the name or the handle")
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The network's members by handle, to find a counterparty: by part of the name (or of the name
    or handle, ``q``), type, USCC, part of the jurisdiction, or status (active or suspended)."""
    wanted = OrgFilter(
        name=name, org_type=org_type, uscc=uscc, jurisdiction=jurisdiction, status=status, text=q
    )
    orgs, next_cursor = find_organisations(session, wanted, limit=limit, cursor=cursor)
    return {"organisations": [public_org(o, member) for o in orgs], "next_cursor": next_cursor}


@router.get("/uscc-check")
def uscc_check(
    _: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    uscc: Annotated[str, Query(max_length=64, description="the code to check, as typed")],
) -> dict[str, Any]:
    """Checks a unified social credit code (GB 32100-2015) and changes nothing: ``valid``, and if not,
    ``problem`` (``length``, ``character``, ``region`` or ``check_character``), ``reason`` in words and
    the facts to correct it (``length``; ``characters`` and ``positions``; ``expected`` and ``found``
    check character); if valid, ``admitted_as``: the handle of the member holding it already, or null."""
    return check_uscc(session, uscc)


@router.get("/me")
def my_organisation(member: AnyKey) -> dict[str, Any]:
    """The caller's organisation, and the key it called with: ``key`` (its ``id`` and ``kind``:
    ``member``, ``device`` or ``inspector``), so a client can tell what the key may do."""
    return {**public_org(member.org, member), "key": {"id": member.key_id, "kind": member.kind}}


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


@router.get("/{handle}")
def read_organisation(
    handle: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> dict[str, Any]:
    """One member. A regulator also sees its standing: its chain role (held now or not, and changes
    still owed to the chain), its active keys by kind, and its suspensions and restorations."""
    org = get_organisation(session, handle)
    data = public_org(org, member)
    if member.org.org_type is OrgType.regulator:
        data["chain"] = chain_standing(services, session, org)
        data["keys"] = key_counts(session, org)
        data["history"] = membership_history(services, session, org)
    return data


@router.post("/{handle}/suspend")
def suspend(
    handle: str,
    data: StandingChangeIn,
    regulator: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Suspend a member (regulators only; never the caller's own organisation): its keys are refused
    at once and its chain role is revoked after commit (``record.chain``). Recorded as ``org.suspended``."""
    org, record = suspend_organisation(services, session, regulator, handle, data)
    return {"organisation": public_org(org), "record": record}


@router.post("/{handle}/restore")
def restore(
    handle: str,
    data: StandingChangeIn,
    regulator: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Restore a suspended member (regulators only; 409 if it is not suspended): its keys work again
    at once and its chain role is granted again after commit. Recorded as ``org.restored``."""
    org, record = restore_organisation(services, session, regulator, handle, data)
    return {"organisation": public_org(org), "record": record}
