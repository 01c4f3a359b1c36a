"""``GET /v1/trace/{batch_id}``: the lineage graph, for regulators and the lot's own custodians."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ..auth import CurrentMember
from ..context import get_services, get_session
from ..services import Services
from .service import Direction, trace_batch

router = APIRouter(tags=["trace"])


@router.get("/v1/trace/{batch_id}")
def trace(
    batch_id: str,
    member: CurrentMember,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Any, Depends(get_session)],
    direction: Direction = "both",
) -> dict[str, Any]:
    return trace_batch(session, services.ledger, member, batch_id, direction)
