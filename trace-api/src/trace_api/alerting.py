"""Alerts of every supervision domain: opened and closed as ledger records, told after commit.

Cold-chain alerts come from a device's readings (``ingest``). The other domains open alerts about
their own subjects, a market stall's failed rapid test or a lift overdue for maintenance, through
:func:`open_alert` (or many at once through :func:`open_alerts`, as a batch of readings does) and
close them through :func:`close_alert` once the cause is gone. Either way the alert is a row of
``alerts`` (listed by ``GET /v1/alerts`` and the console), an ``alert.opened``/``alert.closed``
ledger record, and notices owed to its organisation and to every organisation of its audience
(MQTT ``suyuan/v1/{org}/alerts`` and webhooks), sent after commit. All of it is written in the
caller's transaction: a rolled-back fact leaves no alert and owes no notice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Record, Subject, rfc3339

from .coldchain.models import EVERY_ALERT_RULE, Alert
from .devices.service import alert_topic
from .facts import AlertClosed, AlertOpened
from .notices import Owed, owe_notices
from .orgs.models import Organisation
from .services import Services

ALERTS_TABLE = Alert.__table__  # type: ignore[attr-defined]  # SQLModel's table, for bulk inserts


@dataclass(frozen=True)
class AlertSink:
    """Where alerts are recorded and told: the ledger, and the MQTT broker if one is configured."""

    ledger: Ledger
    mqtt_url: str | None

    @classmethod
    def of(cls, services: Services) -> AlertSink:
        return cls(services.ledger, services.settings.mqtt_url)


@dataclass(frozen=True)
class AlertOpening:
    """An alert of ``rule`` to open against ``org`` about one subject (:func:`open_alerts`)."""

    org: Organisation
    rule: str
    subject_type: str
    subject_id: str
    place: str
    detail: str
    at: dt.datetime
    started_at: dt.datetime | None = None
    audience: Sequence[Organisation] = ()
    batch_ids: Sequence[str] = ()
    subjects: Sequence[Subject] = ()
    worst_value: float | None = None


def open_alerts(session: Session, sink: AlertSink, openings: Sequence[AlertOpening]) -> list[str]:
    """Opens each alert: its row, its ``alert.opened`` record (with ``subjects`` beside the
    organisation and the subject) and the notices owed to its organisation and audience; returns
    their ids, in order. The records are appended, the rows and the notices written, in one call
    each, however many alerts a transaction opens (a batch of readings opens dozens). Call
    :func:`open_alert_about` first where one open alert per subject and rule is meant."""
    told: list[_Told] = []
    rows: list[dict[str, Any]] = []
    for each in openings:
        if each.rule not in EVERY_ALERT_RULE:
            raise ValueError(f"no alert rule {each.rule!r}: name it in trace_api.coldchain.models.AlertRule")
        alert_id = uuid.uuid4().hex
        started = each.started_at or each.at
        fact = AlertOpened(
            alert_id=alert_id,
            rule=each.rule,
            subject_type=each.subject_type,
            subject_id=each.subject_id,
            place=each.place,
            detail=each.detail,
            started_at=rfc3339(started),
            worst_value=each.worst_value,
            batches=list(each.batch_ids),
        )
        record_id = f"alert:{alert_id}:opened"
        told.append(_Told(fact, record_id, each.org, each.at, each.subjects, each.audience))
        rows.append({
            "id": alert_id, "org_id": each.org.id, "device_id": None, "subject_type": each.subject_type,
            "subject_id": each.subject_id, "rule": each.rule, "place": each.place[:400],
            "detail": each.detail[:500], "started_at": started, "opened_at": each.at, "closed_at": None,
            "worst_value": each.worst_value, "batch_ids": ",".join(each.batch_ids)[:4000],
            "open_record_id": record_id, "close_record_id": None,
        })  # fmt: skip
    _append(session, sink, told)
    if rows:
        session.connection().execute(insert(ALERTS_TABLE), rows)
    return [row["id"] for row in rows]


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
    """Opens one alert (:func:`open_alerts`) and returns its row."""
    opening = AlertOpening(
        org=org, rule=rule, subject_type=subject_type, subject_id=subject_id, place=place, detail=detail,
        at=at, started_at=started_at, audience=list(audience), batch_ids=batch_ids, subjects=subjects,
        worst_value=worst_value,
    )  # fmt: skip
    [alert_id] = open_alerts(session, sink, [opening])
    alert = session.get(Alert, alert_id)
    assert alert is not None  # written just now, in this transaction
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
    _append(session, sink, [_Told(fact, record_id, org, at, subjects, list(audience))])
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


@dataclass(frozen=True)
class _Told:
    """An alert's record to append and tell: ``org``'s, told to it and to ``audience``."""

    fact: AlertOpened | AlertClosed
    record_id: str
    org: Organisation
    at: dt.datetime
    subjects: Sequence[Subject]
    audience: Iterable[Organisation]

    def told(self) -> dict[str, Organisation]:
        return {self.org.id: self.org, **{o.id: o for o in self.audience}}

    def record(self) -> Record:
        fact = self.fact
        listed = [Subject(type=fact.subject_type or "subject", id=fact.subject_id or "")]
        listed += [Subject(type="org", id=o.uscc) for o in self.told().values()]
        listed += [s for s in self.subjects if s not in listed]
        listed += [Subject(type="batch", id=b) for b in fact.batches]
        return Record(
            kind=fact.KIND,
            record_id=self.record_id,
            time=rfc3339(self.at),
            actor=Actor(org=self.org.uscc, key_id=f"rule:{fact.rule}"),
            subjects=listed,
            payload=fact.payload(),
        )


def _append(session: Session, sink: AlertSink, told: Sequence[_Told]) -> None:
    """Appends the records in one call and owes their notices in one."""
    records = [each.record() for each in told]
    receipts = sink.ledger.append_many(records, conn=session.connection())
    owed: list[Owed] = []
    for each, record, receipt in zip(told, records, receipts, strict=True):
        message: Mapping[str, Any] = {
            "organisation": each.org.handle,
            "record_id": each.record_id,
            "index": receipt.index,
            **record.payload,
        }
        owed += [
            Owed(each.fact.KIND, org, alert_topic(org.handle), message, each.record_id, each.at)
            for org in each.told().values()
        ]
    owe_notices(session, owed, mqtt_url=sink.mqtt_url)
