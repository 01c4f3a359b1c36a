"""What every part of the markets domain shares: who may read or manage a market, finding markets,
stalls and tenants, market days, and appending a fact in the caller's write transaction.

Access: a market's operator manages it (stalls, vendors, rentals, rapid tests entered by hand,
disposals); a vendor registered at the market sees the market and only the stalls it rents, and
writes only its own stalls' purchase ledger; regulators see everything and write nothing here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from evidence import Actor, Ledger, Receipt, Record, Subject, utc_now

from ..errors import Forbidden, NotFound
from ..facts import Fact
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from .models import Market, Rental, Stall, Vendor

#: Market days (rentals, purchases, "today's" tests) are days in China Standard Time.
MARKET_TZ = ZoneInfo("Asia/Shanghai")
#: The organisation type of a market's stall holders (商户).
VENDOR_TYPE = OrgType.vendor


def market_day(moment: dt.datetime) -> dt.date:
    """The market day ``moment`` (aware) falls on."""
    return moment.astimezone(MARKET_TZ).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants a market day starts and ends at (start included, end excluded)."""
    start = dt.datetime.combine(day, dt.time(), MARKET_TZ)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


# -- finding -------------------------------------------------------------------------------------


def find_market(session: Session, handle: str) -> Market:
    market = session.exec(select(Market).where(Market.handle == handle)).first()
    if market is None:
        raise NotFound(f"no market {handle!r}")
    return market


def find_stall(session: Session, market: Market, code: str) -> Stall:
    stall = session.exec(
        select(Stall).where(Stall.market_id == market.id, Stall.code == code.strip().upper())
    ).first()
    if stall is None:
        raise NotFound(f"market {market.handle} has no stall {code!r}")
    return stall


def tenant_on(session: Session, stall_id: str, day: dt.date) -> Rental | None:
    """The rental under which the stall is let on ``day``, if any (rentals never overlap)."""
    return session.exec(
        select(Rental).where(Rental.stall_id == stall_id, Rental.starts_on <= day, Rental.ends_on >= day)
    ).first()


def tenants_on(session: Session, stall_ids: Collection[str], day: dt.date) -> dict[str, Organisation]:
    """The vendor renting each of the stalls on ``day`` (stalls not let are left out)."""
    let = vendor_ids_on(session, stall_ids, day)
    # Each vendor once: a market's hundreds of stalls are let to a few dozen vendors.
    query = select(Organisation).where(col(Organisation.id).in_(set(let.values())))
    vendors = {org.id: org for org in session.exec(query)} if let else {}
    return {stall_id: vendors[vendor_id] for stall_id, vendor_id in let.items()}


def vendor_ids_on(session: Session, stall_ids: Collection[str], day: dt.date) -> dict[str, str]:
    """The id of the vendor renting each of the stalls on ``day`` (stalls not let are left out)."""
    if not stall_ids:
        return {}
    query = select(Rental.stall_id, Rental.vendor_org_id).where(
        col(Rental.stall_id).in_(stall_ids), Rental.starts_on <= day, Rental.ends_on >= day
    )
    return {stall_id: vendor_id for stall_id, vendor_id in session.exec(query)}


def market_vendor_ids_on(session: Session, market_id: str, day: dt.date) -> dict[str, str]:
    """The id of the vendor renting each of the market's stalls on ``day`` (stalls not let are left out)."""
    query = (
        select(Rental.stall_id, Rental.vendor_org_id)
        .join(Stall, col(Stall.id) == Rental.stall_id)
        .where(Stall.market_id == market_id, Rental.starts_on <= day, Rental.ends_on >= day)
    )
    return {stall_id: vendor_id for stall_id, vendor_id in session.connection().execute(query)}


def org_by_handle(session: Session, handle: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.handle == handle)).first()


def operator_of(session: Session, market: Market) -> Organisation:
    org = session.get(Organisation, market.operator_org_id)
    assert org is not None  # a foreign key
    return org


# -- access --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sight:
    """What the caller may see of one market: everything (its operator, a regulator), or a vendor's
    own stalls only."""

    market: Market
    member: Member
    whole: bool

    @property
    def manager(self) -> bool:
        return self.member.org.id == self.market.operator_org_id

    def own_stall_ids(self, session: Session) -> set[str]:
        """The stalls the vendor rents or rented at this market."""
        rows = session.exec(
            select(Rental.stall_id)
            .join(Stall, col(Stall.id) == Rental.stall_id)
            .where(Stall.market_id == self.market.id, Rental.vendor_org_id == self.member.org.id)
        ).all()
        return set(rows)

    def require_stall(self, session: Session, stall: Stall) -> None:
        """Refuses a vendor a stall it never rented."""
        if not self.whole and stall.id not in self.own_stall_ids(session):
            raise Forbidden(
                f"{self.member.org.handle} does not rent stall {stall.code} of market {self.market.handle}"
            )


def sight_of(session: Session, member: Member, market: Market) -> Sight:
    """The caller's sight of the market; 403 for an organisation that has no business there."""
    org = member.org
    if org.org_type is OrgType.regulator or org.id == market.operator_org_id:
        return Sight(market, member, whole=True)
    if org.org_type is VENDOR_TYPE and _registered(session, market, org):
        return Sight(market, member, whole=False)
    raise Forbidden(
        f"{org.handle} is neither the operator of market {market.handle}, a vendor registered there, "
        "nor a regulator"
    )


def _registered(session: Session, market: Market, org: Organisation) -> bool:
    query = select(Vendor.id).where(Vendor.market_id == market.id, Vendor.org_id == org.id)
    return session.exec(query).first() is not None


def require_operator(member: Member, market: Market) -> None:
    """Only the market's operator, with a member key, manages it."""
    if member.org.id != market.operator_org_id:
        raise Forbidden(f"only the operator of market {market.handle} may do this")
    require_member_key(member)


def require_member_key(member: Member) -> None:
    if member.kind != "member":
        raise Forbidden("a device key may not do this; use a member's API key")


# -- the ledger ----------------------------------------------------------------------------------


def record_fact(
    session: Session,
    ledger: Ledger,
    actor: Actor,
    record_id: str,
    subjects: Sequence[Subject],
    fact: Fact,
) -> tuple[Record, Receipt]:
    """Appends ``fact`` as one record in the session's write transaction (the writer lock held)."""
    record = Record(
        kind=fact.KIND,
        record_id=record_id,
        time=utc_now(),
        actor=actor,
        subjects=list(subjects),
        payload=fact.payload(),
    )
    return record, ledger.append(record, conn=session.connection())


def member_actor(member: Member) -> Actor:
    return Actor(org=member.org.uscc, key_id=member.key_id)


def market_subjects(market: Market, *more: Subject) -> list[Subject]:
    return [Subject(type="market", id=market.id), *more]
