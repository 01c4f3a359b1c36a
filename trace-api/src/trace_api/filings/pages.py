"""``/filing-certificates/{number}``: where a registration certificate's QR code leads.

Open to anyone, Chinese first with English beside it, for a phone: the certificate as its ledger
record states it, whether it is valid, and the record's check (record id, leaf hash, inclusion
proof, checkpoint signature, anchor). ``Accept: application/json`` or ``?format=json`` gets
the same as JSON. The page loads only the resolver's stylesheet, from here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from ..context import get_services, get_session
from ..errors import NotFound
from ..resolver import labels as resolver_labels
from ..resolver.routes import PAGE_POLICY, STATIC_PATH, wants_json
from ..services import Services
from .certificates import check_certificate
from .service import CHINA

router = APIRouter(tags=["filings"])
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["local_time"] = resolver_labels.display_time
templates.env.globals.update(
    standings={
        "valid": "有效 Valid",
        "expired": "已过期 Expired",
        "pending": "有效（账本锚定中）Valid (being anchored)",
        "failed": "核验未通过 Check failed",
    },
    verdicts={
        "verified": "账本记录已核验 Ledger record verified",
        "pending": "账本记录待锚定 Ledger record awaiting its anchor",
        "failed": "账本记录核验失败 Ledger record failed its check",
    },
    verdict_details={
        "verified": "记录字节、包含证明、检查点签名和链上锚定均已核验。"
        " Its bytes, inclusion proof, checkpoint signature and on-chain anchor all check.",
        "pending": "记录已入账，尚待签名检查点锚定上链（通常几秒钟）。"
        " The record is in the ledger; a signed checkpoint covering it is not anchored yet (seconds).",
        "failed": "记录与账本不符。 The record does not match the ledger.",
    },
    step_statuses={"passed": "通过 Passed", "pending": "待定 Pending", "failed": "失败 Failed"},
    steps={
        "bytes": "记录字节与叶哈希 Record bytes and leaf hash",
        "inclusion": "包含证明 Inclusion proof",
        "signature": "检查点签名 Checkpoint signature",
        "anchor": "链上锚定 Anchor on chain",
    },
    types={
        "workshop": "食品小作坊 Food workshop",
        "small_restaurant": "小餐饮 Small restaurant",
        "small_shop": "小食杂店 Small grocery",
        "stall": "食品摊贩 Food stall",
    },
    results={"pass": "符合 Pass", "rectify": "责令整改 To rectify", "fail": "不符合 Fail"},
)


@router.get(
    "/filing-certificates/{number}",
    response_model=None,
    summary="Check a registration certificate",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: {"description": "No such certificate in the ledger", "content": {"text/html": {}}},
    },
)
def certificate_check(
    request: Request,
    number: str,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    fmt: Annotated[
        str | None, Query(alias="format", description="json: answer JSON whatever Accept says")
    ] = None,
) -> Response:
    """A small food business's registration certificate checked against the ledger (open to anyone:
    where the certificate's QR code leads)."""
    as_json = fmt.lower() == "json" if fmt is not None else wants_json(request.headers.get("accept", ""))
    headers = {"Vary": "Accept", "Cache-Control": "no-cache"}
    try:
        check = check_certificate(services, session, number, dt.datetime.now(CHINA).date())
    except NotFound:
        if as_json:
            raise
        return _page(request, "no_certificate.html", {"number": number}, 404)
    if as_json:
        return JSONResponse(check.as_json(), headers=headers)
    return _page(request, "certificate.html", {"check": check}, 200)


def _page(request: Request, name: str, context: dict[str, object], status_code: int) -> Response:
    static = request.scope.get("root_path", "") + STATIC_PATH
    headers = {"Vary": "Accept", "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
    return templates.TemplateResponse(
        request, name, {**context, "static": static}, status_code=status_code, headers=headers
    )
