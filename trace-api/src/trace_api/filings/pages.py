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
from sqlmodel import Session

from ..context import get_services, get_session
from ..errors import NotFound
from ..paperwork.applicants import CHINA
from ..paperwork.pages import answers_json, certificate_templates, render_page
from ..services import Services
from .certificates import check_certificate

router = APIRouter(tags=["filings"])
templates = certificate_templates(Path(__file__).parent / "templates")
templates.env.globals.update(
    standings={
        "valid": "有效 Valid",
        "expired": "已过期 Expired",
        "pending": "有效（账本锚定中）Valid (being anchored)",
        "failed": "核验未通过 Check failed",
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
    as_json = answers_json(request, fmt)
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
    return render_page(templates, request, name, context, status_code)
