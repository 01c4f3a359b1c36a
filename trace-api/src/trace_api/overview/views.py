"""The overview's answer: what ``GET /v1/overview`` returns, field by field (its OpenAPI schema)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from ..audits.views import LastAudit
from ..recalls.models import RecallClass

#: Active recalls listed with their progress (the most recent first); ``active_total`` counts all.
MAX_RECALLS_SHOWN = 20


class AlertCounts(BaseModel):
    open_by_kind: dict[str, int] = Field(
        description="open alerts by kind: the cold-chain rules (temperature excursion, door_open, "
        "silent device) until a reading closes them, every other domain's alert rules with an open "
        "alert (rapid_test_failed, maintenance_overdue, …), kitchen_incident until rectified, and "
        "the risk warnings not closed by level (risk_red, risk_orange, risk_yellow, risk_blue)"
    )
    open_total: int = Field(description="the sum of open_by_kind")


class RecallProgress(BaseModel):
    holders: int = Field(description="organisations holding recalled goods: each was sent a notice")
    holders_reached: int = Field(description="holders a notice channel (MQTT, webhook) has delivered to")
    holders_acknowledged: int
    quantity: float = Field(description="the recalled quantity the holders hold, in the lots' units")
    quantity_quarantined: float = Field(description="as the holders' latest acknowledgements say")
    quantity_outstanding: float
    percent_quarantined: float


class ActiveRecall(BaseModel):
    id: str
    batch_id: str
    lot: str
    product_name: str
    reason: str
    recall_class: RecallClass = Field(description="the recall's level: I (most serious), II or III")
    issued_at: dt.datetime
    progress: RecallProgress


class RecallCounts(BaseModel):
    active_total: int
    active: list[ActiveRecall] = Field(description=f"the {MAX_RECALLS_SHOWN} most recent, newest first")


class TodayCounts(BaseModel):
    day: dt.date
    timezone: str
    since: dt.datetime = Field(description="00:00 of ``day`` in ``timezone``, in UTC")
    admissions: int = Field(description="lots admitted at the source (split lots are not admissions)")
    scans_by_action: dict[str, int]
    scans_total: int
    sales: int = Field(description="items sold (one sale scan each)")


class SignalCounts(BaseModel):
    by_kind: dict[str, int] = Field(description="counterfeit signals ever recorded, by reason")
    total: int
    today_by_kind: dict[str, int]
    today: int


class CheckpointState(BaseModel):
    size: int = Field(description="records the signed checkpoint covers")
    created_at: dt.datetime


class AnchorState(BaseModel):
    size: int = Field(description="records the checkpoint whose root is on chain covers")
    anchored_at: dt.datetime
    age_s: float = Field(description="seconds since it was anchored")
    block: int | None
    tx: str | None


class FailingPart(BaseModel):
    part: str = Field(description="the part of the service that does not keep up, as /readyz names it")
    reason: str


class Readiness(BaseModel):
    """What ``GET /readyz`` says, for the ledger's health on the console."""

    ready: bool = Field(
        description="every background loop (anchorer, chain worker, deliveries, recall notices, "
        "reconciler, ingest) completed a pass within its bound, checkpoints and chain calls within "
        "theirs, and no difference between chain and database left unrepaired"
    )
    failing: list[FailingPart] = Field(description="each part that is not ready, with why")


class LedgerState(BaseModel):
    size: int
    latest_checkpoint: CheckpointState | None
    latest_anchor: AnchorState | None
    unanchored_records: int = Field(description="records no on-chain root covers yet")
    last_audit: LastAudit | None = Field(
        default=None, description="the audit that finished last (`POST /v1/audits`), null before any"
    )
    readiness: Readiness = Field(
        description="the service's readiness (`GET /readyz`): red while a part stalls"
    )


class Overview(BaseModel):
    generated_at: dt.datetime
    alerts: AlertCounts
    recalls: RecallCounts
    today: TodayCounts
    signals: SignalCounts
    ledger: LedgerState
