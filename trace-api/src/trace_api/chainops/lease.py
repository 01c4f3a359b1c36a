"""The chain lease: which process may send the chain calls facts owe, one at a time across replicas.

The chain worker holds it for a pass and gives it up when the pass ends; the reconciler holds it
while it replays what the node lost, so that nothing the worker sends overtakes a replay. A
holder renews it with every call it sends; one that died is taken over once its lease expires.
A holder that finds the lease taken over (it stalled past its expiry) stops sending.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
import uuid
from collections.abc import Callable

from sqlmodel import Session

from chain import ChainError

from ..services import Services, writing
from .models import ChainWorkerLease

LEASE_NAME = "chain"
#: How often a waiting holder asks for the lease again.
POLL_S = 0.2


class ChainBusy(ChainError):
    """The chain is busy: a transaction is still in flight, or another holder has the lease."""


class LeaseLost(ChainError):
    """The holder's lease expired or another holder has it, or another sender moved the operation
    on: this holder sends nothing more until it takes the lease again."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ChainLease:
    """The lease as one holder sees it; ``clock`` (aware UTC) decides when it expires."""

    def __init__(self, services: Services, role: str, *, clock: Callable[[], dt.datetime] = _now) -> None:
        self.services = services
        self.holder = f"{role}:{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"
        self.clock = clock

    def take(self) -> bool:
        """Takes the lease if it is free, expired or already ours; in its own write transaction."""
        with writing(self.services) as session:
            lease = session.get(ChainWorkerLease, LEASE_NAME)
            if self._held_by_another(lease):
                return False
            self._extend(session, lease)
            return True

    def wait(self, timeout_s: float) -> None:
        """Takes the lease, waiting at most ``timeout_s`` for its holder to give it up or expire.

        Raises :class:`ChainBusy` if it is still held then."""
        deadline = time.monotonic() + timeout_s
        while not self.take():
            if time.monotonic() >= deadline:
                raise ChainBusy(f"another sender has held the chain lease for more than {timeout_s:g} s")
            time.sleep(POLL_S)  # another process holds it: nothing in this one can wake us

    def renew(self, session: Session) -> None:
        """Extends the lease in the caller's write transaction before a call is sent.

        Raises :class:`ChainBusy` if another holder took it over meanwhile."""
        lease = session.get(ChainWorkerLease, LEASE_NAME)
        if self._held_by_another(lease):
            raise ChainBusy(f"the chain lease was taken over by {lease.holder if lease else '?'}")
        self._extend(session, lease)

    def fence(self, session: Session) -> None:
        """Raises :class:`LeaseLost` unless the lease, read in the caller's write transaction, is
        this holder's and unexpired: a holder that stalled past its expiry sends nothing more."""
        lease = session.get(ChainWorkerLease, LEASE_NAME)
        if lease is None or lease.holder != self.holder:
            holder = "nobody" if lease is None else lease.holder
            raise LeaseLost(f"the chain lease is held by {holder}, not {self.holder}")
        if lease.expires_at <= self.clock():
            raise LeaseLost(f"the chain lease of {self.holder} expired at {lease.expires_at}")

    def give_up(self) -> None:
        """Lets another holder take the lease at once (the row stays, naming its last holder)."""
        with writing(self.services) as session:
            lease = session.get(ChainWorkerLease, LEASE_NAME)
            if lease is not None and lease.holder == self.holder:
                lease.expires_at = self.clock()
                session.add(lease)

    def release(self) -> None:
        """Removes the lease if it is ours (at a clean stop)."""
        with writing(self.services) as session:
            lease = session.get(ChainWorkerLease, LEASE_NAME)
            if lease is not None and lease.holder == self.holder:
                session.delete(lease)

    def _held_by_another(self, lease: ChainWorkerLease | None) -> bool:
        return lease is not None and lease.holder != self.holder and lease.expires_at > self.clock()

    def _extend(self, session: Session, lease: ChainWorkerLease | None) -> None:
        until = self.clock() + dt.timedelta(seconds=self.services.settings.chain_lease_seconds)
        if lease is None:
            lease = ChainWorkerLease(name=LEASE_NAME, holder=self.holder, expires_at=until)
        lease.holder, lease.expires_at = self.holder, until
        session.add(lease)
