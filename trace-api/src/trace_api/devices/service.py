"""Registering devices: who owns them, which place they watch, what they publish, their credentials."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from enum import StrEnum
from urllib.parse import quote

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlalchemy import literal
from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, utc_now

from .._paging import decode_cursor, page_of
from ..batches.models import StorageClass
from ..errors import Conflict, NotFound
from ..events import place_uri
from ..facts import DevicePositioned
from ..geo import Position
from ..orgs.models import Organisation
from ..services import Services
from ..text import Line
from .models import Device, ReadingKind
from .passwords import new_password, password_hash

#: Names under an organisation's prefix that are topics of their own, not devices.
RESERVED_NAMES = frozenset({"alerts", "recalls"})
TOPIC_ROOT = "suyuan/v1"


class DeviceIn(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="unique within the organisation")
    kinds: list[ReadingKind] = Field(min_length=1, max_length=5, description="what the device publishes")
    location: Line | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the storage place it watches (GLN/SGLN or name)",
    )
    vehicle: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z\u4e00-\u9fff-]{2,32}$",
        description="the plate of the vehicle it rides in",
        validate_default=True,
    )
    storage_class: StorageClass = Field(
        default=StorageClass.chilled, description="what the place keeps: its temperature rule"
    )
    position: Position | None = Field(
        default=None, description="where its location is, for the regulators' map (not for a vehicle)"
    )

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_NAMES:
            raise ValueError(f"{value!r} is reserved for the organisation's own topics")
        return value

    @field_validator("vehicle")
    @classmethod
    def _one_place(cls, value: str | None, info: ValidationInfo) -> str | None:
        if (info.data.get("location") is None) == (value is None):
            raise ValueError("give either location or vehicle")
        return value

    @field_validator("position")
    @classmethod
    def _fixed_place(cls, value: Position | None, info: ValidationInfo) -> Position | None:
        if value is not None and info.data.get("vehicle") is not None:
            raise ValueError("a device on a vehicle moves: only a device at a location has a position")
        return value


def vehicle_place(plate: str) -> str:
    return "urn:suyuan:vehicle:" + quote(plate.upper(), safe="")


def place_key(location: str | None = None, vehicle: str | None = None) -> str:
    """The place a device watches and a batch stays at, comparable across scans and devices."""
    if vehicle is not None:
        return vehicle_place(vehicle)
    assert location is not None
    return place_uri(location)


def device_topic(org_handle: str, name: str, kind: str = "+") -> str:
    return f"{TOPIC_ROOT}/{org_handle}/{name}/{kind}"


def alert_topic(org_handle: str) -> str:
    return f"{TOPIC_ROOT}/{org_handle}/alerts"


def register_device(session: Session, org: Organisation, data: DeviceIn) -> tuple[Device, str]:
    """Registers the device; returns it with its MQTT password (shown once, only its hash is kept).

    Its ``position`` is not set here: :func:`position_device` sets and records it."""
    username = f"{org.handle}/{data.name}"
    if session.exec(select(Device).where(Device.username == username)).first() is not None:
        raise Conflict(f"{org.handle} has a device named {data.name!r} already")
    password = new_password()
    device = Device(
        id=secrets.token_hex(8),
        org_id=org.id,
        name=data.name,
        username=username,
        kinds=",".join(k.value for k in data.kinds),
        location=data.location,
        vehicle=data.vehicle.upper() if data.vehicle else None,
        place=place_key(data.location, data.vehicle),
        storage_class=data.storage_class,
        password_hash=password_hash(password),
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(device)
    session.commit()
    session.refresh(device)
    return device, password


def retire_device(session: Session, org: Organisation, name: str) -> Device:
    """The device's readings stop being taken; its past readings stay evidence."""
    device = get_device(session, org, name)
    if device.retired_at is None:
        device.retired_at = dt.datetime.now(dt.UTC)
        session.add(device)
        session.commit()
        session.refresh(device)
    return device


def position_device(
    services: Services, session: Session, org: Organisation, device: Device, position: Position, actor: Actor
) -> Device:
    """Sets where ``org``'s device's location is, recorded as ``device.positioned`` (``session``
    holds the writer lock). A device on a vehicle has no fixed position."""
    if device.vehicle is not None:
        raise Conflict(f"{device.username} rides in vehicle {device.vehicle}: it has no fixed position")
    position = position.rounded()
    fact = DevicePositioned(
        device=device.username,
        organisation=org.handle,
        latitude=position.latitude,
        longitude=position.longitude,
        address=position.address,
    )
    record = Record(
        kind=DevicePositioned.KIND,
        record_id=f"device:{device.username}:positioned:{uuid.uuid4().hex}",
        time=utc_now(),
        actor=actor,
        subjects=[Subject(type="device", id=device.username), Subject(type="org", id=org.uscc)],
        payload=fact.payload(),
    )
    services.ledger.append(record, conn=session.connection())
    device.latitude, device.longitude = position.latitude, position.longitude
    device.address = position.address
    session.add(device)
    return device


def position_of_device(device: Device) -> Position | None:
    if device.latitude is None or device.longitude is None:
        return None
    return Position(latitude=device.latitude, longitude=device.longitude, address=device.address)


def get_device(session: Session, org: Organisation, name: str) -> Device:
    device = session.exec(select(Device).where(Device.org_id == org.id, Device.name == name)).first()
    if device is None:
        raise NotFound(f"{org.handle} has no device {name!r}")
    return device


def list_devices(session: Session, org_ids: Sequence[str] | None) -> list[Device]:
    """Devices of the given organisations (all of them for ``None``), by username."""
    query = select(Device).order_by(col(Device.username))
    if org_ids is not None:
        query = query.where(col(Device.org_id).in_(org_ids))
    return list(session.exec(query))


class DeviceStatus(StrEnum):
    active = "active"  # its readings are taken
    retired = "retired"


def find_devices(
    session: Session,
    org_ids: Sequence[str] | None,
    *,
    kind: ReadingKind | None,
    status: DeviceStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Device], str | None]:
    """A page of the devices of the given organisations (all for ``None``), by username: those that
    publish ``kind``, in ``status``."""
    query = select(Device)
    if org_ids is not None:
        query = query.where(col(Device.org_id).in_(org_ids))
    if kind is not None:
        # ``kinds`` is comma-separated: match whole names only
        query = query.where((literal(",") + col(Device.kinds) + literal(",")).contains(f",{kind.value},"))
    if status is DeviceStatus.active:
        query = query.where(col(Device.retired_at).is_(None))
    elif status is DeviceStatus.retired:
        query = query.where(col(Device.retired_at).is_not(None))
    if cursor is not None:
        query = query.where(col(Device.username) > decode_cursor(cursor))
    rows = session.exec(query.order_by(col(Device.username)).limit(limit + 1)).all()
    return page_of(rows, limit, lambda device: device.username)


def public_device(device: Device) -> dict[str, object]:
    org_handle = device.username.partition("/")[0]  # the username is ``{org_handle}/{name}``
    return {
        "name": device.name,
        "organisation": org_handle,
        "username": device.username,
        "topic": device_topic(org_handle, device.name),
        "kinds": sorted(device.kind_set),
        "location": device.location,
        "vehicle": device.vehicle,
        "place": device.place,
        "storage_class": device.storage_class.value,
        "created_at": device.created_at.isoformat(),
        "retired_at": device.retired_at.isoformat() if device.retired_at else None,
        "position": None if (position := position_of_device(device)) is None else position.model_dump(),
    }
