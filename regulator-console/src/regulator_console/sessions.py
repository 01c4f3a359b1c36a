"""Console sessions: a sealed cookie holding the regulator's API key, and the CSRF token of its forms.

The cookie is sealed with Fernet (AES-128-CBC and HMAC-SHA256) under the console's secret: the
browser holds it but can neither read the key in it nor alter it. It is ``HttpOnly`` (no script
reads it), ``SameSite=Strict`` (no other site's page sends it) and path-scoped to ``/console``,
and it carries its own expiry, checked on every request. Each session has a random CSRF token that
every form and htmx request sends back; a write without it is refused.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken

SESSION_COOKIE = "suyuan_console"
#: The cookie of the sign-in form's own CSRF token (there is no session yet to hold one).
SIGNIN_COOKIE = "suyuan_console_signin"
COOKIE_PATH = "/console"


@dataclass(frozen=True)
class ConsoleSession:
    key: str
    csrf: str
    expires_at: float

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.expires_at

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf.encode(), (sent or "").encode())


class SessionSeal:
    """Seals and opens session cookies under one secret."""

    def __init__(self, secret: bytes, lifetime_s: int) -> None:
        self._fernet = Fernet(secret)
        self.lifetime_s = lifetime_s

    def open_session(self, key: str, now: float | None = None) -> tuple[ConsoleSession, str]:
        """A new session for ``key`` and its sealed cookie value."""
        started = time.time() if now is None else now
        session = ConsoleSession(
            key=key, csrf=secrets.token_urlsafe(32), expires_at=started + self.lifetime_s
        )
        payload = json.dumps({"k": session.key, "c": session.csrf, "e": session.expires_at})
        return session, self._fernet.encrypt(payload.encode()).decode()

    def read(self, cookie: str | None, now: float | None = None) -> ConsoleSession | None:
        """The cookie's session; ``None`` when absent, altered, sealed under another secret or expired."""
        if not cookie:
            return None
        try:
            payload = json.loads(self._fernet.decrypt(cookie.encode()))
            session = ConsoleSession(
                key=str(payload["k"]), csrf=str(payload["c"]), expires_at=float(payload["e"])
            )
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
        return None if session.expired(now) else session

    def seal_note(self, purpose: str, value: dict[str, str], lifetime_s: int) -> str:
        """A short-lived sealed cookie value carrying ``value`` for one ``purpose`` (a secret the
        next page shows once, say); never readable as a session, nor as a note of another purpose."""
        payload = {"p": purpose, "v": value, "e": time.time() + lifetime_s}
        return self._fernet.encrypt(json.dumps(payload).encode()).decode()

    def open_note(self, purpose: str, cookie: str | None) -> dict[str, str] | None:
        """The note's value; ``None`` when absent, altered, expired or sealed for another purpose."""
        if not cookie:
            return None
        try:
            payload = json.loads(self._fernet.decrypt(cookie.encode()))
            if payload["p"] != purpose or float(payload["e"]) <= time.time():
                return None
            return {str(k): str(v) for k, v in dict(payload["v"]).items()}
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None
