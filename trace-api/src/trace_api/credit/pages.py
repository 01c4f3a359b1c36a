"""``/credit-disclosure``: the public credit disclosure page (信用信息公示), open to anyone,
Chinese first with an English switch (``?lang=en``), for a phone, nothing loaded from elsewhere;
``?format=json`` or ``Accept: application/json`` gets the same as JSON. It shows only the
disclosure (:func:`.disclosure.public_disclosure`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from ..context import get_session
from ..paperwork.pages import answers_json, certificate_templates, page_words, render_page
from .disclosure import public_disclosure

router = APIRouter(tags=["credit"])
templates = certificate_templates(Path(__file__).parent / "templates")


@router.get(
    "/credit-disclosure",
    response_model=None,
    summary="The public credit disclosure",
    responses={200: {"content": {"text/html": {}, "application/json": {}}}},
)
def credit_disclosure(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    fmt: Annotated[
        str | None, Query(alias="format", description="json: answer JSON whatever Accept says")
    ] = None,
    lang: Annotated[str, Query(description="zh (the default) or en")] = "zh",
) -> Response:
    """Every graded firm's grade, and the list of serious violators with the reason and records."""
    shown = public_disclosure(session)
    if answers_json(request, fmt):
        return JSONResponse(shown, headers={"Vary": "Accept", "Cache-Control": "no-cache"})
    words = page_words(lang)
    return render_page(templates, request, "disclosure.html", {**shown, **words}, 200)
