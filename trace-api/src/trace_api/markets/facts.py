"""The farmers' markets' ledger records (kinds ``market.*``): one payload model per kind.

Markets, stalls and vendors are named by their handles and codes as well as their ids, so a
record reads on its own. A supplier's identity card number never enters the ledger: only its
masked form (the first six and last four characters), as a ticket printed for a customer shows it.

A rapid test from a terminal is the terminal's own reading record; ``market.rapid_tested`` is a
result the operator entered. A weighing is the scale's reading record; a short weight is an alert.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ..facts import Fact, Number


class MarketRegistered(Fact):
    KIND: ClassVar[str] = "market.registered"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"latitude", "longitude"})

    market_id: str
    handle: str
    name: str
    operator: str  # the operator organisation's handle
    address: str
    latitude: Number | None = None
    longitude: Number | None = None


class StallAdded(Fact):
    KIND: ClassVar[str] = "market.stall_added"

    market: str  # handle
    stall_id: str
    code: str
    category: str


class VendorRegistered(Fact):
    """A market's operator checked a vendor's licences and let it in (入场审查)."""

    KIND: ClassVar[str] = "market.vendor_registered"

    market: str
    vendor: str  # handle
    vendor_uscc: str
    business_licence: str
    business_licence_expires_on: dt.date | None
    food_licence: str | None
    food_licence_expires_on: dt.date | None


class SupplierAdded(Fact):
    KIND: ClassVar[str] = "market.supplier_added"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"uscc", "id_number_masked"})

    supplier_id: str
    vendor: str
    role: str
    name: str
    contact: str
    uscc: str | None = None
    id_number_masked: str | None = None


class StallRented(Fact):
    KIND: ClassVar[str] = "market.stall_rented"

    rental_id: str
    market: str
    stall: str  # code
    vendor: str
    starts_on: dt.date
    ends_on: dt.date


class PurchaseRecorded(Fact):
    """One incoming lot in a stall's purchase ledger (进货台账): a Suyuan lot, or a supplier's goods
    with the ticket (and certificate) kept for them (索证索票)."""

    KIND: ClassVar[str] = "market.purchase_recorded"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset(
        {"batch_id", "lot_code", "supplier_id", "supplier", "ticket_sha256", "certificate_sha256"}
    )

    purchase_id: str
    market: str
    stall: str
    vendor: str
    product: str
    quantity: Number
    unit: str
    received_on: dt.date
    batch_id: str | None = None
    lot_code: str | None = None
    supplier_id: str | None = None
    supplier: str | None = None  # the supplier's name
    ticket_sha256: str | None = None
    certificate_sha256: str | None = None


class RapidTested(Fact):
    """A rapid test the market's operator entered (a terminal's results are its readings)."""

    KIND: ClassVar[str] = "market.rapid_tested"

    test_id: str
    market: str
    stall: str
    sample: str
    product: str
    method: str
    value: Number
    unit: str
    threshold: Number
    passed: bool
    tested_at: str


class DisposalOpened(Fact):
    """A failed rapid test: the stall's lots of the product are blocked from sale (不合格处理)."""

    KIND: ClassVar[str] = "market.disposal_opened"

    disposal_id: str
    market: str
    stall: str
    vendor: str | None  # None: the result named no stall of the market
    test_id: str
    test_record_id: str  # the reading or market.rapid_tested record of the result
    sample: str
    product: str
    blocked: list[str]  # the purchase ledger entries blocked


class DisposalCompleted(Fact):
    KIND: ClassVar[str] = "market.disposal_completed"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"evidence_sha256"})

    disposal_id: str
    market: str
    stall: str
    outcome: str  # destroyed or returned
    note: str
    purchases: list[str]
    open_record_id: str
    evidence_sha256: str | None = None


#: The markets' record kinds, by kind.
MARKET_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        MarketRegistered,
        StallAdded,
        VendorRegistered,
        SupplierAdded,
        StallRented,
        PurchaseRecorded,
        RapidTested,
        DisposalOpened,
        DisposalCompleted,
    )
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = MARKET_FACTS
