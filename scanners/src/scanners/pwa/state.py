"""What every request of the phone scanner shares: the trace API, the session seal, the templates,
the assets the app works offline with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse
from jinja2 import Environment

from regulator_console.api import ApiProblem, TraceApi
from regulator_console.sessions import SessionSeal

from . import i18n

MOUNT = "/scan"


@dataclass
class ScannerState:
    api: TraceApi
    seal: SessionSeal
    templates: Environment
    #: The folder holding zxing-wasm (an npm package); ``None`` when it is not installed.
    node_modules: Path | None
    #: What the service worker keeps for offline use (URLs), and the version naming that set.
    offline_assets: tuple[str, ...]
    version: str

    def language(self, request: Request) -> i18n.Language:
        return i18n.pick_language(request.cookies.get(i18n.LANG_COOKIE))

    def t(self, request: Request) -> Callable[..., str]:
        """The request's translator (``t("Sign in")`` → ``登录`` by default)."""
        return i18n.translator(self.language(request))


def state_of(request: Request) -> ScannerState:
    state: ScannerState = request.app.state.scanner
    return state


def problem(status: int, title: str, detail: str = "") -> JSONResponse:
    """An RFC 9457 problem of the scanner's own."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def passed_on(refused: ApiProblem) -> JSONResponse:
    """The trace API's problem, answered as the API answered it."""
    return JSONResponse(refused.problem, status_code=refused.status, media_type="application/problem+json")
