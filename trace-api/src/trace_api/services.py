"""The services every part of the trace API works with, built once per process: settings, the
database and the evidence ledger, the chain client and keys, and one write transaction helper.

Domain code takes a :class:`Services`; the web layer (``context``) hands it to request handlers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlmodel import Session

from chain import ChainClient, ChainSession, Keystore
from evidence import Ledger, LoopHealth, open_ledger, write_transaction

from .settings import ServiceSettings

if TYPE_CHECKING:
    from .reconcile.service import Report

#: The keystore name of the account that deployed the contracts and grants members their roles.
REGULATOR_KEY = "regulator"


@dataclass
class Job:
    """Work a request started in a background thread of this process (an audit)."""

    #: Asks the thread to stop, and waits until it has.
    stop: Callable[[], None]
    #: Set when the thread has ended.
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Services:
    settings: ServiceSettings
    engine: Engine
    ledger: Ledger
    chain: ChainClient
    keystore: Keystore
    regulator_key: LocalAccount
    #: (tree size, root) of checkpoints already seen anchored on chain, with their block: roots
    #: are write-once on chain, so a consumer page need not ask the chain again.
    anchored_roots: dict[tuple[int, bytes], int] = field(default_factory=dict)

    #: The background loops working for this service (anchorer, deliveries): ``/readyz`` reads them.
    background: list[LoopHealth] = field(default_factory=list)
    #: Set after every committed write: wakes the chain worker for the chain calls it may owe.
    chain_wake: threading.Event = field(default_factory=threading.Event)
    #: The latest pass of the chain reconciler (``/readyz``, ``GET /v1/chain/differences``).
    reconcile_report: Report | None = None
    #: Facts the chain reconciler has replayed on chain since this service started, in all its passes.
    repaired_since_start: int = 0
    #: Background work requests started and that is still running, by id (audits): the app stops
    #: it when it stops; tests wait on ``done``.
    jobs: dict[str, Job] = field(default_factory=dict)

    def create_tables(self) -> None:
        """Brings the service's tables to the latest migration (the ledger keeps its own)."""
        from .migrate import upgrade

        upgrade(self.engine)

    def stop_jobs(self) -> None:
        """Stops the background work requests started, and waits for it."""
        for job in list(self.jobs.values()):
            job.stop()

    def account_of(self, handle: str) -> LocalAccount:
        """The organisation's chain signing key (held by the service for its members)."""
        return self.keystore.load(handle)


@contextmanager
def writing(services: Services) -> Iterator[Session]:
    """A session in one write transaction holding the ledger's writer lock; it commits on leaving,
    and then wakes the chain worker for the chain calls the transaction may owe."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        yield session
        session.flush()  # the transaction itself commits as write_transaction closes
    services.chain_wake.set()


def build_services(settings: ServiceSettings, session: ChainSession) -> Services:
    """Services over the configured database and ledger and the open chain session."""
    ledger = open_ledger(settings)
    services = Services(
        settings=settings,
        engine=ledger.engine,
        ledger=ledger,
        chain=session.client(),
        keystore=session.keystore,
        regulator_key=session.account(REGULATOR_KEY),
    )
    services.create_tables()
    return services
