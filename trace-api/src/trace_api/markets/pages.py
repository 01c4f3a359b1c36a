"""The public market board (信息公示): ``/markets/{market}``, each stall's page
``/markets/{market}/stalls/{stall}``, and the stall's QR code (PNG, SVG) that opens that page.

No key needed. Browsers get the page (Chinese first, English beside it, for a phone; nothing loaded
from elsewhere); ``Accept: application/json`` or ``?format=json`` gets the same as JSON.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from ..codes.labels import qr_png, qr_svg
from ..context import get_services, get_session
from ..errors import NotFound
from ..resolver.labels import DISPLAY_TZ_LABEL, display_time
from ..resolver.routes import PAGE_POLICY, STATIC_PATH, wants_json
from ..services import Services
from .board import MarketBoard, StallBoard, market_board, stall_board
from .models import Market, Stall
from .service import find_market, find_stall
from .views import stall_path

TEMPLATES_DIR = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).parent / "static" / "market.css"
STYLESHEET_PATH = "/markets/assets/market.css"
QR_CACHE = "public, max-age=86400"
CATEGORIES = {
    "vegetables": "蔬菜 Vegetables",
    "fruit": "水果 Fruit",
    "meat": "肉类 Meat",
    "poultry_eggs": "禽蛋 Poultry and eggs",
    "aquatic": "水产 Aquatic products",
    "grain_oil": "粮油 Grain and oil",
    "dry_goods": "干货 Dry goods",
    "cooked": "熟食 Cooked food",
    "other": "其他 Other",
}
METHODS = {
    "enzyme_inhibition": "酶抑制法 Enzyme inhibition",
    "colloidal_gold": "胶体金法 Colloidal gold",
}
UNITS = {
    "KGM": "千克 kg",
    "GRM": "克 g",
    "H87": "件 pieces",
    "C62": "件 pieces",
    "BX": "箱 boxes",
    "BG": "袋 bags",
}

router = APIRouter(tags=["market board"])
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["local_time"] = display_time
templates.env.globals.update(
    categories=CATEGORIES, methods=METHODS, units=UNITS, tz_label=DISPLAY_TZ_LABEL, stylesheet=STYLESHEET_PATH
)

MarketHandle = Annotated[str, PathParam(max_length=64, description="the market's handle")]
StallCode = Annotated[str, PathParam(max_length=16, description="the stall's code")]
Format = Annotated[str | None, Query(alias="format", description="json: answer JSON whatever Accept says")]
ServicesDep = Annotated[Services, Depends(get_services)]
SessionDep = Annotated[Session, Depends(get_session)]
PAGE_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/json": {}}},
    404: {"description": "No such market or stall", "content": {"text/html": {}}},
}
QR_SCALE = Annotated[int, Query(ge=1, le=40, description="pixels (PNG) or units (SVG) per module")]


def _as_json(request: Request, fmt: str | None) -> bool:
    return fmt.lower() == "json" if fmt is not None else wants_json(request.headers.get("accept", ""))


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    headers = {"Vary": "Accept", "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
    root = request.scope.get("root_path", "")
    context = {**context, "root": root, "resolver_css": f"{root}{STATIC_PATH}/resolver.css"}
    return templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)


def _found(request: Request, as_json: bool, find: Any) -> Any:
    try:
        return find()
    except NotFound as exc:
        if as_json:
            raise
        return _page(request, "not_found.html", {"detail": exc.detail}, status_code=404)


@router.get(
    "/markets/{market}", response_model=None, summary="A market's public board", responses=PAGE_ANSWERS
)
def board(request: Request, market: MarketHandle, session: SessionDep, fmt: Format = None) -> Response:
    """信息公示: today's rapid tests, the open disposals, the prices, the vendors with their licences
    and each stall with its QR code."""
    as_json = _as_json(request, fmt)
    found = _found(request, as_json, lambda: find_market(session, market))
    if isinstance(found, Response):
        return found
    answer = market_board(session, found, _now())
    if as_json:
        return _json(answer)
    return _page(request, "board.html", {"b": answer})


@router.get(
    "/markets/{market}/stalls/{stall}",
    response_model=None,
    summary="A stall's public page",
    responses=PAGE_ANSWERS,
)
def stall_page(
    request: Request, market: MarketHandle, stall: StallCode, session: SessionDep, fmt: Format = None
) -> Response:
    """A stall's page, which its QR code opens: its vendor and licences, its goods and their
    sources, today's rapid tests and its prices."""
    as_json = _as_json(request, fmt)
    found = _found(request, as_json, lambda: _stall(session, market, stall))
    if isinstance(found, Response):
        return found
    answer = stall_board(session, found[0], found[1], _now())
    if as_json:
        return _json(answer)
    return _page(request, "stall.html", {"s": answer})


def _stall(session: Session, market: str, stall: str) -> tuple[Market, Stall]:
    found = find_market(session, market)
    return found, find_stall(session, found, stall)


def _json(answer: MarketBoard | StallBoard) -> Response:
    return Response(answer.model_dump_json(), media_type="application/json", headers={"Vary": "Accept"})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stall_uri(services: Services, market: Market, stall: Stall) -> str:
    """The address a stall's QR code carries: its public page on the public URL."""
    return services.settings.public_url + stall_path(market, stall)


@router.get(
    "/markets/{market}/stalls/{stall}/qr.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "the stall's QR code"}},
)
def stall_qr_png(
    market: MarketHandle, stall: StallCode, services: ServicesDep, session: SessionDep, scale: QR_SCALE = 10
) -> Response:
    """The stall's QR code (PNG) to print and hang on the stall: it opens the stall's page."""
    uri = stall_uri(services, *_stall(session, market, stall))
    return Response(qr_png(uri, scale), media_type="image/png", headers={"Cache-Control": QR_CACHE})


@router.get(
    "/markets/{market}/stalls/{stall}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "the stall's QR code"}},
)
def stall_qr_svg(
    market: MarketHandle, stall: StallCode, services: ServicesDep, session: SessionDep, scale: QR_SCALE = 10
) -> Response:
    """The stall's QR code (SVG), titled with the address it opens."""
    uri = stall_uri(services, *_stall(session, market, stall))
    return Response(qr_svg(uri, scale), media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE})


@router.get(STYLESHEET_PATH, include_in_schema=False)
def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})
