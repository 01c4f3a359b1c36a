"""Maintenance contracts (维保合同): an elevator's term of maintenance by its maintenance unit.

A contract names its term, both days included; a renewal is a new contract. The elevator is
covered while contracts cover each day without a gap (:func:`.service.covered_until`). Recording
one settles the contract alerts at once: a renewal closes ``contract_expiring``, a contract
covering today closes ``contract_missing``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field, ValidationInfo, field_validator
from sqlmodel import Session

from ..alerting import AlertSink
from ..orgs.service import Member
from ..services import Services
from ..text import Line
from .alerts import Elevator, apply_contract_rules, open_alerts_of
from .facts import ContractRecorded
from .models import Contract
from .rules import EquipmentRules
from .service import (
    Registered,
    actor_of,
    check_term,
    contracts_of,
    equipment_record,
    find_equipment,
    member_key,
    utc,
)


class ContractIn(BaseModel):
    number: Line = Field(min_length=1, max_length=64, description="the contract's number")
    starts_on: dt.date
    ends_on: dt.date = Field(description="its last day, on or after starts_on")

    @field_validator("ends_on")
    @classmethod
    def _term(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        return check_term(info.data.get("starts_on"), value, "starts_on")


def record_contract(
    services: Services,
    session: Session,
    member: Member,
    code: str,
    data: ContractIn,
    rules: EquipmentRules,
    now: dt.datetime | None = None,
) -> tuple[Contract, Registered]:
    """A maintenance contract for the elevator, with its current maintenance unit: recorded by the
    user unit, the maintenance unit or a regulator, as ``equipment.contract_recorded``; the
    contract alerts are settled at once (a renewal closes ``contract_expiring``)."""
    now = utc(now)
    member_key(member)
    found = find_equipment(session, member, code)
    e = found.equipment
    contract = Contract(
        id=uuid.uuid4().hex, equipment_id=e.id, maintainer_org_id=e.maintainer_org_id, number=data.number,
        starts_on=data.starts_on, ends_on=data.ends_on, org_id=member.org.id, key_id=member.key_id,
        created_at=now, record_id="", ledger_index=0,
    )  # fmt: skip
    contract.record_id = f"equipment:{code}:contract:{contract.id}"
    fact = ContractRecorded(
        contract_id=contract.id, code=code, maintainer=found.maintainer.handle,
        maintainer_uscc=found.maintainer.uscc, number=data.number, starts_on=data.starts_on,
        ends_on=data.ends_on,
    )  # fmt: skip
    record = equipment_record(
        actor_of(member), contract.record_id, fact, now, code, found.user, found.maintainer
    )
    contract.ledger_index = services.ledger.append(record, conn=session.connection()).index
    session.add(contract)
    session.flush()
    contracts = contracts_of(session, [e.id]).get(e.id, [])
    elevator = Elevator(session, AlertSink.of(services), found, open_alerts_of(session, [code]).get(code, {}))
    apply_contract_rules(elevator, contracts, rules, now)
    return contract, found
