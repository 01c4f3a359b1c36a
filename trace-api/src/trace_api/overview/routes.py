"""``/v1/overview``: the figures of a regulator's dashboard, in one answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from ..auth import Regulator
from ..context import get_services, get_session
from ..services import Services
from .service import regulator_overview
from .views import Overview

router = APIRouter(prefix="/v1/overview", tags=["overview"])


@router.get("")
def overview(
    _: Regulator,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
) -> Overview:
    """The regulators' dashboard (regulators only): open alerts by kind, active recalls with their
    progress, today's admissions, scans and sales, counterfeit signals, and the ledger's state.

    - `alerts`: open alerts by rule (the cold chain's `temperature`, `door_open`, `silent`: open
      until a reading closes them; every other domain's rule with an open alert, as
      `GET /v1/alerts?status=open&rule=…` lists them), open kitchen incidents
      (`kitchen_incident`: until rectified) and risk warnings not closed, by level (`risk_red`,
      `risk_orange`, `risk_yellow`, `risk_blue`: as `GET /v1/risk/warnings?status=active` counts them).
    - `recalls`: how many recalls are active (their lot still under recall) and the 20 most
      recent, each with its holders told, reached, acknowledged and the quantity quarantined.
    - `today`: facts recorded since 00:00 Asia/Shanghai (`since`, in UTC), by scan action.
    - `signals`: counterfeit signals by reason, ever and today.
    - `ledger`: records in the log, the latest signed checkpoint, the latest anchored on chain
      (`age_s`: seconds since), records no anchor covers; `last_audit`: the audit that finished
      last (`{"id", "result", "at"}`; null before any); `readiness`: what `GET /readyz` says
      (`ready`, and each `failing` part with its `reason`): a stalled anchorer or worker, an
      overdue checkpoint, chain calls waiting past their bound, unrepaired chain differences.

    Every figure is a count or a sum over an index: the answer stays quick on a large ledger.
    Times are UTC (ISO 8601).
    """
    return regulator_overview(services, session)
