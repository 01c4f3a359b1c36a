"""``/v1/markets``: farmers' markets (农贸市场): the registry, purchase ledgers, rapid tests and
their disposals, the recheck scale's weighings and the stalls' prices.

A market's operator manages it; a vendor registered there sees the market and its own stalls
only, and writes its own stalls' purchase ledger; a regulator sees every market. Anyone else is
refused (403). The public board is :mod:`.pages`, included with the API in :data:`router`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlmodel import Session

from ..alerting import AlertSink
from ..auth import CurrentMember
from ..context import WriteSession, get_services, get_session
from ..errors import Forbidden
from ..orgs.models import Organisation
from ..orgs.service import Member
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from . import answers
from .models import Stall
from .pages import router as board_router
from .purchases import PurchaseIn, held_goods, purchase_ledger, record_purchase
from .rapid_tests import (
    DisposalFilter,
    DisposalIn,
    RapidTestIn,
    complete_disposal,
    enter_rapid_test,
    get_disposal,
    list_disposals,
    list_rapid_tests,
)
from .registry import (
    MarketIn,
    RentalIn,
    StallIn,
    SupplierIn,
    VendorIn,
    add_stall,
    add_supplier,
    register_market,
    register_vendor,
    registered_vendor,
    rent_stall,
    stall_rentals,
    vendor_suppliers,
    visible_markets,
)
from .service import Sight, find_market, find_stall, market_day, operator_of, sight_of, tenant_on
from .views import (
    DisposalPage,
    DisposalView,
    GoodsList,
    MarketList,
    MarketView,
    PriceList,
    PurchasePage,
    PurchaseView,
    RapidTestPage,
    RapidTestView,
    RentalList,
    RentalView,
    StallList,
    StallView,
    SupplierList,
    SupplierView,
    VendorList,
    VendorView,
    WeighingPage,
    market_view,
    rental_view,
    stall_view,
    supplier_view,
)
from .weighing import ResolutionIn, list_weighings, resolve_short_weight

api = APIRouter(prefix="/v1/markets", tags=["markets"])

MarketHandle = Annotated[str, Path(max_length=64, description="the market's handle")]
StallCode = Annotated[str, Path(max_length=16, description="the stall's code, e.g. A-01")]
ReadSession = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]
Day = Annotated[dt.date | None, Query(description="a market day (China Standard Time)")]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sight(session: Session, member: Member, handle: str) -> Sight:
    return sight_of(session, member, find_market(session, handle))


@api.post("", status_code=201)
def create_market(
    data: MarketIn, member: CurrentMember, services: ServicesDep, session: WriteSession
) -> MarketView:
    """Register a market (``market.registered``): a market operator registers its own, a regulator
    one of an operator it names."""
    market = register_market(session, services.ledger, member, data)
    return market_view(market, operator_of(session, market))


@api.get("")
def markets(member: CurrentMember, session: ReadSession) -> MarketList:
    """The markets the caller may see, by handle: every one for a regulator, its own for an
    operator, those it is registered at for a vendor."""
    return MarketList(markets=[market_view(m, op) for m, op in visible_markets(session, member)])


@api.get("/{market}")
def market(market: MarketHandle, member: CurrentMember, session: ReadSession) -> MarketView:
    sight = _sight(session, member, market)
    return market_view(sight.market, operator_of(session, sight.market))


# -- stalls and rentals --------------------------------------------------------------------------


@api.post("/{market}/stalls", status_code=201)
def create_stall(
    market: MarketHandle, data: StallIn, member: CurrentMember, services: ServicesDep, session: WriteSession
) -> StallView:
    """Add a stall (摊位), its code unique within the market (``market.stall_added``); the operator."""
    found = find_market(session, market)
    return stall_view(found, add_stall(session, services.ledger, member, found, data), None)


@api.get("/{market}/stalls")
def stalls(market: MarketHandle, member: CurrentMember, session: ReadSession) -> StallList:
    """The stalls by code with today's tenant (a vendor: its own stalls)."""
    sight = _sight(session, member, market)
    return StallList(stalls=answers.stall_views(session, sight, market_day(_now())))


@api.get("/{market}/stalls/{stall}")
def stall(market: MarketHandle, stall: StallCode, member: CurrentMember, session: ReadSession) -> StallView:
    sight = _sight(session, member, market)
    found = _stall(session, sight, stall)
    return _stall_view(session, sight, found)


def _stall(session: Session, sight: Sight, code: str) -> Stall:
    found = find_stall(session, sight.market, code)
    sight.require_stall(session, found)
    return found


def _stall_view(session: Session, sight: Sight, stall: Stall) -> StallView:
    rental = tenant_on(session, stall.id, market_day(_now()))
    tenant = session.get(Organisation, rental.vendor_org_id) if rental else None
    return stall_view(sight.market, stall, tenant)


@api.post("/{market}/stalls/{stall}/rentals", status_code=201)
def create_rental(
    market: MarketHandle,
    stall: StallCode,
    data: RentalIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> RentalView:
    """Let the stall to a registered vendor from ``starts_on`` through ``ends_on`` (the operator;
    ``market.stall_rented``). 409 when it overlaps another rental of the stall."""
    found = find_market(session, market)
    let = find_stall(session, found, stall)
    rental = rent_stall(session, services.ledger, member, found, let, data)
    vendor = session.get(Organisation, rental.vendor_org_id)
    assert vendor is not None
    return rental_view(rental, let, vendor)


@api.get("/{market}/stalls/{stall}/rentals")
def rentals(
    market: MarketHandle, stall: StallCode, member: CurrentMember, session: ReadSession
) -> RentalList:
    """The stall's rentals, earliest first (a vendor: its own stalls' rentals)."""
    sight = _sight(session, member, market)
    found = _stall(session, sight, stall)
    return RentalList(rentals=[rental_view(r, found, org) for r, org in stall_rentals(session, found)])


# -- the purchase ledger -------------------------------------------------------------------------


@api.post("/{market}/stalls/{stall}/purchases", status_code=201)
def create_purchase(
    market: MarketHandle,
    stall: StallCode,
    data: PurchaseIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> PurchaseView:
    """Record an incoming lot in the stall's purchase ledger (进货台账, ``market.purchase_recorded``):
    the vendor renting the stall on the day, from a Suyuan code (``lot_code``) or a supplier with
    the product, quantity, unit and the ticket's photo (索票; a certificate's photo when there is one)."""
    sight = _sight(session, member, market)
    found = find_stall(session, sight.market, stall)
    purchase = record_purchase(session, services.ledger, sight, found, data, market_day(_now()))
    return answers.purchase_views(session, [purchase])[0]


@api.get("/{market}/stalls/{stall}/purchases")
def purchases(
    market: MarketHandle,
    stall: StallCode,
    member: CurrentMember,
    session: ReadSession,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> PurchasePage:
    """The stall's purchase ledger, newest first, each entry with its status (on sale, blocked by a
    failed rapid test, destroyed, returned); a vendor sees its own entries."""
    sight = _sight(session, member, market)
    found = find_stall(session, sight.market, stall)
    rows, next_cursor = purchase_ledger(session, sight, found, limit, cursor)
    return PurchasePage(purchases=answers.purchase_views(session, rows), next_cursor=next_cursor)


@api.get("/{market}/stalls/{stall}/goods")
def goods(market: MarketHandle, stall: StallCode, member: CurrentMember, session: ReadSession) -> GoodsList:
    """The stall's goods not yet disposed of (on sale or blocked), each traced to its source: the
    Suyuan lot with its producer, origin, importer and certificates, or the supplier."""
    sight = _sight(session, member, market)
    found = _stall(session, sight, stall)
    held = held_goods(session, found, None if sight.whole else sight.member.org.id)
    return GoodsList(
        stall=_stall_view(session, sight, found), goods=answers.goods_views(session, found, held)
    )


# -- vendors and suppliers -----------------------------------------------------------------------


@api.post("/{market}/vendors", status_code=201)
def create_vendor(
    market: MarketHandle, data: VendorIn, member: CurrentMember, services: ServicesDep, session: WriteSession
) -> VendorView:
    """Let a vendor into the market with its licences checked (入场审查, ``market.vendor_registered``):
    the operator. Expired licences are refused."""
    found = find_market(session, market)
    today = market_day(_now())
    vendor = register_vendor(session, services.ledger, member, found, data, today)
    sight = Sight(found, member, whole=True)
    return next(v for v in answers.vendor_views(session, sight, today) if v.uscc == vendor.business_licence)


@api.get("/{market}/vendors")
def vendors(market: MarketHandle, member: CurrentMember, session: ReadSession) -> VendorList:
    """The vendors with their licences and the stalls they rent today (a vendor: itself)."""
    sight = _sight(session, member, market)
    return VendorList(vendors=answers.vendor_views(session, sight, market_day(_now())))


@api.post("/{market}/vendors/{vendor}/suppliers", status_code=201)
def create_supplier(
    market: MarketHandle,
    vendor: Annotated[str, Path(max_length=64)],
    data: SupplierIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> SupplierView:
    """Add one of the vendor's suppliers or distributors (``market.supplier_added``): the vendor or
    the operator. Only a masked identity card number enters the ledger."""
    found = find_market(session, market)
    return supplier_view(add_supplier(session, services.ledger, member, found, vendor, data))


@api.get("/{market}/vendors/{vendor}/suppliers")
def suppliers(
    market: MarketHandle,
    vendor: Annotated[str, Path(max_length=64)],
    member: CurrentMember,
    session: ReadSession,
) -> SupplierList:
    """The vendor's suppliers and distributors (its operator, a regulator, or the vendor itself)."""
    sight = _sight(session, member, market)
    registered = registered_vendor(session, sight.market, vendor, "vendor")
    if not sight.whole and registered.org_id != member.org.id:
        raise Forbidden(f"{member.org.handle} may see its own suppliers only")
    return SupplierList(suppliers=[supplier_view(s) for s in vendor_suppliers(session, registered.org_id)])


# -- rapid tests and disposals -------------------------------------------------------------------


class RapidTestEntered(BaseModel):
    rapid_test: RapidTestView
    disposal: DisposalView | None


@api.post("/{market}/rapid-tests", status_code=201)
def create_rapid_test(
    market: MarketHandle,
    data: RapidTestIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> RapidTestEntered:
    """Enter a rapid test's result by hand (``market.rapid_tested``; a terminal publishes its own
    over MQTT): the operator. A failed one opens a disposal that blocks the stall's lots of the
    product (``market.disposal_opened``)."""
    found = find_market(session, market)
    taken = enter_rapid_test(session, AlertSink.of(services), member, found, data, _now())
    disposal = answers.disposal_views(session, [taken.disposal])[0] if taken.disposal else None
    return RapidTestEntered(rapid_test=answers.rapid_test_views(session, [taken.test])[0], disposal=disposal)


@api.get("/{market}/rapid-tests")
def rapid_tests(
    market: MarketHandle,
    member: CurrentMember,
    session: ReadSession,
    day: Day = None,
    stall: Annotated[str | None, Query(max_length=16)] = None,
    passed: bool | None = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> RapidTestPage:
    """Rapid-test results, newest first (a vendor: its stalls')."""
    sight = _sight(session, member, market)
    chosen = find_stall(session, sight.market, stall) if stall else None
    rows, next_cursor = list_rapid_tests(
        session, sight, day=day, stall=chosen, passed=passed, limit=limit, cursor=cursor
    )
    return RapidTestPage(rapid_tests=answers.rapid_test_views(session, rows), next_cursor=next_cursor)


@api.get("/{market}/disposals")
def disposals(
    market: MarketHandle,
    member: CurrentMember,
    session: ReadSession,
    status: DisposalFilter = DisposalFilter.open,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> DisposalPage:
    """Disposals of failed tests (不合格处理), newest first: ``open`` (goods blocked), ``completed``
    (destroyed or returned), ``all`` (a vendor: its own)."""
    sight = _sight(session, member, market)
    rows, next_cursor = list_disposals(session, sight, status, limit, cursor)
    return DisposalPage(disposals=answers.disposal_views(session, rows), next_cursor=next_cursor)


@api.get("/{market}/disposals/{disposal_id}")
def disposal(
    market: MarketHandle,
    disposal_id: Annotated[str, Path(max_length=32)],
    member: CurrentMember,
    session: ReadSession,
) -> DisposalView:
    sight = _sight(session, member, market)
    return answers.disposal_views(session, [get_disposal(session, sight, disposal_id)])[0]


@api.post("/{market}/disposals/{disposal_id}/complete")
def complete(
    market: MarketHandle,
    disposal_id: Annotated[str, Path(max_length=32)],
    data: DisposalIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> DisposalView:
    """Record the blocked goods destroyed or returned, with a note and a photo (the operator; once;
    ``market.disposal_completed``)."""
    found = find_market(session, market)
    done = complete_disposal(session, AlertSink.of(services), member, found, disposal_id, data)
    return answers.disposal_views(session, [done])[0]


# -- weighings and prices ------------------------------------------------------------------------


@api.get("/{market}/weighings")
def weighings(
    market: MarketHandle,
    member: CurrentMember,
    session: ReadSession,
    stall: Annotated[str | None, Query(max_length=16)] = None,
    short: Annotated[
        bool | None, Query(description="only short (true) or only fair (false) weighings")
    ] = None,
    day: Day = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> WeighingPage:
    """The recheck scale's weighings (复称), newest first: declared against measured, the allowed
    shortfall and whether it was exceeded (a vendor: its stalls')."""
    sight = _sight(session, member, market)
    chosen = find_stall(session, sight.market, stall) if stall else None
    rows, next_cursor = list_weighings(
        session, sight, stall=chosen, short=short, day=day, limit=limit, cursor=cursor
    )
    return WeighingPage(weighings=answers.weighing_views(session, rows), next_cursor=next_cursor)


class ResolvedAlert(BaseModel):
    alert_id: str
    rule: str
    stall: str
    closed_at: dt.datetime


@api.post("/{market}/stalls/{stall}/short-weight/resolve")
def resolve_short_weight_alert(
    market: MarketHandle,
    stall: StallCode,
    data: ResolutionIn,
    member: CurrentMember,
    services: ServicesDep,
    session: WriteSession,
) -> ResolvedAlert:
    """Close the stall's open ``short_weight`` alert once the scale and the vendor are checked, with
    a note saying what was done (the operator; ``alert.closed``). 409 when none is open."""
    found = find_market(session, market)
    let = find_stall(session, found, stall)
    alert = resolve_short_weight(session, AlertSink.of(services), member, found, let, data)
    assert alert.closed_at is not None
    return ResolvedAlert(alert_id=alert.id, rule=alert.rule, stall=let.code, closed_at=alert.closed_at)


@api.get("/{market}/prices")
def prices(market: MarketHandle, member: CurrentMember, session: ReadSession) -> PriceList:
    """Each stall's products with the unit price declared at their latest weighing (明码标价)."""
    sight = _sight(session, member, market)
    return PriceList(prices=answers.price_views(session, sight, _now()))


#: The API and the public board (:mod:`.pages`), as the app includes them.
router = APIRouter()
router.include_router(api)
router.include_router(board_router)
