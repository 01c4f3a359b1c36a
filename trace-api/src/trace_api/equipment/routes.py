"""``/v1/equipment``: the elevator registry, contracts, inspections, maintenance and fault reports.

A regulator defines grid areas, registers elevators and records inspections, and sees every
elevator; a user unit or a maintenance unit sees the elevators it uses or maintains (anyone else
gets 404). The user unit, the maintenance unit or a regulator records a contract; only the
maintenance unit records maintenance. The QR symbols are public: they carry the public page's URL.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlmodel import Session

from ..auth import CurrentMember, Regulator
from ..codes.labels import qr_png, qr_svg
from ..context import WriteSession, get_services, get_session
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .checklist import CHECKLIST
from .contracts import ContractIn, record_contract
from .maintenance import MaintenanceIn, list_maintenance, record_maintenance
from .public import router as public_router
from .reports import list_fault_reports
from .service import (
    EquipmentFilter,
    EquipmentIn,
    GridIn,
    InspectionIn,
    ListOrder,
    StatusFilter,
    define_grid,
    describe,
    describe_contract,
    describe_grid,
    describe_maintenance,
    equipment_detail,
    list_equipment,
    list_grids,
    public_equipment,
    record_inspection,
    register_equipment,
)
from .views import (
    Checklist,
    ChecklistItem,
    ContractView,
    EquipmentDetail,
    EquipmentPage,
    EquipmentView,
    FaultReportList,
    GridList,
    GridView,
    InspectionView,
    MaintenancePage,
    MaintenanceView,
)
from .web import Now, Rules, public_url

#: The API (``/v1/equipment``) and the public page (``/e/{code}``): what the app includes.
router = APIRouter()
api = APIRouter(prefix="/v1/equipment", tags=["equipment"])

ServicesDep = Annotated[Services, Depends(get_services)]
ReadSession = Annotated[Session, Depends(get_session)]
Scale = Annotated[int, Query(ge=1, le=40, description="Pixels (PNG) or units (SVG) per module")]
Handle = Annotated[
    str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", description="an organisation's handle")
]
#: The public page's URL never changes for an elevator: its symbol may be cached.
QR_CACHE = "public, max-age=86400"


@api.get("/checklist")
def checklist(_: CurrentMember) -> Checklist:
    """The maintenance checklist's items (TSG T5002, half-monthly), as maintenance records name them."""
    items = [ChecklistItem(code=code, zh=zh, en=en) for code, (zh, en) in CHECKLIST.items()]
    return Checklist(standard="TSG T5002", items=items)


@api.get("/grids")
def grids(_: CurrentMember, session: ReadSession) -> GridList:
    """Every grid area (网格) with its inspector, by code."""
    return GridList(grids=list_grids(session))


@api.post("/grids", status_code=201)
def add_grid(
    data: GridIn, member: Regulator, services: ServicesDep, session: WriteSession, now: Now
) -> GridView:
    """A grid area and its inspector (regulators only), recorded as ``equipment.grid_defined``."""
    grid, regulator = define_grid(services, session, member, data, now)
    return describe_grid(grid, regulator)


@api.get("")
def equipment_list(
    member: CurrentMember,
    session: ReadSession,
    rules: Rules,
    now: Now,
    status: StatusFilter = "all",
    grid: Annotated[str | None, Query(max_length=32, description="a grid area's code")] = None,
    user: Handle = None,
    maintainer: Handle = None,
    order: Annotated[ListOrder, Query(description="code, or due: the soonest due first")] = "code",
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> EquipmentPage:
    """The elevators the caller may see, a page at a time. ``status``: ``normal``, ``due_soon``
    (maintenance due within the reminder's days), ``overdue``, ``fault`` (the monitor reports a
    fault, an alarm or someone trapped), ``due`` (due soon or overdue), ``all``."""
    wanted = EquipmentFilter(status=status, grid=grid, user=user, maintainer=maintainer, order=order)
    found, next_cursor = list_equipment(session, member, wanted, rules, now, limit=limit, cursor=cursor)
    return EquipmentPage(equipment=found, next_cursor=next_cursor)


@api.post("", status_code=201)
def register(
    data: EquipmentIn, member: Regulator, services: ServicesDep, session: WriteSession, rules: Rules, now: Now
) -> EquipmentView:
    """Registers an elevator (使用登记; regulators only), recorded as ``equipment.registered``. Its
    first maintenance falls due the set interval after registration."""
    found = register_equipment(services, session, member, data, now)
    return describe(found, [], rules, now)


@api.get("/{code}")
def equipment(
    code: str, member: CurrentMember, session: ReadSession, rules: Rules, now: Now
) -> EquipmentDetail:
    """The elevator with its contracts, inspections and latest maintenance visits."""
    return equipment_detail(session, member, code, rules, now)


@api.post("/{code}/contracts", status_code=201)
def add_contract(
    code: str,
    data: ContractIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
    rules: Rules,
    now: Now,
) -> ContractView:
    """A maintenance contract with the elevator's maintenance unit, with its term (both days
    included), recorded by either unit or a regulator as ``equipment.contract_recorded``. A
    renewal is a new contract; the elevator is covered while contracts cover each day."""
    contract, found = record_contract(services, session, member, code, data, rules, now)
    return describe_contract(contract, found.maintainer.handle)


@api.post("/{code}/inspections", status_code=201)
def add_inspection(
    code: str, data: InspectionIn, member: Regulator, services: ServicesDep, session: WriteSession, now: Now
) -> InspectionView:
    """A periodic inspection (定期检验; regulators only), recorded as ``equipment.inspected``."""
    return InspectionView(**record_inspection(services, session, member, code, data, now).model_dump())


@api.post("/{code}/maintenance", status_code=201)
def add_maintenance(
    code: str,
    data: MaintenanceIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
    rules: Rules,
    now: Now,
) -> MaintenanceView:
    """A maintenance visit from the maintenance unit's phone: the checklist items done, photos
    (uploaded first as documents), where the phone was. Recorded as ``equipment.maintained``;
    farther from the elevator than the set distance (default 200 m), it is kept and flagged
    ``too_far``."""
    visit, found = record_maintenance(services, session, member, code, data, rules, now)
    return describe_maintenance(visit, found.maintainer.handle)


@api.get("/{code}/maintenance")
def maintenance(
    code: str,
    member: CurrentMember,
    session: ReadSession,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> MaintenancePage:
    """The elevator's maintenance visits, the latest performed first, a page at a time."""
    visits, next_cursor = list_maintenance(session, member, code, limit=limit, cursor=cursor)
    return MaintenancePage(maintenance=visits, next_cursor=next_cursor)


@api.get("/{code}/fault-reports")
def fault_reports(
    code: str, member: CurrentMember, session: ReadSession, limit: Limit = DEFAULT_LIMIT
) -> FaultReportList:
    """Faults reported from the elevator's public page, the newest first, with what the reporter
    wrote (for the units and regulators only: the public page never shows it)."""
    return FaultReportList(reports=list_fault_reports(session, member, code, limit))


def _binary(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}}}


@api.get("/{code}/qr.png", response_class=Response, responses=_binary("image/png"))
def qr_code_png(code: str, services: ServicesDep, session: ReadSession, scale: Scale = 10) -> Response:
    """The elevator's QR symbol (PNG): its public page, for the sticker in the car (public)."""
    public_equipment(session, code)
    return Response(
        qr_png(public_url(services, code), scale), media_type="image/png", headers={"Cache-Control": QR_CACHE}
    )


@api.get("/{code}/qr.svg", response_class=Response, responses=_binary("image/svg+xml"))
def qr_code_svg(code: str, services: ServicesDep, session: ReadSession, scale: Scale = 10) -> Response:
    """The elevator's QR symbol (SVG): its public page (public)."""
    public_equipment(session, code)
    svg = qr_svg(public_url(services, code), scale)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE})


router.include_router(api)
router.include_router(public_router)
