"""Chain reconciliation: on-chain custody compared with the database, repaired from the ledger.

The chain and the database can disagree in two ways. A node that loses its newest state (a
SIGKILL before its periodic dump) lacks facts the database committed and the client saw
acknowledged: the ledger still proves them, so they are replayed on chain with the arguments
the original call used (the member's key, the record's leaf hash), in ledger order. A crash
between a mined transaction and the database commit leaves the chain with a fact no ledger
record proves: that is never invented into the ledger, but reported (once, as a
``chain.difference`` record) for a regulator to decide.

For every lot the database knows: is it registered on chain, is the chain's holder the
database's, is its parent the database's, is its recall flag the database's. Lots are read in
pages; only the lots that differ are kept. For every member: does the chain hold its role while
it is active, and only then. And for every account the Membership contract granted a role: does
an organisation of the database hold it with that role; an account that holds a role no
organisation accounts for is reported, never revoked.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session, col, func, select
from web3.exceptions import Web3Exception

from chain import BatchRecord, ChainEvent, ContractRevert, NodeError, Role, UnknownBatch
from evidence import (
    Actor,
    BackgroundLoop,
    Record,
    StoredRecord,
    Subject,
    UnknownRecord,
    leaf_hash,
    utc_now,
    write_transaction,
)

from ..batches.models import Batch
from ..chainops import (
    MEMBERSHIP_OPERATIONS,
    ON_CHAIN_KINDS,
    ChainLease,
    ChainOp,
    ChainStatus,
    ChainWorker,
    Orgs,
    batch_chain_id,
    events_of,
    hash_of,
    note_mined,
    org_target,
    send_fact,
    unfinished_lots,
)
from ..chainops.models import UNFINISHED
from ..facts import BatchAdmitted, BatchSplit, ChainDifference
from ..orgs.models import OrgStatus
from ..orgs.service import org_chain_id
from ..services import Services, writing

log = logging.getLogger(__name__)

#: Lots read from the database per page.
PAGE = 500
#: View calls sent to the node in one JSON-RPC batch request.
CALLS_PER_REQUEST = 100
DIFFERENCE_KIND = ChainDifference.KIND
#: The reconciler's records: the subject under which ``GET /v1/chain/differences`` finds them.
DIFFERENCES_SUBJECT = Subject(type="chain", id="differences")
ACTOR_KEY = "chain-reconciler"


@dataclass(frozen=True)
class Difference:
    """One way the chain and the database disagree about a lot, a member or a chain account."""

    #: The lot; ``org:<handle>`` for a member, ``account:<address>`` for an account on chain.
    batch_id: str
    #: unregistered, holder, parent, recall, chain_only or replay_failed (lots); member (a
    #: member's role); unknown_member or foreign_role (an account's role no member accounts for)
    kind: str
    detail: str
    database: str | None = None
    chain: str | None = None

    @property
    def key(self) -> str:
        """Stable across passes while the disagreement stays the same."""
        return f"{self.batch_id}|{self.kind}|{self.database}|{self.chain}"

    @property
    def record_id(self) -> str:
        return f"{DIFFERENCE_KIND}:{hashlib.sha256(self.key.encode()).hexdigest()[:32]}"

    def describe(self) -> dict[str, Any]:
        return asdict(self) | {"record_id": self.record_id}


@dataclass(frozen=True)
class Repair:
    """A ledger fact the chain lacked, replayed on chain."""

    batch_id: str
    kind: str
    record_id: str
    ledger_index: int
    tx_hash: str

    def describe(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    checked: int = 0
    #: What differed before any repair.
    found: list[Difference] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    #: The ledger's facts the chain lacks, in ledger order (what a repair replays).
    replayable: list[dict[str, Any]] = field(default_factory=list)
    #: What still differs (after the repairs, if any).
    remaining: list[Difference] = field(default_factory=list)
    #: Record ids of ``chain.difference`` records this repairing pass appended for what remains
    #: (each difference is recorded once, the first time a repair leaves it).
    recorded: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.remaining

    def describe(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "lots_checked": self.checked,
            "found": [d.describe() for d in self.found],
            "replayable": self.replayable,
            "repairs": [r.describe() for r in self.repairs],
            "remaining": [d.describe() for d in self.remaining],
            "recorded": self.recorded,
        }


Progress = Callable[[int, int], None]


def reconcile(services: Services, *, repair: bool, progress: Progress | None = None) -> Report:
    """Compares every lot with the chain; with ``repair``, replays what the ledger proves and
    records each difference that remains as a ``chain.difference`` ledger record (once).

    Only the second look at the lots that seem to differ, and the writing of what was found, take
    the writer lock, each briefly. A repair holds the chain lease (:class:`ChainLease`) while it
    replays, so the chain worker sends nothing meanwhile, and waits for it at most
    ``chain_lease_seconds`` (:class:`ChainBusy` after that).
    """
    report = Report()
    if repair:  # a refused call whose fact stands on chain after all is settled, not compared
        ChainWorker(services).settle_refused()
    strangers = _strangers(services)
    roles = _role_differences(services)
    differing = _confirmed(services, _suspects(services, report, progress), report)
    if not repair:
        report.found[:0] = strangers + roles
        report.replayable = [_fact(stored, target) for stored, target in _missing_facts(services, differing)]
        report.remaining = report.found + _chain_only(services, differing)
        return report
    if not roles and not differing:
        report.found, report.remaining = list(strangers), list(strangers)
        report.recorded = _record_differences(services, report) if strangers else []
        return report
    lease = ChainLease(services, "reconciler")
    lease.wait(services.settings.chain_lease_seconds)
    try:
        members = _restore_members(services, lease, report)
        report.found[:0] = members
        missing = _missing_facts(services, differing)
        report.replayable = [_fact(stored, target) for stored, target in missing]
        failed = _replay_all(services, lease, missing, report)
        remaining = _still_differing(services, differing) if missing else report.found[len(members) :]
        report.remaining = strangers + members + remaining + failed + _chain_only(services, differing)
        report.found[:0] = strangers
        report.recorded = _record_differences(services, report)
    finally:
        lease.give_up()
        services.chain_wake.set()  # what the worker owes waited while the repair held the lease
    return report


def _suspects(services: Services, report: Report, progress: Progress | None) -> list[str]:
    """The lots whose database row and chain record disagree, read page by page without a lock."""
    suspects: list[str] = []
    with Session(services.engine) as session:
        orgs = Orgs(session)
        total = session.exec(select(func.count()).select_from(Batch)).one()
        for page in _lot_pages(session):
            on_chain: list[BatchRecord | None] = []
            for start in range(0, len(page), CALLS_PER_REQUEST):
                lots = page[start : start + CALLS_PER_REQUEST]
                on_chain += services.chain.batches([batch_chain_id(b.id) for b in lots])
            suspects += [b.id for b, c in zip(page, on_chain, strict=True) if _differences(orgs, b, c)]
            report.checked += len(page)
            if progress is not None:
                progress(report.checked, total)
    return suspects


def _confirmed(services: Services, suspects: list[str], report: Report) -> list[Batch]:
    """The suspects that still differ when no write is in flight; their differences go to ``found``.

    A write in flight may have its chain call mined but not yet committed: under the writer lock
    no write is in flight, and lots whose calls the chain worker has yet to send are skipped."""
    if not suspects:
        return []
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        orgs = Orgs(session)
        in_flight = unfinished_lots(session)
        differing = []
        for batch_id in suspects:
            batch = session.get(Batch, batch_id)
            found = _compare(services, orgs, batch) if batch is not None and batch_id not in in_flight else []
            if batch is not None and found:
                session.expunge(batch)
                differing.append(batch)
                report.found += found
    for difference in report.found:
        log.warning("chain difference: %s: %s", difference.batch_id, difference.detail)
    return differing


def _still_differing(services: Services, lots: list[Batch]) -> list[Difference]:
    """The differences left after the replays, compared with the lots' rows as they are now."""
    with Session(services.engine) as session:
        orgs = Orgs(session)
        return [d for lot in lots if (b := session.get(Batch, lot.id)) for d in _compare(services, orgs, b)]


def _role_differences(services: Services) -> list[Difference]:
    """Organisations whose role on chain is not what their status says: held while active, not
    while suspended. Organisations with a role change still owed to the chain are left to the
    chain worker."""
    with Session(services.engine) as session:
        orgs = Orgs(session)
        owed = set(
            session.exec(
                select(ChainOp.batch_id).where(
                    col(ChainOp.operation).in_(MEMBERSHIP_OPERATIONS), col(ChainOp.status).in_(UNFINISHED)
                )
            )
        )
    found = []
    for org in orgs.by_id.values():
        role, active = org.org_type.chain_role, org.status is OrgStatus.active
        if org_target(org) in owed or (role in services.chain.roles_of(org.chain_address)) == active:
            continue
        state = "lacks its" if active else "is suspended but still holds its"
        found.append(
            Difference(
                f"org:{org.handle}",
                "member",
                f"organisation {org.handle} ({org.chain_address}) {state} {role.name.lower()} role on chain",
                role.name.lower() if active else None,
                None if active else role.name.lower(),
            )
        )
    return found


def _strangers(services: Services) -> list[Difference]:
    """Accounts holding a member's role on chain that no organisation of the database holds with
    that role: granted outside the service, or by an admission whose commit was lost. Reported,
    never revoked: who holds the account is the regulators' to judge. (A suspended member that
    still holds its own role is :func:`_role_differences`' to repair.)

    The chain is read before the database: the chain worker sends an admission's grant only after
    the admission committed, so every grant it made names an organisation the database shows."""
    held = _roles_held(services)
    with Session(services.engine) as session:
        orgs = Orgs(session)
    found = []
    for (address, role), granted in held.items():
        org = orgs.by_address.get(address.lower())
        if org is not None and org.org_type.chain_role is role:
            continue
        own = None if org is None else org.org_type.chain_role.name.lower()
        whose = (
            "no organisation of the database has that account"
            if org is None
            else f"it is {org.handle}'s account, whose type carries the {own} role"
        )
        found.append(
            Difference(
                f"account:{address}",
                "unknown_member" if org is None else "foreign_role",
                f"account {address} holds the {role.name.lower()} role on chain (granted in block "
                f"{granted.block_number}), but {whose}",
                None if org is None else org.handle,
                role.name.lower(),
            )
        )
    for difference in found:
        log.warning("chain difference: %s", difference.detail)
    return found


def _roles_held(services: Services) -> dict[tuple[str, Role], ChainEvent]:
    """Each (account, role) the Membership contract's events leave granted, with the grant; not
    the anchoring accounts' role, nor the deploying regulator's (neither is an organisation)."""
    held: dict[tuple[str, Role], ChainEvent] = {}
    deployer = services.regulator_key.address.lower()
    for event in services.chain.events("Membership"):
        if event.name not in ("MemberGranted", "MemberRevoked"):
            continue
        address, role = str(event.args["account"]), Role.from_id(bytes(event.args["role"]))
        if role is Role.ANCHOR or address.lower() == deployer:
            continue
        if event.name == "MemberGranted":
            held[(address, role)] = event
        else:
            held.pop((address, role), None)
    return held


def _restore_members(services: Services, lease: ChainLease, report: Report) -> list[Difference]:
    """Grants or revokes again each role the node lost (a role change is the regulator's act on
    the database's membership, so it is replayed, not judged); returns those it could not."""
    failed = []
    with Session(services.engine) as session:
        by_handle = {org.handle: org for org in Orgs(session).by_id.values()}
    for difference in _role_differences(services):  # again, now that the worker sends nothing
        org = by_handle[difference.batch_id.removeprefix("org:")]
        role, active = org.org_type.chain_role, difference.database is not None
        with writing(services) as session:
            lease.renew(session)
        try:
            if active:
                result = services.chain.grant_member(
                    services.regulator_key, org.chain_address, role, org_chain_id(org)
                )
            else:
                result = services.chain.revoke_member(services.regulator_key, org.chain_address, role)
        except ContractRevert as exc:
            log.error("chain repair: changing %s's role failed: %s", org.handle, exc)
            failed.append(difference)
            continue
        change = "granted" if active else "revoked"
        log.warning(
            "chain repair: %s %s its %s role again: %s", change, org.handle, role.name, result.tx_hash
        )
        report.repairs.append(
            Repair(f"org:{org.handle}", f"member.{change}", f"org:{org.handle}", -1, result.tx_hash)
        )
    return failed


def _lot_pages(session: Session) -> Iterator[list[Batch]]:
    after: str | None = None
    while True:
        query = select(Batch).order_by(col(Batch.id)).limit(PAGE)
        if after is not None:
            query = query.where(col(Batch.id) > after)
        page = list(session.exec(query))
        if not page:
            return
        yield page
        for batch in page:
            session.expunge(batch)  # memory stays bounded by one page (and the lots that differ)
        after = page[-1].id


def _compare(services: Services, orgs: Orgs, batch: Batch) -> list[Difference]:
    try:
        on_chain = services.chain.batch(batch_chain_id(batch.id))
    except UnknownBatch:
        return _differences(orgs, batch, None)
    return _differences(orgs, batch, on_chain)


def _differences(orgs: Orgs, batch: Batch, on_chain: BatchRecord | None) -> list[Difference]:
    if on_chain is None:
        return [
            Difference(batch.id, "unregistered", f"lot {batch.id} is not registered on chain", "registered")
        ]
    found = []
    holder = orgs.by_id[batch.holder_org_id]
    if on_chain.holder.lower() != holder.chain_address.lower():
        found.append(
            Difference(
                batch.id,
                "holder",
                f"lot {batch.id}: the database says {holder.handle} holds it, the chain says "
                f"{orgs.name_of(on_chain.holder)}",
                holder.chain_address,
                on_chain.holder,
            )
        )
    parent = batch_chain_id(batch.parent_id) if batch.parent_id else None
    if on_chain.parent != parent:
        found.append(
            Difference(
                batch.id,
                "parent",
                f"lot {batch.id}: split from {batch.parent_id} in the database, not on chain",
                batch.parent_id,
                on_chain.parent.hex() if on_chain.parent else None,
            )
        )
    if on_chain.recalled != batch.recalled:
        found.append(
            Difference(
                batch.id,
                "recall",
                f"lot {batch.id}: {'recalled' if batch.recalled else 'not recalled'} in the database, "
                f"{'recalled' if on_chain.recalled else 'not recalled'} on chain",
                str(batch.recalled).lower(),
                str(on_chain.recalled).lower(),
            )
        )
    return found


def _replay_all(
    services: Services, lease: ChainLease, missing: list[tuple[StoredRecord, str]], report: Report
) -> list[Difference]:
    """Replays the missing facts in ledger order; returns the replays that failed."""
    if not missing:
        return []
    services.chain.resync_nonces()  # the node may have lost transactions these senders sent
    with Session(services.engine) as session:
        orgs = Orgs(session)
    failed = []
    for stored, target in missing:
        done = _replay(services, lease, orgs, stored, target)
        if isinstance(done, Difference):
            failed.append(done)
            continue
        log.warning("chain repair: replayed %s (%s): %s", stored.record_id, stored.kind, done.tx_hash)
        report.repairs.append(done)
    return failed


def _fact(stored: StoredRecord, target: str) -> dict[str, Any]:
    return {
        "batch_id": target,
        "kind": stored.kind,
        "record_id": stored.record_id,
        "ledger_index": stored.index,
    }


def _target(stored: StoredRecord, batch: Batch) -> str | None:
    """The lot whose chain call the record made, if it is a chain fact relevant to ``batch``."""
    if stored.kind not in ON_CHAIN_KINDS:
        return None
    if stored.kind == BatchAdmitted.KIND:
        return batch.id if stored.record_id == batch.admission_record_id else None
    target = stored.record().payload.get("batch_id")
    if stored.kind == BatchSplit.KIND:
        return str(target) if target == batch.id or batch.parent_id == target else None
    return batch.id if target == batch.id else None


def _missing_facts(services: Services, lots: list[Batch]) -> list[tuple[StoredRecord, str]]:
    """The ledger's chain facts about the lots that the chain lacks, in ledger order; not those
    the chain worker has yet to send (committed since the lots were compared)."""
    hashes: dict[str, set[bytes]] = {}
    missing: dict[int, tuple[StoredRecord, str]] = {}
    with Session(services.engine) as session:
        owed = set(session.exec(select(ChainOp.record_id).where(col(ChainOp.status).in_(UNFINISHED))))
    for batch in lots:
        for stored in services.ledger.about("batch", batch.id):
            target = _target(stored, batch)
            if target is None or stored.index in missing or stored.record_id in owed:
                continue
            if target not in hashes:
                hashes[target] = {hash_of(e) for e in events_of(services, target)}
            if leaf_hash(stored.body) not in hashes[target]:
                missing[stored.index] = (stored, target)
    return [missing[i] for i in sorted(missing)]


def _replay(
    services: Services, lease: ChainLease, orgs: Orgs, stored: StoredRecord, target: str
) -> Repair | Difference:
    """Sends the record's chain call again, as the member who made it, with its leaf hash; the
    writer lock is held only to renew the lease before and to note the transaction after."""
    with writing(services) as session:
        lease.renew(session)
    try:
        result = send_fact(services, orgs, stored, target)
    except (ContractRevert, LookupError, KeyError) as exc:
        log.error("chain repair of %s (%s) failed: %s", stored.record_id, stored.kind, exc)
        return Difference(
            target,
            "replay_failed",
            f"lot {target}: replaying {stored.kind} {stored.record_id} on chain failed: {exc}",
            stored.record_id,
        )
    with writing(services) as session:  # the chain worker's record of the call, if it failed there
        op = session.exec(select(ChainOp).where(ChainOp.record_id == stored.record_id)).first()
        if op is not None and op.status is not ChainStatus.mined:
            op.status, op.tx_hash, op.block_number = ChainStatus.mined, result.tx_hash, result.block_number
            op.last_error = None
            session.add(op)
        note_mined(session, stored, result.tx_hash)
    return Repair(target, stored.kind, stored.record_id, stored.index, result.tx_hash)


def _chain_only(services: Services, lots: list[Batch]) -> list[Difference]:
    """Chain facts about the lots that no ledger record proves (a crash before the commit)."""
    found = []
    for batch in lots:
        leaves = {leaf_hash(s.body) for s in services.ledger.about("batch", batch.id)}
        lot = batch_chain_id(batch.id)
        for event in events_of(services, batch.id):
            first = event.args.get("batchId", event.args.get("parentId"))
            if first is None or bytes(first) != lot or hash_of(event) in leaves:
                continue
            found.append(
                Difference(
                    batch.id,
                    "chain_only",
                    f"lot {batch.id}: {event.name} in block {event.block_number} is on chain, "
                    "but no committed ledger record proves it",
                    None,
                    f"{event.name}:{event.block_number}:{event.log_index}:{hash_of(event).hex()}",
                )
            )
    return found


def _record_differences(services: Services, report: Report) -> list[str]:
    """One ``chain.difference`` ledger record per remaining difference, the first time it is seen,
    in one short write transaction; lots with a chain call owed since they were compared are
    left out of ``remaining`` (the chain worker has yet to send it)."""
    recorded = []
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        in_flight = unfinished_lots(session)
        report.remaining = [d for d in report.remaining if d.batch_id not in in_flight]
        for difference in report.remaining:
            try:
                services.ledger.get(difference.record_id, conn=conn)
                continue
            except UnknownRecord:
                pass
            record = Record(
                kind=DIFFERENCE_KIND,
                record_id=difference.record_id,
                time=utc_now(),
                actor=Actor(org=services.ledger.origin, key_id=ACTOR_KEY),
                subjects=[Subject(type="batch", id=difference.batch_id), DIFFERENCES_SUBJECT],
                payload=ChainDifference(**asdict(difference)).payload(),
            )
            services.ledger.append(record, conn=conn)
            recorded.append(record.record_id)
    return recorded


def recorded_differences(services: Services) -> list[dict[str, Any]]:
    """Every ``chain.difference`` record, in ledger order."""
    found = []
    for stored in services.ledger.about(DIFFERENCES_SUBJECT.type, DIFFERENCES_SUBJECT.id):
        record = stored.record()
        found.append(
            {"record_id": stored.record_id, "index": stored.index, "time": record.time} | record.payload
        )
    return found


#: How often the reconciler asks the node for its block number: a node that stopped answering or
#: answers with an older block (restarted from older state) gets a full pass as soon as it answers.
PROBE_S = 5.0


class _Watch:
    """The reconciler loop's step: a cheap probe every tick, a full repairing pass when due."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.last_block: int | None = None
        self.last_pass: float | None = None
        self.failed = False
        #: The chain worker's refused calls when the last pass began: any other asks for a pass
        #: (one refused while a pass ran is not missed).
        self.refused: set[int] = set()

    def step(self) -> None:
        try:
            block = self.services.chain.w3.eth.block_number
        except (OSError, Web3Exception) as exc:
            self.failed = True
            raise NodeError(f"the chain node does not answer: {exc}") from exc
        every = self.services.settings.reconcile_every_seconds
        refused = self._refused()
        why = self._due(block, every, refused)
        if why is None:
            self.last_block = block
            return
        log.info("chain reconcile: %s", why)
        self.failed = True  # until this pass completes
        report = reconcile(self.services, repair=True)
        self.services.reconcile_report = report
        self.services.repaired_since_start += len(report.repairs)
        self.failed, self.last_pass = False, time.monotonic()
        self.last_block = self.services.chain.w3.eth.block_number
        self.refused = refused
        log.info(
            "chain reconcile: %d lots checked, %d differences found, %d repaired, %d remaining",
            report.checked,
            len(report.found),
            len(report.repairs),
            len(report.remaining),
        )

    def _refused(self) -> set[int]:
        with Session(self.services.engine) as session:
            query = select(ChainOp.id).where(ChainOp.status == ChainStatus.failed)
            return {int(i) for i in session.exec(query) if i is not None}

    def _due(self, block: int, every: float, refused: set[int]) -> str | None:
        if self.last_pass is None:
            return "first pass"
        if self.failed:
            return "the chain answers again"
        if refused - self.refused:
            return "the chain refused a call the chain worker sent"
        if self.last_block is not None and block < self.last_block:
            return f"the chain went back from block {self.last_block} to {block}"
        if time.monotonic() - self.last_pass >= every:
            return "periodic pass"
        return None


def reconcile_loop(services: Services, *, probe_s: float = PROBE_S) -> BackgroundLoop:
    """A repairing pass at start, every ``reconcile_every_seconds``, as soon as the chain answers
    again after an outage or comes back with older state, and when the chain worker sees a call
    refused (probed every ``probe_s``)."""
    every = services.settings.reconcile_every_seconds
    return BackgroundLoop(
        "chain_reconcile",
        _Watch(services).step,
        tick_s=min(every, probe_s),
        max_backoff_s=min(every, probe_s),
        stall_after_s=every * 2 + 60,
    )
