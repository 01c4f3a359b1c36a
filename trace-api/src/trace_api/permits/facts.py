"""The ledger record kinds of food business permits (食品经营许可): one payload model per kind.

Each record's subjects name the application (``permit``, its application number) and, once
issued, its certificate (``permit_certificate``): the certificate's public page finds by that
subject its ``permit.approved`` record and every later change of its state. The applicant's phone
is masked in the records, since a certificate's records are shown to whoever scans its QR code.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from ..facts import Fact, _Part


class PermitMaterialFiled(_Part):
    """One document of an application, by its SHA-256 (the bytes are in the documents folder)."""

    kind: str
    sha256: str
    content_type: str
    size: int


class PermitSubmitted(Fact):
    """An application (申请) with its materials and the applicant's declaration (承诺)."""

    KIND: ClassVar[str] = "permit.submitted"
    OMIT_IF_NONE: ClassVar[frozenset[str]] = frozenset({"applicant_org"})

    permit_id: str
    business_format: str
    business_name: str
    uscc: str
    legal_representative: str
    premises: str
    division_code: str
    jurisdiction: str
    phone_masked: str
    items: list[str]
    #: ``org`` (a member organisation, ``applicant_org`` its USCC) or ``person``.
    applicant: str
    applicant_org: str | None = None
    #: The declaration's text as the applicant accepted it, and its SHA-256 (hex).
    declaration: str
    declaration_sha256: str
    materials: list[PermitMaterialFiled]


class PermitAccepted(Fact):
    """A regulator of the jurisdiction accepted the application (受理)."""

    KIND: ClassVar[str] = "permit.accepted"

    permit_id: str
    regulator: str  # handle
    opinion: str


class PermitExamined(Fact):
    """A regulator examined the materials (and the premises) and gave its opinion (审查意见)."""

    KIND: ClassVar[str] = "permit.examined"

    permit_id: str
    regulator: str
    opinion: str


class PermitApproved(Fact):
    """Permitted (准予许可): the certificate's number and what it states."""

    KIND: ClassVar[str] = "permit.approved"

    permit_id: str
    regulator: str
    regulator_name: str
    opinion: str
    certificate_no: str
    business_format: str
    business_name: str
    uscc: str
    legal_representative: str
    premises: str
    items: list[str]
    valid_from: dt.date
    valid_until: dt.date


class PermitRefused(Fact):
    """Refused (不予许可), with the reasons."""

    KIND: ClassVar[str] = "permit.refused"

    permit_id: str
    regulator: str
    regulator_name: str
    opinion: str


class CertificateChanged(Fact):
    """A regulator changed an issued certificate's state, with its reason."""

    KIND: ClassVar[str] = "permit.certificate"

    permit_id: str
    certificate_no: str
    regulator: str
    regulator_name: str
    reason: str


class PermitSuspended(CertificateChanged):
    """Suspended (暂停): the business may not operate under it until reinstated."""

    KIND: ClassVar[str] = "permit.suspended"


class PermitReinstated(CertificateChanged):
    """A suspension lifted (恢复)."""

    KIND: ClassVar[str] = "permit.reinstated"


class PermitRevoked(CertificateChanged):
    """Revoked (撤销/吊销): final."""

    KIND: ClassVar[str] = "permit.revoked"


#: Every permit fact model, by kind.
PERMIT_FACTS: dict[str, type[Fact]] = {
    model.KIND: model
    for model in (
        PermitSubmitted,
        PermitAccepted,
        PermitExamined,
        PermitApproved,
        PermitRefused,
        PermitSuspended,
        PermitReinstated,
        PermitRevoked,
    )
}
#: What each certificate change does to the certificate's state.
STATE_AFTER = {
    PermitSuspended.KIND: "suspended",
    PermitReinstated.KIND: "active",
    PermitRevoked.KIND: "revoked",
}

#: This domain's part of the catalogue of record kinds (``trace_api.facts.every_fact``).
FACTS = PERMIT_FACTS
