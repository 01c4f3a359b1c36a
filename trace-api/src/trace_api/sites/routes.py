"""``/v1/sites``: the regulators' map of the network: every positioned site and its open alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from ..auth import Regulator
from ..context import get_session
from ..equipment.web import Now, Rules
from ..params import Cursor
from .service import get_site, list_sites
from .views import EquipmentSiteDetail, SiteDetail, SitePage

router = APIRouter(prefix="/v1/sites", tags=["sites"])

#: A map shows a whole page at once: pages are larger than the lists' (``_paging.MAX_LIMIT``).
MAX_SITES_PER_PAGE = 1000


@router.get("")
def sites(
    _: Regulator,
    session: Annotated[Session, Depends(get_session)],
    rules: Rules,
    now: Now,
    alerting: Annotated[bool, Query(description="only sites with an open alert")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_SITES_PER_PAGE)] = 500,
    cursor: Cursor = None,
) -> SitePage:
    """Every positioned site (regulators only): organisations with a position, by handle, then
    devices in service with a position, by organisation and name, then farmers' markets with a
    position, by handle, then registered elevators, by equipment code. Each with its kind, owner,
    WGS-84 coordinates, address and open alerts (cold-chain alerts until closed, kitchen incidents
    until rectified; an organisation's count covers all its devices; a market's, the alerts about
    its stalls and its failed rapid tests); an elevator with its status (normal, due_soon,
    overdue, fault)."""
    found, next_cursor = list_sites(
        session, alerting=alerting, limit=limit, cursor=cursor, equipment_rules=rules, now=now
    )
    return SitePage(sites=found, next_cursor=next_cursor)


@router.get("/{site_id}")
def site(
    _: Regulator, session: Annotated[Session, Depends(get_session)], site_id: str, rules: Rules, now: Now
) -> EquipmentSiteDetail | SiteDetail:
    """One site (``org:{handle}``, ``device:{org handle}:{device name}``, ``market:{handle}`` or
    ``equipment:{code}``)
    with its newest open alerts (regulators only)."""
    return get_site(session, site_id, rules, now)
