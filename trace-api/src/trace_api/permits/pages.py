"""``/permit-certificates/{number}``: where a food business permit's QR code leads.

Open to anyone, Chinese first with English beside it, for a phone: the permit as its ledger
record states it, its status (valid, suspended, revoked, expired) with every change and its
reason, and the proof of its records (leaf hash, inclusion proof, checkpoint root, anchor on
chain). ``Accept: application/json`` or ``?format=json`` gets the same as JSON. Its date is the
app's permit clock (``app.state.permits_clock``, an aware datetime callable tests set), else the
system's, in China Standard Time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from ..context import get_services, get_session
from ..errors import NotFound
from ..paperwork.applicants import china_date
from ..paperwork.pages import answers_json, certificate_templates, page_words, render_page
from ..services import Services
from .certificates import check_certificate

router = APIRouter(tags=["permits"])
templates = certificate_templates(Path(__file__).parent / "templates")
templates.env.globals.update(
    statuses={
        "valid": {"zh": "有效", "en": "Valid"},
        "suspended": {"zh": "已暂停", "en": "Suspended"},
        "revoked": {"zh": "已撤销", "en": "Revoked"},
        "expired": {"zh": "已过期", "en": "Expired"},
    },
    changes={
        "permit.suspended": {"zh": "暂停", "en": "Suspended"},
        "permit.reinstated": {"zh": "恢复", "en": "Reinstated"},
        "permit.revoked": {"zh": "撤销", "en": "Revoked"},
    },
    formats={
        "food_sales": {"zh": "食品销售经营者", "en": "Food sales"},
        "catering": {"zh": "餐饮服务经营者", "en": "Catering"},
        "canteen": {"zh": "单位食堂", "en": "Canteen"},
    },
)


def today_of(request: Request) -> dt.date:
    """Today in China Standard Time by the app's permit clock, else the system's."""
    clock: Callable[[], dt.datetime] | None = getattr(request.app.state, "permits_clock", None)
    return china_date(clock() if clock is not None else dt.datetime.now(dt.UTC))


@router.get(
    "/permit-certificates/{number}",
    response_model=None,
    summary="Check a food business permit",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: {"description": "No such permit in the ledger", "content": {"text/html": {}}},
    },
)
def permit_check(
    request: Request,
    number: str,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    fmt: Annotated[
        str | None, Query(alias="format", description="json: answer JSON whatever Accept says")
    ] = None,
    lang: Annotated[str, Query(description="zh (the default) or en")] = "zh",
) -> Response:
    """A food business permit checked against the ledger (open to anyone: where its QR code leads)."""
    as_json = answers_json(request, fmt)
    words = page_words(lang)
    try:
        check = check_certificate(services, session, number, today_of(request))
    except NotFound:
        if as_json:
            raise
        return render_page(templates, request, "no_permit.html", {"number": number, **words}, 404)
    if as_json:
        return JSONResponse(check.as_json(), headers={"Vary": "Accept", "Cache-Control": "no-cache"})
    return render_page(templates, request, "permit.html", {"check": check, **words}, 200)
