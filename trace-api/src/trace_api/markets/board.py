"""The public market board (信息公示): what a market shows its customers, and each stall's page.

Today's rapid-test results, the open disposals (goods taken off sale), the prices each stall
declared (明码标价), the vendors with their licences, and every stall with what it has on sale and
where it came from. Nothing private: a supplier is shown by its name only, never its contact or
identity number; who entered what is not shown.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from ..orgs.models import Organisation
from .models import Disposal, DisposalStatus, Market, Purchase, PurchaseStatus, RapidTest, Stall
from .purchases import Source, held_goods, sources_of
from .registry import market_stalls, market_vendors
from .service import day_bounds, market_day, operator_of, tenants_on
from .views import Licence, board_path, stall_path
from .weighing import latest_prices

#: Yuan per kilogram to yuan per jin (斤, 500 g), as market boards also show prices.
JIN_PER_KG = 2


class BoardTest(BaseModel):
    stall: str
    sample: str
    product: str
    method: str
    value: float
    unit: str
    threshold: float
    passed: bool
    tested_at: dt.datetime


class BoardDisposal(BaseModel):
    stall: str
    product: str
    vendor: str | None = Field(description="the vendor's name")
    opened_at: dt.datetime


class BoardPrice(BaseModel):
    stall: str
    product: str
    yuan_per_kg: float
    yuan_per_jin: float
    at: dt.datetime


class BoardVendor(BaseModel):
    name: str
    stalls: list[str]
    business_licence: Licence
    food_licence: Licence | None


class BoardStall(BaseModel):
    code: str
    category: str
    vendor: str | None = Field(description="the name of the vendor renting it today")
    blocked: int = Field(description="its lots blocked by a failed rapid test")
    page_url: str
    qr_svg_url: str


class BoardGoods(BaseModel):
    product: str
    quantity: float
    unit: str
    received_on: dt.date
    blocked: bool
    source: str = Field(description="the supplier's name, or the lot's producer and origin")
    origin_country: str | None
    lot: str | None = Field(description="the Suyuan lot, when it came from one")


class MarketBoard(BaseModel):
    market: str
    name: str
    address: str
    operator: str
    day: dt.date
    rapid_tests: list[BoardTest]
    open_disposals: list[BoardDisposal]
    prices: list[BoardPrice]
    vendors: list[BoardVendor]
    stalls: list[BoardStall]
    page_url: str


class StallBoard(BaseModel):
    market: str
    market_name: str
    code: str
    category: str
    day: dt.date
    vendor: BoardVendor | None
    goods: list[BoardGoods]
    rapid_tests: list[BoardTest]
    open_disposals: list[BoardDisposal]
    prices: list[BoardPrice]
    page_url: str
    board_url: str
    qr_svg_url: str


def market_board(session: Session, market: Market, now: dt.datetime) -> MarketBoard:
    day = market_day(now)
    stalls = market_stalls(session, market)
    codes = {s.id: s.code for s in stalls}
    tenants = tenants_on(session, list(codes), day)
    blocked = _blocked_counts(session, market)
    return MarketBoard(
        market=market.handle, name=market.name, address=market.address,
        operator=operator_of(session, market).name, day=day,
        rapid_tests=_tests(session, market, codes, day), open_disposals=_open(session, market, codes),
        prices=_prices(session, market, codes, now), vendors=_vendors(session, market, day, stalls, tenants),
        stalls=[
            BoardStall(
                code=s.code, category=s.category.value, vendor=_name(tenants.get(s.id)),
                blocked=blocked.get(s.id, 0), page_url=stall_path(market, s),
                qr_svg_url=stall_path(market, s) + "/qr.svg",
            )
            for s in stalls
        ],
        page_url=board_path(market),
    )  # fmt: skip


def stall_board(session: Session, market: Market, stall: Stall, now: dt.datetime) -> StallBoard:
    day = market_day(now)
    codes = {stall.id: stall.code}
    tenants = tenants_on(session, [stall.id], day)
    vendors = _vendors(session, market, day, [stall], tenants)
    goods = held_goods(session, stall)
    sources = sources_of(session, goods)
    return StallBoard(
        market=market.handle, market_name=market.name, code=stall.code, category=stall.category.value,
        day=day, vendor=vendors[0] if vendors else None, goods=[_goods(p, sources[p.id]) for p in goods],
        rapid_tests=_tests(session, market, codes, day), open_disposals=_open(session, market, codes),
        prices=_prices(session, market, codes, now), page_url=stall_path(market, stall),
        board_url=board_path(market), qr_svg_url=stall_path(market, stall) + "/qr.svg",
    )  # fmt: skip


def _name(org: Organisation | None) -> str | None:
    return None if org is None else org.name


def _tests(session: Session, market: Market, codes: dict[str, str], day: dt.date) -> list[BoardTest]:
    start, end = day_bounds(day)
    query = (
        select(RapidTest)
        .where(RapidTest.market_id == market.id, RapidTest.tested_at >= start, RapidTest.tested_at < end)
        .where(col(RapidTest.stall_id).in_(codes))
        .order_by(col(RapidTest.tested_at).desc(), col(RapidTest.id))
    )
    return [
        BoardTest(
            stall=codes[t.stall_id],
            sample=t.sample,
            product=t.product,
            method=t.method,
            value=t.value,
            unit=t.unit,
            threshold=t.threshold,
            passed=t.passed,
            tested_at=t.tested_at,
        )
        for t in session.exec(query)
    ]


def _open(session: Session, market: Market, codes: dict[str, str]) -> list[BoardDisposal]:
    query = (
        select(Disposal, Organisation)
        .outerjoin(Organisation, col(Organisation.id) == Disposal.vendor_org_id)
        .where(Disposal.market_id == market.id, Disposal.status == DisposalStatus.open)
        .where(col(Disposal.stall_id).in_(codes))
        .order_by(col(Disposal.opened_at).desc())
    )
    return [
        BoardDisposal(stall=codes[d.stall_id], product=d.product, vendor=_name(org), opened_at=d.opened_at)
        for d, org in session.exec(query)
    ]


def _prices(session: Session, market: Market, codes: dict[str, str], now: dt.datetime) -> list[BoardPrice]:
    return [
        BoardPrice(
            stall=codes[p.stall_id],
            product=p.product,
            yuan_per_kg=round(p.unit_price, 2),
            yuan_per_jin=round(p.unit_price / JIN_PER_KG, 2),
            at=p.at,
        )
        for p in latest_prices(session, market.id, now, set(codes))
    ]


def _vendors(
    session: Session, market: Market, day: dt.date, stalls: list[Stall], tenants: dict[str, Organisation]
) -> list[BoardVendor]:
    """The vendors renting the stalls today, with their licences."""
    rented: dict[str, list[str]] = {}
    for stall in stalls:
        if stall.id in tenants:
            rented.setdefault(tenants[stall.id].id, []).append(stall.code)
    found = []
    for vendor, org in market_vendors(session, market):
        if org.id not in rented:
            continue
        food = vendor.food_licence
        found.append(
            BoardVendor(
                name=org.name,
                stalls=rented[org.id],
                business_licence=Licence(
                    number=vendor.business_licence, expires_on=vendor.business_licence_expires_on
                ),
                food_licence=Licence(number=food, expires_on=vendor.food_licence_expires_on)
                if food
                else None,
            )
        )
    return found


def _blocked_counts(session: Session, market: Market) -> dict[str, int]:
    query = select(Purchase.stall_id).where(
        Purchase.market_id == market.id, Purchase.status == PurchaseStatus.blocked
    )
    counts: dict[str, int] = {}
    for stall_id in session.exec(query):
        counts[stall_id] = counts.get(stall_id, 0) + 1
    return counts


def _goods(purchase: Purchase, source: Source) -> BoardGoods:
    batch = source.batch
    supplier = source.supplier.name if source.supplier else "—"
    return BoardGoods(
        product=purchase.product, quantity=purchase.quantity, unit=purchase.unit,
        received_on=purchase.received_on, source=batch.producer if batch else supplier,
        blocked=purchase.status is PurchaseStatus.blocked,
        origin_country=batch.origin_country if batch else None, lot=batch.lot if batch else None,
    )  # fmt: skip
