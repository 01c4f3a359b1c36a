"""Maintenance records (维护保养记录) from the maintenance unit's phone: the checklist items done,
photos, and where the phone was.

A record whose position is farther from the elevator than the set distance is kept and flagged
(``too_far``), as evidence either way, and opens a ``maintenance_too_far`` alert that the next
maintenance recorded on site closes. A maintenance that puts the due time ahead closes the
``maintenance_overdue`` alert. A maintenance moves the elevator's next due time to the
set interval after it (TSG T5002: at least every 15 days); one recorded late (an offline phone,
within the set days) counts from when it was performed, and never moves the due time back. The
first one counts even when it was done before the elevator's registration (an elevator in
service before it was registered here): the due time is the interval after it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from evidence import rfc3339

from .._paging import newest_after, page_of
from ..alerting import AlertSink
from ..documents.models import Document
from ..documents.service import holds_document
from ..errors import Forbidden, Unprocessable
from ..orgs.service import Member
from ..services import Services
from ..text import Line, Text
from .alerts import Elevator, apply_maintenance_rules, apply_position_rule, open_alerts_of
from .checklist import CHECKLIST
from .facts import EquipmentMaintained
from .models import Maintenance
from .rules import EquipmentRules
from .service import (
    Registered,
    actor_of,
    check_position,
    describe_maintenance,
    equipment_record,
    find_equipment,
    handles_of,
    utc,
)
from .views import MaintenanceView

#: The mean radius of the Earth (IUGG), metres: haversine distances on it are within 0.5 % on WGS-84.
EARTH_RADIUS_M = 6_371_008.8
#: How far ahead of the server's clock a phone's clock may be.
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_PHOTOS = 10
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class MaintenanceIn(BaseModel):
    technician: Line = Field(min_length=1, max_length=64, description="who did it (维保人员)")
    items: list[str] = Field(
        min_length=1,
        max_length=len(CHECKLIST),
        description="checklist items done (GET /v1/equipment/checklist)",
    )
    photos: list[str] = Field(
        default_factory=list,
        max_length=MAX_PHOTOS,
        description="SHA-256 of pictures the maintenance unit uploaded (POST /v1/documents)",
    )
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False, description="where the phone was, WGS-84")
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)
    accuracy_m: float | None = Field(
        default=None, ge=0, le=100_000, allow_inf_nan=False, description="the fix's accuracy, metres"
    )
    performed_at: dt.datetime | None = Field(
        default=None, description="when it was done (with its offset); unset: now"
    )
    note: Text | None = Field(default=None, max_length=1000)

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[str]) -> list[str]:
        for i, item in enumerate(items):
            if item not in CHECKLIST:
                raise PydanticCustomError("unknown_item", f"item {i} ({item[:40]!r}) is not on the checklist")
            if item in items[:i]:
                raise PydanticCustomError("repeated_item", f"item {i} ({item}) is listed twice")
        return items

    @field_validator("photos")
    @classmethod
    def _photos(cls, photos: list[str]) -> list[str]:
        for i, sha in enumerate(photos):
            if not _SHA256.fullmatch(sha):
                raise PydanticCustomError("not_sha256", f"photo {i} is not a lower-case hex SHA-256")
        if len(set(photos)) != len(photos):
            raise PydanticCustomError("repeated_photo", "lists a photo twice")
        return photos

    @field_validator("performed_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.utcoffset() is None:
            raise PydanticCustomError("naive_time", "needs an offset, e.g. 2026-12-01T09:30:00+08:00")
        return value

    @field_validator("longitude")
    @classmethod
    def _fix(cls, value: float, info: ValidationInfo) -> float:
        latitude = info.data.get("latitude")
        if latitude is not None:
            check_position(latitude, value)
        return value


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def record_maintenance(
    services: Services,
    session: Session,
    member: Member,
    code: str,
    data: MaintenanceIn,
    rules: EquipmentRules,
    now: dt.datetime | None = None,
) -> tuple[Maintenance, Registered]:
    """Records a maintenance visit by the elevator's maintenance unit, as ``equipment.maintained``,
    and moves the elevator's due time."""
    now = utc(now)
    if member.kind != "member":
        raise Forbidden("a device key may not record maintenance; use a member's API key")
    found = find_equipment(session, member, code)
    e = found.equipment
    if e.maintainer_org_id != member.org.id:
        raise Forbidden(
            f"only {found.maintainer.handle}, its maintenance unit, records maintenance of {code}"
        )
    performed_at = _performed_at(data.performed_at, rules, now)
    _check_photos(session, member, data.photos)
    metres = round(distance_m(e.latitude, e.longitude, data.latitude, data.longitude), 1)
    visit = Maintenance(
        id=uuid.uuid4().hex, equipment_id=e.id, org_id=member.org.id, key_id=member.key_id,
        technician=data.technician, items=",".join(data.items), photos=",".join(data.photos),
        note=data.note, latitude=round(data.latitude, 7), longitude=round(data.longitude, 7),
        accuracy_m=data.accuracy_m, distance_m=metres, too_far=metres > rules.too_far_metres,
        performed_at=performed_at, recorded_at=now, record_id="", ledger_index=0,
    )  # fmt: skip
    visit.record_id = f"equipment:{code}:maintenance:{visit.id}"
    fact = EquipmentMaintained(
        maintenance_id=visit.id, code=code, maintainer=member.org.handle, technician=data.technician,
        items=data.items, photos=data.photos, latitude=visit.latitude, longitude=visit.longitude,
        distance_m=metres, too_far=visit.too_far, performed_at=rfc3339(performed_at),
        accuracy_m=data.accuracy_m, note=data.note,
    )  # fmt: skip
    record = equipment_record(
        actor_of(member), visit.record_id, fact, now, code, found.maintainer, found.user
    )
    visit.ledger_index = services.ledger.append(record, conn=session.connection()).index
    if e.last_maintained_at is None or performed_at > e.last_maintained_at:
        e.last_maintained_at = e.due_from = performed_at
    session.add(e)
    session.add(visit)
    session.flush()
    elevator = Elevator(session, AlertSink.of(services), found, open_alerts_of(session, [code]).get(code, {}))
    apply_position_rule(elevator, visit.too_far, metres, now)
    apply_maintenance_rules(elevator, rules, now)
    return visit, found


def _performed_at(claimed: dt.datetime | None, rules: EquipmentRules, now: dt.datetime) -> dt.datetime:
    if claimed is None:
        return now
    claimed = claimed.astimezone(dt.UTC)
    if claimed > now + CLOCK_SKEW:
        raise Unprocessable.field(
            "performed_at", f"is in the future (now is {rfc3339(now)})", reason="in_the_future"
        )
    if claimed < now - dt.timedelta(days=rules.late_record_days):
        raise Unprocessable.field(
            "performed_at",
            f"is more than {rules.late_record_days} days ago: too late to record",
            reason="too_late",
        )
    return claimed


def _check_photos(session: Session, member: Member, photos: list[str]) -> None:
    for i, sha in enumerate(photos):
        document = session.get(Document, sha)
        if document is None or not holds_document(session, member.org.id, sha):
            raise Unprocessable.field(
                f"photos.{i}",
                f"no document {sha} that {member.org.handle} holds: upload it first",
                reason="unknown_photo",
            )
        if not document.content_type.startswith("image/"):
            raise Unprocessable.field(
                f"photos.{i}", "is not a JPEG, PNG or WebP picture", reason="not_a_picture"
            )


def list_maintenance(
    session: Session, member: Member, code: str, *, limit: int, cursor: str | None = None
) -> tuple[list[MaintenanceView], str | None]:
    """The elevator's maintenance visits, the latest performed first, a page at a time."""
    found = find_equipment(session, member, code)
    query = select(Maintenance).where(Maintenance.equipment_id == found.equipment.id)
    after = newest_after(session, Maintenance, cursor, "performed_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Maintenance.performed_at).desc(), col(Maintenance.id).desc()).limit(limit + 1)
    rows, next_cursor = page_of(session.exec(query).all(), limit, lambda visit: visit.id)
    handles = handles_of(session, {v.org_id for v in rows})
    return [describe_maintenance(v, handles[v.org_id]) for v in rows], next_cursor
