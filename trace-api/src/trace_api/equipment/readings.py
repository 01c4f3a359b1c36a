"""Elevator monitors' events over MQTT (reading kind ``equipment_event``): a fault, an alarm,
someone trapped, or running again (``restored``).

The ingest worker takes each message exactly once and records it as a reading; this domain then
checks it names an elevator the device's organisation uses or maintains (otherwise the message is
a dead letter: ``unknown_equipment``, ``not_its_equipment``), and takes it in the reading's
transaction: an ``equipment.event`` record naming the reading's own, the event's row, and the
``equipment_fault`` alert opened on a fault, an alarm or someone trapped and closed on
``restored``. An event older than the latest one applied to the elevator (delivered late) is
recorded and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlmodel import Session, col, select

from evidence import Actor, rfc3339

from ..alerting import AlertSink
from ..devices import DeviceReading, ReadingDomain, ReadingRefused
from .alerts import Elevator, open_alerts_of
from .facts import EquipmentEventRecorded
from .models import Equipment, EquipmentEvent
from .service import Registered, equipment_record, registered_query

FAULTS = frozenset({"fault", "alarm", "trapped"})
#: How bad each event is: an elevator that reported a fault and then someone trapped shows the latter.
SEVERITY = {"alarm": 1, "fault": 2, "trapped": 3}


def check_event(session: Session, reading: DeviceReading) -> None:
    """Refuses an event about an elevator that is not registered, or not the device's organisation's."""
    code = str(reading.fields["equipment"])
    equipment = session.exec(select(Equipment).where(Equipment.code == code)).first()
    if equipment is None:
        raise ReadingRefused("unknown_equipment", f"equipment: no elevator {code!r} is registered")
    if reading.org.id not in (equipment.user_org_id, equipment.maintainer_org_id):
        raise ReadingRefused(
            "not_its_equipment", f"equipment: {reading.org.handle} neither uses nor maintains elevator {code}"
        )


def take_events(
    session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
) -> None:
    """Records each event (in device time) and opens or closes the elevator's fault alert."""
    codes = sorted({str(r.fields["equipment"]) for r in readings})
    rows = session.exec(registered_query().where(col(Equipment.code).in_(codes))).all()
    found = {row[0].code: Registered(*row) for row in rows}
    alerts = open_alerts_of(session, codes)
    for reading in readings:
        registered = found[str(reading.fields["equipment"])]
        event = _record(session, sink, registered, reading)
        elevator = Elevator(session, sink, registered, alerts.setdefault(registered.equipment.code, {}))
        _apply(elevator, event, now)


def _record(session: Session, sink: AlertSink, found: Registered, reading: DeviceReading) -> EquipmentEvent:
    e, fields = found.equipment, reading.fields
    event = EquipmentEvent(
        id=uuid.uuid4().hex, equipment_id=e.id, device_id=reading.device.id, event=str(fields["event"]),
        fault_code=fields.get("code"), detail=fields.get("detail"), happened_at=reading.at,
        reading_record_id=reading.record_id, record_id=f"equipment:{e.code}:event:{reading.record_id}",
        ledger_index=0,
    )  # fmt: skip
    fact = EquipmentEventRecorded(
        event_id=event.id, code=e.code, device=reading.device.username, seq=reading.seq, event=event.event,
        happened_at=rfc3339(reading.at), reading_record_id=reading.record_id, fault_code=event.fault_code,
        detail=event.detail,
    )  # fmt: skip
    actor = Actor(org=reading.org.uscc, key_id=f"device:{reading.device.username}")
    record = equipment_record(actor, event.record_id, fact, reading.at, e.code, found.maintainer, found.user)
    event.ledger_index = sink.ledger.append(record, conn=session.connection()).index
    session.add(event)
    return event


def _apply(elevator: Elevator, event: EquipmentEvent, now: dt.datetime) -> None:
    found = elevator.found
    e = found.equipment
    if e.event_at is not None and event.happened_at < e.event_at:
        return  # delivered late: a newer event decided the elevator's state already
    e.event_at = event.happened_at
    audience = (found.user, found.grid_regulator)
    if event.event in FAULTS:
        if e.fault_since is None:
            e.fault_since, e.fault_event = event.happened_at, event.event
        elif SEVERITY[event.event] > SEVERITY.get(e.fault_event or "", 0):
            e.fault_event = event.event
        detail = " · ".join(p for p in (event.event, event.fault_code, event.detail) if p)
        elevator.raise_alert(
            "equipment_fault",
            detail,
            now,
            against=found.maintainer,
            audience=audience,
            since=event.happened_at,
        )
    else:
        e.fault_since = e.fault_event = None
        note = f"the monitor reported it running again at {rfc3339(event.happened_at)}"
        elevator.clear_alert("equipment_fault", now, note, audience)
    elevator.session.add(e)


#: What ingest does with ``equipment_event`` readings (``ingest.domains``).
EQUIPMENT_EVENTS = ReadingDomain(check=check_event, take=take_events)
