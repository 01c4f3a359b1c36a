"""Telling organisations what happened, after commit: a message on the organisation's MQTT topic
and a signed POST to each webhook it registered.

A fact's transaction only records what is owed (:func:`owe_notices`: one :class:`OwedNotice` per
organisation per channel); after commit the :class:`NoticeSender` delivers, holding no database
lock while it waits on brokers and receivers, and retries with capped exponential backoff until
the channel accepts. Delivery is at least once: receivers deduplicate by the ``Suyuan-Delivery``
header (webhooks) or by the message's ``record_id`` (MQTT). A rolled-back fact owes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from evidence import BackgroundLoop, Leadership, Ledger, write_transaction

from ..devices.mqtt import MqttError, publish_json
from ..orgs.models import Organisation
from ..services import Services
from ..settings import ServiceSettings
from ..webhooks.models import Webhook
from ..webhooks.service import post_signed
from .models import Channel, OwedNotice

DELIVERY_HEADER = "Suyuan-Delivery"
OWED_TABLE = OwedNotice.__table__  # type: ignore[attr-defined]  # SQLModel's table, for bulk inserts
MAX_BACKOFF_S = 300
BATCH = 100
#: Receivers called at the same time in one pass: one slow receiver does not hold up the others.
PARALLEL = 8
#: The loop's own retry after a failed pass, at most; and how long without a completed pass
#: makes it stalled (a pass may wait on a batch's receivers, PARALLEL at a time, 5 s each at most).
MAX_LOOP_BACKOFF_S = 30.0
STALL_AFTER_S = 120.0


def backoff_s(attempts: int) -> int:
    """Seconds before the next attempt of a delivery that failed ``attempts`` times (every outbox)."""
    return int(min(2**attempts, MAX_BACKOFF_S))


def publish_mqtt(mqtt_url: str | None, topic: str, message: dict[str, Any]) -> str | None:
    """Publishes one notice; returns why it was not delivered, or None."""
    if mqtt_url is None:
        return "failed: no MQTT broker configured (SUYUAN_MQTT_URL)"
    try:
        publish_json(mqtt_url, topic, message)
    except MqttError as exc:
        return f"failed: {exc}"[:500]
    return None


@dataclass(frozen=True)
class Owed:
    """One fact's message owed to one organisation, as of ``now`` (its first attempt is due then)."""

    event: str
    org: Organisation
    topic: str
    message: Mapping[str, Any]
    record_id: str
    now: dt.datetime


def owe_notices(session: Session, owed: Sequence[Owed], *, mqtt_url: str | None) -> int:
    """The deliveries each organisation is owed for its fact (its MQTT topic when a broker is
    configured, then each of its webhooks), written in the session's transaction: call it in the
    facts' own. The organisations' webhooks are read in one query and the rows written in one
    statement, so a transaction telling many facts pays per fact only for its rows. Returns how
    many deliveries are owed."""
    if not owed:
        return 0
    hooks = _webhooks_of(session, {o.org.id for o in owed})
    rows: list[dict[str, Any]] = []
    for each in owed:
        body = json.dumps(dict(each.message), sort_keys=True, ensure_ascii=False)
        owed_on = {
            "event": each.event, "org_id": each.org.id, "message": body, "record_id": each.record_id,
            "created_at": each.now, "next_attempt_at": each.now, "attempts": 0,
        }  # fmt: skip
        if mqtt_url is not None:
            rows.append({**owed_on, "channel": Channel.mqtt, "webhook_id": None, "target": each.topic})
        for hook in hooks.get(each.org.id, ()):
            rows.append({**owed_on, "channel": Channel.webhook, "webhook_id": hook.id, "target": hook.url})
    if rows:
        session.connection().execute(insert(OWED_TABLE), rows)
    return len(rows)


def owe_notice(
    session: Session,
    *,
    event: str,
    org: Organisation,
    topic: str,
    message: Mapping[str, Any],
    record_id: str,
    mqtt_url: str | None,
    now: dt.datetime,
) -> int:
    """The deliveries ``org`` is owed for one fact (:func:`owe_notices`)."""
    return owe_notices(session, [Owed(event, org, topic, message, record_id, now)], mqtt_url=mqtt_url)


def _webhooks_of(session: Session, org_ids: set[str]) -> dict[str, list[Webhook]]:
    """Each organisation's webhooks, oldest first."""
    query = select(Webhook).where(col(Webhook.org_id).in_(org_ids)).order_by(col(Webhook.id))
    hooks: dict[str, list[Webhook]] = {}
    for hook in session.exec(query):
        hooks.setdefault(hook.org_id, []).append(hook)
    return hooks


def delivery_status(notice: OwedNotice) -> str:
    if notice.delivered_at is not None:
        return "delivered"
    return "failed" if notice.attempts else "pending"


def describe_notice(notice: OwedNotice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "event": notice.event,
        "channel": notice.channel.value,
        "target": notice.target,
        "status": delivery_status(notice),
        "attempts": notice.attempts,
        "last_error": notice.last_error,
        "delivered_at": None if notice.delivered_at is None else notice.delivered_at.isoformat(),
    }


def notified_via(notices: Iterable[OwedNotice]) -> str:
    """How each channel of a fact's notices stands, in a line (``mqtt suyuan/v1/x/alerts pending``)."""
    parts = [
        f"{n.channel.value} {n.target} "
        + ("delivered" if n.delivered_at is not None else n.last_error or "pending")
        for n in notices
    ]
    return "; ".join(parts) or "none: no webhook registered and no MQTT broker configured"


def _standing(notice: OwedNotice) -> str:
    return "delivered" if notice.delivered_at is not None else notice.last_error or "pending"


def notices_of(session: Session, record_ids: Iterable[str]) -> list[OwedNotice]:
    """The notices owed for these ledger records, oldest first."""
    ids = set(record_ids)
    if not ids:
        return []
    query = select(OwedNotice).where(col(OwedNotice.record_id).in_(ids)).order_by(col(OwedNotice.id))
    return list(session.exec(query))


@dataclass(frozen=True)
class NoticeOutbox:
    """What the notice sender needs of a process that runs it without the trace API's
    :class:`~trace_api.services.Services` (the ingest commands): the database, the ledger's writer
    lock, and the settings (the broker, the webhooks' rules)."""

    engine: Engine
    ledger: Ledger
    settings: ServiceSettings


@dataclass
class _Due:
    notice: OwedNotice
    message: dict[str, Any]
    hook: Webhook | None


class NoticeSender:
    """Delivers the notices owed, whichever process owed them. ``run_once`` does one pass; ``loop``
    runs it in the background, and ``led`` only while this process leads the ``notices`` job."""

    def __init__(self, services: Services | NoticeOutbox) -> None:
        self.services = services

    def run_once(self, now: dt.datetime | None = None) -> int:
        """Attempts every due notice once; returns how many were delivered."""
        now = now or dt.datetime.now(dt.UTC)
        with Session(self.services.engine) as session:
            rows = session.exec(
                select(OwedNotice)
                .where(col(OwedNotice.delivered_at).is_(None), col(OwedNotice.next_attempt_at) <= now)
                .order_by(col(OwedNotice.id))
                .limit(BATCH)
            ).all()
            hook_ids = {n.webhook_id for n in rows if n.webhook_id is not None}
            hooks = {h.id: h for h in session.exec(select(Webhook).where(col(Webhook.id).in_(hook_ids)))}
            due = [_Due(n, json.loads(n.message), hooks.get(n.webhook_id or -1)) for n in rows]
        if not due:
            return 0
        # Brokers and receivers are called holding no lock; the outcomes are then noted under the
        # writer lock, which a read snapshot taken before the calls could not be upgraded to.
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(due))) as pool:
            errors = list(pool.map(self._attempt, due))
        return self._note(due, errors, now)

    def _attempt(self, due: _Due) -> str | None:
        notice = due.notice
        if notice.channel is Channel.mqtt:
            message = {"event": notice.event, **due.message}
            return publish_mqtt(self.services.settings.mqtt_url, notice.target, message)
        if due.hook is None:
            return "failed: the webhook no longer exists"
        headers = {DELIVERY_HEADER: f"notice-{notice.id}"}
        return post_signed(due.hook, notice.event, due.message, self.services.settings, headers=headers)

    def _note(self, due: list[_Due], errors: list[str | None], now: dt.datetime) -> int:
        services = self.services
        delivered = 0
        with (
            write_transaction(services.engine, services.ledger.lock_name) as conn,
            Session(bind=conn) as session,
        ):
            for item, error in zip(due, errors, strict=True):
                row = session.get(OwedNotice, item.notice.id)
                if row is None or row.delivered_at is not None:
                    continue  # another sender's pass got there first: it is delivered, once
                row.attempts += 1
                if error is None:
                    row.delivered_at, row.last_error = now, None
                    delivered += 1
                else:
                    row.last_error = error[:500]
                    row.next_attempt_at = now + dt.timedelta(seconds=backoff_s(row.attempts))
                session.add(row)
            session.flush()
        return delivered

    def loop(self, tick_s: float = 1.0) -> BackgroundLoop:
        """The notice loop: a failing pass (a locked database, say) backs off and is retried."""
        return BackgroundLoop(
            "notices",
            self.run_once,
            tick_s=tick_s,
            max_backoff_s=MAX_LOOP_BACKOFF_S,
            stall_after_s=STALL_AFTER_S,
        )

    def led(self, tick_s: float = 1.0) -> BackgroundLoop:
        """The notice loop, run only while this process leads the ``notices`` job on its database:
        with several processes on one database (``suyuan up``'s trace API, ``suyuan ingest``), one
        sends, the others stand by."""
        loop = self.loop(tick_s)
        return loop.led(Leadership(self.services.engine, loop.name))
