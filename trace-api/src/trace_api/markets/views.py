"""The markets' answers (their OpenAPI schema), and how rows become them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from ..batches.models import Batch
from ..orgs.models import Organisation
from .models import Disposal, Market, Purchase, RapidTest, Rental, Stall, Supplier, Vendor, Weighing
from .purchases import Source
from .registry import masked_id_number
from .weighing import Price


class Party(BaseModel):
    handle: str
    name: str

    @classmethod
    def of(cls, org: Organisation) -> Party:
        return cls(handle=org.handle, name=org.name)


def party(org: Organisation | None) -> Party | None:
    return None if org is None else Party.of(org)


class MarketView(BaseModel):
    handle: str
    name: str
    address: str
    latitude: float | None
    longitude: float | None
    operator: Party
    board_url: str = Field(description="the public market board (信息公示)")
    created_at: dt.datetime
    record_id: str


def market_view(market: Market, operator: Organisation) -> MarketView:
    return MarketView(
        handle=market.handle, name=market.name, address=market.address, latitude=market.latitude,
        longitude=market.longitude, operator=Party.of(operator), board_url=board_path(market),
        created_at=market.created_at, record_id=market.record_id,
    )  # fmt: skip


def board_path(market: Market) -> str:
    return f"/markets/{market.handle}"


def stall_path(market: Market, stall: Stall) -> str:
    return f"/markets/{market.handle}/stalls/{stall.code}"


class StallView(BaseModel):
    code: str
    category: str
    tenant: Party | None = Field(description="the vendor renting it today")
    page_url: str = Field(description="the stall's public page, which its QR code opens")
    qr_png_url: str
    qr_svg_url: str
    created_at: dt.datetime
    record_id: str


def stall_view(market: Market, stall: Stall, tenant: Organisation | None) -> StallView:
    page = stall_path(market, stall)
    return StallView(
        code=stall.code, category=stall.category.value, tenant=party(tenant), page_url=page,
        qr_png_url=f"{page}/qr.png", qr_svg_url=f"{page}/qr.svg", created_at=stall.created_at,
        record_id=stall.record_id,
    )  # fmt: skip


class Licence(BaseModel):
    number: str
    expires_on: dt.date | None = Field(description="null: valid without limit (长期)")


class VendorView(BaseModel):
    handle: str
    name: str
    uscc: str
    business_licence: Licence
    food_licence: Licence | None
    stalls: list[str] = Field(description="the stalls it rents today")
    registered_at: dt.datetime
    record_id: str


def vendor_view(vendor: Vendor, org: Organisation, stalls: list[str]) -> VendorView:
    food = vendor.food_licence
    return VendorView(
        handle=org.handle, name=org.name, uscc=org.uscc,
        business_licence=Licence(
            number=vendor.business_licence, expires_on=vendor.business_licence_expires_on
        ),
        food_licence=Licence(number=food, expires_on=vendor.food_licence_expires_on) if food else None,
        stalls=stalls, registered_at=vendor.registered_at, record_id=vendor.record_id,
    )  # fmt: skip


class SupplierView(BaseModel):
    id: str
    role: str
    name: str
    uscc: str | None
    id_number: str | None = Field(description="masked: the first six and last four characters")
    contact: str
    record_id: str


def supplier_view(supplier: Supplier) -> SupplierView:
    masked = masked_id_number(supplier.id_number) if supplier.id_number else None
    return SupplierView(
        id=supplier.id, role=supplier.role.value, name=supplier.name, uscc=supplier.uscc, id_number=masked,
        contact=supplier.contact, record_id=supplier.record_id,
    )  # fmt: skip


class RentalView(BaseModel):
    id: str
    stall: str
    vendor: Party
    starts_on: dt.date
    ends_on: dt.date
    record_id: str


def rental_view(rental: Rental, stall: Stall, vendor: Organisation) -> RentalView:
    return RentalView(
        id=rental.id, stall=stall.code, vendor=Party.of(vendor), starts_on=rental.starts_on,
        ends_on=rental.ends_on, record_id=rental.record_id,
    )  # fmt: skip


class PurchaseView(BaseModel):
    id: str
    stall: str
    vendor: str
    product: str
    quantity: float
    unit: str
    received_on: dt.date
    status: Literal["on_sale", "blocked", "destroyed", "returned"]
    disposal_id: str | None = Field(description="the disposal that blocked it")
    batch_id: str | None = Field(description="the Suyuan lot it came from")
    lot_code: str | None
    supplier_id: str | None
    ticket_url: str | None
    certificate_url: str | None
    created_at: dt.datetime
    record_id: str
    ledger_index: int


def _document(sha256: str | None) -> str | None:
    return None if sha256 is None else f"/v1/documents/{sha256}"


def purchase_view(purchase: Purchase, stall: Stall, vendor: str) -> PurchaseView:
    return PurchaseView(
        id=purchase.id, stall=stall.code, vendor=vendor, product=purchase.product, quantity=purchase.quantity,
        unit=purchase.unit, received_on=purchase.received_on, status=purchase.status.value,
        disposal_id=purchase.disposal_id, batch_id=purchase.batch_id, lot_code=purchase.lot_code,
        supplier_id=purchase.supplier_id, ticket_url=_document(purchase.ticket_sha256),
        certificate_url=_document(purchase.certificate_sha256), created_at=purchase.created_at,
        record_id=purchase.record_id, ledger_index=purchase.ledger_index,
    )  # fmt: skip


class CertificateView(BaseModel):
    cert_type: str
    number: str
    issuer: str
    issued_on: dt.date
    result: str


class LotSource(BaseModel):
    batch_id: str
    gtin: str
    lot: str
    product_name: str
    origin_country: str
    producer: str
    importer: Party | None
    production_date: dt.date
    expiry_date: dt.date
    recalled: bool
    certificates: list[CertificateView]


class SourceView(BaseModel):
    kind: Literal["lot", "supplier"]
    lot: LotSource | None
    supplier: SupplierView | None


class GoodsView(PurchaseView):
    source: SourceView


def lot_source(batch: Batch, source: Source) -> LotSource:
    return LotSource(
        batch_id=batch.id, gtin=batch.gtin, lot=batch.lot, product_name=batch.product_name,
        origin_country=batch.origin_country, producer=batch.producer, importer=party(source.importer),
        production_date=batch.production_date, expiry_date=batch.expiry_date, recalled=source.recalled,
        certificates=[
            CertificateView(
                cert_type=c.cert_type.value, number=c.number, issuer=c.issuer, issued_on=c.issued_on,
                result=c.result,
            )
            for c in source.certificates
        ],
    )  # fmt: skip


def goods_view(purchase: Purchase, stall: Stall, vendor: str, source: Source) -> GoodsView:
    supplier = supplier_view(source.supplier) if source.supplier else None
    if source.batch is not None:
        where = SourceView(kind="lot", lot=lot_source(source.batch, source), supplier=supplier)
    else:
        where = SourceView(kind="supplier", lot=None, supplier=supplier)
    return GoodsView(**purchase_view(purchase, stall, vendor).model_dump(), source=where)


class RapidTestView(BaseModel):
    id: str
    stall: str
    sample: str
    product: str
    method: str
    value: float
    unit: str
    threshold: float
    passed: bool
    tested_at: dt.datetime
    device: str | None = Field(description="the terminal (null: entered by the operator)")
    record_id: str
    ledger_index: int


def rapid_test_view(test: RapidTest, stall: Stall, device: str | None) -> RapidTestView:
    return RapidTestView(
        id=test.id, stall=stall.code, sample=test.sample, product=test.product, method=test.method,
        value=test.value, unit=test.unit, threshold=test.threshold, passed=test.passed,
        tested_at=test.tested_at, device=device, record_id=test.record_id, ledger_index=test.ledger_index,
    )  # fmt: skip


class DisposalView(BaseModel):
    id: str
    stall: str
    vendor: str | None = Field(description="the stall's tenant on the day of the test")
    product: str
    status: Literal["open", "destroyed", "returned"]
    test: RapidTestView
    blocked: list[str] = Field(description="the purchase ledger entries it blocked")
    opened_at: dt.datetime
    completed_at: dt.datetime | None
    note: str | None
    evidence_url: str | None
    alert_id: str | None
    open_record_id: str
    close_record_id: str | None


def disposal_view(
    disposal: Disposal, stall: Stall, vendor: str | None, test: RapidTestView, blocked: list[str]
) -> DisposalView:
    return DisposalView(
        id=disposal.id, stall=stall.code, vendor=vendor, product=disposal.product,
        status=disposal.status.value, test=test, blocked=blocked, opened_at=disposal.opened_at,
        completed_at=disposal.completed_at,
        note=disposal.note, evidence_url=_document(disposal.evidence_sha256), alert_id=disposal.alert_id,
        open_record_id=disposal.open_record_id, close_record_id=disposal.close_record_id,
    )  # fmt: skip


class WeighingView(BaseModel):
    id: int
    stall: str
    product: str
    declared_kg: float
    measured_kg: float
    unit_price: float | None = Field(description="yuan per kilogram, as declared")
    tolerance_kg: float
    short_kg: float = Field(description="declared minus measured")
    short: bool
    weighed_at: dt.datetime
    device: str
    record_id: str
    ledger_index: int


def weighing_view(weighing: Weighing, stall: Stall, device: str) -> WeighingView:
    assert weighing.id is not None
    return WeighingView(
        id=weighing.id, stall=stall.code, product=weighing.product, declared_kg=weighing.declared_kg,
        measured_kg=weighing.measured_kg, unit_price=weighing.unit_price, tolerance_kg=weighing.tolerance_kg,
        short_kg=round(weighing.declared_kg - weighing.measured_kg, 6), short=weighing.short,
        weighed_at=weighing.weighed_at, device=device, record_id=weighing.record_id,
        ledger_index=weighing.ledger_index,
    )  # fmt: skip


class PriceView(BaseModel):
    stall: str
    product: str
    unit_price: float = Field(description="yuan per kilogram (明码标价), from the latest weighing")
    at: dt.datetime


def price_view(price: Price, stall: Stall) -> PriceView:
    return PriceView(stall=stall.code, product=price.product, unit_price=price.unit_price, at=price.at)


# -- pages ---------------------------------------------------------------------------------------


class MarketList(BaseModel):
    markets: list[MarketView]


class StallList(BaseModel):
    stalls: list[StallView]


class VendorList(BaseModel):
    vendors: list[VendorView]


class SupplierList(BaseModel):
    suppliers: list[SupplierView]


class RentalList(BaseModel):
    rentals: list[RentalView]


class PurchasePage(BaseModel):
    purchases: list[PurchaseView]
    next_cursor: str | None


class GoodsList(BaseModel):
    stall: StallView
    goods: list[GoodsView] = Field(description="on sale or blocked, newest first")


class RapidTestPage(BaseModel):
    rapid_tests: list[RapidTestView]
    next_cursor: str | None


class DisposalPage(BaseModel):
    disposals: list[DisposalView]
    next_cursor: str | None


class WeighingPage(BaseModel):
    weighings: list[WeighingView]
    next_cursor: str | None


class PriceList(BaseModel):
    prices: list[PriceView]
