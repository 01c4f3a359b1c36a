"""``/v1/batches``: source admission by importers; batch details for those who hold or held it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlmodel import Session

from ..auth import CurrentMember, member_of
from ..context import WriteSession, get_services, get_session
from ..orgs.models import OrgType
from ..orgs.service import Member
from ..params import DEFAULT_LIMIT, Cursor, Limit
from ..services import Services
from .listing import LotFilter, LotRole, list_lots
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


@router.get("")
def list_batches(
    member: CurrentMember,
    session: Annotated[Session, Depends(get_session)],
    role: Annotated[
        LotRole | None, Query(description="holder, incoming (in transit to it) or admitted")
    ] = None,
    gtin: Annotated[str | None, Query(max_length=14)] = None,
    lot: Annotated[str | None, Query(max_length=20)] = None,
    org: Annotated[str | None, Query(max_length=64, description="regulators: this member's lots")] = None,
    recalled: bool | None = None,
    since: Annotated[
        AwareDatetime | None,
        Query(
            description="lots admitted (or split off) at or after this RFC 3339 time, "
            "e.g. 2026-12-04T00:00:00+08:00"
        ),
    ] = None,
    split: Annotated[
        bool | None,
        Query(description="true: lots split from another lot; false: lots admitted at the source"),
    ] = None,
    code: Annotated[
        str | None,
        Query(
            max_length=512,
            description="a GS1 Digital Link: of an item (/01/{gtin}/10/{lot}/21/{serial}: the lot "
            "the item is in now), of a lot (/01/{gtin}/10/{lot}) or of a GTIN (/01/{gtin}: its lots)",
        ),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Lots, newest first: the caller's own (held, incoming, admitted); every lot for a regulator.

    Each lot says whether it is `in_transit` and `under_recall` (recalled itself, or split from a
    recalled lot)."""
    wanted = LotFilter(
        role=role, gtin=gtin, lot=lot, org=org, recalled=recalled, since=since, split=split, code=code
    )
    return list_lots(session, member, wanted, limit, cursor)


@router.get("/{batch_id}")
def read_batch(
    batch_id: str, member: CurrentMember, session: Annotated[Session, Depends(get_session)]
) -> dict[str, Any]:
    batch = get_batch(session, batch_id)
    require_batch_reader(member, batch)
    return describe_batch(session, batch)
