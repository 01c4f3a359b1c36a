"""Scan in and out (进出扫码): ship, receive, split (repack), sell, destroy — with custody rules.

Each accepted scan is one ledger record carrying its EPCIS 2.0 event; lot-level custody changes
(ship, split) also go on chain. A scan that suggests a counterfeit (a code never issued, an item
sold twice, a code seen off its batch's custody path) is recorded as a counterfeit signal and
refused, never silently accepted. The same till scanning the same item twice within
:data:`DOUBLE_SCAN_WINDOW` (a double beep) is the first sale again, not a second one.

Items follow the goods: a split names the items that go into each child lot (``codes``) or hands
it a number of the parent's unsold items (``item_count``, in issue order). Their printed codes
keep the parent's lot number; their rows then point to the child lot, and the split's record
lists which serials went where.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from evidence import Actor, Record, Subject, Timestamp, UnknownRecord, utc_datetime, utc_now

from ..batches.lineage import with_ancestors
from ..batches.models import Batch
from ..batches.service import get_batch
from ..chainops import owe_chain
from ..codes.models import CodeStatus, ItemCode
from ..codes.service import ITEM_CODES, serials_sha256
from ..codes.service import code_uri as uri_of
from ..coldchain.stays import begin_stay, end_stay
from ..errors import Conflict, Forbidden, Unprocessable
from ..events import lot_class, object_event, party, transformation_event
from ..facts import (
    BatchSplit,
    CounterfeitSignalled,
    DestroyScanned,
    FactError,
    ReceiveScanned,
    Scan,
    SellScanned,
    ShipScanned,
    SplitItems,
    fact_of,
)
from ..gs1 import GS1Error, parse_item_code, suyuan_lot
from ..gs1 import ItemCode as PrintedCode
from ..markets.purchases import blocked_sale
from ..markets.service import VENDOR_TYPE
from ..orgs.models import Organisation, OrgStatus, OrgType
from ..orgs.service import Member
from ..services import Services
from .lookups import ScanLookups
from .models import CounterfeitSignal, Shipment

Action = Literal["ship", "receive", "split", "sell", "destroy"]
#: The same organisation selling the same item at the same place again within this time is a
#: double beep at the till: the first sale answered again, not a copied code.
DOUBLE_SCAN_WINDOW = dt.timedelta(minutes=10)
#: Items a split may name one by one (all children together); more go by ``item_count``.
MAX_NAMED_ITEMS = 1000
#: Items a split may hand on by count (all children together).
MAX_COUNTED_ITEMS = 100_000


#: What a scan that owes a chain call answers: the worker sends it after commit.
PENDING = {"status": "pending"}


class ChildLot(BaseModel):
    lot: str
    quantity: float = Field(gt=0)
    codes: list[str] = Field(
        default_factory=list,
        max_length=MAX_NAMED_ITEMS,
        description="GS1 Digital Link URIs of the parent's items that go into this lot",
    )
    item_count: int | None = Field(
        default=None,
        ge=1,
        le=MAX_COUNTED_ITEMS,
        description="or: this many of the parent's unsold items go into this lot, in issue order",
    )

    @field_validator("lot")
    @classmethod
    def _lot(cls, value: str) -> str:
        return suyuan_lot(value)

    @model_validator(mode="after")
    def _items(self) -> ChildLot:
        if self.codes and self.item_count is not None:
            raise ValueError("name the items (codes) or give their number (item_count), not both")
        return self


class ScanIn(BaseModel):
    action: Action
    batch_id: str | None = Field(default=None, max_length=64)
    code: str | None = Field(default=None, max_length=512, description="GS1 Digital Link URI of one item")
    counterparty: str | None = Field(
        default=None, max_length=64, description="handle of the receiving organisation"
    )
    location: str = Field(min_length=1, max_length=200, description="GLN/SGLN URN or a place name")
    vehicle: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z\u4e00-\u9fff-]{2,32}$",
        description="for a shipment: the plate of the vehicle carrying it (links its sensors to the goods)",
    )
    time: Timestamp = Field(default_factory=utc_now, description="RFC 3339 time of the scan")
    scan_id: str | None = Field(default=None, description="client UUID; resending the same scan is harmless")
    children: list[ChildLot] = Field(default_factory=list, max_length=64)

    @field_validator("scan_id")
    @classmethod
    def _scan_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9a-fA-F-]{32,36}", value):
            raise ValueError("must be a UUID")
        return value

    @model_validator(mode="after")
    def _shape(self) -> ScanIn:
        if self.batch_id is None and self.code is None:
            raise ValueError("give batch_id or code")
        if self.action == "ship" and not self.counterparty:
            raise ValueError("a shipment needs a counterparty")
        if self.action == "split" and not self.children:
            raise ValueError("a split needs children")
        if self.action == "sell" and self.code is None:
            raise ValueError("a sale is of one item: give its code")
        return self


class CounterfeitSuspected(Conflict):
    slug, title = "counterfeit-suspected", "Counterfeit signal recorded"


class ScanContext:
    """One scan being applied: the caller, the services, the session of its transaction, and the
    rows fetched for a run of scans it belongs to (if any)."""

    def __init__(
        self, services: Services, session: Session, member: Member, scan: ScanIn, lookups: ScanLookups | None
    ) -> None:
        self.services, self.session, self.member, self.scan = services, session, member, scan
        self.lookups = lookups
        self.record_id = f"scan:{scan.scan_id or uuid.uuid4()}"

    @property
    def resolver(self) -> str:
        return self.services.settings.public_url

    def append(
        self,
        fact: Scan,
        batch: Batch,
        code: str | None = None,
        also: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Appends the scan's record; ``also`` names further batches it is about (a split's children)."""
        subjects = [Subject(type="batch", id=batch.id), Subject(type="org", id=self.member.org.uscc)]
        subjects += [Subject(type="batch", id=other) for other in also]
        if code is not None:
            subjects.append(Subject(type="code", id=code))
        kind, payload = fact.KIND, fact.payload()
        record = Record(
            kind=kind,
            record_id=self.record_id,
            time=self.scan.time,
            actor=Actor(org=self.member.org.uscc, key_id=self.member.key_id),
            subjects=subjects,
            payload=payload,
        )
        receipt = self.services.ledger.append(record, conn=self.session.connection())
        return {
            "record_id": record.record_id,
            "index": receipt.index,
            "leaf_hash": receipt.leaf_hash.hex(),
            "kind": kind,
            "payload": payload,
        }

    def signal(
        self, reason: str, detail: str, *, code: str | None, batch_id: str | None
    ) -> CounterfeitSuspected:
        """Records a counterfeit signal in the ledger and the signals table; returns the problem to answer."""
        record_id = f"signal:{uuid.uuid4()}"
        subjects = [Subject(type="org", id=self.member.org.uscc)]
        subjects += [Subject(type="code", id=code)] if code else []
        subjects += [Subject(type="batch", id=batch_id)] if batch_id else []
        payload = CounterfeitSignalled(
            reason=reason,
            code=code,
            batch_id=batch_id,
            detail=detail,
            location=self.scan.location,
            action=self.scan.action,
        ).payload()
        record = Record(
            kind=CounterfeitSignalled.KIND,
            record_id=record_id,
            time=utc_now(),
            actor=Actor(org=self.member.org.uscc, key_id=self.member.key_id),
            subjects=subjects,
            payload=payload,
        )
        self.services.ledger.append(record, conn=self.session.connection())
        self.session.add(
            CounterfeitSignal(
                reason=reason,
                code=code,
                batch_id=batch_id,
                org_id=self.member.org.id,
                detail=detail,
                record_id=record_id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        self.session.flush()
        return CounterfeitSuspected(detail, reason=reason, signal_record_id=record_id)


def apply_scan(
    services: Services, session: Session, member: Member, scan: ScanIn, lookups: ScanLookups | None = None
) -> tuple[dict[str, Any], bool]:
    """Applies the scan; returns (its ledger record summary, whether it was a resend of an earlier scan).

    ``lookups``, fetched for a run of scans this one is part of, saves each scan its own reads.
    """
    ctx = ScanContext(services, session, member, scan, lookups)
    earlier = _earlier(ctx)
    if earlier is not None:
        return earlier, True
    code_row, code_uri = _resolve_code(ctx)
    batch = get_batch(session, scan.batch_id or (code_row.batch_id if code_row else ""))
    if code_row is not None and code_row.batch_id != batch.id:
        raise ctx.signal(
            "code_batch_mismatch",
            f"code {code_uri} belongs to batch {code_row.batch_id}, not {batch.id}",
            code=code_uri,
            batch_id=batch.id,
        )
    if scan.action == "sell" and code_row is not None and code_row.status is CodeStatus.sold:
        assert code_uri is not None
        first_sale = _double_beep(ctx, code_uri)
        if first_sale is not None:
            return first_sale, True
    handler = {"ship": _ship, "receive": _receive, "split": _split, "sell": _sell, "destroy": _destroy}[
        scan.action
    ]
    return handler(ctx, batch, code_row, code_uri), False


def _earlier(ctx: ScanContext) -> dict[str, Any] | None:
    if ctx.scan.scan_id is None:
        return None
    if ctx.lookups is not None and ctx.record_id not in ctx.lookups.recorded:
        return None
    try:
        stored = ctx.services.ledger.get(ctx.record_id, conn=ctx.session.connection())
    except UnknownRecord:
        return None
    record = stored.record()
    try:
        earlier = fact_of(record)
    except FactError:
        earlier = None
    same = isinstance(earlier, Scan) and earlier.action == ctx.scan.action
    if record.actor.org != ctx.member.org.uscc or not same:
        raise Conflict(
            f"scan {ctx.scan.scan_id} was recorded before with other content", reason="scan_id_reused"
        )
    return {
        "record_id": stored.record_id,
        "index": stored.index,
        "kind": stored.kind,
        "payload": record.payload,
    }


def _double_beep(ctx: ScanContext, code_uri: str) -> dict[str, Any] | None:
    """The item's sale, if this caller made it at the same place within :data:`DOUBLE_SCAN_WINDOW`."""
    about = ctx.services.ledger.about("code", code_uri, conn=ctx.session.connection())
    sales = [s for s in about if s.kind == SellScanned.KIND]
    if not sales:
        return None
    stored = sales[0]
    record = stored.record()
    apart = abs(utc_datetime(ctx.scan.time) - utc_datetime(record.time))
    if (
        record.actor.org != ctx.member.org.uscc
        or SellScanned.of(record).location != ctx.scan.location
        or apart > DOUBLE_SCAN_WINDOW
    ):
        return None
    return {
        "record_id": stored.record_id,
        "index": stored.index,
        "kind": stored.kind,
        "payload": record.payload,
    }


def _resolve_code(ctx: ScanContext) -> tuple[ItemCode | None, str | None]:
    if ctx.scan.code is None:
        return None, None
    try:
        parsed = parse_item_code(ctx.scan.code)
    except GS1Error as exc:
        raise Unprocessable.field("code", str(exc)) from exc
    uri = parsed.uri(ctx.resolver)
    key = (parsed.gtin, parsed.lot, parsed.serial)
    if ctx.lookups is not None and key in ctx.lookups.codes:
        row = ctx.lookups.codes[key]
    else:
        row = ctx.session.exec(
            select(ItemCode).where(
                ItemCode.gtin == parsed.gtin, ItemCode.lot == parsed.lot, ItemCode.serial == parsed.serial
            )
        ).first()
    if row is None:
        _require_this_network(ctx, parsed)
        raise ctx.signal(
            "code_never_issued",
            f"{uri} was never issued: not a genuine code",
            code=uri,
            batch_id=ctx.scan.batch_id,
        )
    return row, uri


def _require_this_network(ctx: ScanContext, parsed: PrintedCode) -> None:
    """A code under another resolver's host, of a lot never admitted here, is another network's
    code: refused, not taken for a counterfeit of this network's. A made-up code under this
    network's host (or of a lot admitted here) is a counterfeit signal."""
    host = urlsplit(ctx.scan.code or "").netloc.lower()
    if not host or host == urlsplit(ctx.resolver).netloc.lower():
        return
    if ctx.session.get(Batch, f"{parsed.gtin}.{parsed.lot}") is None:
        raise Unprocessable.field(
            "code",
            f"a code of another network ({host}): no lot {parsed.lot} of GTIN {parsed.gtin} is known here",
            reason="other_network",
        )


def _org_by_handle(session: Session, handle: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.handle == handle)).first()
    if org is None:
        raise Unprocessable.field("counterparty", f"no organisation {handle!r}", reason="unknown_partner")
    return org


def _in_transit(session: Session, batch_id: str) -> Shipment | None:
    return session.exec(
        select(Shipment).where(Shipment.batch_id == batch_id, col(Shipment.received_at).is_(None))
    ).first()


def _require_movable(ctx: ScanContext, batch: Batch, code: str | None = None) -> None:
    """Only the holder acts on a batch, after receiving it, and never on recalled goods."""
    if batch.holder_org_id != ctx.member.org.id:
        if code is not None:
            raise ctx.signal(
                "off_custody_path",
                f"{ctx.member.org.handle} scanned {code}, but batch {batch.id} is not in its custody",
                code=code,
                batch_id=batch.id,
            )
        raise Forbidden(f"{ctx.member.org.handle} does not hold batch {batch.id}", reason="not_holder")
    settled = ctx.lookups is not None and batch.id in ctx.lookups.settled
    if not settled and _in_transit(ctx.session, batch.id) is not None:
        raise Conflict(
            f"batch {batch.id} is in transit to {ctx.member.org.handle}: receive it first",
            reason="in_transit",
        )
    if _recalled(ctx.session, batch):
        raise Conflict(
            f"batch {batch.id} is under recall: it may not move on or be sold", reason="under_recall"
        )


def _recalled(session: Session, batch: Batch) -> bool:
    """A recall of a lot covers every lot split from it."""
    return any(lot.recalled for lot in with_ancestors(session, batch))


def _ship(ctx: ScanContext, batch: Batch, code: ItemCode | None, code_uri: str | None) -> dict[str, Any]:
    _require_movable(ctx, batch, code_uri)
    assert ctx.scan.counterparty is not None
    receiver = _org_by_handle(ctx.session, ctx.scan.counterparty)
    if receiver.id == ctx.member.org.id or receiver.org_type is OrgType.regulator:
        raise Unprocessable.field(
            "counterparty",
            "ship to another importer, wholesaler, retailer, restaurant or market",
            reason="not_a_receiver",
        )
    if receiver.status is OrgStatus.suspended:
        raise Unprocessable.field(
            "counterparty",
            f"{receiver.handle} is suspended: it may not receive goods until restored",
            reason="partner_suspended",
        )
    event = object_event(
        "ship",
        time=ctx.scan.time,
        location=ctx.scan.location,
        epc_class=lot_class(ctx.resolver, batch.gtin, batch.lot),
        quantity=batch.quantity,
        unit=batch.unit,
        source=party(ctx.member.org.uscc),
        destination=party(receiver.uscc),
    )
    summary = ctx.append(
        ShipScanned(
            action="ship",
            batch_id=batch.id,
            counterparty=receiver.handle,
            counterparty_uscc=receiver.uscc,
            location=ctx.scan.location,
            quantity=batch.quantity,
            unit=batch.unit,
            epcis=event,
        ),
        batch,
    )
    ctx.session.add(
        Shipment(
            batch_id=batch.id,
            from_org_id=ctx.member.org.id,
            to_org_id=receiver.id,
            ship_record_id=ctx.record_id,
            shipped_at=ctx.scan.time,
        )
    )
    if ctx.lookups is not None:
        ctx.lookups.settled.discard(batch.id)
    owe_chain(ctx.session, ShipScanned.KIND, ctx.record_id, batch.id, [batch.id])
    summary["chain"] = dict(PENDING)
    batch.holder_org_id = receiver.id
    ctx.session.add(batch)
    at = utc_datetime(ctx.scan.time)
    if ctx.scan.vehicle is not None:
        begin_stay(ctx.session, batch.id, ctx.member.org.id, at, ctx.record_id, vehicle=ctx.scan.vehicle)
    else:
        end_stay(ctx.session, batch.id, at)
    return summary


def _receive(ctx: ScanContext, batch: Batch, code: ItemCode | None, code_uri: str | None) -> dict[str, Any]:
    shipment = _in_transit(ctx.session, batch.id)
    if shipment is None or shipment.to_org_id != ctx.member.org.id:
        _refuse_receipt(ctx, batch, shipment)
    assert shipment is not None
    sender = ctx.session.get(Organisation, shipment.from_org_id)
    assert sender is not None
    event = object_event(
        "receive",
        time=ctx.scan.time,
        location=ctx.scan.location,
        epc_class=lot_class(ctx.resolver, batch.gtin, batch.lot),
        quantity=batch.quantity,
        unit=batch.unit,
        source=party(sender.uscc),
        destination=party(ctx.member.org.uscc),
    )
    summary = ctx.append(
        ReceiveScanned(
            action="receive",
            batch_id=batch.id,
            counterparty=sender.handle,
            location=ctx.scan.location,
            epcis=event,
        ),
        batch,
    )
    shipment.received_at, shipment.receive_record_id = ctx.scan.time, ctx.record_id
    ctx.session.add(shipment)
    _stay_here(ctx, batch.id)
    return summary


def _refuse_receipt(ctx: ScanContext, batch: Batch, in_transit: Shipment | None) -> NoReturn:
    """Why the caller may not receive the batch: received already, or not shipped to it."""
    last = ctx.session.exec(
        select(Shipment).where(Shipment.batch_id == batch.id).order_by(col(Shipment.id).desc())
    ).first()
    if in_transit is None and last is not None and last.received_at is not None:
        receiver = ctx.session.get(Organisation, last.to_org_id)
        assert receiver is not None
        raise Conflict(
            f"batch {batch.id} was already received by {receiver.handle} at {last.received_at}",
            received_by=receiver.handle,
            received_at=last.received_at,
            receive_record_id=last.receive_record_id,
            reason="already_received",
        )
    raise Conflict(
        f"batch {batch.id} was not shipped to {ctx.member.org.handle}", reason="not_shipped_to_you"
    )


def _stay_here(ctx: ScanContext, batch_id: str) -> None:
    """The batch now stays where the caller scanned it."""
    at = utc_datetime(ctx.scan.time)
    begin_stay(ctx.session, batch_id, ctx.member.org.id, at, ctx.record_id, location=ctx.scan.location)


def _split(ctx: ScanContext, batch: Batch, code: ItemCode | None, code_uri: str | None) -> dict[str, Any]:
    _require_movable(ctx, batch)
    children = ctx.scan.children
    if sum(c.quantity for c in children) > batch.quantity:
        raise Unprocessable.field(
            "children", f"quantities add up to more than the batch's {batch.quantity} {batch.unit}"
        )
    ids = [f"{batch.gtin}.{c.lot}" for c in children]
    if len(set(ids)) != len(ids) or any(ctx.session.get(Batch, i) for i in ids):
        raise Conflict("a child lot exists already or is given twice", reason="child_lot_exists")
    items = _split_items(ctx, batch)
    named = [
        uri_of(ctx.services.settings, code)
        for child, moved in zip(children, items, strict=True)
        if child.codes
        for code in moved
    ]
    event = transformation_event(
        time=ctx.scan.time,
        location=ctx.scan.location,
        input_class=lot_class(ctx.resolver, batch.gtin, batch.lot),
        output_classes=[lot_class(ctx.resolver, batch.gtin, c.lot) for c in children],
        epcs=named,
    )
    summary = ctx.append(
        BatchSplit(
            action="split",
            batch_id=batch.id,
            children=ids,
            quantities=[c.quantity for c in children],
            items=[_moved_items(child, moved) for child, moved in zip(children, items, strict=True)],
            location=ctx.scan.location,
            epcis=event,
        ),
        batch,
        also=ids,
    )
    for child, child_id in zip(children, ids, strict=True):
        fields = batch.model_dump(
            exclude={"id", "lot", "quantity", "parent_id", "chain_tx", "created_at", "recalled"}
        )
        ctx.session.add(
            Batch(
                **fields,
                id=child_id,
                lot=child.lot,
                quantity=child.quantity,
                parent_id=batch.id,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    batch.quantity -= sum(c.quantity for c in children)
    ctx.session.add(batch)
    ctx.session.flush()  # the children exist before their stays and items name them
    owe_chain(ctx.session, BatchSplit.KIND, ctx.record_id, batch.id, [batch.id, *ids])
    summary["chain"] = dict(PENDING)
    for child_id, moved in zip(ids, items, strict=True):
        for code in moved:
            code.batch_id = child_id
            ctx.session.add(code)
    for child_id in ids:
        _stay_here(ctx, child_id)
    return summary


def _split_items(ctx: ScanContext, batch: Batch) -> list[list[ItemCode]]:
    """The parent's items each child takes, in issue order: those named, then those counted.

    A named code must be one of the parent's unsold items, named once; counted items are the
    parent's earliest issued unsold items not named.
    """
    children = ctx.scan.children
    if sum(len(c.codes) for c in children) > MAX_NAMED_ITEMS:
        raise Unprocessable.field(
            "children", f"name at most {MAX_NAMED_ITEMS} items; give more by item_count"
        )
    if sum(c.item_count or 0 for c in children) > MAX_COUNTED_ITEMS:
        raise Unprocessable.field("children", f"hand on at most {MAX_COUNTED_ITEMS:,} items by item_count")
    taken: dict[int, str] = {}  # code id → the field that named it
    items: list[list[ItemCode]] = []
    for i, child in enumerate(children):
        moved = []
        for j, value in enumerate(child.codes):
            where = f"children.{i}.codes.{j}"
            code = _named_item(ctx, batch, value, where)
            assert code.id is not None
            if code.id in taken:
                raise Unprocessable.field(where, f"{value} is named already at {taken[code.id]}")
            taken[code.id] = where
            moved.append(code)
        items.append(sorted(moved, key=lambda c: c.id or 0))
    counted = [(i, c.item_count) for i, c in enumerate(children) if c.item_count is not None]
    if counted:
        wanted = sum(n for _, n in counted)
        query = select(ItemCode).where(ItemCode.batch_id == batch.id, ItemCode.status == CodeStatus.issued)
        if taken:
            query = query.where(col(ItemCode.id).not_in(taken))
        pool = list(ctx.session.exec(query.order_by(col(ItemCode.id)).limit(wanted)))
        for i, n in counted:
            if len(pool) < n:
                raise Unprocessable.field(
                    f"children.{i}.item_count",
                    f"batch {batch.id} has {len(pool)} unsold items left for this lot, not {n}",
                )
            items[i], pool = pool[:n], pool[n:]
    return items


def _named_item(ctx: ScanContext, batch: Batch, value: str, where: str) -> ItemCode:
    try:
        parsed = parse_item_code(value)
    except GS1Error as exc:
        raise Unprocessable.field(where, str(exc)) from exc
    code = ctx.session.exec(
        select(ItemCode).where(
            ItemCode.gtin == parsed.gtin, ItemCode.lot == parsed.lot, ItemCode.serial == parsed.serial
        )
    ).first()
    if code is None or code.batch_id != batch.id:
        raise Unprocessable.field(where, f"{value} is not an item of batch {batch.id}")
    if code.status is not CodeStatus.issued:
        reason = f"{value} was {code.status.value}: it cannot go into a new lot"
        raise Conflict(
            f"{where}: {reason}", errors=[{"field": where, "reason": reason}], reason="item_sold_or_destroyed"
        )
    return code


def _moved_items(child: ChildLot, moved: list[ItemCode]) -> SplitItems:
    """Which items went into one child lot, in issue order: named ones listed by serial; counted
    ones, like ``codes.issued``, by first and last serial and the SHA-256 of them all."""
    serials = [code.serial for code in moved]
    found: dict[str, Any] = {"count": len(serials), "serials_sha256": serials_sha256(serials)}
    if child.codes:
        found["serials"] = serials
    elif serials:
        found |= {"first_serial": serials[0], "last_serial": serials[-1]}
    return SplitItems.model_validate(found)


def _sell(ctx: ScanContext, batch: Batch, code: ItemCode | None, code_uri: str | None) -> dict[str, Any]:
    assert code is not None
    assert code_uri is not None
    if code.status is CodeStatus.sold:
        raise ctx.signal(
            "sold_twice", f"{code_uri} was sold before: a copied code", code=code_uri, batch_id=batch.id
        )
    if code.status is CodeStatus.destroyed:
        raise ctx.signal(
            "destroyed_item", f"{code_uri} was destroyed: it cannot be sold", code=code_uri, batch_id=batch.id
        )
    _require_movable(ctx, batch, code_uri)
    if ctx.member.org.org_type is VENDOR_TYPE:
        _refuse_blocked_sale(ctx, batch)
    event = object_event("sell", time=ctx.scan.time, location=ctx.scan.location, epcs=[code_uri])
    summary = ctx.append(
        SellScanned(action="sell", batch_id=batch.id, code=code_uri, location=ctx.scan.location, epcis=event),
        batch,
        code=code_uri,
    )
    if ctx.lookups is not None:
        _mark_sold(ctx.session, code)
    else:
        code.status, code.sold_at = CodeStatus.sold, dt.datetime.now(dt.UTC)
        ctx.session.add(code)
    return summary


def _refuse_blocked_sale(ctx: ScanContext, batch: Batch) -> None:
    """A market vendor may not sell a lot a failed rapid test took off sale (不合格处理)."""
    entry = blocked_sale(ctx.session, ctx.member.org.id, batch.id)
    if entry is not None:
        raise Conflict(
            f"batch {batch.id} is {entry.status.value} at {ctx.member.org.handle}'s stall after a failed "
            f"rapid test (disposal {entry.disposal_id}): it may not be sold",
            reason="blocked_by_disposal",
        )


#: An item's sale, as one statement (see :func:`_mark_sold`).
_SELL_ITEM = (
    update(ITEM_CODES)
    .where(ITEM_CODES.c.id == bindparam("code_id"))
    .values(status=bindparam("status"), sold_at=bindparam("sold_at"))
)


def _mark_sold(session: Session, code: ItemCode) -> None:
    """Writes the item's sale with one statement of the scan's own, and shows it on the row without
    marking the row changed: sales are the bulk of a scanner's sync, and a flush of the session
    costs more than the statement. The session does not know to expire the row if the scan's
    savepoint is rolled back: the caller does (see :class:`ScanLookups`)."""
    values = {"status": CodeStatus.sold, "sold_at": dt.datetime.now(dt.UTC)}
    session.connection().execute(_SELL_ITEM, {"code_id": code.id, **values})
    for name, value in values.items():
        set_committed_value(code, name, value)


def _destroy(ctx: ScanContext, batch: Batch, code: ItemCode | None, code_uri: str | None) -> dict[str, Any]:
    if batch.holder_org_id != ctx.member.org.id:
        raise Forbidden(f"{ctx.member.org.handle} does not hold batch {batch.id}", reason="not_holder")
    epcs = [code_uri] if code_uri else None
    event = object_event(
        "destroy",
        time=ctx.scan.time,
        location=ctx.scan.location,
        epcs=epcs,
        epc_class=None if epcs else lot_class(ctx.resolver, batch.gtin, batch.lot),
    )
    summary = ctx.append(
        DestroyScanned(
            action="destroy", batch_id=batch.id, code=code_uri, location=ctx.scan.location, epcis=event
        ),
        batch,
        code=code_uri,
    )
    if code is not None:
        code.status = CodeStatus.destroyed
        ctx.session.add(code)
    else:
        end_stay(ctx.session, batch.id, utc_datetime(ctx.scan.time))
    return summary
