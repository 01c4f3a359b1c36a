"""Which chain call each on-chain ledger fact makes, with the arguments of the original call: the
member's own key and the record's leaf hash. The chain worker sends these after commit; the
reconciler sends them again for facts a node lost."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session, select

from chain import ChainEvent, TxResult, id_hash
from evidence import StoredRecord, leaf_hash

from ..facts import BatchAdmitted, BatchSplit, RecallIssued, ShipScanned
from ..orgs.models import Organisation
from ..services import Services
from .models import ChainOp, ChainOperation

#: The ledger kinds whose facts also go on chain, and the call each makes.
ON_CHAIN_KINDS = {
    BatchAdmitted.KIND: ChainOperation.register,
    ShipScanned.KIND: ChainOperation.transfer,
    BatchSplit.KIND: ChainOperation.split,
    RecallIssued.KIND: ChainOperation.recall,
}
#: The event argument that carries the leaf hash of the fact, per call.
_HASH_ARGS = ("admissionHash", "shipmentHash", "splitHash", "reasonHash")


def batch_chain_id(batch_id: str) -> bytes:
    return id_hash(f"batch:{batch_id}")


class Orgs:
    """Every organisation, by id, handle, USCC and chain address (there are few; lots are many)."""

    def __init__(self, session: Session) -> None:
        rows = list(session.exec(select(Organisation)))
        self.by_id = {o.id: o for o in rows}
        self.by_handle = {o.handle: o for o in rows}
        self.by_uscc = {o.uscc: o for o in rows}
        self.by_address = {o.chain_address.lower(): o for o in rows}

    def name_of(self, address: str) -> str:
        org = self.by_address.get(address.lower())
        return f"{org.handle} ({address})" if org else address


def owe_chain(session: Session, kind: str, record_id: str, batch_id: str, lots: list[str]) -> ChainOp:
    """Records, in the fact's own transaction, that its chain call is owed (``lots``: every lot it
    touches). The chain worker sends it after commit; a rolled-back fact owes nothing."""
    now = dt.datetime.now(dt.UTC)
    op = ChainOp(
        record_id=record_id,
        operation=ON_CHAIN_KINDS[kind],
        batch_id=batch_id,
        lots=json.dumps(lots),
        created_at=now,
    )
    session.add(op)
    return op


def send_fact(services: Services, orgs: Orgs, stored: StoredRecord, target: str) -> TxResult:
    """Sends the record's chain call as the member who made it, carrying its leaf hash.

    Raises ``LookupError`` for an actor or receiver the database does not know, and the chain
    client's errors (``ContractRevert`` when the chain refuses).
    """
    record = stored.record()
    actor = orgs.by_uscc.get(record.actor.org)
    if actor is None:
        raise LookupError(f"no organisation with USCC {record.actor.org}")
    chain, leaf, lot = services.chain, leaf_hash(stored.body), batch_chain_id(target)
    account = services.account_of(actor.handle)
    if stored.kind == BatchAdmitted.KIND:
        return chain.register_batch(account, lot, leaf)
    if stored.kind == ShipScanned.KIND:
        shipment = ShipScanned.of(record)
        receiver = orgs.by_handle.get(shipment.counterparty)
        if receiver is None:
            raise LookupError(f"no organisation with handle {shipment.counterparty}")
        return chain.transfer_custody(account, lot, receiver.chain_address, leaf)
    if stored.kind == BatchSplit.KIND:
        children = [batch_chain_id(c) for c in BatchSplit.of(record).children]
        return chain.split_batch(account, lot, children, leaf)
    if stored.kind == RecallIssued.KIND:
        return chain.issue_recall(account, lot, leaf)
    raise LookupError(f"{stored.kind} records make no chain call")


def hash_of(event: ChainEvent) -> bytes:
    """The leaf hash a BatchRegistry event carries (empty for events that carry none)."""
    for name in _HASH_ARGS:
        if name in event.args:
            return bytes(event.args[name])
    return b""


def events_of(services: Services, batch_id: str) -> list[ChainEvent]:
    return services.chain.events_about("BatchRegistry", batch_chain_id(batch_id))


def mined_event(services: Services, batch_id: str, leaf: bytes) -> ChainEvent | None:
    """The event on chain that carries ``leaf`` for the lot, if its call was mined already."""
    lot = batch_chain_id(batch_id)
    for event in events_of(services, batch_id):
        first = event.args.get("batchId", event.args.get("parentId"))
        if first is not None and bytes(first) == lot and hash_of(event) == leaf:
            return event
    return None


__all__ = [
    "ON_CHAIN_KINDS",
    "Orgs",
    "batch_chain_id",
    "events_of",
    "hash_of",
    "mined_event",
    "owe_chain",
    "send_fact",
]
