"""Farmers' markets (农贸市场): the registry, the purchase ledger, rapid tests, disposals, weighings.

A market is run by an organisation of type ``market`` (its operator, 开办者). Its stalls (摊位)
are rented, each for a period of days, by vendors (商户: organisations of type ``vendor``) the
operator registered with their licences. A vendor records what it buys for a stall in the
purchase ledger (进货台账), citing a Suyuan lot or a supplier and a ticket (索证索票). Rapid tests
(农残快检) and the recheck scale's weighings (复称) come from the market's devices; a failed test
opens a disposal (不合格处理) that blocks the stall's lots of that product until the operator
destroys or returns them.

Times are UTC; a rental's days, a purchase's day and "today" are days in China Standard Time.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class StallCategory(StrEnum):
    vegetables = "vegetables"  # 蔬菜
    fruit = "fruit"  # 水果
    meat = "meat"  # 肉类
    poultry_eggs = "poultry_eggs"  # 禽蛋
    aquatic = "aquatic"  # 水产
    grain_oil = "grain_oil"  # 粮油
    dry_goods = "dry_goods"  # 干货
    cooked = "cooked"  # 熟食
    other = "other"


class SupplierRole(StrEnum):
    supplier = "supplier"  # 供货者: a grower, a producer, a wholesaler selling to the vendor
    distributor = "distributor"  # 配送者: who delivers on a supplier's behalf


class PurchaseStatus(StrEnum):
    on_sale = "on_sale"
    #: A failed rapid test opened a disposal of the stall's lots of this product.
    blocked = "blocked"
    destroyed = "destroyed"
    returned = "returned"


class DisposalStatus(StrEnum):
    open = "open"  # the lots are blocked until the operator disposes of them
    destroyed = "destroyed"
    returned = "returned"


class Market(SQLModel, table=True):
    __tablename__ = "markets"

    id: str = Field(primary_key=True, max_length=32)
    handle: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    operator_org_id: str = Field(foreign_key="organisations.id", index=True)
    address: str = Field(max_length=200)
    #: Where it is (WGS-84 degrees); unset when not given.
    latitude: float | None = None
    longitude: float | None = None
    created_at: dt.datetime
    record_id: str = Field(max_length=256)


class Stall(SQLModel, table=True):
    __tablename__ = "market_stalls"
    __table_args__ = (UniqueConstraint("market_id", "code"),)

    id: str = Field(primary_key=True, max_length=32)
    market_id: str = Field(foreign_key="markets.id", index=True)
    #: Unique within the market, in capitals: ``A-01``.
    code: str = Field(max_length=16)
    category: StallCategory
    created_at: dt.datetime
    record_id: str = Field(max_length=256)


class Vendor(SQLModel, table=True):
    """A vendor organisation registered at a market, with the licences the operator checked."""

    __tablename__ = "market_vendors"
    __table_args__ = (UniqueConstraint("market_id", "org_id"),)

    id: str = Field(primary_key=True, max_length=32)
    market_id: str = Field(foreign_key="markets.id", index=True)
    org_id: str = Field(foreign_key="organisations.id", index=True)
    #: 营业执照: its number (the unified social credit code) and expiry (None: long-term, 长期).
    business_licence: str = Field(max_length=64)
    business_licence_expires_on: dt.date | None = None
    #: 食品经营许可证 (or a filing number): None when the vendor sells no food that needs one.
    food_licence: str | None = Field(default=None, max_length=64)
    food_licence_expires_on: dt.date | None = None
    registered_at: dt.datetime
    record_id: str = Field(max_length=256)


class Supplier(SQLModel, table=True):
    """One of a vendor's suppliers or distributors (供货者/配送者)."""

    __tablename__ = "market_suppliers"

    id: str = Field(primary_key=True, max_length=32)
    vendor_org_id: str = Field(foreign_key="organisations.id", index=True)
    role: SupplierRole
    name: str = Field(max_length=200)
    #: A business's unified social credit code, or a person's identity card number (a grower
    #: selling its own produce); one of the two.
    uscc: str | None = Field(default=None, max_length=18)
    id_number: str | None = Field(default=None, max_length=18)
    contact: str = Field(max_length=64)
    created_at: dt.datetime
    record_id: str = Field(max_length=256)


class Rental(SQLModel, table=True):
    """A vendor renting a stall from ``starts_on`` through ``ends_on`` (both included).

    Rentals of a stall never overlap, and are only ever added: a stall found let on a day stays
    let to that vendor (ingest looks a market's rentals up before it takes the writer lock, and
    again inside it only for the stalls it found not let)."""

    __tablename__ = "market_rentals"
    __table_args__ = (Index("ix_market_rentals_stall_days", "stall_id", "starts_on"),)

    id: str = Field(primary_key=True, max_length=32)
    stall_id: str = Field(foreign_key="market_stalls.id")
    vendor_org_id: str = Field(foreign_key="organisations.id", index=True)
    starts_on: dt.date
    ends_on: dt.date
    created_at: dt.datetime
    record_id: str = Field(max_length=256)


class Purchase(SQLModel, table=True):
    """One incoming lot in a stall's purchase ledger (进货台账): a Suyuan lot, or a supplier's goods
    with the ticket (and certificate) the vendor kept."""

    __tablename__ = "market_purchases"
    __table_args__ = (
        Index("ix_market_purchases_stall_time", "stall_id", "created_at"),
        Index("ix_market_purchases_stall_product", "stall_id", "product"),
    )

    id: str = Field(primary_key=True, max_length=32)
    market_id: str = Field(foreign_key="markets.id", index=True)
    stall_id: str = Field(foreign_key="market_stalls.id")
    vendor_org_id: str = Field(foreign_key="organisations.id", index=True)
    product: str = Field(max_length=100)
    quantity: float
    unit: str = Field(max_length=3, description="UN/ECE Recommendation 20 code: KGM, H87, …")
    received_on: dt.date
    batch_id: str | None = Field(default=None, foreign_key="batches.id", index=True)
    lot_code: str | None = Field(
        default=None, max_length=400, description="the Digital Link the vendor scanned"
    )
    supplier_id: str | None = Field(default=None, foreign_key="market_suppliers.id")
    ticket_sha256: str | None = Field(default=None, foreign_key="documents.sha256", max_length=64)
    certificate_sha256: str | None = Field(default=None, foreign_key="documents.sha256", max_length=64)
    status: PurchaseStatus = PurchaseStatus.on_sale
    #: The disposal that blocked it, while and after it does.
    disposal_id: str | None = Field(default=None, max_length=32, index=True)
    created_at: dt.datetime
    key_id: str = Field(max_length=32, description="the member API key that recorded it")
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class RapidTest(SQLModel, table=True):
    """One sample's rapid test (农残快检): from a terminal's reading, or entered by the operator."""

    __tablename__ = "market_rapid_tests"
    __table_args__ = (Index("ix_market_rapid_tests_market_time", "market_id", "tested_at"),)

    id: str = Field(primary_key=True, max_length=32)
    market_id: str = Field(foreign_key="markets.id")
    stall_id: str = Field(foreign_key="market_stalls.id", index=True)
    sample: str = Field(max_length=64)
    product: str = Field(max_length=100)
    method: str = Field(max_length=64)
    value: float
    unit: str = Field(max_length=16)
    threshold: float
    passed: bool
    tested_at: dt.datetime
    #: The terminal that published it (None: entered through the API).
    device_id: str | None = Field(default=None, foreign_key="devices.id")
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)


class Disposal(SQLModel, table=True):
    """The handling of a failed rapid test (不合格处理): the stall's lots of the product are blocked
    until the operator records them destroyed or returned, with evidence."""

    __tablename__ = "market_disposals"
    __table_args__ = (Index("ix_market_disposals_market_time", "market_id", "opened_at"),)

    id: str = Field(primary_key=True, max_length=32)
    market_id: str = Field(foreign_key="markets.id")
    rapid_test_id: str = Field(foreign_key="market_rapid_tests.id", unique=True)
    stall_id: str = Field(foreign_key="market_stalls.id", index=True)
    #: The stall's tenant on the day of the test (None: the stall was not let that day).
    vendor_org_id: str | None = Field(default=None, foreign_key="organisations.id", index=True)
    product: str = Field(max_length=100)
    status: DisposalStatus = DisposalStatus.open
    opened_at: dt.datetime
    open_record_id: str = Field(max_length=256)
    #: The ``rapid_test_failed`` alert it opened, closed with it.
    alert_id: str | None = Field(default=None, max_length=40)
    completed_at: dt.datetime | None = None
    note: str | None = Field(default=None, max_length=2000)
    evidence_sha256: str | None = Field(default=None, foreign_key="documents.sha256", max_length=64)
    completed_key_id: str | None = Field(default=None, max_length=32)
    close_record_id: str | None = Field(default=None, max_length=256)


class Weighing(SQLModel, table=True):
    """A weighing on a market's recheck scale (复称): what the vendor declared against what it weighs."""

    __tablename__ = "market_weighings"
    __table_args__ = (
        Index("ix_market_weighings_market_time", "market_id", "weighed_at"),
        Index("ix_market_weighings_stall_product", "stall_id", "product", "weighed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    market_id: str = Field(foreign_key="markets.id")
    stall_id: str = Field(foreign_key="market_stalls.id")
    #: The stall's tenant on the day (None: the stall was not let that day).
    vendor_org_id: str | None = Field(default=None, foreign_key="organisations.id")
    device_id: str = Field(foreign_key="devices.id")
    product: str = Field(max_length=100)
    declared_kg: float
    measured_kg: float
    #: Yuan per kilogram, as the vendor declared it (明码标价); None when not given.
    unit_price: float | None = None
    #: The negative deviation allowed for the declared quantity, and whether it was exceeded.
    tolerance_kg: float
    short: bool
    weighed_at: dt.datetime
    record_id: str = Field(max_length=256)
    ledger_index: int = Field(sa_type=BigInteger)
