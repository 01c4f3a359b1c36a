"""Telling holders about a recall: a message on the organisation's MQTT topic and a signed POST
to each webhook it registered.

The recall's transaction only records what is owed (one :class:`NoticeDelivery` per holder per
channel, with the recall's rows and ledger record); after commit a :class:`NoticeWorker`
delivers, holding no database lock while it waits on brokers and receivers, and retries with
capped exponential backoff until the channel accepts. A slow or failing receiver never holds
up the recall nor other writers. Delivery is at least once: receivers deduplicate by the
``Suyuan-Delivery`` header (webhooks) or by ``recall_id`` (MQTT). The worker delivers as the
notice sender of :mod:`trace_api.notices` does, with its batch, parallel receivers, backoff and
bounds; recalls keep their own outbox because a recall's progress is read from its deliveries.

Topic ``suyuan/v1/{org_handle}/recalls``, QoS 1, MQTT 5, JSON payload.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from evidence import BackgroundLoop, write_transaction

from ..devices import TOPIC_ROOT
from ..facts import RecallIssued
from ..notices.service import (
    BATCH,
    DELIVERY_HEADER,
    MAX_LOOP_BACKOFF_S,
    PARALLEL,
    STALL_AFTER_S,
    backoff_s,
    publish_mqtt,
)
from ..orgs.models import Organisation
from ..services import Services
from ..webhooks.models import Webhook
from ..webhooks.service import post_signed, webhooks_of
from .models import NoticeChannel, NoticeDelivery, Recall, RecallNotice

EVENT = RecallIssued.KIND


def recall_topic(org_handle: str) -> str:
    return f"{TOPIC_ROOT}/{org_handle}/recalls"


def notice_message(recall: Recall, notice: RecallNotice) -> dict[str, Any]:
    """What a holder is told; the same on every channel and every attempt."""
    return {
        "recall_id": recall.id,
        "batch_ids": json.loads(notice.batch_ids),
        "reason": recall.reason,
        "recall_class": recall.recall_class.value,
        "issued_at": recall.issued_at.isoformat(),
    }


def owe_notices(
    session: Session, notice: RecallNotice, org: Organisation, mqtt_url: str | None, now: dt.datetime
) -> list[NoticeDelivery]:
    """The deliveries one holder's notice is owed, added to the session (in the recall's transaction)."""
    assert notice.id is not None
    owed = [
        NoticeDelivery(
            notice_id=notice.id,
            channel=NoticeChannel.webhook,
            webhook_id=hook.id,
            target=hook.url,
            next_attempt_at=now,
        )
        for hook in webhooks_of(session, org.id)
    ]
    if mqtt_url is not None:
        owed.insert(
            0,
            NoticeDelivery(
                notice_id=notice.id,
                channel=NoticeChannel.mqtt,
                target=recall_topic(org.handle),
                next_attempt_at=now,
            ),
        )
    session.add_all(owed)
    return owed


def delivery_status(delivery: NoticeDelivery) -> str:
    if delivery.delivered_at is not None:
        return "delivered"
    return "failed" if delivery.attempts else "pending"


def describe_delivery(delivery: NoticeDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "channel": delivery.channel.value,
        "target": delivery.target,
        "status": delivery_status(delivery),
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "delivered_at": None if delivery.delivered_at is None else delivery.delivered_at.isoformat(),
        "next_attempt_at": None
        if delivery.delivered_at is not None
        else delivery.next_attempt_at.isoformat(),
    }


def notified_via(deliveries: Iterable[NoticeDelivery]) -> str:
    """How each channel went, in a line for the notice's record."""
    parts = [
        f"{d.channel.value} {d.target} "
        + ("delivered" if d.delivered_at is not None else d.last_error or "pending")
        for d in deliveries
    ]
    return ("; ".join(parts) or "none: no webhook registered and no MQTT broker configured")[:200]


def deliveries_of(session: Session, notice_ids: list[int]) -> dict[int, list[NoticeDelivery]]:
    found: dict[int, list[NoticeDelivery]] = {i: [] for i in notice_ids}
    if notice_ids:
        query = select(NoticeDelivery).where(col(NoticeDelivery.notice_id).in_(notice_ids))
        for delivery in session.exec(query.order_by(col(NoticeDelivery.id))):
            found[delivery.notice_id].append(delivery)
    return found


@dataclass
class _Due:
    delivery: NoticeDelivery
    message: dict[str, Any]
    hook: Webhook | None


class NoticeWorker:
    """Delivers the recall notices owed. ``run_once`` does one pass; ``loop`` runs it in the background."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Attempts every due delivery once; returns how many were delivered."""
        now = now or dt.datetime.now(dt.UTC)
        with Session(self.services.engine) as session:
            rows = session.exec(
                select(NoticeDelivery, RecallNotice, Recall)
                .where(col(NoticeDelivery.delivered_at).is_(None), col(NoticeDelivery.next_attempt_at) <= now)
                .where(col(NoticeDelivery.notice_id) == col(RecallNotice.id))
                .where(col(RecallNotice.recall_id) == col(Recall.id))
                .order_by(col(NoticeDelivery.id))
                .limit(BATCH)
            ).all()
            hook_ids = {d.webhook_id for d, _, _ in rows if d.webhook_id is not None}
            hooks = {h.id: h for h in session.exec(select(Webhook).where(col(Webhook.id).in_(hook_ids)))}
            due = [
                _Due(d, notice_message(recall, notice), hooks.get(d.webhook_id or -1))
                for d, notice, recall in rows
            ]
        if not due:
            return 0
        # Brokers and receivers are called holding no lock; the outcomes are then noted under the
        # writer lock, which a read snapshot taken before the calls could not be upgraded to.
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(due))) as pool:
            errors = list(pool.map(self._attempt, due))
        return self._note(due, errors, now)

    def _attempt(self, due: _Due) -> str | None:
        delivery = due.delivery
        if delivery.channel is NoticeChannel.mqtt:
            return publish_mqtt(self.services.settings.mqtt_url, delivery.target, due.message)
        if due.hook is None:
            return "failed: the webhook no longer exists"
        headers = {DELIVERY_HEADER: str(delivery.id)}
        return post_signed(due.hook, EVENT, due.message, self.services.settings, headers=headers)

    def _note(self, due: list[_Due], errors: list[str | None], now: dt.datetime) -> int:
        services = self.services
        delivered = 0
        with (
            write_transaction(services.engine, services.ledger.lock_name) as conn,
            Session(bind=conn) as session,
        ):
            touched: set[int] = set()
            for item, error in zip(due, errors, strict=True):
                row = session.get(NoticeDelivery, item.delivery.id)
                if row is None or row.delivered_at is not None:
                    continue  # another worker's pass got there first: it is delivered, once
                row.attempts += 1
                if error is None:
                    row.delivered_at, row.last_error = now, None
                    delivered += 1
                else:
                    row.last_error = error[:500]
                    row.next_attempt_at = now + dt.timedelta(seconds=backoff_s(row.attempts))
                session.add(row)
                touched.add(row.notice_id)
            session.flush()
            for notice_id, deliveries in deliveries_of(session, sorted(touched)).items():
                notice = session.get(RecallNotice, notice_id)
                assert notice is not None
                notice.notified_via = notified_via(deliveries)
                session.add(notice)
            session.flush()
        return delivered

    def loop(self, tick_s: float = 1.0) -> BackgroundLoop:
        """The notice loop: a failing pass (a locked database, say) backs off and is retried."""
        return BackgroundLoop(
            "recall notices",
            self.run_once,
            tick_s=tick_s,
            max_backoff_s=MAX_LOOP_BACKOFF_S,
            stall_after_s=STALL_AFTER_S,
        )

    def run(self, stop: threading.Event, tick_s: float = 1.0) -> None:
        self.loop(tick_s).run(stop)
