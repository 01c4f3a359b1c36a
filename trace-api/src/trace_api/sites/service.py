"""The network's sites for the regulators' map: every positioned organisation, every positioned
device in service, every positioned farmers' market and every registered elevator, with the alerts
open there.

A page is organisations first (by handle), then devices (by username), then markets (by handle,
:mod:`trace_api.markets.sites`), then elevators (by equipment code,
:mod:`trace_api.equipment.sites`), after the cursor's site: keyset paging over four tables, each
read through its unique key. The open alerts of a page's
sites are counted in two grouped queries (cold-chain alerts through their open marker's index,
kitchen incidents through theirs), never by reading alerts one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from .._paging import decode_cursor, encode_cursor, unknown_cursor
from ..coldchain.models import ALERT_RULES, Alert
from ..devices.models import Device, ReadingKind
from ..equipment.rules import EquipmentRules
from ..equipment.sites import PREFIX as EQUIPMENT_PREFIX
from ..equipment.sites import equipment_site, equipment_sites
from ..errors import NotFound
from ..kitchen.models import Incident
from ..markets.sites import PREFIX as MARKET_PREFIX
from ..markets.sites import market_site, market_sites
from ..orgs.models import Organisation
from ..overview.service import KITCHEN_INCIDENT
from .views import MAX_ALERTS_SHOWN, EquipmentSite, EquipmentSiteDetail, OpenAlert, Site, SiteDetail, SiteKind

ORG_PREFIX, DEVICE_PREFIX = "org:", "device:"
#: Readings that say a device watches a cold store (a thermometer, a hygrometer, a door sensor).
COLD_STORE_READINGS = frozenset({ReadingKind.temperature, ReadingKind.humidity, ReadingKind.door})


def list_sites(
    session: Session,
    *,
    alerting: bool = False,
    limit: int,
    cursor: str | None = None,
    equipment_rules: EquipmentRules | None = None,
    now: dt.datetime | None = None,
) -> tuple[list[Site | EquipmentSite], str | None]:
    """A page of sites after ``cursor`` (``alerting``: only those with an open alert), and the
    next page's cursor (None at the end). Markets come after the devices, elevators last, their
    status as of ``now`` under ``equipment_rules``."""
    after = None if cursor is None else decode_cursor(cursor)
    sites: list[Site | EquipmentSite] = []
    if after is None or after.startswith(ORG_PREFIX):
        org_after = None if after is None else after.removeprefix(ORG_PREFIX)
        sites += _org_sites(session, org_after, alerting, limit + 1)
        after = None
    elif not after.startswith((DEVICE_PREFIX, MARKET_PREFIX, EQUIPMENT_PREFIX)):
        raise unknown_cursor()
    if len(sites) <= limit and (after is None or after.startswith(DEVICE_PREFIX)):
        device_after = None if after is None else _username(after)
        sites += _device_sites(session, device_after, alerting, limit + 1 - len(sites))
        after = None
    if len(sites) <= limit and (after is None or after.startswith(MARKET_PREFIX)):
        market_after = None if after is None else after.removeprefix(MARKET_PREFIX)
        sites += market_sites(session, market_after, alerting, limit + 1 - len(sites))
        after = None
    if len(sites) <= limit:
        code_after = None if after is None else after.removeprefix(EQUIPMENT_PREFIX)
        rules, moment = equipment_rules or EquipmentRules(), now or dt.datetime.now(dt.UTC)
        sites += equipment_sites(session, code_after, alerting, limit + 1 - len(sites), rules, moment)
    page = sites[:limit]
    return page, encode_cursor(page[-1].id) if len(sites) > limit else None


def get_site(
    session: Session,
    site_id: str,
    equipment_rules: EquipmentRules | None = None,
    now: dt.datetime | None = None,
) -> SiteDetail | EquipmentSiteDetail:
    """One positioned site with its newest open alerts; NotFound for anything else."""
    found: SiteDetail | EquipmentSiteDetail | None = None
    if site_id.startswith(ORG_PREFIX):
        found = _org_detail(session, site_id.removeprefix(ORG_PREFIX))
    elif site_id.startswith(DEVICE_PREFIX) and site_id.count(":") == 2:
        found = _device_detail(session, _username(site_id))
    elif site_id.startswith(MARKET_PREFIX):
        found = market_site(session, site_id.removeprefix(MARKET_PREFIX))
    elif site_id.startswith(EQUIPMENT_PREFIX):
        rules, moment = equipment_rules or EquipmentRules(), now or dt.datetime.now(dt.UTC)
        found = equipment_site(session, site_id.removeprefix(EQUIPMENT_PREFIX), rules, moment)
    if found is None:
        raise NotFound(f"no positioned site {site_id!r}")
    return found


def _org_detail(session: Session, handle: str) -> SiteDetail | None:
    placed = col(Organisation.latitude).is_not(None)
    org = session.exec(select(Organisation).where(Organisation.handle == handle, placed)).first()
    if org is None:
        return None
    site = _org_site(org, _open_counts(session, Alert.org_id, Incident.org_id, [org.id]))
    alerts = _open_alerts(session, col(Alert.org_id) == org.id, col(Incident.org_id) == org.id)
    return SiteDetail(**site.model_dump(), alerts=alerts)


def _device_detail(session: Session, username: str) -> SiteDetail | None:
    row = session.exec(
        select(Device, Organisation)
        .join(Organisation, col(Organisation.id) == Device.org_id)
        .where(Device.username == username, *_placed_device())
    ).first()
    if row is None:
        return None
    device, org = row
    counts = _open_counts(session, Alert.device_id, Incident.device_id, [device.id])
    alerts = _open_alerts(session, col(Alert.device_id) == device.id, col(Incident.device_id) == device.id)
    return SiteDetail(**_device_site(device, org, counts).model_dump(), alerts=alerts)


def _username(site_id: str) -> str:
    """``device:{handle}:{name}`` → ``{handle}/{name}``."""
    handle, _, name = site_id.removeprefix(DEVICE_PREFIX).partition(":")
    return f"{handle}/{name}"


def _placed_device() -> list[ColumnElement[bool]]:
    return [col(Device.latitude).is_not(None), col(Device.retired_at).is_(None)]


def _org_sites(session: Session, after: str | None, alerting: bool, limit: int) -> list[Site]:
    query = select(Organisation).where(col(Organisation.latitude).is_not(None))
    if after is not None:
        query = query.where(col(Organisation.handle) > after)
    if alerting:
        query = query.where(_alerting(Alert.org_id, Incident.org_id, Organisation.id))
    orgs = session.exec(query.order_by(col(Organisation.handle)).limit(limit)).all()
    counts = _open_counts(session, Alert.org_id, Incident.org_id, [o.id for o in orgs])
    return [_org_site(org, counts) for org in orgs]


def _device_sites(session: Session, after: str | None, alerting: bool, limit: int) -> list[Site]:
    query = (
        select(Device, Organisation)
        .join(Organisation, col(Organisation.id) == Device.org_id)
        .where(*_placed_device())
    )
    if after is not None:
        query = query.where(col(Device.username) > after)
    if alerting:
        query = query.where(_alerting(Alert.device_id, Incident.device_id, Device.id))
    rows = session.exec(query.order_by(col(Device.username)).limit(limit)).all()
    counts = _open_counts(session, Alert.device_id, Incident.device_id, [d.id for d, _ in rows])
    return [_device_site(device, org, counts) for device, org in rows]


def _alerting(alert_key: Any, incident_key: Any, site_key: Any) -> ColumnElement[bool]:
    """Whether the site (``site_key``) has an open alert or an unrectified incident."""
    open_alert = select(Alert.id).where(col(alert_key) == site_key, col(Alert.closed_at).is_(None))
    unrectified = col(Incident.rectified_at).is_(None)
    open_incident = select(Incident.id).where(col(incident_key) == site_key, unrectified)
    return or_(open_alert.exists(), open_incident.exists())


def _open_counts(
    session: Session, alert_key: Any, incident_key: Any, ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Open alerts by kind for each of ``ids`` (organisations or devices), two grouped queries."""
    counts: dict[str, dict[str, int]] = {}
    if not ids:
        return counts
    alerts = session.exec(
        select(col(alert_key), col(Alert.rule), func.count())
        .where(col(alert_key).in_(ids), col(Alert.closed_at).is_(None))
        .group_by(col(alert_key), col(Alert.rule))
    ).all()
    for key, rule, n in alerts:
        counts.setdefault(key, {})[rule] = n
    incidents = session.exec(
        select(col(incident_key), func.count())
        .where(col(incident_key).in_(ids), col(Incident.rectified_at).is_(None))
        .group_by(col(incident_key))
    ).all()
    for key, n in incidents:
        counts.setdefault(key, {})[KITCHEN_INCIDENT] = n
    return counts


def _by_kind(found: dict[str, int] | None) -> dict[str, int]:
    return {**dict.fromkeys((*ALERT_RULES, KITCHEN_INCIDENT), 0), **(found or {})}


def _org_site(org: Organisation, counts: dict[str, dict[str, int]]) -> Site:
    by_kind = _by_kind(counts.get(org.id))
    return Site(
        id=ORG_PREFIX + org.handle,
        source="organisation",
        kind=org.org_type.value,
        org=org.handle,
        org_name=org.name,
        name=org.name,
        place=None,
        latitude=cast(float, org.latitude),
        longitude=cast(float, org.longitude),
        address=org.address,
        open_alerts=sum(by_kind.values()),
        open_by_kind=by_kind,
    )


def _device_site(device: Device, org: Organisation, counts: dict[str, dict[str, int]]) -> Site:
    by_kind = _by_kind(counts.get(device.id))
    return Site(
        id=f"{DEVICE_PREFIX}{org.handle}:{device.name}",
        source="device",
        kind=device_site_kind(device.kind_set),
        org=org.handle,
        org_name=org.name,
        name=device.name,
        place=device.location,
        latitude=cast(float, device.latitude),
        longitude=cast(float, device.longitude),
        address=device.address,
        open_alerts=sum(by_kind.values()),
        open_by_kind=by_kind,
    )


def device_site_kind(readings: frozenset[str]) -> SiteKind:
    """What a device's place is, by what the device publishes."""
    if ReadingKind.camera in readings:
        return "camera"
    if readings & COLD_STORE_READINGS:
        return "cold_store"
    if ReadingKind.weight in readings:
        return "scale"
    return "device"


def _open_alerts(
    session: Session, alert_where: ColumnElement[bool], incident_where: ColumnElement[bool]
) -> list[OpenAlert]:
    """The newest open alerts and unrectified incidents matching the conditions, merged."""
    alerts = session.exec(
        select(Alert, Device.username)
        .join(Device, col(Device.id) == Alert.device_id)
        .where(alert_where, col(Alert.closed_at).is_(None))
        .order_by(col(Alert.opened_at).desc())
        .limit(MAX_ALERTS_SHOWN)
    ).all()
    incidents = session.exec(
        select(Incident, Device.username)
        .join(Device, col(Device.id) == Incident.device_id)
        .where(incident_where, col(Incident.rectified_at).is_(None))
        .order_by(col(Incident.detected_at).desc())
        .limit(MAX_ALERTS_SHOWN)
    ).all()
    found = [
        OpenAlert(
            kind=a.rule, id=a.id, device=u, detail=a.detail, started_at=a.started_at, opened_at=a.opened_at
        )
        for a, u in alerts
    ] + [
        OpenAlert(
            kind=KITCHEN_INCIDENT,
            id=i.id,
            device=u,
            detail=i.violation,
            started_at=i.started_at,
            opened_at=i.detected_at,
        )
        for i, u in incidents
    ]
    return sorted(found, key=lambda a: a.opened_at, reverse=True)[:MAX_ALERTS_SHOWN]
