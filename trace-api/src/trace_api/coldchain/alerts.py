"""Alerts as their organisation and the regulators read them, and acknowledgements.

Ingest opens a cold-chain alert and closes it when readings return to normal; the other domains
open and close theirs through ``trace_api.alerting``; nothing here changes that. An
acknowledgement says that someone saw the alert and what is being done (one per alert, by the
organisation the alert is against or by a regulator): an ``alert.acknowledged`` ledger record
and a row beside the alert. An acknowledged alert is still open until its cause is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, utc_datetime, utc_now

from .._paging import newest_after, page_of
from ..devices.models import Device
from ..errors import Conflict, Defect, Forbidden, NotFound
from ..facts import AlertAcknowledged
from ..orgs.models import ApiKey, Organisation, OrgType
from ..orgs.service import Member
from ..services import Services
from ..text import Text
from .models import Alert, AlertAcknowledgement


class AlertStatus(StrEnum):
    open = "open"  # not closed yet, acknowledged or not
    closed = "closed"
    all = "all"


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts a list shows; ``None`` leaves a criterion out."""

    status: AlertStatus = AlertStatus.open
    rule: str | None = None
    org: str | None = None  # an organisation's handle
    device: str | None = None  # a device's username, ``{org}/{name}``
    acknowledged: bool | None = None


class AcknowledgementIn(BaseModel):
    note: Text = Field(min_length=1, max_length=500, description="what was seen and what is being done")


def list_alerts(
    session: Session, member: Member, criteria: AlertFilter, limit: int, cursor: str | None
) -> dict[str, Any]:
    """Alerts newest first (by opening time), a page at a time: the caller's organisation's, or
    every organisation's for a regulator."""
    query = (
        select(Alert, Device, Organisation.handle, AlertAcknowledgement)
        .outerjoin(Device, col(Device.id) == Alert.device_id)
        .join(Organisation, col(Organisation.id) == Alert.org_id)
        .outerjoin(AlertAcknowledgement, col(AlertAcknowledgement.alert_id) == Alert.id)
    )
    if member.org.org_type is not OrgType.regulator:
        if criteria.org is not None and criteria.org != member.org.handle:
            raise Forbidden(f"{member.org.handle} may list its own alerts only")
        query = query.where(Alert.org_id == member.org.id)
    for condition in _conditions(criteria):
        query = query.where(condition)
    after = newest_after(session, Alert, cursor, "opened_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Alert.opened_at).desc(), col(Alert.id).desc()).limit(limit + 1)
    rows, next_cursor = page_of(session.exec(query).all(), limit, lambda row: row[0].id)
    who = _acknowledgers(session, [ack for *_, ack in rows if ack is not None])
    alerts = [describe_alert(alert, device, handle, ack, who) for alert, device, handle, ack in rows]
    return {"alerts": alerts, "next_cursor": next_cursor}


def _conditions(criteria: AlertFilter) -> list[Any]:
    conditions: list[Any] = []
    if criteria.status is AlertStatus.open:
        conditions.append(col(Alert.closed_at).is_(None))
    elif criteria.status is AlertStatus.closed:
        conditions.append(col(Alert.closed_at).is_not(None))
    if criteria.rule is not None:
        conditions.append(col(Alert.rule) == criteria.rule)
    if criteria.org is not None:
        conditions.append(col(Organisation.handle) == criteria.org)
    if criteria.device is not None:
        conditions.append(col(Device.username) == criteria.device)
    if criteria.acknowledged is True:
        conditions.append(col(AlertAcknowledgement.alert_id).is_not(None))
    elif criteria.acknowledged is False:
        conditions.append(col(AlertAcknowledgement.alert_id).is_(None))
    return conditions


def read_alert(session: Session, member: Member, alert_id: str) -> dict[str, Any]:
    """One alert as the lists show it, to its organisation or a regulator."""
    alert = _readable_alert(session, member, alert_id)
    return _described(session, alert)


def acknowledge_alert(
    services: Services, session: Session, member: Member, alert_id: str, data: AcknowledgementIn
) -> dict[str, Any]:
    """Records that ``member`` saw the alert (once per alert); answers the alert as it now stands."""
    if member.kind != "member":
        raise Forbidden("a device key may not acknowledge alerts; use a member's API key")
    alert = _readable_alert(session, member, alert_id)
    earlier = session.get(AlertAcknowledgement, alert.id)
    if earlier is not None:
        raise _acknowledged_already(session, alert, earlier)
    device, owner = _device_and_owner(session, alert)
    record = Record(
        kind=AlertAcknowledged.KIND,
        record_id=f"alert:{alert.id}:acknowledged",
        time=utc_now(),
        actor=Actor(org=member.org.uscc, key_id=member.key_id),
        subjects=_subjects(alert, device, owner, member),
        payload=AlertAcknowledged(
            alert_id=alert.id,
            alert_record_id=alert.open_record_id,
            rule=alert.rule,
            device=None if device is None else device.username,
            subject_type=alert.subject_type,
            subject_id=alert.subject_id,
            organisation=owner.handle,
            note=data.note,
        ).payload(),
    )
    receipt = services.ledger.append(record, conn=session.connection())
    session.add(
        AlertAcknowledgement(
            alert_id=alert.id,
            org_id=member.org.id,
            key_id=member.key_id,
            note=data.note,
            acknowledged_at=utc_datetime(record.time),
            record_id=record.record_id,
            ledger_index=receipt.index,
        )
    )
    session.flush()
    return _described(session, alert)


def _subjects(alert: Alert, device: Device | None, owner: Organisation, member: Member) -> list[Subject]:
    if device is not None:
        subjects = [Subject(type="device", id=device.username)]
    else:
        subjects = [Subject(type=alert.subject_type or "subject", id=alert.subject_id or "")]
    subjects.append(Subject(type="org", id=owner.uscc))
    if member.org.id != owner.id:
        subjects.append(Subject(type="org", id=member.org.uscc))
    subjects += [Subject(type="batch", id=b) for b in alert.batch_ids.split(",") if b]
    return subjects


def _acknowledged_already(session: Session, alert: Alert, earlier: AlertAcknowledgement) -> Conflict:
    by = session.get(Organisation, earlier.org_id)
    handle = by.handle if by is not None else earlier.org_id
    return Conflict(
        f"alert {alert.id} was acknowledged already, by {handle} at {earlier.acknowledged_at.isoformat()}",
        ack_record_id=earlier.record_id,
    )


def _readable_alert(session: Session, member: Member, alert_id: str) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    if member.org.org_type is not OrgType.regulator and alert.org_id != member.org.id:
        raise Forbidden(f"alert {alert_id} is against another organisation")
    return alert


def _device_and_owner(session: Session, alert: Alert) -> tuple[Device | None, Organisation]:
    device = None if alert.device_id is None else session.get(Device, alert.device_id)
    owner = session.get(Organisation, alert.org_id)
    if owner is None or (device is None and alert.device_id is not None):  # foreign keys of the alert
        raise Defect(f"alert {alert.id} names a device or organisation that is not there")
    return device, owner


def _described(session: Session, alert: Alert) -> dict[str, Any]:
    device, owner = _device_and_owner(session, alert)
    ack = session.get(AlertAcknowledgement, alert.id)
    who = _acknowledgers(session, [ack] if ack is not None else [])
    return describe_alert(alert, device, owner.handle, ack, who)


@dataclass(frozen=True)
class _Acknowledger:
    handle: str
    key_label: str | None


def _acknowledgers(session: Session, acks: list[AlertAcknowledgement]) -> dict[str, _Acknowledger]:
    """Who acknowledged (by acknowledgement's alert id): the organisation's handle, the key's label."""
    if not acks:
        return {}
    handles = dict(
        session.exec(
            select(Organisation.id, Organisation.handle).where(
                col(Organisation.id).in_({a.org_id for a in acks})
            )
        ).all()
    )
    labels = dict(
        session.exec(
            select(ApiKey.id, ApiKey.label).where(col(ApiKey.id).in_({a.key_id for a in acks}))
        ).all()
    )
    return {a.alert_id: _Acknowledger(handles.get(a.org_id, ""), labels.get(a.key_id)) for a in acks}


def describe_alert(
    alert: Alert,
    device: Device | None,
    org_handle: str,
    ack: AlertAcknowledgement | None,
    who: dict[str, _Acknowledger],
) -> dict[str, Any]:
    """An alert as the lists show it: a cold-chain alert names its device, its site and storage
    class; another domain's alert names its subject (``subject_type``, ``subject_id``) instead."""
    data = alert.model_dump(mode="json", exclude={"batch_ids", "org_id", "device_id"})
    data["device"] = None if device is None else device.username
    data["organisation"] = org_handle
    data["site"] = alert.place if device is None else device.location or device.vehicle
    data["storage_class"] = None if device is None else device.storage_class.value
    data["batch_ids"] = [b for b in alert.batch_ids.split(",") if b]
    data["status"] = "open" if alert.closed_at is None else "closed"
    data["acknowledgement"] = None
    if ack is not None:
        by = who.get(ack.alert_id)
        data["acknowledgement"] = {
            "organisation": by.handle if by else None,
            "key_label": by.key_label if by else None,
            "note": ack.note,
            "acknowledged_at": ack.acknowledged_at.isoformat(),
            "record_id": ack.record_id,
            "ledger_index": ack.ledger_index,
        }
    return data
