"""Who uses the phone scanner: the member's sign-in, its session cookie, its CSRF token, sign-out.

A member signs in with its organisation's API key on a plain HTML form (no script sees the key);
so does a regulator's inspector with their own key (kind ``inspector``), for the app's inspection
mode.
The key goes into a session cookie sealed with :class:`regulator_console.sessions.SessionSeal`:
``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page sends it), scoped to
``/scan`` and carrying its own expiry. The seal's key is derived from the console's secret, so a
console cookie never opens a scanner session, and replicas sharing ``SUYUAN_CONSOLE_SECRET`` share
scanner sessions too. Every request checks the key with the trace API (``GET /v1/organisations/me``);
every write carries the session's CSRF token in the ``X-CSRF-Token`` header (or, for the plain
forms, a ``csrf`` field).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from regulator_console.api import ApiProblem, TraceApi
from regulator_console.sessions import ConsoleSession

from .state import MOUNT, state_of
from .views import render

SESSION_COOKIE = "suyuan_scan"
#: The cookie of the sign-in form's own CSRF token (there is no session yet to hold one).
SIGNIN_COOKIE = "suyuan_scan_signin"
#: The organisations that scan goods in and out; regulators use the console.
SCANNER_ROLES = frozenset({"importer", "wholesaler", "retailer", "restaurant", "market"})

router = APIRouter()


def scanner_secret(console_secret: bytes) -> bytes:
    """The Fernet key sealing scanner sessions, derived from the console's session secret."""
    derived = hmac.new(console_secret, b"suyuan phone scanner sessions", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(derived)


#: The API's answer for an inspector's key (``GET /v1/enforcement/inspectors/me``).
INSPECTOR_PATH = "/v1/enforcement/inspectors/me"


@dataclass(frozen=True)
class Trader:
    """Who is signed in: their session and their organisation as ``GET /v1/organisations/me`` answers;
    for a regulator's inspector, also the inspector as ``GET /v1/enforcement/inspectors/me`` does."""

    session: ConsoleSession
    org: dict[str, Any]
    inspector: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        return self.session.key


class SignInRequired(Exception):
    """No session, an expired one, or a key the API no longer knows."""


class BadCsrf(Exception):
    """A write without this session's CSRF token."""


class NotAnInspector(Exception):
    """An inspection write from a member's session (only inspectors record inspections)."""


async def inspector_behind(api: TraceApi, key: str) -> dict[str, Any] | None:
    """The inspector whose key ``key`` is; None for any other key of a regulator."""
    try:
        found: dict[str, Any] = await api.get(key, INSPECTOR_PATH)
    except ApiProblem as refused:
        if refused.status == 403:
            return None
        raise
    return found


async def signed_in(request: Request) -> Trader:
    """The signed-in member, checked against the API now."""
    state = state_of(request)
    session = state.seal.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequired
    try:
        org = await state.api.get(session.key, "/v1/organisations/me")
    except ApiProblem as problem:
        if problem.status in (401, 403):
            raise SignInRequired from problem
        raise
    if org.get("org_type") == "regulator":
        inspector = await inspector_behind(state.api, session.key)
        if inspector is None:
            raise SignInRequired
        return Trader(session=session, org=org, inspector=inspector)
    if org.get("org_type") not in SCANNER_ROLES:
        raise SignInRequired
    return Trader(session=session, org=org)


SignedIn = Annotated[Trader, Depends(signed_in)]


async def checked_csrf(request: Request, trader: SignedIn) -> Trader:
    """The signed-in member, when the write carries the session's CSRF token."""
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        value = (await request.form()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not trader.session.csrf_matches(sent):
        raise BadCsrf
    return trader


Writer = Annotated[Trader, Depends(checked_csrf)]


async def inspector_writing(trader: Writer) -> Trader:
    """The signed-in inspector, on a write carrying the session's CSRF token."""
    if trader.inspector is None:
        raise NotAnInspector
    return trader


InspectorWriter = Annotated[Trader, Depends(inspector_writing)]


def cookie_flags(request: Request) -> dict[str, Any]:
    return {"path": MOUNT, "httponly": True, "samesite": "strict", "secure": request.url.scheme == "https"}


def _sign_in_page(
    request: Request, error: str | None = None, status: int = 200, *, to_console: bool = False
) -> Response:
    """The sign-in form (with ``error``, and a way to the console for a regulator), and a fresh
    token for it in its own cookie."""
    token = secrets.token_urlsafe(24)
    context = {"form_csrf": token, "error": error, "to_console": to_console}
    response = render(request, "signin.html", context, status_code=status)
    response.set_cookie(SIGNIN_COOKIE, token, max_age=3600, **cookie_flags(request))
    return response


@router.get("/signin", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/signin", response_class=HTMLResponse)
async def sign_in(
    request: Request, api_key: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
) -> Response:
    state = state_of(request)
    t = state.t(request)
    expected = request.cookies.get(SIGNIN_COOKIE) or ""
    if not expected or not secrets.compare_digest(expected.encode(), csrf.encode()):
        return _sign_in_page(request, t("The form expired. Please sign in again."), 403)
    key = api_key.strip()
    if not key:
        return _sign_in_page(request, t("Enter your organisation's API key."), 422)
    try:
        org = await state.api.get(key, "/v1/organisations/me")
    except ApiProblem as problem:
        if problem.status == 401:
            return _sign_in_page(request, t("This API key is not known, or it was revoked."), 401)
        if str(problem.problem.get("type", "")).endswith("organisation-suspended"):
            return _sign_in_page(request, t("This organisation is suspended: its keys cannot sign in."), 403)
        raise
    if org.get("org_type") == "regulator" and await inspector_behind(state.api, key) is None:
        message = t("This is a market regulator's key: regulators use the console.")
        return _sign_in_page(request, message, 403, to_console=True)
    if org.get("org_type") not in {*SCANNER_ROLES, "regulator"}:
        return _sign_in_page(request, t("This organisation does not scan goods."), 403)
    _, sealed = state.seal.open_session(key)
    response = RedirectResponse(MOUNT + "/", status_code=303)
    response.set_cookie(SESSION_COOKIE, sealed, max_age=state.seal.lifetime_s, **cookie_flags(request))
    response.delete_cookie(SIGNIN_COOKIE, **cookie_flags(request))
    return response


@router.post("/signout")
async def sign_out(request: Request, trader: Writer) -> Response:
    response = RedirectResponse(MOUNT + "/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, **cookie_flags(request))
    return response
