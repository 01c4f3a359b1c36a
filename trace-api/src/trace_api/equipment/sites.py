"""Elevators on the regulators' map (``GET /v1/sites``): each registered elevator a site of kind
``elevator`` at its registered position, with its status (normal, due_soon, overdue, fault) and
its open alerts, after the organisations and devices, by equipment code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from ..coldchain.models import Alert
from ..sites.views import MAX_ALERTS_SHOWN, EquipmentSite, EquipmentSiteDetail, OpenAlert
from .models import Equipment
from .rules import EquipmentRules
from .service import EQUIPMENT_SUBJECT, Registered, open_alert_rows, registered_query, status_of

PREFIX = "equipment:"


def equipment_sites(
    session: Session, after: str | None, alerting: bool, limit: int, rules: EquipmentRules, now: dt.datetime
) -> list[EquipmentSite]:
    """Up to ``limit`` elevators after the code ``after`` (``alerting``: those with an open alert)."""
    query = registered_query()
    if after is not None:
        query = query.where(col(Equipment.code) > after)
    if alerting:
        open_alert = (
            Alert.subject_type == EQUIPMENT_SUBJECT,
            col(Alert.subject_id) == Equipment.code,
            col(Alert.closed_at).is_(None),
        )
        query = query.where(select(Alert.id).where(*open_alert).exists())
    rows = [Registered(*row) for row in session.exec(query.order_by(col(Equipment.code)).limit(limit)).all()]
    alerts = _by_code(open_alert_rows(session, [r.equipment.code for r in rows]))
    return [_site(r, alerts.get(r.equipment.code, []), rules, now) for r in rows]


def equipment_site(
    session: Session, code: str, rules: EquipmentRules, now: dt.datetime
) -> EquipmentSiteDetail | None:
    """The elevator ``code`` as a site with its newest open alerts; None when there is none."""
    row = session.exec(registered_query().where(Equipment.code == code)).first()
    if row is None:
        return None
    found = Registered(*row)
    alerts = [alert for alert, _ in open_alert_rows(session, [code])]
    shown = [
        OpenAlert(
            kind=a.rule, id=a.id, device=None, detail=a.detail, started_at=a.started_at, opened_at=a.opened_at
        )
        for a in alerts[:MAX_ALERTS_SHOWN]
    ]
    return EquipmentSiteDetail(**_site(found, alerts, rules, now).model_dump(), alerts=shown)


def _by_code(rows: Sequence[tuple[Alert, str]]) -> dict[str, list[Alert]]:
    found: dict[str, list[Alert]] = {}
    for alert, _ in rows:
        found.setdefault(alert.subject_id or "", []).append(alert)
    return found


def _site(
    found: Registered, alerts: Sequence[Alert], rules: EquipmentRules, now: dt.datetime
) -> EquipmentSite:
    e = found.equipment
    by_rule: dict[str, int] = {}
    for alert in alerts:
        by_rule[alert.rule] = by_rule.get(alert.rule, 0) + 1
    return EquipmentSite(
        id=PREFIX + e.code,
        source="equipment",
        kind="elevator",
        org=found.user.handle,
        org_name=found.user.name,
        name=e.name,
        place=f"{found.grid.code} · {found.grid.inspector}",
        latitude=e.latitude,
        longitude=e.longitude,
        address=e.address,
        open_alerts=len(alerts),
        open_by_kind=by_rule,
        status=status_of(e, rules, now),
    )
