"""Alerts of every supervision domain: opened and closed as ledger records, told after commit.

Cold-chain alerts come from a device's readings (``ingest``). The other domains open alerts about
their own subjects, a market stall's failed rapid test or a lift overdue for maintenance, through
:func:`open_alert` and close them through :func:`close_alert` once the cause is gone. Either way
the alert is a row of ``alerts`` (listed by ``GET /v1/alerts`` and the console), an
``alert.opened``/``alert.closed`` ledger record, and notices owed to its organisation and to every
organisation of its audience (MQTT ``suyuan/v1/{org}/alerts`` and webhooks), sent after commit.
All of it is written in the caller's transaction: a rolled-back fact leaves no alert and owes no
notice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, rfc3339

from .coldchain.models import EVERY_ALERT_RULE, Alert
from .devices.service import alert_topic
from .facts import AlertClosed, AlertOpened
from .notices import owe_notice
from .orgs.models import Organisation
from .services import Services


@dataclass(frozen=True)
class AlertSink:
    """Where alerts are recorded and told: the ledger, and the MQTT broker if one is configured."""

    ledger: Ledger
    mqtt_url: str | None

    @classmethod
    def of(cls, services: Services) -> AlertSink:
        return cls(services.ledger, services.settings.mqtt_url)


def open_alert(
    session: Session,
    sink: AlertSink,
    *,
    org: Organisation,
    rule: str,
    subject_type: str,
    subject_id: str,
    place: str,
    detail: str,
    at: dt.datetime,
    started_at: dt.datetime | None = None,
    audience: Iterable[Organisation] = (),
    batch_ids: Sequence[str] = (),
    subjects: Sequence[Subject] = (),
    worst_value: float | None = None,
) -> Alert:
    """Opens an alert of ``rule`` against ``org`` about one subject: the row, its ``alert.opened``
    record (with ``subjects`` beside the organisation and the subject) and the notices owed to
    ``org`` and ``audience``. Call :func:`open_alert_about` first where one open alert per subject
    and rule is meant."""
    if rule not in EVERY_ALERT_RULE:
        raise ValueError(f"no alert rule {rule!r}: name it in trace_api.coldchain.models.AlertRule")
    alert_id = uuid.uuid4().hex
    started = started_at or at
    fact = AlertOpened(
        alert_id=alert_id,
        rule=rule,
        subject_type=subject_type,
        subject_id=subject_id,
        place=place,
        detail=detail,
        started_at=rfc3339(started),
        worst_value=worst_value,
        batches=list(batch_ids),
    )
    record_id = f"alert:{alert_id}:opened"
    _append(session, sink, fact, record_id, org, at, subjects, audience)
    alert = Alert(
        id=alert_id, org_id=org.id, subject_type=subject_type, subject_id=subject_id, rule=rule,
        place=place[:400], detail=detail[:500], started_at=started, opened_at=at, worst_value=worst_value,
        batch_ids=",".join(batch_ids)[:4000], open_record_id=record_id,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    return alert


def close_alert(
    session: Session,
    sink: AlertSink,
    alert: Alert,
    *,
    at: dt.datetime,
    note: str,
    audience: Iterable[Organisation] = (),
    subjects: Sequence[Subject] = (),
) -> None:
    """Closes an open alert because its cause is gone (``note`` says how): its ``alert.closed``
    record and the notices owed, as for opening it. Closing a closed alert is a defect."""
    if alert.closed_at is not None:
        raise ValueError(f"alert {alert.id} is closed already")
    org = session.get(Organisation, alert.org_id)
    if org is None:  # a foreign key of the alert
        raise ValueError(f"alert {alert.id} names an organisation that is not there")
    fact = AlertClosed(
        alert_id=alert.id,
        rule=alert.rule,
        subject_type=alert.subject_type,
        subject_id=alert.subject_id,
        place=alert.place,
        detail=alert.detail,
        started_at=rfc3339(alert.started_at),
        closed_at=rfc3339(at),
        worst_value=alert.worst_value,
        batches=[b for b in alert.batch_ids.split(",") if b],
        note=note[:500],
    )
    record_id = f"alert:{alert.id}:closed"
    _append(session, sink, fact, record_id, org, at, subjects, audience)
    alert.closed_at, alert.close_record_id = at, record_id
    session.add(alert)
    session.flush()


def open_alert_about(session: Session, subject_type: str, subject_id: str, rule: str) -> Alert | None:
    """The open alert of ``rule`` about this subject, if there is one."""
    query = select(Alert).where(
        Alert.subject_type == subject_type,
        Alert.subject_id == subject_id,
        Alert.rule == rule,
        col(Alert.closed_at).is_(None),
    )
    return session.exec(query.order_by(col(Alert.opened_at).desc())).first()


def _append(
    session: Session,
    sink: AlertSink,
    fact: AlertOpened | AlertClosed,
    record_id: str,
    org: Organisation,
    at: dt.datetime,
    subjects: Sequence[Subject],
    audience: Iterable[Organisation],
) -> None:
    told = {org.id: org, **{o.id: o for o in audience}}
    listed = [Subject(type=fact.subject_type or "subject", id=fact.subject_id or "")]
    listed += [Subject(type="org", id=o.uscc) for o in told.values()]
    listed += [s for s in subjects if s not in listed]
    listed += [Subject(type="batch", id=b) for b in fact.batches]
    payload = fact.payload()
    record = Record(
        kind=fact.KIND,
        record_id=record_id,
        time=rfc3339(at),
        actor=Actor(org=org.uscc, key_id=f"rule:{fact.rule}"),
        subjects=listed,
        payload=payload,
    )
    receipt = sink.ledger.append(record, conn=session.connection())
    for each in told.values():
        message: Mapping[str, Any] = {
            "organisation": org.handle,
            "record_id": record_id,
            "index": receipt.index,
            **payload,
        }
        owe_notice(
            session, event=fact.KIND, org=each, topic=alert_topic(each.handle), message=message,
            record_id=record_id, mqtt_url=sink.mqtt_url, now=at,
        )  # fmt: skip
