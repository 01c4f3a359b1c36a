"""The console's web layer: the sub-application mounted at ``/console``, its sign-in, its language
switch, its assets, and what every page shares (who is signed in, CSRF, rendering, errors).

A page is one router in :mod:`regulator_console.pages` plus its templates and its catalogue; it
names itself in the navigation with :class:`NavItem`, and may add open-alert figures to the
dashboard with :class:`DashboardCard`. Each page handler takes a
:class:`Regulator` (``Depends(signed_in)``): the session cookie is opened and the key it holds is
checked with the trace API (``GET /v1/organisations/me``) on every request, so a revoked key, a
key that is not a member key (an inspector's, a device's) or an organisation that is not a
regulator gets the sign-in page or a 403 page, never data. Each write takes
``Depends(checked_csrf)`` as well.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import i18n
from .api import ApiProblem, TraceApi
from .sessions import COOKIE_PATH, SESSION_COOKIE, SIGNIN_COOKIE, ConsoleSession, SessionSeal

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"
MOUNT = "/console"
#: The organisation types the console serves.
CONSOLE_ROLES = frozenset({"regulator"})
#: The key kinds that sign in (``GET /v1/organisations/me``'s ``key.kind``): a member key acts for
#: its whole organisation; an inspector's key acts on inspections only and a device's for its
#: device, so neither may see the regulator-wide lists the console shows.
CONSOLE_KEY_KINDS = frozenset({"member"})
#: Scripts the console serves from npm packages: URL name → path under node_modules.
VENDOR = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}
#: Only the app itself: no CDN, no outside fonts, no inline script.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True)
class NavItem:
    """A page's place in the navigation: its path under ``/console``, its label (a message id)."""

    path: str
    label: str
    order: int


@dataclass(frozen=True)
class DashboardCard:
    """An open-alert figure a page adds to the dashboard: the alert kind it counts (a key of
    ``GET /v1/overview``'s ``alerts.open_by_kind``), its label (a message id) and the list behind
    it (a path under ``/console``, with its query)."""

    kind: str
    label: str
    link: str


@dataclass(frozen=True)
class Regulator:
    """Who is signed in: their session and their organisation as ``GET /v1/me`` answers it."""

    session: ConsoleSession
    org: dict[str, Any]

    @property
    def key(self) -> str:
        return self.session.key


class SignInRequired(Exception):
    """No session, an expired one, or a key the API no longer knows."""


class NotForThisRole(Exception):
    """Signed in, but with a key the console does not serve: ``why`` says so, in the request's
    language (see :func:`refusal`)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def key_kind(org: dict[str, Any]) -> str:
    """The kind of the key ``GET /v1/organisations/me`` was called with (``""`` if it says none)."""
    key = org.get("key")
    return str(key.get("kind", "")) if isinstance(key, dict) else ""


def refusal(org: dict[str, Any]) -> str | None:
    """Why the key behind ``GET /v1/organisations/me``'s answer ``org`` may not use the console,
    in the request's language; ``None`` when it may: a member key of a regulator."""
    kind = key_kind(org)
    name = org.get("name", "")
    if kind not in CONSOLE_KEY_KINDS:
        if kind == "inspector":
            return i18n._(
                "This is an inspector's key of %(name)s: it records inspections only. "
                "Sign in with the organisation's member API key.",
                name=name,
            )
        if kind == "device":
            return i18n._(
                "This is a device's key of %(name)s: it acts for its device only. "
                "Sign in with the organisation's member API key.",
                name=name,
            )
        return i18n._("This key is not a member API key: sign in with the organisation's member API key.")
    if org.get("org_type") not in CONSOLE_ROLES:
        return i18n._("%(name)s is not a market regulator: the console is for regulators.", name=name)
    return None


class BadCsrf(Exception):
    """A write without this session's CSRF token."""


@dataclass
class ConsoleState:
    api: TraceApi
    seal: SessionSeal
    templates: Jinja2Templates
    nav: list[NavItem]
    #: The dashboard's open-alert cards, in the pages' order.
    cards: list[DashboardCard]
    node_modules: Path | None


def _state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def console_url(path: str, **params: str | None) -> str:
    """``/console{path}``, with a query of the parameters that have a value."""
    query = urlencode({name: value for name, value in params.items() if value})
    return f"{MOUNT}{path}" + (f"?{query}" if query else "")


def local_path(target: str | None) -> str:
    """``target`` if it is a path inside the console, else the dashboard (no open redirect)."""
    if not target:
        return MOUNT + "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(MOUNT) or target.startswith("//"):
        return MOUNT + "/"
    return target


async def signed_in(request: Request) -> Regulator:
    """The signed-in regulator, checked against the API now; raises for the handlers below."""
    state = _state(request)
    session = state.seal.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    try:
        org = await state.api.get(session.key, "/v1/organisations/me")
    except ApiProblem as problem:
        if problem.status in (401, 403):
            raise SignInRequired from problem
        raise
    why = refusal(org)
    if why is not None:
        raise NotForThisRole(why)
    return Regulator(session=session, org=org)


SignedIn = Annotated[Regulator, Depends(signed_in)]


async def checked_csrf(request: Request, regulator: SignedIn) -> Regulator:
    """The signed-in regulator, when the write carries the session's CSRF token (form field
    ``csrf`` or header ``X-CSRF-Token``, which htmx sends)."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.method == "POST":
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not regulator.session.csrf_matches(sent):
        raise BadCsrf
    return regulator


Writer = Annotated[Regulator, Depends(checked_csrf)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    regulator: Regulator | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page (or an htmx fragment) in the request's language."""
    state = _state(request)
    values: dict[str, Any] = {
        "request": request,
        "regulator": regulator,
        "csrf": regulator.session.csrf if regulator else "",
        "nav": state.nav,
        "mount": MOUNT,
        "lang": i18n.language(),
        "here": request.url.path,
        "here_full": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    values.update(context or {})
    return state.templates.TemplateResponse(request, template, values, status_code=status_code)


def _environment(template_dirs: Sequence[Path] = ()) -> Environment:
    """The templates of the console, then of each folder in ``template_dirs`` (pages kept outside
    this package)."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES_DIR, *template_dirs]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(local_time=i18n.local_time, number=i18n.number, duration=i18n.duration, unit=i18n.unit)
    env.globals.update(quote=quote)
    return env


class LanguageAndHeaders:
    """Sets the request's language from its cookie, and adds the console's security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = Request(scope).cookies.get(i18n.LANG_COOKIE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in (
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ):
                    headers.append((name, value))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        with i18n.speaking(i18n.pick_language(cookie)):
            await self.app(scope, receive, send_with_headers)


def _cookie_flags(request: Request) -> dict[str, Any]:
    return {
        "path": COOKIE_PATH,
        "httponly": True,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
    }


def _sign_in_page(request: Request, target: str, error: str | None = None, status: int = 200) -> Response:
    """The sign-in form (with ``error``), and a fresh token for it in its own cookie."""
    token = secrets.token_urlsafe(24)
    context = {"form_csrf": token, "next": target, "error": error}
    response = render(request, "signin.html", context, status_code=status)
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **_cookie_flags(request))
    return response


def _to_sign_in(request: Request) -> Response:
    target = (
        MOUNT
        + "/signin?next="
        + quote(local_path(request.url.path + (f"?{request.url.query}" if request.url.query else "")))
    )
    if request.headers.get("hx-request"):
        response: Response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, **_cookie_flags(request))
    return response


def create_console(
    api_app: ASGIApp,
    secret: bytes,
    session_minutes: int = 480,
    node_modules: Path | None = None,
    pages: Sequence[ModuleType] | None = None,
) -> FastAPI:
    """The console application over the trace API application ``api_app``, serving ``pages``
    (default :data:`regulator_console.pages.PAGES`); htmx and cytoscape.js come from
    ``node_modules`` (default: the nearest one holding them, see :class:`ConsoleSettings`).

    Each page module has a ``router`` and a ``NAV`` (:class:`NavItem` or ``None``), and may have
    ``DASHBOARD`` (:class:`DashboardCard` s) and, for a page kept outside this package, ``TEMPLATES``
    (a folder searched after the console's own templates) and ``LOCALE`` (a folder of catalogues
    laid out as the console's ``locale``)."""
    from .pages import PAGES
    from .settings import ConsoleSettings

    if node_modules is None:
        node_modules = ConsoleSettings(node_modules=None).vendor_dir()
    served = PAGES if pages is None else tuple(pages)

    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, title="Suyuan regulator console")
    for page in served:
        if getattr(page, "LOCALE", None) is not None:
            i18n.add_catalogues(page.LOCALE)
    template_dirs = [page.TEMPLATES for page in served if getattr(page, "TEMPLATES", None) is not None]
    templates = Jinja2Templates(env=_environment(template_dirs))
    nav = sorted((page.NAV for page in served if page.NAV is not None), key=lambda item: item.order)
    cards = [card for page in served for card in getattr(page, "DASHBOARD", ())]
    console.state.console = ConsoleState(
        api=TraceApi(api_app),
        seal=SessionSeal(secret, session_minutes * 60),
        templates=templates,
        nav=nav,
        cards=cards,
        node_modules=node_modules,
    )
    console.add_middleware(LanguageAndHeaders)
    console.mount("/assets", StaticFiles(directory=STATIC_DIR), name="console-assets")
    _core_routes(console)
    for page in served:
        console.include_router(page.router)
    _error_pages(console)
    return console


def mount_console(
    api_app: FastAPI,
    secret: bytes,
    session_minutes: int = 480,
    node_modules: Path | None = None,
    pages: Sequence[ModuleType] | None = None,
) -> None:
    """Serves the console (see :func:`create_console`) at ``/console`` of the trace API application."""
    console = create_console(api_app, secret, session_minutes, node_modules, pages)
    api_app.mount(MOUNT, console, name="console")

    @api_app.get(MOUNT, include_in_schema=False)
    def console_root() -> RedirectResponse:
        return RedirectResponse(MOUNT + "/", status_code=308)


def _core_routes(console: FastAPI) -> None:
    @console.get("/signin", response_class=HTMLResponse)
    async def sign_in_form(request: Request, next: str | None = None) -> Response:
        return _sign_in_page(request, local_path(next))

    @console.post("/signin", response_class=HTMLResponse)
    async def sign_in(
        request: Request,
        api_key: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "",
    ) -> Response:
        state = _state(request)
        expected = request.cookies.get(SIGNIN_COOKIE) or ""
        target = local_path(next)

        def again(error: str, status: int) -> Response:
            return _sign_in_page(request, target, error, status)

        if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
            return again(i18n._("The form expired. Please sign in again."), 403)
        key = api_key.strip()
        if not key:
            return again(i18n._("Enter your organisation's API key."), 422)
        try:
            org = await state.api.get(key, "/v1/organisations/me")
        except ApiProblem as problem:
            if problem.status == 401:
                return again(i18n._("This API key is not known, or it was revoked."), 401)
            if str(problem.problem.get("type", "")).endswith("organisation-suspended"):
                return again(i18n._("This organisation is suspended: its keys cannot sign in."), 403)
            raise
        why = refusal(org)
        if why is not None:
            return again(why, 403)
        _, sealed = state.seal.open_session(key)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, sealed, max_age=state.seal.lifetime_s, **_cookie_flags(request))
        response.delete_cookie(SIGNIN_COOKIE, **_cookie_flags(request))
        return response

    @console.post("/signout")
    async def sign_out(request: Request, regulator: Writer) -> Response:
        response = RedirectResponse(MOUNT + "/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, **_cookie_flags(request))
        return response

    @console.get("/lang/{code}")
    async def switch_language(request: Request, code: str, next: str | None = None) -> Response:
        response = RedirectResponse(local_path(next), status_code=303)
        chosen = i18n.pick_language(code)
        response.set_cookie(
            i18n.LANG_COOKIE, chosen, max_age=365 * 86400, path=COOKIE_PATH, samesite="strict"
        )
        return response

    @console.get("/vendor/{name}")
    async def vendor(request: Request, name: str) -> Response:
        state = _state(request)
        relative = VENDOR.get(name)
        if relative is None or state.node_modules is None or not (state.node_modules / relative).is_file():
            return Response(status_code=404)
        return FileResponse(
            state.node_modules / relative,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )


def _error_pages(console: FastAPI) -> None:
    @console.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return _to_sign_in(request)

    @console.exception_handler(NotForThisRole)
    async def not_for_this_role(request: Request, exc: NotForThisRole) -> Response:
        return render(
            request, "error.html", {"title": i18n._("Not allowed"), "message": exc.why}, status_code=403
        )

    @console.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, exc: BadCsrf) -> Response:
        message = i18n._(
            "The form was not sent from this console, or it expired. Reload the page and try again."
        )
        return render(
            request, "error.html", {"title": i18n._("Not allowed"), "message": message}, status_code=403
        )

    @console.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        if exc.status == 401:
            return _to_sign_in(request)
        titles: dict[int, Callable[[], str]] = {
            403: lambda: i18n._("Not allowed"),
            404: lambda: i18n._("Not found"),
            409: lambda: i18n._("Conflict"),
            422: lambda: i18n._("Invalid input"),
            503: lambda: i18n._("Temporarily unavailable"),
        }
        title = titles.get(exc.status, lambda: i18n._("Something went wrong"))()
        return render(request, "error.html", {"title": title, "message": exc.detail}, status_code=exc.status)
