"""The provenance of one item code, as the GS1 Digital Link resolver shows it to consumers.

Gathers the item's batch and its split lineage, the certificates, every ledger record about the
lineage and the code (in log order), the recall status and the confirmed counterfeit signals, and
verifies each shown record against the signed checkpoints and the chain (see :mod:`.proofs`).

Any member can raise a counterfeit signal about any code by scanning it, and types its place: the
public sees only signals the network's own state confirms (:data:`PUBLIC_SIGNAL_REASONS`), never
the text a member typed. Every signal stays in the ledger and in ``GET /v1/signals``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

from sqlalchemy import or_
from sqlmodel import Session, col, select
from web3.exceptions import Web3Exception

from chain import ChainError
from evidence import Ledger, Record, UnknownRecord

from .. import gs1
from ..batches.lineage import with_ancestors
from ..batches.models import Batch, Certificate
from ..chainops import batch_chain_id, chain_statuses
from ..codes.models import CodeStatus, ItemCode
from ..coldchain.summary import cold_chain_of
from ..errors import NotFound
from ..facts import (
    AlertClosed,
    AlertOpened,
    BatchAdmitted,
    ChainDifference,
    CodesIssued,
    CounterfeitSignalled,
    Fact,
    FactError,
    RecallAcknowledged,
    RecallIssued,
    RecallLifted,
    ReceiveScanned,
    Scan,
    ShipScanned,
    fact_of,
)
from ..orgs.models import Organisation
from ..services import Services
from .proofs import check_records
from .views import (
    CertificateInfo,
    CodeInfo,
    CounterfeitSignal,
    Hop,
    LineageStep,
    Party,
    Product,
    Provenance,
    RecallStatus,
)

RECALL_KINDS = frozenset({RecallIssued.KIND, RecallLifted.KIND})
COUNTERFEIT_KIND = CounterfeitSignalled.KIND
#: Signals shown to consumers: a sale of a code whose first sale stands. (A code never issued has
#: no page: it answers "not a genuine code".) Off-path scans, batch mismatches and sales of
#: destroyed items are one member's claim about another's goods: recorded, not published.
PUBLIC_SIGNAL_REASONS = frozenset({"sold_twice"})
#: Shown in the cold-chain record, not as hops of the journey.
ALERT_KINDS = frozenset({AlertOpened.KIND, AlertClosed.KIND})
ISSUANCE_KIND = CodesIssued.KIND
PROOF_LINK_TYPE = "suyuan:proof"
_ACTIONS = {BatchAdmitted.KIND: "admit", ISSUANCE_KIND: "commission", RecallAcknowledged.KIND: "acknowledge"}


class UnknownCode(NotFound):
    """No such item code was ever issued (or the code is malformed): not a genuine code."""

    slug, title = "unknown-code", "Not a genuine code"


@dataclass(frozen=True)
class Entry:
    """A ledger record shown to the consumer, with its place in the log."""

    index: int
    record: Record

    @cached_property
    def fact(self) -> Fact | None:
        """The fact the record holds, read with its model; None for a record no model reads (the
        page shows what the envelope says of it)."""
        try:
            return fact_of(self.record)
        except FactError:
            return None


def provenance(services: Services, session: Session, gtin: str, lot: str, serial: str) -> Provenance:
    """Everything public about the item ``/01/{gtin}/10/{lot}/21/{serial}``; :class:`UnknownCode` if none."""
    link = digital_link(gtin, lot, serial)
    code = find_code(session, link)
    lineage = batch_lineage(session, code.batch_id)
    code_id = link.uri(services.settings.public_url)
    entries = [e for e in shown_records(services, lineage, code, code_id) if is_public(e.record, code)]
    parties = parties_of(session, entries)
    return Provenance(
        code=_code_info(code, code_id),
        product=_product(session, lineage[0]),
        lineage=[_lineage_step(b) for b in lineage],
        certificates=certificates_of(session, lineage),
        hops=_hops(session, [e for e in entries if _is_hop(e.record)], parties),
        cold_chain=cold_chain_of(session, [b.id for b in lineage]),
        recall=recall_status(services, lineage, entries),
        counterfeit_signals=[_signal(e) for e in entries if e.record.kind == COUNTERFEIT_KIND],
        verification=check_records(
            services,
            # A signal's record holds the place its member typed: it is shown, not handed out.
            [(e.record.record_id, e.record.kind) for e in entries if e.record.kind != COUNTERFEIT_KIND],
            lambda rid: proof_url(link, rid),
        ),
    )


def digital_link(gtin: str, lot: str, serial: str) -> gs1.ItemCode:
    """The item code, validated (GTIN check digit, GS1 character set 82); else :class:`UnknownCode`."""
    try:
        return gs1.ItemCode(gs1.normalise_gtin(gtin), gs1.validate_lot(lot), gs1.validate_lot(serial))
    except gs1.GS1Error as exc:
        raise UnknownCode(f"not a genuine code (非正品码): malformed GS1 Digital Link: {exc}") from exc


def proof_url(link: gs1.ItemCode, record_id: str) -> str:
    """Where the resolver serves one shown record's proof bundle (relative to the resolver)."""
    return f"{link.path()}?linkType={quote(PROOF_LINK_TYPE)}&record={quote(record_id, safe='')}"


def find_code(session: Session, link: gs1.ItemCode) -> ItemCode:
    query = select(ItemCode).where(
        ItemCode.gtin == link.gtin, ItemCode.lot == link.lot, ItemCode.serial == link.serial
    )
    code = session.exec(query).first()
    if code is None:
        raise UnknownCode(f"not a genuine code (非正品码): no item {link.path()} was ever issued")
    return code


def batch_lineage(session: Session, batch_id: str) -> list[Batch]:
    """The item's batch, then its parent, and so on up to the admitted lot."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise UnknownCode(f"not a genuine code (非正品码): its batch {batch_id} is unknown")
    return with_ancestors(session, batch)


def shown_records(services: Services, lineage: list[Batch], code: ItemCode, code_id: str) -> list[Entry]:
    """Records about this code and its lineage, in log order.

    An ancestor's records count up to the split that made its child (later ones are about other
    goods); its recalls count whenever they came, since a recall of a parent covers its children.
    Records about other item codes are left out, and so are code issues other than this code's.
    """
    found = {s.index: s.record() for s in services.ledger.about("code", code_id)}
    found.update(_issuance(services.ledger, code.issuance_record_id))
    cutoff: int | None = None  # the item's own batch: no cut-off
    for batch in lineage:
        about = services.ledger.about("batch", batch.id)
        for stored in about:
            if cutoff is None or stored.index <= cutoff or stored.kind in RECALL_KINDS:
                record = stored.record()
                if _about_this_item(record, code_id, code.issuance_record_id):
                    found[stored.index] = record
        cutoff = about[0].index if about else cutoff
    return [Entry(index, found[index]) for index in sorted(found)]


def is_public(record: Record, code: ItemCode) -> bool:
    """Whether a consumer sees the record: all but the counterfeit signals the network has not confirmed."""
    if record.kind != COUNTERFEIT_KIND:
        return True
    return CounterfeitSignalled.of(record).reason in PUBLIC_SIGNAL_REASONS and code.status is CodeStatus.sold


def _about_this_item(record: Record, code_id: str, issuance_id: str) -> bool:
    if record.kind == ISSUANCE_KIND:
        return record.record_id == issuance_id
    codes = {s.id for s in record.subjects if s.type == "code"}
    return not codes or code_id in codes


def _issuance(ledger: Ledger, record_id: str) -> dict[int, Record]:
    try:
        stored = ledger.get(record_id)
    except UnknownRecord:
        return {}
    return {stored.index: stored.record()}


@dataclass(frozen=True)
class Parties:
    """Public names of the organisations the shown records name, by USCC and by handle."""

    by_uscc: dict[str, Party]
    by_handle: dict[str, Party]

    def actor(self, record: Record) -> Party | None:
        return self.by_uscc.get(record.actor.org)

    def counterparty(self, fact: Fact | None) -> Party | None:
        """Who the goods went to or came from: scans name the counterparty by its handle, and a
        shipment also by its USCC (``counterparty_uscc``), which is used when present."""
        uscc, handle = _counterparty_keys(fact)
        if uscc is not None:
            return self.by_uscc.get(uscc)
        return None if handle is None else self.by_handle.get(handle)


def parties_of(session: Session, entries: Iterable[Entry]) -> Parties:
    """The acting organisations and the counterparties of the shown records."""
    usccs: set[str] = set()
    handles: set[str] = set()
    for entry in entries:
        usccs.add(entry.record.actor.org)
        uscc, handle = _counterparty_keys(entry.fact)
        if uscc is not None:
            usccs.add(uscc)
        elif handle is not None:
            handles.add(handle)
    named = or_(col(Organisation.uscc).in_(usccs), col(Organisation.handle).in_(handles))
    orgs = list(session.exec(select(Organisation).where(named)))
    return Parties(
        by_uscc={org.uscc: _party(org) for org in orgs if org.uscc in usccs},
        by_handle={org.handle: _party(org) for org in orgs if org.handle in handles},
    )


def _counterparty_keys(fact: Fact | None) -> tuple[str | None, str | None]:
    """The counterparty's USCC and handle as a shipment or a receipt names them."""
    if isinstance(fact, ShipScanned):
        return fact.counterparty_uscc, fact.counterparty
    if isinstance(fact, ReceiveScanned):
        return None, fact.counterparty
    return None, None


def certificates_of(session: Session, lineage: list[Batch]) -> list[CertificateInfo]:
    ids = [b.id for b in lineage]
    query = select(Certificate).where(col(Certificate.batch_id).in_(ids)).order_by(col(Certificate.id))
    return [CertificateInfo.model_validate(c, from_attributes=True) for c in session.exec(query)]


def recall_status(services: Services, lineage: list[Batch], entries: list[Entry]) -> RecallStatus:
    """Recalled if a lineage batch is flagged, the latest recall record issues one, or the chain says so."""
    recalls = [e.record for e in entries if e.record.kind in RECALL_KINDS]
    in_force = bool(recalls) and recalls[-1].kind == RecallIssued.KIND
    on_chain = recalled_on_chain(services, lineage[0].id)
    recalled = in_force or on_chain is True or any(b.recalled for b in lineage)
    notice = next((r for r in reversed(recalls) if r.kind == RecallIssued.KIND), None)
    if not recalled or notice is None:
        return RecallStatus(recalled=recalled, on_chain=on_chain)
    issued = RecallIssued.of(notice)
    return RecallStatus(
        recalled=True,
        reason=issued.reason,
        recall_id=issued.recall_id,
        recall_class=issued.recall_class,
        batch_id=issued.batch_id,
        issued_at=notice.time,
        record_id=notice.record_id,
        on_chain=on_chain,
    )


def recalled_on_chain(services: Services, batch_id: str) -> bool | None:
    """The chain's answer (a recall of any ancestor counts there too); None when it cannot say."""
    try:
        return services.chain.is_recalled(batch_chain_id(batch_id))
    except (ChainError, Web3Exception, OSError):
        return None


def _code_info(code: ItemCode, uri: str) -> CodeInfo:
    return CodeInfo(
        uri=uri, gtin=code.gtin, lot=code.lot, serial=code.serial, status=code.status.value,
        issued_at=code.issued_at, sold_at=code.sold_at,
    )  # fmt: skip


def _product(session: Session, batch: Batch) -> Product:
    fields = batch.model_dump(include=set(Product.model_fields) - {"batch_id", "importer", "holder"})
    return Product(
        batch_id=batch.id,
        importer=_party_by_id(session, batch.importer_org_id),
        holder=_party_by_id(session, batch.holder_org_id),
        **fields,
    )


def _lineage_step(batch: Batch) -> LineageStep:
    return LineageStep(
        batch_id=batch.id, lot=batch.lot, quantity=batch.quantity, unit=batch.unit, recalled=batch.recalled
    )


def _hops(session: Session, entries: list[Entry], parties: Parties) -> list[Hop]:
    """The journey, each fact with where it stands on chain (the chain worker sends after commit)."""
    on_chain = chain_statuses(session, [e.record.record_id for e in entries])
    return [
        _hop(e, parties).model_copy(update={"on_chain": on_chain.get(e.record.record_id)}) for e in entries
    ]


def _hop(entry: Entry, parties: Parties) -> Hop:
    record, fact = entry.record, entry.fact
    return Hop(
        index=entry.index,
        record_id=record.record_id,
        kind=record.kind,
        action=_action(record, fact),
        time=record.time,
        place=fact.location if isinstance(fact, (Scan, BatchAdmitted)) else None,
        actor=parties.actor(record),
        counterparty=parties.counterparty(fact),
        batch_id=fact.batch_id
        if isinstance(fact, (Scan, BatchAdmitted, CodesIssued, ChainDifference))
        else None,
        item_level=any(s.type == "code" for s in record.subjects),
    )


def _signal(entry: Entry) -> CounterfeitSignal:
    """A confirmed signal: when and why, never the place or detail the scanning member typed."""
    return CounterfeitSignal(
        index=entry.index,
        record_id=entry.record.record_id,
        time=entry.record.time,
        reason=CounterfeitSignalled.of(entry.record).reason or "unspecified",
    )


def _is_hop(record: Record) -> bool:
    return (
        record.kind not in RECALL_KINDS and record.kind != COUNTERFEIT_KIND and record.kind not in ALERT_KINDS
    )


def _action(record: Record, fact: Fact | None) -> str:
    if isinstance(fact, Scan) and fact.action:
        return fact.action
    return _ACTIONS.get(record.kind, record.kind.rsplit(".", 1)[-1])


def _party(org: Organisation) -> Party:
    return Party(name=org.name, org_type=org.org_type.value)


def _party_by_id(session: Session, org_id: str) -> Party | None:
    org = session.get(Organisation, org_id)
    return None if org is None else _party(org)


#: How long a remembered page may be served without looking at the chain again: the chain can
#: change only outside the API (a regulator acting on chain directly) without a ledger record.
REMEMBER_S = 5.0
MAX_REMEMBERED_PAGES = 10_000


class RememberedPages:
    """Consumer pages by item code, with the ledger state they were built from: served again
    while the ledger is unchanged.

    Every change a page shows (a scan, a sale, a recall, a new checkpoint or anchor) appends to
    the ledger or anchors it, so the log's size and latest anchored size are a sound validity
    token; ``REMEMBER_S`` bounds how stale a change made outside the API can be. A page with a
    fact still pending on chain is not remembered: its mining appends nothing.
    """

    def __init__(self) -> None:
        self._pages: dict[tuple[str, str, str], tuple[tuple[int, int | None], float, Provenance]] = {}

    def provenance(
        self, services: Services, session: Session, gtin: str, lot: str, serial: str
    ) -> Provenance:
        token = services.ledger.state()
        key = (gtin, lot, serial)
        now = time.monotonic()
        remembered = self._pages.get(key)
        if remembered is not None and remembered[0] == token and now - remembered[1] < REMEMBER_S:
            return remembered[2]
        found = provenance(services, session, gtin, lot, serial)
        if any(h.on_chain == "pending" for h in found.hops):
            return found
        if len(self._pages) >= MAX_REMEMBERED_PAGES:
            self._pages.clear()
        self._pages[key] = (token, now, found)
        return found
