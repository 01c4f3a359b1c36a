"""The console's way to the trace API: the same application, called in process over ASGI.

Every page and action goes through the API with the signed-in regulator's own key, so the API's
rules (roles, ownership, validation, the ledger record of every write) are the console's rules,
written once. No socket is opened: the requests are handed to the API application directly.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.types import ASGIApp

#: The base URL of in-process requests (never resolved: the transport is the application itself).
INTERNAL_BASE = "http://trace-api.internal"


class ApiProblem(Exception):
    """The API refused or failed: its status and its RFC 9457 problem (title, detail, errors)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        super().__init__(f"{status}: {problem.get('detail') or problem.get('title') or 'error'}")

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail") or self.problem.get("title") or self.status)

    def field_errors(self) -> dict[str, str]:
        """Field → reason, from the problem's ``errors`` (``[{"field": "uscc", "reason": …}]``)."""
        found: dict[str, str] = {}
        for error in self.problem.get("errors") or []:
            if isinstance(error, dict) and error.get("field"):
                found[str(error["field"])] = str(error.get("reason") or "")
        return found


class TraceApi:
    """Calls to the trace API application ``app`` as the holder of one API key."""

    def __init__(self, app: ASGIApp) -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self._client = httpx.AsyncClient(transport=transport, base_url=INTERNAL_BASE, timeout=60.0)

    async def request(
        self,
        key: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        data: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """The raw response (for binary bodies); a status of 400 or more raises :class:`ApiProblem`."""
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        response = await self._client.request(
            method,
            path,
            params=clean,
            json=json,
            files=files,
            data=data,
            headers={"Authorization": f"Bearer {key}", "Accept-Language": "zh-CN"},
        )
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "detail": response.text[:300]}
            raise ApiProblem(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def get(self, key: str, path: str, **params: Any) -> Any:
        return (await self.request(key, "GET", path, params=params)).json()

    async def post(self, key: str, path: str, body: Any = None, **params: Any) -> Any:
        response = await self.request(key, "POST", path, json=body, params=params)
        return response.json() if response.content else None
