"""The chain worker: sends the chain calls that committed facts owe, after commit, in commit order.

A fact's transaction records its ledger record and a :class:`ChainOp` together; nothing waits on
the chain while holding the writer lock. The worker takes the operations in ``id`` order, one at
a time, and for each records ``sending`` (committed) before it sends, so a worker that restarts
after a crash looks on chain for the fact's leaf hash before it sends again: nothing is mined
twice. A refusal by the chain (a revert) marks the operation ``failed`` for the reconciler to
replay or report; a node that does not answer stops the pass, and the loop retries with backoff.

One sender at a time across replicas: each pass takes the chain lease (:mod:`.lease`), renews it
per operation and gives it up when the pass ends, so the reconciler can take it to replay; a lease
whose holder died is taken over once it expires. The lease is fenced: before each send the worker
reads it again, in the transaction that marks the operation ``sending``, and goes on only while it
is still its own and unexpired and the operation stands as it read it, else the pass ends
(:class:`LeaseLost`); the lease outlives a receipt wait (the settings require it), and a ``mined``
operation is never marked otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from sqlmodel import Session, col, select
from web3 import Web3
from web3.exceptions import Web3Exception

from chain import ContractRevert, NodeError, UnknownRevert
from evidence import BackgroundLoop, StoredRecord, leaf_hash

from ..batches.models import Batch
from ..facts import BatchAdmitted, BatchSplit, RecallIssued, ShipScanned
from ..recalls.models import Recall
from ..scans.models import Shipment
from ..services import Services, writing
from .calls import Orgs, mined_event, role_settled, send_fact
from .lease import ChainBusy, ChainLease, LeaseLost
from .models import MEMBERSHIP_OPERATIONS, UNFINISHED, ChainOp, ChainStatus

log = logging.getLogger(__name__)

#: Operations read per query.
BATCH = 50
#: The loop's retry after a failed pass, at most, and its tick when nothing wakes it.
MAX_BACKOFF_S = 30.0
TICK_S = 1.0
STALL_AFTER_S = 120.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ChainWorker:
    """Sends the owed chain calls; ``clock`` (aware UTC) decides when its lease expires."""

    def __init__(self, services: Services, *, clock: Callable[[], dt.datetime] = _now) -> None:
        self.services = services
        self.lease = ChainLease(services, "worker", clock=clock)
        self._pass = threading.Lock()

    @property
    def holder(self) -> str:
        return self.lease.holder

    # -- one pass ----------------------------------------------------------------------------

    def drain(self) -> int:
        """Sends every unfinished operation, in order; returns how many it finished.

        Raises the first error that is not the chain's refusal (a node that does not answer):
        what is left stays owed, in order, for the next pass. A lost lease ends the pass quietly:
        the holder that has it now sends the rest.
        """
        with self._pass:
            ops = self._unfinished()
            if not ops or not self.lease.take():  # nothing owed: no write, no lock
                return 0
            finished = 0
            try:
                while ops:
                    with Session(self.services.engine) as session:
                        orgs = Orgs(session)  # once per batch: every op in it names committed members
                    for op in ops:
                        self._send(op, orgs)
                        finished += 1
                    ops = self._unfinished()
            except LeaseLost as exc:
                log.warning("chain worker %s stops its pass: %s", self.holder, exc)
            finally:
                self.lease.give_up()  # between passes the reconciler may take it to replay
            return finished

    def _unfinished(self) -> list[ChainOp]:
        with Session(self.services.engine) as session:
            query = (
                select(ChainOp)
                .where(col(ChainOp.status).in_(UNFINISHED))
                .order_by(col(ChainOp.id))
                .limit(BATCH)
            )
            return list(session.exec(query))

    def _send(self, op: ChainOp, orgs: Orgs) -> None:
        services = self.services
        stored = services.ledger.get(op.record_id)
        if op.status is ChainStatus.sending:  # sent before, outcome unknown: look before sending again
            self._require_settled(orgs, stored)
        if op.status is ChainStatus.sending or op.operation in MEMBERSHIP_OPERATIONS:
            found = self._found_on_chain(op, orgs, stored)
            if found is not None:
                tx_hash, block = found
                self._finish(op, stored, ChainStatus.mined, tx_hash=tx_hash, block=block)
                return
        self._mark_sending(op)
        try:
            result = send_fact(services, orgs, stored, op.batch_id)
        except (ContractRevert, UnknownRevert, LookupError, KeyError) as exc:
            # An earlier send whose receipt was not seen in time may have been mined meanwhile:
            # the chain then refuses the second one, and the fact stands on chain all the same.
            found = self._found_on_chain(op, orgs, stored)
            if found is not None:
                self._finish(op, stored, ChainStatus.mined, tx_hash=found[0], block=found[1])
                return
            log.error("chain: %s %s (%s) refused: %s", op.operation, op.batch_id, op.record_id, exc)
            self._finish(op, stored, ChainStatus.failed, error=str(exc))
            return
        self._finish(op, stored, ChainStatus.mined, tx_hash=result.tx_hash, block=result.block_number)

    def _found_on_chain(
        self, op: ChainOp, orgs: Orgs, stored: StoredRecord
    ) -> tuple[str | None, int | None] | None:
        """The transaction (and block) that already did what the operation does, if the chain shows it.

        A lot's fact is found by the event carrying its leaf hash. A role change is found by the
        member's role as the chain holds it now (a role granted or revoked by the reconciler, or a
        change sent before a crash, is not sent again: the contract would refuse it)."""
        if op.operation not in MEMBERSHIP_OPERATIONS:
            event = mined_event(self.services, op.batch_id, leaf_hash(stored.body))
            return None if event is None else (event.tx_hash, event.block_number)
        try:
            return role_settled(self.services, orgs, stored)
        except LookupError:
            return None  # sending it fails with the same error, and marks it failed

    def _require_settled(self, orgs: Orgs, stored: StoredRecord) -> None:
        """Raises :class:`ChainBusy` while the actor still has a transaction waiting to be mined."""
        actor = orgs.by_uscc.get(stored.record().actor.org)
        if actor is None:
            return
        eth, address = self.services.chain.w3.eth, Web3.to_checksum_address(actor.chain_address)
        try:
            waiting = eth.get_transaction_count(address, "pending") > eth.get_transaction_count(
                address, "latest"
            )
        except (OSError, Web3Exception) as exc:
            raise NodeError(f"the chain node does not answer: {exc}") from exc
        if waiting:
            raise ChainBusy(f"a transaction of {actor.handle} is still waiting to be mined")

    # -- bookkeeping, each in a short write transaction --------------------------------------

    def _mark_sending(self, op: ChainOp) -> None:
        """Commits ``sending`` and renews the lease, or raises :class:`LeaseLost` (and commits
        nothing) when the lease is no longer this worker's or the operation is no longer as read."""
        with writing(self.services) as session:
            self.lease.fence(session)
            row = session.get(ChainOp, op.id)
            assert row is not None
            if row.status is not op.status:
                raise LeaseLost(f"operation {op.id} is {row.status.value} now, not {op.status.value}")
            row.status, row.attempts = ChainStatus.sending, row.attempts + 1
            session.add(row)
            self.lease.renew(session)
        op.status = ChainStatus.sending

    def _finish(
        self,
        op: ChainOp,
        stored: StoredRecord,
        status: ChainStatus,
        *,
        tx_hash: str | None = None,
        block: int | None = None,
        error: str | None = None,
    ) -> None:
        """Records the outcome; an operation already ``mined`` (by a worker that took over while
        this one waited) stays as it is."""
        with writing(self.services) as session:
            row = session.get(ChainOp, op.id)
            assert row is not None
            if row.status is ChainStatus.mined:
                if status is not ChainStatus.mined or row.tx_hash != tx_hash:
                    log.warning("chain: operation %s was mined already: %s not recorded", op.id, status)
                return
            row.status, row.done_at = status, _now()
            row.tx_hash, row.block_number = tx_hash or None, block
            row.last_error = error[:500] if error else None
            session.add(row)
            if status is ChainStatus.mined and tx_hash:
                note_mined(session, stored, tx_hash)

    def settle_refused(self) -> int:
        """Marks ``mined`` each refused operation whose fact the chain shows now (mined by an earlier
        send, or replayed); returns how many. The reconciler runs it before it compares lots."""
        with Session(self.services.engine) as session:
            refused = list(
                session.exec(
                    select(ChainOp).where(ChainOp.status == ChainStatus.failed).order_by(col(ChainOp.id))
                )
            )
            orgs = Orgs(session) if refused else None
        settled = 0
        for op in refused:
            assert orgs is not None
            stored = self.services.ledger.get(op.record_id)
            found = self._found_on_chain(op, orgs, stored)
            if found is None:
                continue
            log.warning(
                "chain: %s %s (%s) refused before, stands on chain", op.operation, op.batch_id, op.record_id
            )
            self._finish(op, stored, ChainStatus.mined, tx_hash=found[0], block=found[1])
            settled += 1
        return settled

    def release(self) -> None:
        """Gives the lease up (at a clean stop), so another worker takes over at once."""
        with self._pass:
            self.lease.release()

    # -- running ----------------------------------------------------------------------------

    def loop(self) -> BackgroundLoop:
        return BackgroundLoop(
            "chain_worker",
            self.drain,
            tick_s=TICK_S,
            max_backoff_s=MAX_BACKOFF_S,
            stall_after_s=STALL_AFTER_S,
            wake=self.services.chain_wake,
        )

    def start(self) -> Callable[[], None]:
        """Runs the worker in a background thread; returns a function that stops it."""
        stop_loop = self.loop().start(self.services.background)

        def stop() -> None:
            stop_loop()
            try:
                self.release()
            except Exception as exc:  # the lease then expires by itself
                log.warning("chain worker: could not release its lease: %s", exc)

        return stop


def note_mined(session: Session, stored: StoredRecord, tx_hash: str) -> None:
    """Writes the transaction onto the rows of the fact it put on chain."""
    rows: list[Batch] | list[Shipment] | list[Recall]
    if stored.kind == BatchAdmitted.KIND:
        rows = list(session.exec(select(Batch).where(Batch.admission_record_id == stored.record_id)))
    elif stored.kind == BatchSplit.KIND:
        children = BatchSplit.of(stored).children
        rows = list(session.exec(select(Batch).where(col(Batch.id).in_(children))))
    elif stored.kind == ShipScanned.KIND:
        rows = list(session.exec(select(Shipment).where(Shipment.ship_record_id == stored.record_id)))
    elif stored.kind == RecallIssued.KIND:
        rows = list(session.exec(select(Recall).where(Recall.record_id == stored.record_id)))
    else:
        return  # a lift or a role change: its chain operation holds its transaction
    for row in rows:
        row.chain_tx = tx_hash
        session.add(row)
