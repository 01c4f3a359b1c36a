"""The elevator registry: grid areas, registration, contracts, inspections; who sees what; each
elevator's status.

Who may do what: a regulator defines grids, registers elevators and records inspections; the
user unit (使用单位), the maintenance unit (维保单位) or a regulator records a contract; the
maintenance unit records maintenance (:mod:`.maintenance`). A regulator sees every elevator, a
unit those it uses or maintains, anyone else none (404, as for a document).

Writes take the caller's write session (the writer lock held before the first read) and append
one ledger record per fact on its connection, beside the rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, rfc3339

from .._paging import decode_cursor, encode_cursor, unknown_cursor
from ..coldchain.models import Alert
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..facts import Fact
from ..geo import Position
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import Line
from .codes import CodeError, elevator_kind, validate_equipment_code, validate_registration_number
from .facts import EquipmentInspected, EquipmentRegistered, GridDefined
from .models import Contract, Equipment, Grid, Inspection, Maintenance
from .rules import EquipmentRules
from .views import (
    AlertView,
    ContractView,
    EquipmentDetail,
    EquipmentStatus,
    EquipmentView,
    GridView,
    InspectionView,
    MaintenanceView,
)

#: Dates (a contract's term, an inspection's validity, "today") are days in China.
CHINA = ZoneInfo("Asia/Shanghai")
HANDLE = r"^[a-z0-9][a-z0-9-]{1,62}$"
GRID_CODE = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"
#: The organisation types that may be an elevator's user unit and its maintenance unit.
USER_TYPES = frozenset({OrgType.user_unit})
MAINTAINER_TYPES = frozenset({OrgType.maintainer})
#: The longest contract term and inspection validity taken (a typo's year, not a real term).
LONGEST_TERM = dt.timedelta(days=10 * 366)
#: How many recent maintenance visits an elevator's detail shows.
RECENT_MAINTENANCE = 10
#: What the alerts about an elevator name as their subject (``subject_id``: the equipment code).
EQUIPMENT_SUBJECT = "equipment"
#: A list's status filter: one status, ``due`` (due soon or overdue), or ``all``.
StatusFilter = Literal["all", "normal", "due_soon", "overdue", "fault", "due"]
ListOrder = Literal["code", "due"]


def china_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def utc(moment: dt.datetime | None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if moment is None else moment.astimezone(dt.UTC)


# -- input ------------------------------------------------------------------------------------------


class GridIn(BaseModel):
    code: str = Field(
        pattern=GRID_CODE, description="the grid area's code, e.g. PD-LJZ-03 (stored upper-case)"
    )
    name: Line = Field(min_length=1, max_length=100, description="e.g. 陆家嘴街道第三网格")
    inspector: Line = Field(min_length=1, max_length=64, description="the named inspector (网格监管员)")
    regulator: str | None = Field(
        default=None,
        pattern=HANDLE,
        description="the inspector's regulator organisation; unset: the caller's",
    )


class EquipmentIn(BaseModel):
    code: str = Field(
        max_length=40, description="the 20-digit equipment code (设备代码), e.g. 31103101152019000123"
    )
    registration_number: str | None = Field(
        default=None, max_length=40, description="使用登记证编号, e.g. 梯11沪B00123(19)"
    )
    name: Line = Field(
        min_length=1, max_length=100, description="how people on site name it, e.g. 3号楼 1号梯"
    )
    position: Position = Field(description="where it is (WGS-84) and its address (required)")
    user: str = Field(pattern=HANDLE, description="the user unit's handle (使用单位)")
    maintainer: str = Field(pattern=HANDLE, description="the maintenance unit's handle (维保单位)")
    grid: str = Field(pattern=GRID_CODE, description="the grid area's code (网格)")
    inspection_valid_until: dt.date | None = Field(
        default=None, description="the last day of the current inspection certificate's validity"
    )

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        try:
            return validate_equipment_code(value)
        except CodeError as exc:
            raise PydanticCustomError("equipment_code", str(exc)) from exc

    @field_validator("registration_number")
    @classmethod
    def _registration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_registration_number(value)
        except CodeError as exc:
            raise PydanticCustomError("registration_number", str(exc)) from exc

    @field_validator("position")
    @classmethod
    def _position(cls, value: Position) -> Position:
        check_position(value.latitude, value.longitude)
        if value.address is None:
            raise PydanticCustomError("address_missing", "needs an address: the public page shows it")
        return value.rounded()


class InspectionIn(BaseModel):
    certificate_number: Line = Field(
        min_length=1, max_length=64, description="the inspection report's number"
    )
    inspected_on: dt.date = Field(description="the day of the inspection; not after today")
    valid_until: dt.date = Field(description="the last day the certificate is valid (下次检验日期 before it)")

    @field_validator("valid_until")
    @classmethod
    def _validity(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        return check_term(info.data.get("inspected_on"), value, "inspected_on")


def check_position(latitude: float, longitude: float) -> None:
    """Refuses (0, 0): what a receiver without a fix (or a form left empty) sends."""
    if latitude == 0 and longitude == 0:
        raise PydanticCustomError("no_fix", "0, 0 is no position (a receiver without a fix sends it)")


def check_term(first: dt.date | None, last: dt.date, first_name: str) -> dt.date:
    if first is None:  # the first day was refused already
        return last
    if last < first:
        raise PydanticCustomError("term_reversed", f"is before {first_name} ({first.isoformat()})")
    if last - first > LONGEST_TERM:
        raise PydanticCustomError("term_too_long", f"is more than ten years after {first_name}")
    return last


# -- reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    """An elevator's row with the rows it names."""

    equipment: Equipment
    user: Organisation
    maintainer: Organisation
    grid: Grid
    #: The regulator the grid's inspector works for.
    grid_regulator: Organisation


def due_at(equipment: Equipment, rules: EquipmentRules) -> dt.datetime:
    return equipment.due_from + rules.interval


def status_of(equipment: Equipment, rules: EquipmentRules, now: dt.datetime) -> EquipmentStatus:
    if equipment.fault_since is not None:
        return "fault"
    due = due_at(equipment, rules)
    if now >= due:
        return "overdue"
    return "due_soon" if now >= due - rules.reminder else "normal"


def status_condition(
    status: StatusFilter, rules: EquipmentRules, now: dt.datetime
) -> ColumnElement[bool] | None:
    """The SQL condition of :func:`status_of` giving ``status`` (None: every elevator)."""
    if status == "all":
        return None
    if status == "fault":
        return col(Equipment.fault_since).is_not(None)
    overdue_from = now - rules.interval  # due_from at or before this: due now
    soon_from = overdue_from + rules.reminder
    due_from = col(Equipment.due_from)
    condition = {
        "overdue": due_from <= overdue_from,
        "due_soon": and_(due_from > overdue_from, due_from <= soon_from),
        "due": due_from <= soon_from,
        "normal": due_from > soon_from,
    }[status]
    return and_(col(Equipment.fault_since).is_(None), condition)


def covered_until(contracts: Sequence[Contract], today: dt.date) -> dt.date | None:
    """The last day that contracts cover without a gap from ``today``; None when none covers today."""
    last: dt.date | None = None
    day = today
    while True:
        ends = [c.ends_on for c in contracts if c.starts_on <= day <= c.ends_on]
        if not ends:
            return last
        last = max(ends)
        day = last + dt.timedelta(days=1)


def _visible_to(member: Member) -> ColumnElement[bool] | None:
    if member.org.org_type is OrgType.regulator:
        return None
    return or_(col(Equipment.user_org_id) == member.org.id, col(Equipment.maintainer_org_id) == member.org.id)


def may_see(member: Member, equipment: Equipment) -> bool:
    return member.org.org_type is OrgType.regulator or member.org.id in (
        equipment.user_org_id,
        equipment.maintainer_org_id,
    )


_User = aliased(Organisation)
_Maintainer = aliased(Organisation)
_Regulator = aliased(Organisation)


def registered_query() -> Any:
    """Elevators with their user and maintenance units, grid area and the grid's regulator."""
    return (
        select(Equipment, _User, _Maintainer, Grid, _Regulator)  # type: ignore[call-overload]
        .join(_User, col(_User.id) == Equipment.user_org_id)
        .join(_Maintainer, col(_Maintainer.id) == Equipment.maintainer_org_id)
        .join(Grid, col(Grid.id) == Equipment.grid_id)
        .join(_Regulator, col(_Regulator.id) == Grid.regulator_org_id)
    )


def find_equipment(session: Session, member: Member, code: str) -> Registered:
    """The elevator with equipment code ``code``, if the caller may see it; NotFound otherwise."""
    row = session.exec(registered_query().where(Equipment.code == code)).first()
    if row is None or not may_see(member, row[0]):
        raise NotFound(f"no elevator {code!r} that {member.org.handle} may see")
    return Registered(*row)


def public_equipment(session: Session, code: str) -> Registered:
    """The elevator as anyone may look it up by the code on its plate (the public page)."""
    row = session.exec(registered_query().where(Equipment.code == code)).first()
    if row is None:
        raise NotFound(f"no elevator {code!r}")
    return Registered(*row)


@dataclass(frozen=True)
class EquipmentFilter:
    status: StatusFilter = "all"
    grid: str | None = None  # a grid's code
    user: str | None = None  # a handle
    maintainer: str | None = None  # a handle
    order: ListOrder = "code"


def list_equipment(
    session: Session,
    member: Member,
    wanted: EquipmentFilter,
    rules: EquipmentRules,
    now: dt.datetime,
    *,
    limit: int,
    cursor: str | None = None,
) -> tuple[list[EquipmentView], str | None]:
    """The elevators the caller may see, a page at a time (keyset): by code, or the soonest due
    first (``order="due"``); and the next page's cursor (None on the last page)."""
    query = registered_query()
    conditions = [
        _visible_to(member),
        status_condition(wanted.status, rules, now),
        None if wanted.grid is None else col(Grid.code) == wanted.grid.upper(),
        None if wanted.user is None else col(_User.handle) == wanted.user,
        None if wanted.maintainer is None else col(_Maintainer.handle) == wanted.maintainer,
        _after(session, cursor, wanted.order),
    ]
    for condition in conditions:
        if condition is not None:
            query = query.where(condition)
    if wanted.order == "due":
        query = query.order_by(col(Equipment.due_from), col(Equipment.code))
    else:
        query = query.order_by(col(Equipment.code))
    rows = session.exec(query.limit(limit + 1)).all()
    page = [Registered(*row) for row in rows[:limit]]
    next_cursor = encode_cursor(page[-1].equipment.code) if len(rows) > limit else None
    contracts = contracts_of(session, [r.equipment.id for r in page])
    alerts = open_rules_of(session, [r.equipment.code for r in page])
    views = [
        describe(r, contracts.get(r.equipment.id, []), rules, now, alerts.get(r.equipment.code, []))
        for r in page
    ]
    return views, next_cursor


def open_alert_rows(session: Session, codes: Sequence[str]) -> list[tuple[Alert, str]]:
    """The open alerts about these elevators with the handle of the organisation each is against,
    the newest first."""
    if not codes:
        return []
    query = (
        select(Alert, Organisation.handle)
        .join(Organisation, col(Organisation.id) == Alert.org_id)
        .where(Alert.subject_type == EQUIPMENT_SUBJECT, col(Alert.subject_id).in_(codes))
        .where(col(Alert.closed_at).is_(None))
        .order_by(col(Alert.opened_at).desc(), col(Alert.id).desc())
    )
    return [(alert, handle) for alert, handle in session.exec(query).all()]


def open_rules_of(session: Session, codes: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for alert, _ in open_alert_rows(session, codes):
        found.setdefault(alert.subject_id or "", []).append(alert.rule)
    return {code: sorted(rules) for code, rules in found.items()}


def _after(session: Session, cursor: str | None, order: ListOrder) -> ColumnElement[bool] | None:
    if cursor is None:
        return None
    code = decode_cursor(cursor)
    anchor = session.exec(select(Equipment).where(Equipment.code == code)).first()
    if anchor is None:
        raise unknown_cursor()
    if order == "code":
        return col(Equipment.code) > code
    due_from = col(Equipment.due_from)
    return or_(due_from > anchor.due_from, and_(due_from == anchor.due_from, col(Equipment.code) > code))


def contracts_of(session: Session, equipment_ids: Sequence[str]) -> dict[str, list[Contract]]:
    """Each elevator's contracts, the latest ending first."""
    if not equipment_ids:
        return {}
    found: dict[str, list[Contract]] = {}
    rows = session.exec(
        select(Contract)
        .where(col(Contract.equipment_id).in_(equipment_ids))
        .order_by(col(Contract.ends_on).desc(), col(Contract.created_at).desc())
    )
    for contract in rows:
        found.setdefault(contract.equipment_id, []).append(contract)
    return found


def describe(
    found: Registered,
    contracts: Sequence[Contract],
    rules: EquipmentRules,
    now: dt.datetime,
    open_rules: Sequence[str] = (),
) -> EquipmentView:
    e = found.equipment
    return EquipmentView(
        code=e.code,
        registration_number=e.registration_number,
        kind=elevator_kind(e.code),
        name=e.name,
        latitude=e.latitude,
        longitude=e.longitude,
        address=e.address,
        user=found.user.handle,
        user_name=found.user.name,
        maintainer=found.maintainer.handle,
        maintainer_name=found.maintainer.name,
        grid=found.grid.code,
        grid_name=found.grid.name,
        inspector=found.grid.inspector,
        status=status_of(e, rules, now),
        last_maintained_at=e.last_maintained_at,
        due_at=due_at(e, rules),
        inspection_valid_until=e.inspection_valid_until,
        contract_until=covered_until(contracts, china_day(now)),
        fault=e.fault_event if e.fault_since is not None else None,
        fault_since=e.fault_since,
        registered_at=e.registered_at,
        record_id=e.record_id,
        open_alerts=list(open_rules),
    )


def equipment_detail(
    session: Session, member: Member, code: str, rules: EquipmentRules, now: dt.datetime
) -> EquipmentDetail:
    """The elevator with its contracts, inspections and latest maintenance."""
    found = find_equipment(session, member, code)
    e = found.equipment
    contracts = contracts_of(session, [e.id]).get(e.id, [])
    inspections = session.exec(
        select(Inspection)
        .where(Inspection.equipment_id == e.id)
        .order_by(col(Inspection.inspected_on).desc(), col(Inspection.created_at).desc())
    ).all()
    visits = session.exec(
        select(Maintenance)
        .where(Maintenance.equipment_id == e.id)
        .order_by(col(Maintenance.performed_at).desc(), col(Maintenance.id).desc())
        .limit(RECENT_MAINTENANCE)
    ).all()
    handles = handles_of(session, {c.maintainer_org_id for c in contracts} | {v.org_id for v in visits})
    alerts = open_alert_rows(session, [e.code])
    rules_open = sorted(a.rule for a, _ in alerts)
    return EquipmentDetail(
        **describe(found, contracts, rules, now, rules_open).model_dump(),
        alerts=[AlertView(**alert.model_dump(), organisation=handle) for alert, handle in alerts],
        contracts=[describe_contract(c, handles[c.maintainer_org_id]) for c in contracts],
        inspections=[InspectionView(**i.model_dump()) for i in inspections],
        maintenance=[describe_maintenance(m, handles[m.org_id]) for m in visits],
    )


def handles_of(session: Session, org_ids: set[str]) -> dict[str, str]:
    if not org_ids:
        return {}
    rows = session.exec(select(Organisation.id, Organisation.handle).where(col(Organisation.id).in_(org_ids)))
    return dict(rows.all())


def describe_contract(contract: Contract, maintainer: str) -> ContractView:
    return ContractView(**contract.model_dump(), maintainer=maintainer)


def describe_maintenance(visit: Maintenance, maintainer: str) -> MaintenanceView:
    data = visit.model_dump(exclude={"items", "photos"})
    return MaintenanceView(
        **data,
        maintainer=maintainer,
        items=visit.items.split(","),
        photos=[p for p in visit.photos.split(",") if p],
    )


def list_grids(session: Session) -> list[GridView]:
    rows = session.exec(
        select(Grid, Organisation.handle)
        .join(Organisation, col(Organisation.id) == Grid.regulator_org_id)
        .order_by(col(Grid.code))
    ).all()
    return [describe_grid(grid, handle) for grid, handle in rows]


def describe_grid(grid: Grid, regulator: str) -> GridView:
    return GridView(**grid.model_dump(), regulator=regulator)


# -- writing ----------------------------------------------------------------------------------------


def equipment_record(
    actor: Actor, record_id: str, fact: Fact, now: dt.datetime, code: str, *orgs: Organisation
) -> Record:
    """A record about an elevator (and the organisations it concerns)."""
    return Record(
        kind=fact.KIND,
        record_id=record_id,
        time=rfc3339(now),
        actor=actor,
        subjects=[Subject(type="equipment", id=code), *(Subject(type="org", id=o.uscc) for o in orgs)],
        payload=fact.payload(),
    )


def actor_of(member: Member) -> Actor:
    return Actor(org=member.org.uscc, key_id=member.key_id)


def member_key(member: Member) -> None:
    if member.kind != "member":
        raise Forbidden("a device key may not do this; use a member's API key")


def _org(session: Session, handle: str, field: str, types: frozenset[OrgType], role: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        raise Unprocessable.field(field, f"no organisation {handle!r}", reason="unknown_organisation")
    if org.org_type not in types:
        allowed = ", ".join(sorted(t.value for t in types))
        raise Unprocessable.field(
            field,
            f"{handle} is a {org.org_type.value}, not {role} ({allowed})",
            reason="wrong_organisation_type",
        )
    return org


def define_grid(
    services: Services, session: Session, member: Member, data: GridIn, now: dt.datetime | None = None
) -> tuple[Grid, str]:
    """A new grid area with its inspector (regulators only); returns it and its regulator's handle."""
    now = utc(now)
    member_key(member)
    code = data.code.upper()
    if session.exec(select(Grid).where(Grid.code == code)).first() is not None:
        raise Conflict(f"grid area {code} exists already")
    regulator = member.org
    if data.regulator is not None:
        regulator = _org(session, data.regulator, "regulator", frozenset({OrgType.regulator}), "a regulator")
    grid = Grid(
        id=uuid.uuid4().hex, code=code, name=data.name, regulator_org_id=regulator.id,
        inspector=data.inspector, created_at=now, record_id=f"equipment_grid:{code}:defined", ledger_index=0,
    )  # fmt: skip
    fact = GridDefined(
        grid_id=grid.id, code=code, name=data.name, regulator=regulator.handle, inspector=data.inspector
    )
    record = Record(
        kind=fact.KIND,
        record_id=grid.record_id,
        time=rfc3339(now),
        actor=actor_of(member),
        subjects=[Subject(type="equipment_grid", id=code), Subject(type="org", id=regulator.uscc)],
        payload=fact.payload(),
    )
    grid.ledger_index = services.ledger.append(record, conn=session.connection()).index
    session.add(grid)
    session.flush()
    return grid, regulator.handle


def register_equipment(
    services: Services, session: Session, member: Member, data: EquipmentIn, now: dt.datetime | None = None
) -> Registered:
    """Registers an elevator (regulators only), recorded as ``equipment.registered``."""
    now = utc(now)
    member_key(member)
    if session.exec(select(Equipment).where(Equipment.code == data.code)).first() is not None:
        raise Conflict(f"an elevator with equipment code {data.code} is registered already")
    number = data.registration_number
    if (
        number is not None
        and session.exec(select(Equipment).where(Equipment.registration_number == number)).first()
    ):
        raise Conflict(f"registration number {number} belongs to another elevator")
    user = _org(session, data.user, "user", USER_TYPES, "a user unit")
    maintainer = _org(session, data.maintainer, "maintainer", MAINTAINER_TYPES, "a maintenance unit")
    grid = session.exec(select(Grid).where(Grid.code == data.grid.upper())).first()
    if grid is None:
        raise Unprocessable.field("grid", f"no grid area {data.grid!r}", reason="unknown_grid")
    position = data.position
    assert position.address is not None  # EquipmentIn requires it
    equipment = Equipment(
        id=uuid.uuid4().hex, code=data.code, registration_number=number, name=data.name,
        latitude=position.latitude, longitude=position.longitude, address=position.address,
        user_org_id=user.id, maintainer_org_id=maintainer.id, grid_id=grid.id, registered_at=now,
        due_from=now, inspection_valid_until=data.inspection_valid_until,
        record_id=f"equipment:{data.code}:registered", ledger_index=0,
    )  # fmt: skip
    fact = EquipmentRegistered(
        equipment_id=equipment.id, code=data.code, kind=data.code[:4], name=data.name,
        latitude=position.latitude, longitude=position.longitude, address=position.address,
        user=user.handle, user_uscc=user.uscc, maintainer=maintainer.handle, maintainer_uscc=maintainer.uscc,
        grid=grid.code, registration_number=number, inspection_valid_until=data.inspection_valid_until,
    )  # fmt: skip
    record = equipment_record(actor_of(member), equipment.record_id, fact, now, data.code, user, maintainer)
    equipment.ledger_index = services.ledger.append(record, conn=session.connection()).index
    session.add(equipment)
    session.flush()
    regulator = session.get(Organisation, grid.regulator_org_id)
    assert regulator is not None  # a foreign key
    return Registered(equipment, user, maintainer, grid, regulator)


def record_inspection(
    services: Services,
    session: Session,
    member: Member,
    code: str,
    data: InspectionIn,
    now: dt.datetime | None = None,
) -> Inspection:
    """A periodic inspection (regulators only), as ``equipment.inspected``; the elevator's
    certificate is valid until the latest inspection's ``valid_until``."""
    now = utc(now)
    member_key(member)
    found = find_equipment(session, member, code)
    if data.inspected_on > china_day(now):
        raise Unprocessable.field("inspected_on", "is after today", reason="in_the_future")
    e = found.equipment
    inspection = Inspection(
        id=uuid.uuid4().hex, equipment_id=e.id, certificate_number=data.certificate_number,
        inspected_on=data.inspected_on, valid_until=data.valid_until, org_id=member.org.id,
        key_id=member.key_id, created_at=now, record_id="", ledger_index=0,
    )  # fmt: skip
    inspection.record_id = f"equipment:{code}:inspection:{inspection.id}"
    fact = EquipmentInspected(
        inspection_id=inspection.id, code=code, certificate_number=data.certificate_number,
        inspected_on=data.inspected_on, valid_until=data.valid_until,
    )  # fmt: skip
    record = equipment_record(actor_of(member), inspection.record_id, fact, now, code, found.user)
    inspection.ledger_index = services.ledger.append(record, conn=session.connection()).index
    latest = session.exec(
        select(Inspection)
        .where(Inspection.equipment_id == e.id)
        .order_by(col(Inspection.inspected_on).desc())
    ).first()
    if latest is None or data.inspected_on >= latest.inspected_on:
        e.inspection_valid_until = data.valid_until
        session.add(e)
    session.add(inspection)
    session.flush()
    return inspection
