"""The markets' rows as the API answers them: the stalls, vendors, devices and organisations a page
of rows names, fetched together, then each row as its view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from ..devices.models import Device
from ..orgs.models import Organisation
from .models import Disposal, Market, Purchase, RapidTest, Stall, Weighing
from .purchases import sources_of
from .registry import market_stalls, market_vendors
from .service import Sight, tenants_on
from .views import (
    DisposalView,
    GoodsView,
    PriceView,
    PurchaseView,
    RapidTestView,
    StallView,
    VendorView,
    WeighingView,
    disposal_view,
    goods_view,
    price_view,
    purchase_view,
    rapid_test_view,
    stall_view,
    vendor_view,
    weighing_view,
)
from .weighing import latest_prices


def _stalls(session: Session, ids: Iterable[str]) -> dict[str, Stall]:
    wanted = set(ids)
    return {s.id: s for s in session.exec(select(Stall).where(col(Stall.id).in_(wanted)))} if wanted else {}


def _handles(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    query = select(Organisation.id, Organisation.handle).where(col(Organisation.id).in_(wanted))
    return dict(session.exec(query).all())


def _devices(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.exec(select(Device.id, Device.username).where(col(Device.id).in_(wanted))).all())


def stall_views(session: Session, sight: Sight, today: dt.date) -> list[StallView]:
    """The market's stalls with today's tenants: all of them, or a vendor's own."""
    only = None if sight.whole else sight.own_stall_ids(session)
    stalls = market_stalls(session, sight.market, only)
    tenants = tenants_on(session, [s.id for s in stalls], today)
    return [stall_view(sight.market, s, tenants.get(s.id)) for s in stalls]


def vendor_views(session: Session, sight: Sight, today: dt.date) -> list[VendorView]:
    """The market's vendors with the stalls they rent today: all, or a vendor itself."""
    vendors = market_vendors(session, sight.market, None if sight.whole else sight.member.org.id)
    let = rented_today(session, sight.market, today)
    return [vendor_view(v, org, let.get(org.id, [])) for v, org in vendors]


def rented_today(session: Session, market: Market, today: dt.date) -> dict[str, list[str]]:
    """The stall codes each vendor (by organisation id) rents today."""
    stalls = market_stalls(session, market)
    tenants = tenants_on(session, [s.id for s in stalls], today)
    let: dict[str, list[str]] = {}
    for stall in stalls:
        if stall.id in tenants:
            let.setdefault(tenants[stall.id].id, []).append(stall.code)
    return let


def purchase_views(session: Session, purchases: Sequence[Purchase]) -> list[PurchaseView]:
    stalls = _stalls(session, (p.stall_id for p in purchases))
    vendors = _handles(session, (p.vendor_org_id for p in purchases))
    return [purchase_view(p, stalls[p.stall_id], vendors[p.vendor_org_id]) for p in purchases]


def goods_views(session: Session, stall: Stall, purchases: list[Purchase]) -> list[GoodsView]:
    sources = sources_of(session, purchases)
    vendors = _handles(session, (p.vendor_org_id for p in purchases))
    return [goods_view(p, stall, vendors[p.vendor_org_id], sources[p.id]) for p in purchases]


def rapid_test_views(session: Session, tests: Sequence[RapidTest]) -> list[RapidTestView]:
    stalls = _stalls(session, (t.stall_id for t in tests))
    devices = _devices(session, (t.device_id for t in tests))
    return [rapid_test_view(t, stalls[t.stall_id], devices.get(t.device_id or "")) for t in tests]


def disposal_views(session: Session, disposals: Sequence[Disposal]) -> list[DisposalView]:
    ids = [d.id for d in disposals]
    tests = {
        t.id: t
        for t in session.exec(
            select(RapidTest).where(col(RapidTest.id).in_({d.rapid_test_id for d in disposals}))
        )
    }
    test_views = {v.id: v for v in rapid_test_views(session, list(tests.values()))}
    stalls = _stalls(session, (d.stall_id for d in disposals))
    vendors = _handles(session, (d.vendor_org_id for d in disposals))
    blocked: dict[str, list[str]] = {}
    if ids:
        query = select(Purchase.disposal_id, Purchase.id).where(col(Purchase.disposal_id).in_(ids))
        for disposal_id, purchase_id in session.exec(query.order_by(col(Purchase.created_at))):
            blocked.setdefault(disposal_id or "", []).append(purchase_id)
    return [
        disposal_view(
            d,
            stalls[d.stall_id],
            vendors.get(d.vendor_org_id or ""),
            test_views[d.rapid_test_id],
            blocked.get(d.id, []),
        )
        for d in disposals
    ]


def weighing_views(session: Session, weighings: Sequence[Weighing]) -> list[WeighingView]:
    stalls = _stalls(session, (w.stall_id for w in weighings))
    devices = _devices(session, (w.device_id for w in weighings))
    return [weighing_view(w, stalls[w.stall_id], devices[w.device_id]) for w in weighings]


def price_views(session: Session, sight: Sight, now: dt.datetime) -> list[PriceView]:
    only = None if sight.whole else sight.own_stall_ids(session)
    prices = latest_prices(session, sight.market.id, now, only)
    stalls = _stalls(session, (p.stall_id for p in prices))
    return [price_view(p, stalls[p.stall_id]) for p in prices]
