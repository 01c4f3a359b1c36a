"""``/enforcement-documents/{number}``: where an enforcement document is checked by anyone.

Chinese first with English beside it, for a phone: the document (its kind, inspection, the
inspector's signature and key, the party's countersignature) and the proof of each of its ledger
records. ``Accept: application/json`` or ``?format=json`` gets the same as JSON
(``POST /v1/enforcement/verify`` checks a PDF's bytes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from ..context import get_services, get_session
from ..errors import NotFound
from ..paperwork.pages import answers_json, certificate_templates, page_words, render_page
from ..services import Services
from .verification import check_document

router = APIRouter(tags=["enforcement"])
templates = certificate_templates(Path(__file__).parent / "templates")
templates.env.globals.update(
    kinds={
        "inspection_record": {"zh": "现场检查笔录", "en": "On-site inspection record"},
        "rectification_order": {"zh": "责令改正通知书", "en": "Order to rectify"},
    },
    proof_names={
        "issued": {"zh": "文书记录", "en": "Document record"},
        "signed": {"zh": "执法人员签名记录", "en": "Inspector's signature record"},
        "key": {"zh": "签名公钥登记记录", "en": "Signing key registration"},
        "inspection": {"zh": "现场检查记录", "en": "Inspection record"},
        "countersigned": {"zh": "当事人签收记录", "en": "Party's countersignature record"},
    },
)


@router.get(
    "/enforcement-documents/{number}",
    response_model=None,
    summary="Check an enforcement document",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: {"content": {"text/html": {}}},
    },
)
def document_check(
    request: Request,
    number: str,
    services: Annotated[Services, Depends(get_services)],
    session: Annotated[Session, Depends(get_session)],
    fmt: Annotated[
        str | None, Query(alias="format", description="json: answer JSON whatever Accept says")
    ] = None,
    lang: Annotated[str, Query(description="zh (the default) or en")] = "zh",
) -> Response:
    """An enforcement document checked against the ledger (open to anyone)."""
    as_json = answers_json(request, fmt)
    words = page_words(lang)
    try:
        check = check_document(services, session, number, None)
    except NotFound:
        if as_json:
            raise
        return render_page(templates, request, "no_document.html", {"number": number, **words}, 404)
    if as_json:
        return JSONResponse(check.as_json(), headers={"Vary": "Accept", "Cache-Control": "no-cache"})
    return render_page(templates, request, "document.html", {"check": check.as_json(), **words}, 200)
