"""The facts written to the evidence ledger: for each record kind, the model of its payload.

This is the catalogue of record kinds. Each model names its kind (``KIND``); writers build a
payload with ``Model(...).payload()`` and the record's kind from ``Model.KIND``, readers parse a
record with ``Model.of(record)``. The envelope (:class:`evidence.Record`) stays generic.

Parsing is lenient so that every record already in a ledger still parses: keys a model does not
name are kept, and fields a kind gained after it was first written are optional. ``payload()``
gives back exactly the keys that were given, so a payload round-trips through its model to the
same RFC 8785 bytes; numbers keep their type (``int | float``) for the same reason.
"""

from __future__ import annotations

import datetime as dt
import importlib
from functools import cache
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidence import Record, StoredRecord

#: A JSON number as it was written: an int stays an int and a float a float.
Number = int | float


class FactError(ValueError):
    """A record that is not the fact its reader expected."""


class WrongKind(FactError):
    """The record is of another kind than the model reads."""


class MalformedFact(FactError):
    """The record is of the model's kind, but its payload does not fit the model."""


class Fact(BaseModel):
    """The payload of one kind of ledger record."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    KIND: ClassVar[str]
    #: Keys the writer leaves out of the payload when their value is None.
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def reads(cls, kind: str) -> bool:
        """Whether a record of ``kind`` holds this fact."""
        return kind == cls.KIND

    def payload(self) -> dict[str, Any]:
        """The record's payload: the keys given, by their names in the ledger."""
        data = self.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return {k: v for k, v in data.items() if v is not None or k not in self.OMIT_IF_NONE}

    @classmethod
    def of(cls, record: Record | StoredRecord) -> Self:
        """The fact ``record`` holds; raises :class:`WrongKind` or :class:`MalformedFact`."""
        if isinstance(record, StoredRecord):
            record = record.record()
        if not cls.reads(record.kind):
            raise WrongKind(f"record {record.record_id} is a {record.kind} record, not {cls.__name__}")
        try:
            return cls.model_validate(record.payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            raise MalformedFact(
                f"record {record.record_id} ({record.kind}): payload.{where}: {first['msg']}"
            ) from exc


# -- lots and codes ---------------------------------------------------------------------------


class _Part(BaseModel):
    """A part of a payload, read as leniently as the payload."""

    model_config = ConfigDict(extra="allow", frozen=True)


class AdmissionCertificate(_Part):
    cert_type: str
    number: str
    issuer: str
    issued_on: dt.date
    result: str
    document_sha256: str


class BatchAdmitted(Fact):
    """A lot admitted at the source (源头准入) with its certificates."""

    KIND: ClassVar[str] = "batch.admitted"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"location"})

    batch_id: str
    gtin: str
    lot: str
    product_name: str
    quantity: Number
    unit: str
    storage_class: str
    imported: bool
    origin_country: str
    producer: str
    establishment_number: str
    production_date: dt.date
    expiry_date: dt.date
    customs_declaration: str | None
    certificates: list[AdmissionCertificate]
    location: str | None = None


class CodesIssued(Fact):
    """Item codes (serials) issued for a lot, named by their first and last and the hash of all."""

    KIND: ClassVar[str] = "codes.issued"

    batch_id: str
    count: int
    first_serial: str
    last_serial: str
    serials_sha256: str


# -- scans ------------------------------------------------------------------------------------


class Scan(Fact):
    """What every scan records: its action, the lot, the place and its EPCIS 2.0 event."""

    action: str
    batch_id: str
    location: str
    epcis: dict[str, Any]


class ShipScanned(Scan):
    KIND: ClassVar[str] = "scan.ship"

    counterparty: str  # the receiver's handle
    counterparty_uscc: str
    quantity: Number
    unit: str


class ReceiveScanned(Scan):
    KIND: ClassVar[str] = "scan.receive"

    counterparty: str  # the sender's handle


class SellScanned(Scan):
    KIND: ClassVar[str] = "scan.sell"

    code: str


class DestroyScanned(Scan):
    KIND: ClassVar[str] = "scan.destroy"

    code: str | None  # None: the whole lot was destroyed


class SplitItems(_Part):
    """The items one child lot took: named ones by serial, counted ones like ``codes.issued``."""

    count: int
    serials_sha256: str
    serials: list[str] | None = None
    first_serial: str | None = None
    last_serial: str | None = None


class BatchSplit(Scan):
    """A lot split (分装) into child lots."""

    KIND: ClassVar[str] = "batch.split"

    children: list[str]
    quantities: list[Number]
    items: list[SplitItems] | None = None  # recorded since items follow the goods


class CounterfeitSignalled(Fact):
    """A scan that a genuine item could not have made (假冒警告)."""

    KIND: ClassVar[str] = "counterfeit.signal"

    reason: str
    code: str | None
    batch_id: str | None
    detail: str
    location: str
    action: str


# -- recalls and documents --------------------------------------------------------------------


class RecallIssued(Fact):
    KIND: ClassVar[str] = "recall.issued"

    recall_id: str
    batch_id: str
    scope: list[str]  # the lot and every lot split from it
    reason: str
    recall_class: str


class RecallAcknowledged(Fact):
    KIND: ClassVar[str] = "recall.acknowledged"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"supersedes"})

    recall_id: str
    batch_ids: list[str]
    quantity_quarantined: Number
    note: str | None
    supersedes: str | None = None  # the acknowledgement record this one corrects


class RecallLifted(Fact):
    """The end of a recall (``POST /v1/recalls/{id}/lift``): the lot and its descendants may move
    again, unless another recall in force covers them."""

    KIND: ClassVar[str] = "recall.lifted"

    recall_id: str
    batch_id: str
    scope: list[str]  # the lots the lifted recall covered
    reason: str  # why it is lifted


class DocumentShared(Fact):
    KIND: ClassVar[str] = "document.shared"

    sha256: str
    sender: str = Field(alias="from")  # USCC
    to: str  # USCC


class ApiKeyRevoked(Fact):
    KIND: ClassVar[str] = "api_key.revoked"

    key_id: str
    kind: str  # member or device
    label: str


class ChainDifference(Fact):
    """A disagreement between the chain and the database about a lot, found by the reconciler."""

    KIND: ClassVar[str] = "chain.difference"

    batch_id: str
    kind: str
    detail: str
    database: str | None
    chain: str | None


class OrgAdmitted(Fact):
    """An organisation admitted to the network: its chain role is granted after commit, through the
    chain outbox, before any chain call of its own."""

    KIND: ClassVar[str] = "org.admitted"

    handle: str
    org_type: str
    role: str  # the chain role granted (Role.value, e.g. IMPORTER_ROLE)
    account: str  # the member's chain account


class OrgSuspended(Fact):
    """A regulator suspended a member: its keys are refused and its chain role revoked until restored."""

    KIND: ClassVar[str] = "org.suspended"

    handle: str
    reason: str
    role: str  # the chain role revoked (Role.value, e.g. IMPORTER_ROLE)
    account: str  # the member's chain account


class OrgRestored(Fact):
    """A regulator restored a suspended member: its keys work again and its chain role is granted."""

    KIND: ClassVar[str] = "org.restored"

    handle: str
    reason: str
    role: str  # the chain role granted again
    account: str


class AuditStarted(Fact):
    """A regulator started an audit of the whole log (``POST /v1/audits``)."""

    KIND: ClassVar[str] = "audit.started"

    audit_id: str
    records_total: int  # the log's size when it started


class AuditFinished(Fact):
    """How an audit of the whole log ended: passed, failed (naming the step and leaf), error (it
    could not finish) or interrupted (its process stopped); its report, as ``GET
    /v1/audits/{id}/report`` serves it, less what the envelope says already."""

    KIND: ClassVar[str] = "audit.finished"

    audit_id: str
    result: str
    started_by: str  # the regulator's handle
    started_at: str
    records_checked: int
    root: str | None  # hex, of the log the audit recomputed (passed only)
    checkpoints_checked: int | None
    anchors_checked: int | None
    failure: dict[str, Any] | None  # step, detail, index, span
    detail: str | None


class OrgPositioned(Fact):
    """Where an organisation is (WGS-84 degrees), as it or a regulator said; the latest one holds."""

    KIND: ClassVar[str] = "org.positioned"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"address"})

    handle: str
    latitude: Number
    longitude: Number
    address: str | None = None


# -- cold chain and kitchens ------------------------------------------------------------------


class ReadingRecorded(Fact):
    KIND: ClassVar[str] = "sensor.reading"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"details"})

    device: str
    seq: int
    batches: list[str]  # the lots held where the device was
    epcis: dict[str, Any]
    #: A supervision domain's reading as the device sent it and its schema checked it, but for its
    #: ``seq`` and ``time``: the stall, product, declared quantity and price of a market's weighing,
    #: the sample, stall, product, method and threshold of a rapid test. What the domain stores
    #: against the record is what the record says. None (left out) for other readings.
    details: dict[str, Any] | None = None

    @classmethod
    def payload_of(
        cls,
        device: str,
        seq: int,
        batches: list[str],
        epcis: dict[str, Any],
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``ReadingRecorded(...).payload()`` of values already of the payload's JSON types (a
        reading its schema checked, the EPCIS event made of it), built without validating and
        dumping them again: ingest writes one for every device reading."""
        payload = {"device": device, "seq": seq, "batches": list(batches), "epcis": epcis}
        if details is not None:
            payload["details"] = details
        return payload


class AlertOpened(Fact):
    """A rule found something wrong: about a device's readings (``device``, ``storage_class``), or
    about another domain's subject (``subject_type``, ``subject_id``: a stall, a lift, …)."""

    KIND: ClassVar[str] = "alert.opened"

    alert_id: str
    rule: str
    device: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    place: str
    storage_class: str | None = None
    detail: str
    started_at: str
    worst_value: Number | None = None
    batches: list[str] = Field(default_factory=list)


class AlertClosed(Fact):
    KIND: ClassVar[str] = "alert.closed"

    alert_id: str
    rule: str
    device: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    place: str
    detail: str
    started_at: str
    closed_at: str
    worst_value: Number | None = None
    batches: list[str] = Field(default_factory=list)
    #: Why a domain's alert closed (the cause gone: a disposal done, a maintenance recorded).
    note: str | None = None


class IncidentDetected(Fact):
    """A kitchen camera's finding (明厨亮灶), with its snapshot, frame and model."""

    KIND: ClassVar[str] = "incident.detected"

    incident_id: str
    camera: str
    organisation: str
    place: str
    location: str | None
    violation: str
    started_at: str
    ended_at: str
    confidence: Number
    frames_seen: int
    boxes: list[dict[str, Any]]
    snapshot_sha256: str
    snapshot_type: str
    frame_sha256: str
    frame_document_sha256: str
    frame_at: str
    frame_position: str  # e.g. "frame 60" or a time into the recording
    frame_size: list[int]
    model_sha256: str
    model_version: str


class IncidentRectified(Fact):
    KIND: ClassVar[str] = "incident.rectified"

    rectification_id: str
    incident_id: str
    incident_record_id: str
    incident_ledger_index: int
    camera: str
    organisation: str
    violation: str
    note: str
    photo_sha256: str
    #: The rejected rectification this one follows, from the second rectification on.
    previous_rectification_id: str | None = None


class IncidentReviewed(Fact):
    """A regulator's decision on a rectification: ``accepted`` closes the incident, ``rejected``
    reopens it until the restaurant rectifies again."""

    KIND: ClassVar[str] = "incident.reviewed"

    review_id: str
    incident_id: str
    rectification_id: str
    rectification_record_id: str
    rectification_ledger_index: int
    camera: str
    organisation: str
    violation: str
    decision: str
    note: str


class AlertAcknowledged(Fact):
    """The alert's organisation or a regulator saw an alert; it stays open until closed."""

    KIND: ClassVar[str] = "alert.acknowledged"

    alert_id: str
    alert_record_id: str  # the alert.opened record
    rule: str
    device: str | None = None  # the device whose readings raised it, if a device did
    subject_type: str | None = None  # what a domain's alert is about, if no device raised it
    subject_id: str | None = None
    organisation: str  # handle of the organisation the alert is against
    note: str


class DevicePositioned(Fact):
    """Where a device's place is (WGS-84 degrees), as its organisation said; the latest one holds."""

    KIND: ClassVar[str] = "device.positioned"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"address"})

    device: str  # username: {org_handle}/{name}
    organisation: str  # handle
    latitude: Number
    longitude: Number
    address: str | None = None


# -- EPCIS ------------------------------------------------------------------------------------


class EpcisCaptured(Fact):
    """An EPCIS 2.0 event captured through ``/epcis/capture``; its kind is ``epcis.<event type>``."""

    KIND: ClassVar[str] = "epcis"  # the prefix: epcis.ObjectEvent, epcis.TransformationEvent, …

    event_id: str
    epcis: dict[str, Any]

    @classmethod
    def kind_for(cls, event_type: str) -> str:
        return f"{cls.KIND}.{event_type}"

    @classmethod
    def reads(cls, kind: str) -> bool:
        return kind.startswith(f"{cls.KIND}.")


#: Every fact model, by kind (EPCIS events by their prefix).
FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        BatchAdmitted,
        CodesIssued,
        ShipScanned,
        ReceiveScanned,
        SellScanned,
        DestroyScanned,
        BatchSplit,
        CounterfeitSignalled,
        RecallIssued,
        RecallAcknowledged,
        RecallLifted,
        DocumentShared,
        ApiKeyRevoked,
        ChainDifference,
        OrgAdmitted,
        OrgSuspended,
        OrgRestored,
        AuditStarted,
        AuditFinished,
        OrgPositioned,
        ReadingRecorded,
        AlertOpened,
        AlertClosed,
        IncidentDetected,
        IncidentRectified,
        AlertAcknowledged,
        IncidentReviewed,
        DevicePositioned,
        EpcisCaptured,
    )
}


#: The supervision domains that catalogue their record kinds in their own package: each module
#: names its models in a ``FACTS`` dict (kind -> model), as this module does for the rest.
DOMAIN_FACT_MODULES = (
    "trace_api.filings.facts",
    "trace_api.permits.facts",
    "trace_api.markets.facts",
    "trace_api.equipment.facts",
    "trace_api.selfcheck.facts",
    "trace_api.credit.facts",
    "trace_api.enforcement.facts",
    "trace_api.risk.facts",
)


@cache
def every_fact() -> dict[str, type[Fact]]:
    """Every record kind's model: this catalogue's and each domain's."""
    found = dict(FACTS)
    for name in DOMAIN_FACT_MODULES:
        found.update(importlib.import_module(name).FACTS)
    return found


def fact_of(record: Record | StoredRecord) -> Fact:
    """The fact any record holds, by its kind; raises :class:`WrongKind` for an unknown kind."""
    facts = every_fact()
    model = facts.get(record.kind) or facts.get(record.kind.split(".")[0])
    if model is None or not model.reads(record.kind):
        raise WrongKind(f"record {record.record_id} is of kind {record.kind}, which no fact model reads")
    return model.of(record)
