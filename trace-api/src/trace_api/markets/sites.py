"""Farmers' markets on the regulators' map (``GET /v1/sites``): each registered market with a
position a site of kind ``market`` there, run by its operator, with the open alerts about it (a
stall's short weight, a failed rapid test's disposal), after the devices and before the elevators,
by handle. A market's alerts are counted through their subjects (stall, disposal), both indexed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from ..coldchain.models import Alert
from ..orgs.models import Organisation
from ..sites.views import MAX_ALERTS_SHOWN, OpenAlert, Site, SiteDetail
from .models import Disposal, Market, Stall

PREFIX = "market:"
#: What a market's alerts are about (``Alert.subject_type``): a stall (short weight) or the
#: disposal a failed rapid test opened; each names its market.
STALL_SUBJECT, DISPOSAL_SUBJECT = "market_stall", "market_disposal"


def market_sites(session: Session, after: str | None, alerting: bool, limit: int) -> list[Site]:
    """Up to ``limit`` positioned markets after the handle ``after`` (``alerting``: those with an
    open alert)."""
    query = _placed()
    if after is not None:
        query = query.where(col(Market.handle) > after)
    if alerting:
        query = query.where(_has_open_alert())
    rows = session.exec(query.order_by(col(Market.handle)).limit(limit)).all()
    counts = _open_counts(session, [market.id for market, _ in rows])
    return [_site(market, operator, counts.get(market.id, {})) for market, operator in rows]


def market_site(session: Session, handle: str) -> SiteDetail | None:
    """The positioned market ``handle`` with its newest open alerts; None when there is none."""
    row = session.exec(_placed().where(Market.handle == handle)).first()
    if row is None:
        return None
    market, operator = row
    site = _site(market, operator, _open_counts(session, [market.id]).get(market.id, {}))
    alerts = [
        OpenAlert(
            kind=a.rule, id=a.id, device=None, detail=a.detail, started_at=a.started_at, opened_at=a.opened_at
        )
        for a in _open_alerts(session, market.id)
    ]
    return SiteDetail(**site.model_dump(), alerts=alerts)


def _placed() -> Any:
    return (
        select(Market, Organisation)
        .join(Organisation, col(Organisation.id) == Market.operator_org_id)
        .where(col(Market.latitude).is_not(None), col(Market.longitude).is_not(None))
    )


#: A market's subjects of alerts: each table, the subject type its alerts name it by.
SUBJECTS: tuple[tuple[type[Stall] | type[Disposal], str], ...] = (
    (Stall, STALL_SUBJECT),
    (Disposal, DISPOSAL_SUBJECT),
)


def _about(subject: type[Stall] | type[Disposal], subject_type: str, *columns: Any) -> Any:
    """``columns`` of the open alerts about ``subject`` rows (stalls or disposals)."""
    return (
        select(*columns)
        .join(subject, col(subject.id) == Alert.subject_id)
        .where(Alert.subject_type == subject_type, col(Alert.closed_at).is_(None))
    )


def _has_open_alert() -> ColumnElement[bool]:
    return or_(
        *(
            _about(subject, kind, Alert.id).where(col(subject.market_id) == Market.id).exists()
            for subject, kind in SUBJECTS
        )
    )


def _open_counts(session: Session, market_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Open alerts by rule for each of ``market_ids``: one grouped query per kind of subject."""
    counts: dict[str, dict[str, int]] = {}
    if not market_ids:
        return counts
    for subject, kind in SUBJECTS:
        market = col(subject.market_id)
        query = _about(subject, kind, market, col(Alert.rule), func.count())
        rows = session.exec(query.where(market.in_(market_ids)).group_by(market, col(Alert.rule))).all()
        for market_id, rule, n in rows:
            by_rule = counts.setdefault(market_id, {})
            by_rule[rule] = by_rule.get(rule, 0) + n
    return counts


def _open_alerts(session: Session, market_id: str) -> list[Alert]:
    """The market's newest open alerts, at most :data:`MAX_ALERTS_SHOWN`."""
    newest = (col(Alert.opened_at).desc(), col(Alert.id).desc())
    found = [
        alert
        for subject, kind in SUBJECTS
        for alert in session.exec(
            _about(subject, kind, Alert).where(col(subject.market_id) == market_id).order_by(*newest)
            .limit(MAX_ALERTS_SHOWN)
        ).all()
    ]  # fmt: skip
    found.sort(key=lambda a: (a.opened_at, a.id), reverse=True)
    return found[:MAX_ALERTS_SHOWN]


def _site(market: Market, operator: Organisation, by_rule: dict[str, int]) -> Site:
    return Site(
        id=PREFIX + market.handle,
        source="market",
        kind="market",
        org=operator.handle,
        org_name=operator.name,
        name=market.name,
        place=None,
        latitude=float(market.latitude or 0.0),
        longitude=float(market.longitude or 0.0),
        address=market.address,
        open_alerts=sum(by_rule.values()),
        open_by_kind=by_rule,
    )
