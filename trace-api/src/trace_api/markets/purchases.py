"""The purchase ledger (进货台账) with tickets and certificates (索证索票), and a stall's goods traced
to their sources.

A vendor records each incoming lot for a stall it rents on the day the goods arrived: either the
Suyuan code it scanned (a GS1 Digital Link of an item or a lot already in the network, which links
the entry to that lot and its admission, certificates and custody), or the supplier, the product,
the quantity and the photo of the ticket (and of the certificate when there is one). Photos are
documents the vendor uploaded (``POST /v1/documents``), cited by SHA-256. A recalled lot is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from evidence import Ledger, Subject, utc_datetime

from .. import gs1
from .._paging import newest_after, page_of
from ..batches.lineage import with_ancestors
from ..batches.models import Batch, Certificate
from ..documents.service import holds_document
from ..errors import Conflict, Forbidden, Unprocessable
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..text import Line
from .facts import PurchaseRecorded
from .models import Purchase, PurchaseStatus, Stall, Supplier
from .service import Sight, market_subjects, member_actor, record_fact, require_member_key, tenant_on

UNIT = r"^[A-Z0-9]{2,3}$"
SHA256 = r"^[0-9a-f]{64}$"
MAX_QUANTITY = 1_000_000
#: What a stall still has: not yet disposed of.
HELD = (PurchaseStatus.on_sale, PurchaseStatus.blocked)


def product_name(value: str) -> str:
    """A product's name as entries and test results are matched by: trimmed, inner spaces single."""
    return re.sub(r"\s+", " ", value.strip())


class PurchaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lot_code: Line | None = Field(
        default=None,
        max_length=400,
        description="the Suyuan code scanned: a GS1 Digital Link of an item or a lot in the network",
    )
    supplier_id: str | None = Field(default=None, max_length=32, description="one of the vendor's suppliers")
    product: Line | None = Field(
        default=None, min_length=1, max_length=100, description="unset with a lot code: the lot's product"
    )
    quantity: float = Field(gt=0, le=MAX_QUANTITY, allow_inf_nan=False)
    unit: str | None = Field(
        default=None,
        pattern=UNIT,
        description="UN/ECE Rec 20 (KGM, H87, …); unset with a lot code: the lot's",
    )
    received_on: dt.date | None = Field(default=None, description="the day the goods arrived; unset: today")
    ticket_sha256: str | None = Field(default=None, pattern=SHA256, description="the ticket's photo (索票)")
    certificate_sha256: str | None = Field(
        default=None,
        pattern=SHA256,
        description="the certificate's photo (索证): an inspection or quarantine",
    )

    def missing_without_lot(self) -> list[str]:
        """What an entry without a Suyuan code lacks of the supplier, product, unit and ticket."""
        if self.lot_code is not None:
            return []
        return [
            name
            for name in ("supplier_id", "product", "unit", "ticket_sha256")
            if getattr(self, name) is None
        ]


def record_purchase(
    session: Session,
    ledger: Ledger,
    sight: Sight,
    stall: Stall,
    data: PurchaseIn,
    today: dt.date,
) -> Purchase:
    """One entry in the stall's purchase ledger, by the vendor renting the stall on the day."""
    member, market = sight.member, sight.market
    require_member_key(member)
    missing = data.missing_without_lot()
    if missing:
        raise Unprocessable.field(
            missing[0], f"is required without a lot_code (missing: {', '.join(missing)})", reason="no_source"
        )
    received_on = data.received_on or today
    if received_on > today:
        raise Unprocessable.field("received_on", f"{received_on} is after today ({today})", reason="future")
    rental = tenant_on(session, stall.id, received_on)
    if rental is None or rental.vendor_org_id != member.org.id:
        raise Forbidden(
            f"{member.org.handle} does not rent stall {stall.code} of market {market.handle} on {received_on}"
        )
    batch = _lot(session, data.lot_code) if data.lot_code is not None else None
    supplier = _supplier(session, member, data.supplier_id) if data.supplier_id is not None else None
    for field in ("ticket_sha256", "certificate_sha256"):
        require_held(session, member, field, getattr(data, field))
    product = product_name(data.product or (batch.product_name if batch else ""))
    unit = data.unit or (batch.unit if batch else "")
    purchase = Purchase(
        id=uuid.uuid4().hex, market_id=market.id, stall_id=stall.id, vendor_org_id=member.org.id,
        product=product, quantity=data.quantity, unit=unit, received_on=received_on,
        batch_id=batch.id if batch else None, lot_code=data.lot_code,
        supplier_id=supplier.id if supplier else None, ticket_sha256=data.ticket_sha256,
        certificate_sha256=data.certificate_sha256, created_at=dt.datetime.now(dt.UTC),
        key_id=member.key_id, record_id="", ledger_index=0,
    )  # fmt: skip
    fact = PurchaseRecorded(
        purchase_id=purchase.id, market=market.handle, stall=stall.code, vendor=member.org.handle,
        product=product, quantity=data.quantity, unit=unit, received_on=received_on,
        batch_id=purchase.batch_id, lot_code=data.lot_code, supplier_id=purchase.supplier_id,
        supplier=supplier.name if supplier else None, ticket_sha256=data.ticket_sha256,
        certificate_sha256=data.certificate_sha256,
    )  # fmt: skip
    subjects = market_subjects(
        market, Subject(type="stall", id=stall.id), Subject(type="org", id=member.org.uscc)
    )
    record, receipt = record_fact(
        session, ledger, member_actor(member), f"purchase:{purchase.id}", subjects, fact
    )
    purchase.record_id, purchase.ledger_index = record.record_id, receipt.index
    purchase.created_at = utc_datetime(record.time)
    session.add(purchase)
    session.flush()
    return purchase


def _lot(session: Session, code: str) -> Batch:
    try:
        link = gs1.parse_digital_link(code)
    except gs1.GS1Error as exc:
        raise Unprocessable.field("lot_code", str(exc), reason="not_a_code") from exc
    if link.lot is None:
        raise Unprocessable.field(
            "lot_code", "names a product (GTIN) but no lot: scan the lot's or an item's code"
        )
    batch = session.exec(select(Batch).where(Batch.gtin == link.gtin, Batch.lot == link.lot)).first()
    if batch is None:
        raise Unprocessable.field(
            "lot_code", f"no lot {link.lot} of GTIN {link.gtin} in the network", reason="unknown_lot"
        )
    if any(lot.recalled for lot in with_ancestors(session, batch)):
        raise Conflict(f"lot {batch.id} is under recall: it may not be put on sale", reason="under_recall")
    return batch


def _supplier(session: Session, member: Member, supplier_id: str) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None or supplier.vendor_org_id != member.org.id:
        raise Unprocessable.field(
            "supplier_id", f"no supplier {supplier_id!r} of {member.org.handle}", reason="unknown_supplier"
        )
    return supplier


def require_held(session: Session, member: Member, field: str, sha256: str | None) -> None:
    if sha256 is not None and not holds_document(session, member.org.id, sha256):
        raise Unprocessable.field(
            field,
            f"no document {sha256} that {member.org.handle} uploaded or was given",
            reason="unknown_document",
        )


# -- reading -------------------------------------------------------------------------------------


def purchase_ledger(
    session: Session, sight: Sight, stall: Stall, limit: int, cursor: str | None
) -> tuple[list[Purchase], str | None]:
    """The stall's entries, newest first, a page at a time; a vendor sees its own entries only."""
    sight.require_stall(session, stall)
    query = select(Purchase).where(Purchase.stall_id == stall.id)
    if not sight.whole:
        query = query.where(Purchase.vendor_org_id == sight.member.org.id)
    after = newest_after(session, Purchase, cursor, "created_at")
    if after is not None:
        query = query.where(after)
    query = query.order_by(col(Purchase.created_at).desc(), col(Purchase.id).desc()).limit(limit + 1)
    return page_of(session.exec(query).all(), limit, lambda p: p.id)


@dataclass(frozen=True)
class Source:
    """Where an entry's goods came from: a Suyuan lot (with its certificates and importer), or a
    supplier."""

    batch: Batch | None = None
    certificates: tuple[Certificate, ...] = ()
    importer: Organisation | None = None
    recalled: bool = False
    supplier: Supplier | None = None


def held_goods(session: Session, stall: Stall, vendor_org_id: str | None = None) -> list[Purchase]:
    """The stall's goods not yet disposed of (on sale or blocked), newest first."""
    query = select(Purchase).where(Purchase.stall_id == stall.id, col(Purchase.status).in_(HELD))
    if vendor_org_id is not None:
        query = query.where(Purchase.vendor_org_id == vendor_org_id)
    return list(session.exec(query.order_by(col(Purchase.created_at).desc(), col(Purchase.id))).all())


def sources_of(session: Session, purchases: list[Purchase]) -> dict[str, Source]:
    """Each entry's source, by entry id (lots and suppliers fetched together)."""
    batch_ids = {p.batch_id for p in purchases if p.batch_id}
    supplier_ids = {p.supplier_id for p in purchases if p.supplier_id}
    batches = {b.id: b for b in session.exec(select(Batch).where(col(Batch.id).in_(batch_ids)))}
    suppliers = {s.id: s for s in session.exec(select(Supplier).where(col(Supplier.id).in_(supplier_ids)))}
    certificates: dict[str, list[Certificate]] = {}
    for certificate in session.exec(select(Certificate).where(col(Certificate.batch_id).in_(batch_ids))):
        certificates.setdefault(certificate.batch_id, []).append(certificate)
    importer_ids = {b.importer_org_id for b in batches.values()}
    importers = {
        o.id: o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(importer_ids)))
    }
    found: dict[str, Source] = {}
    for purchase in purchases:
        batch = batches.get(purchase.batch_id or "")
        supplier = suppliers.get(purchase.supplier_id or "")
        if batch is None:
            found[purchase.id] = Source(supplier=supplier)
            continue
        found[purchase.id] = Source(
            batch=batch,
            certificates=tuple(certificates.get(batch.id, ())),
            importer=importers.get(batch.importer_org_id),
            recalled=any(lot.recalled for lot in with_ancestors(session, batch)),
            supplier=supplier,
        )
    return found


def blocked_sale(session: Session, vendor_org_id: str, batch_id: str) -> Purchase | None:
    """The vendor's latest entry of the lot when a failed rapid test took it off sale (blocked,
    destroyed or returned); None when the vendor may sell it."""
    latest = session.exec(
        select(Purchase)
        .where(Purchase.vendor_org_id == vendor_org_id, Purchase.batch_id == batch_id)
        .order_by(col(Purchase.created_at).desc())
    ).first()
    return latest if latest is not None and latest.status is not PurchaseStatus.on_sale else None


def stall_product_entries(session: Session, stall_id: str, product: str) -> list[Purchase]:
    """The stall's goods on sale of ``product`` (names compared trimmed, case aside)."""
    return list(
        session.exec(
            select(Purchase).where(
                Purchase.stall_id == stall_id,
                Purchase.status == PurchaseStatus.on_sale,
                func.lower(Purchase.product) == product_name(product).lower(),
            )
        ).all()
    )
