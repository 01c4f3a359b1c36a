"""What a consumer sees for one item code: public facts only, the same for the page and for JSON.

Nothing private to an organisation appears here: parties are shown by name and type, never by
their keys, members or chain accounts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..coldchain.summary import ColdChainHop

CheckStatus = Literal["verified", "pending", "failed"]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Party(View):
    """An organisation of the network, as the public may know it."""

    name: str
    org_type: str


class CodeInfo(View):
    uri: str
    gtin: str
    lot: str
    serial: str
    status: str
    issued_at: dt.datetime
    sold_at: dt.datetime | None


class Product(View):
    batch_id: str
    product_name: str
    gtin: str
    lot: str
    quantity: float
    unit: str
    storage_class: str
    imported: bool
    origin_country: str
    producer: str
    establishment_number: str
    production_date: dt.date
    expiry_date: dt.date
    importer: Party | None
    holder: Party | None


class LineageStep(View):
    """One batch from the item's own lot up to the lot admitted at the source."""

    batch_id: str
    lot: str
    quantity: float
    unit: str
    recalled: bool


class CertificateInfo(View):
    batch_id: str
    cert_type: str
    number: str
    issuer: str
    issued_on: dt.date
    result: str
    document_sha256: str


class Hop(View):
    """One ledger record in the item's history: admission, code issue, a scan, a split."""

    index: int
    record_id: str
    kind: str
    action: str
    time: str
    place: str | None
    actor: Party | None
    counterparty: Party | None
    batch_id: str | None
    item_level: bool
    #: For facts that also go on chain: ``pending`` until mined, ``confirmed``, or ``failed``.
    on_chain: str | None = None


class RecallStatus(View):
    """``recalled`` if the database, the ledger or the chain says so: safety first."""

    recalled: bool
    reason: str | None = None
    recall_id: str | None = None
    recall_class: str | None = None
    batch_id: str | None = None
    issued_at: str | None = None
    record_id: str | None = None
    on_chain: bool | None = Field(default=None, description="the chain's own answer; null if unknown")


class CounterfeitSignal(View):
    """A counterfeit signal the network confirmed (``sold_twice``): no text a member typed."""

    index: int
    record_id: str
    time: str
    reason: str


class RecordCheck(View):
    """The server's check of one shown record, and where to fetch its proof bundle."""

    record_id: str
    index: int
    kind: str
    status: CheckStatus
    step: str | None = Field(description="the verification step that did not pass")
    detail: str
    tree_size: int | None
    anchor_block: int | None
    anchor_tx: str | None
    steps: list[str]
    proof_url: str
    bundle: dict[str, Any] = Field(exclude=True, repr=False)


class CheckpointInfo(View):
    tree_size: int
    note: str
    anchor_block: int | None
    anchor_tx: str | None


class Verification(View):
    status: CheckStatus
    origin: str
    verifier_key: str
    chain_id: int
    anchor_contract: str
    records: list[RecordCheck]
    checkpoints: list[CheckpointInfo]
    command: str = Field(description="how to check a downloaded bundle yourself")


class Provenance(View):
    code: CodeInfo
    product: Product
    lineage: list[LineageStep]
    certificates: list[CertificateInfo]
    hops: list[Hop]
    cold_chain: list[ColdChainHop] = Field(description="per stay: thermometer readings and excursions")
    recall: RecallStatus
    counterfeit_signals: list[CounterfeitSignal]
    verification: Verification
