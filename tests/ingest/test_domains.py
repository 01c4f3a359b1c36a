"""Readings of a supervision domain's kind: taken exactly once like every reading, checked by the
domain before anything is written, then handed to it in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from sqlmodel import Session, col, select

from ingest import Message, Outcome
from ingest._process import rfc3339
from ingest.domains import DOMAINS
from trace_api.alerting import AlertSink, open_alert
from trace_api.coldchain import Alert, DeadLetter, SensorReading
from trace_api.devices import DeviceReading, ReadingDomain, ReadingRefused

from .conftest import MARKET, ColdStore

STALLS = {"A-01", "A-02"}


class Terminal:
    """A rapid-test domain as small as the hook needs: stalls it knows, failures it alerts on."""

    def __init__(self) -> None:
        self.taken: list[list[DeviceReading]] = []

    def check(self, session: Session, reading: DeviceReading) -> None:
        if reading.fields["stall"] not in STALLS:
            raise ReadingRefused("unknown_stall", f"stall: {reading.fields['stall']!r} is not a stall here")

    def take(
        self, session: Session, sink: AlertSink, readings: Sequence[DeviceReading], now: dt.datetime
    ) -> None:
        self.taken.append(list(readings))
        for reading in readings:
            if not reading.fields["passed"]:
                open_alert(
                    session, sink, org=reading.org, rule="rapid_test_failed", subject_type="stall",
                    subject_id=reading.fields["stall"], place=MARKET, detail=reading.fields["product"],
                    at=reading.at,
                )  # fmt: skip


@pytest.fixture
def terminal(cold_store: ColdStore, monkeypatch: pytest.MonkeyPatch) -> Terminal:
    cold_store.api.add_org("caishichang", "market")
    cold_store.add_device("caishichang", "kj-01", kinds=["rapid_test"], location=MARKET)
    domain = Terminal()
    monkeypatch.setitem(DOMAINS, "rapid_test", ReadingDomain(domain.check, domain.take))
    return domain


def _test(store: ColdStore, stall: str, value: float, *, seq: int | None = None, **extra: object) -> Message:
    body = {
        "sample": f"S-{stall}-{value:g}", "stall": stall, "product": "青菜", "method": "enzyme_inhibition",
        "value": value, "unit": "%", "threshold": 50, "passed": value < 50, **extra,
    }  # fmt: skip
    if seq is not None:
        body["seq"] = seq
    return store.message("kj-01", "rapid_test", **body)


def test_domain_readings_are_recorded_once_then_taken_by_their_domain_in_device_time(
    cold_store: ColdStore, terminal: Terminal
) -> None:
    earlier = cold_store.at(-60)
    late, early = _test(cold_store, "A-01", 62.5), _test(cold_store, "A-02", 12.0)
    early = Message(
        early.topic, early.payload.replace(rfc3339(cold_store.clock.now).encode(), rfc3339(earlier).encode())
    )

    first = cold_store.ingestor.ingest([late, early])
    again = cold_store.ingestor.ingest([late])
    with Session(cold_store.api.services.engine) as session:
        rows = session.exec(select(SensorReading).order_by(col(SensorReading.seq))).all()
        alerts = session.exec(select(Alert)).all()

    assert first.outcomes == [Outcome.recorded, Outcome.recorded], first.dead_reasons
    assert again.outcomes == [Outcome.duplicate]
    assert len(terminal.taken) == 1  # the redelivery reached nobody
    taken = terminal.taken[0]
    assert [r.fields["stall"] for r in taken] == ["A-02", "A-01"]  # in device time
    assert [r.record_id for r in taken] == [row.record_id for row in reversed(rows)]
    assert all(r.ledger_index >= 0 and r.kind == "rapid_test" for r in taken)
    assert taken[1].fields["value"] == 62.5
    assert taken[1].fields["unit"] == "%"
    assert [(row.kind, row.value) for row in rows] == [("rapid_test", 62.5), ("rapid_test", 12.0)]
    assert [(a.rule, a.subject_id, a.device_id) for a in alerts] == [("rapid_test_failed", "A-01", None)]


def test_a_reading_its_domain_refuses_is_a_dead_letter_and_nothing_of_it_is_written(
    cold_store: ColdStore, terminal: Terminal
) -> None:
    size = cold_store.api.services.ledger.size()
    result = cold_store.ingestor.ingest([_test(cold_store, "Z-99", 70.0), _test(cold_store, "A-01", 10.0)])
    with Session(cold_store.api.services.engine) as session:
        dead = session.exec(select(DeadLetter)).all()
        alerts = session.exec(select(Alert)).all()

    assert result.outcomes == [Outcome.dead_letter, Outcome.recorded]
    assert [(d.reason, d.detail) for d in dead] == [("unknown_stall", "stall: 'Z-99' is not a stall here")]
    assert [[r.fields["stall"] for r in batch] for batch in terminal.taken] == [["A-01"]]
    assert alerts == []
    assert cold_store.api.services.ledger.size() == size + 1


def test_a_rapid_test_whose_verdict_contradicts_its_figures_is_refused_naming_passed(
    cold_store: ColdStore, terminal: Terminal
) -> None:
    result = cold_store.ingestor.ingest([_test(cold_store, "A-01", 62.5, passed=True)])
    with Session(cold_store.api.services.engine) as session:
        dead = session.exec(select(DeadLetter)).one()

    assert result.outcomes == [Outcome.dead_letter]
    assert dead.reason == "schema"
    assert dead.detail == "passed: says passed, but value 62.5 against threshold 50 fails"
    assert terminal.taken == []
