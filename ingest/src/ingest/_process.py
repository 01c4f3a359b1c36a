"""Taking device messages into the evidence ledger: one database transaction per batch of messages.

Within the transaction, each message is parsed, checked against the device registry, recognised
as a redelivery by (device, sequence number), linked to the batches staying at the device's place,
appended to the ledger as an EPCIS sensor event, and run through the alert rules; readings of a
supervision domain's kind then go to that domain (``ingest.domains``). Messages that cannot be
taken become dead letters in the same transaction. The notices of the alerts it opens or closes
are owed in that transaction too (``trace_api.notices``), and the notice sender delivers them
after commit, retrying until the broker and the webhooks accept them. The caller acknowledges the messages
to the broker only after :meth:`Ingestor.ingest` returns, so a crash at any point loses nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Engine, Table, bindparam, insert, update
from sqlmodel import Session, col, select

from evidence import Actor, BulkInsert, Ledger, Record, Subject, bulk_insert, rfc3339, write_transaction
from trace_api.alerting import AlertSink
from trace_api.coldchain import Alert, AlertState, DeadLetter, SensorReading, batches_at, held_at
from trace_api.coldchain.models import BatchStay
from trace_api.devices import Device, DeviceReading, ReadingRefused, alert_topic
from trace_api.facts import AlertClosed, AlertOpened, ReadingRecorded
from trace_api.notices import Owed, owe_notices
from trace_api.orgs.models import Organisation, OrgStatus

from .domains import DOMAINS
from .readings import Reading, ReadingError, Topic, measured_at, parse_reading, parse_topic, sensor_event
from .rules import AlertRules, RuleState, Transition, due, observe

READING_KIND = ReadingRecorded.KIND
READINGS: Table = SensorReading.__table__  # type: ignore[attr-defined]
STATES: Table = AlertState.__table__  # type: ignore[attr-defined]
#: A rule's state as stored, in the order :class:`RuleState` takes it.
STATE_VALUES = ("last_time", "pending_since", "worst_value", "alert_id")
#: A reading's row, made before the writer lock but for its ledger index (the last column).
READING_COLUMNS = (
    "device_id", "seq", "kind", "measured_at", "value", "unit", "payload_sha256", "record_id", "received_at",
    "ledger_index",
)  # fmt: skip
#: A dead letter keeps at most this much of its payload.
MAX_STORED_PAYLOAD = 64 * 1024
SILENT, DOOR, TEMPERATURE = "silent", "door_open", "temperature"
#: A domain reading's fields its record carries elsewhere (``ReadingRecorded.seq``, the record's time).
_ENVELOPED = frozenset({"seq", "time"})


class Message(NamedTuple):
    """A device message as the broker delivered it."""

    topic: str
    payload: bytes


class Outcome(StrEnum):
    recorded = "recorded"
    duplicate = "duplicate"
    dead_letter = "dead_letter"


@dataclass(frozen=True)
class Notice:
    """An alert's message on its topic, as the notice sender delivers it after commit (its
    deliveries are owed in the alert's transaction, on MQTT and the organisation's webhooks)."""

    topic: str
    body: dict[str, Any]


@dataclass
class IngestResult:
    outcomes: list[Outcome]
    #: The alerts' notices owed in the batch's transaction.
    notices: list[Notice] = field(default_factory=list)
    dead_reasons: list[str] = field(default_factory=list)


class _Source(NamedTuple):
    """What every reading of a batch needs of its device and organisation, read from their rows
    once per batch: plain values, not the rows' instrumented attributes."""

    device_id: str
    username: str
    #: Where the device's batches stay: (its organisation's id, its place).
    stay: tuple[str, str]
    uscc: str
    kinds: frozenset[str]
    #: Why none of its messages is heard (retired, its organisation suspended): the dead letter's
    #: reason and detail; None if they are heard.
    refusal: tuple[str, str] | None

    @classmethod
    def of(cls, device: Device, org: Organisation) -> _Source:
        username, refusal = device.username, None
        if device.retired_at is not None:
            refusal = ("retired_device", f"device {username} was retired")
        elif org.status is OrgStatus.suspended:
            heard = f"{org.handle} is suspended: its device {username} is not heard"
            refusal = ("organisation_suspended", heard)
        stay = (device.org_id, device.place)
        return cls(device.id, username, stay, org.uscc, device.kind_set, refusal)


@dataclass
class _Accepted:
    index: int
    message: Message
    device: Device
    org: Organisation
    source: _Source
    reading: Reading
    at: dt.datetime
    sha256: str
    #: The payload as a domain sees it (dumped once: checked, then taken); empty for other kinds.
    fields: dict[str, Any] = field(default_factory=dict)
    record: Record | None = None
    body: bytes = b""
    #: Its reading row but for the ledger index (:data:`READING_COLUMNS`), made before the lock.
    row: tuple[Any, ...] = ()

    def domain_reading(self, record_id: str = "", index: int = -1) -> DeviceReading:
        """The reading as its domain sees it (checked: no record yet; taken: its record)."""
        r = self.reading
        return DeviceReading(self.device, self.org, r.kind, r.seq, self.at, self.fields, record_id, index)

    @property
    def key(self) -> tuple[str, int]:
        """(device id, sequence number): the reading's identity."""
        return (self.source.device_id, self.reading.seq)


@dataclass
class _Prepared:
    """Messages parsed and their records built, before the write transaction."""

    count: int
    accepted: list[_Accepted]
    rejected: list[tuple[int, Message, ReadingError]]
    #: What the domains' checks looked up (``Session.info``), handed on to their takes.
    looked_up: dict[Any, Any] = field(default_factory=dict)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Ingestor:
    """Applies batches of device messages and the clock-driven alert rules to the ledger."""

    engine: Engine
    ledger: Ledger
    rules: AlertRules
    #: Base of the lots' GS1 Digital Link class identifiers in the EPCIS events.
    resolver: str
    clock: Callable[[], dt.datetime] = utcnow
    #: The broker alerts are told on (their notices are owed in the outbox, ``notices_owed``).
    mqtt_url: str | None = None

    def ingest(self, messages: Sequence[Message]) -> IngestResult:
        """Takes every message exactly once: recorded, recognised as a duplicate, or dead-lettered."""
        now = self.clock()
        # Parsing and building records needs no lock: other workers keep committing meanwhile.
        with Session(self.engine) as session:
            prepared = _Run(self, session, now).prepare(messages)
        with (
            write_transaction(self.engine, self.ledger.lock_name) as conn,
            Session(bind=conn, info=prepared.looked_up) as session,
        ):
            result = _Run(self, session, now).commit(prepared)
            session.flush()
        return result

    def dead_letter(self, message: Message, reason: str, detail: str) -> None:
        """Records one message as a dead letter on its own (when its batch could not be taken)."""
        with write_transaction(self.engine, self.ledger.lock_name) as conn, Session(bind=conn) as session:
            _Run(self, session, self.clock()).dead([(message, ReadingError(reason, detail[:1000]))])
            session.flush()

    def sweep(self) -> list[Notice]:
        """Opens the alerts that time alone makes due: doors left open, excursions, silent devices;
        returns their notices, owed in the same transaction."""
        with write_transaction(self.engine, self.ledger.lock_name) as conn, Session(bind=conn) as session:
            run = _Run(self, session, self.clock())
            notices = run.sweep()
            session.flush()
        return notices


class _Run:
    """One transaction's worth of work."""

    def __init__(self, ingestor: Ingestor, session: Session, now: dt.datetime) -> None:
        self.ingestor, self.session, self.now = ingestor, session, now
        self.notices: list[Notice] = []
        self._owed: list[Owed] = []

    # -- messages ------------------------------------------------------------------------------

    def prepare(self, messages: Sequence[Message]) -> _Prepared:
        """Parses every message and builds the records of the acceptable ones (reads only)."""
        rejected: list[tuple[int, Message, ReadingError]] = []
        parsed: list[tuple[int, Message, Topic]] = []
        for i, message in enumerate(messages):
            try:
                parsed.append((i, message, parse_topic(message.topic)))
            except ReadingError as exc:
                rejected.append((i, message, exc))
        devices = self._devices({t.username for _, _, t in parsed})
        accepted: list[_Accepted] = []
        for i, message, topic in parsed:
            try:
                accepted.append(self._accept(i, message, topic, devices))
            except ReadingError as exc:
                rejected.append((i, message, exc))
        self._build_records(accepted)
        return _Prepared(len(messages), accepted, rejected, dict(self.session.info))

    def commit(self, prepared: _Prepared) -> IngestResult:
        """Records what is new, recognises duplicates, dead-letters the rest (inside the write lock)."""
        outcomes = [Outcome.recorded] * prepared.count
        rejected = list(prepared.rejected)
        fresh, duplicates, reused = self._deduplicate(prepared.accepted)
        for item in duplicates:
            outcomes[item.index] = Outcome.duplicate
        for a in reused:
            detail = f"seq {a.reading.seq} of {a.device.username} was recorded before with other content"
            rejected.append((a.index, a.message, ReadingError("sequence_reused", detail)))
        self._record(fresh)
        for i, _, _ in rejected:
            outcomes[i] = Outcome.dead_letter
        self.dead([(m, e) for _, m, e in rejected])
        self._owe_notices()
        return IngestResult(outcomes, self.notices, [e.reason for _, _, e in sorted(rejected, key=_first)])

    def _devices(self, usernames: set[str]) -> dict[str, tuple[Device, Organisation, _Source]]:
        found = self._devices_where(col(Device.username).in_(usernames))
        return {d.username: (d, o, _Source.of(d, o)) for d, o in found}

    def _devices_where(self, condition: ColumnElement[bool]) -> list[tuple[Device, Organisation]]:
        query = select(Device, Organisation).join(Organisation, col(Organisation.id) == Device.org_id)
        return list(self.session.exec(query.where(condition)).all())

    def _accept(
        self,
        index: int,
        message: Message,
        topic: Topic,
        devices: dict[str, tuple[Device, Organisation, _Source]],
    ) -> _Accepted:
        found = devices.get(topic.username)
        if found is None:
            raise ReadingError("unknown_device", f"no device {topic.username!r} is registered")
        device, org, source = found
        if source.refusal is not None:
            raise ReadingError(*source.refusal)
        if topic.kind not in source.kinds:
            raise ReadingError(
                "kind_not_allowed", f"{topic.username} is not registered to publish {topic.kind}"
            )
        reading = parse_reading(topic.kind, message.payload, self.now)
        at = measured_at(reading)
        sha = hashlib.sha256(message.payload).hexdigest()
        domain = DOMAINS.get(topic.kind)
        if domain is None:
            return _Accepted(index, message, device, org, source, reading, at, sha)
        fields = reading.model_dump(mode="json", by_alias=True)
        item = _Accepted(index, message, device, org, source, reading, at, sha, fields)
        try:
            domain.check(self.session, item.domain_reading())
        except ReadingRefused as exc:
            raise ReadingError(exc.reason, exc.detail) from exc
        return item

    def _deduplicate(
        self, accepted: list[_Accepted]
    ) -> tuple[list[_Accepted], list[_Accepted], list[_Accepted]]:
        """(new readings, redeliveries, sequence numbers reused with other content)."""
        seen: dict[tuple[str, int], str] = {}
        if accepted:
            query = select(SensorReading.device_id, SensorReading.seq, SensorReading.payload_sha256).where(
                col(SensorReading.device_id).in_({a.source.device_id for a in accepted}),
                col(SensorReading.seq).in_({a.reading.seq for a in accepted}),
            )
            seen = {(d, s): sha for d, s, sha in self.session.exec(query)}
        fresh, duplicates, reused = [], [], []
        for item in accepted:
            key = item.key
            if key not in seen:
                seen[key] = item.sha256
                fresh.append(item)
            elif seen[key] == item.sha256:
                duplicates.append(item)
            else:
                reused.append(item)
        return fresh, duplicates, reused

    def _build_records(self, accepted: list[_Accepted]) -> None:
        if not accepted:
            return
        stays = batches_at(
            self.session,
            {a.source.stay for a in accepted},
            min(a.at for a in accepted),
            max(a.at for a in accepted),
        )
        rows = self._readings_insert()
        for item in accepted:
            item.record = record = self._reading_record(item, stays.get(item.source.stay, []))
            item.body = record.canonical_bytes()
            reading = item.reading
            item.row = rows.values(
                (item.source.device_id, reading.seq, reading.kind, item.at, reading.value, reading.unit,
                 item.sha256, record.record_id, self.now),
            )  # fmt: skip

    def _readings_insert(self) -> BulkInsert:
        return bulk_insert(self.ingestor.engine.dialect, READINGS, READING_COLUMNS)

    def _record(self, fresh: list[_Accepted]) -> None:
        if not fresh:
            return
        records = [a.record for a in fresh if a.record is not None]
        receipts = self.ingestor.ledger.append_many(
            records, conn=self.session.connection(), bodies=[a.body for a in fresh]
        )
        rows = self._readings_insert()
        last = len(READING_COLUMNS) - 1
        rows.run(
            self.session.connection(),
            [a.row + rows.values((r.index,), last) for a, r in zip(fresh, receipts, strict=True)],
        )
        self._apply_rules(fresh)
        self._to_domains(fresh, [(r.record_id, r.index) for r in receipts])

    def _to_domains(self, fresh: list[_Accepted], recorded: list[tuple[str, int]]) -> None:
        """Hands the readings of each domain's kind to that domain, in device time."""
        by_kind: dict[str, list[DeviceReading]] = {}
        for a, (record_id, index) in sorted(zip(fresh, recorded, strict=True), key=lambda p: p[0].at):
            if a.reading.kind in DOMAINS:
                by_kind.setdefault(a.reading.kind, []).append(a.domain_reading(record_id, index))
        sink = AlertSink(self.ingestor.ledger, self.ingestor.mqtt_url)
        for kind, readings in by_kind.items():
            DOMAINS[kind].take(self.session, sink, readings, self.now)

    def _reading_record(self, item: _Accepted, stays: list[BatchStay]) -> Record:
        reading, source = item.reading, item.source
        username = source.username
        batch_ids = held_at(stays, item.at)
        actor, *subjects = _identity(username, source.uscc)
        subjects += [Subject(type="monitored_batch", id=b) for b in batch_ids]
        event = sensor_event(
            reading, username=username, place=source.stay[1], batch_ids=batch_ids,
            resolver=self.ingestor.resolver,
        )  # fmt: skip
        details = {k: v for k, v in item.fields.items() if k not in _ENVELOPED} if item.fields else None
        return Record(
            kind=READING_KIND,
            record_id=f"reading:{username}:{reading.seq}",
            time=reading.time,
            actor=actor,
            subjects=subjects,
            payload=ReadingRecorded.payload_of(username, reading.seq, batch_ids, event, details),
        )

    # -- alert rules ---------------------------------------------------------------------------

    def _states(self, device_ids: Iterable[str]) -> dict[tuple[str, str], tuple[Any, ...]]:
        """The stored state of each rule of the devices, by (device id, rule): its :data:`STATE_VALUES`."""
        c = STATES.c
        query = select(c.device_id, c.rule, *(c[name] for name in STATE_VALUES))
        rows = self.session.connection().execute(query.where(c.device_id.in_(set(device_ids))))
        return {(device_id, rule): tuple(values) for device_id, rule, *values in rows}

    def _apply_rules(self, fresh: list[_Accepted]) -> None:
        """Runs every reading through its rules, in device time; rule states are written once."""
        stored = self._states(a.source.device_id for a in fresh)
        states = {key: RuleState(*values) for key, values in stored.items()}
        rules = self.ingestor.rules
        for item in sorted(fresh, key=lambda a: (a.source.device_id, a.at)):
            self._observe(states, item, SILENT, False, None, 0.0, True)
            value = item.reading.value
            if item.reading.kind == "temperature" and value is not None:
                rule = rules.temperature[item.device.storage_class]
                too_cold = rule.min_celsius is not None and value < rule.min_celsius
                self._observe(
                    states, item, TEMPERATURE, not rule.in_range(value), value, rule.for_seconds, not too_cold
                )
            elif item.reading.kind == "door":
                self._observe(states, item, DOOR, value == 1.0, None, rules.door_open_seconds, True)
        self._write_states(stored, states)

    def _write_states(
        self, stored: dict[tuple[str, str], tuple[Any, ...]], states: dict[tuple[str, str], RuleState]
    ) -> None:
        """The rule states the readings changed: those stored updated, the new ones inserted, in one
        statement each."""
        changed, new = [], []
        for (device_id, rule), state in states.items():
            now = (state.last_time, state.pending_since, state.worst, state.alert_id)
            before = stored.get((device_id, rule))
            if before is None:
                new.append({"device_id": device_id, "rule": rule, **_state_values(now)})
            elif now != before:
                changed.append({"at_device_id": device_id, "at_rule": rule, **_state_values(now)})
        conn = self.session.connection()
        if new:
            conn.execute(insert(STATES), new)
        if changed:
            c = STATES.c
            where = (c.device_id == bindparam("at_device_id")) & (c.rule == bindparam("at_rule"))
            conn.execute(update(STATES).where(where), changed)

    def _observe(
        self,
        states: dict[tuple[str, str], RuleState],
        item: _Accepted,
        rule: str,
        bad: bool,
        value: float | None,
        limit_s: float,
        higher_is_worse: bool,
    ) -> None:
        state = states.get((item.source.device_id, rule))
        if state is None:
            state = states[(item.source.device_id, rule)] = RuleState(item.at)
        change = observe(state, item.at, bad, value, limit_s, higher_is_worse)
        if change is not None:
            self._transition(item.device, item.org, rule, state, change, item.at, value)

    def sweep(self) -> list[Notice]:
        rules = self.ingestor.rules
        rows = list(self.session.exec(select(AlertState).where(col(AlertState.alert_id).is_(None))))
        devices = self._devices_by_id({r.device_id for r in rows})
        for row in rows:
            if row.device_id not in devices:
                continue
            device, org = devices[row.device_id]
            if device.retired_at is not None or org.status is OrgStatus.suspended:
                continue  # not heard: its silence is no alert
            state = RuleState(row.last_time, row.pending_since, row.worst_value, row.alert_id)
            if row.rule == SILENT:
                state.pending_since = row.last_time
                limit = rules.silent_seconds
            elif row.rule == TEMPERATURE:
                limit = rules.temperature[device.storage_class].for_seconds
            else:
                limit = rules.door_open_seconds
            change = due(state, self.now, limit)
            if change is None:
                continue
            self._transition(device, org, row.rule, state, change, self.now, None)
            _store(state, row)
            self.session.add(row)
        self._owe_notices()
        return self.notices

    def _devices_by_id(self, ids: set[str]) -> dict[str, tuple[Device, Organisation]]:
        return {d.id: (d, o) for d, o in self._devices_where(col(Device.id).in_(ids))}

    def _transition(
        self,
        device: Device,
        org: Organisation,
        rule: str,
        state: RuleState,
        change: Transition,
        at: dt.datetime,
        value: float | None,
    ) -> None:
        if change.action == "open":
            state.alert_id = self._open_alert(device, org, rule, change, at)
        else:
            assert state.alert_id is not None
            self._close_alert(device, org, state.alert_id, at, change.worst)
            state.alert_id = None

    def _detail(self, device: Device, rule: str) -> str:
        where = device.location or f"vehicle {device.vehicle}"
        if rule == TEMPERATURE:
            limits = self.ingestor.rules.temperature[device.storage_class]
            held = f"{device.storage_class.value} goods at {where}"
            return f"{held} {limits.describe()} for over {limits.for_seconds:g} s"
        if rule == DOOR:
            return f"door at {where} open for over {self.ingestor.rules.door_open_seconds:g} s"
        return f"{device.username} silent for over {self.ingestor.rules.silent_seconds:g} s"

    def _open_alert(
        self, device: Device, org: Organisation, rule: str, change: Transition, at: dt.datetime
    ) -> str:
        alert_id = uuid.uuid4().hex
        detail = self._detail(device, rule)
        stays = batches_at(self.session, [(device.org_id, device.place)], at, at)
        batch_ids = held_at(stays.get((device.org_id, device.place), []), at)
        record_id = f"alert:{alert_id}:opened"
        opened = AlertOpened(
            alert_id=alert_id,
            rule=rule,
            device=device.username,
            place=device.place,
            storage_class=device.storage_class.value,
            detail=detail,
            started_at=rfc3339(change.started),
            worst_value=change.worst,
            batches=batch_ids,
        )
        self._append_alert(opened, record_id, device, org, at, batch_ids)
        self.session.add(
            Alert(
                id=alert_id, org_id=org.id, device_id=device.id, rule=rule, place=device.place,
                detail=detail, started_at=change.started, opened_at=at, worst_value=change.worst,
                batch_ids=",".join(batch_ids)[:4000], open_record_id=record_id,
            )
        )  # fmt: skip
        return alert_id

    def _close_alert(
        self, device: Device, org: Organisation, alert_id: str, at: dt.datetime, worst: float | None
    ) -> None:
        alert = self.session.get(Alert, alert_id)
        assert alert is not None
        record_id = f"alert:{alert_id}:closed"
        batch_ids = [b for b in alert.batch_ids.split(",") if b]
        closed = AlertClosed(
            alert_id=alert_id,
            rule=alert.rule,
            device=device.username,
            place=device.place,
            detail=alert.detail,
            started_at=rfc3339(alert.started_at),
            closed_at=rfc3339(at),
            worst_value=worst,
            batches=batch_ids,
        )
        self._append_alert(closed, record_id, device, org, at, batch_ids)
        alert.closed_at, alert.close_record_id, alert.worst_value = at, record_id, worst
        self.session.add(alert)

    def _append_alert(
        self,
        fact: AlertOpened | AlertClosed,
        record_id: str,
        device: Device,
        org: Organisation,
        at: dt.datetime,
        batch_ids: list[str],
    ) -> None:
        kind, payload = fact.KIND, fact.payload()
        subjects = [Subject(type="device", id=device.username), Subject(type="org", id=org.uscc)]
        subjects += [Subject(type="batch", id=b) for b in batch_ids]
        record = Record(
            kind=kind,
            record_id=record_id,
            time=rfc3339(at),
            actor=Actor(org=org.uscc, key_id=f"rule:{fact.rule}"),
            subjects=subjects,
            payload=payload,
        )
        receipt = self.ingestor.ledger.append(record, conn=self.session.connection())
        message = {"organisation": org.handle, "record_id": record_id, "index": receipt.index, **payload}
        topic = alert_topic(org.handle)
        self._owed.append(Owed(kind, org, topic, message, record_id, self.now))
        self.notices.append(Notice(topic, {"event": kind, **message}))

    def _owe_notices(self) -> None:
        """The alerts' notices, owed in one statement in the transaction that opened or closed them."""
        owe_notices(self.session, self._owed, mqtt_url=self.ingestor.mqtt_url)
        self._owed = []

    # -- dead letters --------------------------------------------------------------------------

    def dead(self, rejected: Sequence[tuple[Message, ReadingError]]) -> None:
        """Keeps each rejected message once, counting every time it came (a batch may hold it twice)."""
        if not rejected:
            return
        keyed: dict[str, tuple[Message, ReadingError, int]] = {}
        for message, error in rejected:
            sha = _message_sha(message)
            seen = keyed.get(sha)
            keyed[sha] = (message, error, 1 if seen is None else seen[2] + 1)
        query = select(DeadLetter).where(col(DeadLetter.message_sha256).in_(keyed))
        existing = {d.message_sha256: d for d in self.session.exec(query)}
        for sha, (message, error, times) in keyed.items():
            letter = existing.get(sha)
            if letter is not None:
                letter.repeats += times
                letter.last_received_at = self.now
                self.session.add(letter)
                continue
            org, device = _topic_names(message.topic)
            self.session.add(
                DeadLetter(
                    message_sha256=sha,
                    topic=message.topic[:400],
                    payload=message.payload[:MAX_STORED_PAYLOAD],
                    reason=error.reason,
                    detail=error.detail[:1000],
                    org_handle=org,
                    device_name=device,
                    received_at=self.now,
                    repeats=times,
                    last_received_at=self.now,
                )
            )


def _state_values(values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(STATE_VALUES, values, strict=True))


def _store(state: RuleState, row: AlertState) -> None:
    row.last_time, row.pending_since, row.worst_value, row.alert_id = (
        state.last_time, state.pending_since, state.worst, state.alert_id,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _identity(username: str, uscc: str) -> tuple[Actor, Subject, Subject]:
    """A device's readings' actor and first subjects (the device, its organisation), made once."""
    return (
        Actor(org=uscc, key_id=f"device:{username}"),
        Subject(type="device", id=username),
        Subject(type="org", id=uscc),
    )


def _first(item: tuple[int, Message, ReadingError]) -> int:
    return item[0]


def _message_sha(message: Message) -> str:
    return hashlib.sha256(message.topic.encode() + b"\0" + message.payload).hexdigest()


def _topic_names(topic: str) -> tuple[str | None, str | None]:
    parts = topic.split("/")
    if len(parts) >= 4 and parts[0] == "suyuan" and parts[1] == "v1":
        return parts[2][:64], parts[3][:63]
    return None, None
