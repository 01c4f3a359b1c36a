"""The regulators' overview: the figures of their dashboard, each from an aggregate query.

Nothing here reads a whole table: open alerts and incidents are counted through their open
marker's index, risk warnings not closed through their (status, level) index, today's
admissions and scans through the ledger's (kind, appended_at) index, counterfeit signals through
(created_at, reason), recall progress for the recalls shown only.
"Today" is the calendar day in China Standard Time (Asia/Shanghai), from 00:00; counts are of
facts recorded since then (a scan an offline scanner syncs today counts today).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, case, col, func, select

from ..audits.service import last_audit
from ..audits.views import LastAudit
from ..batches.models import Batch
from ..coldchain.models import ALERT_RULES, Alert
from ..facts import BatchAdmitted, BatchSplit, DestroyScanned, ReceiveScanned, SellScanned, ShipScanned
from ..health import readiness
from ..kitchen.models import Incident
from ..recalls.models import NoticeDelivery, Recall, RecallNotice
from ..risk.views import count_active_by_level
from ..scans.models import SIGNAL_REASONS, CounterfeitSignal
from ..services import Services
from .views import (
    MAX_RECALLS_SHOWN,
    ActiveRecall,
    AlertCounts,
    AnchorState,
    CheckpointState,
    FailingPart,
    LedgerState,
    Overview,
    Readiness,
    RecallCounts,
    RecallProgress,
    SignalCounts,
    TodayCounts,
)

#: Where the regulators' day begins and ends.
OVERVIEW_TIMEZONE = "Asia/Shanghai"
#: The open kitchen-camera incidents' kind among the alerts (beside the cold-chain rules).
KITCHEN_INCIDENT = "kitchen_incident"
#: The kind risk warnings not yet closed are counted under among the alerts, by their level
#: (``risk_red``, ``risk_orange``, ``risk_yellow``, ``risk_blue``).
RISK_WARNING_PREFIX = "risk_"
#: Each scan action and the ledger record kind one such scan appends.
SCAN_KINDS = {
    "ship": ShipScanned.KIND,
    "receive": ReceiveScanned.KIND,
    "split": BatchSplit.KIND,
    "sell": SellScanned.KIND,
    "destroy": DestroyScanned.KIND,
}


def regulator_overview(services: Services, session: Session, now: dt.datetime | None = None) -> Overview:
    """The dashboard's figures as of ``now`` (aware; default: the present)."""
    now = now or dt.datetime.now(dt.UTC)
    since = day_start(now)
    return Overview(
        generated_at=now.astimezone(dt.UTC),
        alerts=open_alerts(session),
        recalls=active_recalls(session),
        today=today_counts(services, session, since),
        signals=signal_counts(session, since),
        ledger=ledger_state(services, now),
    )


def day_start(now: dt.datetime, timezone: str = OVERVIEW_TIMEZONE) -> dt.datetime:
    """00:00 of ``now``'s day in ``timezone``, in UTC."""
    zone = ZoneInfo(timezone)
    midnight = dt.datetime.combine(now.astimezone(zone).date(), dt.time(0), tzinfo=zone)
    return midnight.astimezone(dt.UTC)


def open_alerts(session: Session) -> AlertCounts:
    """Alerts of every domain open until closed (``/v1/alerts?status=open``); kitchen incidents
    while the restaurant owes a rectification (``/v1/incidents?status=open``: none sent yet, or the
    last one rejected by a regulator); risk warnings not closed, by level
    (``/v1/risk/warnings?status=active&level=…``)."""
    rules = session.exec(
        select(Alert.rule, func.count()).where(col(Alert.closed_at).is_(None)).group_by(col(Alert.rule))
    ).all()
    incidents = session.exec(
        select(func.count()).select_from(Incident).where(col(Incident.rectified_at).is_(None))
    ).one()
    risk = {RISK_WARNING_PREFIX + level: n for level, n in count_active_by_level(session).items()}
    counts = {**dict.fromkeys(ALERT_RULES, 0), **dict(rules), KITCHEN_INCIDENT: incidents, **risk}
    return AlertCounts(open_by_kind=counts, open_total=sum(counts.values()))


def active_recalls(session: Session, limit: int = MAX_RECALLS_SHOWN) -> RecallCounts:
    """Recalls whose lot is still under recall (``/v1/recalls?status=active``), newest first."""
    # Driven by the recalls (few: each is a regulator's act), never by a scan of every lot. A lot
    # whose recall was lifted may be recalled again: the recall's own state counts, not the lot's.
    in_force = col(Recall.lifted_at).is_(None)
    total = session.exec(select(func.count()).select_from(Recall).where(in_force)).one()
    rows = session.exec(
        select(Recall, Batch.lot, Batch.product_name)
        .join(Batch, col(Batch.id) == Recall.batch_id)
        .where(in_force)
        .order_by(col(Recall.issued_at).desc(), col(Recall.id).desc())
        .limit(limit)
    ).all()
    progress = recall_progress(session, [recall.id for recall, _, _ in rows])
    shown = [
        ActiveRecall(
            id=recall.id,
            batch_id=recall.batch_id,
            lot=lot,
            product_name=product_name,
            reason=recall.reason,
            recall_class=recall.recall_class,
            issued_at=recall.issued_at,
            progress=progress.get(recall.id, _no_progress()),
        )
        for recall, lot, product_name in rows
    ]
    return RecallCounts(active_total=total, active=shown)


def recall_progress(session: Session, recall_ids: list[str]) -> dict[str, RecallProgress]:
    """Each recall's notices summed in SQL: each holder's latest acknowledgement counts, never more
    than it holds (as :func:`trace_api.recalls.service.recall_progress` counts them)."""
    if not recall_ids:
        return {}
    quarantined = func.coalesce(RecallNotice.quantity_quarantined, 0.0)
    held = col(RecallNotice.quantity)
    # Five columns: beyond SQLModel's typed ``select``, so SQLAlchemy's, on the session's connection.
    sums = (
        session.connection()
        .execute(
            sa_select(
                col(RecallNotice.recall_id),
                func.count(),
                func.count(col(RecallNotice.acknowledged_at)),
                func.coalesce(func.sum(held), 0.0),
                func.coalesce(func.sum(case((quarantined < held, quarantined), else_=held)), 0.0),
            )
            .where(col(RecallNotice.recall_id).in_(recall_ids))
            .group_by(col(RecallNotice.recall_id))
        )
        .all()
    )
    reached = dict(
        session.exec(
            select(RecallNotice.recall_id, func.count(func.distinct(NoticeDelivery.notice_id)))
            .join(NoticeDelivery, col(NoticeDelivery.notice_id) == RecallNotice.id)
            .where(col(RecallNotice.recall_id).in_(recall_ids), col(NoticeDelivery.delivered_at).is_not(None))
            .group_by(col(RecallNotice.recall_id))
        ).all()
    )
    return {
        recall_id: _progress(holders, reached.get(recall_id, 0), acknowledged, float(qty), float(quar))
        for recall_id, holders, acknowledged, qty, quar in sums
    }


def _progress(
    holders: int, reached: int, acknowledged: int, quantity: float, quarantined: float
) -> RecallProgress:
    return RecallProgress(
        holders=holders,
        holders_reached=reached,
        holders_acknowledged=acknowledged,
        quantity=quantity,
        quantity_quarantined=quarantined,
        quantity_outstanding=quantity - quarantined,
        percent_quarantined=round(100 * quarantined / quantity, 1) if quantity else 0.0,
    )


def _no_progress() -> RecallProgress:
    """A recall whose lot no organisation held when it was issued: nobody to tell."""
    return _progress(0, 0, 0, 0.0, 0.0)


def today_counts(services: Services, session: Session, since: dt.datetime) -> TodayCounts:
    """Admissions and scans the ledger recorded since ``since``, by kind."""
    kinds = [BatchAdmitted.KIND, *SCAN_KINDS.values()]
    counted = services.ledger.count_kinds(kinds, since, conn=session.connection())
    scans = {action: counted[kind] for action, kind in SCAN_KINDS.items()}
    return TodayCounts(
        day=since.astimezone(ZoneInfo(OVERVIEW_TIMEZONE)).date(),
        timezone=OVERVIEW_TIMEZONE,
        since=since,
        admissions=counted[BatchAdmitted.KIND],
        scans_by_action=scans,
        scans_total=sum(scans.values()),
        sales=scans["sell"],
    )


def signal_counts(session: Session, since: dt.datetime) -> SignalCounts:
    """Counterfeit signals by reason, ever and since ``since``."""
    by_reason = select(CounterfeitSignal.reason, func.count()).group_by(col(CounterfeitSignal.reason))
    ever = {**dict.fromkeys(SIGNAL_REASONS, 0), **dict(session.exec(by_reason).all())}
    today_rows = session.exec(by_reason.where(col(CounterfeitSignal.created_at) >= since)).all()
    today = {**dict.fromkeys(SIGNAL_REASONS, 0), **dict(today_rows)}
    return SignalCounts(
        by_kind=ever, total=sum(ever.values()), today_by_kind=today, today=sum(today.values())
    )


def ledger_state(services: Services, now: dt.datetime) -> LedgerState:
    """The log's size, its latest signed checkpoint, the latest one anchored on chain, the audit
    that finished last, and the service's readiness (what ``/readyz`` says)."""
    ledger = services.ledger
    size = ledger.size()
    latest = ledger.latest_checkpoint()
    anchored_size = ledger.latest_anchored_size()
    anchored = None if anchored_size is None else ledger.checkpoint_at_size(anchored_size)
    anchor = None
    if anchored is not None:
        # Noted with every anchor's block (Ledger.record_anchor); a row without it: its creation.
        at = anchored.anchored_at or anchored.created_at
        anchor = AnchorState(
            size=anchored.tree_size,
            anchored_at=at,
            age_s=round(max((now - at).total_seconds(), 0.0), 1),
            block=anchored.anchor_block,
            tx=anchored.anchor_tx,
        )
    return LedgerState(
        size=size,
        latest_checkpoint=None
        if latest is None
        else CheckpointState(size=latest.tree_size, created_at=latest.created_at),
        latest_anchor=anchor,
        unanchored_records=size - (anchored_size or 0),
        last_audit=_last_audit(services),
        readiness=_readiness(services),
    )


def _readiness(services: Services) -> Readiness:
    failing, _ = readiness(services)
    return Readiness(ready=not failing, failing=[FailingPart(**f) for f in failing])


def _last_audit(services: Services) -> LastAudit | None:
    audit = last_audit(services)
    return None if audit is None else LastAudit.of(audit)
