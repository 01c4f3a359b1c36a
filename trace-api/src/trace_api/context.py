"""What every request handler needs, built once per app: settings, database, ledger, chain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from eth_account.signers.local import LocalAccount
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from chain import ChainClient, Keystore
from evidence import Ledger, LoopHealth, write_transaction

from ._settings import ServiceSettings

if TYPE_CHECKING:
    from .reconcile.service import Report


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

    def create_tables(self) -> None:
        """Brings the service's tables to the latest migration (the ledger keeps its own)."""
        from ._migrate import upgrade

        upgrade(self.engine)

    def account_of(self, handle: str) -> LocalAccount:
        """The organisation's chain signing key (held by the service for its members)."""
        return self.keystore.load(handle)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_session(request: Request) -> Iterator[Session]:
    """A session for reads (and writes that need no ledger record)."""
    with Session(get_services(request).engine) as session:
        yield session


def get_write_session(request: Request) -> Iterator[Session]:
    """A session inside one write transaction holding the ledger's writer lock.

    Domain rows and their ledger records (``ledger.append(..., conn=session.connection())``)
    commit together when the request succeeds, and roll back together when it fails. Use it
    as :data:`WriteSession`: its function scope commits before the answer is sent, so a
    failed commit is the answer (never a 2xx for rows that are not there).
    """
    with writing(get_services(request)) as session:
        yield session


@contextmanager
def writing(services: Services) -> Iterator[Session]:
    """A session in one write transaction holding the ledger's writer lock; it commits on leaving,
    and then wakes the chain worker for the chain calls the transaction may owe."""
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        yield session
        session.flush()  # the transaction itself commits as write_transaction closes
    services.chain_wake.set()


#: The session of every handler that writes: the writer lock is taken before the first read,
#: and the transaction commits when the handler returns, before its answer goes out.
WriteSession = Annotated[Session, Depends(get_write_session, scope="function")]
