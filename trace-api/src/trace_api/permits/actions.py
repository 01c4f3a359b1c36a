"""A regulator's changes of an issued certificate, each with its reason and each one ledger record
naming the certificate, so that its public page shows it at once: suspend (暂停) an active one,
reinstate (恢复) a suspended one, revoke (撤销) either. A revoked certificate is final; any other
change out of order is a conflict (409). Only a regulator of the jurisdiction acts (403)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from evidence import utc_now, write_transaction

from ..errors import Conflict
from ..orgs.service import Member
from ..paperwork.applicants import Caller, actor_of
from ..services import Services
from .facts import STATE_AFTER, CertificateChanged, PermitReinstated, PermitRevoked, PermitSuspended
from .inputs import CertificateActionIn
from .models import CertificateState, Permit
from .service import check_regulator, get_permit, permit_record

#: Each action's record, and the states it may be taken from.
ACTIONS: dict[str, tuple[type[CertificateChanged], frozenset[CertificateState]]] = {
    "suspend": (PermitSuspended, frozenset({CertificateState.active})),
    "reinstate": (PermitReinstated, frozenset({CertificateState.suspended})),
    "revoke": (PermitRevoked, frozenset({CertificateState.active, CertificateState.suspended})),
}


@dataclass(frozen=True)
class Changed:
    permit: Permit
    record_id: str
    ledger_index: int


def change_certificate(services: Services, member: Member, number: str, data: CertificateActionIn) -> Changed:
    """Records the change and moves the row's state, one transaction."""
    model, allowed = ACTIONS[data.action]
    with write_transaction(services.engine, services.ledger.lock_name) as conn, Session(bind=conn) as session:
        permit = get_permit(session, Caller(member=member), number)
        check_regulator(member, permit)
        if permit.certificate_no is None or permit.certificate_state is None:
            raise Conflict(
                f"permit application {number} is {permit.status}: it has no certificate to {data.action}"
            )
        state = CertificateState(permit.certificate_state)
        if state not in allowed:
            raise Conflict(
                f"certificate {permit.certificate_no} is {state.value}: it cannot be {data.action}d"
            )
        moment = utc_now()
        fact = model(
            permit_id=number, certificate_no=permit.certificate_no, regulator=member.org.handle,
            regulator_name=member.org.name, reason=data.reason,
        )  # fmt: skip
        changes = services.ledger.about(
            "permit_certificate", permit.certificate_no, conn=session.connection()
        )
        record_id = f"permit:{number}:{fact.KIND.split('.')[1]}:{len(changes)}"
        record = permit_record(permit, record_id, fact, actor_of(member), moment)
        receipt = services.ledger.append(record, conn=session.connection())
        permit.certificate_state = STATE_AFTER[fact.KIND]
        session.add(permit)
        session.flush()
        session.refresh(permit)
        session.expunge(permit)
    return Changed(permit, record_id, receipt.index)
