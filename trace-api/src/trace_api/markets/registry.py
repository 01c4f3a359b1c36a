"""The markets' registry: markets, their stalls, the vendors let in with their licences, the vendors'
suppliers and distributors, and stall rentals. Every entry is a ledger record written with its row.

A vendor is registered at a market once its licences are checked (入场审查): its business licence
(营业执照, whose number is the vendor's unified social credit code) and, for food that needs one,
its food business licence (食品经营许可证); neither may have expired. A stall is let to one
vendor at a time: rentals of one stall never overlap.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from evidence import Ledger, Subject, utc_datetime

from ..errors import Conflict, Forbidden, Unprocessable
from ..geo import Position
from ..orgs import validate_uscc
from ..orgs.models import Organisation, OrgType
from ..orgs.service import Member
from ..text import Line
from .facts import MarketRegistered, StallAdded, StallRented, SupplierAdded, VendorRegistered
from .models import Market, Rental, Stall, StallCategory, Supplier, SupplierRole, Vendor
from .service import (
    VENDOR_TYPE,
    market_subjects,
    member_actor,
    org_by_handle,
    record_fact,
    require_member_key,
    require_operator,
)

HANDLE = r"^[a-z0-9][a-z0-9-]{1,62}$"
STALL_CODE = r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$"
#: A food business licence number (食品经营许可证编号): JY and 14 digits.
FOOD_LICENCE = r"^JY[0-9]{14}$"
#: The longest rental recorded at once: a lease is renewed, not written for a lifetime.
MAX_RENTAL_DAYS = 5 * 366

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"


def validate_id_number(value: str) -> str:
    """A resident identity card number (GB 11643-1999: 18 characters, ISO 7064 MOD 11-2 check)."""
    number = value.strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        raise ValueError("an identity card number has 17 digits and a check character")
    expected = _ID_CHECKS[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise ValueError(f"check character should be {expected!r}, not {number[17]!r}")
    return number


def masked_id_number(number: str) -> str:
    """The first six and last four characters: what the ledger and the lists show of an ID number."""
    return number[:6] + "*" * 8 + number[-4:]


def _uscc_or_error(value: str) -> str:
    try:
        return validate_uscc(value)
    except ValueError as exc:  # its own words, and what is wrong as the error's type
        raise PydanticCustomError(f"uscc_{getattr(exc, 'problem', 'invalid')}", str(exc)) from exc


# -- markets -------------------------------------------------------------------------------------


class MarketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str = Field(pattern=HANDLE, description="short unique name, e.g. 'caoyang-market'")
    name: Line = Field(min_length=1, max_length=200)
    address: Line = Field(min_length=1, max_length=200)
    position: Position | None = Field(default=None, description="where it is (WGS-84), for the map")
    operator: str | None = Field(
        default=None,
        max_length=64,
        description="the operating organisation's handle: a regulator names it; a market operator "
        "registers its own market and may leave it out",
    )


def register_market(session: Session, ledger: Ledger, member: Member, data: MarketIn) -> Market:
    """A new market, run by the caller (a market organisation) or by the one a regulator names."""
    require_member_key(member)
    operator = _operator(session, member, data.operator)
    if session.exec(select(Market.id).where(Market.handle == data.handle)).first() is not None:
        raise Conflict(f"a market with handle {data.handle!r} exists already")
    position = data.position.rounded() if data.position is not None else None
    market = Market(
        id=uuid.uuid4().hex, handle=data.handle, name=data.name, operator_org_id=operator.id,
        address=data.address, latitude=position.latitude if position else None,
        longitude=position.longitude if position else None, created_at=dt.datetime.now(dt.UTC),
        record_id="",
    )  # fmt: skip
    fact = MarketRegistered(
        market_id=market.id, handle=market.handle, name=market.name, operator=operator.handle,
        address=market.address, latitude=market.latitude, longitude=market.longitude,
    )  # fmt: skip
    subjects = market_subjects(market, Subject(type="org", id=operator.uscc))
    record, _ = record_fact(session, ledger, member_actor(member), f"market:{market.id}", subjects, fact)
    market.record_id, market.created_at = record.record_id, utc_datetime(record.time)
    session.add(market)
    session.flush()
    return market


def _operator(session: Session, member: Member, handle: str | None) -> Organisation:
    if member.org.org_type is OrgType.market:
        if handle is not None and handle != member.org.handle:
            raise Forbidden(f"{member.org.handle} registers its own markets only")
        return member.org
    if member.org.org_type is not OrgType.regulator:
        raise Forbidden("only a market operator or a regulator registers markets")
    if handle is None:
        raise Unprocessable.field("operator", "a regulator names the market's operating organisation")
    org = org_by_handle(session, handle)
    if org is None:
        raise Unprocessable.field("operator", f"no organisation {handle!r}", reason="unknown_operator")
    if org.org_type is not OrgType.market:
        raise Unprocessable.field(
            "operator", f"{handle} is a {org.org_type.value}, not a market operator", reason="not_a_market"
        )
    return org


def visible_markets(session: Session, member: Member) -> list[tuple[Market, Organisation]]:
    """The markets the caller may see (with their operators), by handle: all for a regulator, its
    own for an operator, those it is registered at for a vendor."""
    query = select(Market, Organisation).join(Organisation, col(Organisation.id) == Market.operator_org_id)
    org = member.org
    if org.org_type is VENDOR_TYPE:
        registered = select(Vendor.market_id).where(Vendor.org_id == org.id)
        query = query.where(col(Market.id).in_(registered))
    elif org.org_type is not OrgType.regulator:
        query = query.where(Market.operator_org_id == org.id)
    return list(session.exec(query.order_by(col(Market.handle))).all())


# -- stalls --------------------------------------------------------------------------------------


class StallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        pattern=STALL_CODE, description="unique within the market, e.g. 'A-01' (kept in capitals)"
    )
    category: StallCategory


def add_stall(session: Session, ledger: Ledger, member: Member, market: Market, data: StallIn) -> Stall:
    require_operator(member, market)
    code = data.code.upper()
    clash = select(Stall.id).where(Stall.market_id == market.id, Stall.code == code)
    if session.exec(clash).first() is not None:
        raise Conflict(f"market {market.handle} has a stall {code} already")
    stall = Stall(
        id=uuid.uuid4().hex, market_id=market.id, code=code, category=data.category,
        created_at=dt.datetime.now(dt.UTC), record_id="",
    )  # fmt: skip
    fact = StallAdded(market=market.handle, stall_id=stall.id, code=code, category=data.category.value)
    subjects = market_subjects(market, Subject(type="stall", id=stall.id))
    record, _ = record_fact(session, ledger, member_actor(member), f"stall:{stall.id}", subjects, fact)
    stall.record_id, stall.created_at = record.record_id, utc_datetime(record.time)
    session.add(stall)
    session.flush()
    return stall


def market_stalls(session: Session, market: Market, only: set[str] | None = None) -> list[Stall]:
    """The market's stalls by code (``only``: those ids)."""
    query = select(Stall).where(Stall.market_id == market.id)
    if only is not None:
        query = query.where(col(Stall.id).in_(only))
    return list(session.exec(query.order_by(col(Stall.code))).all())


# -- vendors -------------------------------------------------------------------------------------


class LicenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: Line = Field(min_length=1, max_length=64)
    expires_on: dt.date | None = Field(default=None, description="unset: valid without limit (长期)")


class FoodLicenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=FOOD_LICENCE, description="食品经营许可证编号: JY and 14 digits")
    expires_on: dt.date


class VendorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(max_length=64, description="the vendor organisation's handle")
    business_licence: LicenceIn = Field(
        description="营业执照: its number is the vendor's unified social credit code"
    )
    food_licence: FoodLicenceIn | None = Field(
        default=None, description="食品经营许可证, when the vendor's food needs one"
    )

    @field_validator("business_licence")
    @classmethod
    def _business_number(cls, value: LicenceIn) -> LicenceIn:
        return value.model_copy(update={"number": _uscc_or_error(value.number)})


def register_vendor(
    session: Session, ledger: Ledger, member: Member, market: Market, data: VendorIn, today: dt.date
) -> Vendor:
    """Lets a vendor into the market once the operator has checked its licences."""
    require_operator(member, market)
    org = vendor_org(session, data.vendor, "vendor")
    if data.business_licence.number != org.uscc:
        raise Unprocessable.field(
            "business_licence.number",
            f"is not {org.handle}'s unified social credit code {org.uscc}",
            reason="licence_mismatch",
        )
    _refuse_expired("business_licence.expires_on", data.business_licence.expires_on, today)
    if data.food_licence is not None:
        _refuse_expired("food_licence.expires_on", data.food_licence.expires_on, today)
    clash = select(Vendor.id).where(Vendor.market_id == market.id, Vendor.org_id == org.id)
    if session.exec(clash).first() is not None:
        raise Conflict(f"{org.handle} is registered at market {market.handle} already")
    food = data.food_licence
    vendor = Vendor(
        id=uuid.uuid4().hex, market_id=market.id, org_id=org.id, business_licence=org.uscc,
        business_licence_expires_on=data.business_licence.expires_on,
        food_licence=food.number if food else None, food_licence_expires_on=food.expires_on if food else None,
        registered_at=dt.datetime.now(dt.UTC), record_id="",
    )  # fmt: skip
    fact = VendorRegistered(
        market=market.handle, vendor=org.handle, vendor_uscc=org.uscc, business_licence=org.uscc,
        business_licence_expires_on=vendor.business_licence_expires_on, food_licence=vendor.food_licence,
        food_licence_expires_on=vendor.food_licence_expires_on,
    )  # fmt: skip
    subjects = market_subjects(market, Subject(type="org", id=org.uscc))
    record_id = f"market:{market.id}:vendor:{org.uscc}"
    record, _ = record_fact(session, ledger, member_actor(member), record_id, subjects, fact)
    vendor.record_id, vendor.registered_at = record.record_id, utc_datetime(record.time)
    session.add(vendor)
    session.flush()
    return vendor


def _refuse_expired(field: str, expires_on: dt.date | None, today: dt.date) -> None:
    if expires_on is not None and expires_on < today:
        raise Unprocessable.field(field, f"the licence expired on {expires_on.isoformat()}", reason="expired")


def vendor_org(session: Session, handle: str, field: str) -> Organisation:
    """The vendor organisation ``handle`` names, or a 422 naming ``field``."""
    org = org_by_handle(session, handle)
    if org is None:
        raise Unprocessable.field(field, f"no organisation {handle!r}", reason="unknown_vendor")
    if org.org_type is not VENDOR_TYPE:
        raise Unprocessable.field(
            field, f"{handle} is a {org.org_type.value}, not a vendor", reason="not_a_vendor"
        )
    return org


def registered_vendor(session: Session, market: Market, handle: str, field: str) -> Vendor:
    org = vendor_org(session, handle, field)
    vendor = session.exec(
        select(Vendor).where(Vendor.market_id == market.id, Vendor.org_id == org.id)
    ).first()
    if vendor is None:
        raise Unprocessable.field(
            field, f"{handle} is not registered at market {market.handle}", reason="not_registered"
        )
    return vendor


def market_vendors(
    session: Session, market: Market, only_org: str | None = None
) -> list[tuple[Vendor, Organisation]]:
    """The vendors registered at the market, with their organisations, by handle."""
    query = (
        select(Vendor, Organisation)
        .join(Organisation, col(Organisation.id) == Vendor.org_id)
        .where(Vendor.market_id == market.id)
    )
    if only_org is not None:
        query = query.where(Vendor.org_id == only_org)
    return list(session.exec(query.order_by(col(Organisation.handle))).all())


# -- suppliers -----------------------------------------------------------------------------------


class SupplierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: SupplierRole = SupplierRole.supplier
    name: Line = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, description="a business's unified social credit code")
    id_number: str | None = Field(default=None, description="a person's identity card number (a grower)")
    contact: Line = Field(min_length=1, max_length=64, description="a phone number or an address")

    @field_validator("uscc")
    @classmethod
    def _uscc(cls, value: str | None) -> str | None:
        return None if value is None else _uscc_or_error(value)

    @field_validator("id_number")
    @classmethod
    def _id_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_id_number(value)
        except ValueError as exc:
            raise PydanticCustomError("id_number", str(exc)) from exc


def add_supplier(
    session: Session, ledger: Ledger, member: Member, market: Market, handle: str, data: SupplierIn
) -> Supplier:
    """A supplier or distributor of the vendor ``handle``: recorded by the vendor itself or by the
    operator of a market it is registered at."""
    require_member_key(member)
    if (data.uscc is None) == (data.id_number is None):
        raise Unprocessable.field(
            "uscc", "give the supplier's uscc or its id_number, one of them", reason="identity"
        )
    vendor = registered_vendor(session, market, handle, "vendor")
    if member.org.id not in (vendor.org_id, market.operator_org_id):
        raise Forbidden(f"only {handle} or the operator of market {market.handle} records its suppliers")
    org = session.get(Organisation, vendor.org_id)
    assert org is not None
    supplier = Supplier(
        id=uuid.uuid4().hex, vendor_org_id=org.id, role=data.role, name=data.name, uscc=data.uscc,
        id_number=data.id_number, contact=data.contact, created_at=dt.datetime.now(dt.UTC), record_id="",
    )  # fmt: skip
    fact = SupplierAdded(
        supplier_id=supplier.id, vendor=org.handle, role=data.role.value, name=data.name,
        contact=data.contact, uscc=data.uscc,
        id_number_masked=masked_id_number(data.id_number) if data.id_number else None,
    )  # fmt: skip
    subjects = [Subject(type="org", id=org.uscc), Subject(type="supplier", id=supplier.id)]
    record, _ = record_fact(session, ledger, member_actor(member), f"supplier:{supplier.id}", subjects, fact)
    supplier.record_id, supplier.created_at = record.record_id, utc_datetime(record.time)
    session.add(supplier)
    session.flush()
    return supplier


def vendor_suppliers(session: Session, vendor_org_id: str) -> list[Supplier]:
    query = select(Supplier).where(Supplier.vendor_org_id == vendor_org_id)
    return list(session.exec(query.order_by(col(Supplier.name), col(Supplier.id))).all())


# -- rentals -------------------------------------------------------------------------------------


class RentalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vendor: str = Field(max_length=64, description="the vendor's handle, registered at the market")
    starts_on: dt.date
    ends_on: dt.date = Field(description="the last day of the rental (included)")

    @field_validator("ends_on")
    @classmethod
    def _period(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        starts_on = info.data.get("starts_on")
        if starts_on is None:
            return value
        if value < starts_on:
            raise PydanticCustomError(
                "period", "is before starts_on {starts_on}", {"starts_on": str(starts_on)}
            )
        if (value - starts_on).days >= MAX_RENTAL_DAYS:
            raise PydanticCustomError(
                "period", "a rental lasts at most {days} days; renew it", {"days": MAX_RENTAL_DAYS}
            )
        return value


def rent_stall(
    session: Session, ledger: Ledger, member: Member, market: Market, stall: Stall, data: RentalIn
) -> Rental:
    """Lets the stall to a registered vendor for the period; 409 when it overlaps another rental."""
    require_operator(member, market)
    vendor = registered_vendor(session, market, data.vendor, "vendor")
    overlapping = session.exec(
        select(Rental, Organisation)
        .join(Organisation, col(Organisation.id) == Rental.vendor_org_id)
        .where(
            Rental.stall_id == stall.id, Rental.starts_on <= data.ends_on, Rental.ends_on >= data.starts_on
        )
    ).first()
    if overlapping is not None:
        other, tenant = overlapping
        raise Conflict(
            f"stall {stall.code} is let to {tenant.handle} from {other.starts_on} through {other.ends_on}",
            reason="stall_let",
            rental_id=other.id,
        )
    org = session.get(Organisation, vendor.org_id)
    assert org is not None
    rental = Rental(
        id=uuid.uuid4().hex, stall_id=stall.id, vendor_org_id=org.id, starts_on=data.starts_on,
        ends_on=data.ends_on, created_at=dt.datetime.now(dt.UTC), record_id="",
    )  # fmt: skip
    fact = StallRented(
        rental_id=rental.id, market=market.handle, stall=stall.code, vendor=org.handle,
        starts_on=data.starts_on, ends_on=data.ends_on,
    )  # fmt: skip
    subjects = market_subjects(market, Subject(type="stall", id=stall.id), Subject(type="org", id=org.uscc))
    record, _ = record_fact(session, ledger, member_actor(member), f"rental:{rental.id}", subjects, fact)
    rental.record_id, rental.created_at = record.record_id, utc_datetime(record.time)
    session.add(rental)
    session.flush()
    return rental


def stall_rentals(session: Session, stall: Stall) -> list[tuple[Rental, Organisation]]:
    query = (
        select(Rental, Organisation)
        .join(Organisation, col(Organisation.id) == Rental.vendor_org_id)
        .where(Rental.stall_id == stall.id)
        .order_by(col(Rental.starts_on))
    )
    return list(session.exec(query).all())
