"""What every request handler needs: the services, a read session, or a write session that
commits before the answer goes out (FastAPI dependencies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from .services import Services, writing


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


#: The session of every handler that writes: the writer lock is taken before the first read,
#: and the transaction commits when the handler returns, before its answer goes out.
WriteSession = Annotated[Session, Depends(get_write_session, scope="function")]
