"""The risk engine over the ledger: reads the records its rules need from a cursor over the log's
index, feeds them to the :class:`~.engine.RiskEngine`, and records the warnings they raise.

One pass reads a batch after the cursor (never the log from its start), evaluates it outside the
writer lock, then in one write transaction checks that the cursor is still where it read from,
appends one ``risk.warning_raised`` record per warning, writes their rows and the notices owed to
the regulators (MQTT and webhooks, sent after commit by the notice worker), the rule states that
changed and the cursor. A pass that fails commits none of it, and the engine reloads its state; so
after a crash or on another replica taking over, each record is read exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from evidence import Actor, BackgroundLoop, Record, StoredRecord, Subject, rfc3339

from ..devices.service import TOPIC_ROOT
from ..notices import Owed, owe_notices
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..services import Services, writing
from .engine import Observed, Raised, RiskEngine, StateKey
from .facts import WarningRaised
from .models import RiskCursor, RiskRuleState, RiskWarning, WarningStatus
from .rules import RuleSet

CURSOR = "default"
BATCH = 2000
Clock = Callable[[], dt.datetime]


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def warning_topic(org_handle: str) -> str:
    """The MQTT topic a regulator's risk warnings are published on."""
    return f"{TOPIC_ROOT}/{org_handle}/risk"


def observed(stored: StoredRecord) -> Observed:
    body = json.loads(stored.body)
    return Observed(
        stored.index,
        stored.record_id,
        stored.kind,
        body["time"],
        body.get("payload") or {},
        body["actor"]["org"],
    )


@dataclass(frozen=True)
class Progress:
    """Where the engine stands: the next index it reads, and the log's size when it looked."""

    next_index: int
    ledger_size: int
    records_read: int
    warnings_raised: int
    rules_version: str

    @property
    def behind(self) -> int:
        return max(0, self.ledger_size - self.next_index)

    def describe(self) -> dict[str, object]:
        return {
            "next_index": self.next_index, "ledger_size": self.ledger_size, "behind": self.behind,
            "records_read": self.records_read, "warnings_raised": self.warnings_raised,
            "rules_version": self.rules_version,
        }  # fmt: skip


class RiskEvaluator:
    """Evaluates the rules over the log: a pass (:meth:`run_once`) or a loop (:meth:`loop`)."""

    def __init__(
        self, services: Services, rules: RuleSet, *, batch: int = BATCH, clock: Clock = utc_clock,
        every_seconds: float = 2.0,
    ) -> None:  # fmt: skip
        self.services = services
        self.rules = rules
        self.batch = batch
        self.clock = clock
        self.every_seconds = every_seconds
        self._engine: RiskEngine | None = None
        self._cursor = 0
        self._kinds = sorted(rules.kinds())
        #: Set after every completed pass (tests wait on it rather than on time).
        self.passed = threading.Event()

    def run_once(self) -> list[RiskWarning]:
        """Reads every record after the cursor, batch by batch; answers the warnings raised."""
        raised: list[RiskWarning] = []
        while True:
            done, more = self.step()
            raised += done
            if not more:
                break
        self.passed.set()
        return raised

    def step(self) -> tuple[list[RiskWarning], bool]:
        """One batch: the warnings it raised, and whether more records may wait."""
        engine = self._engine or self._load()
        start = self._cursor
        records, next_index = self.services.ledger.records_from(start, self.batch, self._kinds)
        try:
            found = engine.feed_all(observed(r) for r in records)
            warnings, self._cursor = self._commit(engine, start, next_index, len(records), found)
        except BaseException:
            self._engine = None  # the state in memory ran ahead of what is stored
            raise
        return warnings, len(records) == self.batch

    def progress(self) -> Progress:
        with Session(self.services.engine) as session:
            cursor = session.get(RiskCursor, CURSOR)
        size = self.services.ledger.size()
        if cursor is None:
            return Progress(0, size, 0, 0, self.rules.version)
        return Progress(
            cursor.next_index, size, cursor.records_read, cursor.warnings_raised, cursor.rules_version
        )

    def loop(self) -> BackgroundLoop:
        every = self.every_seconds
        return BackgroundLoop(
            "risk_rules", self.run_once, tick_s=every, min_backoff_s=every, max_backoff_s=60.0,
            stall_after_s=every * 2 + 120,
        )  # fmt: skip

    def _load(self) -> RiskEngine:
        with Session(self.services.engine) as session:
            cursor = session.get(RiskCursor, CURSOR)
            rows = session.exec(select(RiskRuleState)).all()
            states = {(r.rule_id, r.group_key): json.loads(r.state) for r in rows}
        self._cursor = cursor.next_index if cursor else 0
        self._engine = RiskEngine(self.rules, states)
        return self._engine

    def _commit(
        self, engine: RiskEngine, start: int, next_index: int, read: int, found: list[Raised]
    ) -> tuple[list[RiskWarning], int]:
        now = self.clock()
        with writing(self.services) as session:
            cursor = session.get(RiskCursor, CURSOR)
            if (cursor.next_index if cursor else 0) != start:
                raise CursorMoved(f"the risk cursor moved from {start}: another process evaluated the log")
            warnings = _record_warnings(self.services, session, self.rules, found, now)
            if warnings and warnings[0].ledger_index == next_index:
                next_index = warnings[-1].ledger_index + 1  # nothing came between: skip its own
            _store_states(session, engine.take_changes())
            if cursor is None:
                cursor = RiskCursor(
                    name=CURSOR, next_index=0, rules_version=self.rules.version, updated_at=now
                )
            cursor.next_index = next_index
            cursor.rules_version = self.rules.version
            cursor.records_read += read
            cursor.warnings_raised += len(warnings)
            cursor.updated_at = now
            session.add(cursor)
        return warnings, next_index


class CursorMoved(RuntimeError):
    """Another process moved the cursor since this one read it; this one's state is stale."""


def _store_states(session: Session, changes: dict[StateKey, dict[str, object] | None]) -> None:
    if not changes:
        return
    keys = list(changes)
    for n in range(0, len(keys), 500):
        chunk = keys[n : n + 500]
        for rule_id in {k[0] for k in chunk}:
            groups = [k[1] for k in chunk if k[0] == rule_id]
            session.execute(
                delete(RiskRuleState).where(
                    col(RiskRuleState.rule_id) == rule_id, col(RiskRuleState.group_key).in_(groups)
                )
            )
    session.add_all(
        RiskRuleState(rule_id=k[0], group_key=k[1], state=json.dumps(s, separators=(",", ":")))
        for k, s in changes.items()
        if s is not None
    )


def warning_id_of(raised: Raised) -> str:
    """A warning's id, from what raised it (the same rule, group and record give the same id)."""
    seed = f"{raised.rule.id}\n{raised.group}\n{raised.record.record_id}".encode()
    return "RW-" + hashlib.sha256(seed).hexdigest()[:20]


def _record_warnings(
    services: Services, session: Session, rules: RuleSet, found: list[Raised], now: dt.datetime
) -> list[RiskWarning]:
    if not found:
        return []
    orgs = _orgs_by_uscc(session, {r.record.actor_org for r in found})
    records, rows = [], []
    for raised in found:
        org = orgs.get(raised.record.actor_org)
        warning_id = warning_id_of(raised)
        fact = WarningRaised(
            warning_id=warning_id, rule=raised.rule.id, rule_version=raised.rule.version,
            rules_version=rules.version, level=raised.rule.level.value, title=raised.rule.title,
            message=raised.rule.message, group=raised.group, evidence=list(raised.evidence),
            trigger_index=raised.record.index, organisation=org.handle if org else None,
            jurisdiction=org.jurisdiction if org else None,
        )  # fmt: skip
        subjects = [Subject(type="risk_warning", id=warning_id)]
        if org is not None:
            subjects.append(Subject(type="org", id=org.uscc))
        record = Record(
            kind=WarningRaised.KIND, record_id=f"risk.warning_raised:{warning_id}", time=rfc3339(now),
            actor=Actor(org=services.ledger.origin, key_id=f"risk:{raised.rule.id}"),
            subjects=subjects, payload=fact.payload(),
        )  # fmt: skip
        records.append(record)
        rows.append((fact, org))
    receipts = services.ledger.append_many(records, conn=session.connection())
    warnings = [
        RiskWarning(
            id=fact.warning_id,
            rule_id=fact.rule,
            rule_version=fact.rule_version,
            level=fact.level,
            title=fact.title,
            message=fact.message,
            group_key=fact.group,
            evidence=json.dumps(fact.evidence),
            org_id=org.id if org else None,
            jurisdiction=fact.jurisdiction,
            status=WarningStatus.open,
            record_id=receipt.record_id,
            ledger_index=receipt.index,
            raised_at=now,
            updated_at=now,
        )
        for (fact, org), receipt in zip(rows, receipts, strict=True)
    ]
    session.add_all(warnings)
    _owe_notices(services, session, [(w, f) for w, (f, _) in zip(warnings, rows, strict=True)], now)
    return warnings


def _orgs_by_uscc(session: Session, usccs: Iterable[str]) -> dict[str, Organisation]:
    found = session.exec(select(Organisation).where(col(Organisation.uscc).in_(list(usccs))))
    return {org.uscc: org for org in found}


def _owe_notices(
    services: Services, session: Session, warnings: list[tuple[RiskWarning, WarningRaised]], now: dt.datetime
) -> None:
    """Each warning is owed to the active regulators of its jurisdiction (every regulator, where
    the warning names none)."""
    query = select(Organisation).where(
        Organisation.org_type == OrgType.regulator, Organisation.status == OrgStatus.active
    )
    regulators = list(session.exec(query))
    owed = []
    for warning, fact in warnings:
        message = {"event": WarningRaised.KIND, "record_id": warning.record_id, **fact.payload()}
        owed += [
            Owed(WarningRaised.KIND, reg, warning_topic(reg.handle), message, warning.record_id, now)
            for reg in regulators
            if warning.jurisdiction is None or reg.jurisdiction == warning.jurisdiction
        ]
    owe_notices(session, owed, mqtt_url=services.settings.mqtt_url)
