"""Opening the configured ledger and making its anchorer over the chain."""

from __future__ import annotations

from collections.abc import Callable

from chain import ChainClient, ChainSession

from ._anchorer import Anchorer
from ._checkpoint import NoteSigner, generate_signing_key, load_signing_key, save_signing_key
from ._db import make_engine
from ._ledger import Ledger
from ._settings import LedgerSettings

ANCHOR_KEY = "anchor"


def open_ledger(settings: LedgerSettings) -> Ledger:
    """The configured log; its checkpoint signing key is created on first use (mode 0600)."""
    key_file = settings.ledger_key_file
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        save_signing_key(key_file, generate_signing_key())
    signer = NoteSigner(load_signing_key(key_file), settings.ledger_origin)
    engine = make_engine(settings.resolved_database_url, settings.db_lock_timeout_seconds)
    return Ledger(engine, settings.ledger_origin, signer)


def make_anchorer(settings: LedgerSettings, session: ChainSession, ledger: Ledger) -> Anchorer:
    connect: Callable[[], ChainClient] = session.client
    return Anchorer(
        ledger,
        connect,
        session.account(ANCHOR_KEY),
        every_records=settings.anchor_every_records,
        every_seconds=settings.anchor_every_seconds,
    )
