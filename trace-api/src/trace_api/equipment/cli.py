"""``suyuan equipment``: the elevator registry from the command line (list, show, due).

The commands read the configured database directly, as the organisation named by ``--as`` (what
its members would see) or by default as the first regulator (every elevator). Statuses and due
times follow the rules of the environment (``SUYUAN_EQUIPMENT_*``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, cast, get_args

import typer
from pydantic import ValidationError
from sqlmodel import Session, col, select

from chain.cli import fail, out

from ..codes.cli import CLI_KEY_ID, cli_errors, member_by_handle, read_session, settings
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .rules import EquipmentRules
from .service import CHINA, EquipmentFilter, StatusFilter, equipment_detail, list_equipment
from .views import EquipmentView

equipment_app = typer.Typer(
    help="Special equipment (特种设备): registered elevators, their maintenance and status.",
    no_args_is_help=True,
)
#: Rows fetched per query while listing.
PAGE = 200
Acting = Annotated[
    str | None, typer.Option("--as", help="Handle of the organisation to act as; default a regulator")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON")]


def rules_from_environment() -> EquipmentRules:
    """The rules' settings (``SUYUAN_EQUIPMENT_*``); a bad one exits with one line naming it."""
    try:
        return EquipmentRules()
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"invalid setting SUYUAN_EQUIPMENT_{str(first['loc'][0]).upper()}: {first['msg']}")


def _acting(session: Session, handle: str | None) -> Member:
    if handle is not None:
        return member_by_handle(session, handle)
    query = select(Organisation).where(Organisation.org_type == OrgType.regulator)
    regulator = session.exec(query.order_by(col(Organisation.created_at), col(Organisation.id))).first()
    if regulator is None:
        fail("no regulator organisation yet: pass --as ORG_HANDLE")
    return Member(org=regulator, key_id=CLI_KEY_ID, kind="member")


def _day(moment: dt.datetime | None) -> str:
    return "—" if moment is None else moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _line(e: EquipmentView) -> str:
    where = f"{e.name} · {e.address}"
    return f"{e.code}  {e.status:<8}  due {_day(e.due_at)}  {e.maintainer:<16} {e.grid:<12} {where}"


def _print(found: list[EquipmentView], as_json: bool, empty: str) -> None:
    if as_json:
        out.print_json(json.dumps([e.model_dump(mode="json") for e in found], ensure_ascii=False))
        return
    if not found:
        out.print(empty)
    for e in found:
        out.print(_line(e), markup=False, highlight=False)


@equipment_app.command("list")
def list_command(
    status: Annotated[str, typer.Option(help="all, normal, due_soon, overdue, fault or due")] = "all",
    grid: Annotated[str | None, typer.Option(help="A grid area's code")] = None,
    maintainer: Annotated[str | None, typer.Option(help="A maintenance unit's handle")] = None,
    user: Annotated[str | None, typer.Option(help="A user unit's handle")] = None,
    acting: Acting = None,
    as_json: AsJson = False,
) -> None:
    """List the registered elevators by equipment code, with their status and next due time."""
    if status not in get_args(StatusFilter):
        fail(f"invalid --status {status!r}: choose {', '.join(get_args(StatusFilter))}")
    wanted = EquipmentFilter(status=cast(StatusFilter, status), grid=grid, user=user, maintainer=maintainer)
    found = _all(wanted, acting)
    _print(found, as_json, "no elevator matches")


def _all(
    wanted: EquipmentFilter, acting: str | None, until: dt.datetime | None = None
) -> list[EquipmentView]:
    """Every elevator matching, page by page; with ``until`` (and the due order), those due by then."""
    rules, now = rules_from_environment(), dt.datetime.now(dt.UTC)
    found: list[EquipmentView] = []
    with cli_errors(), read_session(settings()) as session:
        member = _acting(session, acting)
        cursor = None
        while True:
            page, cursor = list_equipment(session, member, wanted, rules, now, limit=PAGE, cursor=cursor)
            kept = [e for e in page if until is None or e.due_at <= until]
            found += kept
            if cursor is None or len(kept) < len(page):
                return found


@equipment_app.command("show")
def show(
    code: Annotated[str, typer.Argument(help="The elevator's 20-digit equipment code")],
    acting: Acting = None,
    as_json: AsJson = False,
) -> None:
    """Show one elevator: its units, status, contracts, inspections, latest maintenance and alerts."""
    rules, now = rules_from_environment(), dt.datetime.now(dt.UTC)
    with cli_errors(), read_session(settings()) as session:
        detail = equipment_detail(session, _acting(session, acting), code, rules, now)
    if as_json:
        out.print_json(detail.model_dump_json())
        return
    rows: list[tuple[str, Any]] = [
        ("elevator", f"{detail.name} ({detail.kind})"),
        ("address", detail.address),
        ("registration", detail.registration_number or "—"),
        ("user unit", f"{detail.user_name} ({detail.user})"),
        ("maintenance unit", f"{detail.maintainer_name} ({detail.maintainer})"),
        ("grid", f"{detail.grid} {detail.grid_name}, inspector {detail.inspector}"),
        ("status", detail.status),
        ("last maintained", _day(detail.last_maintained_at)),
        ("due", _day(detail.due_at)),
        ("inspection valid until", detail.inspection_valid_until or "—"),
        ("contracts cover until", detail.contract_until or "none covers today"),
        ("open alerts", ", ".join(a.rule for a in detail.alerts) or "none"),
    ]
    out.print(f"{detail.code}", markup=False)
    for name, value in rows:
        out.print(f"  {name + ':':<24}{value}", markup=False, highlight=False)
    for visit in detail.maintenance:
        flag = f"  ({visit.distance_m:.0f} m away: too far)" if visit.too_far else ""
        out.print(
            f"  maintained {_day(visit.performed_at)} by {visit.technician}: {len(visit.items)} items{flag}",
            markup=False,
            highlight=False,
        )


@equipment_app.command("due")
def due(
    within: Annotated[
        int | None, typer.Option(min=0, max=365, help="Days ahead; default the reminder's days")
    ] = None,
    grid: Annotated[str | None, typer.Option(help="A grid area's code")] = None,
    maintainer: Annotated[str | None, typer.Option(help="A maintenance unit's handle")] = None,
    acting: Acting = None,
    as_json: AsJson = False,
) -> None:
    """List the elevators whose maintenance is overdue or falls due within the days, soonest first."""
    days = rules_from_environment().remind_days_before if within is None else within
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    wanted = EquipmentFilter(grid=grid, maintainer=maintainer, order="due")
    found = _all(wanted, acting, until)
    _print(found, as_json, f"no elevator falls due within {days} days")
