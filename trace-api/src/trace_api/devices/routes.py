"""``/v1/devices``: an organisation's members register and retire its devices; regulators see all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session, select

from evidence import Actor

from ..auth import CurrentMember
from ..coldchain.activity import listed_devices
from ..context import WriteSession, get_services, get_session
from ..errors import Forbidden
from ..geo import Position
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .models import ReadingKind
from .service import (
    DeviceIn,
    DeviceStatus,
    find_devices,
    get_device,
    position_device,
    public_device,
    register_device,
    retire_device,
)

router = APIRouter(prefix="/v1/devices", tags=["devices"])


def _member_key(member: Member) -> Member:
    if member.kind != "member":
        raise Forbidden("a device key may not manage devices; use a member's API key")
    return member


def _actor(member: Member) -> Actor:
    return Actor(org=member.org.uscc, key_id=member.key_id)


@router.post("", status_code=201)
def add_device(
    data: DeviceIn,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Register a device of the caller's organisation. The MQTT password in the answer is shown once.

    A ``position`` (a device at a location only) places it on the regulators' map, recorded as
    ``device.positioned``."""
    org = _member_key(member).org
    device, password = register_device(session, org, data)
    if data.position is not None:
        position_device(services, session, org, device, data.position, _actor(member))
    return {
        "device": public_device(device),
        "mqtt": {"username": device.username, "password": password},
    }


@router.get("")
def devices(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    org: Annotated[str | None, Query(max_length=64, description="an organisation's handle")] = None,
    kind: Annotated[ReadingKind | None, Query(description="devices that publish this")] = None,
    status: DeviceStatus | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The caller's devices by username, a page at a time, each with its newest reading's time and
    its open alerts; a regulator sees every organisation's (or one's, with ``org``)."""
    if member.org.org_type is OrgType.regulator:
        scope = (
            None
            if org is None
            else list(session.exec(select(Organisation.id).where(Organisation.handle == org)))
        )
    elif org is not None and org != member.org.handle:
        raise Forbidden(f"{member.org.handle} may list its own devices only")
    else:
        scope = [member.org.id]
    found, next_cursor = find_devices(session, scope, kind=kind, status=status, limit=limit, cursor=cursor)
    return {"devices": listed_devices(session, found), "next_cursor": next_cursor}


@router.get("/{name}")
def device(
    name: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    return public_device(get_device(session, member.org, name))


@router.put("/{name}/position")
def set_position(
    name: str,
    position: Position,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Set where the caller's device's location is (WGS-84 latitude and longitude in degrees, an
    address line), recorded as ``device.positioned``; 409 for a device on a vehicle."""
    org = _member_key(member).org
    device = position_device(services, session, org, get_device(session, org, name), position, _actor(member))
    return public_device(device)


@router.post("/{name}/retire")
def retire(name: str, member: CurrentMember, session: WriteSession) -> dict[str, Any]:
    """Stop taking the device's readings (its password stops working once the broker's file is rewritten)."""
    return public_device(retire_device(session, _member_key(member).org, name))
