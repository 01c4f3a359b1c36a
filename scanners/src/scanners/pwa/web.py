"""The phone scanner's web layer: the sub-application mounted at ``/scan`` of the trace API's
application, the app shell, its assets, its service worker and manifest, and its security headers.

The app is plain JavaScript modules (``static/``) and zxing-wasm's reader (served from the checkout's
``node_modules``, its ``.wasm`` file included: nothing is fetched from a CDN). The service worker
keeps the shell and every asset, so ``/scan/`` opens without a network; the scans wait in the
phone's IndexedDB and go to the server through ``/scan/api/sync`` (see :mod:`.endpoints`). An
inspector's session opens the inspection mode at the same address (``inspect.html``): drafts and
queued inspections with their photos wait in IndexedDB and go through
``/scan/api/enforcement/inspections`` (see :mod:`.inspecting`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regulator_console.api import ApiProblem, TraceApi
from regulator_console.sessions import SessionSeal

from . import endpoints, i18n, inspecting, signin
from .state import MOUNT, ScannerState, passed_on, problem, state_of
from .views import TEMPLATES_DIR, environment, render

PACKAGE_DIR = Path(__file__).parent
STATIC_DIR = PACKAGE_DIR / "static"
#: Files the scanner serves from npm packages: URL name under ``/scan/vendor/`` → path under
#: node_modules, media type. The reader module imports ``../share.js``; its ``.wasm`` is located by
#: the app (``prepareZXingModule``), never at the library's default CDN address.
VENDOR = {
    "zxing/reader/index.js": ("zxing-wasm/dist/es/reader/index.js", "text/javascript"),
    "zxing/share.js": ("zxing-wasm/dist/es/share.js", "text/javascript"),
    "zxing/zxing_reader.wasm": ("zxing-wasm/dist/reader/zxing_reader.wasm", "application/wasm"),
}
#: Only the app itself; WebAssembly compiled from the app's own ``.wasm`` file.
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class SecurityHeaders:
    """Adds the scanner's security headers to every answer; nothing is cached by HTTP caches (the
    service worker keeps what the app needs offline)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _vendor_files(node_modules: Path | None) -> dict[str, Path]:
    if node_modules is None:
        return {}
    found = {name: node_modules / relative for name, (relative, _) in VENDOR.items()}
    return {name: path for name, path in found.items() if path.is_file()}


def _offline_assets(node_modules: Path | None) -> tuple[tuple[str, ...], str]:
    """The URLs the service worker keeps, and a version that changes whenever any of them does."""
    static = sorted(p for p in STATIC_DIR.rglob("*") if p.is_file())
    vendor = _vendor_files(node_modules)
    urls = [
        f"{MOUNT}/",
        f"{MOUNT}/manifest.webmanifest",
        f"{MOUNT}/i18n/zh.json",
        *(f"{MOUNT}/assets/{p.relative_to(STATIC_DIR).as_posix()}" for p in static),
        *(f"{MOUNT}/vendor/{name}" for name in sorted(vendor)),
    ]
    digest = hashlib.sha256()
    sources = [*static, *sorted(TEMPLATES_DIR.rglob("*")), *sorted(i18n.LOCALE_DIR.rglob("*.po"))]
    for path in [p for p in sources if p.is_file()] + [vendor[name] for name in sorted(vendor)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return tuple(urls), digest.hexdigest()[:16]


def create_scanner(
    api_app: ASGIApp, console_secret: bytes, session_minutes: int = 720, node_modules: Path | None = None
) -> FastAPI:
    """The phone scanner over the trace API application ``api_app``; sessions sealed under a key
    derived from ``console_secret``; zxing-wasm from ``node_modules`` (default: the console's
    search for the checkout's node_modules)."""
    if node_modules is None:
        from regulator_console import ConsoleSettings

        node_modules = ConsoleSettings(node_modules=None).vendor_dir()
    assets, version = _offline_assets(node_modules)
    scanner = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, title="Suyuan phone scanner")
    scanner.state.scanner = ScannerState(
        api=TraceApi(api_app),
        seal=SessionSeal(signin.scanner_secret(console_secret), session_minutes * 60),
        templates=environment(),
        node_modules=node_modules,
        offline_assets=assets,
        version=version,
    )
    scanner.add_middleware(SecurityHeaders)
    scanner.mount("/assets", StaticFiles(directory=STATIC_DIR), name="scanner-assets")
    _app_routes(scanner)
    scanner.include_router(signin.router)
    scanner.include_router(endpoints.router)
    scanner.include_router(inspecting.router)
    _error_answers(scanner)
    return scanner


def mount_scanner(
    api_app: FastAPI, console_secret: bytes, session_minutes: int = 720, node_modules: Path | None = None
) -> None:
    """Serves the phone scanner at ``/scan`` of the trace API application."""
    api_app.mount(MOUNT, create_scanner(api_app, console_secret, session_minutes, node_modules))

    @api_app.get(MOUNT, include_in_schema=False)
    def scanner_root() -> RedirectResponse:
        return RedirectResponse(MOUNT + "/", status_code=308)


def _app_routes(scanner: FastAPI) -> None:
    @scanner.get("/", response_class=HTMLResponse)
    async def shell(request: Request) -> Response:
        """The app: the scanner for a member, the inspection mode for an inspector (who is signed
        in the scripts ask the API). Without a session the member signs in first; offline, the
        service worker's copy opens."""
        if state_of(request).seal.read(request.cookies.get(signin.SESSION_COOKIE)) is None:
            return RedirectResponse(MOUNT + "/signin", status_code=303)
        try:
            inspecting = (await signin.signed_in(request)).inspector is not None
        except signin.SignInRequired:
            inspecting = False  # the scanner's script sends the member to sign in again
        return render(request, "inspect.html" if inspecting else "shell.html")

    @scanner.get("/sw.js")
    async def service_worker(request: Request) -> Response:
        state = state_of(request)
        script = state.templates.get_template("sw.js").render(
            version=state.version, assets=json.dumps(list(state.offline_assets))
        )
        return Response(script, media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @scanner.get("/manifest.webmanifest")
    async def manifest(request: Request) -> Response:
        t = state_of(request).t(request)
        body = {
            "name": t("Suyuan scanner"),
            "short_name": t("Scanner"),
            "description": t("Scan goods in and out, also without a network."),
            "lang": "zh-CN" if state_of(request).language(request) == "zh" else "en",
            "start_url": MOUNT + "/",
            "scope": MOUNT + "/",
            "display": "standalone",
            "background_color": "#f3f5f7",
            "theme_color": "#10253f",
            "icons": [
                {"src": f"{MOUNT}/assets/icon.svg", "sizes": "any", "type": "image/svg+xml"},
                {"src": f"{MOUNT}/assets/icon-192.png", "sizes": "192x192", "type": "image/png"},
                {
                    "src": f"{MOUNT}/assets/icon-512.png",
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any maskable",
                },
            ],
        }
        return JSONResponse(body, media_type="application/manifest+json")

    @scanner.get("/i18n/{language}.json")
    async def catalogue(language: str) -> Response:
        if language not in i18n.LANGUAGES:
            return Response(status_code=404)
        return JSONResponse(i18n.messages(language))

    @scanner.get("/lang/{code}")
    async def switch_language(request: Request, code: str) -> Response:
        response = RedirectResponse(MOUNT + "/signin", status_code=303)
        chosen = i18n.pick_language(code)
        response.set_cookie(i18n.LANG_COOKIE, chosen, max_age=365 * 86400, path=MOUNT, samesite="strict")
        return response

    @scanner.get("/vendor/{name:path}")
    async def vendor(request: Request, name: str) -> Response:
        path = _vendor_files(state_of(request).node_modules).get(name)
        if path is None:
            return Response(status_code=404)
        return FileResponse(path, media_type=VENDOR[name][1])


def _error_answers(scanner: FastAPI) -> None:
    @scanner.exception_handler(signin.SignInRequired)
    async def sign_in_required(request: Request, exc: signin.SignInRequired) -> Response:
        if request.url.path.startswith(MOUNT + "/api/"):
            return problem(401, "Sign in again", "no session, or it ended")
        response = RedirectResponse(MOUNT + "/signin", status_code=303)
        response.delete_cookie(signin.SESSION_COOKIE, **signin.cookie_flags(request))
        return response

    @scanner.exception_handler(signin.BadCsrf)
    async def bad_csrf(request: Request, exc: signin.BadCsrf) -> Response:
        return problem(403, "Not allowed", "the write did not carry this session's CSRF token")

    @scanner.exception_handler(signin.NotAnInspector)
    async def not_an_inspector(request: Request, exc: signin.NotAnInspector) -> Response:
        return problem(403, "Not allowed", "only an inspector's session records inspections")

    @scanner.exception_handler(ApiProblem)
    async def api_problem(request: Request, exc: ApiProblem) -> Response:
        return passed_on(exc)
