"""The GS1 Digital Link resolver: ``GET /01/{gtin}/10/{lot}/21/{serial}`` answers a consumer's scan.

Browsers get the provenance page (HTML; every asset served from here, no CDN); ``Accept:
application/json`` or ``?format=json`` gets the same facts as JSON; ``linkType=suyuan:proof``
gets the proof bundles (with ``&record=<id>``, one bundle: the file ``suyuan verify --bundle``
reads). An unknown or malformed code answers 404 "not a genuine code", as a page or as
problem+json. Lots and serials may be percent-encoded (GS1 Digital Link 1.2, section 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from .. import gs1
from ..context import get_services, get_session
from ..errors import NotFound
from ..services import Services
from . import labels
from .service import PROOF_LINK_TYPE, RememberedPages, UnknownCode
from .views import Provenance

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static/resolver"
STATIC_NAME = "resolver-static"
#: The page loads nothing from elsewhere, and nothing may be injected into it.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
JSON_TYPES = ("application/json", "application/ld+json")
HTML_TYPES = ("text/html", "application/xhtml+xml")

router = APIRouter(tags=["resolver"])
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.filters["local_time"] = labels.display_time
templates.env.globals.update(labels=labels, label=labels.label)


@dataclass(frozen=True)
class Ask:
    """What the caller asked for, besides the code."""

    link_type: str | None
    record: str | None
    as_json: bool


def ask(
    request: Request,
    link_type: Annotated[
        str | None, Query(alias="linkType", description="gs1:pip (the page; default) or suyuan:proof")
    ] = None,
    record: Annotated[str | None, Query(description="with suyuan:proof: one record's bundle")] = None,
    fmt: Annotated[
        str | None, Query(alias="format", description="json: answer JSON whatever Accept says")
    ] = None,
) -> Ask:
    as_json = fmt.lower() == "json" if fmt is not None else wants_json(request.headers.get("accept", ""))
    return Ask(link_type, record, as_json)


AskDep = Annotated[Ask, Depends(ask)]
ServicesDep = Annotated[Services, Depends(get_services)]
SessionDep = Annotated[Session, Depends(get_session)]


@router.get(
    "/01/{gtin}/10/{lot}/21/{serial}",
    response_model=None,
    summary="Resolve an item code",
    responses={
        200: {"content": {"text/html": {}, "application/json": {}}},
        404: {"description": "Not a genuine code", "content": {"text/html": {}}},
    },
)
def resolve_item_code(
    request: Request,
    gtin: str,
    lot: str,
    serial: str,
    asked: AskDep,
    services: ServicesDep,
    session: SessionDep,
) -> Response:
    """The item's provenance page, its JSON, or its proof bundles (GS1 Digital Link resolver)."""
    pages = _pages(request)
    return answer(request, asked, lambda: pages.provenance(services, session, gtin, lot, serial))


@router.get("/01/{gtin}/{qualifiers:path}", response_model=None, include_in_schema=False)
def resolve_encoded_item_code(
    request: Request, asked: AskDep, services: ServicesDep, session: SessionDep
) -> Response:
    """Lots or serials holding an encoded '/' (``%2F``), and paths that are no item code at all."""

    def find() -> Provenance:
        return _pages(request).provenance(services, session, *code_parts(request))

    return answer(request, asked, find)


def mount_resolver(app: FastAPI) -> None:
    """Adds the resolver's routes and serves its stylesheet at ``/static/resolver`` (once per app)."""
    if any(getattr(route, "name", None) == STATIC_NAME for route in app.routes):
        return
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name=STATIC_NAME)
    app.state.remembered_pages = RememberedPages()


def _pages(request: Request) -> RememberedPages:
    pages: RememberedPages = request.app.state.remembered_pages
    return pages


def answer(request: Request, asked: Ask, find: Callable[[], Provenance]) -> Response:
    try:
        found = find()
    except UnknownCode as exc:
        if asked.as_json or asked.link_type == PROOF_LINK_TYPE:
            raise
        return page(request, "not_genuine.html", {"detail": exc.detail}, status_code=404)
    if asked.link_type == PROOF_LINK_TYPE:
        return proof_response(found, asked.record)
    if asked.as_json:
        # pydantic-core writes the JSON directly: far cheaper than dumping to dicts and encoding again.
        return Response(
            found.model_dump_json(),
            media_type="application/json",
            headers={"Vary": "Accept", "Cache-Control": "no-cache"},
        )
    checks = {c.record_id: c for c in found.verification.records}
    return page(request, "provenance.html", {"p": found, "checks": checks})


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    static = request.scope.get("root_path", "") + STATIC_PATH
    headers = {"Vary": "Accept", "Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY}
    return templates.TemplateResponse(
        request, name, {**context, "static": static}, status_code=status_code, headers=headers
    )


def proof_response(found: Provenance, record_id: str | None) -> JSONResponse:
    """All shown records' bundles, or one of them as a file for ``suyuan verify --bundle``."""
    checks = found.verification.records
    if record_id is None:
        bundles = [c.bundle for c in checks]
        body = {"origin": found.verification.origin, "verifier_key": found.verification.verifier_key}
        return JSONResponse({**body, "bundles": bundles})
    check = next((c for c in checks if c.record_id == record_id), None)
    if check is None:
        raise NotFound(f"record {record_id!r} is not part of this item's provenance")
    disposition = f'attachment; filename="suyuan-proof-{check.index}.json"'
    return JSONResponse(check.bundle, headers={"Content-Disposition": disposition})


def code_parts(request: Request) -> tuple[str, str, str]:
    """GTIN, lot and serial from the raw (still percent-encoded) request path."""
    raw: bytes = request.scope.get("raw_path") or request.url.path.encode()
    tail = "/".join(raw.decode("latin-1").rstrip("/").split("/")[-6:])
    try:
        code = gs1.parse_item_code(tail)
    except gs1.GS1Error as exc:
        raise UnknownCode(f"not a genuine code (非正品码): {exc}") from exc
    return code.gtin, code.lot, code.serial


def wants_json(accept: str) -> bool:
    """Whether ``Accept`` prefers JSON to HTML (``*/*`` and ties get the page)."""
    json_q = html_q = 0.0
    for item in accept.split(","):
        media, _, params = item.partition(";")
        media = media.strip().lower()
        if media in JSON_TYPES or media.endswith("+json"):
            json_q = max(json_q, _quality(params))
        elif media in HTML_TYPES:
            html_q = max(html_q, _quality(params))
    return json_q > html_q


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
