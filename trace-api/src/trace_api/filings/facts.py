"""The ledger record kinds of small food business filings (三小一摊): one payload model per kind.

Each step of a filing is one record whose subjects name the filing (``filing``, its acceptance
number) and, once registered, its certificate (``filing_certificate``). Records carry no full
identity card or phone number: the operator's are masked (``310***********123X``), since a
certificate's record is shown to whoever scans its QR code. The rows keep the full numbers for
the regulators.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ..facts import Fact, _Part


class FiledMaterial(_Part):
    """One document of a filing, by its SHA-256 (the bytes are in the documents folder)."""

    kind: str
    sha256: str
    content_type: str
    size: int


class FilingSubmitted(Fact):
    """An application (申请) with its materials, under its acceptance number."""

    KIND: ClassVar[str] = "filing.submitted"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"uscc", "applicant_org"})

    filing_id: str
    business_type: str
    business_name: str
    address: str
    division_code: str
    jurisdiction: str
    operator_name: str
    operator_id_masked: str
    phone_masked: str
    categories: list[str]
    employees: int
    #: ``org`` (a member organisation, ``applicant_org`` its USCC) or ``person``.
    applicant: str
    applicant_org: str | None = None
    uscc: str | None = None
    materials: list[FiledMaterial]


class FilingAccepted(Fact):
    """A regulator of the jurisdiction accepted the application for review (受理)."""

    KIND: ClassVar[str] = "filing.accepted"

    filing_id: str
    regulator: str  # handle
    opinion: str


class FilingMoreRequested(Fact):
    """A regulator asked for more materials (补正), the ``request``-th time."""

    KIND: ClassVar[str] = "filing.more_requested"

    filing_id: str
    regulator: str
    opinion: str
    requested: list[str]  # material kinds
    request: int


class FilingSupplemented(Fact):
    """The applicant's answer to the ``request``-th request for more materials."""

    KIND: ClassVar[str] = "filing.supplemented"

    filing_id: str
    request: int
    note: str
    materials: list[FiledMaterial]


class FilingApproved(Fact):
    """Registered (准予登记): the certificate's number and what it states."""

    KIND: ClassVar[str] = "filing.approved"

    filing_id: str
    regulator: str
    regulator_name: str
    opinion: str
    certificate_no: str
    business_type: str
    business_name: str
    address: str
    operator_name: str
    categories: list[str]
    valid_from: dt.date
    valid_until: dt.date


class FilingRefused(Fact):
    """Refused (不予许可), with the reasons the decision states."""

    KIND: ClassVar[str] = "filing.refused"

    filing_id: str
    regulator: str
    regulator_name: str
    opinion: str


class InspectedItem(_Part):
    name: str
    passed: bool
    note: str = ""


class FilingInspected(Fact):
    """A daily inspection (日常检查) of a registered business."""

    KIND: ClassVar[str] = "filing.inspected"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"photo_sha256"})

    filing_id: str
    inspection_id: str
    certificate_no: str
    regulator: str
    result: str
    items: list[InspectedItem]
    notes: str
    inspected_at: str
    photo_sha256: str | None = None


#: Every filing fact model, by kind.
FILING_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        FilingSubmitted,
        FilingAccepted,
        FilingMoreRequested,
        FilingSupplemented,
        FilingApproved,
        FilingRefused,
        FilingInspected,
    )
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = FILING_FACTS
