"""EPCIS subscriptions: named queries whose new events are delivered to webhooks.

Capture only records what is owed (one delivery row per matching event, in the capture's
transaction); a worker delivers, signs each body with HMAC-SHA256, and retries with
exponential backoff until the receiver answers 2xx. Delivery is at least once: receivers
deduplicate by ``eventID``. A failing receiver never blocks capture.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import uuid
from typing import Any

import httpx
from sqlmodel import Session, col, select

from evidence import BackgroundLoop, write_transaction

from ..notices.service import backoff_s
from ..orgs.models import Organisation, OrgType
from ..services import Services
from ..webhooks.service import SIGNATURE_HEADER, sign
from ..webhooks.targets import UnsafeTarget, post_to_target
from .models import Delivery, EpcisEvent, NamedQuery, Subscription
from .query import conditions_of

BATCH = 100
#: The worker's own retry after a failed pass, at most; and how long without a completed pass
#: makes it stalled (a pass may wait up to 10 s on each of a batch's receivers).
MAX_LOOP_BACKOFF_S = 30.0
STALL_AFTER_S = 120.0


def enqueue(session: Session, event_ids: list[str]) -> int:
    """Delivery rows for every active subscription whose query matches the new events; returns how many."""
    if not event_ids:
        return 0
    now = dt.datetime.now(dt.UTC)
    owed = 0
    subscriptions = session.exec(
        select(Subscription, NamedQuery, Organisation)
        .where(Subscription.active == True)  # noqa: E712 - SQL comparison
        .where(col(Subscription.query_id) == col(NamedQuery.id))
        .where(col(NamedQuery.org_id) == col(Organisation.id))
    ).all()
    for subscription, named, org in subscriptions:
        query = select(EpcisEvent.event_id).where(
            col(EpcisEvent.event_id).in_(event_ids), *conditions_of(json.loads(named.params))
        )
        if org.org_type is not OrgType.regulator:
            query = query.where(EpcisEvent.org_id == org.id)
        for event_id in session.exec(query):
            session.add(Delivery(subscription_id=subscription.id, event_id=event_id, next_attempt_at=now))
            owed += 1
    session.flush()
    return owed


def subscribe(session: Session, named: NamedQuery, dest: str, secret: str | None) -> Subscription:
    subscription = Subscription(
        id=uuid.uuid4().hex,
        query_id=named.id or 0,
        dest=dest,
        secret=secret or secrets.token_urlsafe(32),
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(subscription)
    session.commit()
    session.refresh(subscription)
    return subscription


class DeliveryWorker:
    """Delivers what subscriptions are owed. ``run_once`` does one pass; ``run`` loops until stopped."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Attempts every due delivery once; returns how many were delivered."""
        now = now or dt.datetime.now(dt.UTC)
        with Session(self.services.engine) as session:
            due = session.exec(
                select(Delivery, Subscription, EpcisEvent)
                .where(col(Delivery.delivered_at).is_(None), col(Delivery.next_attempt_at) <= now)
                .where(col(Delivery.subscription_id) == col(Subscription.id))
                .where(col(Delivery.event_id) == col(EpcisEvent.event_id))
                .order_by(col(Delivery.id))
                .limit(BATCH)
            ).all()
        # Receivers are called holding no lock; the outcomes are then noted under the writer lock,
        # which a read snapshot taken before the calls could not be upgraded to once others wrote.
        delivered = sum(
            self._attempt(delivery, subscription, event, now) for delivery, subscription, event in due
        )
        if due:
            services = self.services
            with (
                write_transaction(services.engine, services.ledger.lock_name) as conn,
                Session(bind=conn) as session,
            ):
                for delivery, _, _ in due:
                    session.merge(delivery)
                session.flush()
        return delivered

    def _attempt(
        self, delivery: Delivery, subscription: Subscription, event: EpcisEvent, now: dt.datetime
    ) -> int:
        body = json.dumps(_message(subscription, event), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(subscription.secret, body),
            "GS1-Event-ID": event.event_id,
        }
        delivery.attempts += 1
        try:
            # checked again (it may resolve elsewhere now) and posted to the addresses checked
            response = post_to_target(
                subscription.dest, self.services.settings, content=body, headers=headers, timeout=10
            )
            ok, error = response.status_code < 300, f"answered {response.status_code}"
        except (httpx.HTTPError, UnsafeTarget) as exc:
            ok, error = False, str(exc)[:500]
        if ok:
            delivery.delivered_at, delivery.last_error = now, None
            return 1
        delivery.last_error = error
        delivery.next_attempt_at = now + dt.timedelta(seconds=backoff_s(delivery.attempts))
        return 0

    def loop(self, tick_s: float = 1.0) -> BackgroundLoop:
        """The delivery loop: a failing pass (a locked database, say) backs off and is retried."""
        return BackgroundLoop(
            "deliveries",
            self.run_once,
            tick_s=tick_s,
            max_backoff_s=MAX_LOOP_BACKOFF_S,
            stall_after_s=STALL_AFTER_S,
        )

    def run(self, stop: threading.Event, tick_s: float = 1.0) -> None:
        self.loop(tick_s).run(stop)


def _message(subscription: Subscription, event: EpcisEvent) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(event.body)
    body["eventID"] = event.event_id
    return {"subscriptionID": subscription.id, "eventID": event.event_id, "event": body}
