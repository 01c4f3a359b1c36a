"""Which chain call each on-chain ledger fact makes, with the arguments of the original call: the
member's own key and the record's leaf hash. The chain worker sends these after commit; the
reconciler sends them again for facts a node lost."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import Session, select

from chain import ChainEvent, Role, TxResult, id_hash
from evidence import Record, StoredRecord, leaf_hash

from ..facts import (
    BatchAdmitted,
    BatchSplit,
    OrgAdmitted,
    OrgRestored,
    OrgSuspended,
    RecallIssued,
    RecallLifted,
    ShipScanned,
)
from ..orgs.models import Organisation
from ..orgs.service import org_chain_id
from ..services import Services
from .models import ChainOp, ChainOperation

#: The ledger kinds whose facts also go on chain, and the call each makes.
ON_CHAIN_KINDS = {
    BatchAdmitted.KIND: ChainOperation.register,
    ShipScanned.KIND: ChainOperation.transfer,
    BatchSplit.KIND: ChainOperation.split,
    RecallIssued.KIND: ChainOperation.recall,
    RecallLifted.KIND: ChainOperation.lift,
    OrgSuspended.KIND: ChainOperation.revoke,
    OrgRestored.KIND: ChainOperation.grant,
    OrgAdmitted.KIND: ChainOperation.grant,
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


def org_target(org: Organisation) -> str:
    """What a membership operation names in place of a lot."""
    return f"org:{org.id}"


def owe_membership(session: Session, kind: str, record_id: str, org: Organisation) -> ChainOp:
    """Records, in the fact's own transaction, that the member's role change is owed to the chain:
    sent after commit in commit order, so every fact the member made before is mined first."""
    return owe_chain(session, kind, record_id, org_target(org), [])


@dataclass(frozen=True)
class RoleChange:
    """What a membership fact does on chain: ``member`` gains (``grant``) or loses ``role``."""

    member: Organisation
    role: Role
    grant: bool


def role_change(orgs: Orgs, record: Record) -> RoleChange:
    """The role change an ``org.admitted``, ``org.suspended`` or ``org.restored`` record makes;
    ``LookupError`` for a member the database does not know."""
    fact: OrgAdmitted | OrgRestored | OrgSuspended
    if OrgAdmitted.reads(record.kind):
        fact = OrgAdmitted.of(record)
    else:
        fact = OrgRestored.of(record) if OrgRestored.reads(record.kind) else OrgSuspended.of(record)
    member = orgs.by_handle.get(fact.handle)
    if member is None:
        raise LookupError(f"no organisation with handle {fact.handle}")
    return RoleChange(member, Role(fact.role), not isinstance(fact, OrgSuspended))


def role_settled(
    services: Services, orgs: Orgs, stored: StoredRecord
) -> tuple[str | None, int | None] | None:
    """``(tx_hash, block)`` of the membership event that left the member as the record wants it (or
    ``(None, None)`` when the chain shows that state with no such event), if the chain stands so
    already; None when the call is still to be made. Calls are sent in commit order, so the state the
    chain shows when this one's turn comes is the one its predecessors left."""
    change = role_change(orgs, stored.record())
    if services.chain.has_role(change.member.chain_address, change.role) != change.grant:
        return None
    topic = bytes(12) + bytes.fromhex(change.member.chain_address.removeprefix("0x"))  # an indexed address
    name = "MemberGranted" if change.grant else "MemberRevoked"
    events = [
        e
        for e in services.chain.events_about("Membership", topic)
        if e.name == name and bytes(e.args["role"]) == change.role.id
    ]
    return (events[-1].tx_hash, events[-1].block_number) if events else (None, None)


def send_fact(services: Services, orgs: Orgs, stored: StoredRecord, target: str) -> TxResult:
    """Sends the record's chain call as the member who made it, carrying its leaf hash; an
    admission's grant as the service's regulator account (the operator admits members too).

    Raises ``LookupError`` for an actor or receiver the database does not know, and the chain
    client's errors (``ContractRevert`` when the chain refuses).
    """
    record = stored.record()
    chain = services.chain
    if stored.kind == OrgAdmitted.KIND:  # granted by the account that grants every member its role
        change = role_change(orgs, record)
        return chain.grant_member(
            services.regulator_key, change.member.chain_address, change.role, org_chain_id(change.member)
        )
    actor = orgs.by_uscc.get(record.actor.org)
    if actor is None:
        raise LookupError(f"no organisation with USCC {record.actor.org}")
    leaf, lot = leaf_hash(stored.body), batch_chain_id(target)
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
    if stored.kind == RecallLifted.KIND:
        return chain.lift_recall(account, lot, leaf)
    if stored.kind in (OrgSuspended.KIND, OrgRestored.KIND):
        change = role_change(orgs, record)
        if change.grant:
            return chain.grant_member(
                account, change.member.chain_address, change.role, org_chain_id(change.member)
            )
        return chain.revoke_member(account, change.member.chain_address, change.role)
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
    "org_target",
    "owe_chain",
    "owe_membership",
    "role_change",
    "role_settled",
    "send_fact",
]
