"""The factors of the credit scorecard, each defined by the ledger record kinds it reads.

A factor turns one record of a kind it reads into findings: a matter (an incident, an alert, a
recall, a certificate) against an organisation, with the matter's outcome as of that record
(``open``, ``rectified``, ``class_I``, …). The grader (:mod:`.grading`) keeps the findings, marks
their organisations for regrading, and scores each matter by its latest outcome; it knows no
factor by name. A factor is added by defining a :class:`Factor` in a module listed in
:data:`FACTOR_MODULES` (its ``CREDIT_FACTORS``) and giving its terms in the scorecard: the
grader then reads its kinds too, from its next pass.

A finding whose organisation is ``None`` belongs to the organisation of the matter's earlier
findings (a rectification names the incident, not always the restaurant).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from sqlmodel import Session, select

from evidence import Record

from ..batches.models import Batch
from ..coldchain.models import ALERT_RULES
from ..facts import (
    AlertOpened,
    IncidentDetected,
    IncidentRectified,
    IncidentReviewed,
    RecallIssued,
    RecallLifted,
)
from ..markets.facts import DisposalCompleted, DisposalOpened
from ..orgs.models import Organisation
from ..permits.facts import PermitReinstated, PermitRevoked, PermitSuspended
from ..permits.models import Permit


@dataclass(frozen=True)
class Finding:
    """A matter against an organisation (its id; None: the matter's earlier organisation)."""

    org_id: str | None
    matter: str
    outcome: str


Attribute = Callable[[Session, Record], Sequence[Finding]]


@dataclass(frozen=True)
class Factor:
    name: str
    #: Record kinds read; ``prefix.*`` reads every kind under the prefix (``inspection.*``).
    reads: tuple[str, ...]
    #: Every outcome its findings may have (the scorecard gives each its points).
    outcomes: tuple[str, ...]
    attribute: Attribute

    def reads_kind(self, kind: str) -> bool:
        return any(kind == k or (k.endswith(".*") and kind.startswith(k[:-1])) for k in self.reads)


def org_by_handle(session: Session, handle: str | None) -> str | None:
    if not handle:
        return None
    return session.exec(select(Organisation.id).where(Organisation.handle == handle)).first()


def org_by_uscc(session: Session, uscc: str) -> str | None:
    return session.exec(select(Organisation.id).where(Organisation.uscc == uscc)).first()


# -- kitchen: incidents (明厨亮灶) and their rectifications -------------------------------------


def _kitchen(session: Session, record: Record) -> list[Finding]:
    org = org_by_handle(session, str(record.payload.get("organisation", "")))
    if record.kind == IncidentDetected.KIND:
        return [Finding(org, IncidentDetected.of(record).incident_id, "open")]
    if record.kind == IncidentRectified.KIND:
        return [Finding(org, IncidentRectified.of(record).incident_id, "rectifying")]
    reviewed = IncidentReviewed.of(record)
    return [Finding(org, reviewed.incident_id, "rectified" if reviewed.decision == "accepted" else "open")]


KITCHEN = Factor(
    "kitchen",
    (IncidentDetected.KIND, IncidentRectified.KIND, IncidentReviewed.KIND),
    ("open", "rectifying", "rectified"),
    _kitchen,
)


# -- alerts: cold-chain excursions, overdue maintenance ----------------------------------------


def _alert_against(
    session: Session, record: Record, rules: Sequence[str]
) -> tuple[str | None, AlertOpened] | None:
    """The organisation an ``alert.opened`` of one of ``rules`` is against (its actor), and the alert."""
    alert = AlertOpened.of(record)
    if alert.rule not in rules:
        return None
    return org_by_uscc(session, record.actor.org), alert


def _coldchain(session: Session, record: Record) -> list[Finding]:
    found = _alert_against(session, record, ALERT_RULES)
    if found is None or found[0] is None:
        return []
    org, alert = found
    return [Finding(org, alert.alert_id, alert.rule)]


COLDCHAIN = Factor("coldchain", (AlertOpened.KIND,), ALERT_RULES, _coldchain)


def _equipment(session: Session, record: Record) -> list[Finding]:
    found = _alert_against(session, record, ("maintenance_overdue",))
    if found is None or found[0] is None:
        return []
    org, alert = found
    return [Finding(org, alert.alert_id, "overdue")]


EQUIPMENT = Factor("equipment", (AlertOpened.KIND,), ("overdue",), _equipment)


# -- markets: failed rapid tests (快检不合格) and their disposals -------------------------------


def _markets(session: Session, record: Record) -> list[Finding]:
    if record.kind == DisposalOpened.KIND:
        opened = DisposalOpened.of(record)
        org = org_by_handle(session, opened.vendor)
        return [] if org is None else [Finding(org, opened.disposal_id, "failed")]
    return [Finding(None, DisposalCompleted.of(record).disposal_id, "disposed")]


MARKETS = Factor("markets", (DisposalOpened.KIND, DisposalCompleted.KIND), ("failed", "disposed"), _markets)


# -- recalls of the organisation's lots ---------------------------------------------------------


def _recalls(session: Session, record: Record) -> list[Finding]:
    if record.kind == RecallLifted.KIND:
        return [Finding(None, RecallLifted.of(record).recall_id, "lifted")]
    recall = RecallIssued.of(record)
    batch = session.get(Batch, recall.batch_id)
    if batch is None:
        return []
    return [Finding(batch.importer_org_id, recall.recall_id, f"class_{recall.recall_class}")]


RECALLS = Factor(
    "recalls",
    (RecallIssued.KIND, RecallLifted.KIND),
    ("class_I", "class_II", "class_III", "lifted"),
    _recalls,
)


# -- permits: a certificate suspended or revoked ----------------------------------------------

_PERMIT_OUTCOMES = {
    PermitSuspended.KIND: "suspended",
    PermitReinstated.KIND: "reinstated",
    PermitRevoked.KIND: "revoked",
}


def _permits(session: Session, record: Record) -> list[Finding]:
    permit = session.get(Permit, str(record.payload.get("permit_id", "")))
    if permit is None or permit.applicant_org_id is None or permit.certificate_no is None:
        return []  # a person's permit: no organisation to grade
    return [Finding(permit.applicant_org_id, permit.certificate_no, _PERMIT_OUTCOMES[record.kind])]


PERMITS = Factor("permits", tuple(_PERMIT_OUTCOMES), ("suspended", "reinstated", "revoked"), _permits)

#: The factors defined here.
CREDIT_FACTORS: tuple[Factor, ...] = (KITCHEN, COLDCHAIN, MARKETS, RECALLS, EQUIPMENT, PERMITS)

#: The modules whose ``CREDIT_FACTORS`` make up the registry: a domain defines its own factors
#: in a module of its own and is listed here.
FACTOR_MODULES: tuple[str, ...] = (
    "trace_api.credit.factors",
    "trace_api.enforcement.credit",  # inspection: on-site inspections' failed items, orders to rectify
    "trace_api.selfcheck.credit",  # selfcheck: unrectified failing items, data-quality flags
)


@cache
def every_factor() -> dict[str, Factor]:
    """Every factor the code defines, by name."""
    found: dict[str, Factor] = {}
    for module in FACTOR_MODULES:
        for factor in importlib.import_module(module).CREDIT_FACTORS:
            found[factor.name] = factor
    return found
