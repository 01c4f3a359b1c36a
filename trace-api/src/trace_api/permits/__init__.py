"""Food business permits (食品经营许可, 无纸化审批): businesses apply online with their materials and
a declaration; the regulators of their jurisdiction accept, examine and approve (an electronic
permit: a PDF whose QR code opens its public verification page) or refuse, each step with its
opinion; they suspend, reinstate or revoke an issued permit with a reason. Every step is a ledger
record (:mod:`.facts`); the public page reads the permit's status from them."""

from .actions import Changed, change_certificate
from .certificates import CertificateCheck, check_certificate
from .facts import (
    PERMIT_FACTS,
    PermitAccepted,
    PermitApproved,
    PermitExamined,
    PermitRefused,
    PermitReinstated,
    PermitRevoked,
    PermitSubmitted,
    PermitSuspended,
)
from .inputs import DECLARATION, CertificateActionIn, PermitIn, PermitReviewIn
from .models import BusinessFormat, CertificateState, MaterialKind, Permit, PermitMaterial, PermitStatus
from .reviews import Reviewed, review_permit
from .service import PermitQuery, describe_permit, get_permit, list_permits
from .submission import Submitted, submit_permit

__all__ = [
    "DECLARATION",
    "PERMIT_FACTS",
    "BusinessFormat",
    "CertificateActionIn",
    "CertificateCheck",
    "CertificateState",
    "Changed",
    "MaterialKind",
    "Permit",
    "PermitAccepted",
    "PermitApproved",
    "PermitExamined",
    "PermitIn",
    "PermitMaterial",
    "PermitQuery",
    "PermitRefused",
    "PermitReinstated",
    "PermitReviewIn",
    "PermitRevoked",
    "PermitStatus",
    "PermitSubmitted",
    "PermitSuspended",
    "Reviewed",
    "Submitted",
    "change_certificate",
    "check_certificate",
    "describe_permit",
    "get_permit",
    "list_permits",
    "review_permit",
    "submit_permit",
]
