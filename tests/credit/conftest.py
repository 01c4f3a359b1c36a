"""Credit grading over the real trace API (real anvil, database and ledger), with a clock the
tests move. Evidence is appended to the ledger as the domains write it (their fact models, their
subjects and actors), or made through a domain's API where the test says so."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from evidence import Actor, Record, Subject, rfc3339, write_transaction
from tests.api.conftest import Api
from tests.api.conftest import api as api  # the trace API (a fixture)
from trace_api.credit import CreditGrader, Pass, Scorecard
from trace_api.facts import AlertOpened, Fact, IncidentDetected, IncidentRectified, IncidentReviewed

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
_serial = itertools.count(1)


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def assert_explained(graded: dict[str, Any], score: int) -> None:
    """The explanation sums to the score: base plus every factor's points."""
    assert graded["base"] + sum(f["points"] for f in graded["factors"]) == score


@dataclass
class Credit:
    """Evidence for the grader, the grader run at the clock's time, and the grades read back."""

    api: Api
    clock: Clock = field(default_factory=Clock)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def grader(self, scorecard: Scorecard | None = None) -> CreditGrader:
        return CreditGrader(self.api.services.ledger, scorecard, clock=self.clock)

    def regrade(self, scorecard: Scorecard | None = None) -> Pass:
        return self.grader(scorecard).run_once()

    def org(self, handle: str, org_type: str = "restaurant") -> dict[str, Any]:
        self.orgs[handle] = self.api.add_org(handle, org_type)
        return self.orgs[handle]

    def append(
        self, fact: Fact, actor: str, subjects: Iterable[Subject] = (), kind: str | None = None
    ) -> str:
        record_id = f"test:{next(_serial)}"
        record = Record(
            kind=kind or fact.KIND,
            record_id=record_id,
            time=rfc3339(self.clock.now),
            actor=Actor(org=actor, key_id="test"),
            subjects=list(subjects),
            payload=fact.payload(),
        )
        ledger = self.api.services.ledger
        with write_transaction(ledger.engine, ledger.lock_name) as conn:
            ledger.append(record, conn=conn)
        return record_id

    def inspectors(self, *entries: str, regulator: str = "samr") -> list[str]:
        """Registers inspectors of ``regulator``, each given as ``<name> <badge number>``."""
        for entry in entries:
            name, badge = entry.rsplit(" ", 1)
            body = {"name": name, "badge_no": badge}
            added = self.api.as_org(regulator, "POST", "/v1/enforcement/inspectors", json=body)
            assert added.status_code == 201, added.text
        return list(entries)

    def uscc(self, handle: str) -> str:
        return str(self.orgs[handle]["uscc"])

    def incident(self, handle: str, violation: str = "no_hat") -> tuple[str, str]:
        """A kitchen camera's incident against the restaurant: (incident id, record id)."""
        incident_id = f"inc-{next(_serial)}"
        at = rfc3339(self.clock.now)
        fact = IncidentDetected(
            incident_id=incident_id, camera=f"{handle}/cam1", organisation=handle, place="后厨",
            location=None, violation=violation, started_at=at, ended_at=at, confidence=0.9,
            frames_seen=3, boxes=[], snapshot_sha256="0" * 64, snapshot_type="image/jpeg",
            frame_sha256="1" * 64, frame_document_sha256="2" * 64, frame_at=at,
            frame_position="frame 60", frame_size=[640, 480], model_sha256="3" * 64, model_version="test",
        )  # fmt: skip
        subjects = [Subject(type="incident", id=incident_id), Subject(type="org", id=self.uscc(handle))]
        return incident_id, self.append(fact, self.uscc(handle), subjects)

    def rectified(self, handle: str, incident_id: str) -> str:
        fact = IncidentRectified(
            rectification_id=f"rect-{next(_serial)}", incident_id=incident_id, incident_record_id="x",
            incident_ledger_index=0, camera=f"{handle}/cam1", organisation=handle, violation="no_hat",
            note="已整改", photo_sha256="4" * 64,
        )  # fmt: skip
        return self.append(fact, self.uscc(handle), [Subject(type="incident", id=incident_id)])

    def reviewed(self, handle: str, incident_id: str, decision: str) -> str:
        fact = IncidentReviewed(
            review_id=f"rev-{next(_serial)}", incident_id=incident_id, rectification_id="r",
            rectification_record_id="x", rectification_ledger_index=0, camera=f"{handle}/cam1",
            organisation=handle, violation="no_hat", decision=decision, note="审核",
        )  # fmt: skip
        return self.append(fact, "regulator", [Subject(type="incident", id=incident_id)])

    def alert(self, handle: str, rule: str) -> str:
        """An ``alert.opened`` against the organisation (its actor), as ingest and the domains write it."""
        fact = AlertOpened(
            alert_id=f"alert-{next(_serial)}", rule=rule, device=f"{handle}/probe", place="冷库",
            detail="−12.0 °C", started_at=rfc3339(self.clock.now),
        )  # fmt: skip
        return self.append(fact, self.uscc(handle), [Subject(type="org", id=self.uscc(handle))])

    def grade(self, handle: str, as_org: str | None = None) -> Any:
        return self.api.as_org(as_org or handle, "GET", f"/v1/credit/grades/{handle}")

    def graded_records(self, handle: str) -> list[dict[str, Any]]:
        """The ``credit.graded`` payloads of the organisation, in ledger order."""
        found = self.api.services.ledger.about("credit", self.uscc(handle))
        return [stored.record().payload for stored in found]


@pytest.fixture
def credit(api: Api) -> Credit:
    return Credit(api)
