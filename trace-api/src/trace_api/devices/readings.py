"""Device readings handed to the supervision domains.

The ingest worker takes every device message exactly once (by device and sequence number) and
records it as a ``reading.recorded`` ledger record. Readings of a domain's kind (a market's rapid
tests and weighings, a lift's fault events) then go to that domain, in the same transaction:

- before anything is written, ``check`` looks at one reading and raises :class:`ReadingRefused`
  when the domain cannot take it (a stall the market does not have): the message becomes a dead
  letter with that reason, nothing is recorded;
- after the readings are recorded, ``take`` applies them (the domain's own facts, alerts through
  ``trace_api.alerting``); an error there rolls the whole batch back, to be delivered again.

The checks of a batch run in one session, before the writer lock is taken, and the takes in
another, inside it; what the checks keep in ``Session.info`` is handed on to the takes' session,
so that a batch looks up its registry rows once. Keep only plain values and detached rows there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlmodel import Session

from ..orgs.models import Organisation
from .models import Device

if TYPE_CHECKING:
    from ..alerting import AlertSink


class ReadingRefused(Exception):
    """A reading the domain cannot take; ``reason`` is the dead letter's reason code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


class DeviceReading(NamedTuple):
    """One device message as a domain sees it (a named tuple: ingest makes two a reading)."""

    device: Device
    org: Organisation
    kind: str
    seq: int
    #: The reading's own time (UTC).
    at: dt.datetime
    #: The validated payload (``seq`` and ``time`` included).
    fields: Mapping[str, Any]
    #: The reading's own ledger record; empty and -1 while it is only checked.
    record_id: str = ""
    ledger_index: int = -1


ReadingCheck = Callable[[Session, DeviceReading], None]
ReadingTake = Callable[[Session, "AlertSink", Sequence[DeviceReading], dt.datetime], None]


@dataclass(frozen=True)
class ReadingDomain:
    """What one domain does with the readings of one kind."""

    check: ReadingCheck
    take: ReadingTake
