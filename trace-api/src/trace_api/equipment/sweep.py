"""The clock-driven sweep: the special-equipment rules (:mod:`.alerts`) applied to every elevator.

Maintenance falls due with time passing, not with any request, so a background loop
(``equipment_rules``, run by ``suyuan up``, its health in ``/readyz``) applies the rules every
``sweep_every_seconds``: reminders before maintenance falls due, ``maintenance_overdue`` after,
escalated to the grid inspector after the set days more, ``contract_expiring`` and
``contract_missing``, and closes the alerts whose cause is gone. The clock is injected: a test
drives it and runs a pass with :meth:`EquipmentSweeper.run_once`.

Elevators are taken a batch at a time, by code, each batch in one write transaction: a pass
holds the writer lock for one batch at most, and a pass cut short is finished by the next.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlmodel import Session, col

from evidence import BackgroundLoop

from ..alerting import AlertSink
from ..services import Services, writing
from .alerts import Changes, Elevator, apply_contract_rules, apply_maintenance_rules, open_alerts_of
from .models import Equipment
from .rules import EquipmentRules
from .service import Registered, contracts_of, registered_query

BATCH = 200
Clock = Callable[[], dt.datetime]


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EquipmentSweeper:
    """Applies the rules to every elevator: once (:meth:`run_once`), or in a loop (:meth:`loop`)."""

    def __init__(
        self, services: Services, rules: EquipmentRules | None = None, clock: Clock = utc_clock
    ) -> None:
        self.services = services
        self.rules = rules or EquipmentRules()
        self.clock = clock
        #: Set after every completed pass (tests wait on it rather than on time).
        self.swept = threading.Event()
        self.last: Changes | None = None

    def run_once(self, now: dt.datetime | None = None) -> Changes:
        """One pass over every elevator at ``now`` (the clock's time by default)."""
        now = now or self.clock()
        changes = Changes()
        after = ""
        while True:
            with writing(self.services) as session:
                batch = _batch(session, after)
                _apply(session, AlertSink.of(self.services), batch, self.rules, now, changes)
            if len(batch) < BATCH:
                break
            after = batch[-1].equipment.code
        self.last = changes
        self.swept.set()
        return changes

    def loop(self) -> BackgroundLoop:
        every = self.rules.sweep_every_seconds
        return BackgroundLoop(
            "equipment_rules",
            self.run_once,
            tick_s=every,
            min_backoff_s=min(every, 5.0),
            max_backoff_s=min(every, 60.0),
            stall_after_s=every * 2 + 60,
        )


def _batch(session: Session, after: str) -> list[Registered]:
    query = registered_query().where(col(Equipment.code) > after).order_by(col(Equipment.code)).limit(BATCH)
    return [Registered(*row) for row in session.exec(query).all()]


def _apply(
    session: Session,
    sink: AlertSink,
    batch: list[Registered],
    rules: EquipmentRules,
    now: dt.datetime,
    changes: Changes,
) -> None:
    contracts = contracts_of(session, [r.equipment.id for r in batch])
    alerts = open_alerts_of(session, [r.equipment.code for r in batch])
    for found in batch:
        code = found.equipment.code
        elevator = Elevator(session, sink, found, alerts.get(code, {}), changes)
        apply_maintenance_rules(elevator, rules, now)
        apply_contract_rules(elevator, contracts.get(found.equipment.id, []), rules, now)
