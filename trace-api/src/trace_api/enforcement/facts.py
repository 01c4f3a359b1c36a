"""The ledger record kinds of mobile enforcement (移动执法): one payload model per kind.

Subjects: an inspector's records name ``inspector`` (its id) and the regulator (``org``, its
USCC); an inspection's name ``inspection`` (its number), the regulator and the inspected party
(``org``, its USCC), so the party's evidence (e.g. for credit grading) is found by
``ledger.about("org", uscc)`` and read with :class:`InspectionRecorded`.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import Field

from ..facts import Fact, _Part


class InspectorAdded(Fact):
    """A regulator gave a person an inspector's key (执法人员)."""

    KIND: ClassVar[str] = "inspection.inspector_added"

    inspector_id: str
    name: str
    badge_no: str
    regulator: str  # handle
    api_key_id: str


class SigningKeyRegistered(Fact):
    """An inspector registered the Ed25519 public key their documents are signed with."""

    KIND: ClassVar[str] = "inspection.signing_key_registered"

    inspector_id: str
    badge_no: str
    public_key: str  # raw 32 bytes, hex
    key_sha256: str  # of the raw key, hex


class InspectedParty(_Part):
    """Who was inspected, as the registry knew them when the inspection was recorded."""

    handle: str
    name: str
    uscc: str
    org_type: str
    address: str | None = None
    #: Its food business permits (certificate number and state) and filings (number and status).
    permits: list[dict[str, str | None]] = Field(default_factory=list)
    filings: list[dict[str, str | None]] = Field(default_factory=list)


class EvidenceFiled(_Part):
    """A photo or video, by its SHA-256 (the bytes are in the documents folder)."""

    sha256: str
    content_type: str
    size: int


class Finding(_Part):
    """One template item as checked: ``pass``, ``fail`` or ``not_applicable``, with a note."""

    item: str
    text: str
    legal_basis: str
    result: str
    note: str = ""
    evidence: list[EvidenceFiled] = Field(default_factory=list)


class InspectionRecorded(Fact):
    """An on-site inspection (现场检查) with a finding for every item of its template."""

    KIND: ClassVar[str] = "inspection.recorded"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"task"})

    inspection_id: str
    client_id: str
    template: str
    template_name: str
    template_version: int
    inspector_id: str
    inspector_name: str
    badge_no: str
    regulator: str  # handle
    regulator_name: str
    jurisdiction: str
    party: InspectedParty
    place: str
    inspected_at: dt.datetime
    findings: list[Finding]
    #: How many items failed: zero is a clean inspection.
    failed_items: int
    summary: str = ""
    #: The self-inspection task (``selfcheck.inspection_task``) it does, if it answers one.
    task: str | None = None


class DocumentIssued(Fact):
    """An enforcement document drawn up from an inspection: the inspection record (现场检查笔录,
    ``inspection_record``) or an order to rectify (责令改正通知书, ``rectification_order``). Its PDF
    is rendered from this record and the inspection's, byte for byte the same every time."""

    KIND: ClassVar[str] = "inspection.document_issued"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"deadline", "requirements"})

    document_id: str
    document_kind: str
    inspection_id: str
    inspection_record_id: str
    inspector_id: str
    badge_no: str
    issued_on: dt.date
    #: With an order to rectify: by when, and what the party must do.
    deadline: dt.date | None = None
    requirements: str | None = None


class DocumentSigned(Fact):
    """The inspector signed the document's PDF with their own key (Ed25519 over the PDF's bytes)."""

    KIND: ClassVar[str] = "inspection.document_signed"

    document_id: str
    inspection_id: str
    pdf_sha256: str
    pdf_size: int
    algorithm: str  # Ed25519
    signature: str  # base64
    public_key: str  # raw, hex
    key_sha256: str
    key_record_id: str  # the inspection.signing_key_registered record of that key
    inspector_id: str
    badge_no: str


class SignatureFile(_Part):
    sha256: str
    content_type: str
    size: int


class DocumentCountersigned(Fact):
    """The inspected party signed for the document on site: a handwritten signature image and a
    photo taken at signing; the document is then delivered to the party."""

    KIND: ClassVar[str] = "inspection.document_countersigned"

    document_id: str
    inspection_id: str
    pdf_sha256: str
    signer_name: str
    signature_image: SignatureFile
    photo: SignatureFile
    party: str  # the party's handle, to whom it is delivered


#: Every enforcement fact model, by kind.
ENFORCEMENT_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        InspectorAdded,
        SigningKeyRegistered,
        InspectionRecorded,
        DocumentIssued,
        DocumentSigned,
        DocumentCountersigned,
    )
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = ENFORCEMENT_FACTS
