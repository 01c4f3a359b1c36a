"""``/v1/batches``: source admission by importers; batch details for those who hold or held it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlmodel import Session

from ..auth import CurrentMember, member_of
from ..context import Services, WriteSession, get_services, get_session
from ..orgs.models import OrgType
from ..orgs.service import Member
from .service import BatchIn, admit_batch, describe_batch, get_batch, require_batch_reader

router = APIRouter(prefix="/v1/batches", tags=["batches"])
Importer = Annotated[Member, Depends(member_of(OrgType.importer))]


@router.post("", status_code=201)
def create_batch(
    data: BatchIn,
    member: Importer,
    services: Annotated[Services, Depends(get_services)],
    session: WriteSession,
) -> dict[str, Any]:
    """Admit a batch: certificates checked, admission recorded in the ledger and registered on chain."""
    return describe_batch(session, admit_batch(services, session, member, data))


@router.get("/{batch_id}")
def read_batch(
    batch_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    batch = get_batch(session, batch_id)
    require_batch_reader(member, batch)
    return describe_batch(session, batch)
