"""The special-equipment rules (TSG T5002) applied to one elevator: its alerts opened while their
cause lasts and closed once it is gone, reminders before maintenance falls due, and an overdue
maintenance escalated to the grid inspector.

Alerts are about the elevator (subject ``equipment``, its equipment code), one open alert per rule
at a time, through :mod:`trace_api.alerting` (the row, the ledger record, the notices owed):

===========================  ======================  ==========================================
rule                         against (audience)      open while
===========================  ======================  ==========================================
``maintenance_overdue``      maintenance unit (user  the next maintenance is past due; after
                             unit; the grid's        ``escalate_after_days`` more the grid
                             regulator once          inspector's regulator is told
                             escalated)              (``equipment.overdue_escalated``)
``maintenance_too_far``      maintenance unit        the latest maintenance was recorded farther
                             (user unit)             than the set distance from the elevator
``contract_missing``         user unit               no contract covers today
                             (maintenance unit)
``contract_expiring``        user unit               contracts cover today but end within
                             (maintenance unit)      ``contract_warning_days``
``equipment_fault``          maintenance unit (user  the monitor reported a fault, an alarm or
                             unit, grid regulator)   someone trapped, until it reports restored
===========================  ======================  ==========================================

A reminder (``equipment.maintenance_due``) goes to both units once per due time, from
``remind_days_before`` days before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from evidence import Actor, Record, rfc3339

from ..alerting import AlertSink, close_alert, open_alert
from ..coldchain.models import Alert
from ..devices import alert_topic
from ..notices import owe_notice
from ..orgs.models import Organisation
from .facts import MaintenanceDue, OverdueEscalated
from .models import Contract
from .rules import EquipmentRules
from .service import EQUIPMENT_SUBJECT as SUBJECT
from .service import Registered, china_day, covered_until, due_at, equipment_record

#: The key id of the records the rules write themselves (reminders, escalations).
RULES_KEY = "rule:equipment"
EQUIPMENT_RULES = (
    "maintenance_overdue",
    "maintenance_too_far",
    "contract_missing",
    "contract_expiring",
    "equipment_fault",
)


@dataclass
class Changes:
    """What applying the rules did, for the sweep's report."""

    opened: list[tuple[str, str]] = field(default_factory=list)  # (code, rule)
    closed: list[tuple[str, str]] = field(default_factory=list)
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def open_alerts_of(session: Session, codes: Sequence[str]) -> dict[str, dict[str, Alert]]:
    """The open alerts of these elevators, by code and rule."""
    found: dict[str, dict[str, Alert]] = {}
    if not codes:
        return found
    rows = session.exec(
        select(Alert).where(
            Alert.subject_type == SUBJECT, col(Alert.subject_id).in_(codes), col(Alert.closed_at).is_(None)
        )
    )
    for alert in rows:
        found.setdefault(alert.subject_id or "", {})[alert.rule] = alert
    return found


@dataclass
class Elevator:
    """One elevator as the rules see it: its rows, its open alerts, where to write."""

    session: Session
    sink: AlertSink
    found: Registered
    alerts: dict[str, Alert]
    changes: Changes = field(default_factory=Changes)

    @property
    def code(self) -> str:
        return self.found.equipment.code

    def place(self) -> str:
        e = self.found.equipment
        return f"{e.name} · {e.address}"

    def raise_alert(
        self,
        rule: str,
        detail: str,
        at: dt.datetime,
        *,
        against: Organisation,
        audience: Iterable[Organisation],
        since: dt.datetime | None = None,
    ) -> None:
        if rule in self.alerts:
            return
        self.alerts[rule] = open_alert(
            self.session, self.sink, org=against, rule=rule, subject_type=SUBJECT, subject_id=self.code,
            place=self.place(), detail=detail, at=at, started_at=since, audience=list(audience),
        )  # fmt: skip
        self.changes.opened.append((self.code, rule))

    def clear_alert(self, rule: str, at: dt.datetime, note: str, audience: Iterable[Organisation]) -> None:
        alert = self.alerts.pop(rule, None)
        if alert is None:
            return
        close_alert(self.session, self.sink, alert, at=at, note=note, audience=list(audience))
        self.changes.closed.append((self.code, rule))


def apply_maintenance_rules(elevator: Elevator, rules: EquipmentRules, now: dt.datetime) -> None:
    """Reminds before maintenance falls due, alerts once it is overdue, escalates to the grid
    inspector after the set days more, and closes the alert once a maintenance moved the due time."""
    found = elevator.found
    e = found.equipment
    due = due_at(e, rules)
    units = (found.maintainer, found.user)
    if now < due:
        overdue = elevator.alerts.get("maintenance_overdue")
        escalated = (
            overdue is not None and e.escalated_for is not None and e.escalated_for >= overdue.started_at
        )
        told = (found.user, found.grid_regulator) if escalated else (found.user,)
        elevator.clear_alert("maintenance_overdue", now, f"maintained; next due {rfc3339(due)}", told)
        if now >= due - rules.reminder and e.reminded_for != due:
            _remind(elevator, due, now)
        return
    last = "never" if e.last_maintained_at is None else rfc3339(e.last_maintained_at)
    detail = f"maintenance was due {rfc3339(due)} (every {rules.maintenance_every_days} days; last: {last})"
    elevator.raise_alert("maintenance_overdue", detail, now, against=units[0], audience=[units[1]], since=due)
    if now >= due + rules.escalation and e.escalated_for != due:
        _escalate(elevator, due, now)


def apply_contract_rules(
    elevator: Elevator, contracts: Sequence[Contract], rules: EquipmentRules, now: dt.datetime
) -> None:
    """``contract_missing`` while no contract covers today, ``contract_expiring`` while the cover
    ends within the set days; each closed once a contract is recorded that puts it right."""
    found = elevator.found
    today = china_day(now)
    until = covered_until(contracts, today)
    both = (found.user, found.maintainer)
    if until is None:
        elevator.clear_alert("contract_expiring", now, "the contract ended: no contract covers today", both)
        detail = f"no maintenance contract covers {today.isoformat()}"
        elevator.raise_alert("contract_missing", detail, now, against=both[0], audience=[both[1]])
        return
    elevator.clear_alert("contract_missing", now, f"a contract covers it until {until.isoformat()}", both)
    if (until - today).days <= rules.contract_warning_days:
        detail = f"maintenance contracts cover it until {until.isoformat()} only"
        elevator.raise_alert(
            "contract_expiring", detail, now, against=found.user, audience=[found.maintainer]
        )
    else:
        elevator.clear_alert("contract_expiring", now, f"renewed: covered until {until.isoformat()}", both)


def apply_position_rule(elevator: Elevator, too_far: bool, distance_m: float, now: dt.datetime) -> None:
    """After a maintenance: ``maintenance_too_far`` opened when it was recorded too far from the
    elevator, closed by the next one recorded on site."""
    found = elevator.found
    if too_far:
        detail = f"maintenance recorded {distance_m:.0f} m from the elevator"
        elevator.raise_alert(
            "maintenance_too_far", detail, now, against=found.maintainer, audience=[found.user]
        )
    else:
        elevator.clear_alert("maintenance_too_far", now, "a maintenance was recorded on site", [found.user])


def _rules_actor(found: Registered) -> Actor:
    return Actor(org=found.maintainer.uscc, key_id=RULES_KEY)


def _remind(elevator: Elevator, due: dt.datetime, now: dt.datetime) -> None:
    found = elevator.found
    e = found.equipment
    last = None if e.last_maintained_at is None else rfc3339(e.last_maintained_at)
    fact = MaintenanceDue(
        code=e.code, due_at=rfc3339(due), maintainer=found.maintainer.handle, user=found.user.handle,
        last_maintained_at=last,
    )  # fmt: skip
    record_id = f"equipment:{e.code}:due:{rfc3339(due)}"
    record = equipment_record(_rules_actor(found), record_id, fact, now, e.code, found.maintainer, found.user)
    _tell(elevator, record, (found.maintainer, found.user), now)
    e.reminded_for = due
    elevator.session.add(e)
    elevator.changes.reminded.append(e.code)


def _escalate(elevator: Elevator, due: dt.datetime, now: dt.datetime) -> None:
    found = elevator.found
    e = found.equipment
    alert = elevator.alerts["maintenance_overdue"]
    fact = OverdueEscalated(
        code=e.code, alert_id=alert.id, due_at=rfc3339(due), days_overdue=(now - due).days,
        maintainer=found.maintainer.handle, user=found.user.handle, grid=found.grid.code,
        inspector=found.grid.inspector, regulator=found.grid_regulator.handle,
    )  # fmt: skip
    record_id = f"equipment:{e.code}:escalated:{rfc3339(due)}"
    orgs = (found.grid_regulator, found.maintainer, found.user)
    record = equipment_record(_rules_actor(found), record_id, fact, now, e.code, *orgs)
    _tell(elevator, record, orgs, now)
    e.escalated_for = due
    elevator.session.add(e)
    elevator.changes.escalated.append(e.code)


def _tell(elevator: Elevator, record: Record, orgs: Sequence[Organisation], now: dt.datetime) -> None:
    record_and_tell(elevator.session, elevator.sink, record, orgs, now)


def record_and_tell(
    session: Session, sink: AlertSink, record: Record, orgs: Sequence[Organisation], now: dt.datetime
) -> int:
    """Appends the record and owes its notice to each organisation (its MQTT topic
    ``suyuan/v1/{org}/alerts`` and webhooks, sent after commit); returns the record's index."""
    receipt = sink.ledger.append(record, conn=session.connection())
    for org in {o.id: o for o in orgs}.values():
        message = {
            "record_id": record.record_id,
            "index": receipt.index,
            "kind": record.kind,
            **record.payload,
        }
        owe_notice(
            session, event=record.kind, org=org, topic=alert_topic(org.handle), message=message,
            record_id=record.record_id, mqtt_url=sink.mqtt_url, now=now,
        )  # fmt: skip
    return receipt.index
