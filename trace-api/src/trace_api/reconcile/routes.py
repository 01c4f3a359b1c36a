"""``/v1/chain/differences``: what the chain holds that no committed record proves, for regulators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from ..auth import Regulator
from ..context import get_services
from ..services import Services
from .service import recorded_differences

router = APIRouter(prefix="/v1/chain", tags=["chain"])


@router.get("/differences")
def differences(member: Regulator, services: Annotated[Services, Depends(get_services)]) -> dict[str, Any]:
    """Every difference between chain and database the reconciler recorded (``chain.difference``),
    in ledger order, with the latest pass of the service's reconciler."""
    last = services.reconcile_report
    return {
        "differences": recorded_differences(services),
        "last_pass": last.describe() if last is not None else None,
    }
