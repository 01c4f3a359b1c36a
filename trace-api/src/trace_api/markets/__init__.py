"""Farmers' markets (农贸市场): markets and their stalls, vendors with their licences, suppliers,
rentals, the purchase ledger (进货台账), rapid tests (农残快检) with the disposals a failure opens,
the recheck scale's weighings (复称) and the stalls' prices (明码标价)."""

from .models import (
    Disposal,
    DisposalStatus,
    Market,
    Purchase,
    PurchaseStatus,
    RapidTest,
    Rental,
    Stall,
    StallCategory,
    Supplier,
    SupplierRole,
    Vendor,
    Weighing,
)
from .purchases import blocked_sale
from .service import MARKET_TZ, VENDOR_TYPE, market_day

__all__ = [
    "MARKET_TZ",
    "VENDOR_TYPE",
    "Disposal",
    "DisposalStatus",
    "Market",
    "Purchase",
    "PurchaseStatus",
    "RapidTest",
    "Rental",
    "Stall",
    "StallCategory",
    "Supplier",
    "SupplierRole",
    "Vendor",
    "Weighing",
    "blocked_sale",
    "market_day",
]
